//! 审计管理: the audit administrator searches and exports the log, and sees the newest checkpoint
//! and whether the stored log verifies.

use super::PageQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, EXPORT_PAGE, ExportFormat, ExportWriter, whole_export};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use emss_app::audit::EntryView;
use emss_db::repo::audit::AuditFilter;
use emss_domain::ErrorCode;
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::time::{EMPTY, format_datetime_seconds};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// `YYYY-MM-DD`, Shanghai.
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    /// Organisation id.
    pub org: Option<String>,
    pub action: Option<String>,
    pub object_id: Option<String>,
    pub outcome: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

fn day_start(s: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
    let date = NaiveDate::parse_from_str(s?.trim(), "%Y-%m-%d").ok()?;
    Some(emss_domain::time::day_start(date))
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            from: day_start(self.from.as_deref()),
            // The end date is inclusive: up to the start of the next day.
            to: day_start(self.to.as_deref()).map(|d| d + chrono::Duration::days(1)),
            actor_id: None,
            org_id: non_empty(&self.org),
            action: non_empty(&self.action),
            object_id: non_empty(&self.object_id),
            outcome: non_empty(&self.outcome),
            up_to_seq: None,
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("from", self.from.clone().unwrap_or_default()),
            ("to", self.to.clone().unwrap_or_default()),
            ("actor", self.actor.clone().unwrap_or_default()),
            ("org", self.org.clone().unwrap_or_default()),
            ("action", self.action.clone().unwrap_or_default()),
            ("object_id", self.object_id.clone().unwrap_or_default()),
            ("outcome", self.outcome.clone().unwrap_or_default()),
        ]
    }
}

/// One row as shown and exported.
pub struct Row {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub outcome: &'static str,
    pub request_id: String,
    pub ip: String,
    pub detail: String,
}

pub fn row(v: EntryView) -> Row {
    let r = v.row;
    Row {
        seq: r.seq,
        at: format_datetime_seconds(r.at),
        actor: v.actor,
        action: emss_domain::audit::action_label(&r.action).to_string(),
        object: match (&r.object_type, &r.object_id) {
            (Some(t), Some(id)) => format!("{} {id}", emss_domain::audit::object_label(t)),
            _ => EMPTY.to_string(),
        },
        outcome: if r.outcome == "ok" {
            "成功"
        } else {
            "拒绝"
        },
        request_id: r.request_id.unwrap_or_else(|| EMPTY.to_string()),
        ip: r.ip.unwrap_or_else(|| EMPTY.to_string()),
        detail: describe(&r.detail),
    }
}

/// What changed, readable: `现场运维 → 现场运维、运维审核`, `操作：作废运维记录；原因：…`.
fn describe(detail: &str) -> String {
    use serde_json::Value;
    fn label(key: &str) -> &str {
        emss_domain::audit::detail_label(key)
    }
    // Values that are codes are shown by their Chinese names: actions and lists of roles.
    fn value(key: &str, v: &Value) -> String {
        match (key, v) {
            ("action", Value::String(a)) => emss_domain::audit::action_label(a).to_string(),
            _ => roles_or_plain(v),
        }
    }
    fn roles_or_plain(v: &Value) -> String {
        let roles: Option<Vec<&str>> = v.as_array().and_then(|items| {
            items
                .iter()
                .map(|r| {
                    r.as_str()
                        .and_then(emss_domain::Role::parse)
                        .map(|r| r.label())
                })
                .collect()
        });
        match roles {
            Some(labels) if !labels.is_empty() => labels.join("、"),
            _ => plain(v),
        }
    }
    fn plain(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join("、"),
            Value::Null => EMPTY.to_string(),
            Value::Object(map) => map
                .iter()
                // A refused request names its route by path; the route's id is for developers.
                .filter(|(k, _)| k.as_str() != "route")
                .map(|(k, v)| format!("{}：{}", label(k), value(k, v)))
                .collect::<Vec<_>>()
                .join("；"),
            other => other.to_string(),
        }
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(detail) else {
        return detail.to_string();
    };
    if map.is_empty() {
        return EMPTY.to_string();
    }
    if let (Some(before), Some(after)) = (map.get("before"), map.get("after")) {
        return format!("{} → {}", roles_or_plain(before), roles_or_plain(after));
    }
    plain(&Value::Object(map))
}

#[derive(Template)]
#[template(path = "portal/audit.html")]
pub struct AuditPage {
    pub shell: Shell,
    pub q: AuditQuery,
    pub rows: Vec<Row>,
    pub pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<AuditQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = emss_app::audit::search(
        &state.app,
        actor,
        q.filter(),
        q.actor.as_deref(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(
        &page,
        "/admin/audit",
        &q.pairs(),
        Some("/admin/audit/export.csv"),
    );
    Ok(render(&AuditPage {
        shell: Shell::portal(&ctx, "page.audit", "审计日志", &["审计管理", "审计日志"]),
        rows: page.items.into_iter().map(row).collect(),
        pager,
        q,
    }))
}

crate::export::export_handlers!(export, export_xlsx, AuditQuery, export_as);

/// The entries as filtered, read and written a page at a time (a log holds millions); the
/// export itself is audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &AuditQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let chunk = |n: u64| PageRequest {
        page: n,
        page_size: EXPORT_PAGE,
    };
    let first =
        emss_app::audit::search(&state.app, actor, q.filter(), q.actor.as_deref(), chunk(1))
            .await?;
    whole_export(
        first.total,
        MAX_EXPORT_ROWS,
        "from",
        ("条", "日志"),
        "缩小时间范围或加筛选条件",
    )?;
    let mut filter: serde_json::Map<String, serde_json::Value> = q
        .pairs()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
        .collect();
    filter.insert("format".into(), format.as_str().into());
    filter.insert("rows".into(), first.total.into());
    emss_app::audit::record_export(&state.app, actor, serde_json::Value::Object(filter)).await?;
    let mut out = ExportWriter::start(
        format,
        "审计日志",
        &[
            "序号",
            "时间",
            "操作人",
            "操作",
            "对象",
            "结果",
            "请求编号",
            "来源地址",
            "详情",
        ],
    );
    let pinned = AuditFilter {
        up_to_seq: first.items.first().map(|e| e.row.seq),
        ..q.filter()
    };
    let mut items = first.items;
    let mut written = 0u64;
    let mut n = 1;
    while !items.is_empty() && written < first.total {
        written += items.len() as u64;
        let page = items
            .into_iter()
            .map(|v| {
                let at = emss_domain::time::shanghai_time(v.row.at);
                let r = row(v);
                vec![
                    Cell::Number(r.seq as f64),
                    Cell::Seconds(at),
                    r.actor.into(),
                    r.action.into(),
                    r.object.into(),
                    Cell::Text(r.outcome.to_string()),
                    r.request_id.into(),
                    r.ip.into(),
                    r.detail.into(),
                ]
            })
            .collect();
        out.write(page).await;
        n += 1;
        items = emss_app::audit::search(
            &state.app,
            actor,
            pinned.clone(),
            q.actor.as_deref(),
            chunk(n),
        )
        .await?
        .items;
    }
    Ok(out.finish().await?)
}

#[derive(Template)]
#[template(path = "portal/audit_integrity.html")]
pub struct IntegrityPage {
    pub shell: Shell,
    pub checkpoint: Option<(i64, String, String, String)>,
    pub entries: u64,
    pub checkpoints: u64,
    pub problem: Option<String>,
    pub public_key: String,
    pub key_id: String,
}

pub async fn integrity(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (latest, verification) = emss_app::audit::integrity(&state.app, actor).await?;
    let public_key = state.app.signer().public_key();
    Ok(render(&IntegrityPage {
        shell: Shell::portal(
            &ctx,
            "page.audit.integrity",
            "日志完整性",
            &["审计管理", "日志完整性"],
        ),
        checkpoint: latest.map(|c| (c.size, c.root, format_datetime_seconds(c.at), c.note)),
        entries: verification.entries,
        checkpoints: verification.checkpoints,
        problem: verification.problem,
        key_id: hex::encode(emss_domain::audit::key_id(&public_key)),
        public_key: hex::encode(public_key),
    }))
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn details_read_in_chinese() {
        assert_eq!(
            describe(r#"{"before":["filer"],"after":["filer","reviewer"]}"#),
            "现场运维 → 现场运维、运维审核"
        );
        assert_eq!(
            describe(r#"{"route":"page.audit","path":"/admin/audit"}"#),
            "地址：/admin/audit"
        );
        assert_eq!(
            describe(r#"{"action":"record.void","reason":"照片不符"}"#),
            "操作：作废运维记录；原因：照片不符"
        );
    }
}
