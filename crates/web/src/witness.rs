//! The witness endpoints another EMSS instance pushes its audit checkpoints to and verifiers read
//! them from (`docs/audit.md`). Plain text, as C2SP tlog-witness has it; anyone may call them —
//! only a checkpoint signed by a witnessed log's key and extending what is held is taken.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use emss_app::witness::{self, AddError};
use emss_domain::witness::{MAX_REQUEST_BYTES, Refusal};

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn plain(status: StatusCode, body: impl Into<String>) -> Response {
    text(status, "text/plain; charset=utf-8", body.into())
}

/// `POST /witness/add-checkpoint`.
pub async fn add_checkpoint(State(state): State<AppState>, body: Bytes) -> Response {
    if body.len() > MAX_REQUEST_BYTES {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "请求过大");
    }
    let Ok(body) = std::str::from_utf8(&body) else {
        return plain(StatusCode::BAD_REQUEST, "请求不是 UTF-8 文本");
    };
    match witness::add_checkpoint(&state.app, body).await {
        Ok(_) => plain(StatusCode::OK, ""),
        Err(AddError::Refused(refusal)) => {
            tracing::warn!(?refusal, "witness refused a checkpoint");
            match refusal {
                Refusal::Malformed(m) => plain(StatusCode::BAD_REQUEST, m),
                Refusal::UnknownLog => plain(StatusCode::NOT_FOUND, "本见证不保存这份日志"),
                Refusal::BadSignature => {
                    plain(StatusCode::FORBIDDEN, "检查点不是所见证日志的密钥签署的")
                }
                Refusal::Conflict(size) => text(
                    StatusCode::CONFLICT,
                    "text/x.tlog.size",
                    format!("{size}\n"),
                ),
                Refusal::BadProof => plain(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "一致性证明不成立：检查点不是已保存检查点的延续",
                ),
            }
        }
        Err(AddError::Failed(e)) => {
            tracing::error!(error = %e, "witness could not store a checkpoint");
            plain(StatusCode::SERVICE_UNAVAILABLE, "暂时无法保存检查点")
        }
    }
}

/// `GET /witness/logs/{key_id}/checkpoint`: the newest checkpoint held for the log.
pub async fn latest(State(state): State<AppState>, Path(key_id): Path<String>) -> Response {
    if key_id.len() != 8 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return plain(StatusCode::NOT_FOUND, "没有这份日志的检查点");
    }
    match witness::latest(&state.app, &key_id.to_ascii_lowercase()).await {
        Ok(Some(note)) => plain(StatusCode::OK, note),
        Ok(None) => plain(StatusCode::NOT_FOUND, "没有这份日志的检查点"),
        Err(e) => {
            tracing::error!(error = %e, "witness could not read its checkpoints");
            plain(StatusCode::SERVICE_UNAVAILABLE, "暂时无法读取检查点")
        }
    }
}
