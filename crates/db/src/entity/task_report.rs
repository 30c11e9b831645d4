use sea_orm::entity::prelude::*;

/// A report uploaded for a task (上传报告). Rows are never changed; the file lives in the blob
/// store under its hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub task_id: String,
    /// 上传报告名称.
    pub name: String,
    /// `ReportCategory::as_str` (报告类别).
    pub category: String,
    /// 描述.
    pub description: String,
    pub blob_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// JSON list of the task's record ids the report covers (关联表单).
    pub record_ids: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
