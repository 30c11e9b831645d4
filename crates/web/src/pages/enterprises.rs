//! 系统管理 → 企业导入: the system administrator uploads the list of enterprises with their
//! administrators and sees each one-time password once.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use emss_app::enterprises::{IMPORT_COLUMNS, ImportedEnterprise};
use emss_domain::ErrorCode;

#[derive(Template)]
#[template(path = "portal/enterprises_import.html")]
pub struct ImportPage {
    pub shell: Shell,
    pub columns: String,
    pub problems: Vec<String>,
    pub imported: Vec<ImportedEnterprise>,
}

fn page(ctx: &Ctx, problems: Vec<String>, imported: Vec<ImportedEnterprise>) -> ImportPage {
    ImportPage {
        shell: Shell::portal(
            ctx,
            "page.enterprises.import_form",
            "企业导入",
            &["系统管理", "企业导入"],
        ),
        columns: IMPORT_COLUMNS.join("、"),
        problems,
        imported,
    }
}

pub async fn import_form(ctx: Ctx) -> Result<Response, PageError> {
    Ok(render(&page(&ctx, Vec::new(), Vec::new())))
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let Some(file) = files.into_iter().find(|f| f.kind == "file") else {
        let problems = vec!["请选择要导入的文件".to_string()];
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(&ctx, problems, Vec::new())),
        )
            .into_response());
    };
    match emss_app::enterprises::import(&state.app, actor, &file.bytes).await {
        Ok(done) => Ok(render(&page(&ctx, Vec::new(), done))),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let problems = crate::upload::problems_in_order(e.fields);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&page(&ctx, problems, Vec::new())),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
