use sea_orm::entity::prelude::*;

/// An agency's rating for a year under the indicator system of a kind: 滚动 while the year runs
/// (replaced at each computation), 年度 once it is over (never replaced).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_rating")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub year: i32,
    /// `maintenance` | `testing`.
    pub kind: String,
    pub agency_id: String,
    pub system_id: String,
    pub system_version: i32,
    /// `rolling` | `final`.
    pub standing: String,
    /// The last day whose facts were counted.
    pub facts_to: Date,
    /// Why the agency is not rated (`not_filed`, `filed_too_recently`, `no_business`), if not.
    pub exclusion: Option<String>,
    pub exclusion_text: Option<String>,
    /// In tenths of a point: 得分项, deductions (negative), bonuses, total.
    pub base: i64,
    pub deductions: i64,
    pub bonuses: i64,
    pub total: i64,
    pub grade_code: Option<String>,
    pub grade_name: Option<String>,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
