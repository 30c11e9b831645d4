//! Checkpoints kept off the host (LOG-08), both ways. As a log, EMSS pushes each checkpoint it
//! signs to its witness (`audit_witness_url`: another EMSS instance, typically the city's). As a
//! witness (`witness_log_keys`), EMSS keeps the checkpoints of the logs it was given the keys of,
//! accepting one only when it extends the newest it holds. `emss audit verify --witness URL` then
//! proves an export is the same log and was not rolled back. The request is C2SP tlog-witness's
//! `add-checkpoint`; the answer carries no cosignature.

use crate::audit::{Outcome, record};
use crate::http_client::HttpClient;
use crate::{App, AppError};
use emss_db::repo;
use emss_domain::audit::{self, Hash, consistency_proof};
use emss_domain::witness::{self as rules, AddCheckpoint, Refusal, WitnessedLog};
use serde_json::json;

/// Parses the configured keys of the logs this instance witnesses (hex SEC1 SM2 public keys).
pub fn parse_logs(keys: &[String]) -> Result<Vec<WitnessedLog>, String> {
    keys.iter()
        .map(|k| {
            hex::decode(k.trim())
                .ok()
                .filter(|b| emss_domain::crypto::sm2_public_key_is_valid(b))
                .map(|public_key| WitnessedLog { public_key })
                .ok_or_else(|| format!("witness_log_keys 中的公钥无效：{k}"))
        })
        .collect()
}

/// Why the witness did not take a checkpoint.
#[derive(Debug)]
pub enum AddError {
    Refused(Refusal),
    Failed(AppError),
}

impl From<AppError> for AddError {
    fn from(e: AppError) -> Self {
        AddError::Failed(e)
    }
}

impl From<sea_orm::DbErr> for AddError {
    fn from(e: sea_orm::DbErr) -> Self {
        AddError::Failed(e.into())
    }
}

fn unhex(s: &str) -> Hash {
    let mut out = [0u8; 32];
    if let Ok(b) = hex::decode(s)
        && b.len() == 32
    {
        out.copy_from_slice(&b);
    }
    out
}

/// Takes a checkpoint pushed by a witnessed log (the body of `add-checkpoint`); returns the size
/// now held. A new checkpoint is stored with an audit entry in one transaction.
pub async fn add_checkpoint(app: &App, body: &str) -> Result<u64, AddError> {
    let request =
        AddCheckpoint::parse(body).map_err(|m| AddError::Refused(Refusal::Malformed(m)))?;
    let (log, checkpoint) =
        rules::signed_by(&request.note, app.witnessed_logs()).map_err(AddError::Refused)?;
    let key_id = log.key_id_hex();
    let txn = app.db().begin_write().await?;
    repo::witness::lock(&txn).await?;
    let held = repo::witness::latest(&txn, &key_id)
        .await?
        .map(|h| (h.size as u64, unhex(&h.root)));
    rules::judge(&request, &checkpoint, held).map_err(AddError::Refused)?;
    if held.map(|(size, _)| size) != Some(checkpoint.size) {
        repo::witness::insert(
            &txn,
            &key_id,
            checkpoint.size,
            &hex::encode(checkpoint.root),
            &request.note,
            app.now(),
        )
        .await?;
        record(
            &txn,
            app,
            None,
            "witness.checkpoint",
            Some(("witnessed_log", &key_id)),
            Outcome::Ok,
            json!({"size": checkpoint.size, "root": hex::encode(checkpoint.root)}),
        )
        .await?;
    }
    txn.commit().await.map_err(AppError::from)?;
    Ok(checkpoint.size)
}

/// The newest checkpoint held for the log whose key id is `key_id` (hex), as its signed note.
pub async fn latest(app: &App, key_id: &str) -> Result<Option<String>, AppError> {
    Ok(repo::witness::latest(&app.db().conn, key_id)
        .await?
        .map(|c| c.note))
}

/// The address of the witness's newest checkpoint of the log signed by `public_key`.
pub fn checkpoint_url(base: &str, public_key: &[u8]) -> String {
    format!(
        "{}/witness/logs/{}/checkpoint",
        base.trim_end_matches('/'),
        hex::encode(audit::key_id(public_key))
    )
}

/// Fetches the witness's copy of the newest checkpoint of the log signed by `public_key`.
pub async fn fetch(base: &str, public_key: &[u8]) -> Result<String, String> {
    let url = checkpoint_url(base, public_key);
    let answer = HttpClient::new()?.get(&url).await?;
    match answer.status {
        200 => Ok(answer.body),
        404 => Err(format!("{url}：见证服务器没有这份日志的检查点")),
        s => Err(format!("{url}：见证服务器回答 {s}")),
    }
}

/// Pushes this log's checkpoints to its witness, remembering the size the witness holds.
#[derive(Debug)]
pub struct Pusher {
    endpoint: String,
    client: HttpClient,
    /// The size the witness acknowledged last; `None` until it answered once.
    acknowledged: Option<u64>,
}

impl Pusher {
    /// `base` is the witness instance's address, e.g. `https://emss-city.example`.
    pub fn new(base: &str) -> Result<Pusher, String> {
        let url = url_base(base)?;
        Ok(Pusher {
            endpoint: format!("{url}/witness/add-checkpoint"),
            client: HttpClient::new()?,
            acknowledged: None,
        })
    }

    /// Sends the newest signed checkpoint unless the witness already holds it. Returns the size
    /// the witness acknowledged, or `None` when there was nothing to send.
    pub async fn push(&mut self, app: &App) -> Result<Option<u64>, String> {
        let db = &app.db().conn;
        let Some(latest) = repo::audit::latest_checkpoint(db)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let size = latest.size as u64;
        if self.acknowledged == Some(size) {
            return Ok(None);
        }
        let mut old = self.acknowledged.unwrap_or(0);
        // Twice at most: the first answer may only tell us what the witness holds.
        for _ in 0..2 {
            if old > size {
                return Err(format!(
                    "见证服务器持有的检查点（{old} 条）比本日志最新的检查点（{size} 条）更大：本日志被回滚或分叉"
                ));
            }
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                let leaves = repo::audit::leaves(db, size)
                    .await
                    .map_err(|e| e.to_string())?;
                consistency_proof(&leaves, old as usize)
            };
            let body = AddCheckpoint {
                old,
                proof,
                note: latest.note.clone(),
            }
            .encode();
            let answer = self.client.post_text(&self.endpoint, body).await?;
            match answer.status {
                200 => {
                    self.acknowledged = Some(size);
                    return Ok(Some(size));
                }
                409 => {
                    old = answer.body.trim().parse::<u64>().map_err(|_| {
                        format!("见证服务器回答 409 但未给出大小：{}", answer.body.trim())
                    })?;
                    self.acknowledged = Some(old);
                }
                s => {
                    return Err(format!(
                        "见证服务器拒绝了大小为 {size} 的检查点（{s}）：{}",
                        answer.body.trim()
                    ));
                }
            }
        }
        Err(format!("见证服务器未接受大小为 {size} 的检查点"))
    }
}

/// An `http://` or `https://` address without its trailing slash.
fn url_base(base: &str) -> Result<String, String> {
    let trimmed = base.trim().trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
        return Err(format!(
            "audit_witness_url 应以 http:// 或 https:// 开头：{base}"
        ));
    }
    Ok(trimmed.to_string())
}
