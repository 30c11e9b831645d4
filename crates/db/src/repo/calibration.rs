//! Calibration readings (the reference a drift is judged against) and re-judgements. Readings of
//! draft or voided records never serve as a reference.

use crate::entity::{calibration_reading, record, rejudgement};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Select, sea_query::Expr,
};

/// Which readings a lookup means: the same instrument, parameter and form type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadingKey {
    pub instrument_id: String,
    pub parameter: String,
    pub form_code: String,
}

fn live(key: &ReadingKey) -> Select<calibration_reading::Entity> {
    use calibration_reading::Column as C;
    calibration_reading::Entity::find()
        .inner_join(record::Entity)
        .filter(C::InstrumentId.eq(key.instrument_id.as_str()))
        .filter(C::Parameter.eq(key.parameter.as_str()))
        .filter(C::FormCode.eq(key.form_code.as_str()))
        .filter(record::Column::State.is_not_in(["draft", "voided"]))
}

/// The query of the latest live reading checked in before `before`, other than `except`'s.
pub fn reference_query(
    key: &ReadingKey,
    before: DateTime<Utc>,
    except: &str,
) -> Select<calibration_reading::Entity> {
    use calibration_reading::Column as C;
    live(key)
        .filter(C::CheckInAt.lt(before))
        .filter(C::RecordId.ne(except))
        .order_by_desc(C::CheckInAt)
        .order_by_desc(C::RecordId)
}

/// The latest live reading checked in before `before`, other than `except`'s, with its record's
/// number.
pub async fn reference_before(
    db: &impl ConnectionTrait,
    key: &ReadingKey,
    before: DateTime<Utc>,
    except: &str,
) -> Result<Option<(calibration_reading::Model, String)>, DbErr> {
    Ok(reference_query(key, before, except)
        .select_also(record::Entity)
        .one(db)
        .await?
        .and_then(|(reading, r)| r.map(|r| (reading, r.number))))
}

/// The query of the first live reading checked in after `after`, other than `except`'s: the
/// one a late record may have to be put before.
pub fn next_query(
    key: &ReadingKey,
    after: DateTime<Utc>,
    except: &str,
) -> Select<calibration_reading::Entity> {
    use calibration_reading::Column as C;
    live(key)
        .filter(C::CheckInAt.gt(after))
        .filter(C::RecordId.ne(except))
        .order_by_asc(C::CheckInAt)
        .order_by_asc(C::RecordId)
}

pub async fn next_after(
    db: &impl ConnectionTrait,
    key: &ReadingKey,
    after: DateTime<Utc>,
    except: &str,
) -> Result<Option<calibration_reading::Model>, DbErr> {
    next_query(key, after, except).one(db).await
}

/// The query of the live readings judged against one of these records.
pub fn referencing_query(record_ids: &[String]) -> Select<calibration_reading::Entity> {
    use calibration_reading::Column as C;
    calibration_reading::Entity::find()
        .inner_join(record::Entity)
        .filter(C::ReferenceRecordId.is_in(record_ids.iter().map(String::as_str)))
        .filter(record::Column::State.is_not_in(["draft", "voided"]))
        .order_by_asc(C::CheckInAt)
}

/// The live readings judged against one of these records.
pub async fn referencing(
    db: &impl ConnectionTrait,
    record_ids: &[String],
) -> Result<Vec<calibration_reading::Model>, DbErr> {
    if record_ids.is_empty() {
        return Ok(Vec::new());
    }
    referencing_query(record_ids).all(db).await
}

/// A record's readings.
pub async fn readings_of(
    db: &impl ConnectionTrait,
    record_id: &str,
) -> Result<Vec<calibration_reading::Model>, DbErr> {
    calibration_reading::Entity::find()
        .filter(calibration_reading::Column::RecordId.eq(record_id))
        .all(db)
        .await
}

pub async fn insert_readings(
    db: &impl ConnectionTrait,
    rows: Vec<calibration_reading::Model>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    calibration_reading::Entity::insert_many(
        rows.into_iter().map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Points a record's reading at the reference it is judged against now.
pub async fn set_reference(
    db: &impl ConnectionTrait,
    reading: &calibration_reading::Model,
    reference: Option<&str>,
) -> Result<(), DbErr> {
    use calibration_reading::Column as C;
    calibration_reading::Entity::update_many()
        .col_expr(
            C::ReferenceRecordId,
            Expr::value(reference.map(str::to_string)),
        )
        .filter(C::RecordId.eq(reading.record_id.as_str()))
        .filter(C::Section.eq(reading.section.as_str()))
        .filter(C::InstrumentId.eq(reading.instrument_id.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_rejudgement(
    db: &impl ConnectionTrait,
    row: rejudgement::Model,
) -> Result<(), DbErr> {
    rejudgement::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A record's re-judgements, oldest first.
pub async fn rejudgements_of(
    db: &impl ConnectionTrait,
    record_id: &str,
) -> Result<Vec<rejudgement::Model>, DbErr> {
    rejudgement::Entity::find()
        .filter(rejudgement::Column::RecordId.eq(record_id))
        .order_by_asc(rejudgement::Column::CreatedAt)
        .order_by_asc(rejudgement::Column::Id)
        .all(db)
        .await
}
