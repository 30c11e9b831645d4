use sea_orm::entity::prelude::*;

/// A flag raised on a record at submission, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_flag")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub kind: String,
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
