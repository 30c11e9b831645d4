//! The desktop portal and the public pages.

pub mod accounts;
pub mod agencies;
pub mod agency_resources;
pub mod audit;
pub mod catalogue;
pub mod contracts;
pub mod credit;
pub mod credit_activity;
pub mod credit_objections;
pub mod enterprises;
pub mod filing_changes;
pub mod help;
pub mod home;
pub mod inspections;
pub mod login;
pub mod my_account;
pub mod outlets;
pub mod records;
pub mod rectifications;
pub mod security;
pub mod statistics;
pub mod tasks;

use crate::error::PageError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use emss_app::AppError;
use emss_domain::ErrorCode;
use serde::de::DeserializeOwned;

/// A submitted form; a malformed one gets the Chinese error page.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| PageForm(v))
            .map_err(|r| PageError(AppError::new(ErrorCode::BadRequest).with_detail(r.body_text())))
    }
}

/// Query parameters of a page; malformed ones get the Chinese error page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| PageQuery(v))
            .map_err(|r| PageError(AppError::new(ErrorCode::BadRequest).with_detail(r.body_text())))
    }
}

/// Where to go after signing in: only a path on this site, never another host.
pub fn safe_next(next: Option<&str>, default: &'static str) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => default.to_string(),
    }
}

/// The agencies and self-maintaining enterprises a regulator's list filters by:
/// (id, name, chosen).
pub(crate) async fn agency_choices(
    state: &crate::AppState,
    chosen: Option<&str>,
) -> Result<Vec<(String, String, bool)>, PageError> {
    use emss_domain::OrgKind;
    Ok(emss_db::repo::organization::list_by_kinds(
        &state.app.db().conn,
        &[OrgKind::Agency, OrgKind::SelfMaintainingEnterprise],
    )
    .await
    .map_err(AppError::from)?
    .into_iter()
    .map(|o| {
        let is = chosen == Some(o.id.as_str());
        (o.id, o.name, is)
    })
    .collect())
}

/// The name of the outlet a list is narrowed to, if the viewer may see it ("—" otherwise: the
/// list is empty for it anyway).
pub(crate) async fn outlet_name(
    state: &crate::AppState,
    actor: &emss_domain::Actor,
    id: &str,
) -> Result<String, PageError> {
    Ok(
        emss_db::repo::outlet::get(&state.app.db().conn, &actor.scope(), id)
            .await
            .map_err(AppError::from)?
            .map(|o| o.name)
            .unwrap_or_else(|| emss_domain::time::EMPTY.to_string()),
    )
}

/// The districts the city's lists filter by (code, name, chosen); none for anyone else.
pub(crate) fn district_choices(
    state: &crate::AppState,
    actor: &emss_domain::Actor,
    chosen: Option<&str>,
) -> Vec<(String, String, bool)> {
    if actor.org_kind != emss_domain::OrgKind::CityRegulator {
        return Vec::new();
    }
    state
        .app
        .districts()
        .all()
        .iter()
        .map(|d| {
            (
                d.code.clone(),
                d.name.clone(),
                chosen == Some(d.code.as_str()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(
            safe_next(Some("/admin/accounts?page=2"), "/"),
            "/admin/accounts?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("/\\evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("https://evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("/x\r\nSet-Cookie: a"), "/"), "/");
        assert_eq!(safe_next(None, "/m/"), "/m/");
    }
}
