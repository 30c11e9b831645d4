//! 业务实施动态: what an agency has been doing, week by week over the last twelve weeks — records
//! filed and what became of them, plans due and overdue, tasks started and closed, orders received
//! and closed, inspections of its work — with its running tasks, open orders and the latest events,
//! for the regulators (in their scope) and for the agency itself. The figures are the statistics'
//! own (统计查询), so both pages always agree.

use crate::statistics::StatsQuery;
use crate::{App, AppError};
use chrono::{Datelike, Days, NaiveDate};
use emss_db::repo;
use emss_db::repo::rectification::Viewer;
use emss_domain::statistics::{Dimension, Tally, bucket};
use emss_domain::time::{day_start, shanghai_date};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;

/// The weeks the page covers, the current one included.
pub const WEEKS: u64 = 12;

/// The most events listed.
const EVENTS: usize = 20;

/// One week of an agency's work.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ActivityWeek {
    /// Monday and Sunday (Shanghai) of the week.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub label: String,
    /// Records filed (visits in the week), and of them voided, flagged and failed.
    pub records: u64,
    pub voided: u64,
    pub flagged: u64,
    pub failed: u64,
    /// Plan occurrences ending in the week that were to be done (应完成), and of them 超期 — as
    /// 统计查询 counts them.
    pub expected: u64,
    pub overdue: u64,
    pub tasks_started: u64,
    pub tasks_closed: u64,
    pub orders_received: u64,
    pub orders_closed: u64,
    pub inspections: u64,
}

/// Something that happened, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityEvent {
    pub on: NaiveDate,
    /// 启动任务, 完结任务, 收到整改单, 整改单销号, 监督检查.
    pub what: String,
    pub label: String,
    /// `task` | `rectification` | `inspection`.
    pub kind: String,
    pub id: String,
}

/// An agency's 业务实施动态.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub agency_id: String,
    pub agency_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Newest week first.
    pub weeks: Vec<ActivityWeek>,
    /// The weeks added up.
    pub total: ActivityWeek,
    /// Tasks running today.
    pub running_tasks: u64,
    /// Orders not yet closed, and of them past their deadline without an answer.
    pub open_orders: u64,
    pub overdue_orders: u64,
    pub events: Vec<ActivityEvent>,
}

/// The Monday of the week `WEEKS - 1` weeks before the one holding `today`.
pub fn first_day(today: NaiveDate) -> NaiveDate {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    monday - Days::new(7 * (WEEKS - 1))
}

fn week_of(weeks: &mut [ActivityWeek], day: NaiveDate) -> Option<&mut ActivityWeek> {
    weeks.iter_mut().find(|w| w.from <= day && day <= w.to)
}

fn add(total: &mut ActivityWeek, w: &ActivityWeek) {
    total.records += w.records;
    total.voided += w.voided;
    total.flagged += w.flagged;
    total.failed += w.failed;
    total.expected += w.expected;
    total.overdue += w.overdue;
    total.tasks_started += w.tasks_started;
    total.tasks_closed += w.tasks_closed;
    total.orders_received += w.orders_received;
    total.orders_closed += w.orders_closed;
    total.inspections += w.inspections;
}

/// One agency's activity, as the actor sees it: the regulators any agency (a district the work in
/// its district), an agency itself; anyone else, or an id that is not an agency, 404.
pub async fn activity(app: &App, actor: &Actor, agency_id: &str) -> Result<Activity, AppError> {
    let visible = Permission::ViewCredit.allows(Some(actor))
        && (actor.org_kind.is_regulator() || actor.org_id == agency_id);
    let db = &app.db().conn;
    if !visible || !repo::credit::is_agency(db, agency_id).await? {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let today = shanghai_date(app.now());
    let from = first_day(today);
    let mut weeks: Vec<ActivityWeek> = (0..WEEKS)
        .filter_map(|n| bucket(Dimension::Week, from + Days::new(7 * n)))
        .map(|b| ActivityWeek {
            from: b.start,
            to: b.end,
            label: b.label,
            ..ActivityWeek::default()
        })
        .collect();
    let query = StatsQuery {
        agency_id: Some(agency_id.to_string()),
        from,
        to: today,
        ..StatsQuery::this_year(Dimension::Week, today)
    };
    let (rows, _) = crate::statistics::counted(app, actor, &query).await?;
    for row in rows {
        let Some(w) = row.from.and_then(|d| week_of(&mut weeks, d)) else {
            continue;
        };
        let t: &Tally = &row.tally;
        w.records += t.records;
        w.voided += t.voided;
        w.flagged += t.flagged;
        w.failed += t.failed;
        w.expected += t.expected();
        w.overdue += t.overdue;
    }
    let found = repo::credit::activity(
        db,
        &Viewer::of(actor),
        agency_id,
        (from, day_start(from)),
        today,
    )
    .await?;
    let mut events = Vec::new();
    let mut running_tasks = 0;
    for task in &found.tasks {
        if task.state == "in_progress" && task.end_date >= today {
            running_tasks += 1;
        }
        let label = format!("{} {}", task.number, task.name);
        if task.start_date >= from && task.start_date <= today {
            if let Some(w) = week_of(&mut weeks, task.start_date) {
                w.tasks_started += 1;
            }
            events.push(event(task.start_date, "启动任务", &label, "task", &task.id));
        }
        if let Some(closed) = task.closed_at.map(shanghai_date)
            && closed >= from
        {
            if let Some(w) = week_of(&mut weeks, closed) {
                w.tasks_closed += 1;
            }
            events.push(event(closed, "完结任务", &label, "task", &task.id));
        }
    }
    let (mut open_orders, mut overdue_orders) = (0, 0);
    for order in &found.orders {
        let label = format!(
            "{} {}",
            order.number.as_deref().unwrap_or_default(),
            order.title
        );
        if order.state != "closed" {
            open_orders += 1;
            if ["issued", "in_progress"].contains(&order.state.as_str()) && order.deadline < today {
                overdue_orders += 1;
            }
        }
        if let Some(issued) = order.issued_at.map(shanghai_date)
            && issued >= from
        {
            if let Some(w) = week_of(&mut weeks, issued) {
                w.orders_received += 1;
            }
            events.push(event(
                issued,
                "收到整改单",
                &label,
                "rectification",
                &order.id,
            ));
        }
        if let Some(closed) = order.closed_at.map(shanghai_date)
            && closed >= from
        {
            if let Some(w) = week_of(&mut weeks, closed) {
                w.orders_closed += 1;
            }
            events.push(event(
                closed,
                "整改单销号",
                &label,
                "rectification",
                &order.id,
            ));
        }
    }
    for inspection in &found.inspections {
        if let Some(w) = week_of(&mut weeks, inspection.inspected_on) {
            w.inspections += 1;
        }
        let label = emss_domain::inspection::InspectionKind::parse(&inspection.kind)
            .map_or("监督检查", |k| k.label())
            .to_string();
        events.push(event(
            inspection.inspected_on,
            "监督检查",
            &label,
            "inspection",
            &inspection.id,
        ));
    }
    events.sort_by(|a, b| b.on.cmp(&a.on).then_with(|| a.what.cmp(&b.what)));
    events.truncate(EVENTS);
    let mut total = ActivityWeek {
        from,
        to: today,
        label: "合计".into(),
        ..ActivityWeek::default()
    };
    for w in &weeks {
        add(&mut total, w);
    }
    weeks.reverse();
    let names = repo::credit::agency_names(db, &[agency_id.to_string()]).await?;
    Ok(Activity {
        agency_id: agency_id.to_string(),
        agency_name: names.get(agency_id).cloned().unwrap_or_default(),
        from,
        to: today,
        weeks,
        total,
        running_tasks,
        open_orders,
        overdue_orders,
        events,
    })
}

/// The regulators' list: every agency's work of the twelve weeks in the actor's scope, as 统计查询
/// groups it by agency (self-maintaining enterprises, which file as their own agency, left out),
/// and the first day counted.
pub async fn activity_list(
    app: &App,
    actor: &Actor,
) -> Result<(NaiveDate, Vec<crate::statistics::StatsRow>), AppError> {
    if !Permission::ViewCredit.allows(Some(actor)) || !actor.org_kind.is_regulator() {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let today = shanghai_date(app.now());
    let from = first_day(today);
    let query = StatsQuery {
        from,
        to: today,
        ..StatsQuery::this_year(Dimension::Agency, today)
    };
    let agencies: std::collections::HashSet<String> = repo::credit::agencies(&app.db().conn)
        .await?
        .into_iter()
        .map(|a| a.org_id)
        .collect();
    let table = crate::statistics::table(app, actor, &query).await?;
    Ok((
        from,
        table
            .rows
            .into_iter()
            .filter(|r| agencies.contains(&r.key))
            .collect(),
    ))
}

fn event(on: NaiveDate, what: &str, label: &str, kind: &str, id: &str) -> ActivityEvent {
    ActivityEvent {
        on,
        what: what.to_string(),
        label: label.to_string(),
        kind: kind.to_string(),
        id: id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_weeks_end_with_the_current_one() {
        // Sunday 2026-12-06: its week began Monday 2026-11-30.
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(
            first_day(sunday),
            NaiveDate::from_ymd_opt(2026, 9, 14).unwrap()
        );
        // The Monday after starts a new week, and the window moves by one.
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            first_day(monday),
            NaiveDate::from_ymd_opt(2026, 9, 21).unwrap()
        );
    }
}
