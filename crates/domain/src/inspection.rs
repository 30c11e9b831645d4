//! 监督检查 (supervisory inspections): a regulator checks an agency's work at an enterprise's outlet
//! — 现场检查 on site, 比对抽测 by its own comparison sampling, 资料检查 of the records — against a
//! checklist per kind (versioned data, `catalogue/inspection_checklists.toml`), and records
//! findings, each about a record, an occurrence, an instrument, the agency's staff or equipment,
//! with a severity. A planned inspection (计划) is not shown to the agency or the enterprise until
//! it is recorded (已完成): an inspection announced in advance checks nothing.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

macro_rules! labelled {
    ($name:ident { $($variant:ident = $code:literal, $label:literal;)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
    };
}

labelled!(InspectionKind {
    OnSite = "on_site", "现场检查";
    Comparison = "comparison", "比对抽测";
    Document = "document", "资料检查";
});

labelled!(InspectionState {
    Planned = "planned", "计划";
    Done = "done", "已完成";
});

labelled!(Severity {
    Minor = "minor", "一般";
    Major = "major", "较重";
    Serious = "serious", "严重";
});

labelled!(FindingSubject {
    Record = "record", "运维记录";
    Occurrence = "occurrence", "运维计划";
    Instrument = "instrument", "仪器";
    Staff = "staff", "运维人员";
    Equipment = "equipment", "运维设备";
    Other = "other", "其他";
});

labelled!(Answer {
    Conform = "conform", "符合";
    NonConform = "non_conform", "不符合";
    NotApplicable = "not_applicable", "不适用";
});

/// One item of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: String,
    pub label: String,
}

/// The checklist of one kind of inspection, in one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub kind: InspectionKind,
    pub version: u32,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecklistFile {
    checklist: Vec<Checklist>,
}

/// The checklists of every kind, checked: one per kind, items with unique ids and labels.
pub fn parse_checklists(text: &str) -> Result<Vec<Checklist>, String> {
    let file: ChecklistFile = toml::from_str(text).map_err(|e| e.to_string())?;
    for kind in InspectionKind::ALL {
        let n = file.checklist.iter().filter(|c| c.kind == *kind).count();
        if n != 1 {
            return Err(format!(
                "{} 须有且只有一份检查表（现有 {n} 份）",
                kind.label()
            ));
        }
    }
    for c in &file.checklist {
        let mut ids = HashSet::new();
        if c.items.is_empty() {
            return Err(format!("{} 检查表没有检查项", c.kind.label()));
        }
        for item in &c.items {
            if item.id.trim().is_empty() || item.label.trim().is_empty() {
                return Err(format!("{} 检查表有空的检查项", c.kind.label()));
            }
            if !ids.insert(item.id.as_str()) {
                return Err(format!(
                    "{} 检查表的检查项 {} 重复",
                    c.kind.label(),
                    item.id
                ));
            }
        }
    }
    Ok(file.checklist)
}

/// One checklist item as recorded: the item as it read then, the answer and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedItem {
    pub id: String,
    pub label: String,
    /// None: not answered (a planned inspection).
    pub answer: Option<Answer>,
    #[serde(default)]
    pub note: String,
}

/// The severity a failed comparison's finding gets: a 失控 result is serious, a failed one major.
pub fn comparison_severity(out_of_control: bool) -> Severity {
    if out_of_control {
        Severity::Serious
    } else {
        Severity::Major
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_checklists_parse_one_per_kind() {
        let lists = parse_checklists(include_str!(
            "../../../catalogue/inspection_checklists.toml"
        ))
        .unwrap();
        assert_eq!(lists.len(), InspectionKind::ALL.len());
        assert!(lists.iter().all(|c| c.version >= 1 && !c.items.is_empty()));
    }

    #[test]
    fn a_checklist_with_a_repeated_item_or_a_missing_kind_is_refused() {
        let twice = r#"
            [[checklist]]
            kind = "on_site"
            version = 1
            items = [{ id = "a", label = "甲" }, { id = "a", label = "乙" }]
            [[checklist]]
            kind = "comparison"
            version = 1
            items = [{ id = "a", label = "甲" }]
            [[checklist]]
            kind = "document"
            version = 1
            items = [{ id = "a", label = "甲" }]
        "#;
        assert!(parse_checklists(twice).unwrap_err().contains("重复"));
        let missing = r#"
            [[checklist]]
            kind = "on_site"
            version = 1
            items = [{ id = "a", label = "甲" }]
        "#;
        assert!(parse_checklists(missing).unwrap_err().contains("比对抽测"));
    }

    #[test]
    fn codes_and_labels_round_trip() {
        for k in InspectionKind::ALL {
            assert_eq!(InspectionKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(
            Severity::parse("serious").map(Severity::label),
            Some("严重")
        );
        assert_eq!(
            FindingSubject::parse("staff").map(FindingSubject::label),
            Some("运维人员")
        );
        assert_eq!(InspectionState::parse("x"), None);
        assert_eq!(comparison_severity(true), Severity::Serious);
    }
}
