//! 信用评价: the indicator systems, the facts of every agency for a window (one query per source,
//! for all agencies at once), and the ratings with their items and evidence.

use crate::entity::{
    agency_staff, credit_evidence, credit_objection, credit_objection_document, credit_publication,
    credit_rating, credit_rating_item, credit_system, fault_period, filing, inspection,
    inspection_finding, maintenance_task, occurrence, organization, record, rectification,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

// ---- indicator systems ----

/// Every version and draft, newest first within each kind.
pub async fn systems(db: &impl ConnectionTrait) -> Result<Vec<credit_system::Model>, DbErr> {
    credit_system::Entity::find()
        .order_by_asc(credit_system::Column::Kind)
        .order_by_desc(credit_system::Column::Version)
        .all(db)
        .await
}

pub async fn system(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<credit_system::Model>, DbErr> {
    credit_system::Entity::find_by_id(id).one(db).await
}

/// The draft of a kind, or its newest published version.
pub async fn newest(
    db: &impl ConnectionTrait,
    kind: &str,
    state: &str,
) -> Result<Option<credit_system::Model>, DbErr> {
    use credit_system::Column as C;
    credit_system::Entity::find()
        .filter(C::Kind.eq(kind))
        .filter(C::State.eq(state))
        .order_by_desc(C::Version)
        .one(db)
        .await
}

pub async fn insert_system(
    db: &impl ConnectionTrait,
    row: credit_system::Model,
) -> Result<(), DbErr> {
    credit_system::Entity::insert(row.into_active_model())
        .exec(db)
        .await?;
    Ok(())
}

/// Saves a draft's document; false when `id` is no longer a draft.
pub async fn save_draft(
    db: &impl ConnectionTrait,
    id: &str,
    name: &str,
    document: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use credit_system::Column as C;
    let done = credit_system::Entity::update_many()
        .col_expr(C::Name, Expr::value(name))
        .col_expr(C::Document, Expr::value(document))
        .col_expr(C::UpdatedBy, Expr::value(by))
        .col_expr(C::UpdatedAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .filter(C::State.eq("draft"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Publishes a draft; false when it is no longer one.
pub async fn publish(
    db: &impl ConnectionTrait,
    id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use credit_system::Column as C;
    let done = credit_system::Entity::update_many()
        .col_expr(C::State, Expr::value("published"))
        .col_expr(C::PublishedBy, Expr::value(by))
        .col_expr(C::PublishedAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .filter(C::State.eq("draft"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

// ---- who is rated ----

/// An agency that may be rated: its filing's category, state and the day it was filed.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Agency {
    pub org_id: String,
    pub name: String,
    pub category: String,
    pub state: String,
    pub filed_at: Option<DateTime<Utc>>,
}

/// Every 社会化服务机构 with a filing (self-maintaining enterprises are not rated).
pub async fn agencies(db: &impl ConnectionTrait) -> Result<Vec<Agency>, DbErr> {
    use filing::Column as F;
    filing::Entity::find()
        .select_only()
        .columns([F::OrgId, F::Name, F::Category, F::State, F::FiledAt])
        .filter(F::Kind.eq("agency"))
        .order_by_asc(F::Name)
        .into_model::<Agency>()
        .all(db)
        .await
}

// ---- facts ----

/// Per agency: due occurrences whose period ends in the window, and those done on time.
pub async fn occurrence_counts(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, (u64, u64)>, DbErr> {
    use occurrence::Column as C;
    let on_time = Condition::all().add(C::RecordId.is_not_null()).add(
        Condition::any().add(C::FulfilledOn.is_null()).add(
            Expr::col((occurrence::Entity, C::FulfilledOn))
                .lte(Expr::col((occurrence::Entity, C::PeriodEnd))),
        ),
    );
    let q = Query::select()
        .from(occurrence::Entity)
        .column(C::AgencyId)
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .expr_as(
            sea_orm::sea_query::Func::sum(
                Expr::case(on_time, Expr::cust("1")).finally(Expr::cust("0")),
            ),
            "on_time",
        )
        .and_where(C::PeriodEnd.gte(from))
        .and_where(C::PeriodEnd.lte(to))
        .group_by_col(C::AgencyId)
        .to_owned();
    let mut out = HashMap::new();
    for row in db.query_all(&q).await? {
        let agency: String = row.try_get("", "agency_id")?;
        let n: i64 = row.try_get("", "n")?;
        let on_time: Option<i64> = row.try_get("", "on_time")?;
        out.insert(
            agency,
            (
                u64::try_from(n).unwrap_or(0),
                u64::try_from(on_time.unwrap_or(0)).unwrap_or(0),
            ),
        );
    }
    Ok(out)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct LateOccurrence {
    pub agency_id: String,
    pub id: String,
    pub task_id: String,
    pub outlet_id: String,
    pub form_code: String,
    pub period_end: NaiveDate,
    pub record_id: Option<String>,
    pub fulfilled_on: Option<NaiveDate>,
}

/// Occurrences of the window whose period ended before `as_of` and that were not done on time.
pub async fn late_occurrences(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<Vec<LateOccurrence>, DbErr> {
    use occurrence::Column as C;
    occurrence::Entity::find()
        .select_only()
        .columns([
            C::AgencyId,
            C::Id,
            C::TaskId,
            C::OutletId,
            C::FormCode,
            C::PeriodEnd,
            C::RecordId,
            C::FulfilledOn,
        ])
        .filter(C::PeriodEnd.gte(from))
        .filter(C::PeriodEnd.lte(to))
        .filter(C::PeriodEnd.lt(as_of))
        .filter(
            Condition::any().add(C::RecordId.is_null()).add(
                Expr::col((occurrence::Entity, C::FulfilledOn))
                    .gt(Expr::col((occurrence::Entity, C::PeriodEnd))),
            ),
        )
        .order_by_asc(C::AgencyId)
        .order_by_asc(C::PeriodEnd)
        .order_by_asc(C::Id)
        .into_model::<LateOccurrence>()
        .all(db)
        .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct RecordFact {
    pub agency_id: String,
    pub id: String,
    pub number: String,
    pub visit_date: NaiveDate,
    pub state: String,
    pub failed: bool,
    pub flagged: bool,
}

fn record_columns<E: EntityTrait>(q: sea_orm::Select<E>) -> sea_orm::Select<E> {
    use record::Column as C;
    q.select_only()
        .column_as(Expr::col((record::Entity, C::AgencyId)), "agency_id")
        .column_as(Expr::col((record::Entity, C::Id)), "id")
        .column_as(Expr::col((record::Entity, C::Number)), "number")
        .column_as(Expr::col((record::Entity, C::VisitDate)), "visit_date")
        .column_as(Expr::col((record::Entity, C::State)), "state")
        .column_as(Expr::col((record::Entity, C::Failed)), "failed")
        .column_as(Expr::col((record::Entity, C::Flagged)), "flagged")
}

fn filed_in(from: NaiveDate, to: NaiveDate) -> Condition {
    use record::Column as C;
    Condition::all()
        .add(C::State.ne("draft"))
        .add(C::VisitDate.gte(from))
        .add(C::VisitDate.lte(to))
}

/// Per agency: the records filed (visits in the window, drafts never).
pub async fn record_counts(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, u64>, DbErr> {
    use record::Column as C;
    let rows: Vec<(String, i64)> = record::Entity::find()
        .select_only()
        .column(C::AgencyId)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(filed_in(from, to))
        .group_by(C::AgencyId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(a, n)| (a, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Records of the window that are voided, failed or flagged.
pub async fn problem_records(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RecordFact>, DbErr> {
    use record::Column as C;
    record_columns(record::Entity::find())
        .filter(filed_in(from, to))
        .filter(
            Condition::any()
                .add(C::State.eq("voided"))
                .add(C::Failed.eq(true))
                .add(C::Flagged.eq(true)),
        )
        .order_by_asc(C::VisitDate)
        .order_by_asc(C::Id)
        .into_model::<RecordFact>()
        .all(db)
        .await
}

/// (record id, flag kind) of the window's flagged records.
pub async fn flags(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, String)>, DbErr> {
    use crate::entity::flagged_record::{Column as F, Entity};
    Entity::find()
        .select_only()
        .columns([F::RecordId, F::Kind])
        .filter(F::VisitDate.gte(from))
        .filter(F::VisitDate.lte(to))
        .into_tuple()
        .all(db)
        .await
}

/// Records of the window filed by an account that no staff entry of the agency named on the
/// visit day (not registered, or resigned before it).
pub async fn records_by_unregistered_staff(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RecordFact>, DbErr> {
    use agency_staff::Column as S;
    use record::Column as C;
    let registered = Query::select()
        .expr(Expr::cust("1"))
        .from(agency_staff::Entity)
        .and_where(
            Expr::col((agency_staff::Entity, S::AccountId)).equals((record::Entity, C::FilerId)),
        )
        .and_where(
            Expr::col((agency_staff::Entity, S::OrgId)).equals((record::Entity, C::AgencyId)),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((agency_staff::Entity, S::Resigned)).eq(false))
                .add(
                    Expr::col((agency_staff::Entity, S::ResignedOn))
                        .gte(Expr::col((record::Entity, C::VisitDate))),
                ),
        )
        .to_owned();
    let agencies = Query::select()
        .column(filing::Column::OrgId)
        .from(filing::Entity)
        .and_where(filing::Column::Kind.eq("agency"))
        .to_owned();
    record_columns(record::Entity::find())
        .filter(filed_in(from, to))
        .filter(C::AgencyId.in_subquery(agencies))
        .filter(Expr::exists(registered).not())
        .order_by_asc(C::VisitDate)
        .order_by_asc(C::Id)
        .into_model::<RecordFact>()
        .all(db)
        .await
}

/// 失控 / 不合格 periods found in the window (not cancelled) that were closed after their due
/// time, or are still open past it at `as_of`.
pub async fn late_fault_periods(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Result<Vec<fault_period::Model>, DbErr> {
    use fault_period::Column as C;
    fault_period::Entity::find()
        .filter(C::FoundAt.gte(from))
        .filter(C::FoundAt.lt(until))
        .filter(C::State.ne("cancelled"))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(C::ClosedAt.is_null())
                        .add(C::DueAt.lt(as_of)),
                )
                .add(
                    Expr::col((fault_period::Entity, C::ClosedAt))
                        .gt(Expr::col((fault_period::Entity, C::DueAt))),
                ),
        )
        .order_by_asc(C::FoundAt)
        .all(db)
        .await
}

/// Orders issued in the window (drafts never).
pub async fn orders(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<rectification::Model>, DbErr> {
    use rectification::Column as C;
    rectification::Entity::find()
        .filter(C::IssuedAt.gte(from))
        .filter(C::IssuedAt.lt(until))
        .filter(C::State.ne("draft"))
        .order_by_asc(C::IssuedAt)
        .all(db)
        .await
}

/// Inspections recorded (已完成) with an inspection day in the window.
pub async fn inspections(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<inspection::Model>, DbErr> {
    use inspection::Column as C;
    inspection::Entity::find()
        .filter(C::State.eq("done"))
        .filter(C::InspectedOn.gte(from))
        .filter(C::InspectedOn.lte(to))
        .order_by_asc(C::InspectedOn)
        .all(db)
        .await
}

/// The findings of those inspections.
pub async fn findings(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<inspection_finding::Model>, DbErr> {
    use inspection::Column as I;
    let done = Query::select()
        .column(I::Id)
        .from(inspection::Entity)
        .and_where(I::State.eq("done"))
        .and_where(I::InspectedOn.gte(from))
        .and_where(I::InspectedOn.lte(to))
        .to_owned();
    inspection_finding::Entity::find()
        .filter(inspection_finding::Column::InspectionId.in_subquery(done))
        .order_by_asc(inspection_finding::Column::InspectionId)
        .order_by_asc(inspection_finding::Column::Position)
        .all(db)
        .await
}

/// Every staff entry of every agency.
pub async fn staff(db: &impl ConnectionTrait) -> Result<Vec<agency_staff::Model>, DbErr> {
    agency_staff::Entity::find()
        .order_by_asc(agency_staff::Column::OrgId)
        .order_by_asc(agency_staff::Column::Name)
        .all(db)
        .await
}

/// The agencies' names, for ratings lists.
pub async fn agency_names(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    super::organization::names(db, ids).await
}

// ---- ratings ----

/// A rating with what it is made of, as stored together.
#[derive(Debug, Clone)]
pub struct Stored {
    pub rating: credit_rating::Model,
    pub items: Vec<credit_rating_item::Model>,
    pub evidence: Vec<credit_evidence::Model>,
}

/// The ratings of a year (and kind), any agency or one.
pub async fn ratings(
    db: &impl ConnectionTrait,
    year: i32,
    kind: Option<&str>,
    agency_id: Option<&str>,
) -> Result<Vec<credit_rating::Model>, DbErr> {
    use credit_rating::Column as C;
    let mut q = credit_rating::Entity::find().filter(C::Year.eq(year));
    if let Some(k) = kind {
        q = q.filter(C::Kind.eq(k));
    }
    if let Some(a) = agency_id {
        q = q.filter(C::AgencyId.eq(a));
    }
    q.order_by_asc(C::Kind)
        .order_by_desc(C::Total)
        .order_by_asc(C::AgencyId)
        .all(db)
        .await
}

/// The years some rating exists for, newest first.
pub async fn years(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    use credit_rating::Column as C;
    credit_rating::Entity::find()
        .select_only()
        .column(C::Year)
        .distinct()
        .order_by_desc(C::Year)
        .into_tuple()
        .all(db)
        .await
}

pub async fn items(
    db: &impl ConnectionTrait,
    rating_id: &str,
) -> Result<Vec<credit_rating_item::Model>, DbErr> {
    credit_rating_item::Entity::find()
        .filter(credit_rating_item::Column::RatingId.eq(rating_id))
        .order_by_asc(credit_rating_item::Column::Position)
        .all(db)
        .await
}

pub async fn evidence(
    db: &impl ConnectionTrait,
    rating_id: &str,
) -> Result<Vec<credit_evidence::Model>, DbErr> {
    use credit_evidence::Column as C;
    credit_evidence::Entity::find()
        .filter(C::RatingId.eq(rating_id))
        .order_by_asc(C::Code)
        .order_by_asc(C::Position)
        .all(db)
        .await
}

/// Rows at a time in one insert: well under SQLite's bound on parameters.
const CHUNK: usize = 400;

/// Replaces the year's rolling ratings of `kind` by `fresh`, and adds final ones where none is
/// stored yet; a final rating is never replaced. Returns how many were written.
pub async fn store(
    db: &impl ConnectionTrait,
    year: i32,
    kind: &str,
    fresh: Vec<Stored>,
) -> Result<u64, DbErr> {
    use credit_rating::Column as C;
    let finals: Vec<String> = credit_rating::Entity::find()
        .select_only()
        .column(C::AgencyId)
        .filter(C::Year.eq(year))
        .filter(C::Kind.eq(kind))
        .filter(C::Standing.eq("final"))
        .into_tuple()
        .all(db)
        .await?;
    let rolling = Query::select()
        .column(C::Id)
        .from(credit_rating::Entity)
        .and_where(C::Year.eq(year))
        .and_where(C::Kind.eq(kind))
        .and_where(C::Standing.eq("rolling"))
        .to_owned();
    credit_evidence::Entity::delete_many()
        .filter(credit_evidence::Column::RatingId.in_subquery(rolling.clone()))
        .exec(db)
        .await?;
    credit_rating_item::Entity::delete_many()
        .filter(credit_rating_item::Column::RatingId.in_subquery(rolling))
        .exec(db)
        .await?;
    credit_rating::Entity::delete_many()
        .filter(C::Year.eq(year))
        .filter(C::Kind.eq(kind))
        .filter(C::Standing.eq("rolling"))
        .exec(db)
        .await?;
    let (mut ratings, mut items, mut evidence) = (Vec::new(), Vec::new(), Vec::new());
    for s in fresh {
        if finals.contains(&s.rating.agency_id) {
            continue;
        }
        ratings.push(s.rating.into_active_model());
        items.extend(s.items.into_iter().map(IntoActiveModel::into_active_model));
        evidence.extend(
            s.evidence
                .into_iter()
                .map(IntoActiveModel::into_active_model),
        );
    }
    let written = ratings.len() as u64;
    insert_chunks::<credit_rating::Entity, _>(db, ratings).await?;
    insert_chunks::<credit_rating_item::Entity, _>(db, items).await?;
    insert_chunks::<credit_evidence::Entity, _>(db, evidence).await?;
    Ok(written)
}

async fn insert_chunks<E, A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Whether any organisation of `id` is an agency (for 404s on a rating page).
pub async fn is_agency(db: &impl ConnectionTrait, id: &str) -> Result<bool, DbErr> {
    Ok(organization::Entity::find_by_id(id)
        .filter(organization::Column::Kind.eq("agency"))
        .one(db)
        .await?
        .is_some())
}

// ---- publicity, objections ----

pub async fn publication(
    db: &impl ConnectionTrait,
    year: i32,
) -> Result<Option<credit_publication::Model>, DbErr> {
    credit_publication::Entity::find_by_id(year).one(db).await
}

pub async fn insert_publication(
    db: &impl ConnectionTrait,
    p: credit_publication::Model,
) -> Result<(), DbErr> {
    credit_publication::Entity::insert(p.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Marks a year published, if it is still in publicity; returns whether it was.
pub async fn mark_published(
    db: &impl ConnectionTrait,
    year: i32,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use credit_publication::Column as C;
    let done = credit_publication::Entity::update_many()
        .col_expr(C::State, Expr::value("published"))
        .col_expr(C::PublishedBy, Expr::value(by))
        .col_expr(C::PublishedAt, Expr::value(at))
        .filter(C::Year.eq(year))
        .filter(C::State.eq("publicity"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The years published to the public register.
pub async fn published_years(db: &impl ConnectionTrait) -> Result<Vec<i32>, DbErr> {
    use credit_publication::Column as C;
    credit_publication::Entity::find()
        .select_only()
        .column(C::Year)
        .filter(C::State.eq("published"))
        .order_by_desc(C::Year)
        .into_tuple()
        .all(db)
        .await
}

/// The final, rated (not excluded) ratings of published years, of some agencies.
pub async fn published_ratings(
    db: &impl ConnectionTrait,
    agency_ids: &[String],
) -> Result<Vec<credit_rating::Model>, DbErr> {
    use credit_rating::Column as C;
    let years = published_years(db).await?;
    if years.is_empty() || agency_ids.is_empty() {
        return Ok(Vec::new());
    }
    credit_rating::Entity::find()
        .filter(C::Year.is_in(years))
        .filter(C::AgencyId.is_in(agency_ids.iter().map(String::as_str)))
        .filter(C::Standing.eq("final"))
        .filter(C::Exclusion.is_null())
        .order_by_desc(C::Year)
        .order_by_asc(C::Kind)
        .all(db)
        .await
}

pub async fn rating_by_id(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<credit_rating::Model>, DbErr> {
    credit_rating::Entity::find_by_id(id).one(db).await
}

pub async fn objection(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<credit_objection::Model>, DbErr> {
    credit_objection::Entity::find_by_id(id).one(db).await
}

/// Objections, newest first: of a year or all, of one agency or all, in one state or any.
pub async fn objections(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    agency_id: Option<&str>,
    state: Option<&str>,
) -> Result<Vec<credit_objection::Model>, DbErr> {
    use credit_objection::Column as C;
    let mut q = credit_objection::Entity::find();
    if let Some(y) = year {
        q = q.filter(C::Year.eq(y));
    }
    if let Some(a) = agency_id {
        q = q.filter(C::AgencyId.eq(a));
    }
    if let Some(s) = state {
        q = q.filter(C::State.eq(s));
    }
    q.order_by_desc(C::FiledAt).all(db).await
}

/// The objections to some ratings, oldest first (the order adjustments apply in).
pub async fn objections_of(
    db: &impl ConnectionTrait,
    rating_ids: &[String],
) -> Result<Vec<credit_objection::Model>, DbErr> {
    use credit_objection::Column as C;
    let mut out = Vec::new();
    for chunk in rating_ids.chunks(CHUNK) {
        out.extend(
            credit_objection::Entity::find()
                .filter(C::RatingId.is_in(chunk.iter().map(String::as_str)))
                .order_by_asc(C::FiledAt)
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

pub async fn insert_objection(
    db: &impl ConnectionTrait,
    o: credit_objection::Model,
) -> Result<(), DbErr> {
    credit_objection::Entity::insert(o.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes the decision on a pending objection; returns whether it was still pending.
pub async fn decide_objection(
    db: &impl ConnectionTrait,
    decided: credit_objection::Model,
) -> Result<bool, DbErr> {
    use credit_objection::Column as C;
    let done = credit_objection::Entity::update_many()
        .col_expr(C::State, Expr::value(decided.state))
        .col_expr(C::DecidedBy, Expr::value(decided.decided_by))
        .col_expr(C::DecidedAt, Expr::value(decided.decided_at))
        .col_expr(C::DecisionNote, Expr::value(decided.decision_note))
        .col_expr(C::ScoredAfter, Expr::value(decided.scored_after))
        .col_expr(C::TotalAfter, Expr::value(decided.total_after))
        .col_expr(C::GradeCodeAfter, Expr::value(decided.grade_code_after))
        .col_expr(C::GradeNameAfter, Expr::value(decided.grade_name_after))
        .filter(C::Id.eq(decided.id))
        .filter(C::State.eq("pending"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn objection_documents(
    db: &impl ConnectionTrait,
    objection_id: &str,
) -> Result<Vec<credit_objection_document::Model>, DbErr> {
    use credit_objection_document::Column as C;
    credit_objection_document::Entity::find()
        .filter(C::ObjectionId.eq(objection_id))
        .order_by_asc(C::UploadedAt)
        .all(db)
        .await
}

pub async fn insert_objection_document(
    db: &impl ConnectionTrait,
    d: credit_objection_document::Model,
) -> Result<(), DbErr> {
    credit_objection_document::Entity::insert(d.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

// ---- 业务实施动态 ----

/// An agency's work of recent weeks as a viewer sees it: its tasks running, started or closed,
/// the orders it has open, received or had closed, and the inspections recorded of its work.
#[derive(Debug, Clone, Default)]
pub struct AgencyActivity {
    pub tasks: Vec<maintenance_task::Model>,
    pub orders: Vec<rectification::Model>,
    pub inspections: Vec<inspection::Model>,
}

/// [`AgencyActivity`] since the day `from` (`since`: its first instant), in the viewer's scope.
pub async fn activity(
    db: &impl ConnectionTrait,
    viewer: &super::rectification::Viewer,
    agency_id: &str,
    (from, since): (NaiveDate, DateTime<Utc>),
    today: NaiveDate,
) -> Result<AgencyActivity, DbErr> {
    use maintenance_task::Column as T;
    use rectification::Column as R;
    let tasks = super::task::list_query(&viewer.scope, &super::task::TaskFilter::default(), today)
        .filter(T::AgencyId.eq(agency_id))
        .filter(T::State.ne("draft"))
        .filter(
            Condition::any()
                .add(T::State.eq("in_progress"))
                .add(T::StartDate.gte(from))
                .add(T::ClosedAt.gte(since)),
        )
        .all(db)
        .await?;
    let orders = super::rectification::list_query(
        viewer,
        &super::rectification::RectificationFilter {
            agency_id: Some(agency_id.to_string()),
            ..Default::default()
        },
        today,
    )
    .filter(R::State.ne("draft"))
    .filter(
        Condition::any()
            .add(R::State.is_in(["issued", "in_progress", "submitted"]))
            .add(R::IssuedAt.gte(since))
            .add(R::ClosedAt.gte(since)),
    )
    .all(db)
    .await?;
    let inspections = super::inspection::list_query(
        &viewer.scope,
        &super::inspection::InspectionFilter {
            state: Some("done".into()),
            agency_id: Some(agency_id.to_string()),
            from: Some(from),
            ..Default::default()
        },
    )
    .all(db)
    .await?;
    Ok(AgencyActivity {
        tasks,
        orders,
        inspections,
    })
}
