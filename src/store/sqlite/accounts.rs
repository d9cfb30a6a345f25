//! Users, logins and API keys in SQLite.

use super::{Cached, Db, exists_as};
use crate::store::accounts::{
    ACCOUNT_STATS, API_KEY_SELECT, NOT_FIRST, OWNED_TABLES, USER_INSERT, USER_SELECT, USER_UPDATE,
    keywords, last_used_is_stale,
};
use crate::store::{
    AccountStats, ApiKey, LOCAL_OWNER, Login, NewApiKey, NewUser, Result, User, UserSettings,
    UserUpdate, not_found, now,
};
use rusqlite::{OptionalExtension, Row, params};

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        is_admin: r.get(4)?,
        github_id: r.get(5)?,
        settings: UserSettings {
            preferred_provider: r.get(6)?,
            preferred_model: r.get(7)?,
            chat_verbosity_level: r.get(8)?,
            image_resize_max_dimension: r.get(9)?,
            voice_command_keywords: keywords(&r.get::<_, String>(10)?),
            default_landing_page: r.get(11)?,
        },
        anthropic_key: r.get(12)?,
        claude_auth: r.get(13)?,
        github_token: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        bare_ids: r.get(17)?,
    })
}

fn key_row(r: &Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        prefix: r.get(3)?,
        created_at: r.get(4)?,
        last_used_at: r.get(5)?,
    })
}

impl Db {
    /// See [`Store::user_count`](crate::store::Store::user_count).
    pub fn user_count(&self) -> Result<i64> {
        Ok(self
            .conn()?
            .one("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    /// See [`Store::create_user`](crate::store::Store::create_user).
    pub fn create_user(&self, new: &NewUser) -> Result<User> {
        self.write(|tx| {
            let first = tx.one("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0))? == 0;
            if new.first_only && !first {
                return Err(crate::store::Error::Conflict(NOT_FIRST.into()));
            }
            tx.exec(
                USER_INSERT,
                params![
                    new.id,
                    new.email,
                    new.display_name,
                    new.password_hash,
                    new.is_admin || first,
                    now(),
                    first
                ],
            )
            .map_err(|e| exists_as(e, "user", &new.email))?;
            if first {
                for t in OWNED_TABLES {
                    tx.exec(
                        &format!("UPDATE {t} SET owner = ?1 WHERE owner = ?2"),
                        params![new.id, LOCAL_OWNER],
                    )?;
                }
            }
            Ok(())
        })?;
        self.user(&new.id)
    }

    /// See [`Store::user`](crate::store::Store::user).
    pub fn user(&self, id: &str) -> Result<User> {
        self.conn()?
            .one(&format!("{USER_SELECT} WHERE id = ?1"), [id], user_row)
            .optional()?
            .ok_or_else(|| not_found("user", id))
    }

    /// See [`Store::user_by_email`](crate::store::Store::user_by_email).
    pub fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(self
            .conn()?
            .one(
                &format!("{USER_SELECT} WHERE email = ?1"),
                [email],
                user_row,
            )
            .optional()?)
    }

    /// See [`Store::users`](crate::store::Store::users).
    pub fn users(&self) -> Result<Vec<User>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!("{USER_SELECT} ORDER BY created_at, id"))?;
        let rows = st.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::first_admin`](crate::store::Store::first_admin).
    pub fn first_admin(&self) -> Result<Option<User>> {
        Ok(self
            .conn()?
            .one(
                &format!("{USER_SELECT} WHERE is_admin ORDER BY created_at, id LIMIT 1"),
                [],
                user_row,
            )
            .optional()?)
    }

    /// See [`Store::update_user`](crate::store::Store::update_user).
    pub fn update_user(&self, id: &str, up: &UserUpdate) -> Result<User> {
        let n = self.write(|tx| {
            tx.exec(
                USER_UPDATE,
                params![
                    up.email,
                    up.display_name.is_some(),
                    up.display_name.clone().flatten(),
                    up.password_hash,
                    up.is_admin,
                    up.github_id.is_some(),
                    up.github_id.clone().flatten(),
                    up.preferred_provider,
                    up.preferred_model,
                    up.chat_verbosity_level,
                    up.image_resize_max_dimension,
                    up.keywords_json(),
                    up.default_landing_page,
                    up.anthropic_key.is_some(),
                    up.anthropic_key.clone().flatten(),
                    up.claude_auth.is_some(),
                    up.claude_auth.clone().flatten(),
                    up.github_token.is_some(),
                    up.github_token.clone().flatten(),
                    now(),
                    id,
                ],
            )
            .map_err(|e| exists_as(e, "user", up.email.as_deref().unwrap_or(id)))
        })?;
        if n == 0 {
            return Err(not_found("user", id));
        }
        self.user(id)
    }

    /// See [`Store::delete_user`](crate::store::Store::delete_user).
    pub fn delete_user(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            for t in OWNED_TABLES {
                tx.exec(&format!("DELETE FROM {t} WHERE owner = ?1"), [id])?;
            }
            Ok(tx.exec("DELETE FROM users WHERE id = ?1", [id])? > 0)
        })
    }

    /// See [`Store::create_login`](crate::store::Store::create_login).
    pub fn create_login(&self, login: &Login) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO logins (id, user_id, created_at, expires_ms) VALUES (?1, ?2, ?3, ?4)",
                params![login.id, login.user_id, login.created_at, login.expires_ms],
            )
            .map_err(|e| exists_as(e, "login", "(new)"))?;
            Ok(())
        })
    }

    /// See [`Store::login`](crate::store::Store::login).
    pub fn login(&self, id: &str, now_ms: i64) -> Result<Option<(Login, User)>> {
        let conn = self.conn()?;
        let login = conn
            .one(
                "SELECT id, user_id, created_at, expires_ms FROM logins WHERE id = ?1 AND expires_ms > ?2",
                params![id, now_ms],
                |r| {
                    Ok(Login {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        created_at: r.get(2)?,
                        expires_ms: r.get(3)?,
                    })
                },
            )
            .optional()?;
        let Some(login) = login else {
            return Ok(None);
        };
        let user = conn
            .one(
                &format!("{USER_SELECT} WHERE id = ?1"),
                [&login.user_id],
                user_row,
            )
            .optional()?;
        Ok(user.map(|u| (login, u)))
    }

    /// See [`Store::extend_login`](crate::store::Store::extend_login).
    pub fn extend_login(&self, id: &str, expires_ms: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE logins SET expires_ms = ?2 WHERE id = ?1",
                params![id, expires_ms],
            )?;
            Ok(())
        })
    }

    /// See [`Store::delete_login`](crate::store::Store::delete_login).
    pub fn delete_login(&self, id: &str, now_ms: i64) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM logins WHERE id = ?1 OR expires_ms <= ?2",
                params![id, now_ms],
            )? > 0)
        })
    }

    /// See [`Store::count_attempt`](crate::store::Store::count_attempt).
    pub fn count_attempt(&self, key: &str, window_ms: i64, now_ms: i64) -> Result<(i64, i64)> {
        self.write(|tx| {
            Ok(tx.one(
                "INSERT INTO login_attempts (key, window_ms, count) VALUES (?1, ?3, 1)
                 ON CONFLICT(key) DO UPDATE SET
                    count = CASE WHEN window_ms <= ?3 - ?2 THEN 1 ELSE count + 1 END,
                    window_ms = CASE WHEN window_ms <= ?3 - ?2 THEN ?3 ELSE window_ms END
                 RETURNING count, window_ms",
                params![key, window_ms, now_ms],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
    }

    /// See [`Store::clear_attempts`](crate::store::Store::clear_attempts).
    pub fn clear_attempts(&self, key: &str, older_than_ms: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "DELETE FROM login_attempts WHERE key = ?1 OR window_ms < ?2",
                params![key, older_than_ms],
            )?;
            Ok(())
        })
    }

    /// See [`Store::delete_logins_of`](crate::store::Store::delete_logins_of).
    pub fn delete_logins_of(&self, user_id: &str) -> Result<usize> {
        self.write(|tx| Ok(tx.exec("DELETE FROM logins WHERE user_id = ?1", [user_id])?))
    }

    /// See [`Store::create_api_key`](crate::store::Store::create_api_key).
    pub fn create_api_key(&self, new: &NewApiKey) -> Result<ApiKey> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO api_keys (id, user_id, name, prefix, hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![new.id, new.user_id, new.name, new.prefix, new.hash, now()],
            )
            .map_err(|e| exists_as(e, "api key", &new.id))?;
            Ok(())
        })?;
        self.conn()?
            .one(
                &format!("{API_KEY_SELECT} WHERE id = ?1"),
                [&new.id],
                key_row,
            )
            .optional()?
            .ok_or_else(|| not_found("api key", &new.id))
    }

    /// See [`Store::api_keys`](crate::store::Store::api_keys).
    pub fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!(
            "{API_KEY_SELECT} WHERE user_id = ?1 ORDER BY created_at DESC, id"
        ))?;
        let rows = st.query_map([user_id], key_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::delete_api_key`](crate::store::Store::delete_api_key).
    pub fn delete_api_key(&self, user_id: &str, id: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM api_keys WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
            )? > 0)
        })
    }

    /// See [`Store::api_key_user`](crate::store::Store::api_key_user).
    pub fn api_key_user(&self, hash: &str) -> Result<Option<User>> {
        let found: Option<(String, Option<String>)> = self
            .conn()?
            .one(
                "SELECT user_id, last_used_at FROM api_keys WHERE hash = ?1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((user_id, last_used)) = found else {
            return Ok(None);
        };
        // a write per request would serialise every caller: the time is kept to the minute
        let at = now();
        if last_used_is_stale(last_used.as_deref(), &at) {
            self.write(|tx| {
                tx.exec(
                    "UPDATE api_keys SET last_used_at = ?2 WHERE hash = ?1",
                    params![hash, at],
                )?;
                Ok(())
            })?;
        }
        self.user(&user_id).map(Some)
    }

    /// See [`Store::account_stats`](crate::store::Store::account_stats).
    pub fn account_stats(&self, now_ms: i64) -> Result<AccountStats> {
        Ok(self.conn()?.one(ACCOUNT_STATS, [now_ms], |r| {
            Ok(AccountStats {
                total_users: r.get(0)?,
                total_admins: r.get(1)?,
                active_sessions: r.get(2)?,
            })
        })?)
    }
}
