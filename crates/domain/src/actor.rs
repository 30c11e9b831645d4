//! The acting user of a request and the data scope that follows from it.

use crate::org::OrgKind;
use crate::role::Role;

/// Who is acting: resolved from the session on every request, never cached across requests, so a
/// role removed or an account disabled takes effect at once (ACL-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: String,
    pub username: String,
    pub name: String,
    pub org_id: String,
    pub org_kind: OrgKind,
    pub org_name: String,
    pub district_code: Option<String>,
    pub roles: Vec<Role>,
    /// The organisation's main account (主账户): manages the sub-accounts.
    pub is_main: bool,
}

/// Which business objects an actor may see (product.md §1). Every repository query takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Objects of this agency (agencies and self-maintaining enterprises).
    Agency(String),
    /// Objects of this enterprise and its outlets.
    Enterprise(String),
    /// Objects of enterprises in this district.
    District(String),
    /// The whole city.
    City,
    /// No business objects at all (the administrators).
    Nothing,
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    pub fn scope(&self) -> Scope {
        match self.org_kind {
            OrgKind::Agency | OrgKind::SelfMaintainingEnterprise => {
                Scope::Agency(self.org_id.clone())
            }
            OrgKind::Enterprise => Scope::Enterprise(self.org_id.clone()),
            OrgKind::DistrictRegulator => match &self.district_code {
                Some(code) => Scope::District(code.clone()),
                None => Scope::Nothing,
            },
            OrgKind::CityRegulator => Scope::City,
            OrgKind::System => Scope::Nothing,
        }
    }

    /// "现场运维、运维审核", or the organisation's main-account label when it holds no roles.
    pub fn role_labels(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if self.is_main {
            parts.push("主账户");
        }
        parts.extend(self.roles.iter().map(|r| r.label()));
        parts.join("、")
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn actor(kind: OrgKind, roles: &[Role]) -> Actor {
        Actor {
            account_id: "a".into(),
            username: "u".into(),
            name: "张三".into(),
            org_id: "o".into(),
            org_kind: kind,
            org_name: "测试单位".into(),
            district_code: (kind == OrgKind::DistrictRegulator).then(|| "310115".into()),
            roles: roles.to_vec(),
            is_main: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::actor;
    use super::*;

    #[test]
    fn scope_follows_the_organisation() {
        assert_eq!(
            actor(OrgKind::Agency, &[Role::Filer]).scope(),
            Scope::Agency("o".into())
        );
        assert_eq!(
            actor(OrgKind::Enterprise, &[]).scope(),
            Scope::Enterprise("o".into())
        );
        assert_eq!(
            actor(OrgKind::DistrictRegulator, &[]).scope(),
            Scope::District("310115".into())
        );
        assert_eq!(actor(OrgKind::CityRegulator, &[]).scope(), Scope::City);
        assert_eq!(
            actor(OrgKind::System, &[Role::SystemAdmin]).scope(),
            Scope::Nothing
        );
    }
}
