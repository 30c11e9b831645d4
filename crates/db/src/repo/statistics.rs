//! 统计查询: the measures of `emss_domain::statistics` summed by the database, one grouped query
//! per source (due occurrences, records, flags), in the caller's scope. Each sum mirrors a rule of
//! the domain module; `tests/statistics.rs` checks them against the lists.

use crate::entity::{flagged_record, occurrence, organization, record};
use chrono::NaiveDate;
use emss_domain::Scope;
use emss_domain::statistics::Tally;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, QueryResult};

/// What to count: the period, the viewer's scope and the filters of a drill-down.
#[derive(Debug, Clone)]
pub struct Slice {
    pub scope: Scope,
    /// Occurrences whose period ends, and records whose visit falls, in these days (inclusive).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 超期 is counted as of this day.
    pub today: NaiveDate,
    pub district: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub form_code: Option<String>,
}

/// What a query groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    District,
    Agency,
    Enterprise,
    Outlet,
    FormType,
    /// The occurrence's last day, the record's visit day (months and weeks are made of days).
    Day,
}

/// A group's key as read back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyValue {
    Text(String),
    Day(NaiveDate),
}

/// `cond` and, for each filter given, its column equal to it.
fn narrowed<'a, C: ColumnTrait>(
    mut cond: Condition,
    filters: impl IntoIterator<Item = (C, &'a Option<String>)>,
) -> Condition {
    for (column, value) in filters {
        if let Some(v) = value {
            cond = cond.add(column.eq(v.as_str()));
        }
    }
    cond
}

/// The viewer's scope and the slice's district, agency and enterprise, on a table that copies
/// the scope's columns: `[agency, enterprise, district, a column never null]`.
fn scoped<C: ColumnTrait>(slice: &Slice, [agency, enterprise, district, id]: [C; 4]) -> Condition {
    let cond = match &slice.scope {
        Scope::Agency(a) => Condition::all().add(agency.eq(a.as_str())),
        Scope::Enterprise(e) => Condition::all().add(enterprise.eq(e.as_str())),
        Scope::District(code) => Condition::all().add(district.eq(code.as_str())),
        Scope::City => Condition::all(),
        Scope::Nothing => Condition::all().add(id.is_null()),
    };
    narrowed(
        cond,
        [
            (district, &slice.district),
            (agency, &slice.agency_id),
            (enterprise, &slice.enterprise_id),
        ],
    )
}

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`: literals, so PostgreSQL sums integers.
fn count_if(cond: Condition) -> SimpleExpr {
    Func::sum(Expr::case(cond, Expr::cust("1")).finally(Expr::cust("0"))).into()
}

fn key_alias() -> Alias {
    Alias::new("k")
}

fn read_key(row: &QueryResult, key: Key) -> Result<KeyValue, DbErr> {
    Ok(match key {
        Key::Day => KeyValue::Day(row.try_get("", "k")?),
        _ => KeyValue::Text(row.try_get::<Option<String>>("", "k")?.unwrap_or_default()),
    })
}

fn read_count(row: &QueryResult, column: &str) -> Result<u64, DbErr> {
    let n: Option<i64> = row.try_get("", column)?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

/// The due occurrences of the slice by `key`: 按时, 补做, 超期 and 待完成 of each group.
pub async fn occurrences(
    db: &impl ConnectionTrait,
    slice: &Slice,
    key: Key,
) -> Result<Vec<(KeyValue, Tally)>, DbErr> {
    use occurrence::Column as C;
    let mut cond = super::task::occurrence_scope(&slice.scope)
        .add(C::PeriodEnd.gte(slice.from))
        .add(C::PeriodEnd.lte(slice.to));
    if let Some(code) = &slice.district {
        cond = cond.add(C::EnterpriseId.in_subquery(super::task::in_district(code)));
    }
    let cond = narrowed(
        cond,
        [
            (C::AgencyId, &slice.agency_id),
            (C::EnterpriseId, &slice.enterprise_id),
            (C::OutletId, &slice.outlet_id),
            (C::FormCode, &slice.form_code),
        ],
    );
    let done = || Condition::all().add(C::RecordId.is_not_null());
    let open = || Condition::all().add(C::RecordId.is_null());
    let mut q = Query::select();
    q.from(occurrence::Entity)
        .expr_as(
            count_if(
                done().add(
                    Condition::any().add(C::FulfilledOn.is_null()).add(
                        Expr::col((occurrence::Entity, C::FulfilledOn))
                            .lte(Expr::col((occurrence::Entity, C::PeriodEnd))),
                    ),
                ),
            ),
            Alias::new("on_time"),
        )
        .expr_as(
            count_if(
                done().add(
                    Expr::col((occurrence::Entity, C::FulfilledOn))
                        .gt(Expr::col((occurrence::Entity, C::PeriodEnd))),
                ),
            ),
            Alias::new("made_up"),
        )
        .expr_as(
            count_if(open().add(C::PeriodEnd.lt(slice.today))),
            Alias::new("overdue"),
        )
        .expr_as(
            count_if(open().add(C::PeriodEnd.gte(slice.today))),
            Alias::new("due"),
        )
        .cond_where(cond);
    let column = match key {
        Key::District => {
            q.inner_join(
                organization::Entity,
                Expr::col((organization::Entity, organization::Column::Id))
                    .equals((occurrence::Entity, C::EnterpriseId)),
            );
            Expr::col((organization::Entity, organization::Column::DistrictCode))
        }
        Key::Agency => Expr::col((occurrence::Entity, C::AgencyId)),
        Key::Enterprise => Expr::col((occurrence::Entity, C::EnterpriseId)),
        Key::Outlet => Expr::col((occurrence::Entity, C::OutletId)),
        Key::FormType => Expr::col((occurrence::Entity, C::FormCode)),
        Key::Day => Expr::col((occurrence::Entity, C::PeriodEnd)),
    };
    q.expr_as(column.clone(), key_alias())
        .add_group_by([column]);
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        let counts = Tally {
            on_time: read_count(&row, "on_time")?,
            made_up: read_count(&row, "made_up")?,
            overdue: read_count(&row, "overdue")?,
            due: read_count(&row, "due")?,
            ..Tally::default()
        };
        if counts != Tally::default() {
            out.push((read_key(&row, key)?, counts));
        }
    }
    Ok(out)
}

/// The records of the slice (drafts never) by `key`: how many, how many now in each state,
/// flagged and failed.
pub async fn records(
    db: &impl ConnectionTrait,
    slice: &Slice,
    key: Key,
) -> Result<Vec<(KeyValue, Tally)>, DbErr> {
    use record::Column as C;
    let cond = narrowed(
        scoped(
            slice,
            [C::AgencyId, C::EnterpriseId, C::DistrictCode, C::Id],
        )
        .add(C::State.ne("draft"))
        .add(C::VisitDate.gte(slice.from))
        .add(C::VisitDate.lte(slice.to)),
        [
            (C::OutletId, &slice.outlet_id),
            (C::FormCode, &slice.form_code),
        ],
    );
    let state = |s: &str| Condition::all().add(C::State.eq(s));
    let mut q = Query::select();
    q.from(record::Entity)
        .expr_as(Func::count(Expr::cust("*")), Alias::new("records"))
        .expr_as(count_if(state("submitted")), Alias::new("submitted"))
        .expr_as(count_if(state("confirmed")), Alias::new("confirmed"))
        .expr_as(count_if(state("approved")), Alias::new("approved"))
        .expr_as(count_if(state("voided")), Alias::new("voided"))
        .expr_as(
            count_if(Condition::all().add(C::Flagged.eq(true))),
            Alias::new("flagged"),
        )
        .expr_as(
            count_if(Condition::all().add(C::Failed.eq(true))),
            Alias::new("failed"),
        )
        .cond_where(cond);
    let column = Expr::col((
        record::Entity,
        match key {
            Key::District => C::DistrictCode,
            Key::Agency => C::AgencyId,
            Key::Enterprise => C::EnterpriseId,
            Key::Outlet => C::OutletId,
            Key::FormType => C::FormCode,
            Key::Day => C::VisitDate,
        },
    ));
    q.expr_as(column.clone(), key_alias())
        .add_group_by([column]);
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        let counts = Tally {
            records: read_count(&row, "records")?,
            submitted: read_count(&row, "submitted")?,
            confirmed: read_count(&row, "confirmed")?,
            approved: read_count(&row, "approved")?,
            voided: read_count(&row, "voided")?,
            flagged: read_count(&row, "flagged")?,
            failed: read_count(&row, "failed")?,
            ..Tally::default()
        };
        if counts.records > 0 {
            out.push((read_key(&row, key)?, counts));
        }
    }
    Ok(out)
}

/// Records of the slice carrying each flag kind (a record counts once per kind it carries).
/// Flags are kept per record, district, agency and enterprise: the outlet and form type filters
/// do not apply.
pub async fn flag_kinds(
    db: &impl ConnectionTrait,
    slice: &Slice,
) -> Result<Vec<(String, u64)>, DbErr> {
    use flagged_record::Column as F;
    let cond = scoped(
        slice,
        [F::AgencyId, F::EnterpriseId, F::DistrictCode, F::RecordId],
    )
    .add(F::VisitDate.gte(slice.from))
    .add(F::VisitDate.lte(slice.to));
    let kind = Expr::col((flagged_record::Entity, F::Kind));
    let q = Query::select()
        .from(flagged_record::Entity)
        .expr_as(kind.clone(), key_alias())
        .expr_as(Func::count(Expr::cust("*")), Alias::new("n"))
        .cond_where(cond)
        .add_group_by([kind])
        .to_owned();
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        out.push((row.try_get("", "k")?, read_count(&row, "n")?));
    }
    Ok(out)
}
