//! 信用评价: the city's indicator systems (a draft per kind, edited and published as versions
//! that never change), the automatic ratings of every agency per year (`compute`, from the facts
//! of `facts`), the ratings as the regulators and the agencies read them (`view`), a closed
//! year's publicity, objections and publication (`objection`), and each agency's recent work
//! (`activity`, 业务实施动态).

mod activity;
mod compute;
mod facts;
mod objection;
mod view;

pub use activity::{Activity, ActivityEvent, ActivityWeek, activity, activity_list};
pub use compute::{ComputeOutcome, compute, run_nightly};
pub use objection::{
    DecisionInput, ObjectionDetail, ObjectionDocument, ObjectionInput, ObjectionView, PublicGrade,
    PublicationView, decide, document_file, may_upload, object, objection, objections,
    public_grades, publication, publish_year, start_publicity, upload_document,
};
pub use view::{
    EvidenceView, ItemObjection, ItemView, RatingDetail, RatingFilter, RatingRow, rating, ratings,
    year_of, years,
};

use crate::audit::{self, Outcome};
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::credit_system;
use emss_db::repo;
use emss_domain::credit::{IndicatorSystem, SystemKind};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use serde_json::json;

/// The starting drafts, built into the binary from `catalogue/credit/`.
const SHIPPED: [(SystemKind, &str); 2] = [
    (
        SystemKind::Maintenance,
        include_str!("../../../../catalogue/credit/maintenance.toml"),
    ),
    (
        SystemKind::Testing,
        include_str!("../../../../catalogue/credit/testing.toml"),
    ),
];

/// An indicator system as the pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SystemView {
    pub id: String,
    /// `maintenance` | `testing`.
    pub kind: String,
    pub kind_label: String,
    pub version: i32,
    /// `draft` | `published`.
    pub state: String,
    pub state_label: String,
    pub name: String,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The document as written (TOML).
    pub document: String,
    /// What keeps a draft from being published (empty: it may be).
    pub problems: Vec<String>,
}

fn view(row: credit_system::Model) -> SystemView {
    let parsed = IndicatorSystem::parse(&row.document);
    let problems = match &parsed {
        Ok(s) if row.state == "draft" => s.problems(),
        Ok(_) => Vec::new(),
        Err(p) => p.clone(),
    };
    let kind = SystemKind::parse(&row.kind);
    SystemView {
        kind_label: kind.map_or("—", SystemKind::label).to_string(),
        state_label: if row.state == "draft" {
            "草稿"
        } else {
            "已发布"
        }
        .to_string(),
        id: row.id,
        kind: row.kind,
        version: row.version,
        state: row.state,
        name: row.name,
        updated_at: row.updated_at,
        published_at: row.published_at,
        document: row.document,
        problems,
    }
}

/// Puts the shipped drafts in place for each kind that has no system yet (at start).
pub async fn ensure_drafts(app: &App) -> Result<u64, AppError> {
    let mut made = 0;
    for (kind, text) in SHIPPED {
        let db = &app.db().conn;
        let has_any = repo::credit::newest(db, kind.as_str(), "draft")
            .await?
            .is_some()
            || repo::credit::newest(db, kind.as_str(), "published")
                .await?
                .is_some();
        if has_any {
            continue;
        }
        let parsed = IndicatorSystem::parse(text)
            .map_err(|p| AppError::internal(format!("catalogue/credit: {}", p.join("; "))))?;
        let row = credit_system::Model {
            id: emss_domain::ids::new_id(),
            kind: kind.as_str().to_string(),
            version: 1,
            state: "draft".to_string(),
            name: parsed.name,
            document: text.to_string(),
            updated_by: "system".to_string(),
            updated_at: app.now(),
            published_by: None,
            published_at: None,
        };
        match repo::credit::insert_system(db, row).await {
            Ok(()) => made += 1,
            // Another instance started at the same moment and put it in place.
            Err(e) if AppError::from(e.clone()).code == ErrorCode::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(made)
}

/// Every system, newest version first in each kind: regulators see the drafts too, agencies the
/// published versions they are rated by.
pub async fn systems(app: &App, actor: &Actor) -> Result<Vec<SystemView>, AppError> {
    if !Permission::ViewCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let drafts = actor.org_kind.is_regulator();
    Ok(repo::credit::systems(&app.db().conn)
        .await?
        .into_iter()
        .filter(|s| drafts || s.state == "published")
        .map(view)
        .collect())
}

/// One system; a draft is the regulators' alone (404 otherwise).
pub async fn system(app: &App, actor: &Actor, id: &str) -> Result<SystemView, AppError> {
    if !Permission::ViewCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let row = repo::credit::system(&app.db().conn, id)
        .await?
        .filter(|s| s.state == "published" || actor.org_kind.is_regulator())
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    Ok(view(row))
}

/// Saves the draft of `kind` (making one after the newest version when there is none). The
/// document must parse; what keeps it from being published is shown with it, not refused here.
pub async fn save_draft(
    app: &App,
    actor: &Actor,
    kind: SystemKind,
    document: &str,
) -> Result<SystemView, AppError> {
    if !Permission::ManageCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let parsed =
        IndicatorSystem::parse(document).map_err(|p| AppError::field("document", &p.join("；")))?;
    if parsed.kind != kind {
        return Err(AppError::field(
            "document",
            &format!("文档的 kind 应为 \"{}\"（{}）", kind.as_str(), kind.label()),
        ));
    }
    let now = app.now();
    let txn = app.db().begin_write().await?;
    let id = match repo::credit::newest(&txn, kind.as_str(), "draft").await? {
        Some(draft) => {
            if !repo::credit::save_draft(
                &txn,
                &draft.id,
                &parsed.name,
                document,
                &actor.account_id,
                now,
            )
            .await?
            {
                return Err(AppError::field("document", "该草稿已发布，请重新打开"));
            }
            draft.id
        }
        None => {
            let version = repo::credit::newest(&txn, kind.as_str(), "published")
                .await?
                .map_or(1, |p| p.version + 1);
            let row = credit_system::Model {
                id: emss_domain::ids::new_id(),
                kind: kind.as_str().to_string(),
                version,
                state: "draft".to_string(),
                name: parsed.name.clone(),
                document: document.to_string(),
                updated_by: actor.account_id.clone(),
                updated_at: now,
                published_by: None,
                published_at: None,
            };
            let id = row.id.clone();
            repo::credit::insert_system(&txn, row).await?;
            id
        }
    };
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.system_save",
        Some(("credit_system", &id)),
        Outcome::Ok,
        json!({"kind": kind.label(), "name": parsed.name}),
    )
    .await?;
    txn.commit().await?;
    let row = repo::credit::system(&app.db().conn, &id)
        .await?
        .ok_or_else(|| AppError::internal("a saved draft went missing"))?;
    Ok(view(row))
}

/// Publishes a draft as its version, once every problem is put right. A published version is
/// never changed: the next edit starts a new draft.
pub async fn publish(app: &App, actor: &Actor, id: &str) -> Result<SystemView, AppError> {
    if !Permission::ManageCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let db = &app.db().conn;
    let row = repo::credit::system(db, id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if row.state != "draft" {
        return Err(AppError::field("state", "该版本已发布，不能再次发布"));
    }
    let problems = view(row.clone()).problems;
    if !problems.is_empty() {
        return Err(AppError::field(
            "document",
            &format!("不能发布：{}", problems.join("；")),
        ));
    }
    let now = app.now();
    let txn = app.db().begin_write().await?;
    if !repo::credit::publish(&txn, id, &actor.account_id, now).await? {
        return Err(AppError::field("state", "该版本已发布，不能再次发布"));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.system_publish",
        Some(("credit_system", id)),
        Outcome::Ok,
        json!({"kind": SystemKind::parse(&row.kind).map_or("—", SystemKind::label), "version": row.version, "name": row.name}),
    )
    .await?;
    txn.commit().await?;
    let row = repo::credit::system(db, id)
        .await?
        .ok_or_else(|| AppError::internal("a published system went missing"))?;
    Ok(view(row))
}

/// The newest published system of a kind, parsed.
pub(crate) async fn in_force(
    app: &App,
    kind: SystemKind,
) -> Result<Option<(credit_system::Model, IndicatorSystem)>, AppError> {
    let Some(row) = repo::credit::newest(&app.db().conn, kind.as_str(), "published").await? else {
        return Ok(None);
    };
    let parsed = IndicatorSystem::parse(&row.document).map_err(|p| {
        AppError::internal(format!(
            "published credit system {} v{} no longer parses: {}",
            row.kind,
            row.version,
            p.join("; ")
        ))
    })?;
    Ok(Some((row, parsed)))
}

/// The demo: the city publishes the shipped drafts as they are, and the running year is rated.
pub(crate) async fn load_demo(app: &App) -> Result<(), AppError> {
    let db = &app.db().conn;
    let Some(found) = repo::account::find_by_username(db, "city").await? else {
        return Ok(());
    };
    let city = crate::auth::actor_of(&found);
    for draft in repo::credit::systems(db).await? {
        if draft.state == "draft" {
            publish(app, &city, &draft.id).await?;
        }
    }
    let today = emss_domain::time::shanghai_date(app.now());
    compute(app, Some(&city), emss_domain::credit::Period::of(today)).await?;
    Ok(())
}
