//! Who may do what to which account. Three separated administrators (三员, GB/T 22239 8.1.5): the
//! system administrator keeps accounts, the security administrator grants roles and sets policy,
//! the audit administrator only reads the audit log. A main account keeps its own organisation's
//! sub-accounts. Nobody changes their own roles or disables themselves.

use crate::actor::Actor;
use crate::org::OrgKind;
use crate::permission::is_org_main;
use crate::role::Role;

/// The account being acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub account_id: &'a str,
    pub org_id: &'a str,
    pub org_kind: OrgKind,
    pub roles: &'a [Role],
}

impl Target<'_> {
    fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.is_admin())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    View,
    SetRoles,
    /// Disable or enable.
    SetEnabled,
    ResetPassword,
    EndSessions,
    /// See a personal value (phone, ID number) in full.
    RevealPersonalData,
}

/// Whether `actor` may see the account at all. Accounts it may not see answer "not found".
pub fn may_view(actor: &Actor, target: &Target<'_>) -> bool {
    actor.has_any_role(&[Role::SystemAdmin, Role::SecurityAdmin])
        || (is_org_main(actor) && actor.org_id == target.org_id)
}

/// Whether `actor` may take `action` on `target` (which it may view).
pub fn may(actor: &Actor, action: AccountAction, target: &Target<'_>) -> bool {
    if !may_view(actor, target) {
        return false;
    }
    let own = actor.account_id == target.account_id;
    let main_of_org = is_org_main(actor) && actor.org_id == target.org_id;
    let sysadmin = actor.has_role(Role::SystemAdmin);
    let secadmin = actor.has_role(Role::SecurityAdmin);
    match action {
        AccountAction::View => true,
        _ if own => false,
        AccountAction::SetRoles => main_of_org || secadmin,
        AccountAction::SetEnabled
        | AccountAction::ResetPassword
        | AccountAction::RevealPersonalData => main_of_org || (sysadmin && !target.is_admin()),
        AccountAction::EndSessions => sysadmin || secadmin || main_of_org,
    }
}

/// Why the roles `new` may not be given to `target` by `actor`, or `None`.
pub fn roles_problem(actor: &Actor, target: &Target<'_>, new: &[Role]) -> Option<&'static str> {
    if new.iter().any(|r| !r.fits(target.org_kind)) {
        return Some("所选角色不属于该账户所在单位");
    }
    let admin_roles = new.iter().filter(|r| r.is_admin()).count();
    if admin_roles > 1 {
        return Some("系统管理员、安全管理员、审计管理员不能由同一人兼任");
    }
    let touches_admin = admin_roles > 0 || target.is_admin();
    if touches_admin && !actor.has_role(Role::SecurityAdmin) {
        return Some("管理员角色只能由安全管理员授予");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::fixtures::actor;

    fn target<'a>(id: &'a str, org: &'a str, kind: OrgKind, roles: &'a [Role]) -> Target<'a> {
        Target {
            account_id: id,
            org_id: org,
            org_kind: kind,
            roles,
        }
    }

    #[test]
    fn main_accounts_keep_their_own_organisation_only() {
        let mut main = actor(OrgKind::Agency, &[Role::ContractManager]);
        main.is_main = true;
        let own = target("x", "o", OrgKind::Agency, &[Role::Filer]);
        let other = target("y", "other", OrgKind::Agency, &[Role::Filer]);
        assert!(may(&main, AccountAction::SetRoles, &own));
        assert!(may(&main, AccountAction::SetEnabled, &own));
        assert!(!may_view(&main, &other));
        assert!(!may(&main, AccountAction::SetEnabled, &other));
        let myself = target("a", "o", OrgKind::Agency, &[]);
        assert!(may(&main, AccountAction::View, &myself));
        assert!(
            !may(&main, AccountAction::SetEnabled, &myself),
            "not oneself"
        );
    }

    #[test]
    fn three_separated_administrators() {
        let sys = actor(OrgKind::System, &[Role::SystemAdmin]);
        let sec = actor(OrgKind::System, &[Role::SecurityAdmin]);
        let aud = actor(OrgKind::System, &[Role::AuditAdmin]);
        let filer = target("f", "agency", OrgKind::Agency, &[Role::Filer]);
        let admin = target("s", "system", OrgKind::System, &[Role::SecurityAdmin]);

        assert!(may(&sys, AccountAction::SetEnabled, &filer));
        assert!(may(&sys, AccountAction::ResetPassword, &filer));
        assert!(
            !may(&sys, AccountAction::SetRoles, &filer),
            "system admin grants no roles"
        );
        assert!(!may(&sys, AccountAction::SetEnabled, &admin));

        assert!(may(&sec, AccountAction::SetRoles, &filer));
        assert!(
            !may(&sec, AccountAction::SetEnabled, &filer),
            "security admin keeps no accounts"
        );
        assert!(!may(&sec, AccountAction::ResetPassword, &filer));

        for action in [
            AccountAction::View,
            AccountAction::SetRoles,
            AccountAction::SetEnabled,
            AccountAction::ResetPassword,
            AccountAction::EndSessions,
        ] {
            assert!(!may(&aud, action, &filer), "audit admin: {action:?}");
        }
    }

    #[test]
    fn role_grants() {
        let sec = actor(OrgKind::System, &[Role::SecurityAdmin]);
        let mut main = actor(OrgKind::Agency, &[]);
        main.is_main = true;
        let person = target("p", "system", OrgKind::System, &[]);
        assert_eq!(roles_problem(&sec, &person, &[Role::AuditAdmin]), None);
        assert!(roles_problem(&sec, &person, &[Role::AuditAdmin, Role::SystemAdmin]).is_some());
        assert!(
            roles_problem(&sec, &person, &[Role::Filer]).is_some(),
            "wrong kind"
        );
        let sub = target("s", "o", OrgKind::Agency, &[]);
        assert_eq!(
            roles_problem(&main, &sub, &[Role::Filer, Role::Reviewer]),
            None
        );
        assert!(roles_problem(&main, &sub, &[Role::SystemAdmin]).is_some());
        assert!(roles_problem(&main, &sub, &[Role::Confirmer]).is_some());
    }
}
