use sea_orm::entity::prelude::*;

/// An object behind a rating's indicator: a record, an overdue occurrence's task, an order, an
/// inspection, a staff entry — with how it read when the rating was computed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rating_id: String,
    /// The indicator's code.
    pub code: String,
    pub position: i32,
    /// `record` | `task` | `fault_period` | `rectification` | `inspection` | `staff`.
    pub object_kind: String,
    pub object_id: String,
    pub label: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
