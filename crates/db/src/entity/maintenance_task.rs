use sea_orm::entity::prelude::*;

/// A maintenance task (运维任务) of an agency under one contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub agency_id: String,
    /// Party A of the contract, whose outlets are the points.
    pub enterprise_id: String,
    pub contract_id: String,
    /// 任务名称.
    pub name: String,
    /// 任务编号: the agency's own, unique within it.
    pub number: String,
    /// `OutletKind::as_str`: 废水 or 废气.
    pub kind: String,
    pub start_date: Date,
    pub end_date: Date,
    /// `TaskState::as_str` as stored (a running task past its end date reads as completed).
    pub state: String,
    pub version: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
