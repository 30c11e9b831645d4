//! 综合查询 (统计查询): the measures of a period grouped by district, agency, enterprise, outlet,
//! form type, month or week, as a chart and a table with totals; each row drills to the next
//! level and each figure leads to the list it counts. Exports as CSV and Excel. Also the
//! dashboard the regulators' home page shows.

use super::PageQuery;
use crate::AppState;
use crate::chart;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{self, ExportFormat, audit_export, export_response};
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use emss_app::statistics::{Dashboard, StatsQuery, StatsRow, StatsTable, Supervision};
use emss_domain::statistics::{Dimension, Tally};
use emss_domain::{Actor, ErrorCode, OrgKind, Permission};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub group: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub district: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub form_type: Option<String>,
}

/// The groupings a viewer may choose (a district sees one district, an agency its own work).
fn dimensions(actor: &Actor) -> Vec<Dimension> {
    Dimension::ALL
        .into_iter()
        .filter(|d| match actor.org_kind {
            OrgKind::CityRegulator => true,
            OrgKind::DistrictRegulator => *d != Dimension::District,
            OrgKind::Enterprise => !matches!(d, Dimension::District | Dimension::Enterprise),
            _ => !matches!(d, Dimension::District | Dimension::Agency),
        })
        .collect()
}

/// The drill-down filters of a table or a row: what its figures count.
#[derive(Debug, Clone, Default)]
struct Filters {
    district: Option<String>,
    agency_id: Option<String>,
    enterprise_id: Option<String>,
    outlet_id: Option<String>,
    form_code: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Filters {
    fn parties(&self) -> Vec<(&'static str, String)> {
        [
            ("district", &self.district),
            ("agency_id", &self.agency_id),
            ("enterprise_id", &self.enterprise_id),
            ("outlet_id", &self.outlet_id),
            ("form_type", &self.form_code),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }

    fn days(&self, from: &'static str, to: &'static str) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(d) = self.from {
            out.push((from, d.to_string()));
        }
        if let Some(d) = self.to {
            out.push((to, d.to_string()));
        }
        out
    }

    /// The records it counts (visit days), narrowed by `extra`.
    fn records(&self, extra: &[(&'static str, &str)]) -> String {
        let mut pairs = self.parties();
        pairs.extend(self.days("from", "to"));
        pairs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        href("/records", &pairs)
    }

    /// Its 超期 occurrences in 运维管理 (periods ending in its days).
    fn overdue(&self) -> String {
        let mut pairs = vec![("window", "overdue".to_string())];
        pairs.extend(self.parties());
        pairs.extend(self.days("due_from", "due_to"));
        href("/tasks/maintenance", &pairs)
    }

    /// This table grouped otherwise.
    fn statistics(&self, group: Dimension) -> String {
        let mut pairs = vec![("group", group.as_str().to_string())];
        pairs.extend(self.parties());
        pairs.extend(self.days("from", "to"));
        href("/statistics", &pairs)
    }

    /// Narrowed to one row of a table grouped by `dimension`.
    fn with_row(&self, dimension: Dimension, row: &StatsRow) -> Filters {
        let mut f = self.clone();
        let key = Some(row.key.clone());
        match dimension {
            Dimension::District => f.district = key,
            Dimension::Agency => f.agency_id = key,
            Dimension::Enterprise => f.enterprise_id = key,
            Dimension::Outlet => f.outlet_id = key,
            Dimension::FormType => f.form_code = key,
            Dimension::Month | Dimension::Week => {
                f.from = row.from.or(f.from);
                f.to = row.to.or(f.to);
            }
        }
        f
    }
}

fn href(path: &str, pairs: &[(&str, String)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// One figure of a row: its text and the list it leads to.
pub struct Cell {
    pub measure: &'static str,
    pub text: String,
    pub href: Option<String>,
}

/// The measures as columns: (id, heading).
const COLUMNS: [(&str, &str); 12] = [
    ("records", "运维记录"),
    ("submitted", "待企业确认"),
    ("confirmed", "待审核"),
    ("approved", "审核通过"),
    ("voided", "已作废"),
    ("flagged", "带标记"),
    ("failed", "不合格"),
    ("expected", "应完成"),
    ("on_time", "按时"),
    ("made_up", "补做"),
    ("overdue", "超期"),
    ("overdue_rate", "超期率"),
];

fn cells(t: &Tally, f: &Filters) -> Vec<Cell> {
    let n = |measure, v: u64, href: Option<String>| Cell {
        measure,
        text: v.to_string(),
        href: (v > 0).then_some(href).flatten(),
    };
    vec![
        n("records", t.records, Some(f.records(&[]))),
        n(
            "submitted",
            t.submitted,
            Some(f.records(&[("state", "submitted")])),
        ),
        n(
            "confirmed",
            t.confirmed,
            Some(f.records(&[("state", "confirmed")])),
        ),
        n(
            "approved",
            t.approved,
            Some(f.records(&[("state", "approved")])),
        ),
        n("voided", t.voided, Some(f.records(&[("state", "voided")]))),
        n("flagged", t.flagged, Some(f.records(&[("flag", "any")]))),
        n("failed", t.failed, Some(f.records(&[("verdict", "fail")]))),
        n("expected", t.expected(), None),
        n("on_time", t.on_time, None),
        n("made_up", t.made_up, None),
        n("overdue", t.overdue, Some(f.overdue())),
        Cell {
            measure: "overdue_rate",
            text: t.overdue_rate(),
            href: None,
        },
    ]
}

pub struct RowView {
    pub label: String,
    /// The next level down, if any.
    pub drill: Option<String>,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "portal/statistics.html")]
pub struct StatsPage {
    pub shell: Shell,
    pub dimension_label: &'static str,
    /// (value, label, selected).
    pub dimensions: Vec<(&'static str, &'static str, bool)>,
    pub from: String,
    pub to: String,
    /// The drill-down filters in force: (what, name, the page without it).
    pub chips: Vec<(&'static str, String, String)>,
    pub columns: &'static [(&'static str, &'static str)],
    pub rows: Vec<RowView>,
    pub total: RowView,
    /// The drill-down filters the form keeps when the grouping or the dates change.
    pub hidden: Vec<(&'static str, String)>,
    pub chart: String,
    pub chart_caption: String,
    /// How many rows the chart shows when the table has more.
    pub chart_rows: Option<usize>,
    pub csv_href: String,
    pub xlsx_href: String,
    pub error: Option<String>,
}

/// Rows a chart draws; the table has them all.
const CHART_ROWS: usize = 15;

fn day(raw: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "日期格式应为 年-月-日".to_string()),
    }
}

/// The query as asked: the grouping the viewer may use (their first by default), this year when
/// no dates are given; what was wrong with a typed date.
fn query_of(actor: &Actor, q: &Query, today: NaiveDate) -> (StatsQuery, Option<String>) {
    let allowed = dimensions(actor);
    let dimension = q
        .group
        .as_deref()
        .and_then(Dimension::parse)
        .filter(|d| allowed.contains(d))
        .or_else(|| allowed.first().copied())
        .unwrap_or(Dimension::Month);
    let mut query = StatsQuery::this_year(dimension, today);
    let pick = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    query.district = pick(&q.district);
    query.agency_id = pick(&q.agency_id);
    query.enterprise_id = pick(&q.enterprise_id);
    query.outlet_id = pick(&q.outlet_id);
    query.form_code = pick(&q.form_type);
    let error = match (day(q.from.as_deref()), day(q.to.as_deref())) {
        (Ok(f), Ok(t)) => {
            query.from = f.unwrap_or(query.from);
            query.to = t.unwrap_or(query.to);
            None
        }
        (Err(e), _) | (_, Err(e)) => Some(e),
    };
    if query.to < query.from {
        let this_year = StatsQuery::this_year(dimension, today);
        query.from = this_year.from;
        query.to = this_year.to;
        return (query, Some("结束日期不能早于开始日期".to_string()));
    }
    (query, error)
}

fn filters_of(q: &StatsQuery) -> Filters {
    Filters {
        district: q.district.clone(),
        agency_id: q.agency_id.clone(),
        enterprise_id: q.enterprise_id.clone(),
        outlet_id: q.outlet_id.clone(),
        form_code: q.form_code.clone(),
        from: Some(q.from),
        to: Some(q.to),
    }
}

/// The grouping a row of `dimension` drills to, skipping those the viewer does not have.
fn drill_to(actor: &Actor, dimension: Dimension) -> Option<Dimension> {
    let allowed = dimensions(actor);
    let mut next = dimension.next();
    while let Some(d) = next {
        if allowed.contains(&d) {
            return Some(d);
        }
        next = d.next();
    }
    None
}

/// The names of the filters in force, each with the page without it.
async fn chips(
    state: &AppState,
    actor: &Actor,
    q: &StatsQuery,
) -> Result<Vec<(&'static str, String, String)>, PageError> {
    let db = &state.app.db().conn;
    let orgs: Vec<String> = [&q.agency_id, &q.enterprise_id]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let org_names = emss_db::repo::organization::names(db, &orgs)
        .await
        .map_err(emss_app::AppError::from)?;
    let outlet = match &q.outlet_id {
        Some(id) => Some(super::outlet_name(state, actor, id).await?),
        None => None,
    };
    let form_names = emss_app::tasks::form_names(&state.app).await?;
    let base = filters_of(q);
    let mut out = Vec::new();
    let mut chip = |what, name: Option<String>, without: Filters| {
        if let Some(name) = name {
            out.push((what, name, without.statistics(q.dimension)));
        }
    };
    let name_in = |map: &std::collections::HashMap<String, String>, id: &Option<String>| {
        id.as_ref()
            .map(|i| map.get(i).cloned().unwrap_or_else(|| i.clone()))
    };
    chip(
        "区",
        q.district
            .as_deref()
            .map(|c| state.app.districts().name(Some(c)).to_string()),
        Filters {
            district: None,
            ..base.clone()
        },
    );
    chip(
        "运维机构",
        name_in(&org_names, &q.agency_id),
        Filters {
            agency_id: None,
            ..base.clone()
        },
    );
    chip(
        "企业",
        name_in(&org_names, &q.enterprise_id),
        Filters {
            enterprise_id: None,
            ..base.clone()
        },
    );
    chip(
        "排口",
        outlet,
        Filters {
            outlet_id: None,
            ..base.clone()
        },
    );
    chip(
        "运维内容",
        name_in(&form_names, &q.form_code),
        Filters {
            form_code: None,
            ..base
        },
    );
    Ok(out)
}

/// The table's chart: occurrences by outcome per row (time groupings: records and 超期 per
/// period), with its text alternative.
fn chart_of(dimension: Dimension, table: &StatsTable) -> String {
    let shown = &table.rows[..table.rows.len().min(CHART_ROWS)];
    let alt = format!(
        "按{}统计：{}",
        dimension.label(),
        shown
            .iter()
            .map(|r| format!(
                "{} 运维记录 {}，按时 {}，补做 {}，超期 {}",
                r.label, r.tally.records, r.tally.on_time, r.tally.made_up, r.tally.overdue
            ))
            .collect::<Vec<_>>()
            .join("；")
    );
    if dimension.is_time() {
        chart::grouped_columns(
            &shown
                .iter()
                .map(|r| (r.label.clone(), vec![r.tally.records, r.tally.overdue]))
                .collect::<Vec<_>>(),
            &[&chart::RECORDS, &chart::OVERDUE],
            &alt,
        )
    } else {
        chart::stacked_bars(
            &shown
                .iter()
                .map(|r| {
                    (
                        r.label.clone(),
                        vec![r.tally.on_time, r.tally.made_up, r.tally.overdue],
                    )
                })
                .collect::<Vec<_>>(),
            &[&chart::ON_TIME, &chart::MADE_UP, &chart::OVERDUE],
            &alt,
        )
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<Query>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let today = emss_domain::time::shanghai_date(state.app.now());
    let (query, error) = query_of(actor, &q, today);
    let table = emss_app::statistics::table(&state.app, actor, &query).await?;
    let base = filters_of(&query);
    let drill = drill_to(actor, query.dimension);
    let chart = chart_of(query.dimension, &table);
    let rows = table
        .rows
        .iter()
        .map(|r| {
            let f = base.with_row(query.dimension, r);
            RowView {
                label: r.label.clone(),
                drill: drill.map(|d| f.statistics(d)),
                cells: cells(&r.tally, &f),
            }
        })
        .collect();
    let total = RowView {
        label: "合计".to_string(),
        drill: None,
        cells: cells(&table.total, &base),
    };
    let mut export = vec![("group", query.dimension.as_str().to_string())];
    export.extend(base.parties());
    export.extend(base.days("from", "to"));
    let page = StatsPage {
        shell: Shell::portal(
            &ctx,
            "page.statistics",
            "统计查询",
            // 综合查询 is the regulators' menu; the others come from their home page.
            if Permission::Inspect.allows(Some(actor)) {
                &["综合查询", "统计查询"]
            } else {
                &["统计查询"]
            },
        ),
        dimension_label: query.dimension.label(),
        dimensions: dimensions(actor)
            .into_iter()
            .map(|d| (d.as_str(), d.label(), d == query.dimension))
            .collect(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        chips: chips(&state, actor, &query).await?,
        columns: &COLUMNS,
        chart_rows: (table.rows.len() > CHART_ROWS).then_some(CHART_ROWS),
        rows,
        total,
        hidden: base.parties(),
        chart_caption: if query.dimension.is_time() {
            format!("按{}：运维记录与超期", query.dimension.label())
        } else {
            format!(
                "按{}：应完成的运维中按时、补做与超期",
                query.dimension.label()
            )
        },
        chart,
        csv_href: href("/statistics/export.csv", &export),
        xlsx_href: href("/statistics/export.xlsx", &export),
        error,
    };
    Ok(render(&page))
}

crate::export::export_handlers!(export, export_xlsx, Query, export_as);

/// The table as shown, with its 合计 row, audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &Query,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let today = emss_domain::time::shanghai_date(state.app.now());
    let (query, error) = query_of(actor, q, today);
    if let Some(e) = error {
        return Err(emss_app::AppError::field("from", &e).into());
    }
    let table = emss_app::statistics::table(&state.app, actor, &query).await?;
    let base = filters_of(&query);
    let mut pairs = vec![("group", query.dimension.as_str().to_string())];
    pairs.extend(base.parties());
    pairs.extend(base.days("from", "to"));
    audit_export(
        &state.app,
        actor,
        "statistics.export",
        pairs,
        table.rows.len() as u64,
        format,
    )
    .await?;
    let mut header = vec![query.dimension.label()];
    header.extend(COLUMNS.iter().map(|(_, h)| *h));
    let line = |label: &str, t: &Tally| {
        let mut row = vec![export::Cell::Text(label.to_string())];
        row.extend(
            [
                t.records,
                t.submitted,
                t.confirmed,
                t.approved,
                t.voided,
                t.flagged,
                t.failed,
                t.expected(),
                t.on_time,
                t.made_up,
                t.overdue,
            ]
            .map(export::Cell::count),
        );
        row.push(export::Cell::Text(t.overdue_rate()));
        row
    };
    let mut rows: Vec<Vec<export::Cell>> = table
        .rows
        .iter()
        .map(|r| line(&r.label, &r.tally))
        .collect();
    rows.push(line("合计", &table.total));
    Ok(export_response(format, "统计查询", &header, rows).await?)
}

/// A figure of the dashboard: (label, text, the list it leads to).
pub type Card = (&'static str, String, Option<String>);

/// The dashboard's figures with the lists they lead to.
pub struct DashboardView {
    /// (heading, cards): 本月 and 本年.
    pub periods: Vec<(String, Vec<Card>)>,
    pub trend_chart: String,
    /// (month, records, records href, overdue, overdue href).
    pub trend: Vec<(String, u64, String, u64, String)>,
    /// (agency, 应完成, 超期, overdue href, rate).
    pub top_overdue: Vec<(String, u64, u64, String, String)>,
    /// (agency, flagged, href).
    pub top_flagged: Vec<(String, u64, String)>,
    /// The same for outlets.
    pub top_overdue_outlets: Vec<(String, u64, u64, String, String)>,
    pub top_flagged_outlets: Vec<(String, u64, String)>,
    /// (kind label, records, href).
    pub flag_kinds: Vec<(String, u64, String)>,
}

fn period_cards(t: &Tally, f: &Filters) -> Vec<Card> {
    let link = |v: u64, href: String| (v > 0).then_some(href);
    vec![
        (
            "运维记录",
            t.records.to_string(),
            link(t.records, f.records(&[])),
        ),
        ("应完成", t.expected().to_string(), None),
        ("超期", t.overdue.to_string(), link(t.overdue, f.overdue())),
        ("超期率", t.overdue_rate(), None),
        (
            "带标记",
            t.flagged.to_string(),
            link(t.flagged, f.records(&[("flag", "any")])),
        ),
        (
            "不合格",
            t.failed.to_string(),
            link(t.failed, f.records(&[("verdict", "fail")])),
        ),
        (
            "已作废",
            t.voided.to_string(),
            link(t.voided, f.records(&[("state", "voided")])),
        ),
    ]
}

fn supervision_cards(s: &Supervision, year_from: NaiveDate) -> Vec<Card> {
    let link = |v: u64, href: String| (v > 0).then_some(href);
    vec![
        (
            "本年下发整改单",
            s.orders_issued.to_string(),
            link(
                s.orders_issued,
                href("/rectifications", &[("issued_from", year_from.to_string())]),
            ),
        ),
        (
            "逾期未整改",
            s.orders_overdue.to_string(),
            link(s.orders_overdue, "/rectifications?tab=overdue".into()),
        ),
        (
            "失控未结束",
            s.out_of_control_open.to_string(),
            link(
                s.out_of_control_open,
                "/fault-periods?kind=out_of_control&status=open".into(),
            ),
        ),
        (
            "失控逾期未处理",
            s.out_of_control_overdue.to_string(),
            link(
                s.out_of_control_overdue,
                "/fault-periods?kind=out_of_control&status=overdue".into(),
            ),
        ),
    ]
}

/// (name, 应完成, 超期, overdue href, rate) of the rows most often overdue.
fn top_overdue(
    rows: &[StatsRow],
    narrowed: &dyn Fn(&str) -> Filters,
) -> Vec<(String, u64, u64, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r.label.clone(),
                r.tally.expected(),
                r.tally.overdue,
                narrowed(&r.key).overdue(),
                r.tally.overdue_rate(),
            )
        })
        .collect()
}

/// (name, flagged, href) of the rows most often flagged.
fn top_flagged(
    rows: &[StatsRow],
    narrowed: &dyn Fn(&str) -> Filters,
) -> Vec<(String, u64, String)> {
    rows.iter()
        .map(|r| {
            (
                r.label.clone(),
                r.tally.flagged,
                narrowed(&r.key).records(&[("flag", "any")]),
            )
        })
        .collect()
}

pub fn dashboard_view(d: &Dashboard) -> DashboardView {
    let span = |from: NaiveDate, to: NaiveDate| Filters {
        from: Some(from),
        to: Some(to),
        ..Filters::default()
    };
    let year = span(d.year_from, d.today);
    let agency = |id: &str| Filters {
        agency_id: Some(id.to_string()),
        ..year.clone()
    };
    let outlet = |id: &str| Filters {
        outlet_id: Some(id.to_string()),
        ..year.clone()
    };
    let trend_alt = format!(
        "近十二个月：{}",
        d.trend
            .iter()
            .map(|p| format!(
                "{} 运维记录 {}，超期 {}",
                p.label, p.tally.records, p.tally.overdue
            ))
            .collect::<Vec<_>>()
            .join("；")
    );
    DashboardView {
        periods: vec![
            (
                format!("本月（{} 起）", d.month_from.format("%m-%d")),
                period_cards(&d.month, &span(d.month_from, d.today)),
            ),
            (
                format!("本年（{} 年）", d.year_from.format("%Y")),
                period_cards(&d.year, &year),
            ),
            (
                "整改与失控（截至今日）".to_string(),
                supervision_cards(&d.supervision, d.year_from),
            ),
        ],
        trend_chart: chart::grouped_columns(
            &d.trend
                .iter()
                .map(|p| (p.label.clone(), vec![p.tally.records, p.tally.overdue]))
                .collect::<Vec<_>>(),
            &[&chart::RECORDS, &chart::OVERDUE],
            &trend_alt,
        ),
        trend: d
            .trend
            .iter()
            .map(|p| {
                let f = span(p.from, p.to);
                (
                    p.label.clone(),
                    p.tally.records,
                    f.records(&[]),
                    p.tally.overdue,
                    f.overdue(),
                )
            })
            .collect(),
        top_overdue: top_overdue(&d.top_overdue, &agency),
        top_flagged: top_flagged(&d.top_flagged, &agency),
        top_overdue_outlets: top_overdue(&d.top_overdue_outlets, &outlet),
        top_flagged_outlets: top_flagged(&d.top_flagged_outlets, &outlet),
        flag_kinds: d
            .flag_kinds
            .iter()
            .map(|(kind, label, n)| (label.clone(), *n, year.records(&[("flag", kind)])))
            .collect(),
    }
}
