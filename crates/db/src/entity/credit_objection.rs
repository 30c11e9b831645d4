use sea_orm::entity::prelude::*;

/// An agency's objection (异议) to one indicator of its final rating, and the city's decision.
/// Filed once per indicator; decided once. An accepted objection carries the corrected score
/// and the rating's total and grade after it: the rating itself is never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_objection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rating_id: String,
    pub year: i32,
    pub kind: String,
    pub agency_id: String,
    /// The indicator's code and name, as rated.
    pub code: String,
    pub indicator_name: String,
    /// The indicator's score when the objection was filed, in tenths.
    pub scored_before: i64,
    pub reasons: String,
    /// `pending` | `accepted` | `rejected`.
    pub state: String,
    pub filed_by: String,
    pub filed_at: DateTimeUtc,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    /// Accepted: the corrected score, and the rating's total (tenths) and grade after it.
    pub scored_after: Option<i64>,
    pub total_after: Option<i64>,
    pub grade_code_after: Option<String>,
    pub grade_name_after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
