//! The session cookie (SESS-04): `HttpOnly; SameSite=Lax; Path=/`, and over TLS `Secure` with the
//! `__Host-` prefix, which also forbids a `Domain`.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};

const PLAIN: &str = "emss_sid";
const HOST_PREFIXED: &str = "__Host-emss_sid";

pub fn name(secure: bool) -> &'static str {
    if secure { HOST_PREFIXED } else { PLAIN }
}

/// The `Set-Cookie` value that stores `token` for the browser session.
pub fn set(token: &str, secure: bool) -> String {
    let mut c = format!("{}={token}; Path=/; HttpOnly; SameSite=Lax", name(secure));
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear(secure: bool) -> String {
    let mut c = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        name(secure)
    );
    if secure {
        c.push_str("; Secure");
    }
    c
}

const DEVICE_PLAIN: &str = "emss_device";
const DEVICE_HOST_PREFIXED: &str = "__Host-emss_device";

fn device_name(secure: bool) -> &'static str {
    if secure {
        DEVICE_HOST_PREFIXED
    } else {
        DEVICE_PLAIN
    }
}

/// The `Set-Cookie` value of a bound phone's secret: kept for the binding's 30 days.
pub fn set_device(token: &str, secure: bool) -> String {
    let mut c = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        device_name(secure),
        30 * 24 * 3600
    );
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The `Set-Cookie` value that removes a phone's binding secret.
pub fn clear_device(secure: bool) -> String {
    let mut c = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        device_name(secure)
    );
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// A bound phone's secret in the request's cookie.
pub fn device_from_cookie(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie(headers, device_name(secure))
}

/// The session token in the request's cookie.
pub fn from_cookie(headers: &HeaderMap, secure: bool) -> Option<String> {
    cookie(headers, name(secure))
}

fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == wanted)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The token of `Authorization: Bearer <token>`.
pub fn from_bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() && token.len() <= 128)
        .then(|| token.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn attributes_are_exact() {
        assert_eq!(
            set("t", false),
            "emss_sid=t; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            set("t", true),
            "__Host-emss_sid=t; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(clear(false).contains("Max-Age=0"));
    }

    #[test]
    fn tokens_are_read_from_cookie_and_bearer() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; emss_sid=abc; b=2"));
        assert_eq!(from_cookie(&h, false).as_deref(), Some("abc"));
        assert_eq!(from_cookie(&h, true), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer xyz"));
        assert_eq!(from_bearer(&h).as_deref(), Some("xyz"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert_eq!(from_bearer(&h), None);
    }
}
