//! 表单目录: the 15 form types with their frequencies, limits and sources; a blank A4 print view of
//! each; and, for the city regulator, publication of a new version and the day from which
//! calibrations must name a registered standard material.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::assets;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::form_view::{self, FormView};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::catalogue::VersionInfo;
use emss_domain::form::{FormDefinition, Kind, Limit};
use emss_domain::time::{EMPTY, format_datetime};
use emss_domain::{ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct EntryRow {
    pub code: String,
    pub name: String,
    pub outlet: &'static str,
    pub version: u32,
    pub interval: String,
    pub conflict: bool,
    pub items: usize,
    pub limits: usize,
    pub unconfirmed: usize,
}

fn interval_text(days: Option<u32>) -> String {
    days.map(|d| format!("{d} 天"))
        .unwrap_or_else(|| "不定期".to_string())
}

#[derive(Template)]
#[template(path = "portal/catalogue.html")]
pub struct CataloguePage {
    pub shell: Shell,
    pub rows: Vec<EntryRow>,
    /// The day from which a standard material must be chosen, as set.
    pub required_from: Option<chrono::NaiveDate>,
    /// The city regulator may set it.
    pub can_set_rule: bool,
    /// The day as typed and why it was refused, after a failed save.
    pub rule_typed: String,
    pub rule_error: Option<String>,
    pub rule_saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub saved: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &list_page(&state, &ctx, None, None, q.saved.is_some()).await?,
    ))
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    typed: Option<String>,
    rule_error: Option<String>,
    rule_saved: bool,
) -> Result<CataloguePage, PageError> {
    let rows = state
        .app
        .form_types(None)
        .await?
        .iter()
        .map(|d| EntryRow {
            code: d.code.clone(),
            name: d.name.clone(),
            outlet: d.outlet_kind.label(),
            version: d.version,
            interval: interval_text(d.frequency.interval_days),
            conflict: d.frequency.conflict.is_some(),
            items: d
                .all_fields()
                .iter()
                .filter(|(_, f)| f.kind == Kind::Check)
                .count(),
            limits: d.limits.len(),
            unconfirmed: d
                .limits
                .iter()
                .filter(|l| l.confidence.is_unconfirmed())
                .count(),
        })
        .collect();
    let required_from = emss_app::catalogue::standard_required_from(&state.app.db().conn).await?;
    Ok(CataloguePage {
        shell: Shell::portal(ctx, "page.catalogue", "表单目录", &["表单目录"]),
        rows,
        can_set_rule: Permission::PublishCatalogue.allows(ctx.actor()),
        rule_typed: typed
            .unwrap_or_else(|| required_from.map(|d| d.to_string()).unwrap_or_default()),
        required_from,
        rule_error,
        rule_saved,
    })
}

#[derive(Debug, Deserialize)]
pub struct StandardRuleForm {
    #[serde(default)]
    pub required_from: String,
}

/// Sets or clears the day from which calibrations must name a registered standard material.
pub async fn set_standard_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<StandardRuleForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let typed = form.required_from.trim().to_string();
    let day = if typed.is_empty() {
        Ok(None)
    } else {
        chrono::NaiveDate::parse_from_str(&typed, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "起始日期应为日期，如 2027-03-01".to_string())
    };
    let refused = match day {
        Ok(day) => {
            match emss_app::catalogue::set_standard_required_from(&state.app, actor, day).await {
                Ok(_) => return Ok(Redirect::to("/catalogue?saved=1").into_response()),
                Err(e) if e.code == ErrorCode::ValidationFailed => e
                    .fields
                    .get("required_from")
                    .cloned()
                    .unwrap_or_else(|| e.message().to_string()),
                Err(e) => return Err(e.into()),
            }
        }
        Err(message) => message,
    };
    let page = list_page(&state, &ctx, Some(typed), Some(refused), false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

pub struct LimitRow {
    pub label: String,
    pub text: String,
    pub source: String,
    pub confidence: &'static str,
    pub unconfirmed: bool,
    pub note: String,
}

impl From<&Limit> for LimitRow {
    fn from(l: &Limit) -> Self {
        LimitRow {
            label: l.label.clone(),
            text: l.describe(),
            source: l.source.clone(),
            confidence: l.confidence.label(),
            unconfirmed: l.confidence.is_unconfirmed(),
            note: l.note.clone().unwrap_or_else(|| EMPTY.to_string()),
        }
    }
}

pub struct VersionRow {
    pub version: u32,
    pub published_at: String,
    pub by: String,
    pub note: String,
    pub sha: String,
    pub current: bool,
    pub shown: bool,
}

#[derive(Template)]
#[template(path = "portal/catalogue_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub def: Arc<FormDefinition>,
    pub interval: String,
    pub frequency_source: String,
    pub frequency_confidence: &'static str,
    pub conflict: Option<String>,
    pub minimum_visit: String,
    pub limits: Vec<LimitRow>,
    pub periods: Vec<(String, String, String)>,
    pub form: FormView,
    pub versions: Vec<VersionRow>,
    pub can_publish: bool,
    pub source: String,
    pub note: String,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<String>,
}

impl ShowPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    pub version: Option<u32>,
    pub published: Option<u32>,
}

#[allow(clippy::too_many_arguments)]
async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    version: Option<u32>,
    source: Option<String>,
    note: String,
    errors: BTreeMap<String, String>,
    notice: Option<String>,
) -> Result<ShowPage, PageError> {
    let def = state.app.form_type(code, version).await?;
    let current = state.app.form_type(code, None).await?.version;
    let versions: Vec<VersionInfo> = state.app.form_versions(code).await?;
    let can_publish = ctx
        .actor()
        .is_some_and(|a| Permission::PublishCatalogue.allows(Some(a)));
    // The editor starts from the current text with the next version number filled in.
    let source = match source {
        Some(s) => s,
        None if can_publish => {
            let text = state.app.form_source(code, current).await?;
            next_version(&text, current)
        }
        None => String::new(),
    };
    let periods = def
        .item_periods()
        .into_iter()
        .map(|(s, f, d)| (s.title.clone(), f.label.clone(), format!("{d} 天")))
        .collect();
    Ok(ShowPage {
        shell: Shell::portal(ctx, "page.catalogue", &def.name, &["表单目录", &def.name]),
        interval: interval_text(def.frequency.interval_days),
        frequency_source: def.frequency.source.clone(),
        frequency_confidence: def.frequency.confidence.label(),
        conflict: def.frequency.conflict.clone(),
        minimum_visit: def
            .minimum_visit_minutes
            .map(|m| format!("{m} 分钟"))
            .unwrap_or_else(|| EMPTY.to_string()),
        limits: def.limits.iter().map(LimitRow::from).collect(),
        periods,
        form: form_view::build(&def, None),
        versions: versions
            .into_iter()
            .map(|v| VersionRow {
                version: v.version,
                published_at: format_datetime(v.published_at),
                by: if v.published_by.is_some() {
                    "市级监管".to_string()
                } else {
                    "随系统发布".to_string()
                },
                note: v.note,
                sha: v.sha256.chars().take(16).collect(),
                current: v.version == current,
                shown: v.version == def.version,
            })
            .collect(),
        can_publish,
        source,
        note,
        errors,
        notice,
        def,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let notice = q
        .published
        .map(|v| format!("第 {v} 版已发布，新填报的记录按此版本校验"));
    let page = show_page(
        &state,
        &ctx,
        &code,
        q.version,
        None,
        String::new(),
        BTreeMap::new(),
        notice,
    )
    .await?;
    Ok(render(&page))
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    pub source: String,
    pub note: String,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<PublishForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::catalogue::publish(&state.app, actor, &code, &form.source, &form.note).await {
        Ok(def) => Ok(Redirect::to(&format!(
            "/catalogue/{}?published={}",
            def.code, def.version
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(
                &state,
                &ctx,
                &code,
                None,
                Some(form.source),
                form.note,
                e.fields,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The A4 record sheet: blank for the catalogue, filled for a record (the field loop).
#[derive(Template)]
#[template(path = "print/form.html")]
pub struct PrintPage {
    pub css: String,
    pub js: String,
    pub form: FormView,
    /// Record header lines (企业名称, 排口, …); blank lines on an empty sheet.
    pub header: Vec<(String, String)>,
    /// The signature boxes: label and the signature's address (empty: a box to sign by hand).
    pub signatures: Vec<(String, String)>,
}

/// The three signature boxes of the sheet, blank.
pub fn blank_signatures() -> Vec<(String, String)> {
    ["运维人员签字", "企业确认", "机构审核"]
        .iter()
        .map(|l| (l.to_string(), String::new()))
        .collect()
}

pub async fn print(
    State(state): State<AppState>,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let def = state.app.form_type(&code, q.version).await?;
    Ok(render(&PrintPage {
        css: assets::href("app.css"),
        js: assets::href("app.js"),
        form: form_view::build(&def, None),
        header: [
            "企业名称",
            "排口名称",
            "运维单位",
            "运维人员",
            "签到时间",
            "签退时间",
        ]
        .iter()
        .map(|l| (l.to_string(), String::new()))
        .collect(),
        signatures: blank_signatures(),
    }))
}

/// The definition text with its top-level `version` line set to the next number (whatever the
/// spacing or line ending), so the editor starts where a publication must.
fn next_version(text: &str, current: u32) -> String {
    let mut done = false;
    text.split_inclusive('\n')
        .map(|line| {
            let key = line.split('=').next().map(str::trim);
            if !done && key == Some("version") && !line.starts_with(char::is_whitespace) {
                done = true;
                let ending = if line.ends_with("\r\n") {
                    "\r\n"
                } else if line.ends_with('\n') {
                    "\n"
                } else {
                    ""
                };
                format!("version = {}{ending}", current + 1)
            } else {
                line.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::next_version;

    #[test]
    fn the_editor_starts_at_the_next_version() {
        assert_eq!(
            next_version("code = \"a\"\nversion = 1\n", 1),
            "code = \"a\"\nversion = 2\n"
        );
        assert_eq!(
            next_version("version=3\r\nx = 1\r\n", 3),
            "version = 4\r\nx = 1\r\n"
        );
        assert_eq!(
            next_version("[frequency]\n  version = 1\n", 1),
            "[frequency]\n  version = 1\n"
        );
    }
}
