//! Agencies (filing, staff, accounts), regulators, enterprises with their outlets and instruments.

use super::{FILERS, Ids, hex_of, put};
use crate::scale::Scale;
use anyhow::{Result, anyhow};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{
    account, account_role, agency_staff, filing, instrument, instrument_version, organization,
    outlet,
};
use indicatif::ProgressBar;
use sea_orm::ConnectionTrait;
fn org(
    id: &str,
    kind: &str,
    name: String,
    district: Option<&str>,
    at: DateTime<Utc>,
) -> organization::Model {
    organization::Model {
        id: id.to_string(),
        kind: kind.into(),
        name,
        district_code: district.map(String::from),
        agency_category: (kind == "agency").then(|| "testing_maintenance".into()),
        uscc: None,
        created_at: at,
    }
}

#[allow(clippy::too_many_arguments)]
fn login(
    accounts: &mut Vec<account::Model>,
    roles: &mut Vec<account_role::Model>,
    org_id: &str,
    username: String,
    name: String,
    is_main: bool,
    grants: &[&str],
    hash: &str,
    at: DateTime<Utc>,
) -> String {
    let id = emss_domain::ids::new_id();
    accounts.push(account::Model {
        id: id.clone(),
        org_id: org_id.to_string(),
        username,
        name,
        password_hash: hash.to_string(),
        is_main,
        disabled: false,
        must_change_password: false,
        is_demo: false,
        created_at: at,
        last_login_at: None,
        password_changed_at: Some(at),
        password_expires_at: None,
        phone_cipher: None,
        phone_key: None,
        phone_index: None,
        phone_masked: None,
    });
    for role in grants {
        roles.push(account_role::Model {
            account_id: id.clone(),
            role: role.to_string(),
            granted_at: at,
        });
    }
    id
}

const SURNAMES: &[&str] = &[
    "张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "静", "敏", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛",
];
const TRADES: &[&str] = &[
    "化工",
    "电镀",
    "印染",
    "制药",
    "热电",
    "造纸",
    "食品",
    "污水处理",
    "钢铁",
    "涂装",
];
const FIRMS: &[&str] = &[
    "浦清", "沪闵", "申环", "沪东", "蓝天", "碧水", "华测", "谱尼", "清源", "绿洲",
];

fn person(rng: &mut fastrand::Rng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.usize(..SURNAMES.len())],
        GIVEN[rng.usize(..GIVEN.len())]
    )
}

pub(super) async fn organisations(
    db: &impl ConnectionTrait,
    scale: &Scale,
    codes: &[String],
    hash: &str,
    at: DateTime<Utc>,
    rng: &mut fastrand::Rng,
    bar: &ProgressBar,
) -> Result<Ids> {
    let (mut orgs, mut accounts, mut roles) = (Vec::new(), Vec::new(), Vec::new());
    let city = emss_domain::ids::new_id();
    orgs.push(org(
        &city,
        "city_regulator",
        "上海市生态环境局（基准）".into(),
        None,
        at,
    ));
    login(
        &mut accounts,
        &mut roles,
        &city,
        "bench_city".into(),
        "市级监管".into(),
        true,
        &["city_regulator", "filing_reviewer"],
        hash,
        at,
    );
    for code in codes {
        let id = emss_domain::ids::new_id();
        orgs.push(org(
            &id,
            "district_regulator",
            format!("区生态环境局 {code}"),
            Some(code),
            at,
        ));
        login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_d{code}"),
            "区级监管".into(),
            true,
            &["district_regulator"],
            hash,
            at,
        );
    }
    let (mut staff, mut filings) = (Vec::new(), Vec::new());
    let mut ids = Ids {
        agencies: Vec::new(),
        enterprises: Vec::new(),
        reviewers: Vec::new(),
        outlets: Vec::new(),
        filers: Vec::new(),
    };
    for a in 0..scale.agencies {
        let id = emss_domain::ids::new_id();
        let district = &codes[a % codes.len()];
        let name = format!(
            "上海{}{}环境技术有限公司{}",
            FIRMS[a % FIRMS.len()],
            ["检测", "运维", "环保"][a % 3],
            a
        );
        orgs.push(org(&id, "agency", name.clone(), Some(district), at));
        login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_a{a}"),
            name.clone(),
            true,
            &["contract_manager", "task_manager"],
            hash,
            at,
        );
        let reviewer = person(rng);
        let reviewer_id = login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_a{a}_review"),
            reviewer.clone(),
            false,
            &["reviewer"],
            hash,
            at,
        );
        ids.reviewers.push((reviewer_id, reviewer));
        let mut filers = Vec::new();
        for f in 0..FILERS {
            let who = person(rng);
            let account_id = login(
                &mut accounts,
                &mut roles,
                &id,
                format!("bench_a{a}_f{f}"),
                who.clone(),
                false,
                &["filer"],
                hash,
                at,
            );
            let staff_id = emss_domain::ids::new_id();
            staff.push(agency_staff::Model {
                id: staff_id.clone(),
                org_id: id.clone(),
                name: who.clone(),
                gender: ["男", "女"][f % 2].into(),
                // Generated people have no identity number to protect: only its masked form.
                id_number_cipher: String::new(),
                id_number_key: String::new(),
                id_number_index: hex_of(rng, 16),
                id_number_masked: "310***********0000".into(),
                education: "本科".into(),
                post: "现场运维".into(),
                technician: true,
                title: None,
                resigned: false,
                resigned_on: None,
                account_id: Some(account_id.clone()),
                created_at: at,
                updated_at: at,
            });
            filers.push((account_id, who, staff_id));
        }
        filings.push(filing::Model {
            org_id: id.clone(),
            kind: "agency".into(),
            state: "filed".into(),
            published: a % 10 != 9,
            name,
            uscc: format!("91310{:013}", a),
            category: "testing_maintenance".into(),
            legal_representative: person(rng),
            contact_name: person(rng),
            contact_phone_cipher: String::new(),
            contact_phone_key: String::new(),
            contact_phone_masked: "138****0000".into(),
            registered_address: format!("上海市{}路{}号", TRADES[a % TRADES.len()], a + 1),
            lab_address: None,
            district_code: district.clone(),
            reject_reason: None,
            version: 3,
            submitted_at: Some(at),
            filed_at: Some(at),
            published_at: (a % 10 != 9).then_some(at),
            created_at: at,
            updated_at: at,
        });
        ids.agencies.push(id);
        ids.filers.push(filers);
        bar.inc(1);
    }
    put(db, orgs.split_off(0)).await?;
    put(db, std::mem::take(&mut filings)).await?;
    put(db, std::mem::take(&mut staff)).await?;

    let (mut outlets, mut instruments, mut versions) = (Vec::new(), Vec::new(), Vec::new());
    let per_outlet = scale.instruments as f64 / scale.outlets.max(1) as f64;
    let mut placed = 0usize;
    for e in 0..scale.enterprises {
        let id = emss_domain::ids::new_id();
        let district = codes[e % codes.len()].clone();
        let name = format!(
            "上海{}{}有限公司{}",
            ["金山", "宝山", "浦东", "闵行", "松江"][e % 5],
            TRADES[e % TRADES.len()],
            e
        );
        orgs.push(org(&id, "enterprise", name.clone(), Some(&district), at));
        let admin = person(rng);
        let admin_id = login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_e{e}"),
            admin.clone(),
            true,
            &["enterprise_admin", "confirmer"],
            hash,
            at,
        );
        let lat = 30.9 + rng.f64() * 0.5;
        let lon = 121.2 + rng.f64() * 0.6;
        let outlets_here = (scale.outlets / scale.enterprises.max(1)).max(1);
        let mut first = None;
        for o in 0..outlets_here {
            let outlet_id = emss_domain::ids::new_id();
            let kind = if o % 2 == 0 { "wastewater" } else { "flue_gas" };
            let (olat, olon) = (lat + o as f64 * 0.001, lon);
            outlets.push(outlet::Model {
                id: outlet_id.clone(),
                enterprise_id: id.clone(),
                kind: kind.into(),
                name: if kind == "wastewater" {
                    format!("DW-{:03} 废水总排口", o + 1)
                } else {
                    format!("DA-{:03} 废气排口", o + 1)
                },
                address: format!("上海市某工业区{}号", e + 1),
                latitude: format!("{olat:.6}"),
                longitude: format!("{olon:.6}"),
                parameters: if kind == "wastewater" {
                    r#"["COD","NH3-N","TP"]"#
                } else {
                    r#"["SO2","NOx","颗粒物"]"#
                }
                .into(),
                created_at: at,
                updated_at: at,
            });
            // Spread the instruments so the total comes out at the scale's count.
            let target = (((e * outlets_here + o + 1) as f64) * per_outlet).round() as usize;
            let mut mine = Vec::new();
            // At least one per outlet.
            while mine.is_empty() || placed < target {
                let instrument_id = emss_domain::ids::new_id();
                let parameter = if kind == "wastewater" {
                    ["COD", "NH3-N", "TP"][mine.len() % 3]
                } else {
                    ["SO2", "NOx", "颗粒物"][mine.len() % 3]
                };
                let registered = instrument::Model {
                    id: instrument_id.clone(),
                    outlet_id: outlet_id.clone(),
                    enterprise_id: id.clone(),
                    parameter: parameter.into(),
                    maker: ["哈希", "聚光科技", "雪迪龙", "力合科技"][placed % 4].into(),
                    model: format!("M-{}", 100 + placed % 50),
                    serial_no: format!("SN{placed:08}"),
                    principle: (kind == "flue_gas").then(|| "完全抽取法".into()),
                    range_lower: "0".into(),
                    range_upper: "500".into(),
                    unit: if kind == "wastewater" {
                        "mg/L"
                    } else {
                        "mg/m³"
                    }
                    .into(),
                    installed_on: NaiveDate::from_ymd_opt(2022, 1 + (placed % 12) as u32, 1)
                        .unwrap_or_default(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                };
                versions.push(first_version(&registered));
                instruments.push(registered);
                mine.push(instrument_id);
                placed += 1;
            }
            if first.is_none() {
                first = Some((outlet_id, olat, olon, mine));
            }
        }
        let first = first.ok_or_else(|| anyhow!("an enterprise without outlets"))?;
        ids.enterprises.push((id, district, admin_id, admin));
        ids.outlets.push(first);
        if outlets.len() >= 5_000 {
            put(db, orgs.split_off(0)).await?;
            put(db, outlets.split_off(0)).await?;
            put(db, instruments.split_off(0)).await?;
            put(db, versions.split_off(0)).await?;
        }
        bar.inc(1);
    }
    put(db, orgs).await?;
    put(db, outlets).await?;
    put(db, instruments).await?;
    put(db, versions).await?;
    put(db, accounts).await?;
    put(db, roles).await?;
    Ok(ids)
}

/// The first version of an instrument's record, as registering it writes.
fn first_version(i: &instrument::Model) -> instrument_version::Model {
    let i = i.clone();
    instrument_version::Model {
        instrument_id: i.id,
        version: i.version,
        parameter: i.parameter,
        principle: i.principle,
        range_lower: i.range_lower,
        range_upper: i.range_upper,
        unit: i.unit,
        maker: i.maker,
        model: i.model,
        serial_no: i.serial_no,
        recorded_by: None,
        recorded_at: i.updated_at,
    }
}
