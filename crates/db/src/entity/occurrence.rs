use sea_orm::entity::prelude::*;

/// A due occurrence: one point × form type × period of a plan, written when the task is
/// submitted (and, for what is not over, again when a change is approved). Done once a record for
/// it is submitted and not voided; 超期 when its period ended without one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "occurrence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub task_id: String,
    pub plan_id: String,
    /// Copied from the task, so scoped lists need no join.
    pub agency_id: String,
    pub enterprise_id: String,
    pub outlet_id: String,
    pub form_code: String,
    pub period_start: Date,
    pub period_end: Date,
    /// The submitted, not voided record that fulfils it.
    pub record_id: Option<String>,
    /// The day (Asia/Shanghai) that record was submitted: after the period's end it is 补做.
    pub fulfilled_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
