//! Demo data: the 16 districts come from the catalogue; here are one organisation and account per
//! demo login. The logins are fixed (README) so that guides and scripts can rely on them. Later
//! capabilities add their own demo objects here.

use crate::{App, AppError, password, secret};
use emss_db::repo;
use emss_db::repo::account::NewAccount;
use emss_db::repo::organization::NewOrganization;
use emss_domain::ids::new_id;
use emss_domain::{AgencyCategory, OrgKind, Role};

/// Marks a database whose data the demo loader made.
const DEMO_MARKER: &str = "demo_data";

/// A well-formed PDF (catalog, empty page tree, correct cross-reference table): the file behind the
/// demo's scanned contract and monthly report, and the tests' sample document.
pub const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n";

struct DemoOrg {
    key: &'static str,
    kind: OrgKind,
    name: &'static str,
    district: Option<&'static str>,
    category: Option<AgencyCategory>,
}

struct DemoAccount {
    username: &'static str,
    /// Fictional mobile numbers, stored encrypted like real ones.
    phone: &'static str,
    name: &'static str,
    org: &'static str,
    is_main: bool,
    roles: &'static [Role],
}

const ORGS: &[DemoOrg] = &[
    DemoOrg {
        key: "city",
        kind: OrgKind::CityRegulator,
        name: "上海市生态环境局",
        district: None,
        category: None,
    },
    DemoOrg {
        key: "district_a",
        kind: OrgKind::DistrictRegulator,
        name: "上海市浦东新区生态环境局",
        district: Some("310115"),
        category: None,
    },
    DemoOrg {
        key: "district_b",
        kind: OrgKind::DistrictRegulator,
        name: "上海市闵行区生态环境局",
        district: Some("310112"),
        category: None,
    },
    DemoOrg {
        key: "agency_a",
        kind: OrgKind::Agency,
        name: "上海浦清环境检测技术有限公司",
        district: Some("310115"),
        category: Some(AgencyCategory::TestingMaintenance),
    },
    DemoOrg {
        key: "agency_b",
        kind: OrgKind::Agency,
        name: "上海沪闵环保设备运维有限公司",
        district: Some("310112"),
        category: Some(AgencyCategory::Maintenance),
    },
    DemoOrg {
        key: "selfom",
        kind: OrgKind::SelfMaintainingEnterprise,
        name: "上海临港滨海热电有限公司",
        district: Some("310115"),
        category: None,
    },
    DemoOrg {
        key: "ent_a",
        kind: OrgKind::Enterprise,
        name: "上海高桥东方精细化工有限公司",
        district: Some("310115"),
        category: None,
    },
    DemoOrg {
        key: "ent_b",
        kind: OrgKind::Enterprise,
        name: "上海莘庄华纺印染有限公司",
        district: Some("310112"),
        category: None,
    },
    DemoOrg {
        key: "system",
        kind: OrgKind::System,
        name: "环境监测社会化服务监管系统",
        district: None,
        category: None,
    },
];

const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "city",
        phone: "13916000101",
        name: "陈静",
        org: "city",
        is_main: true,
        roles: &[Role::CityRegulator, Role::FilingReviewer],
    },
    DemoAccount {
        username: "district_a",
        phone: "13916000102",
        name: "周敏",
        org: "district_a",
        is_main: true,
        roles: &[Role::DistrictRegulator],
    },
    DemoAccount {
        username: "district_b",
        phone: "13916000103",
        name: "吴磊",
        org: "district_b",
        is_main: true,
        roles: &[Role::DistrictRegulator],
    },
    DemoAccount {
        username: "agency_a",
        phone: "13916000104",
        name: "刘洋",
        org: "agency_a",
        is_main: true,
        roles: &[Role::ContractManager, Role::TaskManager],
    },
    DemoAccount {
        username: "filer_a",
        phone: "13916000105",
        name: "张伟",
        org: "agency_a",
        is_main: false,
        roles: &[Role::Filer],
    },
    DemoAccount {
        username: "filer_a2",
        phone: "13916000106",
        name: "李娜",
        org: "agency_a",
        is_main: false,
        roles: &[Role::Filer],
    },
    DemoAccount {
        username: "reviewer_a",
        phone: "13916000107",
        name: "王强",
        org: "agency_a",
        is_main: false,
        roles: &[Role::Reviewer],
    },
    DemoAccount {
        username: "agency_b",
        phone: "13916000108",
        name: "赵军",
        org: "agency_b",
        is_main: true,
        roles: &[Role::ContractManager, Role::TaskManager],
    },
    DemoAccount {
        username: "filer_b",
        phone: "13916000109",
        name: "孙浩",
        org: "agency_b",
        is_main: false,
        roles: &[Role::Filer],
    },
    DemoAccount {
        username: "reviewer_b",
        phone: "13916000110",
        name: "黄丽",
        org: "agency_b",
        is_main: false,
        roles: &[Role::Reviewer],
    },
    DemoAccount {
        username: "selfom",
        phone: "13916000111",
        name: "徐刚",
        org: "selfom",
        is_main: true,
        roles: &[
            Role::ContractManager,
            Role::TaskManager,
            Role::EnterpriseAdmin,
        ],
    },
    // Three different people file, confirm and review the self-maintaining enterprise's records.
    DemoAccount {
        username: "selfom_filer",
        phone: "13916000117",
        name: "钱进",
        org: "selfom",
        is_main: false,
        roles: &[Role::Filer],
    },
    DemoAccount {
        username: "selfom_confirm",
        phone: "13916000118",
        name: "冯晓燕",
        org: "selfom",
        is_main: false,
        roles: &[Role::Confirmer],
    },
    DemoAccount {
        username: "selfom_reviewer",
        phone: "13916000119",
        name: "蒋文",
        org: "selfom",
        is_main: false,
        roles: &[Role::Reviewer],
    },
    DemoAccount {
        username: "ent_a",
        phone: "13916000112",
        name: "马丽",
        org: "ent_a",
        is_main: true,
        roles: &[Role::EnterpriseAdmin, Role::Confirmer],
    },
    DemoAccount {
        username: "ent_b",
        phone: "13916000113",
        name: "郭峰",
        org: "ent_b",
        is_main: true,
        roles: &[Role::EnterpriseAdmin, Role::Confirmer],
    },
    DemoAccount {
        username: "sysadmin",
        phone: "13916000114",
        name: "系统管理员",
        org: "system",
        is_main: false,
        roles: &[Role::SystemAdmin],
    },
    DemoAccount {
        username: "secadmin",
        phone: "13916000115",
        name: "安全管理员",
        org: "system",
        is_main: false,
        roles: &[Role::SecurityAdmin],
    },
    DemoAccount {
        username: "auditadmin",
        phone: "13916000116",
        name: "审计管理员",
        org: "system",
        is_main: false,
        roles: &[Role::AuditAdmin],
    },
];

/// One demo login, for the start-up banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: &'static str,
    pub name: &'static str,
    pub org_name: &'static str,
    pub roles: String,
}

/// The demo accounts' (fictional) phone numbers, for tests that look for leaks.
pub fn phones() -> impl Iterator<Item = &'static str> {
    ACCOUNTS.iter().map(|a| a.phone)
}

/// Every demo username, in banner order.
pub fn usernames() -> impl Iterator<Item = &'static str> {
    ACCOUNTS.iter().map(|a| a.username)
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "数据库中已有非演示数据（{0} 个非演示账户），拒绝载入演示数据；请为演示另用一个数据目录或数据库"
    )]
    RealDataPresent(u64),
    #[error("载入演示数据失败：{0}")]
    Failed(#[from] AppError),
}

/// A random password for the demo logins, when none is configured.
pub fn random_password() -> Result<String, AppError> {
    secret::password(3).map_err(AppError::internal)
}

/// Loads the demo data, or — when this database already holds it — sets every demo login's
/// password to `password`, so the banner always tells the truth. Refuses a database that holds
/// anything else.
pub async fn load(app: &App, password: &str) -> Result<Vec<DemoLogin>, DemoError> {
    let db = &app.db().conn;
    let non_demo = repo::account::count_non_demo(db)
        .await
        .map_err(AppError::from)?;
    if non_demo > 0 {
        return Err(DemoError::RealDataPresent(non_demo));
    }
    let hashes = hash_all(password).await?;
    let loaded = repo::setting::get(db, DEMO_MARKER)
        .await
        .map_err(AppError::from)?
        .is_some();
    let now = app.now();
    let mut inspection_demo: Option<(String, String)> = None;
    let txn = app.db().begin_write().await.map_err(AppError::from)?;
    if loaded {
        for (account, hash) in ACCOUNTS.iter().zip(hashes) {
            if let Some(found) = repo::account::find_by_username(&txn, account.username)
                .await
                .map_err(AppError::from)?
            {
                repo::account::set_password_hash(&txn, &found.account.id, hash, now, None)
                    .await
                    .map_err(AppError::from)?;
            }
        }
    } else {
        let mut org_ids = std::collections::HashMap::new();
        for org in ORGS {
            let id = new_id();
            repo::organization::insert(
                &txn,
                NewOrganization {
                    id: id.clone(),
                    kind: org.kind,
                    name: org.name,
                    district_code: org.district,
                    agency_category: org.category,
                    uscc: None,
                    created_at: now,
                },
            )
            .await
            .map_err(AppError::from)?;
            org_ids.insert(org.key, id);
        }
        // (org key, account id, name) of each demo account, for the staff records below.
        let mut people: Vec<(&str, String, &str)> = Vec::new();
        for (account, hash) in ACCOUNTS.iter().zip(hashes) {
            let org_id = org_ids
                .get(account.org)
                .ok_or_else(|| AppError::internal(format!("demo org {} missing", account.org)))?;
            let id = new_id();
            people.push((account.org, id.clone(), account.name));
            let phone = crate::account::seal_phone(app, &id, account.phone)?;
            repo::account::insert(
                &txn,
                NewAccount {
                    id,
                    org_id,
                    username: account.username,
                    name: account.name,
                    password_hash: hash,
                    is_main: account.is_main,
                    must_change_password: false,
                    is_demo: true,
                    roles: account.roles,
                    created_at: now,
                    password_expires_at: None,
                    phone: Some(phone),
                },
            )
            .await
            .map_err(AppError::from)?;
        }
        let filers: Vec<_> = ORGS
            .iter()
            .filter(|o| o.kind.does_maintenance())
            .filter_map(|o| {
                org_ids.get(o.key).map(|id| crate::filing::DemoAgency {
                    org_id: id,
                    kind: o.kind,
                    name: o.name,
                    category: o.category,
                    district: o.district,
                })
            })
            .collect();
        crate::filing::load_demo(&txn, app, &filers, now).await?;
        for org in ORGS.iter().filter(|o| o.kind.does_maintenance()) {
            let Some(org_id) = org_ids.get(org.key) else {
                continue;
            };
            let staff: Vec<(String, &str)> = people
                .iter()
                .filter(|(key, _, _)| *key == org.key)
                .map(|(_, id, name)| (id.clone(), *name))
                .collect();
            crate::agency_resources::load_demo(&txn, app, org_id, &staff, now).await?;
        }
        // A change request waiting for the city's review: agency B moves its office.
        if let (Some(org_id), Some((_, requester, _))) = (
            org_ids.get("agency_b"),
            people.iter().find(|(key, _, _)| *key == "agency_b"),
        ) {
            crate::filing_change::load_demo(&txn, app, org_id, requester, now).await?;
        }
        for (key, position) in [
            ("ent_a", ("31.22100", "121.54400")),
            ("ent_b", ("31.11260", "121.38170")),
            ("selfom", ("30.89950", "121.92630")),
        ] {
            if let Some(id) = org_ids.get(key) {
                crate::outlets::load_demo(&txn, id, position, now).await?;
            }
        }
        // The self-maintaining enterprise: its internal contract, as filing makes it, and its
        // own running task.
        if let Some(selfom) = org_ids.get("selfom") {
            let today = emss_domain::time::shanghai_date(now);
            let start = today
                .checked_sub_days(chrono::Days::new(90))
                .ok_or_else(|| AppError::internal("demo date"))?;
            let name = ORGS
                .iter()
                .find(|o| o.key == "selfom")
                .map(|o| o.name)
                .unwrap_or_default();
            crate::contracts::internal::open(&txn, app, None, selfom, name, start, now).await?;
            crate::tasks::load_demo(&txn, app, selfom, crate::tasks::SELF_TASKS, None, now).await?;
        }
        if let (Some(agency), Some(a), Some(b), Some((_, manager, manager_name))) = (
            org_ids.get("agency_a"),
            org_ids.get("ent_a"),
            org_ids.get("ent_b"),
            people.iter().find(|(key, _, _)| *key == "agency_a"),
        ) {
            let parties = [a.as_str(), b.as_str()];
            crate::contracts::load_demo(&txn, app, agency, &parties, manager, now).await?;
            crate::tasks::load_demo(
                &txn,
                app,
                agency,
                crate::tasks::AGENCY_TASKS,
                Some(manager),
                now,
            )
            .await?;
            // The first filer and reviewer of agency A, and ent_a's confirmer.
            let holder = |org: &str, role: Role| {
                ACCOUNTS
                    .iter()
                    .zip(&people)
                    .find(|(account, _)| account.org == org && account.roles.contains(&role))
                    .map(|(_, (_, id, name))| (id.as_str(), *name))
            };
            if let (Some(filer), Some(confirmer), Some(reviewer)) = (
                holder("agency_a", Role::Filer),
                holder("ent_a", Role::Confirmer),
                holder("agency_a", Role::Reviewer),
            ) {
                let people = crate::records::DemoPeople {
                    filer,
                    confirmer,
                    reviewer,
                };
                crate::records::load_demo(&txn, app, agency, &people, now).await?;
            }
            // 浦东's orders to agency A from those records.
            if let (Some(district), Some((_, regulator, regulator_name))) = (
                org_ids.get("district_a"),
                people.iter().find(|(key, _, _)| *key == "district_a"),
            ) {
                let authority = ORGS
                    .iter()
                    .find(|o| o.key == "district_a")
                    .map(|o| app.districts().name(o.district))
                    .unwrap_or_default();
                let parties = crate::rectifications::DemoParties {
                    regulator: (district.as_str(), regulator.as_str(), regulator_name),
                    authority,
                    agency: (agency.as_str(), manager.as_str(), manager_name),
                };
                crate::rectifications::load_demo(&txn, app, &parties, now).await?;
                inspection_demo = Some((regulator.clone(), agency.clone()));
            }
        }
        repo::setting::set(&txn, DEMO_MARKER, "1", now)
            .await
            .map_err(AppError::from)?;
    }
    crate::audit::record(
        &txn,
        app,
        None,
        if loaded {
            "demo.passwords"
        } else {
            "demo.load"
        },
        None,
        crate::audit::Outcome::Ok,
        serde_json::json!({"accounts": ACCOUNTS.len()}),
    )
    .await?;
    txn.commit().await.map_err(AppError::from)?;
    // Through the use cases themselves, which write in transactions of their own.
    if let Some((regulator, agency)) = inspection_demo {
        crate::inspections::load_demo(app, &regulator, &agency).await?;
        // The day's suggestions (整改建议) from what the demo holds.
        crate::rectifications::suggestions::run(app).await?;
        crate::credit::load_demo(app).await?;
    }
    Ok(logins())
}

/// The demo logins with their roles, in banner order.
pub fn logins() -> Vec<DemoLogin> {
    ACCOUNTS
        .iter()
        .map(|a| {
            let org = ORGS.iter().find(|o| o.key == a.org);
            let mut roles: Vec<&str> = Vec::new();
            if a.is_main {
                roles.push("主账户");
            }
            roles.extend(a.roles.iter().map(|r| r.label()));
            DemoLogin {
                username: a.username,
                name: a.name,
                org_name: org.map(|o| o.name).unwrap_or(""),
                roles: roles.join("、"),
            }
        })
        .collect()
}

/// One argon2 hash per demo account. One after the other: in parallel, each blocking thread
/// would keep its own 19 MiB of allocator memory long after the hashing is done.
async fn hash_all(password: &str) -> Result<Vec<String>, AppError> {
    let mut hashes = Vec::with_capacity(ACCOUNTS.len());
    for _ in ACCOUNTS {
        hashes.push(password::hash(password.to_string()).await?);
    }
    Ok(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_accounts_fit_their_organisations() {
        for a in ACCOUNTS {
            let org = ORGS.iter().find(|o| o.key == a.org).unwrap();
            for r in a.roles {
                assert!(r.fits(org.kind), "{} cannot hold {:?}", a.username, r);
            }
            assert!(
                emss_domain::account::username_problem(a.username).is_none(),
                "{}",
                a.username
            );
        }
        let admins: Vec<_> = ACCOUNTS
            .iter()
            .filter(|a| a.roles.iter().any(|r| r.is_admin()))
            .collect();
        assert_eq!(admins.len(), 3);
        assert!(
            admins.iter().all(|a| a.roles.len() == 1),
            "三员: one admin role per person"
        );
        assert_eq!(usernames().count(), 19);
        let selfom: Vec<Vec<Role>> = ACCOUNTS
            .iter()
            .filter(|a| a.org == "selfom")
            .map(|a| a.roles.to_vec())
            .collect();
        assert_eq!(
            emss_domain::duties::three_people_problem(&selfom),
            None,
            "the self-maintaining enterprise files, confirms and reviews with three people"
        );
    }
}
