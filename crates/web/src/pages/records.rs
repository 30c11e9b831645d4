//! 运维记录 on the portal: the records in scope with filters for state, form type, flag and
//! verdict; 记录详情 with the check-in and check-out drawn against the outlet on a small map the
//! page draws itself (no map service is reachable); and the filled A4 sheet for printing.

use super::PageQuery;
use super::catalogue::PrintPage;
use crate::AppState;
use crate::assets;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, EXPORT_PAGE, ExportFormat, ExportWriter, audit_export, whole_export};
use crate::form_view::{self, FormView};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use emss_app::records::faults::{self, FaultPeriodView, FaultQuery};
use emss_app::records::{RecordDetail, RecordView, VisitView};
use emss_db::repo::record::RecordFilter;
use emss_domain::fault::FaultKind;
use emss_domain::form::evaluate::Evaluation;
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::record::{FlagKind, RecordState, VisitRules};
use emss_domain::time::{EMPTY, format_datetime, format_optional};
use emss_domain::{Actor, ErrorCode};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub state: Option<String>,
    pub form_type: Option<String>,
    pub flag: Option<String>,
    /// `fail`: a verdict failed; `pass`: every verdict passed.
    pub verdict: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Part of the 运维编号, the enterprise's or the outlet's name.
    pub keyword: Option<String>,
    /// The enterprise's district (the city regulator's filter).
    pub district: Option<String>,
    /// The agency that filed (the regulators' filter).
    pub agency_id: Option<String>,
    /// One enterprise or one outlet (统计查询's figures lead here).
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// A choice of a filter: value, label, selected.
pub type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "portal/records.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<(u64, RecordView)>,
    pub pager: Pager,
    pub states: Vec<Choice>,
    pub form_types: Vec<Choice>,
    pub flags: Vec<Choice>,
    pub verdicts: Vec<Choice>,
    pub from: String,
    pub to: String,
    pub keyword: String,
    /// For the city: its districts; empty for everyone else.
    pub districts: Vec<Choice>,
    /// For regulators: the agencies; empty for everyone else.
    pub agencies: Vec<Choice>,
    /// One enterprise's or one outlet's records (from 统计查询): (what, name, field, id).
    pub narrowed: Vec<(&'static str, String, &'static str, String)>,
    /// The list without them.
    pub unnarrowed: String,
}

fn choices(all: Vec<(String, String)>, chosen: Option<&str>) -> Vec<Choice> {
    all.into_iter()
        .map(|(v, l)| {
            let selected = chosen == Some(v.as_str());
            (v, l, selected)
        })
        .collect()
}

fn date(s: Option<&str>) -> Option<chrono::NaiveDate> {
    s.and_then(|s| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
}

/// The flag filter's value for records carrying any flag.
const ANY_FLAG: &str = "any";

/// The list's filter as asked (unknown values dropped), with the pairs that keep it across pages.
async fn filter_of(
    state: &AppState,
    q: &ListQuery,
) -> Result<(RecordFilter, Vec<(&'static str, String)>), PageError> {
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let form_types: Vec<String> = state
        .app
        .form_types(None)
        .await?
        .iter()
        .map(|d| d.code.clone())
        .collect();
    let filter = RecordFilter {
        state: nonempty(&q.state).filter(|s| RecordState::parse(s).is_some()),
        form_code: nonempty(&q.form_type).filter(|c| form_types.contains(c)),
        flag: nonempty(&q.flag).filter(|s| FlagKind::parse(s).is_some()),
        flagged: (q.flag.as_deref() == Some(ANY_FLAG)).then_some(true),
        failed: nonempty(&q.verdict).and_then(|v| match v.as_str() {
            "fail" => Some(true),
            "pass" => Some(false),
            _ => None,
        }),
        from: date(q.from.as_deref()),
        to: date(q.to.as_deref()),
        keyword: emss_db::repo::keyword(q.keyword.as_deref()),
        district_code: nonempty(&q.district),
        agency_id: nonempty(&q.agency_id),
        enterprise_id: nonempty(&q.enterprise_id),
        outlet_id: nonempty(&q.outlet_id),
        ..RecordFilter::default()
    };
    let show = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let pairs = vec![
        ("state", text(&filter.state)),
        ("form_type", text(&filter.form_code)),
        (
            "flag",
            if filter.flagged == Some(true) {
                ANY_FLAG.to_string()
            } else {
                text(&filter.flag)
            },
        ),
        (
            "verdict",
            match filter.failed {
                Some(true) => "fail".to_string(),
                Some(false) => "pass".to_string(),
                None => String::new(),
            },
        ),
        ("from", show(filter.from)),
        ("to", show(filter.to)),
        ("keyword", text(&filter.keyword)),
        ("district", text(&filter.district_code)),
        ("agency_id", text(&filter.agency_id)),
        ("enterprise_id", text(&filter.enterprise_id)),
        ("outlet_id", text(&filter.outlet_id)),
    ];
    Ok((filter, pairs))
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(&state, &q).await?;
    let page = emss_app::records::list(
        &state.app,
        actor,
        filter.clone(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(&page, "/records", &pairs, Some("/records/export.csv"));
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, r)| (first + i as u64, r))
        .collect();
    let form_types: Vec<(String, String)> = state
        .app
        .form_types(None)
        .await?
        .iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    let show = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let districts = if actor.org_kind == emss_domain::OrgKind::CityRegulator {
        choices(
            state
                .app
                .districts()
                .all()
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect(),
            filter.district_code.as_deref(),
        )
    } else {
        Vec::new()
    };
    let db = &state.app.db().conn;
    let mut narrowed = Vec::new();
    if let Some(id) = &filter.enterprise_id {
        let names = emss_db::repo::organization::names(db, std::slice::from_ref(id))
            .await
            .map_err(emss_app::AppError::from)?;
        let name = names.get(id).cloned().unwrap_or_else(|| id.clone());
        narrowed.push(("企业", name, "enterprise_id", id.clone()));
    }
    if let Some(id) = &filter.outlet_id {
        let name = super::outlet_name(&state, actor, id).await?;
        narrowed.push(("排口", name, "outlet_id", id.clone()));
    }
    let unnarrowed = format!(
        "/records?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                pairs
                    .iter()
                    .filter(|(k, v)| !v.is_empty() && *k != "enterprise_id" && *k != "outlet_id")
            )
            .finish()
    );
    let agencies = if actor.org_kind.is_regulator() {
        choices(
            emss_app::filing::maintainers(&state.app)
                .await?
                .into_iter()
                .collect(),
            filter.agency_id.as_deref(),
        )
    } else {
        Vec::new()
    };
    Ok(render(&ListPage {
        shell: Shell::portal(&ctx, "page.records", "运维记录", &["任务管理", "运维记录"]),
        rows,
        pager,
        states: choices(
            RecordState::ALL
                .iter()
                .filter(|s| **s != RecordState::Draft || sees_drafts(actor))
                .map(|s| (s.as_str().to_string(), s.label().to_string()))
                .collect(),
            filter.state.as_deref(),
        ),
        form_types: choices(form_types, filter.form_code.as_deref()),
        flags: choices(
            std::iter::once((ANY_FLAG.to_string(), "任意标记".to_string()))
                .chain(
                    FlagKind::ALL
                        .iter()
                        .map(|k| (k.as_str().to_string(), k.label().to_string())),
                )
                .collect(),
            if filter.flagged == Some(true) {
                Some(ANY_FLAG)
            } else {
                filter.flag.as_deref()
            },
        ),
        verdicts: choices(
            vec![
                ("fail".into(), "有不合格判定".into()),
                ("pass".into(), "判定全部合格".into()),
            ],
            match filter.failed {
                Some(true) => Some("fail"),
                Some(false) => Some("pass"),
                None => None,
            },
        ),
        from: show(filter.from),
        to: show(filter.to),
        keyword: filter.keyword.clone().unwrap_or_default(),
        districts,
        agencies,
        narrowed,
        unnarrowed,
    }))
}

crate::export::export_handlers!(export, export_xlsx, ListQuery, export_as);

/// The records are read a page at a time and written as they come, so an export of the whole
/// limit (50 000 rows) keeps the memory of one page.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(state, q).await?;
    let chunk = |n: u64| PageRequest {
        page: n,
        page_size: EXPORT_PAGE,
    };
    let first = emss_app::records::list(&state.app, actor, filter.clone(), chunk(1)).await?;
    whole_export(
        first.total,
        MAX_EXPORT_ROWS,
        "from",
        ("条", "记录"),
        "缩小日期范围或加筛选条件",
    )?;
    audit_export(
        &state.app,
        actor,
        "record.export",
        pairs,
        first.total,
        format,
    )
    .await?;
    let row = |number: u64, r: RecordView| {
        let verdict = if r.state == RecordState::Draft.as_str() {
            ""
        } else if r.failed {
            "不合格"
        } else {
            "合格"
        };
        let flags: Vec<&str> = r.flags.iter().map(|f| f.label.as_str()).collect();
        vec![
            Cell::count(number),
            r.number.into(),
            r.agency_name.into(),
            r.enterprise_name.into(),
            r.outlet_name.into(),
            r.form_name.into(),
            r.filer_name.into(),
            Cell::Date(r.visit_date),
            r.state_label.into(),
            Cell::Text(verdict.to_string()),
            Cell::Text(flags.join("、")),
        ]
    };
    let mut out = ExportWriter::start(
        format,
        "运维记录",
        &[
            "序号",
            "运维编号",
            "服务机构",
            "排污企业",
            "排口名称",
            "运维内容",
            "运维人员",
            "运维日期",
            "状态",
            "判定",
            "标记",
        ],
    );
    let mut items = first.items;
    let mut written = 0u64;
    let mut n = 1;
    // Records filed meanwhile come first in the order and push the pages down: a row already
    // written on the page before is not written twice.
    let mut previous: HashSet<String> = HashSet::new();
    while !items.is_empty() && written < first.total {
        items.retain(|r| !previous.contains(&r.id));
        previous = items.iter().map(|r| r.id.clone()).collect();
        let page: Vec<Vec<Cell>> = items
            .into_iter()
            .map(|r| {
                written += 1;
                row(written, r)
            })
            .collect();
        out.write(page).await;
        n += 1;
        items = emss_app::records::list(&state.app, actor, filter.clone(), chunk(n))
            .await?
            .items;
    }
    Ok(out.finish().await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct FaultListQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Template)]
#[template(path = "portal/fault_periods.html")]
pub struct FaultPage {
    pub shell: Shell,
    pub periods: Vec<FaultPeriodView>,
    pub show_parties: bool,
    /// A regulator may start an inspection from a period (发起检查).
    pub can_inspect: bool,
    pub pager: Pager,
    pub kinds: Vec<Choice>,
    pub statuses: Vec<Choice>,
}

/// 失控与不合格: the 失控时段 and failed results awaiting their follow-up in scope.
pub async fn fault_periods(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<FaultListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let kinds = vec![
        (
            FaultKind::OutOfControl.as_str().to_string(),
            FaultKind::OutOfControl.label().to_string(),
        ),
        (
            FaultKind::Failed.as_str().to_string(),
            FaultKind::Failed.label().to_string(),
        ),
    ];
    let statuses = vec![
        ("open".to_string(), "待处理（含逾期）".to_string()),
        ("overdue".to_string(), "已逾期".to_string()),
        ("closed".to_string(), "已关闭".to_string()),
        ("cancelled".to_string(), "已撤销".to_string()),
    ];
    let known = |all: &[(String, String)], v: &Option<String>| {
        v.clone().filter(|v| all.iter().any(|(k, _)| k == v))
    };
    let kind = known(&kinds, &q.kind);
    let status = known(&statuses, &q.status);
    let page = faults::list(
        &state.app,
        actor,
        FaultQuery {
            kind: kind.clone(),
            status: status.clone(),
            ..FaultQuery::default()
        },
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(
        &page,
        "/fault-periods",
        &[
            ("kind", kind.clone().unwrap_or_default()),
            ("status", status.clone().unwrap_or_default()),
        ],
        None,
    );
    Ok(render(&FaultPage {
        shell: Shell::portal(
            &ctx,
            "page.fault_periods",
            "失控与不合格",
            &["任务管理", "失控与不合格"],
        ),
        periods: page.items,
        show_parties: !matches!(actor.scope(), emss_domain::Scope::Enterprise(_)),
        can_inspect: emss_domain::Permission::Inspect.allows(ctx.actor()),
        pager,
        kinds: choices(kinds, kind.as_deref()),
        statuses: choices(statuses, status.as_deref()),
    }))
}

/// Drafts are the filer's own; nobody else lists them.
fn sees_drafts(actor: &Actor) -> bool {
    emss_domain::Permission::FileRecords.allows(Some(actor))
}

/// A point of the visit map, in the SVG's own units.
pub struct MapPoint {
    pub x: f64,
    pub y: f64,
    pub label: &'static str,
    pub class: &'static str,
    /// Metres from the outlet.
    pub distance: String,
}

/// The check-in and check-out drawn around the outlet, north up, with the allowed radius.
pub struct VisitMap {
    pub radius: f64,
    pub radius_m: u32,
    /// The length of the scale bar in metres and in SVG units.
    pub scale_m: u32,
    pub scale_len: f64,
    pub points: Vec<MapPoint>,
}

/// The map's half width in SVG units; the outlet is at the centre.
const HALF: f64 = 140.0;

/// Lays the visit out on a local flat plane around the outlet (metres east and north; a few
/// kilometres at most, where the earth's curve does not show), scaled so the radius and every
/// point fit.
pub fn visit_map(
    outlet: (f64, f64),
    stamps: &[(&'static str, &'static str, f64, f64)],
    radius_m: u32,
) -> VisitMap {
    let (lat0, lon0) = outlet;
    let east = |lon: f64| (lon - lon0) * 111_320.0 * lat0.to_radians().cos();
    let north = |lat: f64| (lat - lat0) * 110_540.0;
    let far = stamps
        .iter()
        .map(|(_, _, lat, lon)| east(*lon).hypot(north(*lat)))
        .fold(f64::from(radius_m), f64::max);
    let per_m = HALF / (far * 1.15);
    let points = stamps
        .iter()
        .map(|(label, class, lat, lon)| MapPoint {
            x: 150.0 + east(*lon) * per_m,
            y: 150.0 - north(*lat) * per_m,
            label,
            class,
            distance: format!(
                "{:.0}",
                emss_domain::record::distance_m(lat0, lon0, *lat, *lon)
            ),
        })
        .collect();
    let scale_m = [
        50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000,
    ]
    .into_iter()
    .find(|m| f64::from(*m) * per_m >= 40.0)
    .unwrap_or(100_000);
    VisitMap {
        radius: f64::from(radius_m) * per_m,
        radius_m,
        scale_m,
        scale_len: f64::from(scale_m) * per_m,
        points,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// The map of a record, when the outlet has a position.
fn map_of(detail: &RecordDetail) -> Option<VisitMap> {
    let outlet = (
        number(detail.outlet_lat.as_deref()?)?,
        number(detail.outlet_lon.as_deref()?)?,
    );
    let mut stamps = Vec::new();
    let r = &detail.record;
    let visits = [
        ("签到", "check-in", Some(&r.check_in)),
        ("签退", "check-out", r.check_out.as_ref()),
    ];
    for (label, class, visit) in visits {
        if let Some(v) = visit
            && let (Some(lat), Some(lon)) = (number(&v.lat), number(&v.lon))
        {
            stamps.push((label, class, lat, lon));
        }
    }
    Some(visit_map(
        outlet,
        &stamps,
        VisitRules::at(0.0, 0.0).radius_m,
    ))
}

/// Header lines of a record: what the sheet and the detail page show above the form.
pub fn header(r: &RecordView) -> Vec<(String, String)> {
    let visit = |v: Option<&VisitView>| {
        v.map_or(EMPTY.to_string(), |v| {
            format!(
                "{}（经度 {}，纬度 {}，精度 {} m）",
                format_datetime(v.at),
                v.lon,
                v.lat,
                v.accuracy_m
            )
        })
    };
    let by = |who: &Option<String>, at| match who {
        Some(w) => format!("{w} · {}", format_optional(at)),
        None => EMPTY.to_string(),
    };
    let mut lines = vec![
        ("运维编号", r.number.clone()),
        ("企业名称", r.enterprise_name.clone()),
        ("排口名称", r.outlet_name.clone()),
        ("运维单位", r.agency_name.clone()),
        ("运维任务", r.task_name.clone()),
        ("运维人员", r.filer_name.clone()),
        ("签到", visit(Some(&r.check_in))),
        ("签退", visit(r.check_out.as_ref())),
        ("状态", r.state_label.clone()),
        ("企业确认", by(&r.confirmed_by_name, r.confirmed_at)),
        ("机构审核", by(&r.reviewed_by_name, r.reviewed_at)),
    ];
    if let Some(reason) = &r.void_reason {
        lines.push(("作废原因", reason.clone()));
    }
    if let Some(word) = &r.acknowledgement {
        lines.push(("不合格处理意见", word.clone()));
    }
    lines.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The form of a record, filled with its stored values and verdicts; each instrument named.
pub async fn filled_form(state: &AppState, detail: &RecordDetail) -> Result<FormView, PageError> {
    let r = &detail.record;
    let def = state
        .app
        .form_type(&r.form_type, u32::try_from(r.form_version).ok())
        .await?;
    let fields = match &detail.fields {
        Value::Object(m) => m.clone(),
        _ => Default::default(),
    };
    let mut form = form_view::build(
        &def,
        Some(&Evaluation {
            fields,
            verdicts: detail.verdicts.clone(),
        }),
    );
    form_view::name_instruments(&mut form, &detail.instruments);
    Ok(form)
}

#[derive(Template)]
#[template(path = "portal/record_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub detail: RecordDetail,
    pub header: Vec<(String, String)>,
    pub form: FormView,
    pub map: Option<VisitMap>,
    pub trail: Vec<(String, String, String)>,
    /// 整改单 naming this record, in the viewer's scope.
    pub orders: Vec<emss_app::rectifications::RectificationView>,
    /// A regulator may start an order from it.
    pub can_order: bool,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::records::detail(&state.app, actor, &id).await?;
    let form = filled_form(&state, &detail).await?;
    let orders = emss_app::rectifications::naming(&state.app, actor, &id).await?;
    Ok(render(&ShowPage {
        orders,
        can_order: emss_domain::Permission::IssueRectifications.allows(Some(actor))
            && detail.record.state != RecordState::Draft.as_str(),
        shell: Shell::portal(
            &ctx,
            "page.records",
            "记录详情",
            &["任务管理", "运维记录", "记录详情"],
        ),
        header: header(&detail.record),
        map: map_of(&detail),
        trail: detail
            .trail
            .iter()
            .map(|t| (format_datetime(t.at), t.action.clone(), t.actor.clone()))
            .collect(),
        form,
        detail,
    }))
}

/// The sheet's signature boxes with the signatures the record carries.
fn signatures(detail: &RecordDetail) -> Vec<(String, String)> {
    let mut boxes = super::catalogue::blank_signatures();
    for (i, role) in ["signature", "confirm_signature", "review_signature"]
        .iter()
        .enumerate()
    {
        if let Some(e) = detail.evidence.iter().find(|e| e.role == *role)
            && let Some(b) = boxes.get_mut(i)
        {
            b.1 = format!("/api/v1/attachments/{}", e.id);
        }
    }
    boxes
}

/// The filled A4 sheet of a record.
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::records::detail(&state.app, actor, &id).await?;
    Ok(render(&PrintPage {
        css: assets::href("app.css"),
        js: assets::href("app.js"),
        form: filled_form(&state, &detail).await?,
        header: header(&detail.record),
        signatures: signatures(&detail),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_keeps_the_outlet_in_the_middle_and_north_up() {
        let map = visit_map(
            (31.2304, 121.4737),
            &[("签到", "check-in", 31.2314, 121.4737)],
            500,
        );
        let p = &map.points[0];
        assert!((p.x - 150.0).abs() < 0.01);
        assert!(p.y < 150.0, "north is up");
        assert_eq!(p.distance, "111");
        // The radius sets the extent when every point is inside it.
        assert!((map.radius - HALF / 1.15).abs() < 0.01);
    }

    #[test]
    fn a_far_point_shrinks_the_map_to_fit() {
        let map = visit_map(
            (31.2304, 121.4737),
            &[("签退", "check-out", 31.2304, 121.4937)],
            500,
        );
        let p = &map.points[0];
        assert!(p.x > 150.0 && p.x <= 150.0 + HALF);
        assert!(map.radius < 40.0, "500 m is small beside ~1.9 km");
        assert!(map.scale_len >= 40.0);
    }
}
