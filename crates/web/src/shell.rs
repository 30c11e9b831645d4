//! What the page layouts need: the user, menus, breadcrumb, anti-CSRF token and asset URLs.

use crate::assets;
use crate::context::Ctx;
use crate::menu::{self, Link, SideGroup};
use askama::Template;
use emss_domain::ErrorCode;

/// The signed-in user, as the header shows them.
pub struct UserBadge {
    pub name: String,
    pub org_name: String,
    pub roles: String,
}

/// The frame around every page.
pub struct Shell {
    pub title: String,
    pub user: Option<UserBadge>,
    pub csrf: String,
    pub nav: Vec<Link>,
    pub side: Vec<SideGroup>,
    /// "您当前位置：" and then these, joined by " > ".
    pub crumbs: Vec<String>,
    pub css: String,
    pub js: String,
    /// Where the logout form posts.
    pub logout: &'static str,
}

impl Shell {
    fn new(ctx: &Ctx, title: &str) -> Shell {
        Shell {
            title: title.to_string(),
            user: ctx.actor().map(|a| UserBadge {
                name: a.name.clone(),
                org_name: a.org_name.clone(),
                roles: a.role_labels(),
            }),
            csrf: ctx.csrf().to_string(),
            nav: Vec::new(),
            side: Vec::new(),
            crumbs: Vec::new(),
            css: assets::href("app.css"),
            js: assets::href("app.js"),
            logout: "/logout",
        }
    }

    /// A desktop portal page. `route` marks the active menu entry; `crumbs` is the breadcrumb.
    pub fn portal(ctx: &Ctx, route: &str, title: &str, crumbs: &[&str]) -> Shell {
        let mut shell = Shell::new(ctx, title);
        let (nav, side) = menu::portal(ctx.actor(), route);
        shell.nav = nav;
        shell.side = side;
        shell.crumbs = crumbs.iter().map(|c| c.to_string()).collect();
        shell
    }

    /// A mobile page.
    pub fn mobile(ctx: &Ctx, title: &str) -> Shell {
        let mut shell = Shell::new(ctx, title);
        shell.logout = "/m/logout";
        shell
    }
}

/// The error page: what happened in Chinese, and the request id to quote to the help desk.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub message: &'static str,
    pub request_id: String,
    pub css: String,
}

impl ErrorPage {
    pub fn new(code: ErrorCode, request_id: String) -> Self {
        Self {
            status: code.http_status(),
            message: code.message(),
            request_id,
            css: assets::href("app.css"),
        }
    }
}
