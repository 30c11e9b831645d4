//! Middleware, outermost first: request id and access log, panic guard, security headers,
//! compression, time limit, body size limit, session, CSRF.

use crate::context::Ctx;
use crate::error::{ApiError, PageError};
use crate::routes::Surface;
use crate::{AppState, session_cookie};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{HeaderMap, Method};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use emss_app::auth::{self, Resolved};
use emss_domain::ErrorCode;
use futures_util::FutureExt;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::compression::CompressionLayer;
use tracing::Instrument;

/// Form and JSON bodies (INP-05). Upload routes raise their own limit.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// No request may take longer than this (INP-05).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn wrap(router: Router<AppState>, state: AppState) -> Router {
    router
        .layer(from_fn_with_state(state.clone(), csrf))
        .layer(from_fn_with_state(state.clone(), session))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn(time_limit))
        .layer(CompressionLayer::new())
        .layer(from_fn(security_headers))
        .layer(from_fn(catch_panic))
        .layer(from_fn(request_id))
        .layer(from_fn_with_state(state.clone(), client_address))
        .with_state(state)
}

/// The client's address as everything after sees it (see [`crate::client_addr`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub std::net::IpAddr);

fn client_ip(req: &Request) -> Option<String> {
    req.extensions().get::<ClientIp>().map(|c| c.0.to_string())
}

async fn client_address(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let ip = crate::client_addr::client_ip(peer, req.headers(), &state.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

pub(crate) fn refuse(path: &str, code: ErrorCode) -> Response {
    match Surface::of_path(path) {
        Surface::Api => ApiError::from(code).into_response(),
        Surface::Portal | Surface::Mobile => PageError::from(code).into_response(),
    }
}

/// Gives every request an id: in the `x-request-id` header, in every log line of the request and
/// on error pages. An id sent by the client is not trusted.
async fn request_id(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    let started = Instant::now();
    let info = emss_app::context::RequestInfo {
        request_id: id.clone(),
        ip: client_ip(&req),
    };
    let mut response = emss_app::context::REQUEST
        .scope(info, next.run(req))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "served"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// A bug must cost one request, not the process, and must not show internals.
async fn catch_panic(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("handler panicked");
            refuse(&path, ErrorCode::Internal)
        }
    }
}

async fn time_limit(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(response) => response,
        Err(_) => refuse(&path, ErrorCode::Timeout),
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
form-action 'self'";

/// The same security headers on every response, errors and static files included (INP-07).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "geolocation=(self), camera=(self), microphone=()",
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    // Every throttle counts over one minute, so a refused client may try again after one.
    if response.status() == axum::http::StatusCode::TOO_MANY_REQUESTS
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        set(response.headers_mut(), "retry-after", "60");
    }
    response
}

/// Paths that never need to know who is asking.
fn is_anonymous_path(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/witness/")
        || path == "/healthz"
        || path == "/readyz"
}

/// Finds the session (bearer token first, then cookie) and records it with the request.
async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let mut ctx = Ctx {
        request_id: crate::context::current_request_id(),
        client_ip: client_ip(&req),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        ..Ctx::default()
    };
    let path = req.uri().path().to_string();
    if !is_anonymous_path(&path) {
        let bearer = session_cookie::from_bearer(headers);
        ctx.bearer = bearer.is_some();
        let token = bearer.or_else(|| session_cookie::from_cookie(headers, state.secure_cookies));
        if let Some(token) = token {
            match auth::resolve(&state.app, &token).await {
                Ok(Resolved::Valid(a)) => ctx.auth = Some(Arc::new(*a)),
                Ok(Resolved::Expired) => ctx.expired = true,
                Ok(Resolved::Ended) => ctx.ended = true,
                Ok(Resolved::Unknown) => {}
                Err(e) => {
                    return match Surface::of_path(&path) {
                        Surface::Api => ApiError(e).into_response(),
                        _ => PageError(e).into_response(),
                    };
                }
            }
        }
    }
    // A bound phone opens a new mobile session when it has none (or it timed out).
    let mut new_cookie = None;
    if ctx.auth.is_none()
        && !ctx.ended
        && Surface::of_path(&path) == Surface::Mobile
        && let Some(device) =
            session_cookie::device_from_cookie(req.headers(), state.secure_cookies)
    {
        let resumed = auth::resume_on_device(
            &state.app,
            &device,
            ctx.client_ip.clone(),
            ctx.user_agent.clone(),
        )
        .await;
        match resumed {
            Ok(Some(outcome)) => {
                if let Ok(Resolved::Valid(a)) = auth::resolve(&state.app, &outcome.token).await {
                    ctx.auth = Some(Arc::new(*a));
                    ctx.expired = false;
                    new_cookie = Some(session_cookie::set(&outcome.token, state.secure_cookies));
                }
            }
            Ok(None) => {}
            Err(e) => return PageError(e).into_response(),
        }
    }
    req.extensions_mut().insert(ctx);
    let mut response = next.run(req).await;
    if let Some(cookie) = new_cookie
        && let Ok(v) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// A multipart write whose anti-CSRF token is still to be checked: the upload reader checks the
/// form's `_csrf` field against it.
#[derive(Debug, Clone)]
pub(crate) struct CsrfPending(pub String);

/// CSRF protection of cookie-authenticated writes (INP-06): a write must come from our own
/// origin, and a signed-in one must echo the session's anti-CSRF token — in the `x-csrf-token`
/// header (scripts) or the `_csrf` form field (forms; for file uploads, read by the upload
/// reader). Bearer-token requests are exempt.
async fn csrf(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let ctx = req.extensions().get::<Ctx>().cloned().unwrap_or_default();
    if ctx.bearer {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    if is_cross_site(req.headers()) {
        tracing::warn!("cross-site write refused");
        return refuse(&path, ErrorCode::CsrfFailed);
    }
    let Some(auth) = ctx.auth.as_deref() else {
        return next.run(req).await;
    };
    if SIGN_IN_PATHS.contains(&path.as_str()) {
        return next.run(req).await;
    }
    let expected = auth.csrf_token.clone();
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    if header_token.is_some_and(|t| same(t, &expected)) {
        return next.run(req).await;
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        // A file upload form: its `_csrf` field is checked by the upload reader, which only
        // upload routes use; every other route refuses the request (see `routes::guard`).
        let mut req = req;
        req.extensions_mut().insert(CsrfPending(expected));
        return next.run(req).await;
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return refuse(&path, ErrorCode::CsrfFailed);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return refuse(&path, ErrorCode::PayloadTooLarge);
    };
    let mut token_ok = false;
    let rest: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
        .filter(|(k, v)| {
            if k == "_csrf" {
                token_ok |= same(v, &expected);
                false
            } else {
                true
            }
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !token_ok {
        return refuse(&path, ErrorCode::CsrfFailed);
    }
    // The form goes on without the token, so handlers see only their own fields.
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(rest)
        .finish();
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Signing in replaces whatever session the browser had, so no token of that session is asked
/// for; the origin check above still applies (login CSRF).
const SIGN_IN_PATHS: &[&str] = &["/login", "/m/login", "/api/v1/auth/login"];

/// `Sec-Fetch-Site` from a browser that says the request is not from our own pages, or an
/// `Origin` other than the host the request was sent to.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_authority = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_authority, host) {
        (Some(a), Some(h)) => !a.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// Compares secrets in time that does not depend on where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_detection() {
        assert!(!is_cross_site(&headers(&[])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "x")
        ])));
    }

    #[test]
    fn constant_time_compare() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
