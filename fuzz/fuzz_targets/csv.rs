#![no_main]
//! The CSV importer (two passes, ragged rows, open quotes).
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::drive(chatlint::ingest::InputFormat::Csv, data));
