//! The field loop on the phone. The filer: 污染源运维 (tasks and their outlets) → an outlet
//! (运维内容 of its kind, 运维设备 from its instruments, 开始签到) → the form of the draft with
//! photos, signature, 保存 and 结束签到并上传. The enterprise: 待确认日期 → the day's records →
//! signature and work photo → 确认. The reviewer: confirmed records → 确认 or 作废 → signature.
//! Writes go through the JSON API from `app.js`, which keeps drafts and a queue on the phone.

use super::forms::FormEditPage;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::form_view::{self, FormView};
use crate::pages::records::{filled_form, header};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use emss_app::records::field::{FieldSite, FieldTask};
use emss_app::records::{PendingDay, RecordDetail, RecordView, RegisteredInstrument};
use emss_db::repo::record::RecordFilter;
use emss_domain::form::definition::{FormDefinition, Repeat};
use emss_domain::form::evaluate::Evaluation;
use emss_domain::listing::PageRequest;
use emss_domain::record::RecordState;
use emss_domain::{Actor, ErrorCode, Permission};
use serde_json::{Map, Value, json};

/// What a phone lists at once; older items are on the portal.
const PHONE_LIST: u64 = 50;

async fn records_in(
    state: &AppState,
    actor: &Actor,
    filter: RecordFilter,
) -> Result<Vec<RecordView>, PageError> {
    let mut records = emss_app::records::list(
        &state.app,
        actor,
        filter,
        PageRequest::new(Some(1), Some(PHONE_LIST)),
    )
    .await?
    .items;
    // A list shows each kind of flag of a record once (two reused photos are one badge); the
    // record itself names every one.
    for r in &mut records {
        let mut seen = std::collections::HashSet::new();
        r.flags.retain(|f| seen.insert(f.kind.clone()));
    }
    Ok(records)
}

fn in_state(s: RecordState) -> RecordFilter {
    RecordFilter {
        state: Some(s.as_str().to_string()),
        ..RecordFilter::default()
    }
}

#[derive(Template)]
#[template(path = "h5/field.html")]
pub struct FieldPage {
    pub shell: Shell,
    pub tasks: Vec<FieldTask>,
    pub drafts: Vec<RecordView>,
    /// 我的运维记录: what the engineer has submitted, latest first, with its state.
    pub filed: Vec<RecordView>,
}

/// 污染源运维: the filer's running tasks with their outlets, the drafts still open and the
/// records they submitted.
pub async fn field(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let tasks = emss_app::records::field::my_tasks(&state.app, actor).await?;
    let drafts = records_in(&state, actor, in_state(RecordState::Draft)).await?;
    let own = RecordFilter {
        filer_id: Some(actor.account_id.clone()),
        ..RecordFilter::default()
    };
    let filed = records_in(&state, actor, own)
        .await?
        .into_iter()
        .filter(|r| r.state != RecordState::Draft.as_str())
        .collect();
    Ok(render(&FieldPage {
        shell: Shell::mobile(&ctx, "污染源运维"),
        tasks,
        drafts,
        filed,
    }))
}

#[derive(Template)]
#[template(path = "h5/site.html")]
pub struct SitePage {
    pub shell: Shell,
    pub site: FieldSite,
}

/// An outlet of the filer's task: what to fill and with which instruments, then 开始签到.
pub async fn site(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((task_id, outlet_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let site = emss_app::records::field::site(&state.app, actor, &task_id, &outlet_id).await?;
    Ok(render(&SitePage {
        shell: Shell::mobile(&ctx, &site.outlet.name),
        site,
    }))
}

/// The draft's fields with one entry per chosen instrument in each repeated section, so the
/// page shows one copy of the section for each (values already typed are kept), and the fields
/// bound to an instrument's record holding what it registers.
fn with_instruments(
    def: &FormDefinition,
    fields: &Value,
    ids: &[String],
    registered: &[RegisteredInstrument],
) -> Map<String, Value> {
    let mut out = fields.as_object().cloned().unwrap_or_default();
    for s in def
        .sections
        .iter()
        .filter(|s| s.repeat == Repeat::PerInstrument)
    {
        let typed: Vec<Value> = out
            .get(&s.id)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let list = ids
            .iter()
            .map(|id| {
                let mut instance = typed
                    .iter()
                    .find(|v| v.get("instrument_id").and_then(Value::as_str) == Some(id))
                    .cloned()
                    .unwrap_or_else(|| json!({ "instrument_id": id }));
                let found = registered.iter().find(|r| &r.instrument_id == id);
                if let (Value::Object(obj), Some(r)) = (&mut instance, found) {
                    for f in &s.fields {
                        let Some(name) = f
                            .prefill
                            .as_deref()
                            .and_then(|p| p.strip_prefix("instrument."))
                        else {
                            continue;
                        };
                        match r.value(name) {
                            Some(v) => obj.insert(f.id.clone(), Value::String(v.to_string())),
                            None => obj.remove(&f.id),
                        };
                    }
                }
                instance
            })
            .collect();
        out.insert(s.id.clone(), Value::Array(list));
    }
    out
}

/// A draft as the phone edits it.
pub struct DraftEdit {
    pub id: String,
    pub number: String,
    pub outlet_name: String,
    pub check_in: String,
    /// The fields saved on the server, as JSON for the page's script.
    pub saved: String,
    pub updated_at: String,
}

#[derive(Template)]
#[template(path = "h5/record.html")]
pub struct RecordPage {
    pub shell: Shell,
    pub detail: RecordDetail,
    pub header: Vec<(String, String)>,
    pub form: FormView,
    /// Right after the engineer's own submission: what became of it.
    pub submitted: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RecordQuery {
    /// Set by the phone after a submission went through.
    pub submitted: Option<String>,
}

/// A record on the phone: the filer's own draft opens for editing, anything else reads.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RecordQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::records::detail(&state.app, actor, &id).await?;
    let r = &detail.record;
    if r.state == RecordState::Draft.as_str() && r.filer_id == actor.account_id {
        let def = state
            .app
            .form_type(&r.form_type, u32::try_from(r.form_version).ok())
            .await?;
        let fields = with_instruments(&def, &detail.fields, &r.instrument_ids, &detail.registered);
        let mut form = form_view::build(
            &def,
            Some(&Evaluation {
                fields,
                verdicts: Vec::new(),
            }),
        );
        form_view::name_instruments(&mut form, &detail.instruments);
        let materials = emss_app::records::draft_standards(&state.app, actor, &id).await?;
        form_view::offer_standards(&mut form, &materials);
        return Ok(render(&FormEditPage {
            shell: Shell::mobile(&ctx, &r.form_name),
            draft: Some(DraftEdit {
                id: r.id.clone(),
                number: r.number.clone(),
                outlet_name: r.outlet_name.clone(),
                check_in: format!(
                    "{} · 经度 {} · 纬度 {}",
                    emss_domain::time::format_datetime(r.check_in.at),
                    r.check_in.lon,
                    r.check_in.lat
                ),
                saved: detail.fields.to_string(),
                updated_at: r.updated_at.to_rfc3339(),
            }),
            form,
        }));
    }
    let form = filled_form(&state, &detail).await?;
    let submitted = q.submitted.is_some()
        && r.filer_id == actor.account_id
        && r.state != RecordState::Draft.as_str();
    Ok(render(&RecordPage {
        shell: Shell::mobile(&ctx, &detail.record.form_name),
        header: header(&detail.record),
        form,
        submitted,
        detail,
    }))
}

#[derive(Template)]
#[template(path = "h5/confirmations.html")]
pub struct ConfirmationsPage {
    pub shell: Shell,
    pub days: Vec<PendingDay>,
}

/// 待确认日期: the days with records waiting for the enterprise.
pub async fn confirmations(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(render(&ConfirmationsPage {
        shell: Shell::mobile(&ctx, "待确认日期"),
        days: emss_app::records::pending_days(&state.app, actor).await?,
    }))
}

#[derive(Template)]
#[template(path = "h5/confirmation_day.html")]
pub struct ConfirmationDayPage {
    pub shell: Shell,
    pub date: NaiveDate,
    pub records: Vec<RecordView>,
}

/// 确认列表 of one day: choose records (none ticked at first, 全选 offered), sign, photograph,
/// 确认.
pub async fn confirmation_day(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(date): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    if !Permission::ConfirmRecords.allows(Some(actor)) {
        return Err(ErrorCode::NotFound.into());
    }
    let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| ErrorCode::NotFound)?;
    let records = records_in(
        &state,
        actor,
        RecordFilter {
            from: Some(date),
            to: Some(date),
            ..in_state(RecordState::Submitted)
        },
    )
    .await?;
    Ok(render(&ConfirmationDayPage {
        shell: Shell::mobile(&ctx, "确认列表"),
        date,
        records,
    }))
}

#[derive(Template)]
#[template(path = "h5/reviews.html")]
pub struct ReviewsPage {
    pub shell: Shell,
    pub records: Vec<RecordView>,
}

/// 运维记录审核: the confirmed records waiting for the agency's reviewer.
pub async fn reviews(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(render(&ReviewsPage {
        shell: Shell::mobile(&ctx, "运维记录审核"),
        records: records_in(&state, actor, in_state(RecordState::Confirmed)).await?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chosen_instrument_gets_its_copy_and_keeps_what_was_typed() {
        let def = emss_app::catalogue::shipped()
            .unwrap()
            .into_iter()
            .map(|s| s.definition)
            .find(|d| d.code == "fg_calibration")
            .unwrap();
        let typed = json!({ "analytes": [
            { "instrument_id": "b", "zero_pre": "1.5", "range_upper": "250" }
        ] });
        let registered = [RegisteredInstrument {
            instrument_id: "b".into(),
            version: 2,
            parameter: "二氧化硫".into(),
            principle: None,
            range_lower: "0".into(),
            range_upper: "200".into(),
            unit: "mg/m³".into(),
        }];
        let out = with_instruments(&def, &typed, &["a".into(), "b".into()], &registered);
        let list = out["analytes"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0], json!({ "instrument_id": "a" }));
        assert_eq!(list[1]["zero_pre"], "1.5");
        // What the instrument's record registers, never what was typed.
        assert_eq!(list[1]["range_upper"], "200");
        assert_eq!(list[1]["parameter"], "二氧化硫");
        assert!(list[1].get("principle").is_none());
    }
}
