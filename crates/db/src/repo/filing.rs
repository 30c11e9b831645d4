//! Filings, their capabilities and versions. Filings are visible to every regulator (district
//! regulators see all agencies, read-only, product.md §1) and, once published, to the public; an
//! agency sees only its own, which the use cases ask for by its organisation id.

use crate::entity::{filing, filing_attachment, filing_capability, filing_version, organization};
use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub async fn get(db: &impl ConnectionTrait, org_id: &str) -> Result<Option<filing::Model>, DbErr> {
    filing::Entity::find_by_id(org_id.to_string()).one(db).await
}

/// Whether a USCC is already used by a filing or an organisation.
pub async fn uscc_taken(db: &impl ConnectionTrait, uscc: &str) -> Result<bool, DbErr> {
    let filed = filing::Entity::find()
        .filter(filing::Column::Uscc.eq(uscc))
        .count(db)
        .await?;
    let orgs = organization::Entity::find()
        .filter(organization::Column::Uscc.eq(uscc))
        .count(db)
        .await?;
    Ok(filed + orgs > 0)
}

pub async fn insert(db: &impl ConnectionTrait, model: filing::Model) -> Result<(), DbErr> {
    filing::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes every column of the filing, provided it still is at `expected_version` (nobody changed
/// it since it was read). Returns whether it was written.
pub async fn save(
    db: &impl ConnectionTrait,
    model: filing::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let org_id = model.org_id.clone();
    let mut active = model.into_active_model();
    for col in [
        filing::Column::State,
        filing::Column::Published,
        filing::Column::Name,
        filing::Column::Uscc,
        filing::Column::Category,
        filing::Column::LegalRepresentative,
        filing::Column::ContactName,
        filing::Column::ContactPhoneCipher,
        filing::Column::ContactPhoneKey,
        filing::Column::ContactPhoneMasked,
        filing::Column::RegisteredAddress,
        filing::Column::LabAddress,
        filing::Column::DistrictCode,
        filing::Column::RejectReason,
        filing::Column::Version,
        filing::Column::SubmittedAt,
        filing::Column::FiledAt,
        filing::Column::PublishedAt,
        filing::Column::UpdatedAt,
    ] {
        active.reset(col);
    }
    let done = filing::Entity::update_many()
        .set(active)
        .filter(filing::Column::OrgId.eq(org_id))
        .filter(filing::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// (area, item) pairs of a filing.
pub async fn capabilities(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<(String, String)>, DbErr> {
    Ok(filing_capability::Entity::find()
        .filter(filing_capability::Column::OrgId.eq(org_id))
        .order_by_asc(filing_capability::Column::Area)
        .order_by_asc(filing_capability::Column::Item)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.area, c.item))
        .collect())
}

/// The capabilities of several filings in one query.
pub async fn capabilities_of(
    db: &impl ConnectionTrait,
    org_ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<(String, String)>>, DbErr> {
    let mut out: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
    if org_ids.is_empty() {
        return Ok(out);
    }
    for chunk in org_ids.chunks(500) {
        let rows = filing_capability::Entity::find()
            .filter(filing_capability::Column::OrgId.is_in(chunk.iter().cloned()))
            .order_by_asc(filing_capability::Column::Area)
            .order_by_asc(filing_capability::Column::Item)
            .all(db)
            .await?;
        for c in rows {
            out.entry(c.org_id).or_default().push((c.area, c.item));
        }
    }
    Ok(out)
}

pub async fn replace_capabilities(
    db: &impl ConnectionTrait,
    org_id: &str,
    items: &[(String, String)],
) -> Result<(), DbErr> {
    filing_capability::Entity::delete_many()
        .filter(filing_capability::Column::OrgId.eq(org_id))
        .exec(db)
        .await?;
    if items.is_empty() {
        return Ok(());
    }
    filing_capability::Entity::insert_many(items.iter().map(|(area, item)| {
        filing_capability::ActiveModel {
            org_id: Set(org_id.to_string()),
            area: Set(area.clone()),
            item: Set(item.clone()),
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn add_version(
    db: &impl ConnectionTrait,
    version: filing_version::Model,
) -> Result<(), DbErr> {
    filing_version::Entity::insert(version.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Every version of a filing, oldest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<filing_version::Model>, DbErr> {
    filing_version::Entity::find()
        .filter(filing_version::Column::OrgId.eq(org_id))
        .order_by_asc(filing_version::Column::Version)
        .all(db)
        .await
}

/// The filters of 机构查询 and of the public register.
#[derive(Debug, Clone, Default)]
pub struct FilingFilter {
    pub keyword: Option<String>,
    pub category: Option<String>,
    pub state: Option<String>,
    pub published: Option<bool>,
    /// A testing capability (检测能力) the agency must have.
    pub testing: Option<String>,
    /// `wastewater` or `flue_gas`: the agency maintains at least one parameter of that kind.
    pub maintenance: Option<String>,
}

fn has_capability(area: &str, item: Option<&str>) -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select();
    q.column(filing_capability::Column::OrgId)
        .from(filing_capability::Entity)
        .and_where(filing_capability::Column::Area.eq(area));
    if let Some(item) = item {
        q.and_where(filing_capability::Column::Item.eq(item));
    }
    q.to_owned()
}

pub async fn search(
    db: &impl ConnectionTrait,
    filter: &FilingFilter,
    page: PageRequest,
) -> Result<Page<filing::Model>, DbErr> {
    let mut cond = Condition::all();
    if let Some(k) = super::keyword(filter.keyword.as_deref()) {
        cond = cond.add(
            Condition::any()
                .add(filing::Column::Name.like(super::contains_pattern(&k)))
                .add(filing::Column::Uscc.eq(k.to_uppercase())),
        );
    }
    if let Some(c) = &filter.category {
        cond = cond.add(filing::Column::Category.eq(c.as_str()));
    }
    if let Some(s) = &filter.state {
        cond = cond.add(filing::Column::State.eq(s.as_str()));
    }
    if let Some(p) = filter.published {
        cond = cond.add(filing::Column::Published.eq(p));
    }
    if let Some(t) = &filter.testing {
        cond = cond.add(filing::Column::OrgId.in_subquery(has_capability("testing", Some(t))));
    }
    if let Some(m) = &filter.maintenance {
        cond = cond.add(filing::Column::OrgId.in_subquery(has_capability(m, None)));
    }
    let query = filing::Entity::find()
        .filter(cond)
        .order_by_asc(filing::Column::Name)
        .order_by_asc(filing::Column::OrgId);
    super::paged(db, query, page).await
}

/// How many filings wait in each review queue: (待一审, 待二审).
pub async fn queue_counts(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    let count = |state: &'static str| {
        filing::Entity::find()
            .filter(filing::Column::State.eq(state))
            .count(db)
    };
    Ok((
        count("submitted").await?,
        count("first_review_passed").await?,
    ))
}

pub async fn add_attachment(
    db: &impl ConnectionTrait,
    model: filing_attachment::Model,
) -> Result<(), DbErr> {
    filing_attachment::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The filing's documents in force: the newest upload of each kind.
pub async fn current_attachments(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<filing_attachment::Model>, DbErr> {
    let all = filing_attachment::Entity::find()
        .filter(filing_attachment::Column::OrgId.eq(org_id))
        .order_by_desc(filing_attachment::Column::UploadedAt)
        .order_by_desc(filing_attachment::Column::Id)
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(all
        .into_iter()
        .filter(|a| seen.insert(a.kind.clone()))
        .collect())
}

/// One document of a filing (any upload, also a superseded one).
pub async fn attachment(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<Option<filing_attachment::Model>, DbErr> {
    filing_attachment::Entity::find_by_id(id)
        .filter(filing_attachment::Column::OrgId.eq(org_id))
        .one(db)
        .await
}

/// Every filing's contact phone ciphertext with its key id: (org id, key id, cipher).
pub async fn phone_ciphers(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String, String)>, DbErr> {
    Ok(filing::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.org_id, f.contact_phone_key, f.contact_phone_cipher))
        .collect())
}

/// Replaces a contact phone's ciphertext (same number, new key); not a new version of the filing.
pub async fn set_phone_cipher(
    db: &impl ConnectionTrait,
    org_id: &str,
    cipher: &str,
    key_id: &str,
) -> Result<(), DbErr> {
    filing::Entity::update_many()
        .col_expr(filing::Column::ContactPhoneCipher, Expr::value(cipher))
        .col_expr(filing::Column::ContactPhoneKey, Expr::value(key_id))
        .filter(filing::Column::OrgId.eq(org_id))
        .exec(db)
        .await?;
    Ok(())
}
