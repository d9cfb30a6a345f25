//! Accounts and ownership on every engine (see `tests.rs` for how the stores are made).

use super::tests::{missing, stores};
use super::*;
use crate::anthropic::ContentBlock;
use serde_json::json;

pub(super) fn new_user(id: &str, email: &str) -> NewUser {
    NewUser {
        id: id.into(),
        email: email.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        ..Default::default()
    }
}

async fn session_as(s: &Store, id: &str) -> Session {
    s.create_session(&NewSession {
        id: Some(id.into()),
        title: id.into(),
        model: "m".into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn users_are_made_found_changed_and_deleted() {
    for s in stores().await {
        assert_eq!(s.user_count().await.unwrap(), 0);
        assert_eq!(s.first_admin().await.unwrap(), None);
        let a = s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        assert!(a.is_admin, "the first user is an admin");
        assert_eq!(a.settings, UserSettings::default());
        let b = s.create_user(&new_user("ub", "b@x.io")).await.unwrap();
        assert!(!b.is_admin);
        assert!(matches!(
            s.create_user(&new_user("uc", "a@x.io")).await,
            Err(Error::Conflict(_))
        ));
        assert_eq!(s.user_by_email("b@x.io").await.unwrap(), Some(b.clone()));
        assert_eq!(s.user_by_email("c@x.io").await.unwrap(), None);
        assert_eq!(s.first_admin().await.unwrap().unwrap().id, "ua");
        assert_eq!(s.users().await.unwrap().len(), 2);
        let up = UserUpdate {
            display_name: Some(Some("Bee".into())),
            preferred_model: Some("opus".into()),
            image_resize_max_dimension: Some(2048),
            voice_command_keywords: Some(vec!["over".into()]),
            anthropic_key: Some(Some("v1:sealed".into())),
            ..Default::default()
        };
        let b2 = s.update_user("ub", &up).await.unwrap();
        assert_eq!(b2.display_name.as_deref(), Some("Bee"));
        assert_eq!(b2.settings.preferred_model, "opus");
        assert_eq!(b2.settings.image_resize_max_dimension, 2048);
        assert_eq!(b2.settings.voice_command_keywords, vec!["over"]);
        assert_eq!(b2.anthropic_key.as_deref(), Some("v1:sealed"));
        assert_eq!(b2.settings.chat_verbosity_level, "verbose", "untouched");
        let cleared = UserUpdate {
            anthropic_key: Some(None),
            ..Default::default()
        };
        assert_eq!(
            s.update_user("ub", &cleared).await.unwrap().anthropic_key,
            None
        );
        assert!(matches!(
            s.update_user(
                "ub",
                &UserUpdate {
                    email: Some("a@x.io".into()),
                    ..Default::default()
                }
            )
            .await,
            Err(Error::Conflict(_))
        ));
        assert!(missing(s.update_user("nobody", &up).await));

        // B's rows, logins and keys go with B
        let sb = s.scoped("ub");
        session_as(&sb, "b-s").await;
        s.create_login(&Login {
            id: "h1".into(),
            user_id: "ub".into(),
            created_at: now(),
            expires_ms: unix_ms() + 60_000,
        })
        .await
        .unwrap();
        s.create_api_key(&NewApiKey {
            id: "k1".into(),
            user_id: "ub".into(),
            name: "phone".into(),
            prefix: "ck_abcd".into(),
            hash: "kh1".into(),
        })
        .await
        .unwrap();
        assert!(s.delete_user("ub").await.unwrap());
        assert!(!s.delete_user("ub").await.unwrap());
        assert!(missing(s.unscoped().session("b-s").await));
        assert_eq!(s.login("h1", unix_ms()).await.unwrap(), None);
        assert_eq!(s.api_key_user("kh1").await.unwrap(), None);
        assert_eq!(s.user_count().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn the_first_user_takes_the_local_rows() {
    for s in stores().await {
        // local mode: a handle from connect sees and makes the local owner's rows
        assert_eq!(s.owner(), None);
        session_as(&s, "old").await;
        s.set_tool_permission("fs__write", "allow").await.unwrap();
        s.put_response("resp_old", "m", &json!([]), &json!({}))
            .await
            .unwrap();
        let a = s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        let mine = s.scoped(&a.id);
        assert_eq!(mine.session("old").await.unwrap().project_id, "default");
        assert_eq!(
            mine.tool_permission("fs__write").await.unwrap().as_deref(),
            Some("allow")
        );
        assert!(mine.stored_response("resp_old").await.unwrap().is_some());
        // the second user takes nothing
        s.create_user(&new_user("ub", "b@x.io")).await.unwrap();
        let theirs = s.scoped("ub");
        assert!(missing(theirs.session("old").await));
        assert_eq!(theirs.tool_permission("fs__write").await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_scoped_store_never_sees_or_changes_another_owners_rows() {
    for s in stores().await {
        let (a, b) = (s.scoped("ua"), s.scoped("ub"));
        let sa = session_as(&a, "shared-looking-id-a").await;
        let sb = session_as(&b, "shared-looking-id-b").await;
        assert_ne!(sa.project_id, sb.project_id, "each has a default project");
        a.add_message(
            &sa.id,
            &NewMessage::user(vec![ContentBlock::text("alpha secret")]),
        )
        .await
        .unwrap();
        b.add_message(
            &sb.id,
            &NewMessage::user(vec![ContentBlock::text("beta words")]),
        )
        .await
        .unwrap();

        // lists and counts
        let ids = |v: Vec<Session>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(
            ids(a.sessions(&Default::default()).await.unwrap()),
            vec![sa.id.clone()]
        );
        assert_eq!(a.session_ids().await.unwrap(), vec![sa.id.clone()]);
        assert_eq!(a.latest_session().await.unwrap().unwrap().id, sa.id);
        assert_eq!(a.session_stats().await.unwrap().total_sessions, 1);
        assert_eq!(a.session_stats().await.unwrap().total_messages, 1);
        assert_eq!(
            s.unscoped().session_stats().await.unwrap().total_sessions,
            2
        );
        let pa: Vec<_> = a
            .projects()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(pa, vec![sa.project_id.clone()]);
        assert_eq!(a.search_messages("beta", 10).await.unwrap().total, 0);
        assert_eq!(b.search_messages("beta", 10).await.unwrap().total, 1);

        // reads, changes and deletes by id
        assert!(missing(a.session(&sb.id).await));
        assert!(missing(a.resolve_session("shared-looking-id-b").await));
        // a prefix that both ids share names one session among A's own
        assert_eq!(a.resolve_session("shared-looking").await.unwrap().id, sa.id);
        assert!(matches!(
            s.unscoped().resolve_session("shared-looking").await,
            Err(Error::Ambiguous { .. })
        ));
        assert!(missing(a.session_messages(&sb.id).await));
        assert!(missing(a.session_metadata(&sb.id).await));
        assert!(missing(
            a.update_session(
                &sb.id,
                &SessionUpdate {
                    title: Some("taken".into()),
                    ..Default::default()
                }
            )
            .await
        ));
        assert!(missing(
            a.add_message(&sb.id, &NewMessage::user(vec![ContentBlock::text("x")]))
                .await
        ));
        assert!(!a.delete_session(&sb.id).await.unwrap());
        assert!(missing(a.project(&sb.project_id).await));
        assert!(!a.delete_project(&sb.project_id).await.unwrap());
        assert!(missing(
            a.set_session_server(&sb.id, "builtin-bash", true).await
        ));
        // opening another's id neither reveals nor takes it
        assert!(missing(
            a.open_session(&NewSession {
                id: Some(sb.id.clone()),
                model: "m".into(),
                ..Default::default()
            })
            .await
        ));
        let still = b.session(&sb.id).await.unwrap();
        assert_eq!(
            (still.title.as_str(), still.message_count),
            ("shared-looking-id-b", 1)
        );

        // the request log: each exchange is its user's
        a.log_request(&RequestLogEntry {
            source: "openai".into(),
            endpoint: "/v1/messages".into(),
            latency_ms: 1,
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(a.recent_requests(10).await.unwrap().len(), 1);
        assert!(b.recent_requests(10).await.unwrap().is_empty());
        assert_eq!(s.unscoped().recent_requests(10).await.unwrap().len(), 1);

        // approvals, responses and permissions
        let ap = b
            .create_approval(&NewApproval {
                session_id: Some(sb.id.clone()),
                source: "clauded".into(),
                tool: "bash".into(),
                input: json!({}),
                ttl_ms: 60_000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(a.pending_approvals().await.unwrap().is_empty());
        assert!(missing(a.approval(&ap.id).await));
        assert!(a.decide_approval(&ap.id, "allow", None).await.is_err());
        assert_eq!(b.approval(&ap.id).await.unwrap().decision, None);
        assert!(a.approval_events(0).await.unwrap().is_empty());
        assert_eq!(b.approval_events(0).await.unwrap().len(), 1);
        b.put_response("resp_b", "m", &json!([]), &json!({}))
            .await
            .unwrap();
        assert_eq!(a.stored_response("resp_b").await.unwrap(), None);
        b.set_tool_permission("bash__run", "allow").await.unwrap();
        assert_eq!(a.tool_permission("bash__run").await.unwrap(), None);
        a.set_tool_permission("bash__run", "deny").await.unwrap();
        assert_eq!(
            b.tool_permission("bash__run").await.unwrap().as_deref(),
            Some("allow")
        );
    }
}

#[tokio::test]
async fn logins_expire_slide_and_end() {
    for s in stores().await {
        s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        let soon = unix_ms() + 60_000;
        let login = Login {
            id: "hash-1".into(),
            user_id: "ua".into(),
            created_at: now(),
            expires_ms: soon,
        };
        s.create_login(&login).await.unwrap();
        let (l, u) = s.login("hash-1", unix_ms()).await.unwrap().unwrap();
        assert_eq!((l, u.id.as_str()), (login.clone(), "ua"));
        s.extend_login("hash-1", soon + 1000).await.unwrap();
        assert_eq!(
            s.login("hash-1", unix_ms())
                .await
                .unwrap()
                .unwrap()
                .0
                .expires_ms,
            soon + 1000
        );
        assert_eq!(s.account_stats(unix_ms()).await.unwrap().active_sessions, 1);
        // expired: not a login, not counted
        s.extend_login("hash-1", unix_ms() - 1).await.unwrap();
        assert_eq!(s.login("hash-1", unix_ms()).await.unwrap(), None);
        assert_eq!(
            s.account_stats(unix_ms()).await.unwrap(),
            AccountStats {
                total_users: 1,
                total_admins: 1,
                active_sessions: 0
            }
        );
        s.create_login(&Login {
            id: "hash-2".into(),
            ..login
        })
        .await
        .unwrap();
        assert!(s.delete_login("hash-2", unix_ms()).await.unwrap());
        assert_eq!(s.login("hash-2", unix_ms()).await.unwrap(), None);
    }
}

#[tokio::test]
async fn api_keys_are_listed_found_by_hash_and_deleted_by_their_owner_only() {
    for s in stores().await {
        s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        s.create_user(&new_user("ub", "b@x.io")).await.unwrap();
        let k = s
            .create_api_key(&NewApiKey {
                id: "key-1".into(),
                user_id: "ua".into(),
                name: "phone".into(),
                prefix: "ck_abcd".into(),
                hash: "h".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            (k.name.as_str(), k.last_used_at.as_deref()),
            ("phone", None)
        );
        assert_eq!(s.api_key_user("h").await.unwrap().unwrap().id, "ua");
        assert!(s.api_keys("ua").await.unwrap()[0].last_used_at.is_some());
        assert!(s.api_keys("ub").await.unwrap().is_empty());
        assert_eq!(s.api_key_user("other").await.unwrap(), None);
        assert!(!s.delete_api_key("ub", "key-1").await.unwrap());
        assert!(s.delete_api_key("ua", "key-1").await.unwrap());
        assert_eq!(s.api_key_user("h").await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_trash_takes_all_of_a_batch_of_ones_own_or_nothing() {
    for s in stores().await {
        let (a, b) = (s.scoped("ua"), s.scoped("ub"));
        for id in ["a1", "a2"] {
            session_as(&a, id).await;
        }
        session_as(&b, "b1").await;
        let ids = |v: Vec<Session>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
        let trash = SessionFilter {
            deleted: true,
            ..Default::default()
        };
        // another's id in the batch: nothing changes
        let mixed = vec!["a1".to_owned(), "b1".to_owned()];
        assert!(matches!(
            a.trash(&mixed, TrashOp::Trash).await,
            Err(Error::NotYours(_))
        ));
        assert!(a.session("a1").await.unwrap().deleted_at.is_none());
        assert!(b.session("b1").await.unwrap().deleted_at.is_none());
        // one's own: out of every list, into the trash
        let one = vec!["a1".to_owned(), "a1".to_owned()];
        assert_eq!(a.trash(&one, TrashOp::Trash).await.unwrap(), 1);
        assert_eq!(
            ids(a.sessions(&Default::default()).await.unwrap()),
            vec!["a2"]
        );
        assert_eq!(ids(a.sessions(&trash).await.unwrap()), vec!["a1"]);
        assert!(a.session("a1").await.unwrap().deleted_at.is_some());
        assert_eq!(a.latest_session().await.unwrap().unwrap().id, "a2");
        // for good only from the trash
        let both = vec!["a1".to_owned(), "a2".to_owned()];
        assert!(matches!(
            a.trash(&both, TrashOp::Purge).await,
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            b.trash(&one, TrashOp::Restore).await,
            Err(Error::NotYours(_))
        ));
        assert_eq!(a.trash(&one, TrashOp::Restore).await.unwrap(), 1);
        assert!(a.sessions(&trash).await.unwrap().is_empty());
        a.trash(&one, TrashOp::Trash).await.unwrap();
        assert_eq!(a.trash(&one, TrashOp::Purge).await.unwrap(), 1);
        assert!(missing(a.session("a1").await));
        // pages of the trash
        for i in 0..3 {
            let id = format!("t{i}");
            session_as(&a, &id).await;
            a.trash(&[id], TrashOp::Trash).await.unwrap();
        }
        let page = SessionFilter {
            deleted: true,
            limit: Some(2),
            offset: Some(2),
            ..Default::default()
        };
        assert_eq!(a.sessions(&page).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn attempts_count_in_windows_shared_by_every_handle() {
    for s in stores().await {
        let other = s.scoped("someone");
        assert_eq!(
            s.count_attempt("ip 1", 1000, 10_000).await.unwrap(),
            (1, 10_000)
        );
        assert_eq!(
            other.count_attempt("ip 1", 1000, 10_500).await.unwrap(),
            (2, 10_000)
        );
        // a new window once the last is over
        assert_eq!(
            s.count_attempt("ip 1", 1000, 11_000).await.unwrap(),
            (1, 11_000)
        );
        s.count_attempt("email a", 1000, 11_000).await.unwrap();
        s.clear_attempts("email a", 0).await.unwrap();
        assert_eq!(
            s.count_attempt("email a", 1000, 11_100).await.unwrap(),
            (1, 11_100)
        );
    }
}

#[tokio::test]
async fn users_in_their_id_spaces_may_choose_the_same_ids() {
    for s in stores().await {
        s.create_user(&new_user("ua", "a@x.io")).await.unwrap();
        let b_user = s.create_user(&new_user("ub", "b@x.io")).await.unwrap();
        assert!(
            s.user("ua").await.unwrap().bare_ids,
            "the first user keeps bare ids"
        );
        assert!(!b_user.bare_ids, "a later user has a space");
        let (a, b, c) = (s.scoped("ua"), s.spaced("ub"), s.spaced("uc"));
        assert_eq!(b.stored_id("x"), "x~ub");
        assert_eq!(a.stored_id("x"), "x");
        for st in [&a, &b, &c] {
            st.create_project(&NewProject {
                id: Some("p1".into()),
                name: "P".into(),
                ..Default::default()
            })
            .await
            .unwrap();
            let made = st
                .create_session(&NewSession {
                    id: Some("same".into()),
                    project_id: Some("p1".into()),
                    title: st.owner().unwrap().into(),
                    model: "m".into(),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!((made.id.as_str(), made.project_id.as_str()), ("same", "p1"));
            st.add_message(
                "same",
                &NewMessage::user(vec![ContentBlock::text(st.owner().unwrap())]),
            )
            .await
            .unwrap();
            st.append_event("same", "e", &json!({"who": st.owner()}))
                .await
                .unwrap();
        }
        // each sees their own row under the id they chose, and only theirs
        for (st, who) in [(&a, "ua"), (&b, "ub"), (&c, "uc")] {
            let got = st.session("same").await.unwrap();
            assert_eq!((got.id.as_str(), got.title.as_str()), ("same", who));
            let msgs = st.messages("same").await.unwrap();
            assert_eq!(msgs.len(), 1);
            assert_eq!(msgs[0].session_id, "same");
            assert_eq!(msgs[0].content, vec![ContentBlock::text(who)]);
            let ev = st.events("same", None).await.unwrap();
            assert_eq!((ev.len(), ev[0].session_id.as_str()), (1, "same"));
            let listed = st.sessions(&SessionFilter::default()).await.unwrap();
            assert_eq!(listed.len(), 1);
            assert_eq!(listed[0].id, "same");
            assert_eq!(st.session_ids().await.unwrap(), vec!["same".to_owned()]);
            let listed = st
                .sessions(&SessionFilter {
                    project_id: Some("p1".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(listed.len(), 1, "{who}: the project's sessions");
            assert_eq!(st.project("p1").await.unwrap().id, "p1");
            assert_eq!(st.resolve_session("same").await.unwrap().title, who);
            assert_eq!(
                st.resolve_session("sa").await.unwrap().title,
                who,
                "a prefix"
            );
            assert_eq!(st.resolve_project("P").await.unwrap().id, "p1", "by name");
            let default = if who == "ua" { "default-ua" } else { "default" };
            assert_eq!(st.default_project().await.unwrap().id, default);
            let hits = st.search_messages(who, 10).await.unwrap();
            assert_eq!(hits.hits.len(), 1, "{who}");
            assert_eq!(hits.hits[0].session_id, "same");
        }
        // a clash within one's own space is a conflict naming the id as chosen
        let again = b
            .create_session(&NewSession {
                id: Some("same".into()),
                model: "m".into(),
                ..Default::default()
            })
            .await;
        match again {
            Err(Error::Conflict(m)) => assert!(m.contains("same") && !m.contains('~'), "{m}"),
            other => panic!("{other:?}"),
        }
        match b.session("nope").await {
            Err(Error::NotFound { id, .. }) => assert_eq!(id, "nope"),
            other => panic!("{other:?}"),
        }
        // a client cannot name a stored id
        assert!(matches!(
            a.create_session(&NewSession {
                id: Some("same~ub".into()),
                model: "m".into(),
                ..Default::default()
            })
            .await,
            Err(Error::InvalidId { .. })
        ));
        assert!(missing(a.session("same~ub").await));
        // a new session without an id is in the space too, and found by the id shown
        let fresh = b.create_session(&NewSession::default()).await.unwrap();
        assert!(!fresh.id.contains('~'));
        assert_eq!(b.session(&fresh.id).await.unwrap().id, fresh.id);
        assert_eq!(fresh.project_id, "default");
        // the one gone leaves the others
        assert!(b.delete_session("same").await.unwrap());
        assert!(missing(b.session("same").await));
        assert_eq!(a.session("same").await.unwrap().title, "ua");
        assert_eq!(c.session("same").await.unwrap().title, "uc");
        // the unscoped store sees the stored ids
        let all = s.unscoped();
        assert!(all.session("same~uc").await.is_ok());
        session_as(&c, "conly").await;
        assert!(all.session_is_anyones("conly").await.unwrap(), "in a space");
        assert!(all.session_is_anyones("same").await.unwrap());
        assert!(!all.session_is_anyones("nobody").await.unwrap());
    }
}
