//! Stored Responses API objects in SQLite.

use super::{Cached, Db};
use crate::store::responses::RESPONSE_SELECT;
use crate::store::{Result, StoredResponse, now};
use rusqlite::{OptionalExtension, params};

impl Db {
    /// Keeps a response (a second one with the same id is a conflict).
    pub fn put_response(
        &self,
        id: &str,
        model: &str,
        input: &serde_json::Value,
        response: &serde_json::Value,
    ) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO responses (id, created_at, model, input, response, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, now(), model, input.to_string(), response.to_string(), self.new_owner()],
            )
            .map_err(|e| super::exists_as(e, "response", id))?;
            Ok(())
        })
    }

    /// A stored response, if there is one with this id.
    pub fn stored_response(&self, id: &str) -> Result<Option<StoredResponse>> {
        let conn = self.conn()?;
        let row = conn
            .one(
                &format!("{RESPONSE_SELECT} WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)"),
                params![id, self.owner()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, created_at, model, input, response)| {
            StoredResponse::from_columns(id, created_at, model, &input, &response)
        })
        .transpose()
    }
}
