//! chatlint: a fast, offline conversation-quality linter and QA scorer for
//! customer-support live chat.
//!
//! Data flows one way: [`ingest`] -> [`model`] -> [`analysis`] + [`rules`]
//! -> [`score`] -> [`summary`] -> [`render`], driven by [`pipeline`].

pub mod analysis;
pub mod app;
pub mod cli;
pub mod config;
pub mod convert;
pub mod ingest;
pub mod model;
pub mod phrases;
pub mod pipeline;
pub mod pool;
pub mod progress;
pub mod redact;
pub mod render;
pub mod rules;
pub mod score;
pub mod seen_ids;
pub mod summary;
pub mod swar;
pub mod text;
pub mod timestamp;
