//! 仪器档案版本 and 校准读数: what decides a verdict comes from records the filer cannot steer.
//! - `instrument_version`: every state an instrument's record has had (parameter, range, unit…);
//!   a record keeps the versions it checked in against (`record.instrument_versions`).
//! - `calibration_reading`: one row per submitted record and instrument, with the section as
//!   evaluated, so "上次校准后测试值" is found by an indexed lookup on instrument, parameter and
//!   form type, ordered by check-in time. Derived from `record.fields`; existing records are
//!   copied over here.
//! - `rejudgement`: a record judged again when its reference calibration was voided or an
//!   earlier one arrived late. Appended, never edited.

use sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};
use serde_json::Value;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Records copied per query while the readings are filled in.
const PAGE: u64 = 500;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InstrumentVersion as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(string(V::InstrumentId))
                    .col(integer(V::Version))
                    .col(string(V::Parameter))
                    .col(string_null(V::Principle))
                    .col(string(V::RangeLower))
                    .col(string(V::RangeUpper))
                    .col(string(V::Unit))
                    .col(string(V::Maker))
                    .col(string(V::Model))
                    .col(string(V::SerialNo))
                    .col(string_null(V::RecordedBy))
                    .col(timestamp_with_time_zone(V::RecordedAt))
                    .primary_key(Index::create().col(V::InstrumentId).col(V::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Instrument::Table)
                    .add_column(integer(Instrument::Version).default(1))
                    .to_owned(),
            )
            .await?;
        let copy = Query::insert()
            .into_table(V::Table)
            .columns([
                V::InstrumentId,
                V::Version,
                V::Parameter,
                V::Principle,
                V::RangeLower,
                V::RangeUpper,
                V::Unit,
                V::Maker,
                V::Model,
                V::SerialNo,
                V::RecordedAt,
            ])
            .select_from(
                Query::select()
                    .columns([
                        Instrument::Id,
                        Instrument::Version,
                        Instrument::Parameter,
                        Instrument::Principle,
                        Instrument::RangeLower,
                        Instrument::RangeUpper,
                        Instrument::Unit,
                        Instrument::Maker,
                        Instrument::Model,
                        Instrument::SerialNo,
                        Instrument::UpdatedAt,
                    ])
                    .from(Instrument::Table)
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Record::Table)
                    .add_column(text(Record::InstrumentVersions).default("{}"))
                    .to_owned(),
            )
            .await?;

        use CalibrationReading as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(string(C::RecordId))
                    .col(string(C::Section))
                    .col(string(C::InstrumentId))
                    .col(string(C::Parameter))
                    .col(string(C::FormCode))
                    .col(timestamp_with_time_zone(C::CheckInAt))
                    .col(text(C::Instance))
                    .col(string_null(C::ReferenceRecordId))
                    .primary_key(
                        Index::create()
                            .col(C::RecordId)
                            .col(C::Section)
                            .col(C::InstrumentId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("calibration_reading_lookup")
                    .table(C::Table)
                    .col(C::InstrumentId)
                    .col(C::Parameter)
                    .col(C::FormCode)
                    .col(C::CheckInAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("calibration_reading_reference")
                    .table(C::Table)
                    .col(C::ReferenceRecordId)
                    .to_owned(),
            )
            .await?;

        use Rejudgement as J;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(string(J::Id).primary_key())
                    .col(string(J::RecordId))
                    .col(string(J::Reason))
                    .col(string_null(J::CauseRecordId))
                    .col(text(J::References))
                    .col(text(J::Verdicts))
                    .col(boolean(J::Failed))
                    .col(timestamp_with_time_zone(J::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rejudgement_record")
                    .table(J::Table)
                    .col(J::RecordId)
                    .col(J::CreatedAt)
                    .to_owned(),
            )
            .await?;
        copy_readings(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Rejudgement::Table.into_iden(),
            CalibrationReading::Table.into_iden(),
            InstrumentVersion::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Record::Table)
                    .drop_column(Record::InstrumentVersions)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Instrument::Table)
                    .drop_column(Instrument::Version)
                    .to_owned(),
            )
            .await
    }
}

/// The per-instrument sections of the records already submitted, as readings.
async fn copy_readings(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after = String::new();
    loop {
        let page = Query::select()
            .columns([
                Record::Id,
                Record::FormCode,
                Record::Fields,
                Record::CheckInAt,
            ])
            .from(Record::Table)
            .and_where(Expr::col(Record::State).ne("draft"))
            .and_where(Expr::col(Record::Id).gt(after.clone()))
            .order_by(Record::Id, Order::Asc)
            .limit(PAGE)
            .to_owned();
        let rows = db.query_all(&page).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get("", "id")?;
        for row in &rows {
            let id: String = row.try_get("", "id")?;
            let form_code: String = row.try_get("", "form_code")?;
            let fields: String = row.try_get("", "fields")?;
            let check_in_at: chrono::DateTime<chrono::Utc> = row.try_get("", "check_in_at")?;
            let Ok(Value::Object(sections)) = serde_json::from_str::<Value>(&fields) else {
                continue;
            };
            for (section, value) in &sections {
                let Value::Array(instances) = value else {
                    continue;
                };
                for instance in instances {
                    let (Some(instrument), Some(parameter)) = (
                        instance.get("instrument_id").and_then(Value::as_str),
                        instance.get("parameter").and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    let insert = Query::insert()
                        .into_table(CalibrationReading::Table)
                        .columns([
                            CalibrationReading::RecordId,
                            CalibrationReading::Section,
                            CalibrationReading::InstrumentId,
                            CalibrationReading::Parameter,
                            CalibrationReading::FormCode,
                            CalibrationReading::CheckInAt,
                            CalibrationReading::Instance,
                        ])
                        .values([
                            id.clone().into(),
                            section.clone().into(),
                            instrument.into(),
                            parameter.into(),
                            form_code.clone().into(),
                            check_in_at.into(),
                            instance.to_string().into(),
                        ])
                        .map_err(|e| DbErr::Migration(e.to_string()))?
                        .to_owned();
                    db.execute(&insert).await?;
                }
            }
        }
    }
}

#[derive(DeriveIden)]
enum InstrumentVersion {
    Table,
    InstrumentId,
    Version,
    Parameter,
    Principle,
    RangeLower,
    RangeUpper,
    Unit,
    Maker,
    Model,
    SerialNo,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Instrument {
    Table,
    Id,
    Version,
    Parameter,
    Principle,
    RangeLower,
    RangeUpper,
    Unit,
    Maker,
    Model,
    SerialNo,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Record {
    Table,
    Id,
    FormCode,
    Fields,
    CheckInAt,
    State,
    InstrumentVersions,
}

#[derive(DeriveIden)]
enum CalibrationReading {
    Table,
    RecordId,
    Section,
    InstrumentId,
    Parameter,
    FormCode,
    CheckInAt,
    Instance,
    ReferenceRecordId,
}

#[derive(DeriveIden)]
enum Rejudgement {
    Table,
    Id,
    RecordId,
    Reason,
    CauseRecordId,
    References,
    Verdicts,
    Failed,
    CreatedAt,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::entity::{calibration_reading, record};
    use crate::migration::Migrator;
    use crate::{Database, DatabaseSettings};
    use chrono::{NaiveDate, TimeZone, Utc};
    use sea_orm::{EntityTrait, IntoActiveModel};
    use sea_orm_migration::MigratorTrait;
    use std::time::Duration;

    fn submitted(id: &str, state: &str) -> record::Model {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 1, 30, 0).unwrap();
        record::Model {
            id: id.into(),
            number: format!("YW20261120-{id}"),
            task_id: "t1".into(),
            agency_id: "a1".into(),
            enterprise_id: "e1".into(),
            district_code: "310115".into(),
            outlet_id: "o1".into(),
            form_code: "fg_calibration".into(),
            form_version: 1,
            instrument_ids: r#"["i1"]"#.into(),
            instrument_versions: "{}".into(),
            fields: r#"{"header": {"cems_model": "CEMS-2000"}, "analytes": [
                {"instrument_id": "i1", "parameter": "二氧化硫", "span_post": "160.4"}]}"#
                .into(),
            verdicts: "[]".into(),
            failed: false,
            flagged: false,
            state: state.into(),
            filer_id: "f1".into(),
            filer_name: "张工".into(),
            visit_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            check_in_lat: "31.2".into(),
            check_in_lon: "121.5".into(),
            check_in_accuracy_m: "10".into(),
            check_in_at: at,
            check_in_sent_at: None,
            check_in_server_at: at,
            check_out_lat: None,
            check_out_lon: None,
            check_out_accuracy_m: None,
            check_out_at: None,
            check_out_sent_at: None,
            check_out_server_at: None,
            occurrence_id: None,
            submitted_at: Some(at),
            confirmed_by: None,
            confirmed_by_name: None,
            confirmed_at: None,
            reviewed_by: None,
            reviewed_by_name: None,
            reviewed_at: None,
            void_reason: None,
            acknowledgement: None,
            version: 2,
            created_at: at,
            updated_at: at,
        }
    }

    #[tokio::test]
    async fn records_filed_before_it_leave_their_readings() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(&DatabaseSettings {
            url: format!("sqlite://{}/t.db", dir.path().display()),
            pool_size: 2,
            connect_timeout: Duration::from_secs(5),
        })
        .await
        .unwrap();
        db.migrate().await.unwrap();
        for (id, state) in [("r1", "submitted"), ("r2", "draft")] {
            record::Entity::insert(submitted(id, state).into_active_model())
                .exec_without_returning(&db.conn)
                .await
                .unwrap();
        }
        // Back to before this migration (and the ones after it), and up again: the submitted
        // record's section is copied.
        let this_and_later = Migrator::migrations()
            .iter()
            .rev()
            .position(|m| m.name() == "m20261206_000018_instrument_versions")
            .unwrap()
            + 1;
        Migrator::down(&db.conn, Some(this_and_later as u32))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let readings = calibration_reading::Entity::find()
            .all(&db.conn)
            .await
            .unwrap();
        assert_eq!(readings.len(), 1, "{readings:?}");
        let r = &readings[0];
        assert_eq!(
            (
                r.record_id.as_str(),
                r.section.as_str(),
                r.parameter.as_str()
            ),
            ("r1", "analytes", "二氧化硫")
        );
        assert!(r.instance.contains("160.4"));
        assert_eq!(r.reference_record_id, None);
    }
}
