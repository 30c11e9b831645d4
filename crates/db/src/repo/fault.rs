//! 失控时段 and failed results awaiting their follow-up. Lists take the caller's scope.

use crate::entity::fault_period;
use chrono::{DateTime, Utc};
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::ActiveModelTrait;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Select,
};

/// Where a period is open: the outlet, form type, instrument and parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub outlet_id: String,
    pub form_code: String,
    pub instrument_id: String,
    pub parameter: String,
}

/// The open period at a place, if any.
pub async fn open_at(
    db: &impl ConnectionTrait,
    place: &Place,
) -> Result<Option<fault_period::Model>, DbErr> {
    use fault_period::Column as C;
    fault_period::Entity::find()
        .filter(C::OutletId.eq(place.outlet_id.as_str()))
        .filter(C::FormCode.eq(place.form_code.as_str()))
        .filter(C::InstrumentId.eq(place.instrument_id.as_str()))
        .filter(C::Parameter.eq(place.parameter.as_str()))
        .filter(C::State.eq("open"))
        .order_by_asc(C::FoundAt)
        .one(db)
        .await
}

pub async fn insert(db: &impl ConnectionTrait, row: fault_period::Model) -> Result<(), DbErr> {
    fault_period::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes the whole row.
pub async fn save(db: &impl ConnectionTrait, row: fault_period::Model) -> Result<(), DbErr> {
    fault_period::Entity::update(row.into_active_model().reset_all())
        .exec(db)
        .await?;
    Ok(())
}

/// The periods a record opened or closed, oldest finding first.
/// A period in the caller's scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<fault_period::Model>, DbErr> {
    fault_period::Entity::find_by_id(id)
        .filter(scoped(scope))
        .one(db)
        .await
}

pub async fn of_record(
    db: &impl ConnectionTrait,
    record_id: &str,
) -> Result<Vec<fault_period::Model>, DbErr> {
    use fault_period::Column as C;
    fault_period::Entity::find()
        .filter(
            Condition::any()
                .add(C::OpenedBy.eq(record_id))
                .add(C::ClosedBy.eq(record_id)),
        )
        .order_by_asc(C::FoundAt)
        .order_by_asc(C::Id)
        .all(db)
        .await
}

/// What a list shows of the periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not closed yet (overdue ones included).
    Open,
    /// Open past the follow-up deadline.
    Overdue,
    Closed,
    Cancelled,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultFilter {
    pub outlet_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub instrument_id: Option<String>,
    pub kind: Option<String>,
    pub status: Option<Status>,
}

fn scoped(scope: &Scope) -> Condition {
    use fault_period::Column as C;
    match scope {
        Scope::Agency(id) => Condition::all().add(C::AgencyId.eq(id.as_str())),
        Scope::Enterprise(id) => Condition::all().add(C::EnterpriseId.eq(id.as_str())),
        Scope::District(code) => Condition::all().add(C::DistrictCode.eq(code.as_str())),
        Scope::City => Condition::all(),
        Scope::Nothing => Condition::all().add(C::Id.is_null()),
    }
}

/// The query of the period lists: open ones by their deadline, then the latest finding first
/// (its plan is checked in the tests).
pub fn list_query(
    scope: &Scope,
    filter: &FaultFilter,
    now: DateTime<Utc>,
) -> Select<fault_period::Entity> {
    use fault_period::Column as C;
    let mut cond = scoped(scope);
    if let Some(o) = &filter.outlet_id {
        cond = cond.add(C::OutletId.eq(o.as_str()));
    }
    if let Some(e) = &filter.enterprise_id {
        cond = cond.add(C::EnterpriseId.eq(e.as_str()));
    }
    if let Some(i) = &filter.instrument_id {
        cond = cond.add(C::InstrumentId.eq(i.as_str()));
    }
    if let Some(k) = &filter.kind {
        cond = cond.add(C::Kind.eq(k.as_str()));
    }
    cond = match filter.status {
        Some(Status::Open) => cond.add(C::State.eq("open")),
        Some(Status::Overdue) => cond.add(C::State.eq("open")).add(C::DueAt.lt(now)),
        Some(Status::Closed) => cond.add(C::State.eq("closed")),
        Some(Status::Cancelled) => cond.add(C::State.eq("cancelled")),
        None => cond,
    };
    fault_period::Entity::find()
        .filter(cond)
        .order_by_desc(C::State.eq("open"))
        .order_by_desc(C::FoundAt)
        .order_by_asc(C::Id)
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &FaultFilter,
    now: DateTime<Utc>,
    page: PageRequest,
) -> Result<Page<fault_period::Model>, DbErr> {
    let query = list_query(scope, filter, now);
    super::paged(db, query, page).await
}

/// How many periods in scope the filter finds.
pub async fn count(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &FaultFilter,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    list_query(scope, filter, now).count(db).await
}

/// How many open periods in scope are past their deadline.
pub async fn count_overdue(
    db: &impl ConnectionTrait,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let filter = FaultFilter {
        status: Some(Status::Overdue),
        ..FaultFilter::default()
    };
    count(db, scope, &filter, now).await
}
