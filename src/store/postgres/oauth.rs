//! GitHub OAuth states and account links in PostgreSQL.

use super::{Db, exec, get, insert, pg, row};
use crate::store::oauth::{
    GITHUB_LINK, GITHUB_UNLINK_OTHERS, KEEP_EXPIRED_MS, OAUTH_CLEAN, OAUTH_INSERT, OAUTH_TAKE,
};
use crate::store::{OAuthState, Result, TakenState, exists, not_found, now};

impl Db {
    /// See [`Store::put_oauth_state`](crate::store::Store::put_oauth_state).
    pub async fn put_oauth_state(&self, s: &OAuthState) -> Result<()> {
        let c = self.client().await?;
        insert(
            &c,
            OAUTH_INSERT,
            &[
                &s.id,
                &s.user_id,
                &s.login_id,
                &s.verifier,
                &s.return_to,
                &s.expires_ms,
            ],
            || exists("oauth state", "(new)"),
        )
        .await
    }

    /// See [`Store::take_oauth_state`](crate::store::Store::take_oauth_state).
    pub async fn take_oauth_state(&self, id: &str, now_ms: i64) -> Result<TakenState> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        // the delete locks the row: of two callbacks with one state, one gets it
        let taken = match row(&tx, OAUTH_TAKE, &[&id]).await? {
            Some(r) => Some(OAuthState {
                id: get(&r, 0)?,
                user_id: get(&r, 1)?,
                login_id: get(&r, 2)?,
                verifier: get(&r, 3)?,
                return_to: get(&r, 4)?,
                expires_ms: get(&r, 5)?,
            }),
            None => None,
        };
        exec(&tx, OAUTH_CLEAN, &[&(now_ms - KEEP_EXPIRED_MS)]).await?;
        tx.commit().await.map_err(pg)?;
        Ok(TakenState::judge(taken, now_ms))
    }

    /// See [`Store::link_github`](crate::store::Store::link_github).
    pub async fn link_github(
        &self,
        user_id: &str,
        github_id: &str,
        sealed_token: &str,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let at = now();
        exec(&tx, GITHUB_UNLINK_OTHERS, &[&at, &github_id, &user_id]).await?;
        let n = exec(
            &tx,
            GITHUB_LINK,
            &[&github_id, &sealed_token, &at, &user_id],
        )
        .await?;
        if n == 0 {
            return Err(not_found("user", user_id));
        }
        tx.commit().await.map_err(pg)?;
        Ok(())
    }
}
