//! 整改建议: what the daily suggestion job reads (missed occurrences, overdue follow-ups, flagged
//! records in a window) and the suggestions it keeps with their evidence.

use crate::entity::{
    fault_period, occurrence, record, rectification_problem, rectification_suggestion,
    rectification_suggestion_evidence,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashSet;

/// Occurrences whose period ended in [from, before) without a record (超期).
pub async fn missed_occurrences(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    before: NaiveDate,
) -> Result<Vec<occurrence::Model>, DbErr> {
    occurrence::Entity::find()
        .filter(occurrence::Column::RecordId.is_null())
        .filter(occurrence::Column::PeriodEnd.gte(from))
        .filter(occurrence::Column::PeriodEnd.lt(before))
        .order_by_asc(occurrence::Column::PeriodEnd)
        .order_by_asc(occurrence::Column::Id)
        .all(db)
        .await
}

/// Failed or 失控 results still open past their follow-up deadline.
pub async fn overdue_follow_ups(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<fault_period::Model>, DbErr> {
    fault_period::Entity::find()
        .filter(fault_period::Column::State.eq("open"))
        .filter(fault_period::Column::DueAt.lt(now))
        .order_by_asc(fault_period::Column::DueAt)
        .order_by_asc(fault_period::Column::Id)
        .all(db)
        .await
}

/// Submitted, not voided records with flags visited on or after `from`.
pub async fn flagged_since(
    db: &impl ConnectionTrait,
    from: NaiveDate,
) -> Result<Vec<record::Model>, DbErr> {
    record::Entity::find()
        .filter(record::Column::Flagged.eq(true))
        .filter(record::Column::State.is_not_in(["draft", "voided"]))
        .filter(record::Column::VisitDate.gte(from))
        .order_by_asc(record::Column::VisitDate)
        .order_by_asc(record::Column::Id)
        .all(db)
        .await
}

/// Which of `keys` some suggestion was already made from.
pub async fn taken(db: &impl ConnectionTrait, keys: &[String]) -> Result<HashSet<String>, DbErr> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<String> = rectification_suggestion_evidence::Entity::find()
            .select_only()
            .column(rectification_suggestion_evidence::Column::Key)
            .filter(
                rectification_suggestion_evidence::Column::Key
                    .is_in(chunk.iter().map(String::as_str)),
            )
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Which of these records, occurrences or findings an order already names.
pub async fn on_orders(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<String> = rectification_problem::Entity::find()
            .select_only()
            .column(rectification_problem::Column::SourceId)
            .filter(rectification_problem::Column::SourceId.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Keeps a suggestion with its evidence; a key another run took first fails the insert.
pub async fn insert(
    db: &impl ConnectionTrait,
    row: rectification_suggestion::Model,
    keys: &[String],
) -> Result<(), DbErr> {
    let id = row.id.clone();
    rectification_suggestion::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    rectification_suggestion_evidence::Entity::insert_many(keys.iter().map(|k| {
        rectification_suggestion_evidence::Model {
            key: k.clone(),
            suggestion_id: id.clone(),
        }
        .into_active_model()
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The suggestions made to a regulator in a state, the newest first.
pub async fn of_issuer(
    db: &impl ConnectionTrait,
    issuer_org_id: &str,
    state: &str,
) -> Result<Vec<rectification_suggestion::Model>, DbErr> {
    rectification_suggestion::Entity::find()
        .filter(rectification_suggestion::Column::IssuerOrgId.eq(issuer_org_id))
        .filter(rectification_suggestion::Column::State.eq(state))
        .order_by_desc(rectification_suggestion::Column::CreatedAt)
        .order_by_asc(rectification_suggestion::Column::Id)
        .all(db)
        .await
}

pub async fn count_pending(db: &impl ConnectionTrait, issuer_org_id: &str) -> Result<u64, DbErr> {
    rectification_suggestion::Entity::find()
        .filter(rectification_suggestion::Column::IssuerOrgId.eq(issuer_org_id))
        .filter(rectification_suggestion::Column::State.eq("pending"))
        .count(db)
        .await
}

/// A regulator's own suggestion.
pub async fn get(
    db: &impl ConnectionTrait,
    issuer_org_id: &str,
    id: &str,
) -> Result<Option<rectification_suggestion::Model>, DbErr> {
    rectification_suggestion::Entity::find_by_id(id)
        .filter(rectification_suggestion::Column::IssuerOrgId.eq(issuer_org_id))
        .one(db)
        .await
}

/// Writes a decision if the suggestion is still pending; false when someone decided it first.
pub async fn decide(
    db: &impl ConnectionTrait,
    row: rectification_suggestion::Model,
) -> Result<bool, DbErr> {
    let id = row.id.clone();
    let done = rectification_suggestion::Entity::update_many()
        .set(row.into_active_model().reset_all())
        .filter(rectification_suggestion::Column::Id.eq(id))
        .filter(rectification_suggestion::Column::State.eq("pending"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
