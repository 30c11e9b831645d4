//! Permissions: every route names exactly one, and this is the one place that says which actors
//! hold it. Deny by default. Finer rules about one object (whose account, which role) live with the
//! object (`account_rights`).

use crate::actor::Actor;
use crate::org::OrgKind;
use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone, signed in or not: login, health checks, public pages, static assets.
    Public,
    /// Any signed-in account: home page, own account, own password, help center.
    SignedIn,
    /// Lists and opens accounts: the system and security administrators (all accounts) and every
    /// organisation's main account (its own sub-accounts).
    ListAccounts,
    /// Creates accounts: the system administrator and main accounts.
    CreateAccount,
    /// Password, lockout and session policy: the security administrator.
    ManageSecurityPolicy,
    /// Searching, exporting and verifying the audit log: the audit administrator.
    ReadAudit,
    /// Publishing a new version of a form definition: the city regulator.
    PublishCatalogue,
    /// The own filing (备案): the main account of an agency or self-maintaining enterprise.
    ManageOwnFiling,
    /// 机构查询 over all filings: city and district regulators.
    SearchAgencies,
    /// First and second review of filings: the city regulator's filing reviewers.
    ReviewFiling,
    /// Publishing filed agencies (已公开): the city regulator.
    PublishFiling,
    /// Keeping the own outlets and instruments: the enterprise administrator.
    ManageOutlets,
    /// 排口管理 pages: enterprises (their own outlets) and regulators (those in their scope).
    ViewOutlets,
    /// Importing enterprises with their administrators: the system administrator.
    ImportEnterprises,
    /// Drafting and submitting the agency's contracts: an agency's contract manager. A
    /// self-maintaining enterprise has one internal contract, made when it is filed, and drafts none.
    ManageContracts,
    /// Confirming or sending back contracts as party A: the enterprise administrator.
    DecideContracts,
    /// 合同管理 lists in scope: those two, a self-maintaining enterprise's contract manager and
    /// administrator, and the regulators.
    ViewContracts,
    /// 运维任务申请, submitting and closing the tasks: the task manager of an agency or of a
    /// self-maintaining enterprise (which acts as its own agency).
    ManageTasks,
    /// Task lists, 任务详情 and 运维管理 in scope: the agency's task manager, field engineers
    /// and reviewers; the enterprise's administrator and confirmers; all of these in a
    /// self-maintaining enterprise; the regulators.
    ViewTasks,
    /// Approving or rejecting a change request of a running task as party A: the administrator of
    /// the enterprise (self-maintaining or not).
    DecideTaskChanges,
    /// Uploading evidence images (工作照, 现场照片, 签名) and reading those of the own
    /// organisation: field engineers, reviewers and enterprise confirmers.
    FileEvidence,
    /// Filing maintenance records on site (现场运维): the field engineers of an agency or of a
    /// self-maintaining enterprise.
    FileRecords,
    /// Confirming the records on the enterprise's outlets (运维确认): the confirmers of an
    /// enterprise or of a self-maintaining enterprise (never the record's filer: `records::confirm`).
    ConfirmRecords,
    /// Approving or voiding confirmed records (运维审核): the reviewers of an agency or of a
    /// self-maintaining enterprise (never the record's filer or confirmer: `records::review`).
    ReviewRecords,
    /// Reading records in scope: whoever reads tasks.
    ViewRecords,
    /// Drafting, issuing, accepting (销号) and returning rectification orders (整改单): the city
    /// and district regulators, within their scope.
    IssueRectifications,
    /// Signing for (签收) and answering the orders addressed to the own organisation: the main
    /// account and the task managers of an agency or self-maintaining enterprise — the people its
    /// main account names by giving them that role.
    RespondRectifications,
    /// 整改单管理 lists in scope: the regulators, those two and the agency's reviewers, and the
    /// enterprise's administrator (the orders concerning its outlets, read only).
    ViewRectifications,
    /// Planning and recording supervisory inspections (监督检查) and their findings: the city and
    /// district regulators, within their scope.
    Inspect,
    /// 监督检查 lists in scope: the regulators, and read-only the inspected agency and enterprise
    /// (whoever reads its orders) once an inspection is recorded.
    ViewInspections,
    /// 统计查询 in scope: whoever reads the records (a regulator its jurisdiction, an agency its
    /// own work, an enterprise its outlets).
    ViewStatistics,
    /// The portal's style page (/help/ui): the three administrators, who look after the pages.
    ViewStyleGuide,
    /// Editing and publishing the credit indicator systems (评价指标体系) and computing ratings on
    /// demand: the city regulator.
    ManageCredit,
    /// 信用评价 ratings with their breakdown: the regulators (every agency), and an agency's main
    /// account, task and contract managers (its own).
    ViewCredit,
    /// 提出异议 to the agency's own final rating while it is in publicity: the agency's main
    /// account, which speaks for the agency.
    ObjectToCredit,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Public => "public",
            Permission::SignedIn => "signed_in",
            Permission::ListAccounts => "list_accounts",
            Permission::CreateAccount => "create_account",
            Permission::ManageSecurityPolicy => "manage_security_policy",
            Permission::ReadAudit => "read_audit",
            Permission::PublishCatalogue => "publish_catalogue",
            Permission::ManageOwnFiling => "manage_own_filing",
            Permission::SearchAgencies => "search_agencies",
            Permission::ReviewFiling => "review_filing",
            Permission::PublishFiling => "publish_filing",
            Permission::ManageOutlets => "manage_outlets",
            Permission::ViewOutlets => "view_outlets",
            Permission::ImportEnterprises => "import_enterprises",
            Permission::ManageContracts => "manage_contracts",
            Permission::DecideContracts => "decide_contracts",
            Permission::ViewContracts => "view_contracts",
            Permission::ManageTasks => "manage_tasks",
            Permission::ViewTasks => "view_tasks",
            Permission::DecideTaskChanges => "decide_task_changes",
            Permission::FileEvidence => "file_evidence",
            Permission::FileRecords => "file_records",
            Permission::ConfirmRecords => "confirm_records",
            Permission::ReviewRecords => "review_records",
            Permission::ViewRecords => "view_records",
            Permission::IssueRectifications => "issue_rectifications",
            Permission::RespondRectifications => "respond_rectifications",
            Permission::ViewRectifications => "view_rectifications",
            Permission::Inspect => "inspect",
            Permission::ViewInspections => "view_inspections",
            Permission::ViewStatistics => "view_statistics",
            Permission::ViewStyleGuide => "view_style_guide",
            Permission::ManageCredit => "manage_credit",
            Permission::ViewCredit => "view_credit",
            Permission::ObjectToCredit => "object_to_credit",
        }
    }

    /// Whether `actor` (None = anonymous) holds this permission.
    pub fn allows(self, actor: Option<&Actor>) -> bool {
        let Some(a) = actor else {
            return self == Permission::Public;
        };
        match self {
            Permission::Public | Permission::SignedIn => true,
            Permission::ListAccounts => {
                a.has_any_role(&[Role::SystemAdmin, Role::SecurityAdmin]) || is_org_main(a)
            }
            Permission::CreateAccount => a.has_role(Role::SystemAdmin) || is_org_main(a),
            Permission::ManageSecurityPolicy => a.has_role(Role::SecurityAdmin),
            Permission::ReadAudit => a.has_role(Role::AuditAdmin),
            Permission::PublishCatalogue | Permission::PublishFiling => {
                a.org_kind == OrgKind::CityRegulator && a.has_role(Role::CityRegulator)
            }
            Permission::ManageOwnFiling => a.is_main && a.org_kind.does_maintenance(),
            Permission::ImportEnterprises => a.has_role(Role::SystemAdmin),
            Permission::ManageContracts => {
                a.org_kind == OrgKind::Agency && a.has_role(Role::ContractManager)
            }
            // Party A of an agency's contract is an 排污企业; the internal contract of a
            // self-maintaining enterprise is confirmed when it is made.
            Permission::DecideContracts => {
                a.org_kind == OrgKind::Enterprise && a.has_role(Role::EnterpriseAdmin)
            }
            Permission::DecideTaskChanges => {
                a.org_kind.owns_outlets() && a.has_role(Role::EnterpriseAdmin)
            }
            Permission::ViewContracts => match a.org_kind {
                OrgKind::Agency => a.has_role(Role::ContractManager),
                OrgKind::Enterprise => a.has_role(Role::EnterpriseAdmin),
                OrgKind::SelfMaintainingEnterprise => {
                    a.has_any_role(&[Role::ContractManager, Role::EnterpriseAdmin])
                }
                _ => a.has_any_role(&[Role::CityRegulator, Role::DistrictRegulator]),
            },
            Permission::ManageTasks => {
                a.org_kind.does_maintenance() && a.has_role(Role::TaskManager)
            }
            Permission::FileEvidence => {
                a.has_any_role(&[Role::Filer, Role::Reviewer, Role::Confirmer])
            }
            Permission::FileRecords => a.org_kind.does_maintenance() && a.has_role(Role::Filer),
            Permission::ConfirmRecords => a.org_kind.owns_outlets() && a.has_role(Role::Confirmer),
            Permission::ReviewRecords => {
                a.org_kind.does_maintenance() && a.has_role(Role::Reviewer)
            }
            Permission::ViewTasks | Permission::ViewRecords => match a.org_kind {
                OrgKind::Agency => {
                    a.has_any_role(&[Role::TaskManager, Role::Filer, Role::Reviewer])
                }
                OrgKind::Enterprise => a.has_any_role(&[Role::EnterpriseAdmin, Role::Confirmer]),
                OrgKind::SelfMaintainingEnterprise => a.has_any_role(&[
                    Role::TaskManager,
                    Role::Filer,
                    Role::Reviewer,
                    Role::EnterpriseAdmin,
                    Role::Confirmer,
                ]),
                _ => a.has_any_role(&[Role::CityRegulator, Role::DistrictRegulator]),
            },
            Permission::ViewOutlets => {
                a.org_kind.owns_outlets()
                    || a.has_any_role(&[Role::CityRegulator, Role::DistrictRegulator])
            }
            Permission::ManageOutlets => {
                a.org_kind.owns_outlets() && a.has_role(Role::EnterpriseAdmin)
            }
            Permission::SearchAgencies => a.has_any_role(&[
                Role::CityRegulator,
                Role::DistrictRegulator,
                Role::FilingReviewer,
            ]),
            Permission::ReviewFiling => {
                a.org_kind == OrgKind::CityRegulator && a.has_role(Role::FilingReviewer)
            }
            Permission::IssueRectifications => {
                a.org_kind.is_regulator()
                    && a.has_any_role(&[Role::CityRegulator, Role::DistrictRegulator])
            }
            Permission::RespondRectifications => {
                a.org_kind.does_maintenance() && (a.is_main || a.has_role(Role::TaskManager))
            }
            Permission::ViewRectifications => {
                Permission::IssueRectifications.allows(actor)
                    || Permission::RespondRectifications.allows(actor)
                    || (a.org_kind.does_maintenance() && a.has_role(Role::Reviewer))
                    || (a.org_kind.owns_outlets() && a.has_role(Role::EnterpriseAdmin))
            }
            Permission::Inspect => Permission::IssueRectifications.allows(actor),
            Permission::ViewInspections => Permission::ViewRectifications.allows(actor),
            Permission::ViewStatistics => Permission::ViewRecords.allows(actor),
            Permission::ViewStyleGuide => {
                a.has_any_role(&[Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin])
            }
            Permission::ManageCredit => Permission::PublishCatalogue.allows(actor),
            Permission::ViewCredit => match a.org_kind {
                OrgKind::Agency => {
                    a.is_main || a.has_any_role(&[Role::TaskManager, Role::ContractManager])
                }
                OrgKind::CityRegulator | OrgKind::DistrictRegulator => {
                    a.has_any_role(&[Role::CityRegulator, Role::DistrictRegulator])
                }
                _ => false,
            },
            Permission::ObjectToCredit => a.org_kind == OrgKind::Agency && a.is_main,
        }
    }
}

/// The main account of an organisation that manages its own sub-accounts.
pub fn is_org_main(a: &Actor) -> bool {
    a.is_main && a.org_kind != OrgKind::System
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::fixtures::actor;

    #[test]
    fn deny_by_default() {
        assert!(Permission::Public.allows(None));
        assert!(!Permission::SignedIn.allows(None));
        assert!(!Permission::ListAccounts.allows(None));
        let filer = actor(OrgKind::Agency, &[Role::Filer]);
        assert!(Permission::SignedIn.allows(Some(&filer)));
        assert!(!Permission::ListAccounts.allows(Some(&filer)));
        assert!(!Permission::CreateAccount.allows(Some(&filer)));
        let mut main = actor(OrgKind::Agency, &[Role::ContractManager]);
        main.is_main = true;
        assert!(Permission::ListAccounts.allows(Some(&main)));
        assert!(Permission::CreateAccount.allows(Some(&main)));
        let sysadmin = actor(OrgKind::System, &[Role::SystemAdmin]);
        assert!(Permission::CreateAccount.allows(Some(&sysadmin)));
        assert!(!Permission::ManageSecurityPolicy.allows(Some(&sysadmin)));
        let secadmin = actor(OrgKind::System, &[Role::SecurityAdmin]);
        assert!(Permission::ListAccounts.allows(Some(&secadmin)));
        assert!(!Permission::CreateAccount.allows(Some(&secadmin)));
        assert!(Permission::ManageSecurityPolicy.allows(Some(&secadmin)));
        let auditadmin = actor(OrgKind::System, &[Role::AuditAdmin]);
        assert!(!Permission::ListAccounts.allows(Some(&auditadmin)));
        let city = actor(OrgKind::CityRegulator, &[Role::CityRegulator]);
        assert!(Permission::PublishCatalogue.allows(Some(&city)));
        let district = actor(OrgKind::DistrictRegulator, &[Role::DistrictRegulator]);
        assert!(!Permission::PublishCatalogue.allows(Some(&district)));
        assert!(!Permission::PublishCatalogue.allows(Some(&sysadmin)));
        let reviewer = actor(OrgKind::CityRegulator, &[Role::FilingReviewer]);
        assert!(Permission::ReviewFiling.allows(Some(&reviewer)));
        assert!(Permission::SearchAgencies.allows(Some(&reviewer)));
        assert!(!Permission::ReviewFiling.allows(Some(&district)));
        assert!(Permission::SearchAgencies.allows(Some(&district)));
        assert!(!Permission::SearchAgencies.allows(Some(&filer)));
        let mut agency_main = actor(OrgKind::Agency, &[]);
        agency_main.is_main = true;
        assert!(Permission::ManageOwnFiling.allows(Some(&agency_main)));
        assert!(!Permission::ManageOwnFiling.allows(Some(&filer)));
    }

    #[test]
    fn regulators_issue_orders_and_the_agency_answers() {
        let city = actor(OrgKind::CityRegulator, &[Role::CityRegulator]);
        let district = actor(OrgKind::DistrictRegulator, &[Role::DistrictRegulator]);
        let filing_reviewer = actor(OrgKind::CityRegulator, &[Role::FilingReviewer]);
        let mut agency_main = actor(OrgKind::Agency, &[]);
        agency_main.is_main = true;
        let task_manager = actor(OrgKind::Agency, &[Role::TaskManager]);
        let reviewer = actor(OrgKind::Agency, &[Role::Reviewer]);
        let filer = actor(OrgKind::Agency, &[Role::Filer]);
        let enterprise = actor(OrgKind::Enterprise, &[Role::EnterpriseAdmin]);
        let confirmer = actor(OrgKind::Enterprise, &[Role::Confirmer]);
        let selfom = actor(OrgKind::SelfMaintainingEnterprise, &[Role::TaskManager]);
        let issue = Permission::IssueRectifications;
        let respond = Permission::RespondRectifications;
        let view = Permission::ViewRectifications;
        for a in [&city, &district] {
            assert!(issue.allows(Some(a)) && view.allows(Some(a)) && !respond.allows(Some(a)));
        }
        assert!(!issue.allows(Some(&filing_reviewer)) && !view.allows(Some(&filing_reviewer)));
        for a in [&agency_main, &task_manager, &selfom] {
            assert!(respond.allows(Some(a)) && view.allows(Some(a)) && !issue.allows(Some(a)));
        }
        for a in [&reviewer, &enterprise] {
            assert!(view.allows(Some(a)) && !respond.allows(Some(a)) && !issue.allows(Some(a)));
        }
        for a in [&filer, &confirmer] {
            assert!(!view.allows(Some(a)));
        }
    }

    #[test]
    fn a_self_maintaining_enterprise_works_as_its_own_agency() {
        let kind = OrgKind::SelfMaintainingEnterprise;
        let main = actor(
            kind,
            &[
                Role::ContractManager,
                Role::TaskManager,
                Role::EnterpriseAdmin,
            ],
        );
        for p in [
            Permission::ViewContracts,
            Permission::ManageTasks,
            Permission::ViewTasks,
            Permission::ViewRecords,
            Permission::DecideTaskChanges,
            Permission::ManageOutlets,
        ] {
            assert!(p.allows(Some(&main)), "{p:?}");
        }
        // Its one contract is made for it; it drafts none and has no party to decide them.
        assert!(!Permission::ManageContracts.allows(Some(&main)));
        assert!(!Permission::DecideContracts.allows(Some(&main)));
        for (role, p) in [
            (Role::Filer, Permission::FileRecords),
            (Role::Confirmer, Permission::ConfirmRecords),
            (Role::Reviewer, Permission::ReviewRecords),
        ] {
            let person = actor(kind, &[role]);
            assert!(p.allows(Some(&person)), "{role:?}");
            assert!(Permission::ViewRecords.allows(Some(&person)), "{role:?}");
            assert!(!Permission::ManageTasks.allows(Some(&person)), "{role:?}");
        }
        // An agency confirms nothing; an enterprise files and reviews nothing.
        assert!(
            !Permission::ConfirmRecords.allows(Some(&actor(OrgKind::Agency, &[Role::Confirmer])))
        );
        assert!(!Permission::FileRecords.allows(Some(&actor(OrgKind::Enterprise, &[Role::Filer]))));
        assert!(
            !Permission::ReviewRecords.allows(Some(&actor(OrgKind::Enterprise, &[Role::Reviewer])))
        );
    }
}
