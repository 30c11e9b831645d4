//! Enterprises (排污单位) and their administrators, imported by the system administrator.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use emss_domain::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedEnterprise {
    pub id: String,
    pub name: String,
    /// The administrator's login (the enterprise's main account).
    pub username: String,
    /// Shown this once; to be changed at the first login, valid 72 hours.
    pub one_time_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseImportResult {
    pub enterprises: Vec<ImportedEnterprise>,
}

/// Imports enterprises with their administrators from a CSV (UTF-8) or XLSX file sent as the
/// request body. The first row names the columns: 企业名称, 统一社会信用代码, 所在区, 管理员用户名,
/// 管理员姓名, 管理员手机号 (may be empty). All rows or none: every problem comes back as
/// `rows[n].field` with the row and column named.
#[utoipa::path(post, path = "/api/v1/enterprises/import", tag = "outlets", summary = "导入企业及管理员账户",
    request_body(content = Vec<u8>, content_type = "text/csv"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = EnterpriseImportResult), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<(StatusCode, Json<EnterpriseImportResult>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::enterprises::import(&state.app, actor, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(EnterpriseImportResult {
            enterprises: done
                .into_iter()
                .map(|e| ImportedEnterprise {
                    id: e.org_id,
                    name: e.name,
                    username: e.username,
                    one_time_password: e.one_time_password,
                })
                .collect(),
        }),
    ))
}
