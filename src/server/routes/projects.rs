//! `/v1/projects`.

use super::{project_json, success};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::{Me, admin_only};
use crate::store::NewProject;
use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// A bare array of projects.
pub async fn list(Me(st): Me) -> Result<Json<Value>, ApiError> {
    let list = st.store().projects().await?;
    Ok(Json(Value::Array(list.iter().map(project_json).collect())))
}

/// `POST /v1/projects` body.
#[derive(Deserialize)]
pub struct NewProjectBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// Creates a project.
pub async fn create(
    Me(st): Me,
    ApiJson(b): ApiJson<NewProjectBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if b.name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "name must not be empty",
            Some("name"),
        ));
    }
    if b.path.as_deref().is_some_and(|p| !p.is_empty()) {
        // a path points the project's tools at a folder of this machine
        admin_only(&st, "a project with a path")?;
    }
    if let Some(id) = &b.id {
        let id2 = id.clone();
        if st.store().project(&id2).await.is_ok() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict_error",
                format!("project {id} exists"),
            ));
        }
    }
    let new = NewProject {
        id: b.id,
        name: b.name,
        description: b.description.unwrap_or_default(),
        path: b.path.filter(|p| !p.is_empty()),
    };
    let p = st.store().create_project(&new).await?;
    Ok((StatusCode::CREATED, Json(project_json(&p))))
}

/// One project.
pub async fn one(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Value>, ApiError> {
    let p = st.store().project(&id).await?;
    Ok(Json(project_json(&p)))
}

/// Deletes a project and its sessions; 200 `{"success":true}`.
pub async fn remove(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Value>, ApiError> {
    let id2 = id.clone();
    if !st.store().delete_project(&id2).await? {
        return Err(ApiError::not_found("project", &id));
    }
    Ok(success(json!({"id": id})))
}
