//! Demo records of the demo agencies.

use crate::{App, AppError};
use emss_db::entity::{agency_equipment, agency_spare_part, agency_staff, standard_material};
use emss_db::repo;
use emss_domain::personnel::EDUCATION;
use emss_domain::pi;

/// Demo records of one agency: its people (each tied to their login) and one who has left,
/// two instruments the engineers bring to site, a few spare parts, and the span gas cylinder
/// in use with the one it replaced (expired).
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    org_id: &str,
    people: &[(String, &str)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let posts = ["技术负责人", "运维工程师", "运维工程师", "质量负责人"];
    let mut staff: Vec<(Option<&str>, &str, bool)> = people
        .iter()
        .map(|(id, name)| (Some(id.as_str()), *name, false))
        .collect();
    staff.push((None, "钱进", true));
    for (n, (account, name, resigned)) in staff.into_iter().enumerate() {
        let id = emss_domain::ids::new_id();
        let body = format!("3101151988{:02}{:02}{:03}", 1 + n % 12, 1 + n % 28, 100 + n);
        let check = pi::id_number_check_character(&body)
            .ok_or_else(|| AppError::internal("demo ID number"))?;
        let number = format!("{body}{check}");
        let (cipher, key) = app.seal(&format!("staff/id_number/{id}"), &number)?;
        repo::agency_resources::insert_staff(
            txn,
            agency_staff::Model {
                id,
                org_id: org_id.to_string(),
                name: name.to_string(),
                gender: if n % 3 == 1 { "female" } else { "male" }.to_string(),
                id_number_cipher: cipher,
                id_number_key: key,
                id_number_index: app.blind_index("id_number", &number)?,
                id_number_masked: pi::mask_id_number(&number),
                education: EDUCATION[2 + n % 2].to_string(),
                post: posts[n % posts.len()].to_string(),
                technician: n % 2 == 0,
                title: (n % 2 == 0).then(|| "工程师".to_string()),
                resigned,
                resigned_on: resigned.then(|| emss_domain::time::shanghai_date(now)),
                account_id: account.map(str::to_string),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    for (no, name, serial, model) in [
        ("SB-001", "便携式烟气分析仪", "PG-2231-0457", "崂应 3012H"),
        (
            "SB-002",
            "标准气体（氮中二氧化硫）",
            "BQ-24-1120",
            "40 L，200 μmol/mol",
        ),
    ] {
        repo::agency_resources::insert_equipment(
            txn,
            agency_equipment::Model {
                id: emss_domain::ids::new_id(),
                org_id: org_id.to_string(),
                device_no: no.to_string(),
                name: name.to_string(),
                serial_no: serial.to_string(),
                model: model.to_string(),
                description: String::new(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    for (name, model, quantity, unit) in [
        ("蠕动泵管", "Φ2.79 mm", 20, "根"),
        ("采样探头滤芯", "陶瓷 5 μm", 6, "个"),
    ] {
        repo::agency_resources::insert_spare_part(
            txn,
            agency_spare_part::Model {
                id: emss_domain::ids::new_id(),
                org_id: org_id.to_string(),
                name: name.to_string(),
                model: model.to_string(),
                quantity,
                unit: unit.to_string(),
                description: String::new(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    let today = emss_domain::time::shanghai_date(now);
    for (certificate_no, lot_no, days) in [
        ("GBW(E)061523", "DT2611-08", 300),
        ("GBW(E)060871", "DT2506-02", -20),
    ] {
        let expires_on = today
            .checked_add_signed(chrono::Duration::days(days))
            .ok_or_else(|| AppError::internal("demo expiry"))?;
        repo::standard_material::insert(
            txn,
            standard_material::Model {
                id: emss_domain::ids::new_id(),
                org_id: org_id.to_string(),
                kind: "gas".into(),
                certificate_no: certificate_no.into(),
                producer: "大连大特气体有限公司".into(),
                lot_no: lot_no.into(),
                component: "二氧化硫".into(),
                certified_value: "200".into(),
                uncertainty: "U = 2 %，k = 2".into(),
                unit: "µmol/mol".into(),
                expires_on,
                used_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    Ok(())
}
