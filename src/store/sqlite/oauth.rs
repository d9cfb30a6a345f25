//! GitHub OAuth states and account links in SQLite.

use super::{Cached, Db, exists_as};
use crate::store::oauth::{
    GITHUB_LINK, GITHUB_UNLINK_OTHERS, KEEP_EXPIRED_MS, OAUTH_CLEAN, OAUTH_INSERT, OAUTH_TAKE,
};
use crate::store::{OAuthState, Result, TakenState, not_found, now};
use rusqlite::{OptionalExtension, params};

impl Db {
    /// See [`Store::put_oauth_state`](crate::store::Store::put_oauth_state).
    pub fn put_oauth_state(&self, s: &OAuthState) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                OAUTH_INSERT,
                params![
                    s.id,
                    s.user_id,
                    s.login_id,
                    s.verifier,
                    s.return_to,
                    s.expires_ms
                ],
            )
            .map_err(|e| exists_as(e, "oauth state", "(new)"))?;
            Ok(())
        })
    }

    /// See [`Store::take_oauth_state`](crate::store::Store::take_oauth_state).
    pub fn take_oauth_state(&self, id: &str, now_ms: i64) -> Result<TakenState> {
        self.write(|tx| {
            let row = tx
                .one(OAUTH_TAKE, [id], |r| {
                    Ok(OAuthState {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        login_id: r.get(2)?,
                        verifier: r.get(3)?,
                        return_to: r.get(4)?,
                        expires_ms: r.get(5)?,
                    })
                })
                .optional()?;
            tx.exec(OAUTH_CLEAN, [now_ms - KEEP_EXPIRED_MS])?;
            Ok(TakenState::judge(row, now_ms))
        })
    }

    /// See [`Store::link_github`](crate::store::Store::link_github).
    pub fn link_github(&self, user_id: &str, github_id: &str, sealed_token: &str) -> Result<()> {
        self.write(|tx| {
            let at = now();
            tx.exec(GITHUB_UNLINK_OTHERS, params![at, github_id, user_id])?;
            let n = tx.exec(GITHUB_LINK, params![github_id, sealed_token, at, user_id])?;
            if n == 0 {
                return Err(not_found("user", user_id));
            }
            Ok(())
        })
    }
}
