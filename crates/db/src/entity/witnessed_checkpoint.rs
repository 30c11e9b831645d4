use sea_orm::entity::prelude::*;

/// A checkpoint of another EMSS log that this instance witnessed: accepted only when it extended
/// the newest one held for the same key. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "witnessed_checkpoint")]
pub struct Model {
    /// Hex of the log key's id (first four bytes of SM3 of the public key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: i64,
    /// Hex SM3 Merkle root.
    pub root: String,
    /// The signed note as received.
    pub note: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
