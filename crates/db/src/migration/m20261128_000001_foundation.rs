//! Organisations, accounts with roles, sessions, login guards, settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organization::Table)
                    .col(string(Organization::Id).primary_key())
                    .col(string(Organization::Kind))
                    .col(string(Organization::Name))
                    .col(string_null(Organization::DistrictCode))
                    .col(string_null(Organization::AgencyCategory))
                    .col(string_null(Organization::Uscc))
                    .col(timestamp_with_time_zone(Organization::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("organization_uscc")
                    .table(Organization::Table)
                    .col(Organization::Uscc)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("organization_kind_district")
                    .table(Organization::Table)
                    .col(Organization::Kind)
                    .col(Organization::DistrictCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .col(string(Account::Id).primary_key())
                    .col(string(Account::OrgId))
                    .col(string(Account::Username))
                    .col(string(Account::Name))
                    .col(text(Account::PasswordHash))
                    .col(boolean(Account::IsMain))
                    .col(boolean(Account::Disabled))
                    .col(boolean(Account::MustChangePassword))
                    .col(boolean(Account::IsDemo))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .col(timestamp_with_time_zone_null(Account::LastLoginAt))
                    .col(timestamp_with_time_zone_null(Account::PasswordChangedAt))
                    .col(timestamp_with_time_zone_null(Account::PasswordExpiresAt))
                    .col(text_null(Account::PhoneCipher))
                    .col(string_null(Account::PhoneKey))
                    .col(string_null(Account::PhoneIndex))
                    .col(string_null(Account::PhoneMasked))
                    .foreign_key(
                        ForeignKey::create()
                            .name("account_org")
                            .from(Account::Table, Account::OrgId)
                            .to(Organization::Table, Organization::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_username")
                    .table(Account::Table)
                    .col(Account::Username)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_phone_index")
                    .table(Account::Table)
                    .col(Account::PhoneIndex)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_org")
                    .table(Account::Table)
                    .col(Account::OrgId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountRole::Table)
                    .col(string(AccountRole::AccountId))
                    .col(string(AccountRole::Role))
                    .col(timestamp_with_time_zone(AccountRole::GrantedAt))
                    .primary_key(
                        Index::create()
                            .col(AccountRole::AccountId)
                            .col(AccountRole::Role),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("account_role_account")
                            .from(AccountRole::Table, AccountRole::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(string(Session::Id).primary_key())
                    .col(string(Session::AccountId))
                    .col(string(Session::Kind))
                    .col(string(Session::CsrfToken))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::LastSeenAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .col(string_null(Session::Ip))
                    .col(string_null(Session::UserAgent))
                    .col(string_null(Session::EndedReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("session_account")
                            .from(Session::Table, Session::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("session_account")
                    .table(Session::Table)
                    .col(Session::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("session_expires")
                    .table(Session::Table)
                    .col(Session::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeviceBinding::Table)
                    .col(string(DeviceBinding::Id).primary_key())
                    .col(string(DeviceBinding::AccountId))
                    .col(string(DeviceBinding::Label))
                    .col(timestamp_with_time_zone(DeviceBinding::CreatedAt))
                    .col(timestamp_with_time_zone(DeviceBinding::LastUsedAt))
                    .col(timestamp_with_time_zone(DeviceBinding::ExpiresAt))
                    .col(timestamp_with_time_zone_null(DeviceBinding::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("device_binding_account")
                            .from(DeviceBinding::Table, DeviceBinding::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("device_binding_account")
                    .table(DeviceBinding::Table)
                    .col(DeviceBinding::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginGuard::Table)
                    .col(string(LoginGuard::Username).primary_key())
                    .col(integer(LoginGuard::Failures))
                    .col(timestamp_with_time_zone_null(LoginGuard::WindowStart))
                    .col(timestamp_with_time_zone_null(LoginGuard::LockedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempt::Table)
                    .col(pk_auto(LoginAttempt::Id))
                    .col(string(LoginAttempt::Ip))
                    .col(timestamp_with_time_zone(LoginAttempt::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_attempt_ip_at")
                    .table(LoginAttempt::Table)
                    .col(LoginAttempt::Ip)
                    .col(LoginAttempt::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Setting::Table)
                    .col(string(Setting::Key).primary_key())
                    .col(text(Setting::Value))
                    .col(timestamp_with_time_zone(Setting::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Setting::Table.into_iden(),
            LoginAttempt::Table.into_iden(),
            LoginGuard::Table.into_iden(),
            DeviceBinding::Table.into_iden(),
            Session::Table.into_iden(),
            AccountRole::Table.into_iden(),
            Account::Table.into_iden(),
            Organization::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
    Kind,
    Name,
    DistrictCode,
    AgencyCategory,
    Uscc,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    OrgId,
    Username,
    Name,
    PasswordHash,
    IsMain,
    Disabled,
    MustChangePassword,
    IsDemo,
    CreatedAt,
    LastLoginAt,
    PasswordChangedAt,
    PasswordExpiresAt,
    PhoneCipher,
    PhoneKey,
    PhoneIndex,
    PhoneMasked,
}

#[derive(DeriveIden)]
enum AccountRole {
    Table,
    AccountId,
    Role,
    GrantedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    AccountId,
    Kind,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
    EndedReason,
}

#[derive(DeriveIden)]
enum DeviceBinding {
    Table,
    Id,
    AccountId,
    Label,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginGuard {
    Table,
    Username,
    Failures,
    WindowStart,
    LockedUntil,
}

#[derive(DeriveIden)]
enum LoginAttempt {
    Table,
    Id,
    Ip,
    At,
}

#[derive(DeriveIden)]
enum Setting {
    Table,
    Key,
    Value,
    UpdatedAt,
}
