//! inkmark: a keyboard-first terminal reader and entity annotator for Chinese and
//! mixed-script articles.
//!
//! The library is the pure core (text layout, corpus, configuration) plus the TUI shell in
//! [`tui`]; the binary in `main.rs` only parses arguments and starts one or the other.

pub mod annotation;
pub mod config;
pub mod corpus;
pub mod detect;
pub mod export;
pub mod headless;
pub mod label;
pub mod learn;
pub mod parallel;
pub mod positions;
pub mod relabel;
pub mod show;
pub mod stats;
pub mod team;
pub mod text;
pub mod tui;
