//! Contracts (合同, product.md §3): between an agency and an enterprise (party A, 甲方), for
//! testing (监测) or maintenance (运维). The agency drafts and submits; party A confirms or sends
//! it back; a confirmed contract changes only through a change request.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractNature {
    Testing,
    Maintenance,
}

impl ContractNature {
    pub const ALL: [ContractNature; 2] = [ContractNature::Testing, ContractNature::Maintenance];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractNature::Testing => "testing",
            ContractNature::Maintenance => "maintenance",
        }
    }

    pub fn parse(s: &str) -> Option<ContractNature> {
        ContractNature::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// 合同性质.
    pub fn label(self) -> &'static str {
        match self {
            ContractNature::Testing => "监测",
            ContractNature::Maintenance => "运维",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    Draft,
    Submitted,
    Approved,
    Rejected,
}

impl ContractState {
    pub const ALL: [ContractState; 4] = [
        ContractState::Draft,
        ContractState::Submitted,
        ContractState::Approved,
        ContractState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractState::Draft => "draft",
            ContractState::Submitted => "submitted",
            ContractState::Approved => "approved",
            ContractState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ContractState> {
        ContractState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ContractState::Draft => "草稿",
            ContractState::Submitted => "待甲方确认",
            ContractState::Approved => "已确认",
            ContractState::Rejected => "已退回",
        }
    }

    /// The agency may edit it (before submission, or after it was sent back).
    pub fn editable(self) -> bool {
        matches!(self, ContractState::Draft | ContractState::Rejected)
    }
}

/// What can happen to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractAction {
    Submit,
    Approve,
    Reject,
}

impl ContractAction {
    pub fn next(self, from: ContractState) -> Option<ContractState> {
        use ContractState as S;
        match (self, from) {
            (ContractAction::Submit, S::Draft | S::Rejected) => Some(S::Submitted),
            (ContractAction::Approve, S::Submitted) => Some(S::Approved),
            (ContractAction::Reject, S::Submitted) => Some(S::Rejected),
            _ => None,
        }
    }

    pub fn audit_action(self) -> &'static str {
        match self {
            ContractAction::Submit => "contract.submit",
            ContractAction::Approve => "contract.approve",
            ContractAction::Reject => "contract.reject",
        }
    }
}

/// The largest amount a contract states: one hundred million yuan (in fen).
const MAX_AMOUNT_FEN: i64 = 10_000_000_000;

/// A contract amount in yuan (`12800`, `12,800.5`, `12800.50`) as fen, exactly: at most two
/// decimals, more than zero.
pub fn parse_amount(raw: &str) -> Result<i64, &'static str> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    if s.is_empty() {
        return Err("请填写合同金额");
    }
    let (whole, fraction) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("合同金额须为数字（元）");
    }
    if fraction.len() > 2 {
        return Err("合同金额最多两位小数（精确到分）");
    }
    if whole.len() > 12 {
        return Err("合同金额过大");
    }
    let yuan: i64 = whole.parse().map_err(|_| "合同金额须为数字（元）")?;
    let fen: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| "合同金额须为数字（元）")?;
    let total = yuan * 100 + fen;
    if total <= 0 {
        Err("合同金额须大于 0")
    } else if total > MAX_AMOUNT_FEN {
        Err("合同金额过大")
    } else {
        Ok(total)
    }
}

/// `12800.50`.
pub fn format_amount(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The performance period (履行期限): start no later than end.
pub fn period_problem(start: NaiveDate, end: NaiveDate) -> Option<&'static str> {
    (end < start).then_some("履行结束时间不能早于开始时间")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_to_the_fen() {
        assert_eq!(parse_amount("12800"), Ok(1_280_000));
        assert_eq!(parse_amount("12,800.5"), Ok(1_280_050));
        assert_eq!(parse_amount(" 0.01 "), Ok(1));
        assert_eq!(
            parse_amount("12800.505"),
            Err("合同金额最多两位小数（精确到分）")
        );
        assert_eq!(parse_amount("0"), Err("合同金额须大于 0"));
        assert_eq!(parse_amount("-5"), Err("合同金额须为数字（元）"));
        assert_eq!(parse_amount("1e5"), Err("合同金额须为数字（元）"));
        assert_eq!(parse_amount(""), Err("请填写合同金额"));
        assert_eq!(parse_amount("100000001"), Err("合同金额过大"));
        assert_eq!(format_amount(1_280_050), "12800.50");
    }

    #[test]
    fn the_only_transitions() {
        use ContractAction as A;
        use ContractState as S;
        let mut allowed = Vec::new();
        for a in [A::Submit, A::Approve, A::Reject] {
            for s in S::ALL {
                if let Some(to) = a.next(s) {
                    allowed.push((a, s, to));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (A::Submit, S::Draft, S::Submitted),
                (A::Submit, S::Rejected, S::Submitted),
                (A::Approve, S::Submitted, S::Approved),
                (A::Reject, S::Submitted, S::Rejected),
            ]
        );
    }

    #[test]
    fn the_period_runs_forwards() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(period_problem(d("2027-01-01"), d("2026-12-31")).is_some());
        assert!(period_problem(d("2027-01-01"), d("2027-01-01")).is_none());
    }
}
