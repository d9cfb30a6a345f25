//! `clauded serve --demo`: the seed's test data, added idempotently.

use crate::store::{self, NewProject, NewSession, Store};

const PROJECTS: &[(&str, &str, &str)] = &[
    ("demo-ios-app", "iOS App", "SwiftUI client for Claude Code"),
    (
        "demo-backend-api",
        "Backend API",
        "The server the app talks to",
    ),
    ("demo-test-suite", "Test Suite", "End-to-end tests"),
];

const SESSIONS: &[(&str, &str, &str)] = &[
    ("demo-session-1", "demo-ios-app", "Build the chat screen"),
    (
        "demo-session-2",
        "demo-backend-api",
        "Add streaming to the API",
    ),
];

/// Adds the demo projects and sessions that are missing; returns how many rows it added.
pub async fn seed(s: &Store, model: &str) -> store::Result<usize> {
    let mut added = 0;
    for (id, name, description) in PROJECTS {
        if let Err(store::Error::NotFound { .. }) = s.project(id).await {
            s.create_project(&NewProject {
                id: Some((*id).into()),
                name: (*name).into(),
                description: (*description).into(),
                path: None,
            })
            .await?;
            added += 1;
        }
    }
    for (id, project, title) in SESSIONS {
        if let Err(store::Error::NotFound { .. }) = s.session(id).await {
            added += 1;
            s.create_session(&NewSession {
                id: Some((*id).into()),
                project_id: Some((*project).into()),
                title: (*title).into(),
                model: model.into(),
                system_prompt: None,
                source: "demo".into(),
                ..Default::default()
            })
            .await?;
            // the two built-in servers come registered; the demo sessions offer them
            for server in ["builtin-filesystem", "builtin-bash"] {
                s.set_session_server(id, server, true).await?;
            }
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn seeding_twice_adds_nothing_the_second_time() {
        let s = crate::store::Store::open_in_memory().unwrap();
        assert_eq!(super::seed(&s, "m").await.unwrap(), 5);
        assert_eq!(super::seed(&s, "m").await.unwrap(), 0);
        assert_eq!(s.projects().await.unwrap().len(), 3);
    }
}
