//! Contracts and their versions. Every read takes the caller's scope: an agency its own, an
//! enterprise those it is party A of, a district regulator those of enterprises in its district.

use crate::entity::{
    change_request, contract, contract_attachment, contract_version, organization,
};
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};

/// An agency sees its own contracts, drafts included; party A and the regulators only those the
/// agency submitted (a draft is seen only inside the organisation drafting it).
fn scope_condition(scope: &Scope) -> Condition {
    let submitted = contract::Column::State.ne("draft");
    match scope {
        Scope::Agency(id) => Condition::all().add(contract::Column::AgencyId.eq(id.as_str())),
        Scope::Enterprise(id) => Condition::all()
            .add(contract::Column::EnterpriseId.eq(id.as_str()))
            .add(submitted),
        Scope::District(code) => Condition::all()
            .add(
                contract::Column::EnterpriseId.in_subquery(
                    Query::select()
                        .column(organization::Column::Id)
                        .from(organization::Entity)
                        .and_where(organization::Column::DistrictCode.eq(code.as_str()))
                        .to_owned(),
                ),
            )
            .add(submitted),
        Scope::City => Condition::all().add(submitted),
        Scope::Nothing => Condition::all().add(contract::Column::Id.is_null()),
    }
}

pub async fn insert(db: &impl ConnectionTrait, model: contract::Model) -> Result<(), DbErr> {
    contract::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Inserts the contract unless one with its id exists; true when this call wrote it.
pub async fn insert_if_absent(
    db: &impl ConnectionTrait,
    model: contract::Model,
) -> Result<bool, DbErr> {
    let written = contract::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(contract::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(written == 1)
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<contract::Model>, DbErr> {
    contract::Entity::find_by_id(id)
        .filter(scope_condition(scope))
        .one(db)
        .await
}

/// Writes the whole row if it is still at `expected_version`; false when someone else moved it.
pub async fn save(
    db: &impl ConnectionTrait,
    model: contract::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let id = model.id.clone();
    let active = model.into_active_model().reset_all();
    let done = contract::Entity::update_many()
        .set(active)
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The filters of 合同管理.
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    /// Party A (甲方).
    pub enterprise_id: Option<String>,
    pub state: Option<String>,
    /// `ContractNature::as_str`.
    pub nature: Option<String>,
    /// Only those with a change request waiting for party A (信息变更申请).
    pub pending_change: bool,
}

/// The subjects of `kind` with a change request waiting.
pub(crate) fn pending_change_subjects(kind: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(change_request::Column::SubjectId)
        .from(change_request::Entity)
        .and_where(change_request::Column::SubjectKind.eq(kind))
        .and_where(change_request::Column::State.eq("pending"))
        .to_owned()
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &ContractFilter,
    page: PageRequest,
) -> Result<Page<contract::Model>, DbErr> {
    let mut cond = scope_condition(scope);
    if let Some(e) = &filter.enterprise_id {
        cond = cond.add(contract::Column::EnterpriseId.eq(e.as_str()));
    }
    if let Some(s) = &filter.state {
        cond = cond.add(contract::Column::State.eq(s.as_str()));
    }
    if let Some(n) = &filter.nature {
        cond = cond.add(contract::Column::Nature.eq(n.as_str()));
    }
    if filter.pending_change {
        cond = cond.add(contract::Column::Id.in_subquery(pending_change_subjects("contract")));
    }
    let query = contract::Entity::find()
        .filter(cond)
        .order_by_desc(contract::Column::CreatedAt)
        .order_by_asc(contract::Column::Id);
    super::paged(db, query, page).await
}

pub async fn add_version(
    db: &impl ConnectionTrait,
    version: contract_version::Model,
) -> Result<(), DbErr> {
    contract_version::Entity::insert(version.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Every version of a contract, oldest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    contract_id: &str,
) -> Result<Vec<contract_version::Model>, DbErr> {
    contract_version::Entity::find()
        .filter(contract_version::Column::ContractId.eq(contract_id))
        .order_by_asc(contract_version::Column::Version)
        .all(db)
        .await
}

/// How many contracts in scope are in `state`.
pub async fn count_in_state(
    db: &impl ConnectionTrait,
    scope: &Scope,
    state: &str,
) -> Result<u64, DbErr> {
    contract::Entity::find()
        .filter(scope_condition(scope).add(contract::Column::State.eq(state)))
        .count(db)
        .await
}

/// How many change requests of contracts in scope wait for party A.
pub async fn pending_changes(db: &impl ConnectionTrait, scope: &Scope) -> Result<u64, DbErr> {
    change_request::Entity::find()
        .filter(change_request::Column::SubjectKind.eq("contract"))
        .filter(change_request::Column::State.eq("pending"))
        .filter(
            change_request::Column::SubjectId.in_subquery(
                Query::select()
                    .column(contract::Column::Id)
                    .from(contract::Entity)
                    .cond_where(scope_condition(scope))
                    .to_owned(),
            ),
        )
        .count(db)
        .await
}

pub async fn insert_attachment(
    db: &impl ConnectionTrait,
    model: contract_attachment::Model,
) -> Result<(), DbErr> {
    contract_attachment::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A contract's files, oldest first.
pub async fn attachments(
    db: &impl ConnectionTrait,
    contract_id: &str,
) -> Result<Vec<contract_attachment::Model>, DbErr> {
    contract_attachment::Entity::find()
        .filter(contract_attachment::Column::ContractId.eq(contract_id))
        .order_by_asc(contract_attachment::Column::UploadedAt)
        .order_by_asc(contract_attachment::Column::Id)
        .all(db)
        .await
}

pub async fn attachment(
    db: &impl ConnectionTrait,
    contract_id: &str,
    id: &str,
) -> Result<Option<contract_attachment::Model>, DbErr> {
    contract_attachment::Entity::find_by_id(id)
        .filter(contract_attachment::Column::ContractId.eq(contract_id))
        .one(db)
        .await
}
