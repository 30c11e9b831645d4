use sea_orm::entity::prelude::*;

/// A filing as it stood after one event (registration, edit, submission, review, publication).
/// Never changed; together they are the filing's trail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filing_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<String>,
    /// The audit action of the event (`filing.register`, `filing.first_review`, …).
    pub event: String,
    pub state: String,
    /// JSON of the filing's fields, personal data masked.
    pub snapshot: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
