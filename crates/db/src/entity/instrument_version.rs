use sea_orm::entity::prelude::*;

/// One state of an instrument's record. Every change the enterprise makes adds a version; a
/// record keeps the version it checked in against, so the values that chose its limits and
/// full scale can always be shown.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instrument_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub instrument_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub parameter: String,
    pub principle: Option<String>,
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    /// The account that made the change (none for demo data and for the versions copied when
    /// versions began).
    pub recorded_by: Option<String>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
