//! 整改单: orders, their problems and files. Lists and reads take the caller's scope; a draft is
//! seen only by the authority drafting it.

use crate::entity::{
    rectification, rectification_attachment, rectification_extension, rectification_problem,
};
use chrono::NaiveDate;
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

/// Who is looking: their scope, and their organisation (whose drafts they see).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub scope: Scope,
    pub org_id: String,
}

impl Viewer {
    pub fn of(actor: &emss_domain::Actor) -> Viewer {
        Viewer {
            scope: actor.scope(),
            org_id: actor.org_id.clone(),
        }
    }
}

fn scoped(viewer: &Viewer) -> Condition {
    use rectification::Column as C;
    let seen = Condition::any()
        .add(C::State.ne("draft"))
        .add(C::IssuerOrgId.eq(viewer.org_id.as_str()));
    let place = match &viewer.scope {
        Scope::Agency(id) => Condition::all().add(C::AgencyId.eq(id.as_str())),
        Scope::Enterprise(id) => Condition::all().add(C::EnterpriseId.eq(id.as_str())),
        Scope::District(code) => Condition::all().add(C::DistrictCode.eq(code.as_str())),
        Scope::City => Condition::all(),
        Scope::Nothing => Condition::all().add(C::Id.is_null()),
    };
    place.add(seen)
}

pub async fn get(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: &str,
) -> Result<Option<rectification::Model>, DbErr> {
    rectification::Entity::find_by_id(id)
        .filter(scoped(viewer))
        .one(db)
        .await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    order: rectification::Model,
    problems: Vec<rectification_problem::Model>,
) -> Result<(), DbErr> {
    rectification::Entity::insert(order.into_active_model())
        .exec_without_returning(db)
        .await?;
    insert_problems(db, problems).await
}

async fn insert_problems(
    db: &impl ConnectionTrait,
    problems: Vec<rectification_problem::Model>,
) -> Result<(), DbErr> {
    if problems.is_empty() {
        return Ok(());
    }
    rectification_problem::Entity::insert_many(
        problems.into_iter().map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Writes the whole row if it is still at `expected_version`; false when someone else moved it.
pub async fn save(
    db: &impl ConnectionTrait,
    order: rectification::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let id = order.id.clone();
    let done = rectification::Entity::update_many()
        .set(order.into_active_model().reset_all())
        .filter(rectification::Column::Id.eq(id))
        .filter(rectification::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Replaces a draft's problems.
pub async fn replace_problems(
    db: &impl ConnectionTrait,
    order_id: &str,
    problems: Vec<rectification_problem::Model>,
) -> Result<(), DbErr> {
    rectification_problem::Entity::delete_many()
        .filter(rectification_problem::Column::RectificationId.eq(order_id))
        .exec(db)
        .await?;
    insert_problems(db, problems).await
}

/// Writes one problem's answer.
pub async fn save_problem(
    db: &impl ConnectionTrait,
    problem: rectification_problem::Model,
) -> Result<(), DbErr> {
    rectification_problem::Entity::update(problem.into_active_model().reset_all())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn problems(
    db: &impl ConnectionTrait,
    order_id: &str,
) -> Result<Vec<rectification_problem::Model>, DbErr> {
    rectification_problem::Entity::find()
        .filter(rectification_problem::Column::RectificationId.eq(order_id))
        .order_by_asc(rectification_problem::Column::Position)
        .all(db)
        .await
}

/// The next sequence number of an authority's orders in a year.
pub async fn next_seq(
    db: &impl ConnectionTrait,
    issuer_org_id: &str,
    year: i32,
) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = rectification::Entity::find()
        .select_only()
        .column_as(rectification::Column::Seq.max(), "max")
        .filter(rectification::Column::IssuerOrgId.eq(issuer_org_id))
        .filter(rectification::Column::Year.eq(year))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

pub async fn insert_attachment(
    db: &impl ConnectionTrait,
    row: rectification_attachment::Model,
) -> Result<(), DbErr> {
    rectification_attachment::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn attachments(
    db: &impl ConnectionTrait,
    order_id: &str,
) -> Result<Vec<rectification_attachment::Model>, DbErr> {
    rectification_attachment::Entity::find()
        .filter(rectification_attachment::Column::RectificationId.eq(order_id))
        .order_by_asc(rectification_attachment::Column::UploadedAt)
        .order_by_asc(rectification_attachment::Column::Id)
        .all(db)
        .await
}

/// The orders naming a source (a record, an occurrence, a period), in scope.
pub async fn naming(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    source_id: &str,
) -> Result<Vec<rectification::Model>, DbErr> {
    use rectification::Column as C;
    let ids = sea_orm::sea_query::Query::select()
        .column(rectification_problem::Column::RectificationId)
        .from(rectification_problem::Entity)
        .and_where(rectification_problem::Column::SourceId.eq(source_id))
        .to_owned();
    rectification::Entity::find()
        .filter(scoped(viewer))
        .filter(C::Id.in_subquery(ids))
        .order_by_desc(C::CreatedAt)
        .all(db)
        .await
}

/// What a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectificationFilter {
    /// `RectificationState::as_str`.
    pub state: Option<String>,
    /// Waiting for the answer past the deadline (逾期).
    pub overdue: bool,
    /// The agency's to-do: issued, or in progress (including sent back).
    pub to_answer: bool,
    /// With an extension request (延期申请) waiting for the regulator.
    pub extension_pending: bool,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub district_code: Option<String>,
    /// Part of the number or title.
    pub keyword: Option<String>,
    /// Issued on or after / before (Shanghai dates as UTC bounds are the caller's).
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    /// Issued (下发) on or after / on or before these Shanghai days.
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
}

/// The list query: open orders by their deadline, then the newest.
pub fn list_query(
    viewer: &Viewer,
    filter: &RectificationFilter,
    today: NaiveDate,
) -> Select<rectification::Entity> {
    use rectification::Column as C;
    let mut cond = scoped(viewer);
    if let Some(s) = &filter.state {
        cond = cond.add(C::State.eq(s.as_str()));
    }
    let waiting = || C::State.is_in(["issued", "in_progress"]);
    if filter.overdue {
        cond = cond.add(waiting()).add(C::Deadline.lt(today));
    }
    if filter.to_answer {
        cond = cond.add(waiting());
    }
    if filter.extension_pending {
        let pending = sea_orm::sea_query::Query::select()
            .column(rectification_extension::Column::RectificationId)
            .from(rectification_extension::Entity)
            .and_where(rectification_extension::Column::State.eq("pending"))
            .to_owned();
        cond = cond.add(C::Id.in_subquery(pending));
    }
    if let Some(a) = &filter.agency_id {
        cond = cond.add(C::AgencyId.eq(a.as_str()));
    }
    if let Some(e) = &filter.enterprise_id {
        cond = cond.add(C::EnterpriseId.eq(e.as_str()));
    }
    if let Some(d) = &filter.district_code {
        cond = cond.add(C::DistrictCode.eq(d.as_str()));
    }
    if let Some(k) = &filter.keyword {
        let pattern = super::contains_pattern(k);
        cond = cond.add(
            Condition::any()
                .add(C::Number.like(pattern.clone()))
                .add(C::Title.like(pattern)),
        );
    }
    if let Some(d) = filter.deadline_from {
        cond = cond.add(C::Deadline.gte(d));
    }
    if let Some(d) = filter.deadline_to {
        cond = cond.add(C::Deadline.lte(d));
    }
    if let Some(d) = filter.issued_from {
        cond = cond.add(C::IssuedAt.gte(emss_domain::time::day_start(d)));
    }
    if let Some(d) = filter.issued_to.and_then(|d| d.succ_opt()) {
        cond = cond.add(C::IssuedAt.lt(emss_domain::time::day_start(d)));
    }
    rectification::Entity::find()
        .filter(cond)
        .order_by_desc(C::State.is_in(["draft", "issued", "in_progress", "submitted"]))
        .order_by_asc(C::Deadline)
        .order_by_desc(C::CreatedAt)
        .order_by_asc(C::Id)
}

pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &RectificationFilter,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<rectification::Model>, DbErr> {
    super::paged(db, list_query(viewer, filter, today), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &RectificationFilter,
    today: NaiveDate,
) -> Result<u64, DbErr> {
    list_query(viewer, filter, today).count(db).await
}

/// Whether an agency has a contract (in any state but draft) with an enterprise: an order
/// addresses an agency about work at that enterprise's outlets.
pub async fn works_for(
    db: &impl ConnectionTrait,
    agency_id: &str,
    enterprise_id: &str,
) -> Result<bool, DbErr> {
    use crate::entity::contract;
    Ok(contract::Entity::find()
        .filter(contract::Column::AgencyId.eq(agency_id))
        .filter(contract::Column::EnterpriseId.eq(enterprise_id))
        .filter(contract::Column::State.ne("draft"))
        .count(db)
        .await?
        > 0)
}

/// An agency's submitted records with these 运维编号 (an answer names the records that show
/// the work).
pub async fn agency_records_by_number(
    db: &impl ConnectionTrait,
    agency_id: &str,
    numbers: &[String],
) -> Result<Vec<crate::entity::record::Model>, DbErr> {
    use crate::entity::record;
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    record::Entity::find()
        .filter(record::Column::AgencyId.eq(agency_id))
        .filter(record::Column::State.ne("draft"))
        .filter(record::Column::Number.is_in(numbers.iter().map(String::as_str)))
        .all(db)
        .await
}

/// An agency's submitted records that carry flags, the latest visit first (the demo's orders
/// are drafted from them).
pub async fn flagged_records(
    db: &impl ConnectionTrait,
    agency_id: &str,
) -> Result<Vec<crate::entity::record::Model>, DbErr> {
    use crate::entity::record;
    record::Entity::find()
        .filter(record::Column::AgencyId.eq(agency_id))
        .filter(record::Column::Flagged.eq(true))
        .filter(record::Column::State.ne("draft"))
        .order_by_desc(record::Column::VisitDate)
        .order_by_asc(record::Column::Id)
        .all(db)
        .await
}

pub async fn insert_extension(
    db: &impl ConnectionTrait,
    row: rectification_extension::Model,
) -> Result<(), DbErr> {
    rectification_extension::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes a decided request if it is still pending; false when someone else decided it.
pub async fn decide_extension(
    db: &impl ConnectionTrait,
    row: rectification_extension::Model,
) -> Result<bool, DbErr> {
    let id = row.id.clone();
    let done = rectification_extension::Entity::update_many()
        .set(row.into_active_model().reset_all())
        .filter(rectification_extension::Column::Id.eq(id))
        .filter(rectification_extension::Column::State.eq("pending"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// An order's extension requests, oldest first.
pub async fn extensions(
    db: &impl ConnectionTrait,
    order_id: &str,
) -> Result<Vec<rectification_extension::Model>, DbErr> {
    rectification_extension::Entity::find()
        .filter(rectification_extension::Column::RectificationId.eq(order_id))
        .order_by_asc(rectification_extension::Column::RequestedAt)
        .order_by_asc(rectification_extension::Column::Id)
        .all(db)
        .await
}

/// Which of these orders have an extension request waiting.
pub async fn with_pending_extension(
    db: &impl ConnectionTrait,
    order_ids: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    if order_ids.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<String> = rectification_extension::Entity::find()
        .select_only()
        .column(rectification_extension::Column::RectificationId)
        .filter(
            rectification_extension::Column::RectificationId
                .is_in(order_ids.iter().map(String::as_str)),
        )
        .filter(rectification_extension::Column::State.eq("pending"))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// A due occurrence in the caller's scope (an order's problem may be a missed one).
pub async fn occurrence_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<crate::entity::occurrence::Model>, DbErr> {
    crate::entity::occurrence::Entity::find_by_id(id)
        .filter(super::task::occurrence_scope(scope))
        .one(db)
        .await
}
