use sea_orm::entity::prelude::*;

/// An extension request (延期申请) of a rectification order and its decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_extension")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rectification_id: String,
    /// The deadline when it was asked for, and the one asked for.
    pub from_deadline: Date,
    pub to_deadline: Date,
    pub reason: String,
    /// `ExtensionState::as_str`: pending | granted | refused.
    pub state: String,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
