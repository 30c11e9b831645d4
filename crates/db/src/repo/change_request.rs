//! Change requests (信息变更申请). The subject's owner sees its own; the reviewing regulator sees the
//! queue.

use crate::entity::change_request;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder,
};

pub async fn insert(db: &impl ConnectionTrait, model: change_request::Model) -> Result<(), DbErr> {
    change_request::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn get(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<change_request::Model>, DbErr> {
    change_request::Entity::find_by_id(id).one(db).await
}

/// The pending request for a subject, if any (there is at most one).
pub async fn pending_for(
    db: &impl ConnectionTrait,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Option<change_request::Model>, DbErr> {
    change_request::Entity::find()
        .filter(change_request::Column::SubjectKind.eq(subject_kind))
        .filter(change_request::Column::SubjectId.eq(subject_id))
        .filter(change_request::Column::State.eq("pending"))
        .one(db)
        .await
}

/// Every request for a subject, newest first.
pub async fn of_subject(
    db: &impl ConnectionTrait,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Vec<change_request::Model>, DbErr> {
    change_request::Entity::find()
        .filter(change_request::Column::SubjectKind.eq(subject_kind))
        .filter(change_request::Column::SubjectId.eq(subject_id))
        .order_by_desc(change_request::Column::RequestedAt)
        .order_by_desc(change_request::Column::Id)
        .all(db)
        .await
}

/// The review queue: requests of a kind in a state, oldest first (first come, first served).
pub async fn queue(
    db: &impl ConnectionTrait,
    subject_kind: &str,
    state: Option<&str>,
    page: PageRequest,
) -> Result<Page<change_request::Model>, DbErr> {
    let mut query =
        change_request::Entity::find().filter(change_request::Column::SubjectKind.eq(subject_kind));
    if let Some(s) = state {
        query = query.filter(change_request::Column::State.eq(s));
    }
    let query = query
        .order_by_asc(change_request::Column::RequestedAt)
        .order_by_asc(change_request::Column::Id);
    super::paged(db, query, page).await
}

pub async fn count_pending(db: &impl ConnectionTrait, subject_kind: &str) -> Result<u64, DbErr> {
    change_request::Entity::find()
        .filter(change_request::Column::SubjectKind.eq(subject_kind))
        .filter(change_request::Column::State.eq("pending"))
        .count(db)
        .await
}

/// Records the decision on a pending request; false when it was no longer pending (decided by
/// someone else meanwhile).
pub async fn decide(
    db: &impl ConnectionTrait,
    id: &str,
    state: &str,
    decided_by: &str,
    at: chrono::DateTime<chrono::Utc>,
    comment: Option<&str>,
) -> Result<bool, DbErr> {
    let done = change_request::Entity::update_many()
        .col_expr(change_request::Column::State, Expr::value(state))
        .col_expr(change_request::Column::DecidedBy, Expr::value(decided_by))
        .col_expr(change_request::Column::DecidedAt, Expr::value(at))
        .col_expr(
            change_request::Column::DecisionComment,
            Expr::value(comment.map(str::to_string)),
        )
        .filter(change_request::Column::Id.eq(id))
        .filter(change_request::Column::State.eq("pending"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Replaces the stored proposal (re-sealed under a new key, or its phone dropped once decided).
pub async fn set_proposed(
    db: &impl ConnectionTrait,
    id: &str,
    proposed: &str,
) -> Result<(), DbErr> {
    change_request::Entity::update_many()
        .col_expr(change_request::Column::Proposed, Expr::value(proposed))
        .filter(change_request::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Every pending request of a kind.
pub async fn pending(
    db: &impl ConnectionTrait,
    subject_kind: &str,
) -> Result<Vec<change_request::Model>, DbErr> {
    change_request::Entity::find()
        .filter(change_request::Column::SubjectKind.eq(subject_kind))
        .filter(change_request::Column::State.eq("pending"))
        .all(db)
        .await
}
