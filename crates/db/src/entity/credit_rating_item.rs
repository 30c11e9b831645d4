use sea_orm::entity::prelude::*;

/// One indicator of a rating: the fact's value, what it scored and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_rating_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rating_id: String,
    pub position: i32,
    pub code: String,
    pub name: String,
    pub category: String,
    /// `score` | `deduction` | `bonus`.
    pub effect: String,
    /// The most a 得分项 scores, in tenths.
    pub points: Option<i64>,
    /// The measure's id (`emss_domain::credit::Measure`).
    pub measure: String,
    /// The fact (per mille for shares); None for a share of nothing.
    pub value: Option<i64>,
    /// What it adds to the total, in tenths (negative for a deduction).
    pub scored: i64,
    pub why: String,
    /// How many objects stand behind the fact (the first ones are kept as evidence).
    pub evidence_total: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
