use sea_orm::entity::prelude::*;

/// A maintenance plan (运维计划) of a task.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub task_id: String,
    pub position: i32,
    /// 计划标题.
    pub title: String,
    /// `PlanFrequency::as_str` (计划执行频次).
    pub frequency: String,
    /// JSON list of form type codes (运维内容).
    pub form_codes: String,
    /// 执行时间: the plan's first and last day, inside the task's.
    pub start_date: Date,
    pub end_date: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
