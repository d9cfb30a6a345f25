//! Users, logins and API keys in PostgreSQL.

use super::{Db, exec, get, insert, one, pg, row, rows};
use crate::store::accounts::{
    ACCOUNT_STATS, API_KEY_SELECT, NOT_FIRST, OWNED_TABLES, USER_INSERT, USER_SELECT, USER_UPDATE,
    keywords, last_used_is_stale,
};
use crate::store::{
    AccountStats, ApiKey, LOCAL_OWNER, Login, NewApiKey, NewUser, Result, User, UserSettings,
    UserUpdate, exists, not_found, now,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

fn user_row(r: &Row) -> Result<User> {
    Ok(User {
        id: get(r, 0)?,
        email: get(r, 1)?,
        display_name: get(r, 2)?,
        password_hash: get(r, 3)?,
        is_admin: get(r, 4)?,
        github_id: get(r, 5)?,
        settings: UserSettings {
            preferred_provider: get(r, 6)?,
            preferred_model: get(r, 7)?,
            chat_verbosity_level: get(r, 8)?,
            image_resize_max_dimension: get(r, 9)?,
            voice_command_keywords: keywords(get(r, 10)?),
            default_landing_page: get(r, 11)?,
        },
        anthropic_key: get(r, 12)?,
        claude_auth: get(r, 13)?,
        github_token: get(r, 14)?,
        created_at: get(r, 15)?,
        updated_at: get(r, 16)?,
        bare_ids: get(r, 17)?,
    })
}

fn key_row(r: &Row) -> Result<ApiKey> {
    Ok(ApiKey {
        id: get(r, 0)?,
        user_id: get(r, 1)?,
        name: get(r, 2)?,
        prefix: get(r, 3)?,
        created_at: get(r, 4)?,
        last_used_at: get(r, 5)?,
    })
}

async fn user_in(c: &impl GenericClient, id: &str) -> Result<Option<User>> {
    row(c, &format!("{USER_SELECT} WHERE id = $1"), &[&id])
        .await?
        .as_ref()
        .map(user_row)
        .transpose()
}

/// Serialises the first-user check of concurrent registrations (any fixed key would do).
const FIRST_USER_LOCK: i64 = 0x636c_6175_6465_6475;

impl Db {
    /// See [`Store::user_count`](crate::store::Store::user_count).
    pub async fn user_count(&self) -> Result<i64> {
        let c = self.client().await?;
        get(&one(&c, "SELECT COUNT(*) FROM users", &[]).await?, 0)
    }

    /// See [`Store::create_user`](crate::store::Store::create_user).
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        // two first registrations at once: one of them is first
        exec(&tx, "SELECT pg_advisory_xact_lock($1)", &[&FIRST_USER_LOCK]).await?;
        let first = get::<i64>(&one(&tx, "SELECT COUNT(*) FROM users", &[]).await?, 0)? == 0;
        if new.first_only && !first {
            return Err(crate::store::Error::Conflict(NOT_FIRST.into()));
        }
        insert(
            &tx,
            USER_INSERT,
            &[
                &new.id,
                &new.email,
                &new.display_name,
                &new.password_hash,
                &(new.is_admin || first),
                &now(),
                &first,
            ],
            || exists("user", &new.email),
        )
        .await?;
        if first {
            for t in OWNED_TABLES {
                exec(
                    &tx,
                    &format!("UPDATE {t} SET owner = $1 WHERE owner = $2"),
                    &[&new.id, &LOCAL_OWNER],
                )
                .await?;
            }
        }
        let u = user_in(&tx, &new.id)
            .await?
            .ok_or_else(|| not_found("user", &new.id))?;
        tx.commit().await.map_err(pg)?;
        Ok(u)
    }

    /// See [`Store::user`](crate::store::Store::user).
    pub async fn user(&self, id: &str) -> Result<User> {
        user_in(&self.client().await?, id)
            .await?
            .ok_or_else(|| not_found("user", id))
    }

    /// See [`Store::user_by_email`](crate::store::Store::user_by_email).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let c = self.client().await?;
        row(&c, &format!("{USER_SELECT} WHERE email = $1"), &[&email])
            .await?
            .as_ref()
            .map(user_row)
            .transpose()
    }

    /// See [`Store::users`](crate::store::Store::users).
    pub async fn users(&self) -> Result<Vec<User>> {
        let c = self.client().await?;
        rows(&c, &format!("{USER_SELECT} ORDER BY created_at, id"), &[])
            .await?
            .iter()
            .map(user_row)
            .collect()
    }

    /// See [`Store::first_admin`](crate::store::Store::first_admin).
    pub async fn first_admin(&self) -> Result<Option<User>> {
        let c = self.client().await?;
        row(
            &c,
            &format!("{USER_SELECT} WHERE is_admin ORDER BY created_at, id LIMIT 1"),
            &[],
        )
        .await?
        .as_ref()
        .map(user_row)
        .transpose()
    }

    /// See [`Store::update_user`](crate::store::Store::update_user).
    pub async fn update_user(&self, id: &str, up: &UserUpdate) -> Result<User> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let display_name = up.display_name.clone().flatten();
        let github_id = up.github_id.clone().flatten();
        let anthropic_key = up.anthropic_key.clone().flatten();
        let claude_auth = up.claude_auth.clone().flatten();
        let github_token = up.github_token.clone().flatten();
        let keywords = up.keywords_json();
        let st = tx.prepare_cached(USER_UPDATE).await.map_err(pg)?;
        let n = tx
            .execute(
                &st,
                &[
                    &up.email,
                    &up.display_name.is_some(),
                    &display_name,
                    &up.password_hash,
                    &up.is_admin,
                    &up.github_id.is_some(),
                    &github_id,
                    &up.preferred_provider,
                    &up.preferred_model,
                    &up.chat_verbosity_level,
                    &up.image_resize_max_dimension,
                    &keywords,
                    &up.default_landing_page,
                    &up.anthropic_key.is_some(),
                    &anthropic_key,
                    &up.claude_auth.is_some(),
                    &claude_auth,
                    &up.github_token.is_some(),
                    &github_token,
                    &now(),
                    &id,
                ],
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                    exists("user", up.email.as_deref().unwrap_or(id))
                } else {
                    pg(e)
                }
            })?;
        if n == 0 {
            return Err(not_found("user", id));
        }
        let u = user_in(&tx, id)
            .await?
            .ok_or_else(|| not_found("user", id))?;
        tx.commit().await.map_err(pg)?;
        Ok(u)
    }

    /// See [`Store::delete_user`](crate::store::Store::delete_user).
    pub async fn delete_user(&self, id: &str) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        for t in OWNED_TABLES {
            exec(&tx, &format!("DELETE FROM {t} WHERE owner = $1"), &[&id]).await?;
        }
        let n = exec(&tx, "DELETE FROM users WHERE id = $1", &[&id]).await?;
        tx.commit().await.map_err(pg)?;
        Ok(n > 0)
    }

    /// See [`Store::create_login`](crate::store::Store::create_login).
    pub async fn create_login(&self, login: &Login) -> Result<()> {
        let c = self.client().await?;
        insert(
            &c,
            "INSERT INTO logins (id, user_id, created_at, expires_ms) VALUES ($1, $2, $3, $4)",
            &[
                &login.id,
                &login.user_id,
                &login.created_at,
                &login.expires_ms,
            ],
            || exists("login", "(new)"),
        )
        .await
    }

    /// See [`Store::login`](crate::store::Store::login).
    pub async fn login(&self, id: &str, now_ms: i64) -> Result<Option<(Login, User)>> {
        let c = self.client().await?;
        let Some(r) = row(
            &c,
            "SELECT id, user_id, created_at, expires_ms FROM logins WHERE id = $1 AND expires_ms > $2",
            &[&id, &now_ms],
        )
        .await?
        else {
            return Ok(None);
        };
        let login = Login {
            id: get(&r, 0)?,
            user_id: get(&r, 1)?,
            created_at: get(&r, 2)?,
            expires_ms: get(&r, 3)?,
        };
        Ok(user_in(&c, &login.user_id).await?.map(|u| (login, u)))
    }

    /// See [`Store::extend_login`](crate::store::Store::extend_login).
    pub async fn extend_login(&self, id: &str, expires_ms: i64) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "UPDATE logins SET expires_ms = $2 WHERE id = $1",
            &[&id, &expires_ms],
        )
        .await?;
        Ok(())
    }

    /// See [`Store::delete_login`](crate::store::Store::delete_login).
    pub async fn delete_login(&self, id: &str, now_ms: i64) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(
            &c,
            "DELETE FROM logins WHERE id = $1 OR expires_ms <= $2",
            &[&id, &now_ms],
        )
        .await?
            > 0)
    }

    /// See [`Store::count_attempt`](crate::store::Store::count_attempt).
    pub async fn count_attempt(
        &self,
        key: &str,
        window_ms: i64,
        now_ms: i64,
    ) -> Result<(i64, i64)> {
        let c = self.client().await?;
        let r = one(
            &c,
            "INSERT INTO login_attempts (key, window_ms, count) VALUES ($1, $3, 1)
             ON CONFLICT (key) DO UPDATE SET
                count = CASE WHEN login_attempts.window_ms <= $3 - $2 THEN 1 ELSE login_attempts.count + 1 END,
                window_ms = CASE WHEN login_attempts.window_ms <= $3 - $2 THEN $3 ELSE login_attempts.window_ms END
             RETURNING count, window_ms",
            &[&key, &window_ms, &now_ms],
        )
        .await?;
        Ok((get(&r, 0)?, get(&r, 1)?))
    }

    /// See [`Store::clear_attempts`](crate::store::Store::clear_attempts).
    pub async fn clear_attempts(&self, key: &str, older_than_ms: i64) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "DELETE FROM login_attempts WHERE key = $1 OR window_ms < $2",
            &[&key, &older_than_ms],
        )
        .await?;
        Ok(())
    }

    /// See [`Store::delete_logins_of`](crate::store::Store::delete_logins_of).
    pub async fn delete_logins_of(&self, user_id: &str) -> Result<usize> {
        let c = self.client().await?;
        Ok(exec(&c, "DELETE FROM logins WHERE user_id = $1", &[&user_id]).await? as usize)
    }

    /// See [`Store::create_api_key`](crate::store::Store::create_api_key).
    pub async fn create_api_key(&self, new: &NewApiKey) -> Result<ApiKey> {
        let c = self.client().await?;
        insert(
            &c,
            "INSERT INTO api_keys (id, user_id, name, prefix, hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &new.id,
                &new.user_id,
                &new.name,
                &new.prefix,
                &new.hash,
                &now(),
            ],
            || exists("api key", &new.id),
        )
        .await?;
        row(&c, &format!("{API_KEY_SELECT} WHERE id = $1"), &[&new.id])
            .await?
            .as_ref()
            .map(key_row)
            .transpose()?
            .ok_or_else(|| not_found("api key", &new.id))
    }

    /// See [`Store::api_keys`](crate::store::Store::api_keys).
    pub async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>> {
        let c = self.client().await?;
        rows(
            &c,
            &format!("{API_KEY_SELECT} WHERE user_id = $1 ORDER BY created_at DESC, id"),
            &[&user_id],
        )
        .await?
        .iter()
        .map(key_row)
        .collect()
    }

    /// See [`Store::delete_api_key`](crate::store::Store::delete_api_key).
    pub async fn delete_api_key(&self, user_id: &str, id: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(
            &c,
            "DELETE FROM api_keys WHERE id = $1 AND user_id = $2",
            &[&id, &user_id],
        )
        .await?
            > 0)
    }

    /// See [`Store::api_key_user`](crate::store::Store::api_key_user).
    pub async fn api_key_user(&self, hash: &str) -> Result<Option<User>> {
        let c = self.client().await?;
        let Some(r) = row(
            &c,
            "SELECT user_id, last_used_at FROM api_keys WHERE hash = $1",
            &[&hash],
        )
        .await?
        else {
            return Ok(None);
        };
        let (user_id, last_used): (String, Option<String>) = (get(&r, 0)?, get(&r, 1)?);
        let at = now();
        if last_used_is_stale(last_used.as_deref(), &at) {
            exec(
                &c,
                "UPDATE api_keys SET last_used_at = $2 WHERE hash = $1",
                &[&hash, &at],
            )
            .await?;
        }
        user_in(&c, &user_id).await
    }

    /// See [`Store::account_stats`](crate::store::Store::account_stats).
    pub async fn account_stats(&self, now_ms: i64) -> Result<AccountStats> {
        let c = self.client().await?;
        let r = one(&c, ACCOUNT_STATS, &[&now_ms]).await?;
        Ok(AccountStats {
            total_users: get(&r, 0)?,
            total_admins: get(&r, 1)?,
            active_sessions: get(&r, 2)?,
        })
    }
}
