//! The library of facts an indicator may score (`docs/credit.md` defines each with examples).
//! Each fact is counted by EMSS from what it holds for one agency and one period; the database
//! counts them in `repo::credit`, with the objects behind each count kept as evidence.

use super::system::SystemKind;
use crate::inspection::Severity;
use crate::record::FlagKind;
use std::fmt;

/// What a fact counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Objects (records, orders, findings …).
    Count,
    /// A share in per mille; a document writes it in percent.
    Permille,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// 运维计划按时完成率: 按时 of 应完成 (the rules of 统计查询, `statistics::Outcome`).
    OnTimeRate,
    /// 超期未完成的运维计划: due occurrences whose period ended with nothing fulfilling them.
    OverdueOccurrences,
    /// 运维记录作废率: voided of the records filed.
    VoidedRate,
    /// 判定不合格的运维记录: records with a failed (不合格 / 失控) verdict.
    FailedRecords,
    /// 失控未按期恢复: 失控 / 不合格 periods not closed by their due time.
    FaultPeriodsLate,
    /// 带异常标记的运维记录: records carrying any flag.
    FlaggedRecords,
    /// Records carrying one kind of flag.
    Flag(FlagKind),
    /// 收到的整改单.
    OrdersReceived,
    /// 逾期整改单: answered after the deadline, or unanswered past it.
    OrdersOverdue,
    /// 整改被退回: times a response was sent back.
    OrdersReturned,
    /// 监督检查发现的问题, of every severity or of one.
    Findings(Option<Severity>),
    /// 未发现问题的监督检查.
    CleanInspections,
    /// 人员流失率: staff resigned in the period, of those on the register during it.
    StaffTurnoverRate,
    /// 非在册人员填报的记录: records filed by an account no active staff entry of the filing names.
    RecordsByUnregisteredStaff,
    /// 上传的运维记录.
    RecordsFiled,
}

impl Measure {
    /// Every measure, each flag kind and severity included: what the editor lists.
    pub fn all() -> Vec<Measure> {
        let mut out = vec![
            Measure::OnTimeRate,
            Measure::OverdueOccurrences,
            Measure::VoidedRate,
            Measure::FailedRecords,
            Measure::FaultPeriodsLate,
            Measure::FlaggedRecords,
        ];
        out.extend(FlagKind::ALL.into_iter().map(Measure::Flag));
        out.extend([
            Measure::OrdersReceived,
            Measure::OrdersOverdue,
            Measure::OrdersReturned,
            Measure::Findings(None),
        ]);
        out.extend(Severity::ALL.iter().map(|s| Measure::Findings(Some(*s))));
        out.extend([
            Measure::CleanInspections,
            Measure::StaffTurnoverRate,
            Measure::RecordsByUnregisteredStaff,
            Measure::RecordsFiled,
        ]);
        out
    }

    pub fn id(self) -> String {
        match self {
            Measure::OnTimeRate => "on_time_rate".into(),
            Measure::OverdueOccurrences => "overdue_occurrences".into(),
            Measure::VoidedRate => "voided_rate".into(),
            Measure::FailedRecords => "failed_records".into(),
            Measure::FaultPeriodsLate => "fault_periods_late".into(),
            Measure::FlaggedRecords => "flagged_records".into(),
            Measure::Flag(kind) => format!("flags.{}", kind.as_str()),
            Measure::OrdersReceived => "orders_received".into(),
            Measure::OrdersOverdue => "orders_overdue".into(),
            Measure::OrdersReturned => "orders_returned".into(),
            Measure::Findings(None) => "findings".into(),
            Measure::Findings(Some(s)) => format!("findings.{}", s.as_str()),
            Measure::CleanInspections => "clean_inspections".into(),
            Measure::StaffTurnoverRate => "staff_turnover_rate".into(),
            Measure::RecordsByUnregisteredStaff => "records_by_unregistered_staff".into(),
            Measure::RecordsFiled => "records_filed".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::all().into_iter().find(|m| m.id() == s)
    }

    pub fn label(self) -> String {
        match self {
            Measure::OnTimeRate => "运维计划按时完成率".into(),
            Measure::OverdueOccurrences => "超期未完成的运维计划".into(),
            Measure::VoidedRate => "运维记录作废率".into(),
            Measure::FailedRecords => "判定不合格的运维记录".into(),
            Measure::FaultPeriodsLate => "失控未按期恢复".into(),
            Measure::FlaggedRecords => "带异常标记的运维记录".into(),
            Measure::Flag(kind) => format!("异常标记：{}", kind.label()),
            Measure::OrdersReceived => "收到的整改单".into(),
            Measure::OrdersOverdue => "逾期整改单".into(),
            Measure::OrdersReturned => "整改被退回次数".into(),
            Measure::Findings(None) => "监督检查发现的问题".into(),
            Measure::Findings(Some(s)) => format!("监督检查发现的{}问题", s.label()),
            Measure::CleanInspections => "未发现问题的监督检查".into(),
            Measure::StaffTurnoverRate => "人员流失率".into(),
            Measure::RecordsByUnregisteredStaff => "非在册人员填报的运维记录".into(),
            Measure::RecordsFiled => "上传的运维记录".into(),
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Measure::OnTimeRate | Measure::VoidedRate | Measure::StaffTurnoverRate => {
                Unit::Permille
            }
            _ => Unit::Count,
        }
    }

    /// The word a count is read with.
    pub fn noun(self) -> &'static str {
        match self {
            Measure::OverdueOccurrences | Measure::FaultPeriodsLate | Measure::Findings(_) => "项",
            Measure::OrdersReceived | Measure::OrdersOverdue => "份",
            Measure::OrdersReturned | Measure::CleanInspections => "次",
            _ => "条",
        }
    }

    /// Whether the measure counts work a kind of agency does: O&M facts mean nothing for a
    /// testing agency's rating until testing tasks are recorded in EMSS.
    pub fn applies_to(self, kind: SystemKind) -> bool {
        match self {
            Measure::OrdersReceived
            | Measure::OrdersOverdue
            | Measure::OrdersReturned
            | Measure::Findings(_)
            | Measure::CleanInspections
            | Measure::StaffTurnoverRate => true,
            _ => kind == SystemKind::Maintenance,
        }
    }

    /// A value as users read it: "96.2%" or "3 条".
    pub fn show(self, value: Option<i64>) -> String {
        match (self.unit(), value) {
            (_, None) => "—".into(),
            (Unit::Permille, Some(p)) => format!("{}.{}%", p / 10, p % 10),
            (Unit::Count, Some(n)) => format!("{n} {}", self.noun()),
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// A share in per mille, rounded half up; None when the whole is zero.
pub fn permille(part: u64, whole: u64) -> Option<i64> {
    (whole > 0).then(|| i64::try_from((part * 1000 + whole / 2) / whole).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_round_trips_by_id() {
        for m in Measure::all() {
            assert_eq!(Measure::parse(&m.id()), Some(m), "{m}");
        }
        assert_eq!(Measure::parse("flags.nope"), None);
        assert_eq!(
            Measure::parse("findings.serious"),
            Some(Measure::Findings(Some(Severity::Serious)))
        );
    }

    #[test]
    fn shares_round_half_up_and_show_in_percent() {
        assert_eq!(permille(1, 8), Some(125));
        assert_eq!(permille(2, 3), Some(667));
        assert_eq!(permille(0, 0), None);
        assert_eq!(Measure::OnTimeRate.show(Some(962)), "96.2%");
        assert_eq!(Measure::OrdersOverdue.show(Some(2)), "2 份");
    }
}
