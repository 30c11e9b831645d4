//! Rating every agency for a year: the facts of the window, every indicator of the system in
//! force for each kind, the total and the grade — or the reason an agency is not rated. Run
//! nightly (claimed once per day across instances) and on demand by the city. A closed year is
//! rated once, with the facts as of its last day, and never again.

use super::facts::{self, AgencyFacts};
use crate::audit::{self, Outcome};
use crate::{App, AppError};
use emss_db::entity::{credit_evidence, credit_rating, credit_rating_item};
use emss_db::repo;
use emss_db::repo::credit::Stored;
use emss_domain::AgencyCategory;
use emss_domain::credit::{Exclusion, IndicatorSystem, Period, Standing, SystemKind, rate};
use emss_domain::time::shanghai_date;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// What one computation did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ComputeOutcome {
    pub year: i32,
    /// `rolling` | `final`.
    pub standing: String,
    /// Ratings written (rated or excluded with the reason).
    pub written: u64,
    pub rated: u64,
    pub excluded: u64,
    /// Kinds (`maintenance`, `testing`) without a published indicator system, not rated.
    pub without_system: Vec<String>,
    /// Kinds whose year was already closed and frozen.
    pub frozen: Vec<String>,
}

/// Rates every agency for `period` as of today. `actor`: the city asking (None: the nightly run).
pub async fn compute(
    app: &App,
    actor: Option<&Actor>,
    period: Period,
) -> Result<ComputeOutcome, AppError> {
    if let Some(a) = actor
        && !Permission::ManageCredit.allows(Some(a))
    {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let now = app.now();
    let today = shanghai_date(now);
    let window = period
        .window(today)
        .ok_or_else(|| AppError::field("year", "该年度尚未开始，不能评价"))?;
    let mut outcome = ComputeOutcome {
        year: period.year,
        standing: window.standing.as_str().to_string(),
        ..ComputeOutcome::default()
    };
    let db = &app.db().conn;
    let agencies = repo::credit::agencies(db).await?;
    let mut facts: Option<HashMap<String, AgencyFacts>> = None;
    for kind in SystemKind::ALL {
        let Some((system_row, system)) = super::in_force(app, kind).await? else {
            outcome.without_system.push(kind.as_str().to_string());
            continue;
        };
        if window.standing == Standing::Closed
            && !repo::credit::ratings(db, period.year, Some(kind.as_str()), None)
                .await?
                .iter()
                .all(|r| r.standing == "rolling")
        {
            outcome.frozen.push(kind.as_str().to_string());
            continue;
        }
        let facts = match &mut facts {
            Some(f) => f,
            None => facts.insert(facts::gather(app, &window).await?),
        };
        let none = AgencyFacts::default();
        let mut fresh = Vec::new();
        for agency in &agencies {
            let rated_here = AgencyCategory::parse(&agency.category).is_some_and(|c| kind.rates(c));
            if !rated_here {
                continue;
            }
            let f = facts.get(&agency.org_id).unwrap_or(&none);
            let filed_on = (agency.state == "filed")
                .then_some(agency.filed_at)
                .flatten()
                .map(shanghai_date);
            let exclusion = Exclusion::of(&system.eligibility, period, filed_on, f.business);
            let stored = one(
                &system_row,
                &system,
                period,
                &window,
                &agency.org_id,
                f,
                exclusion,
                now,
            )?;
            if stored.rating.exclusion.is_some() {
                outcome.excluded += 1;
            } else {
                outcome.rated += 1;
            }
            fresh.push(stored);
        }
        let txn = app.db().begin_write().await?;
        outcome.written += repo::credit::store(&txn, period.year, kind.as_str(), fresh).await?;
        txn.commit().await?;
    }
    if actor.is_none() && outcome.written == 0 {
        return Ok(outcome);
    }
    audit::record_alone(
        app,
        actor,
        "credit.compute",
        None,
        Outcome::Ok,
        json!({
            "year": period.year,
            "standing": window.standing.label(),
            "rated": outcome.rated,
            "excluded": outcome.excluded,
        }),
    )
    .await?;
    Ok(outcome)
}

/// One agency's rating under one system, as stored.
#[allow(clippy::too_many_arguments)]
fn one(
    system_row: &emss_db::entity::credit_system::Model,
    system: &IndicatorSystem,
    period: Period,
    window: &emss_domain::credit::period::Window,
    agency_id: &str,
    f: &AgencyFacts,
    exclusion: Option<Exclusion>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Stored, AppError> {
    let id = emss_domain::ids::new_id();
    let mut rating = credit_rating::Model {
        id: id.clone(),
        year: period.year,
        kind: system.kind.as_str().to_string(),
        agency_id: agency_id.to_string(),
        system_id: system_row.id.clone(),
        system_version: system_row.version,
        standing: window.standing.as_str().to_string(),
        facts_to: window.to,
        exclusion: exclusion.as_ref().map(|e| e.as_str().to_string()),
        exclusion_text: exclusion.as_ref().map(Exclusion::label),
        base: 0,
        deductions: 0,
        bonuses: 0,
        total: 0,
        grade_code: None,
        grade_name: None,
        computed_at: now,
    };
    if exclusion.is_some() {
        return Ok(Stored {
            rating,
            items: Vec::new(),
            evidence: Vec::new(),
        });
    }
    let r = rate(system, |m| f.value(m)).map_err(AppError::internal)?;
    rating.base = r.base.tenths();
    rating.deductions = r.deductions.tenths();
    rating.bonuses = r.bonuses.tenths();
    rating.total = r.total.tenths();
    rating.grade_code = Some(r.grade_code);
    rating.grade_name = Some(r.grade_name);
    let mut items = Vec::new();
    let mut evidence = Vec::new();
    for (position, item) in r.items.into_iter().enumerate() {
        let (total, kept) = f.evidence(item.measure);
        for (n, e) in kept.iter().enumerate() {
            evidence.push(credit_evidence::Model {
                id: emss_domain::ids::new_id(),
                rating_id: id.clone(),
                code: item.code.clone(),
                position: i32::try_from(n).unwrap_or(i32::MAX),
                object_kind: e.kind.to_string(),
                object_id: e.id.clone(),
                label: e.label.clone(),
            });
        }
        items.push(credit_rating_item::Model {
            id: emss_domain::ids::new_id(),
            rating_id: id.clone(),
            position: i32::try_from(position).unwrap_or(i32::MAX),
            code: item.code,
            name: item.name,
            category: item.category,
            effect: item.effect.as_str().to_string(),
            points: item.points.map(|p| p.tenths()),
            measure: item.measure.id(),
            value: item.value,
            scored: item.scored.tenths(),
            why: item.why,
            evidence_total: i64::try_from(total).unwrap_or(i64::MAX),
        });
    }
    Ok(Stored {
        rating,
        items,
        evidence,
    })
}

/// Rates nightly: the running year, and the year before until it is closed (checked hourly and
/// claimed per day, so a restart or a second instance neither misses nor repeats a day). The
/// first look comes ten minutes after start, not while the server is starting.
pub async fn run_nightly(app: App) {
    let hour = std::time::Duration::from_secs(3600);
    let first = tokio::time::Instant::now() + std::time::Duration::from_secs(600);
    let mut tick = tokio::time::interval_at(first, hour);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let today = shanghai_date(app.now());
        let key = format!("job.credit.{today}");
        match repo::setting::claim(&app.db().conn, &key, app.now()).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e, "credit rating claim failed");
                continue;
            }
        }
        let this = Period::of(today);
        for period in [
            Period {
                year: this.year - 1,
            },
            this,
        ] {
            match compute(&app, None, period).await {
                Ok(o) => tracing::info!(
                    year = o.year,
                    rated = o.rated,
                    excluded = o.excluded,
                    "credit ratings computed"
                ),
                Err(e) => tracing::error!(year = period.year, error = %e, "credit ratings failed"),
            }
        }
    }
}
