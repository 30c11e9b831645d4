use sea_orm::entity::prelude::*;

/// One entry of the append-only audit log (see `emss_domain::audit::Entry`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<String>,
    pub org_id: Option<String>,
    pub roles: String,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// Canonical JSON of what changed.
    pub detail: String,
    /// Hex SM3 leaf hash.
    pub leaf_hash: String,
    /// Hex SM3 chain value after this entry.
    pub chain_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
