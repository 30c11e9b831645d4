use sea_orm::entity::prelude::*;

/// A signed statement of the log's size and Merkle root. One per size.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: i64,
    /// Hex SM3 Merkle root of the first `size` entries.
    pub root: String,
    pub at: DateTimeUtc,
    /// The signed note (C2SP format).
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
