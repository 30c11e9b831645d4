use sea_orm::entity::prelude::*;

/// A record carrying a flag of one kind, with the record's scope and visit copied so the flag
/// filter of the record lists reads one index (see `repo::record::flagged_query`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flagged_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    pub agency_id: String,
    pub enterprise_id: String,
    pub district_code: String,
    pub visit_date: Date,
    pub check_in_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
