//! The benchmark's floor (performance.md): a bare handler that commits the JSON it is sent as one
//! row, through the same pool and write path as every real write, and a bare handler answering a
//! small JSON. Each scenario is reported as a ratio to these, measured in the same run, so results
//! compare across machines. Mounted only when `bench_floor` is set, outside the route table and
//! its middleware: never in production.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use emss_db::floor;
use serde_json::{Value, json};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/bench/floor/json", get(small_json))
        .route("/bench/floor/commit", post(commit))
        .with_state(state)
}

async fn small_json() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn commit(State(state): State<AppState>, Json(body): Json<Value>) -> StatusCode {
    match floor::commit(state.app.db(), &body.to_string()).await {
        Ok(()) => StatusCode::CREATED,
        Err(e) => {
            tracing::error!(error = %e, "floor commit failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
