//! The account list for the system administrator.

use super::ApiQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use emss_db::repo::account::{AccountFilter, AccountRow};
use emss_domain::listing::PageRequest;
use emss_domain::{ErrorCode, OrgKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// 1-based page number.
    pub page: Option<u64>,
    /// Rows per page, at most 100.
    pub page_size: Option<u64>,
    /// Matches username, name or organisation name.
    pub keyword: Option<String>,
    /// Only accounts of organisations of this kind.
    pub org_kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountItem {
    pub id: String,
    pub username: String,
    pub name: String,
    pub org_name: String,
    pub org_kind: Option<String>,
    pub district_code: Option<String>,
    pub roles: Vec<String>,
    pub is_main: bool,
    pub disabled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<AccountRow> for AccountItem {
    fn from(r: AccountRow) -> Self {
        AccountItem {
            id: r.account.id,
            username: r.account.username,
            name: r.account.name,
            org_name: r.org_name,
            org_kind: r.org_kind.map(|k| k.as_str().to_string()),
            district_code: r.district_code,
            roles: r.roles.iter().map(|x| x.as_str().to_string()).collect(),
            is_main: r.account.is_main,
            disabled: r.account.disabled,
            last_login_at: r.account.last_login_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountItem>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// Accounts of every organisation (system administrator).
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "账户列表（系统管理员）",
    params(AccountQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = AccountPage),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AccountQuery>,
) -> Result<Json<AccountPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = AccountFilter {
        keyword: q.keyword,
        org_kind: q.org_kind.as_deref().and_then(OrgKind::parse),
    };
    let page = emss_app::account::list(
        &state.app,
        actor,
        &filter,
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    Ok(Json(AccountPage {
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page.items.into_iter().map(AccountItem::from).collect(),
    }))
}
