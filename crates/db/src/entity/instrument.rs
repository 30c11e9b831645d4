use sea_orm::entity::prelude::*;

/// A monitoring instrument at an outlet: the list the field engineer chooses from.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instrument")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub outlet_id: String,
    pub enterprise_id: String,
    pub parameter: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    /// For gaseous CEMS: 完全抽取法 / 稀释采样法 / 直接测量法.
    pub principle: Option<String>,
    /// Decimals as written (exact).
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
    pub installed_on: Date,
    /// The latest of its `instrument_version` rows.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
