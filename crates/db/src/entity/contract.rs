use sea_orm::entity::prelude::*;

/// A contract (合同) between an agency and an enterprise (party A).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub agency_id: String,
    /// Party A (甲方).
    pub enterprise_id: String,
    pub title: String,
    /// `ContractNature::as_str`.
    pub nature: String,
    /// In fen (分): exact.
    pub amount_fen: i64,
    pub performance_start: Date,
    pub performance_end: Date,
    /// `ContractState::as_str`.
    pub state: String,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
