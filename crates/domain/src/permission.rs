//! Permissions: every route names exactly one, and this is the one place that says which actors
//! hold it. Deny by default.

use crate::actor::Actor;
use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone, signed in or not: login, health checks, public pages, static assets.
    Public,
    /// Any signed-in account: home page, own account, help center.
    SignedIn,
    /// The system administrator's account management (账户管理).
    ManageAccounts,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Public => "public",
            Permission::SignedIn => "signed_in",
            Permission::ManageAccounts => "manage_accounts",
        }
    }

    /// Whether `actor` (None = anonymous) holds this permission.
    pub fn allows(self, actor: Option<&Actor>) -> bool {
        match self {
            Permission::Public => true,
            Permission::SignedIn => actor.is_some(),
            Permission::ManageAccounts => actor.is_some_and(|a| a.has_role(Role::SystemAdmin)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::fixtures::actor;
    use crate::org::OrgKind;

    #[test]
    fn deny_by_default() {
        assert!(Permission::Public.allows(None));
        assert!(!Permission::SignedIn.allows(None));
        let filer = actor(OrgKind::Agency, &[Role::Filer]);
        assert!(Permission::SignedIn.allows(Some(&filer)));
        assert!(!Permission::ManageAccounts.allows(Some(&filer)));
        let sysadmin = actor(OrgKind::System, &[Role::SystemAdmin]);
        assert!(Permission::ManageAccounts.allows(Some(&sysadmin)));
        let secadmin = actor(OrgKind::System, &[Role::SecurityAdmin]);
        assert!(!Permission::ManageAccounts.allows(Some(&secadmin)));
    }
}
