use sea_orm::entity::prelude::*;

/// 复判: a submitted record judged again because its reference calibration was voided or an
/// earlier calibration arrived late. The record's own verdicts stay as filed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rejudgement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub record_id: String,
    pub reason: String,
    /// The record whose voiding or late arrival caused it.
    pub cause_record_id: Option<String>,
    /// JSON array of `{section, instrument_id, parameter, record_id, number}`: the references
    /// judged against (record none: first calibration).
    pub references: String,
    /// JSON array of verdicts, as on the record.
    pub verdicts: String,
    pub failed: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
