//! [`Store`]'s account methods: users, cookie logins, API keys, and the owner scope.

use super::{Engine, Store};
use crate::store::sqlite;
use crate::store::*;

impl Store {
    /// The same store seeing only `owner`'s rows: their projects, sessions (with messages and
    /// events), approvals, stored responses and tool permissions, and what it makes is
    /// theirs. A handle from [`Store::connect`] sees everyone's and makes the local owner's.
    pub fn scoped(&self, owner: &str) -> Store {
        self.with_owner(Some(owner), false)
    }

    /// The same store seeing every owner's rows (the sweeps, the admin's counts).
    pub fn unscoped(&self) -> Store {
        self.with_owner(None, false)
    }

    pub(super) fn with_owner(&self, owner: Option<&str>, spaced: bool) -> Store {
        Store {
            engine: match &self.engine {
                Engine::Sqlite(d) => Engine::Sqlite(d.scoped(owner, spaced)),
                Engine::Postgres(p) => Engine::Postgres(p.scoped(owner, spaced)),
            },
            notices: self.notices.clone(),
            requests: self.requests.clone(),
        }
    }

    /// Whose rows this handle sees; None for everyone's.
    pub fn owner(&self) -> Option<&str> {
        match &self.engine {
            Engine::Sqlite(d) => d.owner(),
            Engine::Postgres(p) => p.owner(),
        }
    }

    /// How many users there are (none: local mode).
    pub async fn user_count(&self) -> Result<i64> {
        on!(
            quick self, { move |d: &sqlite::Db| d.user_count() }, |p| p
            .user_count())
    }

    /// Adds a user; an email in use is a conflict. The first user is an admin and takes every
    /// row of the local owner (one transaction, so two first registrations cannot both be).
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        on!(
            self,
            {
                let n = new.clone();
                move |d: &sqlite::Db| d.create_user(&n)
            },
            |p| p.create_user(new)
        )
    }

    /// One user by id.
    pub async fn user(&self, id: &str) -> Result<User> {
        on!(
            quick self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.user(&id_)
            },
            |p| p.user(id)
        )
    }

    /// The user with this (trimmed, lowercased) email, if any.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        on!(
            self,
            {
                let e = email.to_owned();
                move |d: &sqlite::Db| d.user_by_email(&e)
            },
            |p| p.user_by_email(email)
        )
    }

    /// Every user, oldest first.
    pub async fn users(&self) -> Result<Vec<User>> {
        on!(self, { move |d: &sqlite::Db| d.users() }, |p| p.users())
    }

    /// The oldest admin: who the terminal and the server's token act as once accounts exist
    /// (the first user took the local rows).
    pub async fn first_admin(&self) -> Result<Option<User>> {
        on!(self, { move |d: &sqlite::Db| d.first_admin() }, |p| p
            .first_admin())
    }

    /// Changes a user; `None` fields stay. An email in use is a conflict.
    pub async fn update_user(&self, id: &str, up: &UserUpdate) -> Result<User> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                let up_ = up.clone();
                move |d: &sqlite::Db| d.update_user(&id_, &up_)
            },
            |p| p.update_user(id, up)
        )
    }

    /// Deletes a user with every row they own, their logins and keys. True if they existed.
    pub async fn delete_user(&self, id: &str) -> Result<bool> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.delete_user(&id_)
            },
            |p| p.delete_user(id)
        )
    }

    /// Records a cookie login (its id is the token's hash).
    pub async fn create_login(&self, login: &Login) -> Result<()> {
        on!(
            self,
            {
                let l = login.clone();
                move |d: &sqlite::Db| d.create_login(&l)
            },
            |p| p.create_login(login)
        )
    }

    /// The login with this id (a token's hash) and its user, unless expired at `now_ms`
    /// (unix milliseconds: the caller's clock).
    pub async fn login(&self, id: &str, now_ms: i64) -> Result<Option<(Login, User)>> {
        on!(
            quick self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.login(&id_, now_ms)
            },
            |p| p.login(id, now_ms)
        )
    }

    /// Moves a login's expiry (sliding sessions).
    pub async fn extend_login(&self, id: &str, expires_ms: i64) -> Result<()> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.extend_login(&id_, expires_ms)
            },
            |p| p.extend_login(id, expires_ms)
        )
    }

    /// Ends a login (and clears those expired at `now_ms`). True if something went.
    pub async fn delete_login(&self, id: &str, now_ms: i64) -> Result<bool> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.delete_login(&id_, now_ms)
            },
            |p| p.delete_login(id, now_ms)
        )
    }

    /// Counts one login or registration attempt at `key` in a fixed window of `window_ms`
    /// (a new window once the last one is over), atomically, for every instance alike: the
    /// attempts in the window and when it began.
    pub async fn count_attempt(
        &self,
        key: &str,
        window_ms: i64,
        now_ms: i64,
    ) -> Result<(i64, i64)> {
        on!(
            self,
            {
                let k = key.to_owned();
                move |d: &sqlite::Db| d.count_attempt(&k, window_ms, now_ms)
            },
            |p| p.count_attempt(key, window_ms, now_ms)
        )
    }

    /// Forgets the attempts at `key` (a login that worked) and every window begun before
    /// `older_than_ms`.
    pub async fn clear_attempts(&self, key: &str, older_than_ms: i64) -> Result<()> {
        on!(
            self,
            {
                let k = key.to_owned();
                move |d: &sqlite::Db| d.clear_attempts(&k, older_than_ms)
            },
            |p| p.clear_attempts(key, older_than_ms)
        )
    }

    /// Ends every login of a user (their password changed); how many.
    pub async fn delete_logins_of(&self, user_id: &str) -> Result<usize> {
        on!(
            self,
            {
                let u = user_id.to_owned();
                move |d: &sqlite::Db| d.delete_logins_of(&u)
            },
            |p| p.delete_logins_of(user_id)
        )
    }

    /// Adds an API key (stored as its hash).
    pub async fn create_api_key(&self, new: &NewApiKey) -> Result<ApiKey> {
        on!(
            self,
            {
                let n = new.clone();
                move |d: &sqlite::Db| d.create_api_key(&n)
            },
            |p| p.create_api_key(new)
        )
    }

    /// A user's API keys, newest first.
    pub async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>> {
        on!(
            self,
            {
                let u = user_id.to_owned();
                move |d: &sqlite::Db| d.api_keys(&u)
            },
            |p| p.api_keys(user_id)
        )
    }

    /// Deletes one of a user's API keys. True if it was theirs and existed.
    pub async fn delete_api_key(&self, user_id: &str, id: &str) -> Result<bool> {
        on!(
            self,
            {
                let u = user_id.to_owned();
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.delete_api_key(&u, &id_)
            },
            |p| p.delete_api_key(user_id, id)
        )
    }

    /// The user an API key (by its hash) belongs to; notes when it was used (to the minute).
    pub async fn api_key_user(&self, hash: &str) -> Result<Option<User>> {
        on!(
            quick self,
            {
                let h = hash.to_owned();
                move |d: &sqlite::Db| d.api_key_user(&h)
            },
            |p| p.api_key_user(hash)
        )
    }

    /// Sessions into the trash, out of it, or deleted for good (only from the trash), in one
    /// transaction: unless every id is the caller's, nothing changes (`NotYours`). How many
    /// changed.
    pub async fn trash(&self, ids: &[String], op: TrashOp) -> Result<usize> {
        let ids = &ids
            .iter()
            .map(|i| self.stored_id(i).into_owned())
            .collect::<Vec<_>>();
        on!(
            self,
            {
                let ids_ = ids.to_vec();
                move |d: &sqlite::Db| d.trash(&ids_, op)
            },
            |p| p.trash(ids, op)
        )
    }

    /// Users, admins and logins live at `now_ms`.
    pub async fn account_stats(&self, now_ms: i64) -> Result<AccountStats> {
        on!(
            self,
            { move |d: &sqlite::Db| d.account_stats(now_ms) },
            |p| p.account_stats(now_ms)
        )
    }
}
