//! The pieces of the design system that need code: a state's tag in its colour and the steps bar
//! of a multi-step flow. Templates call them by path (`{{ crate::ui::tag(label)|safe }}`); the
//! markup and the classes they write are shown on the style page (`/help/ui`).

use emss_domain::rectification::RectificationState;
use std::fmt;

/// The colour family of a state, from the stylesheet's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Not started, or ended without a judgement (草稿, 已停用).
    Info,
    /// Waiting for someone (待审核, 进行中).
    Primary,
    /// Finished as it should (已通过, 合格).
    Success,
    /// Needs attention (退回, 超期).
    Warning,
    /// Stopped or failed (作废, 不合格, 失控).
    Danger,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Info => "tag-info",
            Tone::Primary => "tag-primary",
            Tone::Success => "tag-success",
            Tone::Warning => "tag-warning",
            Tone::Danger => "tag-danger",
        }
    }
}

/// Every state label users see, with its colour: one table, so a state has the same colour on
/// every page (草稿 grey, 待审核 blue, 已通过 green, 退回/超期 orange, 作废/不合格 red).
const TONES: &[(&str, Tone)] = &[
    ("草稿", Tone::Info),
    ("已停用", Tone::Info),
    ("停用", Tone::Info),
    ("未判定", Tone::Info),
    ("待企业确认", Tone::Primary),
    ("待审核", Tone::Primary),
    ("待一审", Tone::Primary),
    ("一审通过", Tone::Primary),
    ("待甲方确认", Tone::Primary),
    ("待完成", Tone::Primary),
    ("进行中", Tone::Primary),
    ("已下发", Tone::Primary),
    ("整改中", Tone::Primary),
    ("已提交整改", Tone::Primary),
    ("延期申请中", Tone::Primary),
    ("已同意", Tone::Success),
    ("不同意", Tone::Danger),
    ("已销号", Tone::Success),
    ("逾期", Tone::Warning),
    ("审核通过", Tone::Success),
    ("已通过", Tone::Success),
    ("二审通过", Tone::Success),
    ("已备案", Tone::Success),
    ("计划外", Tone::Info),
    ("计划", Tone::Primary),
    ("一般", Tone::Info),
    ("较重", Tone::Warning),
    ("严重", Tone::Danger),
    ("不符合", Tone::Danger),
    ("不适用", Tone::Info),
    ("已确认", Tone::Success),
    ("已完成", Tone::Success),
    ("已完结", Tone::Success),
    ("合格", Tone::Success),
    ("正常", Tone::Success),
    ("成功", Tone::Success),
    ("启用", Tone::Success),
    ("已退回", Tone::Warning),
    ("退回", Tone::Warning),
    ("超期", Tone::Warning),
    ("不合格待处理", Tone::Warning),
    ("已过期", Tone::Warning),
    ("已作废", Tone::Danger),
    ("已驳回", Tone::Danger),
    ("判定不合格", Tone::Danger),
    ("不合格", Tone::Danger),
    ("失控", Tone::Danger),
    ("拒绝", Tone::Danger),
    ("已发布", Tone::Success),
    ("年度滚动", Tone::Primary),
    ("年度评价", Tone::Success),
    ("守信", Tone::Success),
    ("基本守信", Tone::Primary),
    ("失信", Tone::Warning),
    ("严重失信", Tone::Danger),
    ("不参评", Tone::Info),
    ("公示中", Tone::Warning),
    ("已公布", Tone::Success),
    ("待处理", Tone::Warning),
    ("已采纳", Tone::Success),
    ("不予采纳", Tone::Info),
];

/// Every state label with a colour, in the table's order (the style page shows them all).
pub fn state_labels() -> impl Iterator<Item = &'static str> {
    TONES.iter().map(|(l, _)| *l)
}

/// The colour of a state label; a label not in the table is shown grey.
pub fn tone(label: &str) -> Tone {
    TONES
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, t)| *t)
        .unwrap_or(Tone::Info)
}

/// A state shown as a tag: `<span class="tag tag-success">已通过</span>`.
pub struct Tag<S>(S);

pub fn tag<S: AsRef<str>>(label: S) -> Tag<S> {
    Tag(label)
}

impl<S: AsRef<str>> fmt::Display for Tag<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.0.as_ref();
        write!(
            f,
            "<span class=\"tag {}\">{}</span>",
            tone(label).class(),
            Escaped(label)
        )
    }
}

/// Text written into markup by hand, escaped as askama escapes.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                c => write!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

/// Where a flow stands: the steps before `at` are done; `at` is the current step, or the step
/// where the flow stopped (作废, 退回) when `stopped` says why; `at` past the last step: all done.
pub struct Steps {
    names: &'static [&'static str],
    at: usize,
    stopped: Option<&'static str>,
}

impl Steps {
    /// A maintenance record: 填报 → 企业确认 → 机构审核 → 审核通过 (voided at review).
    pub fn record(state: &str) -> Steps {
        const NAMES: &[&str] = &["现场填报", "企业确认", "机构审核", "审核通过"];
        let (at, stopped) = match state {
            "draft" => (0, None),
            "submitted" => (1, None),
            "confirmed" => (2, None),
            "voided" => (2, Some("已作废")),
            _ => (NAMES.len(), None),
        };
        Steps {
            names: NAMES,
            at,
            stopped,
        }
    }

    /// A task: 草稿 → 进行中 → 已完结.
    pub fn task(state: &str) -> Steps {
        const NAMES: &[&str] = &["任务申请", "任务执行", "任务完结"];
        let at = match state {
            "draft" => 0,
            "in_progress" => 1,
            _ => NAMES.len(),
        };
        Steps {
            names: NAMES,
            at,
            stopped: None,
        }
    }

    /// A contract: 草稿 → 甲方确认 → 已确认 (退回 at confirmation).
    pub fn contract(state: &str) -> Steps {
        const NAMES: &[&str] = &["合同录入", "甲方确认", "合同生效"];
        let (at, stopped) = match state {
            "draft" => (0, None),
            "submitted" => (1, None),
            "rejected" => (1, Some("已退回")),
            _ => (NAMES.len(), None),
        };
        Steps {
            names: NAMES,
            at,
            stopped,
        }
    }

    /// A rectification order: 下发 → 签收 → 提交整改 → 销号; an answer sent back is 整改中 again.
    pub fn rectification(state: RectificationState, returns: i32) -> Steps {
        const NAMES: &[&str] = &["整改单下发", "机构签收", "提交整改", "审核销号"];
        let (at, stopped) = match state {
            RectificationState::Draft => (0, None),
            RectificationState::Issued => (1, None),
            RectificationState::InProgress if returns > 0 => (2, Some("已退回，待重新提交")),
            RectificationState::InProgress => (2, None),
            RectificationState::Submitted => (3, None),
            RectificationState::Closed => (NAMES.len(), None),
        };
        Steps {
            names: NAMES,
            at,
            stopped,
        }
    }

    /// An agency's filing: 填报 → 一审 → 二审 → 备案公示 (退回 to the agency).
    pub fn filing(state: &str) -> Steps {
        const NAMES: &[&str] = &["备案填报", "一审", "二审", "备案公示"];
        let (at, stopped) = match state {
            "draft" => (0, None),
            "submitted" => (1, None),
            "first_review_passed" => (2, None),
            "rejected" => (0, Some("已退回，待修改后重新提交")),
            _ => (NAMES.len(), None),
        };
        Steps {
            names: NAMES,
            at,
            stopped,
        }
    }
}

impl fmt::Display for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<ol class=\"steps\" aria-label=\"办理进度\">")?;
        for (i, name) in self.names.iter().enumerate() {
            let (class, note) = if i < self.at {
                ("done", "（已完成）")
            } else if i > self.at {
                ("todo", "")
            } else if self.stopped.is_some() {
                ("stopped", "")
            } else {
                ("current", "（当前）")
            };
            let current = if i == self.at {
                " aria-current=\"step\""
            } else {
                ""
            };
            write!(f, "<li class=\"{class}\"{current}>{}", Escaped(name))?;
            match (i == self.at, self.stopped) {
                (true, Some(why)) => {
                    write!(f, "<span class=\"sr-note\">：{}</span>", Escaped(why))?
                }
                _ => write!(f, "<span class=\"sr-only\">{note}</span>")?,
            }
            f.write_str("</li>")?;
        }
        f.write_str("</ol>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emss_domain::change_request::ChangeState;
    use emss_domain::contract::ContractState;
    use emss_domain::fault::FaultKind;
    use emss_domain::filing::FilingState;
    use emss_domain::record::RecordState;
    use emss_domain::task::{OccurrenceState, TaskState};

    #[test]
    fn every_state_users_see_has_its_colour() {
        let labels = RecordState::ALL
            .iter()
            .map(|s| s.label())
            .chain(FilingState::ALL.iter().map(|s| s.label()))
            .chain(ContractState::ALL.iter().map(|s| s.label()))
            .chain(TaskState::ALL.iter().map(|s| s.label()))
            .chain(
                [
                    OccurrenceState::Done,
                    OccurrenceState::Due,
                    OccurrenceState::Overdue,
                ]
                .iter()
                .map(|s| s.label()),
            )
            .chain(ChangeState::ALL.iter().map(|s| s.label()))
            .chain([FaultKind::OutOfControl.label(), FaultKind::Failed.label()]);
        for label in labels {
            assert!(
                TONES.iter().any(|(l, _)| *l == label),
                "{label} has no colour"
            );
        }
    }

    #[test]
    fn states_of_one_meaning_share_a_colour() {
        assert_eq!(tone("草稿"), Tone::Info);
        assert_eq!(tone("待审核"), Tone::Primary);
        assert_eq!(tone("审核通过"), Tone::Success);
        assert_eq!(tone("已退回"), tone("超期"));
        assert_eq!(tone("已作废"), tone("判定不合格"));
        assert_eq!(tone("失控"), Tone::Danger);
        assert_eq!(tone("从未见过"), Tone::Info);
    }

    #[test]
    fn a_tag_escapes_its_text() {
        assert_eq!(
            tag("<b>").to_string(),
            "<span class=\"tag tag-info\">&lt;b&gt;</span>"
        );
    }

    #[test]
    fn a_voided_record_stops_at_review() {
        let html = Steps::record("voided").to_string();
        assert!(html.contains("<li class=\"done\">现场填报"));
        assert!(html.contains("<li class=\"done\">企业确认"));
        assert!(html.contains("<li class=\"stopped\" aria-current=\"step\">机构审核"));
        assert!(html.contains("已作废"));
        assert!(html.contains("<li class=\"todo\">审核通过"));
        let approved = Steps::record("approved").to_string();
        assert_eq!(approved.matches("class=\"done\"").count(), 4);
    }
}
