//! Ratings as the pages and the API show them: a list per year, and one agency's ratings with
//! every indicator, the fact behind it and the objects that made it.

use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{credit_evidence, credit_objection, credit_rating, credit_rating_item};
use emss_db::repo;
use emss_domain::credit::objection::adjusted;
use emss_domain::credit::{IndicatorSystem, Measure, Points, SystemKind};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use std::collections::HashMap;

/// A rating in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingRow {
    pub agency_id: String,
    pub agency_name: String,
    pub year: i32,
    /// `maintenance` | `testing`.
    pub kind: String,
    pub kind_label: String,
    /// `rolling` (the year so far) | `final`.
    pub standing: String,
    pub standing_label: String,
    /// The last day whose facts were counted.
    pub facts_to: NaiveDate,
    pub system_version: i32,
    /// Total score as written ("87.5"); None when not rated.
    /// After accepted objections, when there are any.
    pub total: Option<String>,
    pub grade_code: Option<String>,
    pub grade_name: Option<String>,
    /// The total as computed, when accepted objections changed it.
    pub computed_total: Option<String>,
    /// Why the agency is not rated, when it is not.
    pub exclusion: Option<String>,
    pub computed_at: DateTime<Utc>,
}

/// An object behind an indicator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    /// `record` | `task` | `fault_period` | `rectification` | `inspection` | `staff`.
    pub kind: String,
    pub id: String,
    pub label: String,
}

/// One indicator of a rating.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub code: String,
    pub name: String,
    pub category: String,
    /// `score` | `deduction` | `bonus`.
    pub effect: String,
    pub effect_label: String,
    /// The most a 得分项 scores.
    pub points: Option<String>,
    pub measure: String,
    pub measure_label: String,
    /// The fact as users read it ("96.2%", "3 份").
    pub fact: String,
    /// What it adds to the total ("-6", "18.5").
    pub scored: String,
    pub why: String,
    /// The agency's objection to this indicator, if it made one.
    pub objection: Option<ItemObjection>,
    /// How many objects stand behind the fact; the first ones are listed.
    pub evidence_total: i64,
    pub evidence: Vec<EvidenceView>,
}

/// An objection to an indicator, as its row shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemObjection {
    pub id: String,
    /// `pending` | `accepted` | `rejected`.
    pub state: String,
    pub state_label: String,
    /// Accepted: the corrected score.
    pub scored_after: Option<String>,
}

/// One agency's rating for a year under one kind, with its breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingDetail {
    #[serde(flatten)]
    pub row: RatingRow,
    pub system_id: String,
    pub base: String,
    pub deductions: String,
    pub bonuses: String,
    pub items: Vec<ItemView>,
}

/// The filters of the ratings list.
#[derive(Debug, Clone, Default)]
pub struct RatingFilter {
    /// The year (default: the running year).
    pub period: Option<String>,
    /// `maintenance` | `testing`.
    pub kind: Option<String>,
    /// A grade code (A, B …), or `excluded` for the agencies not rated.
    pub grade: Option<String>,
    /// Part of the agency's name.
    pub keyword: Option<String>,
}

/// What accepted objections change: per rating the sum of its corrections, and the systems whose
/// grades the corrected totals fall in. Added up whenever a rating is read, so no decision can
/// miss another.
pub(crate) struct Corrections {
    deltas: HashMap<String, i64>,
    systems: HashMap<String, IndicatorSystem>,
}

impl Corrections {
    pub(crate) async fn of(
        app: &App,
        ratings: &[credit_rating::Model],
        objections: &[credit_objection::Model],
    ) -> Result<Corrections, AppError> {
        let mut deltas: HashMap<String, i64> = HashMap::new();
        for o in objections {
            if let Some(after) = o.scored_after.filter(|_| o.state == "accepted") {
                *deltas.entry(o.rating_id.clone()).or_default() += after - o.scored_before;
            }
        }
        let mut systems = HashMap::new();
        for r in ratings.iter().filter(|r| deltas.contains_key(&r.id)) {
            if systems.contains_key(&r.system_id) {
                continue;
            }
            let row = repo::credit::system(&app.db().conn, &r.system_id)
                .await?
                .ok_or_else(|| AppError::internal("a rating's indicator system is missing"))?;
            let parsed = IndicatorSystem::parse(&row.document)
                .map_err(|p| AppError::internal(p.join("; ")))?;
            systems.insert(r.system_id.clone(), parsed);
        }
        Ok(Corrections { deltas, systems })
    }

    /// A rating's total and grade now: as computed, or after its accepted corrections.
    pub(crate) fn current(
        &self,
        r: &credit_rating::Model,
    ) -> (i64, Option<String>, Option<String>) {
        let (Some(delta), Some(system)) = (self.deltas.get(&r.id), self.systems.get(&r.system_id))
        else {
            return (r.total, r.grade_code.clone(), r.grade_name.clone());
        };
        let (total, grade) = adjusted(
            system,
            Points(r.base + r.deductions + r.bonuses),
            [Points(*delta)],
        );
        let (code, name) = grade.unzip();
        (total.0, code, name)
    }
}

fn row(
    r: &credit_rating::Model,
    names: &HashMap<String, String>,
    corrections: &Corrections,
) -> RatingRow {
    let (total, grade_code, grade_name) = corrections.current(r);
    let standing = if r.standing == "final" {
        "年度评价"
    } else {
        "年度滚动"
    };
    RatingRow {
        agency_id: r.agency_id.clone(),
        agency_name: names
            .get(&r.agency_id)
            .cloned()
            .unwrap_or_else(|| "—".into()),
        year: r.year,
        kind: r.kind.clone(),
        kind_label: SystemKind::parse(&r.kind)
            .map_or("—", SystemKind::label)
            .to_string(),
        standing: r.standing.clone(),
        standing_label: standing.to_string(),
        facts_to: r.facts_to,
        system_version: r.system_version,
        total: r.exclusion.is_none().then(|| Points(total).to_string()),
        computed_total: (total != r.total).then(|| Points(r.total).to_string()),
        grade_code,
        grade_name,
        exclusion: r.exclusion_text.clone(),
        computed_at: r.computed_at,
    }
}

/// The year a filter names, or the running one.
pub fn year_of(app: &App, period: Option<&str>) -> Result<i32, AppError> {
    match period.map(str::trim).filter(|p| !p.is_empty()) {
        None => {
            Ok(emss_domain::credit::Period::of(emss_domain::time::shanghai_date(app.now())).year)
        }
        Some(p) => emss_domain::credit::Period::parse(p)
            .map(|p| p.year)
            .ok_or_else(|| AppError::field("period", "请填写四位数的年度，如 2026")),
    }
}

/// The ratings of a year: every agency for the regulators, its own for an agency.
pub async fn ratings(
    app: &App,
    actor: &Actor,
    filter: &RatingFilter,
) -> Result<Vec<RatingRow>, AppError> {
    if !Permission::ViewCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let year = year_of(app, filter.period.as_deref())?;
    let own = (!actor.org_kind.is_regulator()).then_some(actor.org_id.as_str());
    let kind = filter
        .kind
        .as_deref()
        .filter(|k| SystemKind::parse(k).is_some());
    let rows = repo::credit::ratings(&app.db().conn, year, kind, own).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.agency_id.clone()).collect();
    let names = repo::credit::agency_names(&app.db().conn, &ids).await?;
    let accepted =
        repo::credit::objections(&app.db().conn, Some(year), own, Some("accepted")).await?;
    let corrections = Corrections::of(app, &rows, &accepted).await?;
    let keyword = filter
        .keyword
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let grade = filter.grade.as_deref().filter(|g| !g.is_empty());
    let mut out: Vec<RatingRow> = rows
        .iter()
        .map(|r| row(r, &names, &corrections))
        .filter(|r| match grade {
            None => true,
            Some("excluded") => r.exclusion.is_some(),
            Some(g) => r.grade_code.as_deref() == Some(g),
        })
        .filter(|r| keyword.is_none_or(|k| r.agency_name.contains(k)))
        .collect();
    // Rated first by score, then the agencies not rated by name.
    out.sort_by(|a, b| {
        (a.kind.clone(), a.total.is_none())
            .cmp(&(b.kind.clone(), b.total.is_none()))
            .then_with(|| {
                let score = |r: &RatingRow| {
                    r.total
                        .as_deref()
                        .and_then(|t| t.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                score(b).total_cmp(&score(a))
            })
            .then_with(|| a.agency_name.cmp(&b.agency_name))
    });
    Ok(out)
}

/// The years with ratings, newest first (the running year always among them).
pub async fn years(app: &App) -> Result<Vec<i32>, AppError> {
    let mut years = repo::credit::years(&app.db().conn).await?;
    let this = year_of(app, None)?;
    if !years.contains(&this) {
        years.insert(0, this);
    }
    Ok(years)
}

/// One agency's ratings of a year (one per kind it is rated under). Outside the viewer's scope,
/// or without any rating: 404.
pub async fn rating(
    app: &App,
    actor: &Actor,
    agency_id: &str,
    period: Option<&str>,
) -> Result<Vec<RatingDetail>, AppError> {
    let visible = Permission::ViewCredit.allows(Some(actor))
        && (actor.org_kind.is_regulator() || actor.org_id == agency_id);
    if !visible {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let year = year_of(app, period)?;
    let db = &app.db().conn;
    let rows = repo::credit::ratings(db, year, None, Some(agency_id)).await?;
    if rows.is_empty() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let names = repo::credit::agency_names(db, &[agency_id.to_string()]).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let objections = repo::credit::objections_of(db, &ids).await?;
    let corrections = Corrections::of(app, &rows, &objections).await?;
    let mut out = Vec::new();
    for r in rows {
        let items = repo::credit::items(db, &r.id).await?;
        let evidence = repo::credit::evidence(db, &r.id).await?;
        out.push(detail(
            &r,
            &names,
            items,
            evidence,
            (&objections, &corrections),
        ));
    }
    Ok(out)
}

fn detail(
    r: &credit_rating::Model,
    names: &HashMap<String, String>,
    items: Vec<credit_rating_item::Model>,
    evidence: Vec<credit_evidence::Model>,
    (objections, corrections): (&[credit_objection::Model], &Corrections),
) -> RatingDetail {
    let mut by_code: HashMap<String, Vec<EvidenceView>> = HashMap::new();
    for e in evidence {
        by_code.entry(e.code).or_default().push(EvidenceView {
            kind: e.object_kind,
            id: e.object_id,
            label: e.label,
        });
    }
    let items = items
        .into_iter()
        .map(|i| {
            let measure = Measure::parse(&i.measure);
            let effect_label = match i.effect.as_str() {
                "deduction" => "扣分项",
                "bonus" => "加分项",
                _ => "得分项",
            };
            let objection = objections
                .iter()
                .find(|o| o.rating_id == r.id && o.code == i.code)
                .map(|o| ItemObjection {
                    id: o.id.clone(),
                    state: o.state.clone(),
                    state_label: emss_domain::credit::ObjectionState::parse(&o.state)
                        .map_or("—", emss_domain::credit::ObjectionState::label)
                        .to_string(),
                    scored_after: o.scored_after.map(|p| Points(p).to_string()),
                });
            ItemView {
                objection,
                evidence: by_code.remove(&i.code).unwrap_or_default(),
                effect_label: effect_label.to_string(),
                points: i.points.map(|p| Points(p).to_string()),
                measure_label: measure.map_or_else(|| i.measure.clone(), Measure::label),
                fact: measure.map_or_else(|| "—".to_string(), |m| m.show(i.value)),
                scored: Points(i.scored).to_string(),
                code: i.code,
                name: i.name,
                category: i.category,
                effect: i.effect,
                measure: i.measure,
                why: i.why,
                evidence_total: i.evidence_total,
            }
        })
        .collect();
    RatingDetail {
        row: row(r, names, corrections),
        system_id: r.system_id.clone(),
        base: Points(r.base).to_string(),
        deductions: Points(r.deductions).to_string(),
        bonuses: Points(r.bonuses).to_string(),
        items,
    }
}
