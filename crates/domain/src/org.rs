//! Organisations: who a user works for decides what they may see.

use serde::{Deserialize, Serialize};

/// The kinds of organisation EMSS knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 社会化服务机构: a testing and/or maintenance company.
    Agency,
    /// 自运维企业: maintains its own monitoring equipment; registers like an agency.
    SelfMaintainingEnterprise,
    /// 排污企业: owns outlets and instruments, confirms records.
    Enterprise,
    /// 市级监管.
    CityRegulator,
    /// 区级监管, with its district code.
    DistrictRegulator,
    /// The system itself: home of the three administrators.
    System,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Agency,
        OrgKind::SelfMaintainingEnterprise,
        OrgKind::Enterprise,
        OrgKind::CityRegulator,
        OrgKind::DistrictRegulator,
        OrgKind::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Agency => "agency",
            OrgKind::SelfMaintainingEnterprise => "self_maintaining_enterprise",
            OrgKind::Enterprise => "enterprise",
            OrgKind::CityRegulator => "city_regulator",
            OrgKind::DistrictRegulator => "district_regulator",
            OrgKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The wording users know.
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Agency => "社会化服务机构",
            OrgKind::SelfMaintainingEnterprise => "自运维企业",
            OrgKind::Enterprise => "排污企业",
            OrgKind::CityRegulator => "市级监管部门",
            OrgKind::DistrictRegulator => "区级监管部门",
            OrgKind::System => "系统",
        }
    }

    /// Agencies and self-maintaining enterprises do maintenance work.
    pub fn does_maintenance(self) -> bool {
        matches!(self, OrgKind::Agency | OrgKind::SelfMaintainingEnterprise)
    }

    /// Enterprises and self-maintaining enterprises own outlets.
    pub fn owns_outlets(self) -> bool {
        matches!(
            self,
            OrgKind::Enterprise | OrgKind::SelfMaintainingEnterprise
        )
    }

    pub fn is_regulator(self) -> bool {
        matches!(self, OrgKind::CityRegulator | OrgKind::DistrictRegulator)
    }
}

/// What an agency is filed for (检测机构 / 运维机构 / 检测运维机构).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyCategory {
    Testing,
    Maintenance,
    TestingMaintenance,
}

impl AgencyCategory {
    pub const ALL: [AgencyCategory; 3] = [
        AgencyCategory::Testing,
        AgencyCategory::Maintenance,
        AgencyCategory::TestingMaintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyCategory::Testing => "testing",
            AgencyCategory::Maintenance => "maintenance",
            AgencyCategory::TestingMaintenance => "testing_maintenance",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyCategory> {
        AgencyCategory::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgencyCategory::Testing => "检测机构",
            AgencyCategory::Maintenance => "运维机构",
            AgencyCategory::TestingMaintenance => "检测运维机构",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        for c in AgencyCategory::ALL {
            assert_eq!(AgencyCategory::parse(c.as_str()), Some(c));
        }
        assert_eq!(OrgKind::parse("Agency"), None);
    }
}
