//! clauded: Claude in the terminal and as a local OpenAI-compatible daemon, on one SQLite store.
//!
//! Layers, lowest first: [`anthropic`], [`store`], [`config`], [`secrets`], [`crypto`],
//! [`pricing`] and [`metrics`];
//! then [`engine`]; then the front ends ([`cli`]). A module never imports one above it.

pub mod anthropic;
pub mod builtin;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod engine;
pub mod error;
pub mod git;
pub mod github;
pub mod mcp;
pub mod metrics;
pub mod openai;
pub mod pricing;
pub mod procs;
pub mod secrets;
pub mod server;
pub mod store;

pub use error::{Error, Result};
