//! 拒绝计数: refused requests counted per principal, route and window, so one client refused over
//! and over cannot grow the append-only audit log without bound. The first refusal of a window is
//! written to the log at once; the rest are counted here and summed up in one entry when the
//! window closes (or the instance stops). This table is bookkeeping, not evidence: rows are
//! updated and, once reported, removed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DenialWindow as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(string(D::Principal))
                    .col(string(D::Route))
                    .col(timestamp_with_time_zone(D::WindowStart))
                    .col(string(D::Action))
                    .col(string_null(D::ActorId))
                    .col(string_null(D::OrgId))
                    .col(string(D::Roles))
                    .col(string_null(D::Ip))
                    .col(big_integer(D::Count))
                    .col(big_integer(D::Reported))
                    .col(timestamp_with_time_zone(D::FirstAt))
                    .col(timestamp_with_time_zone(D::LastAt))
                    .col(string(D::Codes))
                    .primary_key(
                        Index::create()
                            .col(D::Principal)
                            .col(D::Route)
                            .col(D::WindowStart),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("denial_window_start")
                    .table(D::Table)
                    .col(D::WindowStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DenialWindow::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DenialWindow {
    Table,
    Principal,
    Route,
    WindowStart,
    Action,
    ActorId,
    OrgId,
    Roles,
    Ip,
    Count,
    Reported,
    FirstAt,
    LastAt,
    Codes,
}
