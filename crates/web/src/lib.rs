//! The HTTP face of EMSS: the JSON API under `/api/v1`, the desktop portal, the mobile (H5) pages
//! and the public pages. The router is built from one route table (`routes.rs`) in which every
//! route names its permission.

mod api;
mod assets;
mod chart;
pub mod client_addr;
mod context;
mod error;
pub mod export;
mod floor;
mod form_view;
mod h5;
mod layers;
pub mod list;
pub mod menu;
pub mod openapi;
mod pages;
pub mod routes;
pub mod serve;
mod session_cookie;
mod shell;
mod ui;
mod upload;
mod witness;

pub use client_addr::{ForwardedHeader, TrustedProxies};
pub use context::Ctx;
pub use error::{ApiError, PageError};
pub use serve::{ServeSettings, serve};

use axum::Router;
use emss_app::App;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Whether cookies carry `Secure` (EMSS is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The OpenAPI document, rendered once.
    pub openapi_json: Arc<String>,
    /// The reverse proxies whose forwarding headers name the client.
    pub trusted_proxies: Arc<TrustedProxies>,
}

/// Options of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    pub secure_cookies: bool,
    /// Mounts the benchmark's floor handlers (`crate::floor`); never set in production.
    pub bench_floor: bool,
    pub trusted_proxies: TrustedProxies,
}

/// The complete EMSS router with all middleware.
pub fn router(app: App, settings: &WebSettings) -> Router {
    let state = AppState {
        app,
        secure_cookies: settings.secure_cookies,
        openapi_json: Arc::new(openapi::document_json()),
        trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
    };
    let bench_floor = settings.bench_floor.then(|| floor::router(state.clone()));
    let router = layers::wrap(routes::build(state.clone()), state);
    match bench_floor {
        Some(floor) => floor.merge(router),
        None => router,
    }
}
