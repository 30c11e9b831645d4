//! 失控时段 and failed results that need a follow-up (forms.md §5): a failed verdict leaves an
//! open period on the instrument and parameter it judged (or on the outlet, for a verdict that
//! judges no one instrument) until a later record of the same form type passes there. A period
//! of 失控 marks the instrument's data in it invalid; every open period has a follow-up deadline,
//! and one past it is overdue like a missed occurrence.

use crate::form::definition::{FormDefinition, StartRule};
use crate::form::evaluate::Verdict;
use crate::form::limit::Outcome;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Days to follow a failed result up when the form type names none (`[follow_up] days`).
pub const DEFAULT_FOLLOW_UP_DAYS: u32 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Beyond the out-of-control limit: the data since the period's start are invalid.
    OutOfControl,
    /// Failed within the out-of-control limit: recalibrate, repair or retest.
    Failed,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::OutOfControl => "out_of_control",
            FaultKind::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<FaultKind> {
        [FaultKind::OutOfControl, FaultKind::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            FaultKind::OutOfControl => "失控",
            FaultKind::Failed => "不合格待处理",
        }
    }
}

/// Where a period is open: an instrument and parameter, or (both empty) the outlet as a whole.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FaultKey {
    pub instrument_id: String,
    pub parameter: String,
}

/// What one record says at one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A verdict failed: the worst kind and the failing verdicts in words.
    Failed { kind: FaultKind, reason: String },
    /// Judged, and nothing failed: a period open here closes.
    Passed,
}

/// The section, instance index and the rest of a verdict's path: `analytes[0].x` → analytes, 0.
fn instance_of(path: &str) -> Option<(&str, usize)> {
    let (head, _) = path.split_once('.')?;
    let (section, rest) = head.split_once('[')?;
    let index = rest.strip_suffix(']')?.parse().ok()?;
    Some((section, index))
}

/// The instrument and parameter a verdict judged, from the instance it sits in; the outlet's
/// key for a verdict outside an instrument's section.
fn key_of(path: &str, fields: &Map<String, Value>) -> FaultKey {
    let instance = instance_of(path).and_then(|(section, i)| fields.get(section)?.get(i));
    let text = |name: &str| {
        instance
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    FaultKey {
        instrument_id: text("instrument_id"),
        parameter: text("parameter"),
    }
}

/// What a judged record says at each key it judged.
pub fn findings(verdicts: &[Verdict], fields: &Map<String, Value>) -> BTreeMap<FaultKey, Finding> {
    let mut out: BTreeMap<FaultKey, Finding> = BTreeMap::new();
    for v in verdicts {
        let key = key_of(&v.path, fields);
        let kind = match v.outcome {
            Outcome::OutOfControl => FaultKind::OutOfControl,
            Outcome::Fail => FaultKind::Failed,
            Outcome::Pass => {
                out.entry(key).or_insert(Finding::Passed);
                continue;
            }
            Outcome::NotApplicable => continue,
        };
        let words = format!("{}：{}", v.label, v.explanation);
        match out.get_mut(&key) {
            Some(Finding::Failed {
                kind: worst,
                reason,
            }) => {
                if kind == FaultKind::OutOfControl {
                    *worst = kind;
                }
                reason.push('；');
                reason.push_str(&words);
            }
            _ => {
                out.insert(
                    key,
                    Finding::Failed {
                        kind,
                        reason: words,
                    },
                );
            }
        }
    }
    out
}

/// When a period opened by a record checked in at `found_at` starts: at the finding, or — for a
/// 失控 under the rule that reaches back — at the last passing calibration (`last_passing`), when
/// there is one.
pub fn starts_at(
    def: &FormDefinition,
    kind: FaultKind,
    found_at: DateTime<Utc>,
    last_passing: Option<DateTime<Utc>>,
) -> (StartRule, DateTime<Utc>) {
    let rule = def.start_rule();
    match (kind, rule, last_passing) {
        (FaultKind::OutOfControl, StartRule::LastPassing, Some(at)) => (rule, at),
        _ => (StartRule::Found, found_at),
    }
}

/// The follow-up deadline of a finding at `found_at`.
pub fn due_at(def: &FormDefinition, found_at: DateTime<Utc>) -> DateTime<Utc> {
    found_at + Duration::days(i64::from(def.follow_up_days()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verdict(path: &str, outcome: Outcome) -> Verdict {
        Verdict {
            path: path.into(),
            label: format!("判定 {path}"),
            outcome,
            value: None,
            unit: None,
            limit: None,
            source: None,
            confidence: None,
            explanation: "说明".into(),
        }
    }

    fn key(instrument: &str, parameter: &str) -> FaultKey {
        FaultKey {
            instrument_id: instrument.into(),
            parameter: parameter.into(),
        }
    }

    #[test]
    fn each_instrument_is_judged_by_its_own_verdicts_and_the_worst_kind_wins() {
        let fields = json!({"analytes": [
            {"instrument_id": "so2", "parameter": "二氧化硫"},
            {"instrument_id": "nox", "parameter": "氮氧化物"},
            {"instrument_id": "o2", "parameter": "氧气"}
        ]});
        let verdicts = [
            verdict("analytes[0].zero_drift_verdict", Outcome::Fail),
            verdict("analytes[0].span_drift_verdict", Outcome::OutOfControl),
            verdict("analytes[1].zero_drift_verdict", Outcome::Pass),
            verdict("analytes[1].span_drift_verdict", Outcome::NotApplicable),
            verdict("analytes[2].span_drift_verdict", Outcome::NotApplicable),
            verdict("overall", Outcome::Fail),
        ];
        let found = findings(&verdicts, fields.as_object().unwrap());
        match &found[&key("so2", "二氧化硫")] {
            Finding::Failed { kind, reason } => {
                assert_eq!(*kind, FaultKind::OutOfControl);
                assert!(reason.contains("zero_drift") && reason.contains("span_drift"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(found[&key("nox", "氮氧化物")], Finding::Passed);
        // Nothing judged for O₂: neither opens nor closes anything.
        assert!(!found.contains_key(&key("o2", "氧气")));
        // A verdict outside an instrument's section judges the outlet.
        assert!(matches!(
            found[&key("", "")],
            Finding::Failed {
                kind: FaultKind::Failed,
                ..
            }
        ));
    }

    #[test]
    fn a_pass_after_a_failure_at_the_same_key_does_not_hide_it() {
        let fields = json!({"analytes": [{"instrument_id": "so2", "parameter": "二氧化硫"}]});
        let verdicts = [
            verdict("analytes[0].zero_drift_verdict", Outcome::Fail),
            verdict("analytes[0].calibration_ok", Outcome::Pass),
        ];
        let found = findings(&verdicts, fields.as_object().unwrap());
        assert!(matches!(
            found[&key("so2", "二氧化硫")],
            Finding::Failed { .. }
        ));
    }

    #[test]
    fn instance_paths_are_read() {
        assert_eq!(instance_of("analytes[12].x"), Some(("analytes", 12)));
        assert_eq!(instance_of("overall"), None);
        assert_eq!(instance_of("rows[x].y"), None);
    }
}
