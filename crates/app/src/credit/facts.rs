//! The facts of every agency for a rating window, each with the objects behind it: one query per
//! source for all agencies at once, so rating the whole city reads each table once.

use crate::{App, AppError};
use chrono::{Days, NaiveDate};
use emss_db::repo;
use emss_domain::credit::measure::permille;
use emss_domain::credit::period::Window;
use emss_domain::credit::{Measure, Unit};
use emss_domain::fault::FaultKind;
use emss_domain::inspection::{InspectionKind, Severity};
use emss_domain::record::FlagKind;
use emss_domain::rectification::RectificationState;
use emss_domain::time::{day_start, shanghai_date};
use std::collections::{HashMap, HashSet};

/// How many objects behind one fact are kept with a rating; the count keeps the rest.
pub(crate) const KEEP: usize = 50;

/// An object behind a fact, as the breakdown links to it.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    /// `record` | `task` | `fault_period` | `rectification` | `inspection` | `staff`.
    pub kind: &'static str,
    pub id: String,
    pub label: String,
}

/// One agency's facts.
#[derive(Debug, Default)]
pub(crate) struct AgencyFacts {
    values: HashMap<Measure, i64>,
    shares: HashMap<Measure, Option<i64>>,
    evidence: HashMap<Measure, (u64, Vec<Evidence>)>,
    /// Filed or owed anything in the window.
    pub business: bool,
}

impl AgencyFacts {
    /// A count not met is zero; a share not computed has nothing to divide.
    pub fn value(&self, m: Measure) -> Option<i64> {
        match m.unit() {
            Unit::Count => Some(self.values.get(&m).copied().unwrap_or(0)),
            Unit::Permille => self.shares.get(&m).copied().flatten(),
        }
    }

    pub fn evidence(&self, m: Measure) -> (u64, &[Evidence]) {
        self.evidence
            .get(&m)
            .map_or((0, &[][..]), |(n, list)| (*n, list.as_slice()))
    }

    /// Counts one object for a count measure.
    fn count(&mut self, m: Measure, e: Evidence) {
        *self.values.entry(m).or_default() += 1;
        self.keep(m, e);
    }

    /// Keeps an object behind a measure (a share's numerator, or a count's unit).
    fn keep(&mut self, m: Measure, e: Evidence) {
        let (n, list) = self.evidence.entry(m).or_default();
        *n += 1;
        if list.len() < KEEP {
            list.push(e);
        }
    }

    fn add(&mut self, m: Measure, n: i64) {
        *self.values.entry(m).or_default() += n;
    }
}

pub(crate) async fn gather(
    app: &App,
    w: &Window,
) -> Result<HashMap<String, AgencyFacts>, AppError> {
    let db = &app.db().conn;
    let mut out: HashMap<String, AgencyFacts> = HashMap::new();
    let from_at = day_start(w.from);
    let until = day_start(w.to.checked_add_days(Days::new(1)).unwrap_or(w.to));
    let as_of_at = day_start(w.as_of);

    // Due occurrences: on-time share of those expected, and the overdue ones.
    let counts = repo::credit::occurrence_counts(db, w.from, w.to).await?;
    let late = repo::credit::late_occurrences(db, w.from, w.to, w.as_of).await?;
    let outlets: Vec<String> = late
        .iter()
        .map(|o| o.outlet_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let outlet_names = repo::outlet::full_names(db, &outlets).await?;
    let form_names: HashMap<String, String> = app
        .form_types(None)
        .await?
        .iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    let mut late_by_agency: HashMap<&str, u64> = HashMap::new();
    for o in &late {
        *late_by_agency.entry(o.agency_id.as_str()).or_default() += 1;
        let f = out.entry(o.agency_id.clone()).or_default();
        let what = format!(
            "{} · {} · 周期截止 {}",
            outlet_names.get(&o.outlet_id).map_or("—", String::as_str),
            form_names
                .get(&o.form_code)
                .map_or(o.form_code.as_str(), String::as_str),
            o.period_end
        );
        // Done only after the last day counted (a closed year's late work): overdue as of then.
        let overdue = o.record_id.is_none() || o.fulfilled_on.is_some_and(|d| d > w.to);
        let how = match o.fulfilled_on {
            Some(d) if !overdue => format!("补做，{d} 提交"),
            _ => "超期未完成".to_string(),
        };
        let e = Evidence {
            kind: "task",
            id: o.task_id.clone(),
            label: format!("{what} · {how}"),
        };
        if overdue {
            f.count(Measure::OverdueOccurrences, e.clone());
        }
        f.keep(Measure::OnTimeRate, e);
    }
    for (agency, (n, on_time)) in &counts {
        let f = out.entry(agency.clone()).or_default();
        f.business |= *n > 0;
        let expected = on_time + late_by_agency.get(agency.as_str()).copied().unwrap_or(0);
        f.shares
            .insert(Measure::OnTimeRate, permille(*on_time, expected));
    }

    // Records: filed, voided, failed, flagged (by kind), filed by someone not on the register.
    let filed = repo::credit::record_counts(db, w.from, w.to).await?;
    let problems = repo::credit::problem_records(db, w.from, w.to).await?;
    let mut voided: HashMap<&str, u64> = HashMap::new();
    let record_label = |number: &str, day: NaiveDate, state: &str| {
        let voided = if state == "voided" {
            " · 已作废"
        } else {
            ""
        };
        format!("运维编号 {number} · {day}{voided}")
    };
    let mut by_id = HashMap::new();
    for r in &problems {
        let f = out.entry(r.agency_id.clone()).or_default();
        let e = Evidence {
            kind: "record",
            id: r.id.clone(),
            label: record_label(&r.number, r.visit_date, &r.state),
        };
        if r.state == "voided" {
            *voided.entry(r.agency_id.as_str()).or_default() += 1;
            f.keep(Measure::VoidedRate, e.clone());
        }
        if r.failed {
            f.count(Measure::FailedRecords, e.clone());
        }
        if r.flagged {
            f.count(Measure::FlaggedRecords, e.clone());
        }
        by_id.insert(r.id.as_str(), (r.agency_id.as_str(), e));
    }
    for (record_id, kind) in repo::credit::flags(db, w.from, w.to).await? {
        let (Some(kind), Some((agency, e))) =
            (FlagKind::parse(&kind), by_id.get(record_id.as_str()))
        else {
            continue;
        };
        out.entry(agency.to_string())
            .or_default()
            .count(Measure::Flag(kind), e.clone());
    }
    for (agency, n) in &filed {
        let f = out.entry(agency.clone()).or_default();
        f.business |= *n > 0;
        f.add(Measure::RecordsFiled, i64::try_from(*n).unwrap_or(i64::MAX));
        let v = voided.get(agency.as_str()).copied().unwrap_or(0);
        f.shares.insert(Measure::VoidedRate, permille(v, *n));
    }
    for r in repo::credit::records_by_unregistered_staff(db, w.from, w.to).await? {
        let e = Evidence {
            kind: "record",
            id: r.id.clone(),
            label: format!(
                "{} · 填报人不在人员名单中",
                record_label(&r.number, r.visit_date, &r.state)
            ),
        };
        out.entry(r.agency_id.clone())
            .or_default()
            .count(Measure::RecordsByUnregisteredStaff, e);
    }

    // 失控 / 不合格 not put right by the due time.
    for p in repo::credit::late_fault_periods(db, from_at, until, as_of_at).await? {
        let kind = FaultKind::parse(&p.kind).map_or("失控", FaultKind::label);
        let closed = match p.closed_at {
            Some(at) => format!("{} 恢复", shanghai_date(at)),
            None => "未恢复".to_string(),
        };
        let e = Evidence {
            kind: "fault_period",
            id: p.id.clone(),
            label: format!(
                "{} {kind} · 发现于 {} · 期限 {} · {closed}",
                p.parameter,
                shanghai_date(p.found_at),
                shanghai_date(p.due_at)
            ),
        };
        out.entry(p.agency_id.clone())
            .or_default()
            .count(Measure::FaultPeriodsLate, e);
    }

    // 整改单 issued in the window.
    for o in repo::credit::orders(db, from_at, until).await? {
        let f = out.entry(o.agency_id.clone()).or_default();
        let name = format!("{} {}", o.number.as_deref().unwrap_or(""), o.title);
        let name = name.trim();
        let e = |what: String| Evidence {
            kind: "rectification",
            id: o.id.clone(),
            label: format!("{name} · 期限 {}{what}", o.deadline),
        };
        f.count(Measure::OrdersReceived, e(String::new()));
        let open_late = RectificationState::parse(&o.state).is_some_and(|s| s.awaits_response())
            && o.deadline < w.as_of
            && o.responded_at.is_none_or(|at| shanghai_date(at) > w.to);
        match o.days_late {
            Some(d) if d > 0 => f.count(Measure::OrdersOverdue, e(format!(" · 逾期 {d} 天提交"))),
            _ if open_late => f.count(Measure::OrdersOverdue, e(" · 逾期未提交".into())),
            _ => {}
        }
        if o.returns > 0 {
            f.add(Measure::OrdersReturned, i64::from(o.returns));
            f.keep(
                Measure::OrdersReturned,
                e(format!(" · 退回 {} 次", o.returns)),
            );
        }
    }

    // 监督检查 recorded in the window, and their findings.
    let inspections = repo::credit::inspections(db, w.from, w.to).await?;
    let mut with_findings: HashSet<String> = HashSet::new();
    let by_inspection: HashMap<&str, _> = inspections.iter().map(|i| (i.id.as_str(), i)).collect();
    for finding in repo::credit::findings(db, w.from, w.to).await? {
        let Some(i) = by_inspection.get(finding.inspection_id.as_str()) else {
            continue;
        };
        with_findings.insert(i.id.clone());
        let severity = Severity::parse(&finding.severity);
        let e = Evidence {
            kind: "inspection",
            id: i.id.clone(),
            label: format!(
                "{} {} · {}：{}",
                i.inspected_on,
                InspectionKind::parse(&i.kind).map_or("监督检查", InspectionKind::label),
                severity.map_or("—", Severity::label),
                short(&finding.description)
            ),
        };
        let f = out.entry(i.agency_id.clone()).or_default();
        f.count(Measure::Findings(None), e.clone());
        if let Some(s) = severity {
            f.count(Measure::Findings(Some(s)), e);
        }
    }
    for i in &inspections {
        if !with_findings.contains(&i.id) {
            let e = Evidence {
                kind: "inspection",
                id: i.id.clone(),
                label: format!(
                    "{} {} · 未发现问题",
                    i.inspected_on,
                    InspectionKind::parse(&i.kind).map_or("监督检查", InspectionKind::label)
                ),
            };
            out.entry(i.agency_id.clone())
                .or_default()
                .count(Measure::CleanInspections, e);
        }
    }

    // Staff turnover: resigned in the window, of those on the register during it.
    let mut register: HashMap<String, (u64, u64)> = HashMap::new();
    for s in repo::credit::staff(db).await? {
        let joined = shanghai_date(s.created_at);
        let left = if s.resigned { s.resigned_on } else { None };
        if joined > w.to || left.is_some_and(|d| d < w.from) {
            continue;
        }
        let entry = register.entry(s.org_id.clone()).or_default();
        entry.0 += 1;
        if let Some(day) = left.filter(|d| *d <= w.to) {
            entry.1 += 1;
            let e = Evidence {
                kind: "staff",
                id: s.id.clone(),
                label: format!("{}（{}）· {day} 离职", s.name, s.post),
            };
            out.entry(s.org_id.clone())
                .or_default()
                .keep(Measure::StaffTurnoverRate, e);
        }
    }
    for (org, (on_register, resigned)) in register {
        out.entry(org)
            .or_default()
            .shares
            .insert(Measure::StaffTurnoverRate, permille(resigned, on_register));
    }
    Ok(out)
}

/// The start of a long text, for a label.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}
