//! Stored Responses API objects: what `GET /v1/responses/{id}` returns and what a
//! `previous_response_id` continues from.

use super::{Error, Result};

/// A stored response.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// `resp_…`.
    pub id: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The model that answered.
    pub model: String,
    /// The input items it answered, the previous responses' included.
    pub input: serde_json::Value,
    /// The response object as it was sent.
    pub response: serde_json::Value,
}

/// A response's columns in [`StoredResponse::from_columns`]'s order: SQL both engines run.
pub(crate) const RESPONSE_SELECT: &str =
    "SELECT id, created_at, model, input, response FROM responses";

impl StoredResponse {
    /// A stored response from its columns, `input` and `response` as their JSON text.
    pub(crate) fn from_columns(
        id: String,
        created_at: String,
        model: String,
        input: &str,
        response: &str,
    ) -> Result<Self> {
        let parse = |what: &str, text: &str| {
            serde_json::from_str(text)
                .map_err(|e| Error::Corrupt(format!("response {id} {what}: {e}")))
        };
        Ok(Self {
            input: parse("input", input)?,
            response: parse("object", response)?,
            id,
            created_at,
            model,
        })
    }
}
