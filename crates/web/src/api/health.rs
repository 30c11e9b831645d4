//! Liveness and readiness, for load balancers and orchestrators.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Status {
    /// `ok` (process alive) or `ready` (database reachable, migrations applied).
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    summary = "进程存活检查",
    responses((status = 200, body = Status))
)]
pub async fn live() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// The database answers and every migration is applied.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "meta",
    summary = "就绪检查：数据库可达且迁移已完成",
    responses(
        (status = 200, body = Status),
        (status = 503, body = crate::error::ErrorBody, description = "数据库不可达或迁移未完成")
    )
)]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    state.app.ready().await.map_err(|e| {
        ApiError(
            emss_app::AppError::new(emss_domain::ErrorCode::Unavailable).with_detail(e.to_string()),
        )
    })?;
    Ok(Json(Status { status: "ready" }))
}
