//! The route table. Every route EMSS serves is one row here with the permission it requires; the
//! router is built from the table, so a route cannot exist without a permission (ACL-01).

use crate::context::Ctx;
use crate::error::{ApiError, PageError};
use crate::{AppState, api, assets, h5, pages};
use axum::Router;
use axum::extract::Request;
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use emss_domain::{ErrorCode, Permission};

/// Who a route answers and how its errors look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/...`: JSON, 401 when signed out.
    Api,
    /// The mobile pages under `/m/`: sign-in redirects to the mobile login.
    Mobile,
    /// Everything else: portal and public pages, static files, health checks.
    Portal,
}

impl Surface {
    pub fn of_path(path: &str) -> Surface {
        if path.starts_with("/api/") {
            Surface::Api
        } else if path == "/m" || path.starts_with("/m/") {
            Surface::Mobile
        } else {
            Surface::Portal
        }
    }
}

/// One row of the route table.
pub struct RouteDef {
    /// Stable name, used by menus and by the access expectation table.
    pub id: &'static str,
    pub method: Method,
    /// axum path template, e.g. `/api/v1/records/{id}`.
    pub path: &'static str,
    pub permission: Permission,
    handler: fn() -> MethodRouter<AppState>,
}

impl RouteDef {
    pub fn surface(&self) -> Surface {
        Surface::of_path(self.path)
    }

    /// Routes about one object answer 404, never 403, to a caller who may not see it (ACL-02).
    pub fn is_object_route(&self) -> bool {
        self.path.contains('{') && !self.path.starts_with("/static/")
    }
}

macro_rules! route {
    ($id:literal, $method:ident, $path:literal, $perm:ident, $handler:path) => {
        RouteDef {
            id: $id,
            method: Method::$method,
            path: $path,
            permission: Permission::$perm,
            handler: || on(MethodFilter::$method, $handler),
        }
    };
}

/// Every route of EMSS.
pub fn table() -> Vec<RouteDef> {
    vec![
        // Health and assets.
        route!("health.live", GET, "/healthz", Public, api::health::live),
        route!("health.ready", GET, "/readyz", Public, api::health::ready),
        route!("static.file", GET, "/static/{file}", Public, assets::serve),
        // API.
        route!(
            "api.openapi",
            GET,
            "/api/v1/openapi.json",
            Public,
            api::openapi_json
        ),
        route!(
            "api.auth.login",
            POST,
            "/api/v1/auth/login",
            Public,
            api::auth::login
        ),
        route!(
            "api.auth.logout",
            POST,
            "/api/v1/auth/logout",
            SignedIn,
            api::auth::logout
        ),
        route!("api.me", GET, "/api/v1/me", SignedIn, api::auth::me),
        route!(
            "api.accounts.list",
            GET,
            "/api/v1/accounts",
            ManageAccounts,
            api::accounts::list
        ),
        // Portal.
        route!("page.home", GET, "/", SignedIn, pages::home::show),
        route!("page.login", GET, "/login", Public, pages::login::show),
        route!(
            "page.login.submit",
            POST,
            "/login",
            Public,
            pages::login::submit
        ),
        route!(
            "page.logout",
            POST,
            "/logout",
            SignedIn,
            pages::login::logout
        ),
        route!("page.help", GET, "/help", Public, pages::help::contacts),
        route!("page.help.api", GET, "/help/api", Public, pages::help::api),
        route!(
            "page.admin.accounts",
            GET,
            "/admin/accounts",
            ManageAccounts,
            pages::accounts::list
        ),
        route!(
            "page.admin.accounts.export",
            GET,
            "/admin/accounts/export.csv",
            ManageAccounts,
            pages::accounts::export
        ),
        // Mobile (H5).
        route!("h5.root", GET, "/m", Public, h5::root),
        route!("h5.home", GET, "/m/", SignedIn, h5::home),
        route!("h5.login", GET, "/m/login", Public, h5::login_show),
        route!(
            "h5.login.submit",
            POST,
            "/m/login",
            Public,
            h5::login_submit
        ),
        route!("h5.logout", POST, "/m/logout", SignedIn, h5::logout),
    ]
}

/// Looks a route up by id (menus link only to routes that exist).
pub fn find(id: &str) -> Option<RouteDef> {
    table().into_iter().find(|r| r.id == id)
}

/// The router of the table, each route behind its permission guard.
pub fn build() -> Router<AppState> {
    let mut router = Router::new();
    for def in table() {
        let permission = def.permission;
        let surface = def.surface();
        let object = def.is_object_route();
        let guarded = (def.handler)().route_layer(axum::middleware::from_fn(
            move |req: Request, next: Next| guard(permission, surface, object, req, next),
        ));
        router = router.route(def.path, guarded);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Lets the request through when the actor holds the route's permission. Otherwise: signed out →
/// log in (API: 401); signed in without the permission → 404 for object routes, 403 for the rest.
async fn guard(
    permission: Permission,
    surface: Surface,
    object: bool,
    req: Request,
    next: Next,
) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned().unwrap_or_default();
    if permission.allows(ctx.actor()) {
        return next.run(req).await;
    }
    if ctx.actor().is_none() {
        let code = if ctx.expired {
            ErrorCode::SessionExpired
        } else {
            ErrorCode::Unauthenticated
        };
        return match surface {
            Surface::Api => ApiError::from(code).into_response(),
            Surface::Portal => login_redirect("/login", req.uri(), ctx.expired),
            Surface::Mobile => login_redirect("/m/login", req.uri(), ctx.expired),
        };
    }
    let code = if object {
        ErrorCode::NotFound
    } else {
        ErrorCode::Forbidden
    };
    refuse(surface, code)
}

fn refuse(surface: Surface, code: ErrorCode) -> Response {
    match surface {
        Surface::Api => ApiError::from(code).into_response(),
        Surface::Portal | Surface::Mobile => PageError::from(code).into_response(),
    }
}

fn login_redirect(login: &str, uri: &Uri, expired: bool) -> Response {
    let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut target = format!(
        "{login}?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    if expired {
        target.push_str("&expired=1");
    }
    Redirect::to(&target).into_response()
}

async fn not_found(uri: Uri) -> Response {
    refuse(Surface::of_path(uri.path()), ErrorCode::NotFound)
}

async fn method_not_allowed(uri: Uri) -> Response {
    refuse(Surface::of_path(uri.path()), ErrorCode::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_method_paths_are_unique() {
        let table = table();
        let ids: HashSet<_> = table.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), table.len());
        let keys: HashSet<_> = table.iter().map(|r| (r.method.clone(), r.path)).collect();
        assert_eq!(keys.len(), table.len());
    }

    #[test]
    fn the_router_builds() {
        let _ = build();
    }

    #[test]
    fn surfaces() {
        assert_eq!(Surface::of_path("/api/v1/me"), Surface::Api);
        assert_eq!(Surface::of_path("/m/"), Surface::Mobile);
        assert_eq!(Surface::of_path("/m"), Surface::Mobile);
        assert_eq!(Surface::of_path("/mine"), Surface::Portal);
        assert_eq!(Surface::of_path("/"), Surface::Portal);
    }
}
