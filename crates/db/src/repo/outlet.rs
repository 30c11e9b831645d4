//! Outlets and instruments. Every read takes the caller's scope: an enterprise its own, an agency
//! the points of its tasks, a district regulator those of enterprises in its district, the city
//! all.

use crate::entity::{
    instrument, instrument_version, maintenance_task, organization, outlet, task_binding,
};
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

/// The outlets a scope may see, as a condition on `outlet.enterprise_id`.
fn outlet_scope(scope: &Scope) -> Condition {
    match scope {
        Scope::Enterprise(id) => Condition::all().add(outlet::Column::EnterpriseId.eq(id.as_str())),
        Scope::District(code) => Condition::all().add(
            outlet::Column::EnterpriseId.in_subquery(
                Query::select()
                    .column(organization::Column::Id)
                    .from(organization::Entity)
                    .and_where(organization::Column::DistrictCode.eq(code.as_str()))
                    .to_owned(),
            ),
        ),
        Scope::City => Condition::all(),
        // A self-maintaining enterprise owns outlets; an agency sees the points of its tasks
        // once they are submitted (drafts bind nothing yet). Administrators see none.
        Scope::Agency(id) => Condition::any()
            .add(outlet::Column::EnterpriseId.eq(id.as_str()))
            .add(outlet::Column::Id.in_subquery(task_points(id))),
        Scope::Nothing => Condition::all().add(outlet::Column::Id.is_null()),
    }
}

/// The outlets bound as points (运维点位) to the agency's submitted tasks.
fn task_points(agency_id: &str) -> SelectStatement {
    Query::select()
        .column(task_binding::Column::RefId)
        .from(task_binding::Entity)
        .and_where(task_binding::Column::Kind.eq("outlet"))
        .and_where(
            task_binding::Column::TaskId.in_subquery(
                Query::select()
                    .column(maintenance_task::Column::Id)
                    .from(maintenance_task::Entity)
                    .and_where(maintenance_task::Column::AgencyId.eq(agency_id))
                    .and_where(maintenance_task::Column::State.ne("draft"))
                    .to_owned(),
            ),
        )
        .to_owned()
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    enterprise_id: Option<&str>,
    page: PageRequest,
) -> Result<Page<outlet::Model>, DbErr> {
    let mut cond = outlet_scope(scope);
    if let Some(e) = enterprise_id {
        cond = cond.add(outlet::Column::EnterpriseId.eq(e));
    }
    let query = outlet::Entity::find()
        .filter(cond)
        .order_by_asc(outlet::Column::EnterpriseId)
        .order_by_asc(outlet::Column::Name);
    super::paged(db, query, page).await
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<outlet::Model>, DbErr> {
    outlet::Entity::find_by_id(id.to_string())
        .filter(outlet_scope(scope))
        .one(db)
        .await
}

pub async fn find_by_name(
    db: &impl ConnectionTrait,
    enterprise_id: &str,
    name: &str,
) -> Result<Option<outlet::Model>, DbErr> {
    outlet::Entity::find()
        .filter(outlet::Column::EnterpriseId.eq(enterprise_id))
        .filter(outlet::Column::Name.eq(name))
        .one(db)
        .await
}

pub async fn insert(db: &impl ConnectionTrait, model: outlet::Model) -> Result<(), DbErr> {
    outlet::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn update(db: &impl ConnectionTrait, model: outlet::Model) -> Result<(), DbErr> {
    let mut active = model.into_active_model();
    for col in [
        outlet::Column::Kind,
        outlet::Column::Name,
        outlet::Column::Address,
        outlet::Column::Latitude,
        outlet::Column::Longitude,
        outlet::Column::Parameters,
        outlet::Column::UpdatedAt,
    ] {
        active.reset(col);
    }
    active.update(db).await?;
    Ok(())
}

/// The instruments of an outlet, by parameter.
pub async fn instruments(
    db: &impl ConnectionTrait,
    outlet_id: &str,
) -> Result<Vec<instrument::Model>, DbErr> {
    instrument::Entity::find()
        .filter(instrument::Column::OutletId.eq(outlet_id))
        .order_by_asc(instrument::Column::Parameter)
        .order_by_asc(instrument::Column::SerialNo)
        .all(db)
        .await
}

/// An instrument, if its outlet is in scope.
pub async fn get_instrument(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<(instrument::Model, outlet::Model)>, DbErr> {
    let Some(found) = instrument::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(get(db, scope, &found.outlet_id).await?.map(|o| (found, o)))
}

/// The version row of an instrument as it now stands.
fn version_row(model: &instrument::Model, by: Option<&str>) -> instrument_version::Model {
    instrument_version::Model {
        instrument_id: model.id.clone(),
        version: model.version,
        parameter: model.parameter.clone(),
        principle: model.principle.clone(),
        range_lower: model.range_lower.clone(),
        range_upper: model.range_upper.clone(),
        unit: model.unit.clone(),
        maker: model.maker.clone(),
        model: model.model.clone(),
        serial_no: model.serial_no.clone(),
        recorded_by: by.map(str::to_string),
        recorded_at: model.updated_at,
    }
}

/// Adds an instrument with its first version; `by` is the account registering it.
pub async fn insert_instrument(
    db: &impl ConnectionTrait,
    model: instrument::Model,
    by: Option<&str>,
) -> Result<(), DbErr> {
    let version = version_row(&model, by);
    instrument::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    instrument_version::Entity::insert(version.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Instrument versions by (instrument id, version).
pub async fn instrument_versions(
    db: &impl ConnectionTrait,
    wanted: &[(String, i32)],
) -> Result<Vec<instrument_version::Model>, DbErr> {
    use instrument_version::Column as C;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = Condition::any();
    for (id, version) in wanted {
        any = any.add(
            Condition::all()
                .add(C::InstrumentId.eq(id.as_str()))
                .add(C::Version.eq(*version)),
        );
    }
    instrument_version::Entity::find().filter(any).all(db).await
}

/// Saves a changed instrument as a new version (`model.version` one above the last); `by` is
/// the account making the change.
pub async fn update_instrument(
    db: &impl ConnectionTrait,
    model: instrument::Model,
    by: Option<&str>,
) -> Result<(), DbErr> {
    let version = version_row(&model, by);
    let mut active = model.into_active_model();
    for col in [
        instrument::Column::Parameter,
        instrument::Column::Maker,
        instrument::Column::Model,
        instrument::Column::SerialNo,
        instrument::Column::Principle,
        instrument::Column::RangeLower,
        instrument::Column::RangeUpper,
        instrument::Column::Unit,
        instrument::Column::InstalledOn,
        instrument::Column::Version,
        instrument::Column::UpdatedAt,
    ] {
        active.reset(col);
    }
    active.update(db).await?;
    instrument_version::Entity::insert(version.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Outlets by id, whatever their scope: for names in lists already scoped.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<outlet::Model>, DbErr> {
    outlet::Entity::find()
        .filter(outlet::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(db)
        .await
}

/// Some instruments by id, whatever their outlet (for lists naming what each record covered).
pub async fn instruments_by_ids(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<instrument::Model>, DbErr> {
    instrument::Entity::find()
        .filter(instrument::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(db)
        .await
}

/// The names of some outlets by id (for lists naming each row's outlet).
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    super::names_by_id::<outlet::Entity>(db, outlet::Column::Id, outlet::Column::Name, ids).await
}

/// "企业 · 排口" for each outlet id: an outlet's own name (废水总排口) repeats across enterprises.
pub async fn full_names(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    use sea_orm::QuerySelect;
    let rows: Vec<(String, String, String)> = outlet::Entity::find()
        .select_only()
        .column(outlet::Column::Id)
        .column(outlet::Column::Name)
        .column(outlet::Column::EnterpriseId)
        .filter(outlet::Column::Id.is_in(ids.iter().map(String::as_str)))
        .into_tuple()
        .all(db)
        .await?;
    let mut enterprises: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    enterprises.sort();
    enterprises.dedup();
    let names = super::organization::names(db, &enterprises).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, enterprise)| {
            let full = match names.get(&enterprise) {
                Some(e) => format!("{e} · {name}"),
                None => name,
            };
            (id, full)
        })
        .collect())
}

/// Every outlet of one kind of an enterprise, by name: the points a task may bind.
pub async fn of_kind(
    db: &impl ConnectionTrait,
    enterprise_id: &str,
    kind: &str,
) -> Result<Vec<outlet::Model>, DbErr> {
    outlet::Entity::find()
        .filter(outlet::Column::EnterpriseId.eq(enterprise_id))
        .filter(outlet::Column::Kind.eq(kind))
        .order_by_asc(outlet::Column::Name)
        .all(db)
        .await
}
