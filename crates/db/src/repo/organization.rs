//! Organisations.

use crate::entity::organization;
use chrono::{DateTime, Utc};
use emss_domain::{AgencyCategory, OrgKind};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

pub struct NewOrganization<'a> {
    pub id: String,
    pub kind: OrgKind,
    pub name: &'a str,
    pub district_code: Option<&'a str>,
    pub agency_category: Option<AgencyCategory>,
    pub uscc: Option<&'a str>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewOrganization<'_>,
) -> Result<organization::Model, DbErr> {
    organization::ActiveModel {
        id: Set(new.id),
        kind: Set(new.kind.as_str().to_string()),
        name: Set(new.name.to_string()),
        district_code: Set(new.district_code.map(str::to_string)),
        agency_category: Set(new.agency_category.map(|c| c.as_str().to_string())),
        uscc: Set(new.uscc.map(str::to_uppercase)),
        created_at: Set(new.created_at),
    }
    .insert(db)
    .await
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find_by_id(id.to_string())
        .one(db)
        .await
}

/// Organisations of the given kinds, by name (the choices of the account form).
pub async fn list_by_kinds(
    db: &impl ConnectionTrait,
    kinds: &[OrgKind],
) -> Result<Vec<organization::Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    organization::Entity::find()
        .filter(organization::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await
}

/// What a filing says about its organisation: name, USCC, district and category.
pub async fn update_filed_facts(
    db: &impl ConnectionTrait,
    id: &str,
    name: &str,
    uscc: &str,
    district_code: &str,
    category: AgencyCategory,
) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    organization::Entity::update_many()
        .col_expr(organization::Column::Name, Expr::value(name))
        .col_expr(organization::Column::Uscc, Expr::value(uscc))
        .col_expr(
            organization::Column::DistrictCode,
            Expr::value(district_code),
        )
        .col_expr(
            organization::Column::AgencyCategory,
            Expr::value(category.as_str()),
        )
        .filter(organization::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The names of several organisations in one query.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    super::names_by_id::<organization::Entity>(
        db,
        organization::Column::Id,
        organization::Column::Name,
        ids,
    )
    .await
}
