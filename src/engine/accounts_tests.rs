//! Accounts against an in-memory store.

use super::*;

fn accounts(settings: AccountSettings) -> Accounts {
    let store = Store::open_in_memory().unwrap();
    Accounts::new(
        &store,
        SecretBox::from_key_text("test key").unwrap(),
        Clock::system(),
        settings,
    )
}

#[tokio::test]
async fn emails_and_passwords_are_checked() {
    assert_eq!(
        normal_email("  Ann@Example.COM ").unwrap(),
        "ann@example.com"
    );
    for bad in ["ann", "@x", "a@", "a b@x", "a@b@c"] {
        assert!(normal_email(bad).is_err(), "{bad}");
    }
    assert!(check_password("1234567").is_err());
    assert!(check_password("12345678").is_ok());
}

#[tokio::test]
async fn registration_is_open_until_the_first_user_then_closed() {
    let a = accounts(AccountSettings::default());
    let (first, issued) = a.register("a@x.io", "password1", "1.2.3.4").await.unwrap();
    assert!(first.is_admin);
    assert_eq!(issued.login.id, crypto::sha256_hex(&issued.token));
    assert!(matches!(
        a.register("b@x.io", "password1", "1.2.3.4").await,
        Err(AccountError::RegistrationClosed)
    ));
    let open = accounts(AccountSettings {
        registration: Some(Registration::Open),
        ..Default::default()
    });
    open.register("a@x.io", "password1", "ip").await.unwrap();
    assert!(matches!(
        open.register("A@X.io ", "password2", "ip").await,
        Err(AccountError::EmailInUse)
    ));
    let (b, _) = open.register("b@x.io", "password1", "ip").await.unwrap();
    assert!(!b.is_admin);
}

#[tokio::test]
async fn logins_are_the_same_refusal_for_both_mistakes_and_rate_limited() {
    let a = accounts(AccountSettings {
        limits: Limits {
            per_ip: 100,
            per_email: 3,
            window: Duration::from_secs(60),
        },
        ..Default::default()
    });
    a.register("a@x.io", "password1", "ip").await.unwrap();
    let wrong = a
        .login("a@x.io", "password2", false, "ip")
        .await
        .unwrap_err();
    let unknown = a
        .login("z@x.io", "password1", false, "ip")
        .await
        .unwrap_err();
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(wrong.to_string(), "Invalid email or password");
    let (u, issued) = a.login("A@x.io", "password1", true, "ip").await.unwrap();
    assert_eq!((u.email.as_str(), issued.max_age), ("a@x.io", REMEMBER_TTL));
    for _ in 0..3 {
        let _ = a.login("a@x.io", "nope-nope", false, "ip").await;
    }
    assert!(matches!(
        a.login("a@x.io", "password1", false, "ip").await,
        Err(AccountError::RateLimited { retry_after }) if retry_after.as_secs() >= 1
    ));
}

#[tokio::test]
async fn a_login_slides_when_half_its_time_is_gone_and_ends_at_logout() {
    let a = accounts(AccountSettings::default());
    let (_, issued) = a.register("a@x.io", "password1", "ip").await.unwrap();
    let first = a.cookie_login(&issued.token).await.unwrap().unwrap();
    assert!(!first.fresh);
    a.clock().advance(Duration::from_secs(16 * 24 * 3600));
    let slid = a.cookie_login(&issued.token).await.unwrap().unwrap();
    assert!(slid.fresh);
    assert!(slid.login.expires_ms > first.login.expires_ms);
    a.clock().advance(Duration::from_secs(31 * 24 * 3600));
    assert!(
        a.cookie_login(&issued.token).await.unwrap().is_none(),
        "expired"
    );
    let (_, again) = a.login("a@x.io", "password1", false, "ip").await.unwrap();
    a.logout(&again.token).await.unwrap();
    assert!(a.cookie_login(&again.token).await.unwrap().is_none());
    assert!(a.cookie_login("made-up").await.unwrap().is_none());
}

#[tokio::test]
async fn an_imported_bcrypt_hash_is_replaced_at_login() {
    let a = accounts(AccountSettings::default());
    // WebEDT stored bcrypt (cost 10); this one is Apache's, made by htpasswd
    use crate::crypto::tests_support::{HTPASSWD_BCRYPT_10 as bcrypt, HTPASSWD_PASSWORD as pw};
    let u = a
        .add_user("a@x.io", "placeholder", None, false)
        .await
        .unwrap();
    a.0.store
        .update_user(
            &u.id,
            &UserUpdate {
                password_hash: Some(bcrypt.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (after, _) = a.login("a@x.io", pw, false, "ip").await.unwrap();
    assert!(after.password_hash.starts_with("$argon2id$"));
    a.login("a@x.io", pw, false, "ip").await.unwrap();
}

#[tokio::test]
async fn credentials_are_sealed_and_settings_checked() {
    let a = accounts(AccountSettings::default());
    let u = a
        .add_user("a@x.io", "password1", None, false)
        .await
        .unwrap();
    let u = a.set_anthropic_key(&u.id, "sk-ant-secret-1").await.unwrap();
    assert!(SecretBox::is_sealed(u.anthropic_key.as_deref().unwrap()));
    assert!(!u.anthropic_key.as_deref().unwrap().contains("secret"));
    let auth = serde_json::json!({"accessToken": "at-1", "refreshToken": "rt-1", "expiresAt": 1});
    let u = a.set_claude_auth(&u.id, &auth).await.unwrap();
    assert_eq!(
        a.credentials(&u).unwrap(),
        Credentials {
            anthropic_key: Some("sk-ant-secret-1".into()),
            claude_token: Some("at-1".into()),
            github_token: None,
        }
    );
    assert!(
        a.set_claude_auth(&u.id, &serde_json::json!({"accessToken": "x"}))
            .await
            .is_err()
    );
    assert!(a.set_anthropic_key(&u.id, "not-a-key").await.is_err());
    let u = a.clear_credential(&u.id, false).await.unwrap();
    assert_eq!(u.anthropic_key, None);
    for bad in [
        Setting::PreferredProvider("bard".into()),
        Setting::PreferredModel("gpt-4".into()),
        Setting::ChatVerbosity("loud".into()),
        Setting::DefaultLandingPage("home".into()),
        Setting::ImageResize(511),
        Setting::ImageResize(8001),
    ] {
        assert!(
            matches!(
                a.set(&u.id, bad.clone()).await,
                Err(AccountError::Invalid(_))
            ),
            "{bad:?}"
        );
    }
    let u = a
        .set(&u.id, Setting::PreferredModel("claude-opus-4-1".into()))
        .await
        .unwrap();
    assert_eq!(u.settings.preferred_model, "claude-opus-4-1");
}

#[tokio::test]
async fn admins_keep_their_own_rights_and_account() {
    let a = accounts(AccountSettings::default());
    let admin = a
        .add_user("a@x.io", "password1", None, false)
        .await
        .unwrap();
    let b = a
        .add_user("b@x.io", "password1", None, false)
        .await
        .unwrap();
    assert!(admin.is_admin && !b.is_admin);
    let no_self = AdminPatch {
        is_admin: Some(false),
        ..Default::default()
    };
    assert!(
        a.patch_user(Some(&admin.id), &admin.id, no_self)
            .await
            .is_err()
    );
    assert!(a.delete_user(Some(&admin.id), &admin.id).await.is_err());
    let b2 = a
        .patch_user(
            Some(&admin.id),
            &b.id,
            AdminPatch {
                is_admin: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(b2.is_admin);
    let (_, admin_login) = a.login("a@x.io", "password1", false, "ip").await.unwrap();
    // a new password ends the logins made with the old one
    let (_, b_login) = a.login("b@x.io", "password1", false, "ip").await.unwrap();
    let pw = AdminPatch {
        password: Some("password2".into()),
        ..Default::default()
    };
    a.patch_user(Some(&admin.id), &b.id, pw).await.unwrap();
    assert!(a.cookie_login(&b_login.token).await.unwrap().is_none());
    let (as_b, _) = a
        .impersonate(Some(&admin_login.token), &b.id)
        .await
        .unwrap();
    assert_eq!(as_b.id, b.id);
    assert!(a.cookie_login(&admin_login.token).await.unwrap().is_none());
    a.delete_user(Some(&admin.id), &b.id).await.unwrap();
    assert!(matches!(
        a.user(&b.id).await,
        Err(AccountError::NotFound(_))
    ));
    assert_eq!(a.stats().await.unwrap().total_users, 1);
}
