//! 信用管理: the indicator systems (the city edits a draft and publishes it; everyone with the
//! right reads the published versions), the ratings of a year with filters and exports, one
//! agency's breakdown down to the records, orders and inspections behind each indicator, and
//! computing the ratings on demand.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, ExportFormat, audit_export, export_response};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use emss_app::credit::{PublicationView, RatingDetail, RatingFilter, RatingRow, SystemView};
use emss_domain::credit::{IndicatorSystem, Period, SystemKind};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::time::{format_datetime, format_optional};
use emss_domain::{ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

// ---- indicator systems ----

#[derive(Template)]
#[template(path = "portal/credit_systems.html")]
pub struct SystemsPage {
    pub shell: Shell,
    pub rows: Vec<SystemView>,
    pub can_edit: bool,
    /// The systems the city edits from: each draft, and the newest version of a kind without one.
    pub editable: Vec<String>,
}

impl SystemsPage {
    pub fn at(&self, at: &DateTime<Utc>) -> String {
        format_datetime(*at)
    }

    pub fn maybe(&self, at: &Option<DateTime<Utc>>) -> String {
        format_optional(*at)
    }
}

pub async fn systems(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let rows = emss_app::credit::systems(&state.app, actor).await?;
    Ok(render(&SystemsPage {
        shell: Shell::portal(
            &ctx,
            "page.credit.systems",
            "评价指标体系",
            &["信用管理", "评价指标体系"],
        ),
        can_edit: Permission::ManageCredit.allows(Some(actor)),
        // Newest first within each kind: the first of a kind is its draft or newest version.
        editable: SystemKind::ALL
            .iter()
            .filter_map(|k| rows.iter().find(|r| r.kind == k.as_str()))
            .map(|r| r.id.clone())
            .collect(),
        rows,
    }))
}

/// An indicator as the system's table shows it.
pub struct IndicatorRow {
    pub code: String,
    pub name: String,
    pub category: String,
    pub effect: &'static str,
    pub points: String,
    pub measure: String,
    pub rule: String,
    pub basis: String,
}

fn indicator_rows(s: &IndicatorSystem) -> Vec<IndicatorRow> {
    use emss_domain::credit::Measure;
    use emss_domain::credit::rule::{Bound, Rule};
    s.indicators
        .iter()
        .map(|i| {
            let measure = Measure::parse(&i.measure);
            let show = |b: Bound| match (b, measure) {
                (Bound::AtLeast(v), Some(m)) => format!("≥{}", m.show(Some(v))),
                (Bound::AtMost(v), Some(m)) => format!("≤{}", m.show(Some(v))),
                _ => "—".into(),
            };
            let rule = match s.rule(i) {
                Ok(Rule::PerUnit { each, cap }) => {
                    let verb = if i.effect == emss_domain::credit::Effect::Bonus {
                        "加"
                    } else {
                        "扣"
                    };
                    match cap {
                        Some(c) => format!(
                            "每{}{verb} {each} 分，最多{verb} {c} 分",
                            measure.map_or("项", Measure::noun)
                        ),
                        None => format!(
                            "每{}{verb} {each} 分，扣完为止",
                            measure.map_or("项", Measure::noun)
                        ),
                    }
                }
                Ok(Rule::Bands { bands, otherwise }) => {
                    let mut parts: Vec<String> = bands
                        .iter()
                        .map(|(b, p)| format!("{} 得 {p} 分", show(*b)))
                        .collect();
                    parts.push(format!("其余得 {otherwise} 分"));
                    parts.join("；")
                }
                Ok(Rule::Threshold { bound, otherwise }) => {
                    format!("{} 得满分，否则得 {otherwise} 分", show(bound))
                }
                Err(e) => e,
            };
            IndicatorRow {
                code: i.code.clone(),
                name: i.name.clone(),
                category: i.category.clone(),
                effect: i.effect.label(),
                points: i.points.map_or_else(|| "—".into(), |p| p.to_string()),
                measure: measure.map_or_else(|| i.measure.clone(), Measure::label),
                rule,
                basis: i.basis.clone().unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/credit_system.html")]
pub struct SystemPage {
    pub shell: Shell,
    pub system: SystemView,
    pub indicators: Vec<IndicatorRow>,
    /// (code, name, at least).
    pub grades: Vec<(String, String, String)>,
    pub eligibility: Vec<String>,
    pub basis: String,
    /// The city editing a draft.
    pub can_edit: bool,
    pub document: String,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<String>,
}

impl SystemPage {
    pub fn at(&self, at: &DateTime<Utc>) -> String {
        format_datetime(*at)
    }

    pub fn maybe(&self, at: &Option<DateTime<Utc>>) -> String {
        format_optional(*at)
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SystemQuery {
    pub saved: Option<String>,
    pub published: Option<String>,
}

/// Whether the city edits from this system: its draft, or the newest version of a kind that has
/// no draft (saving starts the next version).
async fn editable(state: &AppState, ctx: &Ctx, system: &SystemView) -> Result<bool, PageError> {
    let Some(actor) = ctx
        .actor()
        .filter(|a| Permission::ManageCredit.allows(Some(a)))
    else {
        return Ok(false);
    };
    if system.state == "draft" {
        return Ok(true);
    }
    let all = emss_app::credit::systems(&state.app, actor).await?;
    let newest = all.iter().find(|s| s.kind == system.kind);
    Ok(newest.is_some_and(|n| n.id == system.id))
}

fn system_page(
    ctx: &Ctx,
    system: SystemView,
    can_edit: bool,
    document: Option<String>,
    errors: BTreeMap<String, String>,
    notice: Option<String>,
) -> SystemPage {
    let parsed = IndicatorSystem::parse(&system.document).ok();
    let title = format!("{} 第 {} 版", system.kind_label, system.version);
    SystemPage {
        shell: Shell::portal(
            ctx,
            "page.credit.systems",
            &title,
            &["信用管理", "评价指标体系", &title],
        ),
        indicators: parsed.as_ref().map(indicator_rows).unwrap_or_default(),
        grades: parsed
            .as_ref()
            .map(|s| {
                s.grades
                    .iter()
                    .map(|g| (g.code.clone(), g.name.clone(), g.at_least.to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        eligibility: parsed
            .as_ref()
            .map(|s| {
                let mut out = vec![format!(
                    "备案满 {} 个完整自然年度后参加评价",
                    s.eligibility.full_years_filed
                )];
                if s.eligibility.requires_business {
                    out.push("评价期内未上传业务数据的机构不参加评价".into());
                }
                out
            })
            .unwrap_or_default(),
        basis: parsed.as_ref().map(|s| s.basis.clone()).unwrap_or_default(),
        can_edit,
        document: document.unwrap_or_else(|| system.document.clone()),
        system,
        errors,
        notice,
    }
}

pub async fn system(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<SystemQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let system = emss_app::credit::system(&state.app, actor, &id).await?;
    let notice = if q.published.is_some() {
        Some(format!(
            "第 {} 版已发布，此后的评价按此版本计算",
            system.version
        ))
    } else if q.saved.is_some() {
        Some("草稿已保存".to_string())
    } else {
        None
    };
    let can_edit = editable(&state, &ctx, &system).await?;
    Ok(render(&system_page(
        &ctx,
        system,
        can_edit,
        None,
        BTreeMap::new(),
        notice,
    )))
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    pub document: String,
}

/// 保存草稿 of a kind (a new draft after the newest version when there is none).
pub async fn save_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    PageForm(form): PageForm<DraftForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let kind = SystemKind::parse(&kind).ok_or(ErrorCode::NotFound)?;
    match emss_app::credit::save_draft(&state.app, actor, kind, &form.document).await {
        Ok(s) => Ok(Redirect::to(&format!("/credit/systems/{}?saved=1", s.id)).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            // The kind's draft, or the version it would follow, with the typed text kept.
            let Some(shown) = emss_app::credit::systems(&state.app, actor)
                .await?
                .into_iter()
                .find(|s| s.kind == kind.as_str())
            else {
                return Err(e.into());
            };
            let page = system_page(&ctx, shown, true, Some(form.document), e.fields, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 发布 a draft, refused with every problem listed next to the editor.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::credit::publish(&state.app, actor, &id).await {
        Ok(s) => Ok(Redirect::to(&format!("/credit/systems/{}?published=1", s.id)).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let system = emss_app::credit::system(&state.app, actor, &id).await?;
            let can_edit = editable(&state, &ctx, &system).await?;
            let page = system_page(&ctx, system, can_edit, None, e.fields, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- ratings ----

#[derive(Debug, Default, Deserialize)]
pub struct RatingsQuery {
    pub period: Option<String>,
    pub kind: Option<String>,
    pub grade: Option<String>,
    pub keyword: Option<String>,
    pub rated: Option<u64>,
    pub excluded: Option<u64>,
    pub frozen: Option<String>,
    pub missing: Option<String>,
    /// `publicity` | `published`: what the publicity forms did.
    pub done: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl RatingsQuery {
    fn filter(&self) -> RatingFilter {
        RatingFilter {
            period: self.period.clone(),
            kind: self.kind.clone(),
            grade: self.grade.clone(),
            keyword: self.keyword.clone(),
        }
    }
}

const GRADES: &[(&str, &str)] = &[
    ("A", "A 守信"),
    ("B", "B 基本守信"),
    ("C", "C 失信"),
    ("D", "D 严重失信"),
    ("excluded", "不参评"),
];

#[derive(Template)]
#[template(path = "portal/credit_ratings.html")]
pub struct RatingsPage {
    pub shell: Shell,
    pub rows: Vec<(u64, RatingRow)>,
    pub pager: Pager,
    /// (value, label, selected) of each filter.
    pub years: Vec<(String, bool)>,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub grades: Vec<(&'static str, &'static str, bool)>,
    pub keyword: String,
    pub year: i32,
    pub can_compute: bool,
    /// The year is over: computing it freezes it.
    pub closed: bool,
    pub notice: Option<String>,
    pub regulator: bool,
    /// The year's publicity, once the city started it.
    pub publication: Option<PublicationView>,
    /// The city may start the publicity (a closed year with final ratings and none yet).
    pub can_start_publicity: bool,
    /// The city may publish (in publicity, after the last day for objections).
    pub can_publish: bool,
    /// The last day for objections as typed (or proposed).
    pub deadline: String,
    pub pending_objections: usize,
    pub errors: BTreeMap<String, String>,
}

impl RatingsPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn maybe(&self, at: &Option<DateTime<Utc>>) -> String {
        format_optional(*at)
    }
}

pub async fn ratings(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<RatingsQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &ratings_page(&state, &ctx, &q, None, BTreeMap::new()).await?,
    ))
}

/// The ratings list; `deadline` and `errors` as the publicity form left them.
async fn ratings_page(
    state: &AppState,
    ctx: &Ctx,
    q: &RatingsQuery,
    deadline: Option<String>,
    errors: BTreeMap<String, String>,
) -> Result<RatingsPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = emss_app::credit::year_of(&state.app, q.period.as_deref())?;
    let all = emss_app::credit::ratings(&state.app, actor, &q.filter()).await?;
    let has_final = all.iter().any(|r| r.standing == "final");
    let request = PageRequest::new(q.page, q.page_size);
    let total = all.len() as u64;
    let skip = usize::try_from((request.page - 1) * request.page_size).unwrap_or(usize::MAX);
    let take = usize::try_from(request.page_size).unwrap_or(usize::MAX);
    let page = Page::new(
        all.into_iter().skip(skip).take(take).collect(),
        total,
        request,
    );
    let pick = |v: &Option<String>| v.clone().unwrap_or_default();
    let pairs = vec![
        ("period", year.to_string()),
        ("kind", pick(&q.kind)),
        ("grade", pick(&q.grade)),
        ("keyword", pick(&q.keyword)),
    ];
    let pager = pager(
        &page,
        "/credit/ratings",
        &pairs,
        Some("/credit/ratings/export.csv"),
    );
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, r)| (first + i as u64, r))
        .collect();
    let today = emss_domain::time::shanghai_date(state.app.now());
    let notice = computed_notice(q).or_else(|| publicity_notice(q));
    let closed = Period { year }.last_day() < today;
    let manage = Permission::ManageCredit.allows(Some(actor));
    let publication = emss_app::credit::publication(&state.app, year).await?;
    let pending_objections = match &publication {
        Some(p) if p.state == "publicity" => {
            emss_app::credit::objections(&state.app, actor, Some(year), Some("pending"))
                .await?
                .len()
        }
        _ => 0,
    };
    Ok(RatingsPage {
        shell: Shell::portal(
            ctx,
            "page.credit.ratings",
            "信用评价",
            &["信用管理", "信用评价"],
        ),
        rows,
        pager,
        years: emss_app::credit::years(&state.app)
            .await?
            .into_iter()
            .map(|y| (y.to_string(), y == year))
            .collect(),
        kinds: SystemKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label(), q.kind.as_deref() == Some(k.as_str())))
            .collect(),
        grades: GRADES
            .iter()
            .map(|(v, l)| (*v, *l, q.grade.as_deref() == Some(*v)))
            .collect(),
        keyword: pick(&q.keyword),
        year,
        can_compute: manage,
        closed,
        notice,
        regulator: actor.org_kind.is_regulator(),
        can_start_publicity: manage && closed && has_final && publication.is_none(),
        can_publish: manage
            && publication.as_ref().is_some_and(|p| {
                p.state == "publicity"
                    && !emss_domain::credit::objection::in_time(today, p.objection_deadline)
            }),
        publication,
        deadline: deadline.unwrap_or_else(|| (today + chrono::Days::new(15)).to_string()),
        pending_objections,
        errors,
    })
}

/// What the publicity forms did, said back after their redirect.
fn publicity_notice(q: &RatingsQuery) -> Option<String> {
    match q.done.as_deref()? {
        "publicity" => Some("已发起公示，各机构可在异议截止日期前对年度评价提出异议".into()),
        "published" => Some("评价结果已公布，各机构的等级已在公开查询中展示".into()),
        _ => None,
    }
}

#[derive(Debug, Deserialize)]
pub struct PublicityForm {
    pub year: String,
    #[serde(default)]
    pub deadline: String,
}

/// 发起公示 from the ratings list.
pub async fn start_publicity(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<PublicityForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = Period::parse(&form.year)
        .ok_or_else(|| emss_app::AppError::field("year", "请填写四位数的年度，如 2026"))?
        .year;
    let deadline = chrono::NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d").ok();
    match emss_app::credit::start_publicity(&state.app, actor, year, deadline).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/credit/ratings?period={year}&done=publicity")).into_response(),
        ),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let q = RatingsQuery {
                period: Some(year.to_string()),
                ..RatingsQuery::default()
            };
            let page = ratings_page(&state, &ctx, &q, Some(form.deadline), e.fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 公布 a year's grades from the ratings list.
pub async fn publish_year(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = Period::parse(&year)
        .ok_or_else(|| emss_app::AppError::field("year", "请填写四位数的年度，如 2026"))?
        .year;
    match emss_app::credit::publish_year(&state.app, actor, year).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/credit/ratings?period={year}&done=published")).into_response(),
        ),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let q = RatingsQuery {
                period: Some(year.to_string()),
                ..RatingsQuery::default()
            };
            let page = ratings_page(&state, &ctx, &q, None, e.fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ComputeForm {
    pub period: String,
}

/// 立即计算: rates every agency for the year now (a closed year once, then frozen).
pub async fn compute(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<ComputeForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let period = Period::parse(&form.period)
        .ok_or_else(|| emss_app::AppError::field("period", "请填写四位数的年度，如 2026"))?;
    let done = emss_app::credit::compute(&state.app, Some(actor), period).await?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("period", &period.year.to_string())
        .append_pair("rated", &done.rated.to_string())
        .append_pair("excluded", &done.excluded.to_string())
        .append_pair("frozen", &done.frozen.join(","))
        .append_pair("missing", &done.without_system.join(","))
        .finish();
    Ok(Redirect::to(&format!("/credit/ratings?{query}")).into_response())
}

/// What a computation did, said back from the numbers it redirected with.
fn computed_notice(q: &RatingsQuery) -> Option<String> {
    let (rated, excluded) = (q.rated?, q.excluded?);
    let mut said = format!("已完成计算：参评 {rated} 家，不参评 {excluded} 家");
    let kinds = |v: &Option<String>| -> Vec<&'static str> {
        v.as_deref()
            .unwrap_or_default()
            .split(',')
            .filter_map(SystemKind::parse)
            .map(SystemKind::label)
            .collect()
    };
    let frozen = kinds(&q.frozen);
    if !frozen.is_empty() {
        said.push_str(&format!(
            "；{}已完成年度评价，不再重新计算",
            frozen.join("、")
        ));
    }
    let missing = kinds(&q.missing);
    if !missing.is_empty() {
        said.push_str(&format!("；{}尚未发布评价指标体系", missing.join("、")));
    }
    Some(said)
}

const EXPORT_HEADER: &[&str] = &[
    "序号",
    "机构名称",
    "类别",
    "年度",
    "评价类型",
    "数据截至",
    "总分",
    "等级",
    "不参评原因",
    "指标体系版本",
    "计算时间",
];

crate::export::export_handlers!(export, export_xlsx, RatingsQuery, export_as);

/// The ratings as filtered (at most a few hundred agencies: one piece), audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &RatingsQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = emss_app::credit::year_of(&state.app, q.period.as_deref())?;
    let rows = emss_app::credit::ratings(&state.app, actor, &q.filter()).await?;
    let pick = |v: &Option<String>| v.clone().unwrap_or_default();
    audit_export(
        &state.app,
        actor,
        "credit.export",
        vec![
            ("year", year.to_string()),
            ("kind", pick(&q.kind)),
            ("grade", pick(&q.grade)),
            ("keyword", pick(&q.keyword)),
        ],
        rows.len() as u64,
        format,
    )
    .await?;
    let lines: Vec<Vec<Cell>> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::count(i as u64 + 1),
                Cell::Text(r.agency_name),
                Cell::Text(r.kind_label),
                Cell::count(u64::try_from(r.year).unwrap_or(0)),
                Cell::Text(r.standing_label),
                Cell::Date(r.facts_to),
                match r.total.as_deref().and_then(|t| t.parse::<f64>().ok()) {
                    Some(t) => Cell::Number(t),
                    None => Cell::Text("—".into()),
                },
                Cell::Text(match (r.grade_code, r.grade_name) {
                    (Some(c), Some(n)) => format!("{c} {n}"),
                    _ => "—".into(),
                }),
                Cell::Text(r.exclusion.unwrap_or_else(|| "—".into())),
                Cell::Text(format!("第 {} 版", r.system_version)),
                Cell::at(Some(r.computed_at)),
            ]
        })
        .collect();
    Ok(export_response(format, "信用评价", EXPORT_HEADER, lines).await?)
}

#[derive(Template)]
#[template(path = "portal/credit_rating.html")]
pub struct RatingPage {
    pub shell: Shell,
    pub agency_name: String,
    pub agency_id: String,
    pub year: i32,
    pub years: Vec<(String, bool)>,
    pub ratings: Vec<RatingDetail>,
    pub publication: Option<PublicationView>,
    /// The agency's main account may object now (its final ratings are in publicity, in time).
    pub may_object: bool,
    /// The objection as typed, and what is wrong with it.
    pub typed: ObjectionForm,
    pub errors: BTreeMap<String, String>,
}

impl RatingPage {
    pub fn error(&self, kind: &str, field: &str) -> Option<&str> {
        (self.typed.kind == kind)
            .then(|| self.errors.get(field).map(String::as_str))
            .flatten()
    }

    /// The indicators of a rating not yet objected to.
    pub fn objectable<'a>(&self, r: &'a RatingDetail) -> Vec<&'a emss_app::credit::ItemView> {
        r.items.iter().filter(|i| i.objection.is_none()).collect()
    }

    /// Where an object behind an indicator is read, if it has a page.
    pub fn href(&self, kind: &str, id: &str) -> Option<String> {
        match kind {
            "record" => Some(format!("/records/{id}")),
            "task" => Some(format!("/tasks/{id}")),
            "rectification" => Some(format!("/rectifications/{id}")),
            "inspection" => Some(format!("/inspections/{id}")),
            _ => None,
        }
    }

    pub fn computed(&self, r: &RatingDetail) -> String {
        format_datetime(r.row.computed_at)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    pub period: Option<String>,
}

pub async fn rating(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(agency_id): Path<String>,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &rating_page(
            &state,
            &ctx,
            &agency_id,
            q.period.as_deref(),
            ObjectionForm::default(),
            BTreeMap::new(),
        )
        .await?,
    ))
}

async fn rating_page(
    state: &AppState,
    ctx: &Ctx,
    agency_id: &str,
    period: Option<&str>,
    typed: ObjectionForm,
    errors: BTreeMap<String, String>,
) -> Result<RatingPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = emss_app::credit::year_of(&state.app, period)?;
    let ratings = emss_app::credit::rating(&state.app, actor, agency_id, period).await?;
    let agency_name = ratings
        .first()
        .map(|r| r.row.agency_name.clone())
        .unwrap_or_default();
    let publication = emss_app::credit::publication(&state.app, year).await?;
    let today = emss_domain::time::shanghai_date(state.app.now());
    let may_object = Permission::ObjectToCredit.allows(Some(actor))
        && actor.org_id == agency_id
        && ratings.iter().any(|r| r.row.standing == "final")
        && publication.as_ref().is_some_and(|p| {
            p.state == "publicity"
                && emss_domain::credit::objection::in_time(today, p.objection_deadline)
        });
    Ok(RatingPage {
        shell: Shell::portal(
            ctx,
            "page.credit.ratings",
            &agency_name,
            &["信用管理", "信用评价", &agency_name],
        ),
        agency_name,
        agency_id: agency_id.to_string(),
        year,
        years: emss_app::credit::years(&state.app)
            .await?
            .into_iter()
            .map(|y| (y.to_string(), y == year))
            .collect(),
        ratings,
        publication,
        may_object,
        typed,
        errors,
    })
}

/// 提出异议 as the rating page's form types it.
#[derive(Debug, Default, Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub reasons: String,
}

/// 提出异议 from the agency's rating page: to the objection's page, where documents are added.
pub async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(agency_id): Path<String>,
    PageForm(form): PageForm<ObjectionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = emss_app::credit::ObjectionInput {
        period: form.period.clone(),
        kind: form.kind.clone(),
        code: form.code.clone(),
        reasons: form.reasons.clone(),
    };
    match emss_app::credit::object(&state.app, actor, &agency_id, &input).await {
        Ok(o) => {
            Ok(Redirect::to(&format!("/credit/objections/{}?done=filed", o.id)).into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let period = form.period.clone();
            let page = rating_page(&state, &ctx, &agency_id, Some(&period), form, e.fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
