//! 整改建议: once a day EMSS proposes orders to the district regulators from what it sees —
//! weeks missed (超期) beyond a threshold, failed or 失控 results past their follow-up deadline,
//! the same flag repeated on one agency's records — grouped per agency and enterprise, each
//! problem naming its evidence. It never issues: the regulator makes a draft of a suggestion
//! (then edits and issues it as any order) or dismisses it with a reason, which is kept. No
//! evidence is proposed twice, also not after a dismissal, and the day's run happens on one
//! instance only.

use super::{ProblemInput, RectificationInput, RectificationView};
use crate::audit::{self, Outcome};
use crate::{App, AppError};
use chrono::{DateTime, Duration, Utc};
use emss_db::entity::rectification_suggestion;
use emss_db::repo;
use emss_domain::record::FlagKind;
use emss_domain::rectification::{ProblemSource, evidence_key, reaches};
use emss_domain::{Actor, ErrorCode, OrgKind, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Problems one suggestion carries at most (an order takes 30).
const PROBLEMS_MAX: usize = 30;

/// One proposed problem, as an order's problem is typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuggestedProblem {
    /// `record` | `occurrence`.
    pub source: String,
    pub source_id: String,
    /// How the evidence reads (a record's 运维编号, the missed period).
    pub source_text: String,
    pub description: String,
}

/// A suggestion as the regulator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub id: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub problems: Vec<SuggestedProblem>,
    /// `pending` | `adopted` | `dismissed`.
    pub state: String,
    pub reason: Option<String>,
    /// The draft order made from it.
    pub order_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The problems found for one agency at one enterprise, with the evidence keys they came from.
#[derive(Default)]
struct Found {
    district_code: String,
    problems: Vec<SuggestedProblem>,
    keys: Vec<String>,
}

fn problem(source: ProblemSource, id: &str, text: String, description: String) -> SuggestedProblem {
    SuggestedProblem {
        source: source.as_str().to_string(),
        source_id: id.to_string(),
        source_text: text,
        description,
    }
}

/// Runs the day's suggestions unless another instance already has: answers how many were made.
pub async fn run(app: &App) -> Result<u64, AppError> {
    let now = app.now();
    let today = emss_domain::time::shanghai_date(now);
    let key = format!("job.rectification_suggestions.{today}");
    if !repo::setting::claim(&app.db().conn, &key, now).await? {
        return Ok(0);
    }
    let found = gather(app, now).await?;
    let db = &app.db().conn;
    let regulators = repo::organization::list_by_kinds(db, &[OrgKind::DistrictRegulator]).await?;
    let agencies: Vec<String> = found.keys().map(|(a, _)| a.clone()).collect();
    let names = repo::organization::names(db, &agencies).await?;
    let mut made = 0;
    for ((agency_id, enterprise_id), f) in found {
        let Some(regulator) = regulators
            .iter()
            .find(|r| r.district_code.as_deref() == Some(f.district_code.as_str()))
        else {
            continue;
        };
        let row = rectification_suggestion::Model {
            id: emss_domain::ids::new_id(),
            issuer_org_id: regulator.id.clone(),
            agency_id,
            enterprise_id,
            district_code: f.district_code.clone(),
            problems: serde_json::to_string(&f.problems).map_err(AppError::internal)?,
            state: "pending".to_string(),
            reason: None,
            decided_by: None,
            decided_at: None,
            order_id: None,
            created_at: now,
        };
        let txn = app.db().begin_write().await?;
        match repo::suggestion::insert(&txn, row.clone(), &f.keys).await {
            Ok(()) => {}
            // Another run took some of this evidence first.
            Err(e) if AppError::from(e.clone()).code == ErrorCode::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
        audit::record(
            &txn,
            app,
            None,
            "rectification.suggest",
            Some(("rectification_suggestion", &row.id)),
            Outcome::Ok,
            // Words a person reads on the audit page: the agency by its name.
            json!({
                "name": names.get(&row.agency_id).cloned().unwrap_or_default(),
                "problems": f.problems.len(),
            }),
        )
        .await?;
        txn.commit().await?;
        made += 1;
    }
    Ok(made)
}

/// What the thresholds find, per (agency, enterprise), leaving out evidence already proposed or
/// already on an order.
async fn gather(
    app: &App,
    now: DateTime<Utc>,
) -> Result<BTreeMap<(String, String), Found>, AppError> {
    let db = &app.db().conn;
    let t = app.settings().suggestion_thresholds;
    let today = emss_domain::time::shanghai_date(now);
    let from = today - Duration::days(i64::from(t.window_days));
    let mut found: BTreeMap<(String, String), Found> = BTreeMap::new();
    let districts = enterprise_districts(app).await?;
    let district = |e: &str| districts.get(e).cloned().unwrap_or_default();

    // Weeks missed: enough of them for one agency at one enterprise.
    let missed = repo::suggestion::missed_occurrences(db, from, today).await?;
    let mut by_pair: BTreeMap<(String, String), Vec<_>> = BTreeMap::new();
    for o in missed {
        by_pair
            .entry((o.agency_id.clone(), o.enterprise_id.clone()))
            .or_default()
            .push(o);
    }
    for (pair, list) in by_pair {
        if !reaches(list.len(), t.overdue) {
            continue;
        }
        let f = found.entry(pair.clone()).or_default();
        f.district_code = district(&pair.1);
        for o in list {
            let text = super::occurrence_text(app, &o).await?;
            f.keys.push(evidence_key("occurrence", &o.id, None));
            f.problems.push(problem(
                ProblemSource::Occurrence,
                &o.id,
                text.clone(),
                format!("超期未运维：{text}，期内没有运维记录"),
            ));
        }
    }

    // Failed or 失控 results whose follow-up is overdue: the record that found them.
    let numbers = |ids: Vec<String>| async move {
        Ok::<HashMap<String, String>, AppError>(
            repo::record::by_ids(db, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r.number))
                .collect(),
        )
    };
    let open = repo::suggestion::overdue_follow_ups(db, now).await?;
    let opened: HashMap<String, String> =
        numbers(open.iter().map(|p| p.opened_by.clone()).collect()).await?;
    for p in open {
        let f = found
            .entry((p.agency_id.clone(), p.enterprise_id.clone()))
            .or_default();
        f.district_code = p.district_code.clone();
        let number = opened.get(&p.opened_by).cloned().unwrap_or_default();
        let what = if p.kind == "out_of_control" {
            "失控"
        } else {
            "不合格"
        };
        f.keys.push(evidence_key("fault", &p.id, None));
        f.problems.push(problem(
            ProblemSource::Record,
            &p.opened_by,
            number.clone(),
            format!(
                "{what}结果逾期未跟进：运维编号 {number}，{}；跟进期限 {}",
                p.reason,
                emss_domain::time::format_datetime(p.due_at)
            ),
        ));
    }

    // The same flag repeated on one agency's records within the window.
    let flagged = repo::suggestion::flagged_since(db, from).await?;
    let ids: Vec<String> = flagged.iter().map(|r| r.id.clone()).collect();
    let flags = repo::record::flags_of(db, &ids).await?;
    let mut by_kind: BTreeMap<(String, String), Vec<(&emss_db::entity::record::Model, String)>> =
        BTreeMap::new();
    for fl in &flags {
        if let Some(r) = flagged.iter().find(|r| r.id == fl.record_id) {
            by_kind
                .entry((r.agency_id.clone(), fl.kind.clone()))
                .or_default()
                .push((r, fl.reason.clone()));
        }
    }
    for ((_, kind), list) in by_kind {
        if !reaches(list.len(), t.repeated_flags) {
            continue;
        }
        let label = FlagKind::parse(&kind)
            .map(FlagKind::label)
            .unwrap_or("标记");
        let n = list.len();
        for (r, reason) in list {
            let f = found
                .entry((r.agency_id.clone(), r.enterprise_id.clone()))
                .or_default();
            f.district_code = r.district_code.clone();
            f.keys.push(evidence_key("flag", &r.id, Some(&kind)));
            f.problems.push(problem(
                ProblemSource::Record,
                &r.id,
                r.number.clone(),
                format!(
                    "{label}：运维编号 {}，{reason}（{} 天内同类标记 {n} 次）",
                    r.number, t.window_days
                ),
            ));
        }
    }

    // Evidence proposed before (also dismissed) or already named by an order stays out.
    let keys: Vec<String> = found.values().flat_map(|f| f.keys.clone()).collect();
    let taken = repo::suggestion::taken(db, &keys).await?;
    let sources: Vec<String> = found
        .values()
        .flat_map(|f| f.problems.iter().map(|p| p.source_id.clone()))
        .collect();
    let ordered = repo::suggestion::on_orders(db, &sources).await?;
    for f in found.values_mut() {
        let kept: Vec<(SuggestedProblem, String)> = std::mem::take(&mut f.problems)
            .into_iter()
            .zip(std::mem::take(&mut f.keys))
            .filter(|(p, k)| !taken.contains(k) && !ordered.contains(&p.source_id))
            .take(PROBLEMS_MAX)
            .collect();
        for (p, k) in kept {
            f.problems.push(p);
            f.keys.push(k);
        }
    }
    found.retain(|_, f| !f.problems.is_empty() && !f.district_code.is_empty());
    Ok(found)
}

/// Enterprise id → district code.
async fn enterprise_districts(app: &App) -> Result<HashMap<String, String>, AppError> {
    Ok(repo::organization::list_by_kinds(
        &app.db().conn,
        &[OrgKind::Enterprise, OrgKind::SelfMaintainingEnterprise],
    )
    .await?
    .into_iter()
    .filter_map(|o| o.district_code.map(|d| (o.id, d)))
    .collect())
}

async fn views(
    app: &App,
    rows: Vec<rectification_suggestion::Model>,
) -> Result<Vec<SuggestionView>, AppError> {
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|s| [s.agency_id.clone(), s.enterprise_id.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let names = repo::organization::names(&app.db().conn, &ids).await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|s| {
            Ok(SuggestionView {
                agency_name: name(&s.agency_id),
                enterprise_name: name(&s.enterprise_id),
                problems: serde_json::from_str(&s.problems).map_err(AppError::internal)?,
                id: s.id,
                agency_id: s.agency_id,
                enterprise_id: s.enterprise_id,
                state: s.state,
                reason: s.reason,
                order_id: s.order_id,
                created_at: s.created_at,
            })
        })
        .collect()
}

/// The regulator's suggestions waiting for its decision, the newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<SuggestionView>, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let rows = repo::suggestion::of_issuer(&app.db().conn, &actor.org_id, "pending").await?;
    views(app, rows).await
}

/// How many suggestions wait for the regulator (its home page).
pub async fn count(app: &App, actor: &Actor) -> Result<u64, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Ok(0);
    }
    Ok(repo::suggestion::count_pending(&app.db().conn, &actor.org_id).await?)
}

async fn pending(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<rectification_suggestion::Model, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = repo::suggestion::get(&app.db().conn, &actor.org_id, id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if found.state != "pending" {
        return Err(AppError::field("state", "该整改建议已处理"));
    }
    Ok(found)
}

/// Makes a draft order of a suggestion (the regulator then edits and issues it).
pub async fn adopt(app: &App, actor: &Actor, id: &str) -> Result<RectificationView, AppError> {
    let found = pending(app, actor, id).await?;
    let problems: Vec<SuggestedProblem> =
        serde_json::from_str(&found.problems).map_err(AppError::internal)?;
    let enterprise =
        repo::organization::names(&app.db().conn, std::slice::from_ref(&found.enterprise_id))
            .await?
            .remove(&found.enterprise_id)
            .unwrap_or_default();
    let input = RectificationInput {
        agency_id: found.agency_id.clone(),
        enterprise_id: found.enterprise_id.clone(),
        title: format!("{enterprise}运维问题整改"),
        basis: "《污染源自动监控设施运行管理办法》；运维合同关于运维质量的约定".to_string(),
        deadline: (emss_domain::time::shanghai_date(app.now()) + Duration::days(15)).to_string(),
        problems: problems
            .into_iter()
            .map(|p| ProblemInput {
                source: p.source,
                source_id: p.source_id,
                description: p.description,
            })
            .collect(),
    };
    let order = super::create(app, actor, input, false, None).await?;
    let decided = rectification_suggestion::Model {
        state: "adopted".to_string(),
        decided_by: Some(actor.account_id.clone()),
        decided_at: Some(app.now()),
        order_id: Some(order.id.clone()),
        ..found
    };
    let txn = app.db().begin_write().await?;
    if !repo::suggestion::decide(&txn, decided.clone()).await? {
        return Err(AppError::field("state", "该整改建议已处理"));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.suggestion_adopt",
        Some(("rectification_suggestion", &decided.id)),
        Outcome::Ok,
        json!({"order": order.id}),
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}

/// Dismisses a suggestion with the reason, which is kept; its evidence is not proposed again.
pub async fn dismiss(
    app: &App,
    actor: &Actor,
    id: &str,
    reason: &str,
) -> Result<SuggestionView, AppError> {
    let found = pending(app, actor, id).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "请填写不采纳的理由"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "不能超过 500 字"));
    }
    let decided = rectification_suggestion::Model {
        state: "dismissed".to_string(),
        reason: Some(reason.to_string()),
        decided_by: Some(actor.account_id.clone()),
        decided_at: Some(app.now()),
        ..found
    };
    let txn = app.db().begin_write().await?;
    if !repo::suggestion::decide(&txn, decided.clone()).await? {
        return Err(AppError::field("state", "该整改建议已处理"));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.suggestion_dismiss",
        Some(("rectification_suggestion", &decided.id)),
        Outcome::Ok,
        json!({"reason": reason}),
    )
    .await?;
    txn.commit().await?;
    views(app, vec![decided])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a suggestion without its view"))
}

/// Runs the suggestions each day (checked hourly, so a restart or a second instance does not
/// miss or repeat a day).
pub async fn run_daily(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match run(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(made = n, "rectification suggestions made"),
            Err(e) => tracing::error!(error = %e, "rectification suggestions failed"),
        }
    }
}
