//! What the middleware learned about a request, handed to handlers as one extractor.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use emss_app::auth::Authenticated;
use emss_domain::Actor;
use std::convert::Infallible;
use std::sync::Arc;

/// The request's id, the signed-in session (if any) and the client's address.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub request_id: String,
    pub auth: Option<Arc<Authenticated>>,
    /// The session was presented but had timed out.
    pub expired: bool,
    /// The session was presented but had been ended by a newer login or an administrator.
    pub ended: bool,
    /// The session came from a bearer token, not a cookie.
    pub bearer: bool,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Ctx {
    /// Signed in, but only the password change is open until the password is changed.
    pub fn must_change_password(&self) -> bool {
        self.auth.as_deref().is_some_and(|a| a.must_change_password)
    }

    pub fn actor(&self) -> Option<&Actor> {
        self.auth.as_deref().map(|a| &a.actor)
    }

    /// The anti-CSRF token forms of this session must carry ("" when signed out).
    pub fn csrf(&self) -> &str {
        self.auth
            .as_deref()
            .map(|a| a.csrf_token.as_str())
            .unwrap_or("")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Ctx>().cloned().unwrap_or_default())
    }
}

/// The current request's id, or "" outside a request (set by the request-id middleware, and read
/// by error bodies built far from the request and by the audit log).
pub fn current_request_id() -> String {
    emss_app::context::current().request_id
}
