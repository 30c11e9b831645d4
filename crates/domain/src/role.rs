//! Roles. An account holds one or more roles of its own organisation's kind; the three
//! administrators (三员) live in the system organisation and no person holds two of them.

use crate::org::OrgKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 现场运维: fills records on site.
    Filer,
    /// 运维审核: approves or voids confirmed records.
    Reviewer,
    /// 合同管理.
    ContractManager,
    /// 任务管理.
    TaskManager,
    /// 企业管理员: keeps outlets and instruments up to date.
    EnterpriseAdmin,
    /// 运维确认: confirms the day's records on the enterprise's outlets.
    Confirmer,
    /// 区级监管.
    DistrictRegulator,
    /// 市级监管.
    CityRegulator,
    /// 备案审核: reviews agency filings (city).
    FilingReviewer,
    /// 系统管理员: accounts and settings.
    SystemAdmin,
    /// 安全管理员: security policy and role grants.
    SecurityAdmin,
    /// 审计管理员: reads the audit log.
    AuditAdmin,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Filer,
        Role::Reviewer,
        Role::ContractManager,
        Role::TaskManager,
        Role::EnterpriseAdmin,
        Role::Confirmer,
        Role::DistrictRegulator,
        Role::CityRegulator,
        Role::FilingReviewer,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Filer => "filer",
            Role::Reviewer => "reviewer",
            Role::ContractManager => "contract_manager",
            Role::TaskManager => "task_manager",
            Role::EnterpriseAdmin => "enterprise_admin",
            Role::Confirmer => "confirmer",
            Role::DistrictRegulator => "district_regulator",
            Role::CityRegulator => "city_regulator",
            Role::FilingReviewer => "filing_reviewer",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The wording users know.
    pub fn label(self) -> &'static str {
        match self {
            Role::Filer => "现场运维",
            Role::Reviewer => "运维审核",
            Role::ContractManager => "合同管理",
            Role::TaskManager => "任务管理",
            Role::EnterpriseAdmin => "企业管理员",
            Role::Confirmer => "运维确认",
            Role::DistrictRegulator => "区级监管",
            Role::CityRegulator => "市级监管",
            Role::FilingReviewer => "备案审核",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    /// The three separated administrators (三员).
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// Whether an account of an organisation of `kind` may hold this role.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::Filer | Role::Reviewer | Role::ContractManager | Role::TaskManager => {
                kind.does_maintenance()
            }
            Role::EnterpriseAdmin | Role::Confirmer => kind.owns_outlets(),
            Role::DistrictRegulator => kind == OrgKind::DistrictRegulator,
            Role::CityRegulator | Role::FilingReviewer => kind == OrgKind::CityRegulator,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin => kind == OrgKind::System,
        }
    }

    /// The roles a new organisation's main account starts with.
    pub fn main_account_defaults(kind: OrgKind) -> &'static [Role] {
        match kind {
            OrgKind::Agency => &[Role::ContractManager, Role::TaskManager],
            OrgKind::SelfMaintainingEnterprise => &[
                Role::ContractManager,
                Role::TaskManager,
                Role::EnterpriseAdmin,
            ],
            OrgKind::Enterprise => &[Role::EnterpriseAdmin, Role::Confirmer],
            OrgKind::CityRegulator => &[Role::CityRegulator, Role::FilingReviewer],
            OrgKind::DistrictRegulator => &[Role::DistrictRegulator],
            OrgKind::System => &[],
        }
    }
}

/// Roles joined for display: "现场运维、运维审核".
pub fn labels(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_fit_their_kind() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(
                OrgKind::ALL.iter().any(|k| r.fits(*k)),
                "{r:?} fits no kind"
            );
        }
        for k in OrgKind::ALL {
            for r in Role::main_account_defaults(k) {
                assert!(r.fits(k), "{r:?} does not fit {k:?}");
            }
        }
        assert!(!Role::Filer.fits(OrgKind::Enterprise));
        assert!(!Role::SystemAdmin.fits(OrgKind::Agency));
        assert!(Role::Confirmer.fits(OrgKind::SelfMaintainingEnterprise));
        assert_eq!(labels(&[Role::Filer, Role::Reviewer]), "现场运维、运维审核");
    }
}
