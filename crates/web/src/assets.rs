//! Static files, built into the binary: the server needs nothing beside itself, and deployments on
//! the government intranet load nothing from a CDN.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use emss_domain::ErrorCode;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../static/app.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../static/favicon.svg"),
    },
];

/// The URL of an asset, versioned by its content so browsers may cache it for a year.
pub fn href(name: &str) -> String {
    static VERSIONS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let versions = VERSIONS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let digest = hex::encode(Sha256::digest(a.body.as_bytes()));
                (a.name, digest.chars().take(12).collect())
            })
            .collect()
    });
    match versions.iter().find(|(n, _)| *n == name) {
        Some((_, v)) => format!("/static/{name}?v={v}"),
        None => format!("/static/{name}"),
    }
}

pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => crate::error::PageError::from(ErrorCode::NotFound).into_response(),
    }
}
