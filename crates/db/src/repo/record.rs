//! Maintenance records, their flags and the evidence they carry. Every read takes the caller's
//! scope: an agency its own (a draft only its filer's), an enterprise those on its outlets, a
//! district regulator those of its district, the city all; drafts are nobody else's business.

use crate::entity::{
    evidence, flagged_record, occurrence, organization, outlet, record, record_evidence,
    record_flag,
};
use chrono::NaiveDate;
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::record::Flag;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

fn record_scope(scope: &Scope, viewer: &str) -> Condition {
    use record::Column as C;
    let submitted = C::State.ne("draft");
    match scope {
        Scope::Agency(id) => Condition::all()
            .add(C::AgencyId.eq(id.as_str()))
            .add(Condition::any().add(submitted).add(C::FilerId.eq(viewer))),
        Scope::Enterprise(id) => Condition::all()
            .add(C::EnterpriseId.eq(id.as_str()))
            .add(submitted),
        Scope::District(code) => Condition::all()
            .add(C::DistrictCode.eq(code.as_str()))
            .add(submitted),
        Scope::City => Condition::all().add(submitted),
        Scope::Nothing => Condition::all().add(C::Id.is_null()),
    }
}

pub async fn insert(db: &impl ConnectionTrait, model: record::Model) -> Result<(), DbErr> {
    record::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A record the viewer may see; None when it does not exist or is out of scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    viewer: &str,
    id: &str,
) -> Result<Option<record::Model>, DbErr> {
    record::Entity::find_by_id(id)
        .filter(record_scope(scope, viewer))
        .one(db)
        .await
}

/// Records by id, whatever their scope (to name the records a photo was used on before).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<record::Model>, DbErr> {
    record::Entity::find()
        .filter(record::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(db)
        .await
}

/// The numbers of some records, the latest visit first, at most `limit` (to name them in a
/// flag's reason), whatever their scope.
pub async fn numbers_of(
    db: &impl ConnectionTrait,
    ids: &[String],
    limit: u64,
) -> Result<Vec<String>, DbErr> {
    record::Entity::find()
        .select_only()
        .column(record::Column::Number)
        .filter(record::Column::Id.is_in(ids.iter().map(String::as_str)))
        .order_by_desc(record::Column::CheckInAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// The records of a batch the viewer may see, in one query.
pub async fn in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    viewer: &str,
    ids: &[String],
) -> Result<Vec<record::Model>, DbErr> {
    record::Entity::find()
        .filter(record::Column::Id.is_in(ids.iter().map(String::as_str)))
        .filter(record_scope(scope, viewer))
        .all(db)
        .await
}

/// Writes the whole row if it is still at `expected_version`; false when someone else moved it.
pub async fn save(
    db: &impl ConnectionTrait,
    model: record::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let id = model.id.clone();
    let active = model.into_active_model().reset_all();
    let done = record::Entity::update_many()
        .set(active)
        .filter(record::Column::Id.eq(id))
        .filter(record::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The filters of the record lists (api.md, the regulators' 运维记录).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub state: Option<String>,
    pub task_id: Option<String>,
    pub outlet_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub form_code: Option<String>,
    /// Visit days, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only records carrying this flag kind.
    pub flag: Option<String>,
    /// Some(true): a verdict failed; Some(false): every verdict passed.
    pub failed: Option<bool>,
    /// Some(true): any flag raised.
    pub flagged: Option<bool>,
    /// Only records filed by this account (a field engineer's own list).
    pub filer_id: Option<String>,
    /// Only submitted records that fulfil no occurrence (计划外).
    pub unplanned: bool,
    /// Part of the 运维编号, of the enterprise's name or of the outlet's name.
    pub keyword: Option<String>,
    /// Only records on enterprises of this district.
    pub district_code: Option<String>,
    /// Only records of this agency (or self-maintaining enterprise).
    pub agency_id: Option<String>,
}

fn condition(scope: &Scope, viewer: &str, f: &RecordFilter) -> Condition {
    use record::Column as C;
    let mut cond = record_scope(scope, viewer);
    if let Some(s) = &f.state {
        cond = cond.add(C::State.eq(s.as_str()));
    }
    if let Some(t) = &f.task_id {
        cond = cond.add(C::TaskId.eq(t.as_str()));
    }
    if let Some(o) = &f.outlet_id {
        cond = cond.add(C::OutletId.eq(o.as_str()));
    }
    if let Some(id) = &f.filer_id {
        cond = cond.add(C::FilerId.eq(id.as_str()));
    }
    if let Some(k) = &f.keyword {
        let pattern = super::contains_pattern(k);
        // 运维编号 are upper case (YW20261204-3A9713); names are matched as typed.
        let number = super::contains_pattern(&k.to_uppercase());
        cond = cond.add(
            Condition::any()
                .add(C::Number.like(number))
                .add(
                    C::EnterpriseId.in_subquery(
                        Query::select()
                            .column(organization::Column::Id)
                            .from(organization::Entity)
                            .and_where(organization::Column::Name.like(pattern.clone()))
                            .to_owned(),
                    ),
                )
                .add(
                    C::OutletId.in_subquery(
                        Query::select()
                            .column(outlet::Column::Id)
                            .from(outlet::Entity)
                            .and_where(outlet::Column::Name.like(pattern))
                            .to_owned(),
                    ),
                ),
        );
    }
    if let Some(d) = &f.district_code {
        cond = cond.add(C::DistrictCode.eq(d.as_str()));
    }
    if let Some(a) = &f.agency_id {
        cond = cond.add(C::AgencyId.eq(a.as_str()));
    }
    if f.unplanned {
        cond = cond
            .add(C::OccurrenceId.is_null())
            .add(C::State.ne(emss_domain::record::RecordState::Draft.as_str()));
    }
    if let Some(e) = &f.enterprise_id {
        cond = cond.add(C::EnterpriseId.eq(e.as_str()));
    }
    if let Some(code) = &f.form_code {
        cond = cond.add(C::FormCode.eq(code.as_str()));
    }
    if let Some(d) = f.from {
        cond = cond.add(C::VisitDate.gte(d));
    }
    if let Some(d) = f.to {
        cond = cond.add(C::VisitDate.lte(d));
    }
    if let Some(kind) = &f.flag {
        cond = cond.add(
            C::Id.in_subquery(
                Query::select()
                    .column(record_flag::Column::RecordId)
                    .from(record_flag::Entity)
                    .and_where(record_flag::Column::Kind.eq(kind.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(failed) = f.failed {
        cond = cond.add(C::Failed.eq(failed));
    }
    if let Some(flagged) = f.flagged {
        cond = cond.add(C::Flagged.eq(flagged));
    }
    cond
}

/// The query of the record lists, the latest visit first (its plan is checked in the tests).
pub fn list_query(scope: &Scope, viewer: &str, filter: &RecordFilter) -> Select<record::Entity> {
    use record::Column as C;
    record::Entity::find()
        .filter(condition(scope, viewer, filter))
        .order_by_desc(C::VisitDate)
        .order_by_desc(C::CheckInAt)
        .order_by_asc(C::Id)
}

/// "Records with this flag" answered from `flagged_record` alone, when the list asks for nothing
/// else than the flag and visit days: counted and paged on one index, the latest visit first (its
/// plan is checked in the tests). Only submitted records carry flags, so the scope needs no state.
pub fn flagged_query(
    scope: &Scope,
    filter: &RecordFilter,
) -> Option<Select<flagged_record::Entity>> {
    use flagged_record::Column as F;
    let kind = filter.flag.as_deref()?;
    let flag_and_days = RecordFilter {
        flag: filter.flag.clone(),
        from: filter.from,
        to: filter.to,
        ..Default::default()
    };
    if *filter != flag_and_days {
        return None;
    }
    let mut query = flagged_record::Entity::find().filter(F::Kind.eq(kind));
    query = match scope {
        Scope::Agency(id) => query.filter(F::AgencyId.eq(id.as_str())),
        Scope::Enterprise(id) => query.filter(F::EnterpriseId.eq(id.as_str())),
        Scope::District(code) => query.filter(F::DistrictCode.eq(code.as_str())),
        Scope::City => query,
        Scope::Nothing => query.filter(F::RecordId.is_null()),
    };
    if let Some(d) = filter.from {
        query = query.filter(F::VisitDate.gte(d));
    }
    if let Some(d) = filter.to {
        query = query.filter(F::VisitDate.lte(d));
    }
    Some(
        query
            .order_by_desc(F::VisitDate)
            .order_by_desc(F::CheckInAt)
            .order_by_asc(F::RecordId),
    )
}

/// Records in scope, the latest visit first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    viewer: &str,
    filter: &RecordFilter,
    page: PageRequest,
) -> Result<Page<record::Model>, DbErr> {
    if let Some(flagged) = flagged_query(scope, filter) {
        let total = flagged.clone().count(db).await?;
        let ids: Vec<String> = flagged
            .select_only()
            .column(flagged_record::Column::RecordId)
            .offset(page.offset())
            .limit(page.page_size)
            .into_tuple()
            .all(db)
            .await?;
        let mut items = by_ids(db, &ids).await?;
        items.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        return Ok(Page::new(items, total, page));
    }
    let query = list_query(scope, viewer, filter);
    super::paged(db, query, page).await
}

/// The query of 待确认日期 (its plan is checked in the tests).
pub fn pending_days_query(enterprise_id: &str) -> Select<record::Entity> {
    use record::Column as C;
    record::Entity::find()
        .select_only()
        .column(C::VisitDate)
        .column_as(Expr::expr(Func::count(Expr::col(C::Id))), "count")
        .filter(C::EnterpriseId.eq(enterprise_id))
        .filter(C::State.eq("submitted"))
        .group_by(C::VisitDate)
        .order_by_desc(C::VisitDate)
}

/// 待确认日期: the days with records waiting for the enterprise, and how many on each.
pub async fn pending_days(
    db: &impl ConnectionTrait,
    enterprise_id: &str,
) -> Result<Vec<(NaiveDate, i64)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Day {
        visit_date: NaiveDate,
        count: i64,
    }
    Ok(pending_days_query(enterprise_id)
        .into_model::<Day>()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.visit_date, d.count))
        .collect())
}

/// Adds flags to a submitted record after the fact (a re-judgement): after those it has, a
/// `flagged_record` row for each kind it did not carry yet; `failed` marks it failed as well.
/// The record's version does not move: no state changes, and a confirmation or review in
/// flight is not disturbed.
pub async fn append_flags(
    db: &impl ConnectionTrait,
    record: &record::Model,
    flags: &[Flag],
    failed: bool,
) -> Result<(), DbErr> {
    let held = flags_of(db, std::slice::from_ref(&record.id)).await?;
    let next = held.iter().map(|f| f.position + 1).max().unwrap_or(0);
    let rows: Vec<record_flag::Model> = flags
        .iter()
        .zip(next..)
        .map(|(f, position)| record_flag::Model {
            record_id: record.id.clone(),
            position,
            kind: f.kind.as_str().to_string(),
            reason: f.reason.clone(),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let new_kinds: Vec<record_flag::Model> = rows
        .iter()
        .filter(|r| !held.iter().any(|h| h.kind == r.kind))
        .cloned()
        .collect();
    let flagged = flagged_rows(record, &new_kinds);
    record_flag::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(db)
        .await?;
    if !flagged.is_empty() {
        flagged_record::Entity::insert_many(
            flagged.into_iter().map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(db)
        .await?;
    }
    let mut update = record::Entity::update_many()
        .col_expr(record::Column::Flagged, Expr::value(true))
        .filter(record::Column::Id.eq(record.id.as_str()));
    if failed {
        update = update.col_expr(record::Column::Failed, Expr::value(true));
    }
    update.exec(db).await?;
    Ok(())
}

/// The `flagged_record` rows of a record's flags: one per kind.
pub fn flagged_rows(
    record: &record::Model,
    flags: &[record_flag::Model],
) -> Vec<flagged_record::Model> {
    let mut rows: Vec<flagged_record::Model> = Vec::new();
    for flag in flags {
        if rows.iter().all(|r| r.kind != flag.kind) {
            rows.push(flagged_record::Model {
                record_id: record.id.clone(),
                kind: flag.kind.clone(),
                agency_id: record.agency_id.clone(),
                enterprise_id: record.enterprise_id.clone(),
                district_code: record.district_code.clone(),
                visit_date: record.visit_date,
                check_in_at: record.check_in_at,
            });
        }
    }
    rows
}

/// A submitted record's flags, with their `flagged_record` rows.
pub async fn insert_flags(
    db: &impl ConnectionTrait,
    record: &record::Model,
    rows: Vec<record_flag::Model>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let flagged = flagged_rows(record, &rows);
    record_flag::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(db)
        .await?;
    flagged_record::Entity::insert_many(
        flagged.into_iter().map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The flags of some records, in the order raised.
pub async fn flags_of(
    db: &impl ConnectionTrait,
    record_ids: &[String],
) -> Result<Vec<record_flag::Model>, DbErr> {
    record_flag::Entity::find()
        .filter(record_flag::Column::RecordId.is_in(record_ids.iter().map(String::as_str)))
        .order_by_asc(record_flag::Column::RecordId)
        .order_by_asc(record_flag::Column::Position)
        .all(db)
        .await
}

pub async fn link_evidence(
    db: &impl ConnectionTrait,
    rows: Vec<record_evidence::Model>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    record_evidence::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// How many site photos (现场照片) each of some records carries, in one query.
pub async fn photo_counts(
    db: &impl ConnectionTrait,
    record_ids: &[String],
) -> Result<std::collections::HashMap<String, u64>, DbErr> {
    let links = record_evidence::Entity::find()
        .filter(record_evidence::Column::RecordId.is_in(record_ids.iter().map(String::as_str)))
        .filter(record_evidence::Column::Role.eq("evidence_photo"))
        .all(db)
        .await?;
    let mut counts = std::collections::HashMap::new();
    for l in links {
        *counts.entry(l.record_id).or_insert(0) += 1;
    }
    Ok(counts)
}

/// The images a record carries, with their roles.
pub async fn evidence_of(
    db: &impl ConnectionTrait,
    record_id: &str,
) -> Result<Vec<(record_evidence::Model, evidence::Model)>, DbErr> {
    let links = record_evidence::Entity::find()
        .filter(record_evidence::Column::RecordId.eq(record_id))
        .all(db)
        .await?;
    let images = evidence::Entity::find()
        .filter(evidence::Column::Id.is_in(links.iter().map(|l| l.evidence_id.as_str())))
        .all(db)
        .await?;
    Ok(links
        .into_iter()
        .filter_map(|l| {
            let image = images.iter().find(|i| i.id == l.evidence_id)?.clone();
            Some((l, image))
        })
        .collect())
}

/// The records carrying an image.
pub async fn records_with_evidence(
    db: &impl ConnectionTrait,
    evidence_id: &str,
) -> Result<Vec<String>, DbErr> {
    Ok(record_evidence::Entity::find()
        .filter(record_evidence::Column::EvidenceId.eq(evidence_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.record_id)
        .collect())
}

/// Whether a record in the viewer's scope carries the image.
pub async fn evidence_visible(
    db: &impl ConnectionTrait,
    scope: &Scope,
    viewer: &str,
    evidence_id: &str,
) -> Result<bool, DbErr> {
    let carriers = records_with_evidence(db, evidence_id).await?;
    if carriers.is_empty() {
        return Ok(false);
    }
    Ok(record::Entity::find()
        .filter(record::Column::Id.is_in(carriers.iter().map(String::as_str)))
        .filter(record_scope(scope, viewer))
        .count(db)
        .await?
        > 0)
}

/// Images already on records that show the same picture: the same pixels or the same
/// perceptual hash (anywhere), as (record id, evidence id).
pub async fn same_picture_elsewhere(
    db: &impl ConnectionTrait,
    image: &evidence::Model,
) -> Result<Vec<(String, String)>, DbErr> {
    let same = evidence::Entity::find()
        .filter(evidence::Column::Id.ne(image.id.as_str()))
        .filter(evidence::Column::Kind.eq(image.kind.as_str()))
        .filter(
            Condition::any()
                .add(evidence::Column::PixelsSha256.eq(image.pixels_sha256.as_str()))
                .add(evidence::Column::PerceptualHash.eq(image.perceptual_hash.as_str())),
        )
        .limit(50)
        .all(db)
        .await?;
    carriers(db, same.iter().map(|e| e.id.as_str())).await
}

/// The evidence photos on the latest records of an outlet (for near-duplicates, which an
/// index cannot find): (record id, image).
pub async fn recent_photos_at(
    db: &impl ConnectionTrait,
    outlet_id: &str,
    limit: u64,
) -> Result<Vec<(String, evidence::Model)>, DbErr> {
    let records: Vec<String> = record::Entity::find()
        .select_only()
        .column(record::Column::Id)
        .filter(record::Column::OutletId.eq(outlet_id))
        .filter(record::Column::State.ne("draft"))
        .order_by_desc(record::Column::CheckInAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let links = record_evidence::Entity::find()
        .filter(record_evidence::Column::RecordId.is_in(records.iter().map(String::as_str)))
        .filter(record_evidence::Column::Role.eq("evidence_photo"))
        .all(db)
        .await?;
    let images = evidence::Entity::find()
        .filter(evidence::Column::Id.is_in(links.iter().map(|l| l.evidence_id.as_str())))
        .all(db)
        .await?;
    Ok(links
        .into_iter()
        .filter_map(|l| {
            let image = images.iter().find(|i| i.id == l.evidence_id)?.clone();
            Some((l.record_id, image))
        })
        .collect())
}

async fn carriers(
    db: &impl ConnectionTrait,
    evidence_ids: impl Iterator<Item = &str>,
) -> Result<Vec<(String, String)>, DbErr> {
    let ids: Vec<&str> = evidence_ids.collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(record_evidence::Entity::find()
        .filter(record_evidence::Column::EvidenceId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.record_id, l.evidence_id))
        .collect())
}

/// The due occurrence a record fulfils: of its task, outlet and form type, whose period holds
/// the visit day.
pub async fn occurrence_for(
    db: &impl ConnectionTrait,
    task_id: &str,
    outlet_id: &str,
    form_code: &str,
    day: NaiveDate,
) -> Result<Option<occurrence::Model>, DbErr> {
    use occurrence::Column as C;
    occurrence::Entity::find()
        .filter(C::TaskId.eq(task_id))
        .filter(C::OutletId.eq(outlet_id))
        .filter(C::FormCode.eq(form_code))
        .filter(C::PeriodStart.lte(day))
        .filter(C::PeriodEnd.gte(day))
        .order_by_asc(C::PeriodStart)
        .one(db)
        .await
}

/// Marks an occurrence done by a record submitted on `day` (Asia/Shanghai), unless another record
/// did it first.
pub async fn fulfil(
    db: &impl ConnectionTrait,
    occurrence_id: &str,
    record_id: &str,
    day: NaiveDate,
) -> Result<(), DbErr> {
    occurrence::Entity::update_many()
        .col_expr(occurrence::Column::RecordId, Expr::value(record_id))
        .col_expr(occurrence::Column::FulfilledOn, Expr::value(day))
        .filter(occurrence::Column::Id.eq(occurrence_id))
        .filter(occurrence::Column::RecordId.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A voided record no longer fulfils its occurrence: another submitted, not voided record of
/// the same occurrence takes its place (with its submission day), or none.
pub async fn unfulfil(
    db: &impl ConnectionTrait,
    occurrence_id: &str,
    record_id: &str,
) -> Result<(), DbErr> {
    let other: Option<(String, Option<chrono::DateTime<chrono::Utc>>)> = record::Entity::find()
        .select_only()
        .column(record::Column::Id)
        .column(record::Column::SubmittedAt)
        .filter(record::Column::OccurrenceId.eq(occurrence_id))
        .filter(record::Column::Id.ne(record_id))
        .filter(record::Column::State.is_in(["submitted", "confirmed", "approved"]))
        .order_by_asc(record::Column::SubmittedAt)
        .into_tuple()
        .one(db)
        .await?;
    let day = other
        .as_ref()
        .and_then(|(_, at)| *at)
        .map(emss_domain::time::shanghai_date);
    occurrence::Entity::update_many()
        .col_expr(
            occurrence::Column::RecordId,
            Expr::value(other.map(|(id, _)| id)),
        )
        .col_expr(occurrence::Column::FulfilledOn, Expr::value(day))
        .filter(occurrence::Column::Id.eq(occurrence_id))
        .filter(occurrence::Column::RecordId.eq(record_id))
        .exec(db)
        .await?;
    Ok(())
}
