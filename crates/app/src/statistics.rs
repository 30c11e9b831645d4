//! 统计查询 and the regulators' dashboard: the measures of `emss_domain::statistics` for a period,
//! grouped by district, agency, enterprise, outlet, form type, month or week, in the viewer's
//! scope, each row named and ready to drill into.

use crate::{App, AppError};
use chrono::{Datelike, NaiveDate};
use emss_db::repo;
use emss_db::repo::statistics::{Key, KeyValue, Slice};
use emss_domain::fault::FaultKind;
use emss_domain::record::FlagKind;
use emss_domain::statistics::{Bucket, Dimension, Tally, bucket, last_twelve_months};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What a statistics table asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    pub dimension: Dimension,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub district: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub form_code: Option<String>,
}

impl StatsQuery {
    /// This year up to today, grouped by `dimension`.
    pub fn this_year(dimension: Dimension, today: NaiveDate) -> StatsQuery {
        StatsQuery {
            dimension,
            from: today.with_ordinal(1).unwrap_or(today),
            to: today,
            district: None,
            agency_id: None,
            enterprise_id: None,
            outlet_id: None,
            form_code: None,
        }
    }
}

/// One row of a statistics table.
#[derive(Debug, Clone, Serialize)]
pub struct StatsRow {
    /// The district code, organisation, outlet id or form code; the first day of a month or week.
    pub key: String,
    pub label: String,
    /// A month's or week's days (its figures lead to the lists of those days).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub tally: Tally,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatsTable {
    pub rows: Vec<StatsRow>,
    pub total: Tally,
}

/// The most months or weeks a table fills in when nothing happened in them.
const MAX_EMPTY_BUCKETS: usize = 120;

fn slice(actor: &Actor, q: &StatsQuery, today: NaiveDate) -> Slice {
    Slice {
        scope: actor.scope(),
        from: q.from,
        to: q.to,
        today,
        district: q.district.clone(),
        agency_id: q.agency_id.clone(),
        enterprise_id: q.enterprise_id.clone(),
        outlet_id: q.outlet_id.clone(),
        form_code: q.form_code.clone(),
    }
}

fn key_of(dimension: Dimension) -> Key {
    match dimension {
        Dimension::District => Key::District,
        Dimension::Agency => Key::Agency,
        Dimension::Enterprise => Key::Enterprise,
        Dimension::Outlet => Key::Outlet,
        Dimension::FormType => Key::FormType,
        Dimension::Month | Dimension::Week => Key::Day,
    }
}

/// The group a key falls in: the value itself, or the month or week holding a day.
fn group_of(dimension: Dimension, key: &KeyValue) -> Option<(String, Option<Bucket>)> {
    match key {
        KeyValue::Text(s) => Some((s.clone(), None)),
        KeyValue::Day(day) => {
            let b = bucket(dimension, *day)?;
            Some((b.start.to_string(), Some(b)))
        }
    }
}

/// The statistics table: one row per group with figures, and the total.
pub async fn table(app: &App, actor: &Actor, q: &StatsQuery) -> Result<StatsTable, AppError> {
    let (mut rows, total) = grouped(app, actor, q).await?;
    name(app, q.dimension, &mut rows).await?;
    sort(app, q.dimension, &mut rows);
    Ok(StatsTable { rows, total })
}

/// Names the rows of parties (a month or week has its label already). An outlet is named with its
/// enterprise: "废水总排口" alone repeats across the city.
async fn name(app: &App, dimension: Dimension, rows: &mut [StatsRow]) -> Result<(), AppError> {
    let db = &app.db().conn;
    let ids: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let names: HashMap<String, String> = match dimension {
        Dimension::Agency | Dimension::Enterprise => repo::organization::names(db, &ids).await?,
        Dimension::Outlet => repo::outlet::full_names(db, &ids).await?,
        Dimension::FormType => crate::tasks::form_names(app).await?,
        Dimension::District => rows
            .iter()
            .map(|r| {
                (
                    r.key.clone(),
                    app.districts().name(Some(&r.key)).to_string(),
                )
            })
            .collect(),
        Dimension::Month | Dimension::Week => return Ok(()),
    };
    for r in rows {
        r.label = names.get(&r.key).cloned().unwrap_or_else(|| r.key.clone());
    }
    Ok(())
}

/// Time in order; districts in the catalogue's order; parties with the most work first.
fn sort(app: &App, dimension: Dimension, rows: &mut [StatsRow]) {
    match dimension {
        Dimension::Month | Dimension::Week => {}
        Dimension::District => {
            let order: HashMap<&str, usize> = app
                .districts()
                .all()
                .iter()
                .enumerate()
                .map(|(i, d)| (d.code.as_str(), i))
                .collect();
            rows.sort_by_key(|r| order.get(r.key.as_str()).copied().unwrap_or(usize::MAX));
        }
        _ => rows.sort_by(|a, b| {
            (b.tally.records + b.tally.expected())
                .cmp(&(a.tally.records + a.tally.expected()))
                .then_with(|| a.label.cmp(&b.label))
        }),
    }
}

/// The figures per group, unnamed and unsorted, with their total.
async fn grouped(
    app: &App,
    actor: &Actor,
    q: &StatsQuery,
) -> Result<(Vec<StatsRow>, Tally), AppError> {
    if !Permission::ViewStatistics.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    counted(app, actor, q).await
}

/// The rows and total of a query in the actor's scope, for a caller that has checked the actor
/// may read them (业务实施动态 shows an agency's weeks to whoever reads its rating).
pub(crate) async fn counted(
    app: &App,
    actor: &Actor,
    q: &StatsQuery,
) -> Result<(Vec<StatsRow>, Tally), AppError> {
    if q.to < q.from {
        return Err(AppError::field("to", "结束日期不能早于开始日期"));
    }
    let db = &app.db().conn;
    let today = emss_domain::time::shanghai_date(app.now());
    let s = slice(actor, q, today);
    let key = key_of(q.dimension);
    let mut groups: BTreeMap<String, (Option<Bucket>, Tally)> = BTreeMap::new();
    let mut counted = repo::statistics::occurrences(db, &s, key).await?;
    counted.extend(repo::statistics::records(db, &s, key).await?);
    for (k, c) in counted {
        if let Some((g, b)) = group_of(q.dimension, &k) {
            groups.entry(g).or_insert((b, Tally::default())).1.add(&c);
        }
    }
    // A month or a week without anything still has its row: a trend shows its gaps.
    if q.dimension.is_time() {
        let mut day = q.from;
        for _ in 0..MAX_EMPTY_BUCKETS {
            let Some(b) = bucket(q.dimension, day) else {
                break;
            };
            if b.start > q.to {
                break;
            }
            let next = b.end.succ_opt();
            groups
                .entry(b.start.to_string())
                .or_insert((Some(b), Tally::default()));
            match next {
                Some(n) => day = n,
                None => break,
            }
        }
    }
    let mut total = Tally::default();
    let rows: Vec<StatsRow> = groups
        .into_iter()
        .map(|(k, (b, tally))| {
            total.add(&tally);
            StatsRow {
                from: b.as_ref().map(|b| b.start.max(q.from)),
                to: b.as_ref().map(|b| b.end.min(q.to)),
                label: b.as_ref().map(|b| b.label.clone()).unwrap_or_default(),
                key: k,
                tally,
            }
        })
        .collect();
    Ok((rows, total))
}

/// One month of the dashboard's trend.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tally: Tally,
}

/// The regulator's dashboard: this month and this year, the last twelve months, the agencies and
/// outlets most often overdue and most often flagged, the flags by kind this year, and the orders
/// and 失控 periods as they stand.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub month: Tally,
    pub month_from: NaiveDate,
    pub year: Tally,
    pub year_from: NaiveDate,
    pub today: NaiveDate,
    pub trend: Vec<TrendPoint>,
    pub top_overdue: Vec<StatsRow>,
    pub top_flagged: Vec<StatsRow>,
    pub top_overdue_outlets: Vec<StatsRow>,
    pub top_flagged_outlets: Vec<StatsRow>,
    /// (kind, label, records) this year, most first.
    pub flag_kinds: Vec<(String, String, u64)>,
    pub supervision: Supervision,
}

/// The supervision the regulators do themselves, in their scope.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Supervision {
    /// 整改单 issued (下发) this year.
    pub orders_issued: u64,
    /// 整改单 waiting for the agency's answer past their deadline (逾期).
    pub orders_overdue: u64,
    /// 失控时段 not yet closed by a passing record.
    pub out_of_control_open: u64,
    /// Of those, the ones past their follow-up deadline.
    pub out_of_control_overdue: u64,
}

/// How many agencies and outlets the dashboard's top lists name.
const TOP: usize = 5;

/// The rows most often overdue (by rate, then count) and most often flagged.
fn tops(rows: &[StatsRow]) -> (Vec<StatsRow>, Vec<StatsRow>) {
    let mut overdue: Vec<StatsRow> = rows
        .iter()
        .filter(|r| r.tally.overdue > 0)
        .cloned()
        .collect();
    overdue.sort_by(|a, b| {
        b.tally
            .overdue_permille()
            .cmp(&a.tally.overdue_permille())
            .then_with(|| b.tally.overdue.cmp(&a.tally.overdue))
    });
    overdue.truncate(TOP);
    let mut flagged: Vec<StatsRow> = rows
        .iter()
        .filter(|r| r.tally.flagged > 0)
        .cloned()
        .collect();
    flagged.sort_by_key(|r| std::cmp::Reverse(r.tally.flagged));
    flagged.truncate(TOP);
    (overdue, flagged)
}

async fn supervision(
    app: &App,
    actor: &Actor,
    year_from: NaiveDate,
) -> Result<Supervision, AppError> {
    use repo::fault::{FaultFilter, Status};
    use repo::rectification::{RectificationFilter, Viewer};
    let db = &app.db().conn;
    let today = emss_domain::time::shanghai_date(app.now());
    let viewer = &Viewer::of(actor);
    let orders = |filter: RectificationFilter| async move {
        repo::rectification::count(db, viewer, &filter, today).await
    };
    let faults = |status: Status| async move {
        let filter = FaultFilter {
            kind: Some(FaultKind::OutOfControl.as_str().to_string()),
            status: Some(status),
            ..FaultFilter::default()
        };
        repo::fault::count(db, &actor.scope(), &filter, app.now()).await
    };
    Ok(Supervision {
        orders_issued: orders(RectificationFilter {
            issued_from: Some(year_from),
            ..RectificationFilter::default()
        })
        .await?,
        orders_overdue: orders(RectificationFilter {
            overdue: true,
            ..RectificationFilter::default()
        })
        .await?,
        out_of_control_open: faults(Status::Open).await?,
        out_of_control_overdue: faults(Status::Overdue).await?,
    })
}

pub async fn dashboard(app: &App, actor: &Actor) -> Result<Dashboard, AppError> {
    let today = emss_domain::time::shanghai_date(app.now());
    let year_q = StatsQuery::this_year(Dimension::Agency, today);
    let month_from = today.with_day(1).unwrap_or(today);
    let by_agency = table(app, actor, &year_q).await?;
    // Thousands of outlets: only those the top lists show are named.
    let (by_outlet, _) = grouped(
        app,
        actor,
        &StatsQuery {
            dimension: Dimension::Outlet,
            ..year_q.clone()
        },
    )
    .await?;
    let months = last_twelve_months(today);
    let first = months.first().map(|b| b.start).unwrap_or(today);
    let trend_table = table(
        app,
        actor,
        &StatsQuery {
            dimension: Dimension::Month,
            from: first,
            ..year_q.clone()
        },
    )
    .await?;
    let tally_of = |start: NaiveDate| {
        trend_table
            .rows
            .iter()
            .find(|r| r.key == start.to_string())
            .map(|r| r.tally)
            .unwrap_or_default()
    };
    // This month is the trend's last.
    let month = tally_of(month_from);
    let trend = months
        .into_iter()
        .map(|b| TrendPoint {
            tally: tally_of(b.start),
            label: format!("{}月", b.start.month()),
            from: b.start,
            to: b.end.min(today),
        })
        .collect();
    let (top_overdue, top_flagged) = tops(&by_agency.rows);
    let (mut top_overdue_outlets, mut top_flagged_outlets) = tops(&by_outlet);
    name(app, Dimension::Outlet, &mut top_overdue_outlets).await?;
    name(app, Dimension::Outlet, &mut top_flagged_outlets).await?;
    let mut flag_kinds: Vec<(String, String, u64)> =
        repo::statistics::flag_kinds(&app.db().conn, &slice(actor, &year_q, today))
            .await?
            .into_iter()
            .map(|(kind, n)| {
                let label = FlagKind::parse(&kind)
                    .map(|k| k.label().to_string())
                    .unwrap_or_else(|| kind.clone());
                (kind, label, n)
            })
            .collect();
    flag_kinds.sort_by_key(|k| std::cmp::Reverse(k.2));
    Ok(Dashboard {
        month,
        month_from,
        year: by_agency.total,
        year_from: year_q.from,
        today,
        trend,
        top_overdue,
        top_flagged,
        top_overdue_outlets,
        top_flagged_outlets,
        flag_kinds,
        supervision: supervision(app, actor, year_q.from).await?,
    })
}
