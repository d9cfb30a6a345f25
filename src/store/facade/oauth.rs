//! [`Store`]'s GitHub OAuth methods: authorization states and account links.

use super::Store;
use crate::store::sqlite;
use crate::store::*;

impl Store {
    /// Keeps an authorization's state until its callback (or its expiry).
    pub async fn put_oauth_state(&self, state: &OAuthState) -> Result<()> {
        on!(
            self,
            {
                let s = state.clone();
                move |d: &sqlite::Db| d.put_oauth_state(&s)
            },
            |p| p.put_oauth_state(state)
        )
    }

    /// Takes a state by its id, once: it is deleted whatever it holds, and answered as live
    /// only before its expiry at `now_ms` (the caller's clock). States expired long ago go too.
    pub async fn take_oauth_state(&self, id: &str, now_ms: i64) -> Result<TakenState> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.take_oauth_state(&id_, now_ms)
            },
            |p| p.take_oauth_state(id, now_ms)
        )
    }

    /// Links a GitHub account and its sealed token to one user, taking it from any other user
    /// it was linked to (one transaction). Not found when the user is not.
    pub async fn link_github(
        &self,
        user_id: &str,
        github_id: &str,
        sealed_token: &str,
    ) -> Result<()> {
        on!(
            self,
            {
                let (u, g, t) = (
                    user_id.to_owned(),
                    github_id.to_owned(),
                    sealed_token.to_owned(),
                );
                move |d: &sqlite::Db| d.link_github(&u, &g, &t)
            },
            |p| p.link_github(user_id, github_id, sealed_token)
        )
    }

    /// Forgets a user's GitHub account and token.
    pub async fn unlink_github(&self, user_id: &str) -> Result<User> {
        let up = UserUpdate {
            github_id: Some(None),
            github_token: Some(None),
            ..Default::default()
        };
        self.update_user(user_id, &up).await
    }
}
