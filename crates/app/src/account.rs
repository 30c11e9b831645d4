//! Reading accounts: one's own, and the account list of the system administrator.

use crate::{App, AppError};
use emss_db::repo;
use emss_db::repo::account::{AccountFilter, AccountRow, AccountScope};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::{Actor, ErrorCode, Permission};

/// The account list (账户管理). Only the system administrator sees every organisation's accounts.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &AccountFilter,
    page: PageRequest,
) -> Result<Page<AccountRow>, AppError> {
    if !Permission::ManageAccounts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    Ok(repo::account::list(&app.db().conn, &AccountScope::All, filter, page).await?)
}
