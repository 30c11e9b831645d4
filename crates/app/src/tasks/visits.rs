//! What 运维管理 shows of the visit that did the work: from the record fulfilling an occurrence,
//! its time, its engineer, the instruments it covered, its site photos and what the engineer wrote;
//! and the records filed outside any plan (计划外), which fulfil no occurrence.

use super::OccurrenceQuery;
use crate::{App, AppError};
use emss_db::entity::record;
use emss_db::repo;
use emss_db::repo::record::RecordFilter;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::record::RecordState;
use emss_domain::task::Window;
use emss_domain::time::format_datetime;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use std::collections::HashMap;

/// The visit behind a row of 运维管理.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Visit {
    pub record_id: String,
    pub number: String,
    /// 运维时间: check-in to check-out, "2026-12-04 09:34–10:19".
    pub time: String,
    /// 运维人员.
    pub filer_name: String,
    /// 运维设备: the instruments the record covered, as the pages name them.
    pub instruments: Vec<String>,
    /// 上传附件: its site photos.
    pub photos: u64,
    /// 运维描述.
    pub description: String,
    pub state_label: String,
}

/// The visits of some records, by record id, in a handful of queries.
pub(crate) async fn of_records(
    app: &App,
    records: &[record::Model],
) -> Result<HashMap<String, Visit>, AppError> {
    let db = &app.db().conn;
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let photos = repo::record::photo_counts(db, &ids).await?;
    let mut instrument_ids: Vec<String> = records
        .iter()
        .flat_map(|r| serde_json::from_str::<Vec<String>>(&r.instrument_ids).unwrap_or_default())
        .collect();
    instrument_ids.sort();
    instrument_ids.dedup();
    let instruments: HashMap<String, String> =
        repo::outlet::instruments_by_ids(db, &instrument_ids)
            .await?
            .iter()
            .map(|i| (i.id.clone(), crate::records::instrument_label(i)))
            .collect();
    let mut out = HashMap::new();
    for r in records {
        let def = app
            .form_type(&r.form_code, u32::try_from(r.form_version).ok())
            .await?;
        let fields: serde_json::Value = serde_json::from_str(&r.fields).unwrap_or_default();
        let day = emss_domain::time::shanghai_date;
        let time = match r.check_out_at {
            Some(out) if day(out) == day(r.check_in_at) => format!(
                "{}–{}",
                format_datetime(r.check_in_at),
                format_datetime(out).get(11..).unwrap_or_default()
            ),
            Some(out) => format!(
                "{}–{}",
                format_datetime(r.check_in_at),
                format_datetime(out)
            ),
            None => format_datetime(r.check_in_at),
        };
        out.insert(
            r.id.clone(),
            Visit {
                record_id: r.id.clone(),
                number: r.number.clone(),
                time,
                filer_name: r.filer_name.clone(),
                instruments: serde_json::from_str::<Vec<String>>(&r.instrument_ids)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|id| instruments.get(id).cloned())
                    .collect(),
                photos: photos.get(&r.id).copied().unwrap_or_default(),
                description: def.description(&fields),
                state_label: RecordState::parse(&r.state)
                    .map(|s| s.label())
                    .unwrap_or_default()
                    .to_string(),
            },
        );
    }
    Ok(out)
}

/// A record filed outside any plan (计划外), as 运维管理 lists it.
#[derive(Debug, Clone, Serialize)]
pub struct UnplannedView {
    pub task_number: String,
    pub task_name: String,
    pub outlet_name: String,
    pub form_name: String,
    pub visit: Visit,
}

/// 计划外: the submitted records in scope that fulfil no occurrence, latest visit first, within
/// 运维管理's task and days (the 超期 window concerns occurrences only and lists none).
pub async fn unplanned(
    app: &App,
    actor: &Actor,
    q: &OccurrenceQuery,
    page: PageRequest,
) -> Result<Page<UnplannedView>, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    if q.window == Window::Overdue {
        return Ok(Page::new(Vec::new(), 0, page));
    }
    let db = &app.db().conn;
    let today = emss_domain::time::shanghai_date(app.now());
    let bounds = q.window.days(today);
    let filter = RecordFilter {
        task_id: q.task_id.clone(),
        from: q.from.max(bounds.map(|b| b.start)),
        to: match (q.to, bounds.map(|b| b.end)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        unplanned: true,
        district_code: q.narrow.district.clone(),
        agency_id: q.narrow.agency_id.clone(),
        enterprise_id: q.narrow.enterprise_id.clone(),
        outlet_id: q.narrow.outlet_id.clone(),
        form_code: q.narrow.form_code.clone(),
        ..RecordFilter::default()
    };
    let found = repo::record::list(db, &actor.scope(), &actor.account_id, &filter, page).await?;
    let mut visits = of_records(app, &found.items).await?;
    let mut task_ids: Vec<String> = found.items.iter().map(|r| r.task_id.clone()).collect();
    task_ids.sort();
    task_ids.dedup();
    let tasks: HashMap<String, (String, String)> = repo::task::by_ids(db, &task_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, (t.number, t.name)))
        .collect();
    let mut outlet_ids: Vec<String> = found.items.iter().map(|r| r.outlet_id.clone()).collect();
    outlet_ids.sort();
    outlet_ids.dedup();
    let outlets = repo::outlet::names(db, &outlet_ids).await?;
    let forms = super::form_names(app).await?;
    let items = found
        .items
        .iter()
        .filter_map(|r| {
            let (task_number, task_name) = tasks.get(&r.task_id).cloned().unwrap_or_default();
            Some(UnplannedView {
                task_number,
                task_name,
                outlet_name: outlets.get(&r.outlet_id).cloned().unwrap_or_default(),
                form_name: forms
                    .get(&r.form_code)
                    .cloned()
                    .unwrap_or_else(|| r.form_code.clone()),
                visit: visits.remove(&r.id)?,
            })
        })
        .collect();
    Ok(Page::new(items, found.total, page))
}
