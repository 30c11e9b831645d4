//! Change requests (信息变更申请): a proposal to change something already approved. It takes effect
//! only when the reviewer approves it; the reviewer sees exactly which fields change.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// 待审核.
    Pending,
    /// 已通过: the change took effect.
    Approved,
    /// 已驳回: nothing changed.
    Rejected,
}

impl ChangeState {
    pub const ALL: [ChangeState; 3] = [
        ChangeState::Pending,
        ChangeState::Approved,
        ChangeState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Pending => "pending",
            ChangeState::Approved => "approved",
            ChangeState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeState> {
        ChangeState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeState::Pending => "待审核",
            ChangeState::Approved => "已通过",
            ChangeState::Rejected => "已驳回",
        }
    }
}

/// One field a change request changes, as the reviewer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    /// The field's name on the form (通讯地址, 废水运维能力 …).
    pub label: String,
    pub before: String,
    pub after: String,
}

/// The fields whose shown value differs, in the order given. Each entry is
/// (field, label, before, after) as displayed.
pub fn changed_fields(fields: &[(&str, &str, String, String)]) -> Vec<FieldChange> {
    fields
        .iter()
        .filter(|(_, _, before, after)| before != after)
        .map(|(field, label, before, after)| FieldChange {
            field: field.to_string(),
            label: label.to_string(),
            before: before.clone(),
            after: after.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differences_are_listed_in_form_order() {
        let changes = changed_fields(&[
            ("name", "机构名称", "甲".into(), "甲".into()),
            (
                "registered_address",
                "通讯地址",
                "浦东".into(),
                "闵行".into(),
            ),
            (
                "wastewater",
                "废水运维能力",
                "氨氮".into(),
                "氨氮、总磷".into(),
            ),
        ]);
        assert_eq!(
            changes.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
            ["通讯地址", "废水运维能力"]
        );
        assert_eq!(changes[0].before, "浦东");
        assert_eq!(changes[0].after, "闵行");
    }

    #[test]
    fn states_round_trip() {
        for s in ChangeState::ALL {
            assert_eq!(ChangeState::parse(s.as_str()), Some(s));
        }
        assert_eq!(ChangeState::Rejected.label(), "已驳回");
    }
}
