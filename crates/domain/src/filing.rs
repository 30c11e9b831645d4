//! Agency filing (备案, product.md §2): the states, who moves a filing between them, and the
//! capabilities an agency files.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingState {
    /// 草稿: being prepared by the applicant.
    Draft,
    /// 待一审.
    Submitted,
    /// 一审通过, 待二审.
    FirstReviewPassed,
    /// 二审通过: filed.
    Filed,
    /// 已退回: a review sent it back with a reason; the applicant edits and resubmits.
    Rejected,
}

impl FilingState {
    pub const ALL: [FilingState; 5] = [
        FilingState::Draft,
        FilingState::Submitted,
        FilingState::FirstReviewPassed,
        FilingState::Filed,
        FilingState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilingState::Draft => "draft",
            FilingState::Submitted => "submitted",
            FilingState::FirstReviewPassed => "first_review_passed",
            FilingState::Filed => "filed",
            FilingState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<FilingState> {
        FilingState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The wording of the current system (备案状态).
    pub fn label(self) -> &'static str {
        match self {
            FilingState::Draft => "草稿",
            FilingState::Submitted => "待一审",
            FilingState::FirstReviewPassed => "一审通过",
            FilingState::Filed => "二审通过",
            FilingState::Rejected => "已退回",
        }
    }

    /// The wording of the public register, which shows filed agencies only: 已备案.
    pub fn public_label(self) -> &'static str {
        match self {
            FilingState::Filed => "已备案",
            other => other.label(),
        }
    }

    /// The applicant may edit its filing (before review, or after it was sent back).
    pub fn editable(self) -> bool {
        matches!(self, FilingState::Draft | FilingState::Rejected)
    }
}

/// What can happen to a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingAction {
    Submit,
    PassFirstReview,
    PassSecondReview,
    Reject,
}

impl FilingAction {
    /// The state after `self` from `from`, or None when the action does not apply there.
    pub fn next(self, from: FilingState) -> Option<FilingState> {
        use FilingState as S;
        match (self, from) {
            (FilingAction::Submit, S::Draft | S::Rejected) => Some(S::Submitted),
            (FilingAction::PassFirstReview, S::Submitted) => Some(S::FirstReviewPassed),
            (FilingAction::PassSecondReview, S::FirstReviewPassed) => Some(S::Filed),
            (FilingAction::Reject, S::Submitted | S::FirstReviewPassed) => Some(S::Rejected),
            _ => None,
        }
    }

    pub fn audit_action(self) -> &'static str {
        match self {
            FilingAction::Submit => "filing.submit",
            FilingAction::PassFirstReview => "filing.first_review",
            FilingAction::PassSecondReview => "filing.second_review",
            FilingAction::Reject => "filing.reject",
        }
    }
}

/// The documents a filing carries (备案附件).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingDocument {
    /// 营业执照.
    BusinessLicence,
    /// 承诺书.
    CommitmentLetter,
    /// 检验检测机构资质认定证书 (CMA), testing agencies only.
    CmaCertificate,
}

impl FilingDocument {
    pub const ALL: [FilingDocument; 3] = [
        FilingDocument::BusinessLicence,
        FilingDocument::CommitmentLetter,
        FilingDocument::CmaCertificate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilingDocument::BusinessLicence => "business_licence",
            FilingDocument::CommitmentLetter => "commitment_letter",
            FilingDocument::CmaCertificate => "cma_certificate",
        }
    }

    pub fn parse(s: &str) -> Option<FilingDocument> {
        FilingDocument::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            FilingDocument::BusinessLicence => "营业执照",
            FilingDocument::CommitmentLetter => "承诺书",
            FilingDocument::CmaCertificate => "检验检测机构资质认定证书（CMA）",
        }
    }

    /// The documents a filing of `category` must carry before it is submitted.
    pub fn required(category: crate::AgencyCategory) -> Vec<FilingDocument> {
        use crate::AgencyCategory as C;
        let mut docs = vec![
            FilingDocument::BusinessLicence,
            FilingDocument::CommitmentLetter,
        ];
        if matches!(category, C::Testing | C::TestingMaintenance) {
            docs.push(FilingDocument::CmaCertificate);
        }
        docs
    }
}

/// Testing capabilities (检测能力) a testing agency files.
pub const TESTING_FIELDS: [&str; 7] = [
    "水和废水",
    "环境空气和废气",
    "土壤和沉积物",
    "固体废物",
    "噪声和振动",
    "生物",
    "辐射",
];

#[cfg(test)]
mod tests {
    use super::*;
    use FilingAction as A;
    use FilingState as S;

    #[test]
    fn the_only_transitions() {
        let mut allowed = Vec::new();
        for a in [
            A::Submit,
            A::PassFirstReview,
            A::PassSecondReview,
            A::Reject,
        ] {
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
                (A::PassFirstReview, S::Submitted, S::FirstReviewPassed),
                (A::PassSecondReview, S::FirstReviewPassed, S::Filed),
                (A::Reject, S::Submitted, S::Rejected),
                (A::Reject, S::FirstReviewPassed, S::Rejected),
            ]
        );
    }

    #[test]
    fn testing_agencies_also_file_their_cma_certificate() {
        use crate::AgencyCategory as C;
        assert_eq!(FilingDocument::required(C::Maintenance).len(), 2);
        assert!(FilingDocument::required(C::Testing).contains(&FilingDocument::CmaCertificate));
        assert!(
            FilingDocument::required(C::TestingMaintenance)
                .contains(&FilingDocument::CmaCertificate)
        );
    }

    #[test]
    fn states_round_trip_and_speak_chinese() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::Filed.label(), "二审通过");
        assert_eq!(S::Filed.public_label(), "已备案");
        assert!(S::Rejected.editable() && !S::Filed.editable());
    }
}
