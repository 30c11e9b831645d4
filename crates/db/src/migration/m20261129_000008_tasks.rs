//! 运维任务 (maintenance tasks) with what they bind (points, personnel, equipment), their plans,
//! the due occurrences the plans expand into once a task is submitted, and the reports uploaded
//! for them (上传报告).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MaintenanceTask::Table)
                    .col(string(MaintenanceTask::Id).primary_key())
                    .col(string(MaintenanceTask::AgencyId))
                    .col(string(MaintenanceTask::EnterpriseId))
                    .col(string(MaintenanceTask::ContractId))
                    .col(string(MaintenanceTask::Name))
                    .col(string(MaintenanceTask::Number))
                    .col(string(MaintenanceTask::Kind))
                    .col(date(MaintenanceTask::StartDate))
                    .col(date(MaintenanceTask::EndDate))
                    .col(string(MaintenanceTask::State))
                    .col(integer(MaintenanceTask::Version))
                    .col(timestamp_with_time_zone_null(MaintenanceTask::SubmittedAt))
                    .col(timestamp_with_time_zone_null(MaintenanceTask::ClosedAt))
                    .col(timestamp_with_time_zone(MaintenanceTask::CreatedAt))
                    .col(timestamp_with_time_zone(MaintenanceTask::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The task number is the agency's own and unique within it.
        manager
            .create_index(
                Index::create()
                    .name("maintenance_task_number")
                    .table(MaintenanceTask::Table)
                    .col(MaintenanceTask::AgencyId)
                    .col(MaintenanceTask::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("maintenance_task_enterprise")
                    .table(MaintenanceTask::Table)
                    .col(MaintenanceTask::EnterpriseId)
                    .col(MaintenanceTask::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskBinding::Table)
                    .col(string(TaskBinding::TaskId))
                    .col(string(TaskBinding::Kind))
                    .col(string(TaskBinding::RefId))
                    .col(integer(TaskBinding::Position))
                    .primary_key(
                        Index::create()
                            .col(TaskBinding::TaskId)
                            .col(TaskBinding::Kind)
                            .col(TaskBinding::RefId),
                    )
                    .to_owned(),
            )
            .await?;
        // "Is this equipment (or person) bound to a task?"
        manager
            .create_index(
                Index::create()
                    .name("task_binding_ref")
                    .table(TaskBinding::Table)
                    .col(TaskBinding::Kind)
                    .col(TaskBinding::RefId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskPlan::Table)
                    .col(string(TaskPlan::Id).primary_key())
                    .col(string(TaskPlan::TaskId))
                    .col(integer(TaskPlan::Position))
                    .col(string(TaskPlan::Title))
                    .col(string(TaskPlan::Frequency))
                    .col(text(TaskPlan::FormCodes))
                    .col(date(TaskPlan::StartDate))
                    .col(date(TaskPlan::EndDate))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("task_plan_task")
                    .table(TaskPlan::Table)
                    .col(TaskPlan::TaskId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Occurrence::Table)
                    .col(string(Occurrence::Id).primary_key())
                    .col(string(Occurrence::TaskId))
                    .col(string(Occurrence::PlanId))
                    .col(string(Occurrence::AgencyId))
                    .col(string(Occurrence::EnterpriseId))
                    .col(string(Occurrence::OutletId))
                    .col(string(Occurrence::FormCode))
                    .col(date(Occurrence::PeriodStart))
                    .col(date(Occurrence::PeriodEnd))
                    .col(string_null(Occurrence::RecordId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("occurrence_unique")
                    .table(Occurrence::Table)
                    .col(Occurrence::PlanId)
                    .col(Occurrence::OutletId)
                    .col(Occurrence::FormCode)
                    .col(Occurrence::PeriodStart)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("occurrence_agency", Occurrence::AgencyId),
            ("occurrence_enterprise", Occurrence::EnterpriseId),
            ("occurrence_task", Occurrence::TaskId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Occurrence::Table)
                        .col(col)
                        .col(Occurrence::PeriodEnd)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TaskReport::Table)
                    .col(string(TaskReport::Id).primary_key())
                    .col(string(TaskReport::TaskId))
                    .col(string(TaskReport::Name))
                    .col(string(TaskReport::Category))
                    .col(text(TaskReport::Description))
                    .col(string(TaskReport::BlobKey))
                    .col(string(TaskReport::FileName))
                    .col(string(TaskReport::ContentType))
                    .col(big_integer(TaskReport::Size))
                    .col(text(TaskReport::RecordIds))
                    .col(string(TaskReport::UploadedBy))
                    .col(timestamp_with_time_zone(TaskReport::UploadedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("task_report_task")
                    .table(TaskReport::Table)
                    .col(TaskReport::TaskId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            TaskReport::Table.into_iden(),
            Occurrence::Table.into_iden(),
            TaskPlan::Table.into_iden(),
            TaskBinding::Table.into_iden(),
            MaintenanceTask::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MaintenanceTask {
    Table,
    Id,
    AgencyId,
    EnterpriseId,
    ContractId,
    Name,
    Number,
    Kind,
    StartDate,
    EndDate,
    State,
    Version,
    SubmittedAt,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TaskBinding {
    Table,
    TaskId,
    Kind,
    RefId,
    Position,
}

#[derive(DeriveIden)]
enum TaskPlan {
    Table,
    Id,
    TaskId,
    Position,
    Title,
    Frequency,
    FormCodes,
    StartDate,
    EndDate,
}

#[derive(DeriveIden)]
enum Occurrence {
    Table,
    Id,
    TaskId,
    PlanId,
    AgencyId,
    EnterpriseId,
    OutletId,
    FormCode,
    PeriodStart,
    PeriodEnd,
    RecordId,
}

#[derive(DeriveIden)]
enum TaskReport {
    Table,
    Id,
    TaskId,
    Name,
    Category,
    Description,
    BlobKey,
    FileName,
    ContentType,
    Size,
    RecordIds,
    UploadedBy,
    UploadedAt,
}
