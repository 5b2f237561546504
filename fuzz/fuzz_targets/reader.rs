#![no_main]
//! The native reader: sniffing, BOM, JSON Lines / array / concatenated
//! values, the splitter across block boundaries, then every record scored.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::drive(chatlint::ingest::InputFormat::Auto, data));
