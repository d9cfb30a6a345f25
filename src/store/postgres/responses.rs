//! Stored Responses API objects in PostgreSQL.

use super::{Db, get, insert, row};
use crate::store::responses::RESPONSE_SELECT;
use crate::store::{Result, StoredResponse, exists, now};

impl Db {
    /// Keeps a response (a second one with the same id is a conflict).
    pub async fn put_response(
        &self,
        id: &str,
        model: &str,
        input: &serde_json::Value,
        response: &serde_json::Value,
    ) -> Result<()> {
        let c = self.client().await?;
        insert(
            &c,
            "INSERT INTO responses (id, created_at, model, input, response, owner) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &id,
                &now(),
                &model,
                &input.to_string(),
                &response.to_string(),
                &self.new_owner(),
            ],
            || exists("response", id),
        )
        .await
    }

    /// A stored response, if there is one with this id.
    pub async fn stored_response(&self, id: &str) -> Result<Option<StoredResponse>> {
        let c = self.client().await?;
        let Some(r) = row(
            &c,
            &format!("{RESPONSE_SELECT} WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)"),
            &[&id, &self.owner()],
        )
        .await?
        else {
            return Ok(None);
        };
        StoredResponse::from_columns(
            get(&r, 0)?,
            get(&r, 1)?,
            get(&r, 2)?,
            get(&r, 3)?,
            get(&r, 4)?,
        )
        .map(Some)
    }
}
