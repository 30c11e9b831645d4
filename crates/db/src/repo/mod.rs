//! Query functions, one module per business area. Each takes `&impl ConnectionTrait`, so it works
//! on the pool and inside a transaction alike. Functions that return business objects take the
//! caller's scope and add it to the query here and only here.

pub mod account;
pub mod agency_resources;
pub mod audit;
pub mod blob_refs;
pub mod calibration;
pub mod change_request;
pub mod contract;
pub mod credit;
pub mod denial;
pub mod device_binding;
pub mod emission_limit;
pub mod evidence;
pub mod fault;
pub mod filing;
pub mod form_definition;
pub mod idempotency;
pub mod inspection;
pub mod login_guard;
pub mod organization;
pub mod outlet;
pub mod record;
pub mod rectification;
pub mod session;
pub mod setting;
pub mod standard_material;
pub mod statistics;
pub mod suggestion;
pub mod task;
pub mod witness;

use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Select,
};
use std::collections::HashMap;

/// The names of some rows by id, reading those two columns only: lists name each row's task,
/// outlet or organisation without loading them whole.
pub(crate) async fn names_by_id<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    name: E::Column,
    ids: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let pairs: Vec<(String, String)> = E::find()
        .select_only()
        .column(id)
        .column(name)
        .filter(id.is_in(ids.iter().map(String::as_str)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(pairs.into_iter().collect())
}

/// One page of a list query, with the count of all its rows.
pub(crate) async fn paged<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    page: PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E::Model: Send + Sync,
{
    let total = query.clone().count(db).await?;
    let items = query
        .offset(page.offset())
        .limit(page.page_size)
        .all(db)
        .await?;
    Ok(Page::new(items, total, page))
}

/// `%keyword%` with the LIKE wildcards in the keyword escaped, so `50%` finds "50%" literally.
pub fn contains_pattern(keyword: &str) -> LikeExpr {
    let mut escaped = String::with_capacity(keyword.len() + 2);
    escaped.push('%');
    for c in keyword.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    LikeExpr::new(escaped).escape('\\')
}

/// A keyword worth searching for: trimmed, and `None` when empty.
pub fn keyword(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| k.chars().take(100).collect())
}
