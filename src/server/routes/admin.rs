//! `/api/admin/*`: users and counts, for admins (the server's token is one).

use super::auth::{Envelope, Message, UserData, UserView, ok, said};
use crate::engine::accounts::AdminPatch;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::{Client, Me, login_cookie};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// `GET /api/admin/users`: every user.
pub async fn list(Me(st): Me) -> Result<Json<Envelope<Vec<UserView>>>, ApiError> {
    let users = st.accounts().users().await?;
    Ok(ok(users
        .iter()
        .map(|u| UserView::of(u, st.accounts()))
        .collect()))
}

/// `GET /api/admin/users/{id}`.
pub async fn one(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Envelope<UserView>>, ApiError> {
    let u = st.accounts().user(&id).await?;
    Ok(ok(UserView::of(&u, st.accounts())))
}

/// `POST /api/admin/users` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUserBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    is_admin: bool,
}

/// `POST /api/admin/users`.
pub async fn create(
    Me(st): Me,
    ApiJson(b): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<Envelope<UserView>>), ApiError> {
    let u = st
        .accounts()
        .add_user(&b.email, &b.password, b.display_name.as_deref(), b.is_admin)
        .await?;
    Ok((StatusCode::CREATED, ok(UserView::of(&u, st.accounts()))))
}

/// `PATCH /api/admin/users/{id}` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchBody {
    email: Option<String>,
    display_name: Option<String>,
    password: Option<String>,
    is_admin: Option<bool>,
}

/// The admin acting, if a user (the server's token is none, and may change anyone).
fn actor_id(st: &crate::server::AppState) -> Option<String> {
    st.actor().user.as_ref().map(|u| u.id.clone())
}

/// `PATCH /api/admin/users/{id}`: an admin cannot take away their own admin right.
pub async fn update(
    Me(st): Me,
    IdPath(id): IdPath,
    ApiJson(b): ApiJson<PatchBody>,
) -> Result<Json<Envelope<UserView>>, ApiError> {
    let p = AdminPatch {
        email: b.email,
        display_name: b.display_name,
        password: b.password,
        is_admin: b.is_admin,
    };
    let u = st
        .accounts()
        .patch_user(actor_id(&st).as_deref(), &id, p)
        .await?;
    Ok(ok(UserView::of(&u, st.accounts())))
}

/// `DELETE /api/admin/users/{id}`: not oneself; their rows, logins and keys go too.
pub async fn remove(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Envelope<Message>>, ApiError> {
    st.accounts()
        .delete_user(actor_id(&st).as_deref(), &id)
        .await?;
    Ok(said("User deleted"))
}

/// `POST /api/admin/users/{id}/impersonate`: a login as that user; the admin's own ends.
pub async fn impersonate(Me(st): Me, c: Client, IdPath(id): IdPath) -> Result<Response, ApiError> {
    let (u, issued) = st.accounts().impersonate(c.token.as_deref(), &id).await?;
    let mut r = ok(UserData {
        user: UserView::of(&u, st.accounts()),
    })
    .into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, login_cookie(&issued, c.secure));
    Ok(r)
}

/// `{totalUsers, totalAdmins, activeSessions}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsView {
    total_users: i64,
    total_admins: i64,
    active_sessions: i64,
}

/// `GET /api/admin/stats`.
pub async fn stats(Me(st): Me) -> Result<Json<Envelope<StatsView>>, ApiError> {
    let s = st.accounts().stats().await?;
    Ok(ok(StatsView {
        total_users: s.total_users,
        total_admins: s.total_admins,
        active_sessions: s.active_sessions,
    }))
}
