//! The Claude Messages API client: typed shapes, SSE decoding, streaming, retries.
//!
//! Knows nothing of the store, the terminal or HTTP serving.

mod accumulate;
mod client;
mod error;
mod models;
pub mod sse;
pub mod types;

pub use accumulate::Accumulator;
pub use client::{
    API_VERSION, Client, ClientConfig, DEFAULT_BASE_URL, MessageStream, init_tls, parse_event,
    retry_after, should_retry,
};
pub use error::{ApiError, Error, kind_for_status};
pub use models::{DEFAULT_MODEL, fallback_models};
pub use types::*;
