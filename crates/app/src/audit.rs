//! Writing to the audit log, checkpoints, export and verification against the database.

use crate::{App, AppError, context};
use emss_db::repo;
use emss_db::repo::audit::NewEntry;
use emss_domain::Actor;
use emss_domain::audit::{self, Checkpoint, ORIGIN};
use emss_domain::crypto::SoftwareSigner;
use sea_orm::ConnectionTrait;
use serde_json::Value;
use std::path::Path;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused: not permitted, wrong credentials, out of scope.
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
        }
    }
}

/// Appends one entry, in the transaction `db` of the change it records.
pub async fn record(
    db: &impl ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    action: &str,
    object: Option<(&str, &str)>,
    outcome: Outcome,
    detail: Value,
) -> Result<u64, AppError> {
    record_at(db, app.now(), actor, action, object, outcome, detail).await
}

/// Appends one entry of an event at `at`: the demo's records, whose visits it places in the past
/// days, carry the trail of those visits at their times.
pub(crate) async fn record_at(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    actor: Option<&Actor>,
    action: &str,
    object: Option<(&str, &str)>,
    outcome: Outcome,
    detail: Value,
) -> Result<u64, AppError> {
    let request = context::current();
    let seq = repo::audit::append(
        db,
        NewEntry {
            at,
            actor_id: actor.map(|a| a.account_id.clone()),
            org_id: actor.map(|a| a.org_id.clone()),
            roles: roles_of(actor),
            action: action.to_string(),
            object_type: object.map(|(t, _)| t.to_string()),
            object_id: object.map(|(_, id)| id.to_string()),
            outcome: outcome.as_str().to_string(),
            request_id: (!request.request_id.is_empty()).then_some(request.request_id),
            ip: request.ip,
            detail,
        },
    )
    .await?;
    Ok(seq)
}

/// Records an entry in a transaction of its own (events that change nothing else: failed
/// logins, refusals).
pub async fn record_alone(
    app: &App,
    actor: Option<&Actor>,
    action: &str,
    object: Option<(&str, &str)>,
    outcome: Outcome,
    detail: Value,
) -> Result<(), AppError> {
    let txn = app.db().begin_write().await?;
    record(&txn, app, actor, action, object, outcome, detail).await?;
    txn.commit().await?;
    Ok(())
}

/// How long one window of counted refusals lasts (see [`record_denial`]).
pub const DENIAL_WINDOW_SECONDS: i64 = 300;

/// Records a refused request without letting one client grow the log without bound: the first
/// refusal of a principal (account, or address when signed out) on `route` in a window of
/// [`DENIAL_WINDOW_SECONDS`] is written at once; the rest are counted, and
/// [`summarize_denials`] writes one entry for them when the window closes or the instance stops.
pub async fn record_denial(
    app: &App,
    actor: Option<&Actor>,
    action: &str,
    route: &str,
    object: Option<(&str, &str)>,
    detail: Value,
    code: emss_domain::ErrorCode,
) -> Result<(), AppError> {
    let request = context::current();
    let now = app.now();
    let principal = match (actor, &request.ip) {
        (Some(a), _) => a.account_id.clone(),
        (None, Some(ip)) => format!("ip:{ip}"),
        (None, None) => "anonymous".to_string(),
    };
    let start = now.timestamp() - now.timestamp().rem_euclid(DENIAL_WINDOW_SECONDS);
    let key = repo::denial::DenialKey {
        principal,
        route: route.to_string(),
        window_start: chrono::DateTime::from_timestamp(start, 0).unwrap_or(now),
    };
    let refused = repo::denial::Refused {
        action: action.to_string(),
        actor_id: actor.map(|a| a.account_id.clone()),
        org_id: actor.map(|a| a.org_id.clone()),
        roles: roles_of(actor),
        ip: request.ip.clone(),
    };
    let txn = app.db().begin_write().await?;
    if repo::denial::count(&txn, &key, refused, now, code.code()).await? {
        record(&txn, app, actor, action, object, Outcome::Denied, detail).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Writes one summary entry (`denied.summary`) for each window whose counted refusals the log
/// does not report yet: the closed windows, or every window when `stopping`. Returns how many
/// entries it wrote. Several instances may run it together: each window is reported once.
pub async fn summarize_denials(app: &App, stopping: bool) -> Result<u64, AppError> {
    let now = app.now();
    let closed_before = (!stopping).then(|| now - chrono::Duration::seconds(DENIAL_WINDOW_SECONDS));
    let rows = repo::denial::unreported(&app.db().conn, closed_before).await?;
    let mut written = 0;
    for row in rows {
        let txn = app.db().begin_write().await?;
        if !repo::denial::mark_reported(&txn, &row).await? {
            txn.rollback().await?;
            continue;
        }
        repo::audit::append(
            &txn,
            NewEntry {
                at: now,
                actor_id: row.actor_id.clone(),
                org_id: row.org_id.clone(),
                roles: row.roles.clone(),
                action: "denied.summary".to_string(),
                object_type: None,
                object_id: None,
                outcome: Outcome::Denied.as_str().to_string(),
                request_id: None,
                ip: row.ip.clone(),
                detail: serde_json::json!({
                    "action": row.action,
                    "route": row.route,
                    "principal": row.principal,
                    "count": row.count - row.reported,
                    "window_start": audit::format_at(row.window_start),
                    "first_at": audit::format_at(row.first_at),
                    "last_at": audit::format_at(row.last_at),
                    "codes": row.codes.split(',').collect::<Vec<_>>(),
                }),
            },
        )
        .await?;
        txn.commit().await?;
        written += 1;
    }
    repo::denial::forget_reported(&app.db().conn, now - chrono::Duration::days(1)).await?;
    Ok(written)
}

/// Summarises closed windows of refusals every minute (see [`summarize_denials`]).
pub async fn run_denial_summaries(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = summarize_denials(&app, false).await {
            tracing::error!(error = %e, "summarising refusals failed");
        }
    }
}

fn roles_of(actor: Option<&Actor>) -> String {
    actor
        .map(|a| {
            a.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// The SM2 key that signs checkpoints: from `EMSS_AUDIT_SIGNING_KEY` (hex) when given, otherwise
/// from the key file in `keys_dir`, created with owner-only permissions on first start. Never in
/// the database.
pub fn load_signer(keys_dir: &Path, hex_key: Option<&str>) -> Result<SoftwareSigner, String> {
    if let Some(hex_key) = hex_key {
        let bytes =
            hex::decode(hex_key.trim()).map_err(|_| "审计签名密钥不是十六进制".to_string())?;
        return SoftwareSigner::from_bytes(&bytes).map_err(|e| e.to_string());
    }
    let path = keys_dir.join("audit-sm2.key");
    if path.is_file() {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}：{e}", path.display()))?;
        let bytes =
            hex::decode(text.trim()).map_err(|_| format!("{} 不是十六进制密钥", path.display()))?;
        return SoftwareSigner::from_bytes(&bytes).map_err(|e| format!("{}：{e}", path.display()));
    }
    std::fs::create_dir_all(keys_dir).map_err(|e| format!("{}：{e}", keys_dir.display()))?;
    let (signer, secret) = SoftwareSigner::generate().map_err(|e| e.to_string())?;
    write_private(&path, &hex::encode(secret)).map_err(|e| format!("{}：{e}", path.display()))?;
    Ok(signer)
}

/// Creates a file only its owner may read (key files).
#[cfg(unix)]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Signs a checkpoint of the whole log when it grew since the last one. Returns the new size.
pub async fn checkpoint(app: &App) -> Result<Option<u64>, AppError> {
    let db = &app.db().conn;
    let size = repo::audit::size(db).await?;
    let last = repo::audit::latest_checkpoint(db).await?;
    if size == 0 || last.as_ref().is_some_and(|c| c.size as u64 >= size) {
        return Ok(None);
    }
    let leaves = repo::audit::leaves(db, size).await?;
    let root = tokio::task::spawn_blocking(move || audit::root(&leaves))
        .await
        .map_err(AppError::internal)?;
    let cp = Checkpoint {
        origin: ORIGIN.to_string(),
        size,
        root,
    };
    let note = cp.sign(app.signer()).map_err(AppError::internal)?;
    let inserted = repo::audit::insert_checkpoint(db, size, &root, app.now(), &note).await?;
    Ok(inserted.then_some(size))
}

/// Signs a checkpoint every `every` and in the first minute of each day (Shanghai time), and
/// hands the newest to the witness when one is configured (`witness`), retrying at every tick
/// until the witness holds it. Runs until the process ends.
pub async fn run_checkpoints(
    app: App,
    every: std::time::Duration,
    mut witness: Option<crate::witness::Pusher>,
) {
    use std::time::{Duration, Instant};
    let mut last_day = None;
    let mut last_signed: Option<Instant> = None;
    let mut tick = tokio::time::interval(every.min(Duration::from_secs(60)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let day = emss_domain::time::shanghai_date(app.now());
        let new_day = last_day.is_some_and(|d| d != day);
        last_day = Some(day);
        if new_day || last_signed.is_none_or(|t| t.elapsed() >= every) {
            match checkpoint(&app).await {
                Ok(_) => last_signed = Some(Instant::now()),
                Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
            }
        }
        if let Some(pusher) = witness.as_mut() {
            match pusher.push(&app).await {
                Ok(Some(size)) => tracing::info!(size, "audit checkpoint held by the witness"),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "audit checkpoint not delivered to the witness")
                }
            }
        }
    }
}

/// The result of checking the stored log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbVerification {
    pub entries: u64,
    pub checkpoints: u64,
    /// `None` when everything holds; otherwise the first problem found.
    pub problem: Option<String>,
}

/// Re-computes every leaf and the chain from the stored entries, and every checkpoint's root and
/// signature.
pub async fn verify_stored(app: &App) -> Result<DbVerification, AppError> {
    let db = &app.db().conn;
    let size = repo::audit::size(db).await?;
    let mut verifier = audit::Verifier::new(app.signer().public_key());
    let mut from = 0;
    while from < size {
        let rows = repo::audit::slice(db, from, 5_000).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            verifier.entry(&repo::audit::to_entry(row), &row.leaf_hash, &row.chain_hash);
        }
        from += rows.len() as u64;
    }
    let checkpoints = repo::audit::checkpoints(db).await?;
    for c in &checkpoints {
        verifier.checkpoint(&c.note);
    }
    let report = verifier.finish(audit::Tail::Allowed);
    Ok(DbVerification {
        entries: report.entries,
        checkpoints: report.checkpoints,
        problem: report.problem,
    })
}

/// One entry as the audit pages show it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub row: emss_db::entity::audit_entry::Model,
    /// `username（name）` of the actor, or "—".
    pub actor: String,
}

async fn views(
    app: &App,
    rows: Vec<emss_db::entity::audit_entry::Model>,
) -> Result<Vec<EntryView>, AppError> {
    let ids: Vec<String> = rows.iter().filter_map(|r| r.actor_id.clone()).collect();
    let names = repo::account::names(&app.db().conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| EntryView {
            actor: row
                .actor_id
                .as_ref()
                .and_then(|id| names.get(id))
                .map(|(u, n)| format!("{u}（{n}）"))
                .unwrap_or_else(|| emss_domain::time::EMPTY.to_string()),
            row,
        })
        .collect())
}

fn require_audit_reader(actor: &Actor) -> Result<(), AppError> {
    if emss_domain::Permission::ReadAudit.allows(Some(actor)) {
        Ok(())
    } else {
        Err(AppError::new(emss_domain::ErrorCode::Forbidden))
    }
}

/// The audit administrator's search. `actor_username` narrows to one actor.
pub async fn search(
    app: &App,
    actor: &Actor,
    mut filter: repo::audit::AuditFilter,
    actor_username: Option<&str>,
    page: emss_domain::listing::PageRequest,
) -> Result<emss_domain::listing::Page<EntryView>, AppError> {
    require_audit_reader(actor)?;
    if let Some(username) = actor_username.map(str::trim).filter(|u| !u.is_empty()) {
        let normalized = emss_domain::account::normalize_username(username);
        filter.actor_id = Some(
            repo::account::find_by_username(&app.db().conn, &normalized)
                .await?
                .map(|a| a.account.id)
                .unwrap_or_else(|| "-".to_string()),
        );
    }
    let page = repo::audit::search(&app.db().conn, &filter, page).await?;
    let items = views(app, page.items).await?;
    Ok(emss_domain::listing::Page {
        items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    })
}

/// Records that the audit administrator exported the log with `filter` (LOG-09).
pub async fn record_export(app: &App, actor: &Actor, filter: Value) -> Result<(), AppError> {
    require_audit_reader(actor)?;
    record_alone(app, Some(actor), "audit.export", None, Outcome::Ok, filter).await
}

/// The trail (留痕) of one task, for those who may see the task.
pub async fn task_trail(app: &App, actor: &Actor, id: &str) -> Result<Vec<EntryView>, AppError> {
    crate::tasks::visible(app, actor, id).await?;
    let rows = repo::audit::trail(&app.db().conn, "task", id).await?;
    views(app, rows).await
}

/// The trail (留痕) of one record; the caller has checked the record is the actor's to see.
pub async fn record_trail(app: &App, id: &str) -> Result<Vec<EntryView>, AppError> {
    let rows = repo::audit::trail(&app.db().conn, "record", id).await?;
    views(app, rows).await
}

/// The trail (留痕) of one account, for those who may see the account.
pub async fn account_trail(app: &App, actor: &Actor, id: &str) -> Result<Vec<EntryView>, AppError> {
    crate::account::get(app, actor, id).await?;
    let rows = repo::audit::trail(&app.db().conn, "account", id).await?;
    views(app, rows).await
}

/// The newest checkpoint and the result of checking the stored log (audit administrator).
pub async fn integrity(
    app: &App,
    actor: &Actor,
) -> Result<
    (
        Option<emss_db::entity::audit_checkpoint::Model>,
        DbVerification,
    ),
    AppError,
> {
    require_audit_reader(actor)?;
    let latest = repo::audit::latest_checkpoint(&app.db().conn).await?;
    let verification = verify_stored(app).await?;
    Ok((latest, verification))
}
