//! 上传报告: the agency's task manager uploads a report for a task it runs — name, category,
//! the file (PDF, Word, Excel or an image, checked by content), a description, and links to the
//! task's records it covers (关联表单). Everyone who sees the task reads and downloads them.

use super::{current, manage};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::filing::Upload;
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::task_report;
use emss_db::repo;
use emss_domain::task::{ReportCategory, TaskState};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use serde_json::json;

/// A report as typed; the file comes beside it.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// 上传报告名称.
    pub name: String,
    /// `ReportCategory::as_str`.
    pub category: String,
    pub description: String,
    /// 关联表单: records of this task.
    pub record_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: String,
    pub task_id: String,
    pub name: String,
    pub category: String,
    pub category_label: String,
    pub description: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub record_ids: Vec<String>,
    pub uploaded_at: DateTime<Utc>,
}

fn view(r: task_report::Model) -> ReportView {
    ReportView {
        category_label: ReportCategory::parse(&r.category)
            .map(|c| c.label())
            .unwrap_or_default()
            .to_string(),
        record_ids: serde_json::from_str(&r.record_ids).unwrap_or_default(),
        id: r.id,
        task_id: r.task_id,
        name: r.name,
        category: r.category,
        description: r.description,
        file_name: r.file_name,
        content_type: r.content_type,
        size: r.size,
        uploaded_at: r.uploaded_at,
    }
}

/// Uploads a report for a submitted task of the actor's agency.
pub async fn upload_report(
    app: &App,
    actor: &Actor,
    task_id: &str,
    input: ReportInput,
    file: Option<Upload>,
) -> Result<ReportView, AppError> {
    manage(actor)?;
    let task = current(app, actor, task_id).await?;
    if task.state == TaskState::Draft.as_str() {
        return Err(AppError::field("file", "任务提交后才能上传报告"));
    }
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "请填写上传报告名称");
    } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.add("name", "报告名称不能超过 100 个字，且不能含控制字符");
    }
    let category = ReportCategory::parse(input.category.trim());
    if category.is_none() {
        errors.add("category", "请选择报告类别");
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > 500 {
        errors.add("description", "描述不能超过 500 个字");
    } else if description
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add("description", "描述含有不可见的控制字符");
    }
    let mut record_ids: Vec<String> = Vec::new();
    for id in input
        .record_ids
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if !record_ids.iter().any(|r| r == id) {
            record_ids.push(id.to_string());
        }
    }
    if !record_ids.is_empty() {
        let own = repo::task::record_ids(db, task_id).await?;
        if record_ids.iter().any(|r| !own.contains(r)) {
            errors.add("record_ids", "关联表单须是本任务的运维记录");
        }
    }
    crate::files::document_problems(app, file.as_ref(), "请选择报告附件", &mut errors).await?;
    errors.into_result()?;
    let (Some(category), Some(file)) = (category, file) else {
        return Err(AppError::internal(
            "a report passed its checks without values",
        ));
    };
    let stored = crate::files::store_document(app, file).await?;
    let model = task_report::Model {
        id: emss_domain::ids::new_id(),
        task_id: task.id.clone(),
        name,
        category: category.as_str().to_string(),
        description,
        blob_key: stored.blob_key,
        file_name: stored.file_name,
        content_type: stored.content_type,
        size: stored.size,
        record_ids: serde_json::to_string(&record_ids).map_err(AppError::internal)?,
        uploaded_by: actor.account_id.clone(),
        uploaded_at: app.now(),
    };
    let txn = app.db().begin_write().await?;
    repo::task::insert_report(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "task.report",
        Some(("task", &task.id)),
        Outcome::Ok,
        json!({"report": model.id, "name": model.name, "sha256": model.blob_key,
            "records": record_ids.len()}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(model))
}

/// A task's reports, newest first; outside scope: 404.
pub async fn reports(app: &App, actor: &Actor, task_id: &str) -> Result<Vec<ReportView>, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let task = current(app, actor, task_id).await?;
    Ok(repo::task::reports(&app.db().conn, &task.id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// A report's file, for everyone who sees the task; 404 for anyone else.
pub async fn report_file(
    app: &App,
    actor: &Actor,
    task_id: &str,
    report_id: &str,
) -> Result<(ReportView, Vec<u8>), AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let task = current(app, actor, task_id).await?;
    let found = repo::task::report(&app.db().conn, &task.id, report_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let bytes = crate::files::download(
        app,
        actor,
        &found.blob_key,
        ("task_report", &found.id),
        serde_json::json!({"task_id": task.id}),
    )
    .await?;
    Ok((view(found), bytes))
}
