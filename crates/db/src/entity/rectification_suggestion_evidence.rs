use sea_orm::entity::prelude::*;

/// A piece of evidence a suggestion was made from (`occurrence:…`, `fault:…`, `flag:…:kind`):
/// the key is unique, so no evidence is proposed twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_suggestion_evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub suggestion_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
