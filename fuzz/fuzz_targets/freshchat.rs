#![no_main]
//! The freshchat platform importer.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::drive(
    chatlint::ingest::InputFormat::Freshchat,
    data
));
