//! 整改单 (rectification orders): a regulator orders an agency (or a self-maintaining enterprise)
//! to put problems right by a deadline. 草稿 → 已下发 → 整改中 (签收: the agency signs for it) →
//! 已提交整改 (its response) → 已销号 (the regulator accepts), or 退回 back to 整改中 with reasons.
//! 逾期 is a flag, not a state: an order not answered by its deadline counts as overdue, and a
//! late response is still taken, carrying how many days late it came.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RectificationState {
    Draft,
    Issued,
    InProgress,
    Submitted,
    Closed,
}

/// What moves an order on, and who may do it (checked by the application against the actor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationStep {
    /// 下发: the regulator sends the draft.
    Issue,
    /// 签收: the agency signs for an issued order.
    Sign,
    /// 提交整改: the agency answers.
    Respond,
    /// 销号: the regulator accepts the answer.
    Accept,
    /// 退回: the regulator sends the answer back, with reasons.
    Return,
}

impl RectificationState {
    pub const ALL: [RectificationState; 5] = [
        RectificationState::Draft,
        RectificationState::Issued,
        RectificationState::InProgress,
        RectificationState::Submitted,
        RectificationState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RectificationState::Draft => "draft",
            RectificationState::Issued => "issued",
            RectificationState::InProgress => "in_progress",
            RectificationState::Submitted => "submitted",
            RectificationState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<RectificationState> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RectificationState::Draft => "草稿",
            RectificationState::Issued => "已下发",
            RectificationState::InProgress => "整改中",
            RectificationState::Submitted => "已提交整改",
            RectificationState::Closed => "已销号",
        }
    }

    /// The state `step` leads to from this one, or why it cannot be taken.
    pub fn after(self, step: RectificationStep) -> Result<RectificationState, &'static str> {
        use RectificationState as S;
        use RectificationStep as T;
        match (self, step) {
            (S::Draft, T::Issue) => Ok(S::Issued),
            (S::Issued, T::Sign) => Ok(S::InProgress),
            (S::InProgress, T::Respond) => Ok(S::Submitted),
            (S::Submitted, T::Accept) => Ok(S::Closed),
            (S::Submitted, T::Return) => Ok(S::InProgress),
            (_, T::Issue) => Err("整改单已下发，不能再次下发"),
            (S::Draft, _) => Err("整改单尚未下发"),
            (S::Issued, T::Respond) => Err("请先签收整改单，再提交整改情况"),
            (S::Issued | S::InProgress, T::Accept | T::Return) => {
                Err("整改单尚未提交整改情况，不能销号或退回")
            }
            (_, T::Sign) => Err("整改单已签收"),
            (S::Submitted, T::Respond) => Err("整改情况已提交，请等待监管部门审核"),
            (S::Closed, _) => Err("整改单已销号"),
        }
    }

    /// Still waiting for the agency's answer: what the deadline applies to.
    pub fn awaits_response(self) -> bool {
        matches!(
            self,
            RectificationState::Issued | RectificationState::InProgress
        )
    }
}

/// Whether an order waiting for its answer is past its deadline on `today` (Shanghai date): the
/// deadline day itself is still in time.
pub fn is_overdue(state: RectificationState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state.awaits_response() && today > deadline
}

/// How many days after the deadline a response came (0 when in time).
pub fn days_late(deadline: NaiveDate, answered_on: NaiveDate) -> i64 {
    (answered_on - deadline).num_days().max(0)
}

/// Why a deadline cannot be set on `today`, if it cannot: not in the past, and within a year.
pub fn deadline_problem(deadline: NaiveDate, today: NaiveDate) -> Option<&'static str> {
    if deadline < today {
        Some("整改期限不能早于今天")
    } else if (deadline - today).num_days() > 366 {
        Some("整改期限不能超过一年")
    } else {
        None
    }
}

/// Why an extension (延期申请) of an order due on `deadline` to `requested` cannot be asked for on
/// `today`, if it cannot: it must move the deadline later, to a day not yet past, within a year of
/// the deadline it extends.
pub fn extension_problem(
    deadline: NaiveDate,
    requested: NaiveDate,
    today: NaiveDate,
) -> Option<&'static str> {
    if requested <= deadline {
        Some("延期后的期限须晚于原整改期限")
    } else if requested < today {
        Some("延期后的期限不能早于今天")
    } else if (requested - deadline).num_days() > 366 {
        Some("一次延期不能超过一年")
    } else {
        None
    }
}

/// The state of an extension request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionState {
    Pending,
    Granted,
    Refused,
}

impl ExtensionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Pending => "pending",
            ExtensionState::Granted => "granted",
            ExtensionState::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<ExtensionState> {
        [
            ExtensionState::Pending,
            ExtensionState::Granted,
            ExtensionState::Refused,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExtensionState::Pending => "待审核",
            ExtensionState::Granted => "已同意",
            ExtensionState::Refused => "不同意",
        }
    }
}

/// The order's number: the issuing authority's short name, the year and its sequence in that year
/// (e.g. 浦东新区整改〔2026〕3号). `authority` is the district's name, or 上海市 for the city.
pub fn number(authority: &str, year: i32, seq: i32) -> String {
    format!("{authority}整改〔{year}〕{seq}号")
}

/// What a problem of an order is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemSource {
    /// A maintenance record (its flags or failed verdicts).
    Record,
    /// A due occurrence of a plan whose period ended without a record (超期).
    Occurrence,
    /// A finding of a recorded inspection (监督检查).
    Finding,
    /// Written by the regulator.
    Free,
}

impl ProblemSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemSource::Record => "record",
            ProblemSource::Occurrence => "occurrence",
            ProblemSource::Finding => "finding",
            ProblemSource::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<ProblemSource> {
        [
            ProblemSource::Record,
            ProblemSource::Occurrence,
            ProblemSource::Finding,
            ProblemSource::Free,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProblemSource::Record => "运维记录",
            ProblemSource::Occurrence => "超期未运维",
            ProblemSource::Finding => "检查发现",
            ProblemSource::Free => "其他问题",
        }
    }
}

/// When EMSS proposes an order (整改建议): deployment settings, defaults in docs/operations.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuggestionThresholds {
    /// Missed occurrences (超期) of one agency at one enterprise within the window.
    pub overdue: u32,
    /// Flags of one kind on one agency's records within the window.
    pub repeated_flags: u32,
    /// Days looked back.
    pub window_days: u32,
}

impl Default for SuggestionThresholds {
    fn default() -> Self {
        SuggestionThresholds {
            overdue: 2,
            repeated_flags: 3,
            window_days: 30,
        }
    }
}

impl SuggestionThresholds {
    /// Why these thresholds cannot be used, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if self.overdue == 0 || self.repeated_flags == 0 {
            Some("整改建议的次数阈值须至少为 1")
        } else if !(7..=366).contains(&self.window_days) {
            Some("整改建议的统计天数须在 7 到 366 之间")
        } else {
            None
        }
    }
}

/// What a suggestion (整改建议) is about, one key per piece of evidence: a suggestion is never
/// made twice from the same evidence, also not after it was dismissed.
pub fn evidence_key(source: &str, id: &str, kind: Option<&str>) -> String {
    match kind {
        Some(k) => format!("{source}:{id}:{k}"),
        None => format!("{source}:{id}"),
    }
}

/// Whether `count` pieces of one kind reach `threshold`.
pub fn reaches(count: usize, threshold: u32) -> bool {
    u32::try_from(count).unwrap_or(u32::MAX) >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use RectificationState as S;
    use RectificationStep as T;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn thresholds_have_sane_defaults_and_refuse_nonsense() {
        let t = SuggestionThresholds::default();
        assert_eq!((t.overdue, t.repeated_flags, t.window_days), (2, 3, 30));
        assert_eq!(t.problem(), None);
        let zero = SuggestionThresholds { overdue: 0, ..t };
        assert!(zero.problem().is_some());
        let long = SuggestionThresholds {
            window_days: 400,
            ..t
        };
        assert!(long.problem().is_some());
        assert!(reaches(2, 2) && !reaches(1, 2));
        assert_eq!(
            evidence_key("flag", "r1", Some("far_from_outlet")),
            "flag:r1:far_from_outlet"
        );
    }

    #[test]
    fn the_cycle_and_its_return() {
        let mut s = S::Draft;
        for (step, next) in [
            (T::Issue, S::Issued),
            (T::Sign, S::InProgress),
            (T::Respond, S::Submitted),
            (T::Return, S::InProgress),
            (T::Respond, S::Submitted),
            (T::Accept, S::Closed),
        ] {
            s = s.after(step).unwrap();
            assert_eq!(s, next, "{step:?}");
        }
    }

    #[test]
    fn steps_out_of_order_are_refused_in_words() {
        assert_eq!(
            S::Issued.after(T::Respond),
            Err("请先签收整改单，再提交整改情况")
        );
        assert!(S::InProgress.after(T::Accept).is_err());
        assert!(S::Issued.after(T::Return).is_err());
        assert!(S::Draft.after(T::Sign).is_err());
        assert!(S::Closed.after(T::Return).is_err());
        assert!(S::Closed.after(T::Respond).is_err());
        assert!(S::Submitted.after(T::Issue).is_err());
        assert!(S::InProgress.after(T::Sign).is_err());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.label().is_ascii());
        }
    }

    #[test]
    fn overdue_from_the_day_after_the_deadline_while_unanswered() {
        let deadline = day("2026-12-10");
        assert!(!is_overdue(S::Issued, deadline, day("2026-12-10")));
        assert!(is_overdue(S::Issued, deadline, day("2026-12-11")));
        assert!(is_overdue(S::InProgress, deadline, day("2026-12-11")));
        assert!(!is_overdue(S::Submitted, deadline, day("2026-12-20")));
        assert!(!is_overdue(S::Closed, deadline, day("2026-12-20")));
        assert!(!is_overdue(S::Draft, deadline, day("2026-12-20")));
        assert_eq!(days_late(deadline, day("2026-12-10")), 0);
        assert_eq!(days_late(deadline, day("2026-12-01")), 0);
        assert_eq!(days_late(deadline, day("2026-12-13")), 3);
    }

    #[test]
    fn deadlines_are_today_or_later_within_a_year() {
        let today = day("2026-12-06");
        assert_eq!(
            deadline_problem(day("2026-12-05"), today),
            Some("整改期限不能早于今天")
        );
        assert_eq!(deadline_problem(today, today), None);
        assert_eq!(deadline_problem(day("2027-12-06"), today), None);
        assert!(deadline_problem(day("2027-12-08"), today).is_some());
    }

    #[test]
    fn an_extension_moves_the_deadline_later_within_a_year() {
        let deadline = day("2026-12-10");
        let today = day("2026-12-12");
        assert_eq!(
            extension_problem(deadline, deadline, today),
            Some("延期后的期限须晚于原整改期限")
        );
        assert_eq!(
            extension_problem(deadline, day("2026-12-11"), today),
            Some("延期后的期限不能早于今天")
        );
        assert_eq!(extension_problem(deadline, today, today), None);
        assert_eq!(extension_problem(deadline, day("2027-12-11"), today), None);
        assert_eq!(
            extension_problem(deadline, day("2027-12-12"), today),
            Some("一次延期不能超过一年")
        );
        for s in ["pending", "granted", "refused"] {
            assert_eq!(ExtensionState::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn numbers_name_the_authority_and_year() {
        assert_eq!(number("浦东新区", 2026, 3), "浦东新区整改〔2026〕3号");
        for s in ["record", "occurrence", "free"] {
            assert_eq!(ProblemSource::parse(s).unwrap().as_str(), s);
        }
    }
}
