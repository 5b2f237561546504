#![no_main]
//! One native JSON record: parse, analyse, score, render.
#[path = "common.rs"]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::native_record(data));
