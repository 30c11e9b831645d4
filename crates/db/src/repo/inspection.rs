//! 监督检查: inspections, their comparison results, findings and files. Lists and reads take the
//! caller's scope; a planned inspection is seen only by the regulators.

use crate::entity::{inspection, inspection_attachment, inspection_comparison, inspection_finding};
use chrono::NaiveDate;
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

fn scoped(scope: &Scope) -> Condition {
    use inspection::Column as C;
    match scope {
        Scope::City => Condition::all(),
        Scope::District(code) => Condition::all().add(C::DistrictCode.eq(code.as_str())),
        // The inspected read what was found, never what is planned.
        Scope::Agency(id) => Condition::all()
            .add(C::AgencyId.eq(id.as_str()))
            .add(C::State.eq("done")),
        Scope::Enterprise(id) => Condition::all()
            .add(C::EnterpriseId.eq(id.as_str()))
            .add(C::State.eq("done")),
        Scope::Nothing => Condition::all().add(C::Id.is_null()),
    }
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<inspection::Model>, DbErr> {
    inspection::Entity::find_by_id(id)
        .filter(scoped(scope))
        .one(db)
        .await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: inspection::Model,
    comparisons: Vec<inspection_comparison::Model>,
    findings: Vec<inspection_finding::Model>,
) -> Result<(), DbErr> {
    inspection::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    insert_results(db, comparisons, findings).await
}

/// Adds comparison results and findings.
pub async fn insert_results(
    db: &impl ConnectionTrait,
    comparisons: Vec<inspection_comparison::Model>,
    findings: Vec<inspection_finding::Model>,
) -> Result<(), DbErr> {
    if !comparisons.is_empty() {
        inspection_comparison::Entity::insert_many(
            comparisons
                .into_iter()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(db)
        .await?;
    }
    if !findings.is_empty() {
        inspection_finding::Entity::insert_many(
            findings.into_iter().map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Writes the whole row if it is still at `expected_version`; false when someone else moved it.
pub async fn save(
    db: &impl ConnectionTrait,
    row: inspection::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let id = row.id.clone();
    let done = inspection::Entity::update_many()
        .set(row.into_active_model().reset_all())
        .filter(inspection::Column::Id.eq(id))
        .filter(inspection::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn comparisons(
    db: &impl ConnectionTrait,
    inspection_id: &str,
) -> Result<Vec<inspection_comparison::Model>, DbErr> {
    inspection_comparison::Entity::find()
        .filter(inspection_comparison::Column::InspectionId.eq(inspection_id))
        .order_by_asc(inspection_comparison::Column::Position)
        .all(db)
        .await
}

pub async fn findings(
    db: &impl ConnectionTrait,
    inspection_id: &str,
) -> Result<Vec<inspection_finding::Model>, DbErr> {
    inspection_finding::Entity::find()
        .filter(inspection_finding::Column::InspectionId.eq(inspection_id))
        .order_by_asc(inspection_finding::Column::Position)
        .all(db)
        .await
}

/// A finding of a recorded inspection in the caller's scope (an order's problem may be one).
pub async fn finding_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    finding_id: &str,
) -> Result<Option<(inspection_finding::Model, inspection::Model)>, DbErr> {
    let Some(f) = inspection_finding::Entity::find_by_id(finding_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let found = inspection::Entity::find_by_id(f.inspection_id.as_str())
        .filter(scoped(scope))
        .filter(inspection::Column::State.eq("done"))
        .one(db)
        .await?;
    Ok(found.map(|i| (f, i)))
}

pub async fn insert_attachment(
    db: &impl ConnectionTrait,
    row: inspection_attachment::Model,
) -> Result<(), DbErr> {
    inspection_attachment::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn attachments(
    db: &impl ConnectionTrait,
    inspection_id: &str,
) -> Result<Vec<inspection_attachment::Model>, DbErr> {
    inspection_attachment::Entity::find()
        .filter(inspection_attachment::Column::InspectionId.eq(inspection_id))
        .order_by_asc(inspection_attachment::Column::UploadedAt)
        .order_by_asc(inspection_attachment::Column::Id)
        .all(db)
        .await
}

/// What a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionFilter {
    /// `InspectionState::as_str`.
    pub state: Option<String>,
    /// `InspectionKind::as_str`.
    pub kind: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub district_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The list query: the latest inspection day first.
pub fn list_query(scope: &Scope, filter: &InspectionFilter) -> Select<inspection::Entity> {
    use inspection::Column as C;
    let mut cond = scoped(scope);
    let eq = |c: C, v: &Option<String>| v.as_deref().map(|v| c.eq(v));
    for (c, v) in [
        (C::State, &filter.state),
        (C::Kind, &filter.kind),
        (C::AgencyId, &filter.agency_id),
        (C::EnterpriseId, &filter.enterprise_id),
        (C::DistrictCode, &filter.district_code),
    ] {
        if let Some(e) = eq(c, v) {
            cond = cond.add(e);
        }
    }
    if let Some(d) = filter.from {
        cond = cond.add(C::InspectedOn.gte(d));
    }
    if let Some(d) = filter.to {
        cond = cond.add(C::InspectedOn.lte(d));
    }
    inspection::Entity::find()
        .filter(cond)
        .order_by_desc(C::InspectedOn)
        .order_by_desc(C::CreatedAt)
        .order_by_asc(C::Id)
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &InspectionFilter,
    page: PageRequest,
) -> Result<Page<inspection::Model>, DbErr> {
    super::paged(db, list_query(scope, filter), page).await
}

/// Findings per inspection and how many are failed comparisons, for a list's rows.
pub async fn finding_counts(
    db: &impl ConnectionTrait,
    inspection_ids: &[String],
) -> Result<std::collections::HashMap<String, i64>, DbErr> {
    if inspection_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, i64)> = inspection_finding::Entity::find()
        .select_only()
        .column(inspection_finding::Column::InspectionId)
        .column_as(inspection_finding::Column::Id.count(), "n")
        .filter(
            inspection_finding::Column::InspectionId
                .is_in(inspection_ids.iter().map(String::as_str)),
        )
        .group_by(inspection_finding::Column::InspectionId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &InspectionFilter,
) -> Result<u64, DbErr> {
    list_query(scope, filter).count(db).await
}
