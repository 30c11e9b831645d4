use sea_orm::entity::prelude::*;

/// The publicity of a closed year's ratings: 公示 until the last day for objections, then 公布
/// to the public register.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_publication")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// `publicity` (公示中) | `published` (已公布).
    pub state: String,
    /// The last day (Shanghai) an objection or its documents are received.
    pub objection_deadline: Date,
    pub started_by: String,
    pub started_at: DateTimeUtc,
    pub published_by: Option<String>,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
