//! GitHub OAuth states and account links on every engine (see `tests.rs` for the stores).

use super::accounts_tests::new_user;
use super::tests::{missing, stores};
use super::*;

fn state(id: &str, user: &str, expires_ms: i64) -> OAuthState {
    OAuthState {
        id: id.into(),
        user_id: user.into(),
        login_id: Some("login-hash".into()),
        verifier: "v1:sealed-verifier".into(),
        return_to: "http://localhost:5173/#/settings".into(),
        expires_ms,
    }
}

#[tokio::test]
async fn a_state_is_taken_once_and_only_live_before_its_expiry() {
    for s in stores().await {
        s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        let now = unix_ms();
        let live = state("s-live", "ua", now + 600_000);
        s.put_oauth_state(&live).await.unwrap();
        s.put_oauth_state(&state("s-late", "ua", now - 1))
            .await
            .unwrap();
        s.put_oauth_state(&state("s-old", "ua", now - 2 * 24 * 3600 * 1000))
            .await
            .unwrap();
        assert!(matches!(
            s.put_oauth_state(&live).await,
            Err(Error::Conflict(_))
        ));
        assert_eq!(
            s.take_oauth_state("s-live", now).await.unwrap(),
            TakenState::Live(live)
        );
        // single use
        assert_eq!(
            s.take_oauth_state("s-live", now).await.unwrap(),
            TakenState::Unknown
        );
        assert!(matches!(
            s.take_oauth_state("s-late", now).await.unwrap(),
            TakenState::Expired(st) if st.return_to.ends_with("/#/settings")
        ));
        assert_eq!(
            s.take_oauth_state("s-late", now).await.unwrap(),
            TakenState::Unknown
        );
        // expired long ago: cleaned by the takes above
        assert_eq!(
            s.take_oauth_state("s-old", now).await.unwrap(),
            TakenState::Unknown
        );
        assert_eq!(
            s.take_oauth_state("never-made", now).await.unwrap(),
            TakenState::Unknown
        );
        // a state goes with its user
        s.put_oauth_state(&state("s-gone", "ua", now + 600_000))
            .await
            .unwrap();
        s.delete_user("ua").await.unwrap();
        assert_eq!(
            s.take_oauth_state("s-gone", now).await.unwrap(),
            TakenState::Unknown
        );
    }
}

#[tokio::test]
async fn two_takes_of_one_state_at_once_get_it_once() {
    for s in stores().await {
        s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        let now = unix_ms();
        s.put_oauth_state(&state("s", "ua", now + 600_000))
            .await
            .unwrap();
        let takes: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.take_oauth_state("s", now).await.unwrap() })
            })
            .collect();
        let mut live = 0;
        for t in takes {
            if matches!(t.await.unwrap(), TakenState::Live(_)) {
                live += 1;
            }
        }
        assert_eq!(live, 1);
    }
}

#[tokio::test]
async fn a_github_account_is_linked_to_one_user_at_a_time() {
    for s in stores().await {
        s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        s.create_user(&new_user("ub", "b@x.io")).await.unwrap();
        s.link_github("ua", "4242", "v1:token-a").await.unwrap();
        let a = s.user("ua").await.unwrap();
        assert_eq!(
            (a.github_id.as_deref(), a.github_token.as_deref()),
            (Some("4242"), Some("v1:token-a"))
        );
        // linking it again to A keeps it; to B takes it from A
        s.link_github("ua", "4242", "v1:token-a2").await.unwrap();
        assert_eq!(
            s.user("ua").await.unwrap().github_token.as_deref(),
            Some("v1:token-a2")
        );
        s.link_github("ub", "4242", "v1:token-b").await.unwrap();
        let (a, b) = (s.user("ua").await.unwrap(), s.user("ub").await.unwrap());
        assert_eq!((a.github_id, a.github_token), (None, None));
        assert_eq!(b.github_id.as_deref(), Some("4242"));
        assert_eq!(b.github_token.as_deref(), Some("v1:token-b"));
        assert!(missing(s.link_github("nobody", "4242", "v1:t").await));
        // the failed link changed nothing
        assert_eq!(
            s.user("ub").await.unwrap().github_id.as_deref(),
            Some("4242")
        );
        let b = s.unlink_github("ub").await.unwrap();
        assert_eq!((b.github_id, b.github_token), (None, None));
        assert!(missing(s.unlink_github("nobody").await));
    }
}
