use sea_orm::entity::prelude::*;

/// A submitted record's section for one instrument, as evaluated: where "上次校准后测试值" of
/// later records of the same form type, instrument and parameter is read from.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calibration_reading")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub section: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub instrument_id: String,
    pub parameter: String,
    pub form_code: String,
    /// The record's check-in (the phone's time), which orders readings.
    pub check_in_at: DateTimeUtc,
    /// JSON object: the section instance as stored on the record.
    pub instance: String,
    /// The earlier record this one is judged against now (none: first calibration).
    pub reference_record_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::record::Entity",
        from = "Column::RecordId",
        to = "super::record::Column::Id"
    )]
    Record,
}

impl Related<super::record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Record.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
