//! The mobile form, rendered from its definition. Here it is opened as a preview from the
//! catalogue: "检查填写" sends it to the check API and shows problems next to the fields and the
//! server's computed values and verdicts. The field loop fills the same form for a record.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::form_view::{self, FormView};
use crate::pages::PageQuery;
use crate::pages::catalogue::ShowQuery;
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

#[derive(Template)]
#[template(path = "h5/form_edit.html")]
pub struct FormEditPage {
    pub shell: Shell,
    pub form: FormView,
    /// The record being filled; None for a preview from the catalogue.
    pub draft: Option<super::records::DraftEdit>,
}

pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let def = state.app.form_type(&code, q.version).await?;
    Ok(render(&FormEditPage {
        shell: Shell::mobile(&ctx, &def.name),
        form: form_view::build(&def, None),
        draft: None,
    }))
}
