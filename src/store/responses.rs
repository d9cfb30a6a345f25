//! Stored Responses API objects: what `GET /v1/responses/{id}` returns and what a
//! `previous_response_id` continues from.

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
