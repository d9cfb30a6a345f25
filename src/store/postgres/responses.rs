//! Stored Responses API objects in PostgreSQL.

use super::{Db, exists_as, get, pg, row};
use crate::store::{Error, Result, StoredResponse, now};

fn parse(what: &str, id: &str, text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("response {id} {what}: {e}")))
}

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
        let st = c
            .prepare_cached(
                "INSERT INTO responses (id, created_at, model, input, response) VALUES ($1, $2, $3, $4, $5)",
            )
            .await
            .map_err(pg)?;
        c.execute(
            &st,
            &[
                &id,
                &now(),
                &model,
                &input.to_string(),
                &response.to_string(),
            ],
        )
        .await
        .map_err(|e| exists_as(e, "response", id))?;
        Ok(())
    }

    /// A stored response, if there is one with this id.
    pub async fn stored_response(&self, id: &str) -> Result<Option<StoredResponse>> {
        let c = self.client().await?;
        let Some(r) = row(
            &c,
            "SELECT id, created_at, model, input, response FROM responses WHERE id = $1",
            &[&id],
        )
        .await?
        else {
            return Ok(None);
        };
        let (input, response): (String, String) = (get(&r, 3)?, get(&r, 4)?);
        Ok(Some(StoredResponse {
            id: get(&r, 0)?,
            created_at: get(&r, 1)?,
            model: get(&r, 2)?,
            input: parse("input", id, &input)?,
            response: parse("object", id, &response)?,
        }))
    }
}
