use sea_orm::entity::prelude::*;

/// A write carried out under an `Idempotency-Key`, and its answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The route id the key was used on.
    pub route: String,
    /// The answer's HTTP status; 0 while the first request is still being carried out.
    pub status: i32,
    /// The answer's JSON body.
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
