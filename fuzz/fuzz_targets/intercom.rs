#![no_main]
//! The intercom platform importer.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::drive(
    chatlint::ingest::InputFormat::Intercom,
    data
));
