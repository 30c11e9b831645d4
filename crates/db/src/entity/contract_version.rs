use sea_orm::entity::prelude::*;

/// A contract as it stood after one event. Never changed; together they are 查看留痕.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<String>,
    /// The audit action of the event (`contract.create`, `contract.approve`, …).
    pub event: String,
    pub state: String,
    /// JSON of the contract's fields.
    pub snapshot: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
