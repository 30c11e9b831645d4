//! `emss audit export FILE` and `emss audit verify FILE`: the log and its checkpoints as a file an
//! outside party can check offline (format in docs/audit.md).

use emss_app::App;
use emss_db::repo;
use emss_domain::audit::{self, Entry, ORIGIN, Verifier};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

pub const FORMAT: &str = "emss-audit-export/1";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    origin: String,
    /// SM2 public key (SEC1, hex) of the checkpoint signatures.
    public_key: String,
    exported_at: String,
}

#[derive(Serialize, Deserialize)]
struct EntryLine {
    entry: Entry,
    leaf_hash: String,
    chain_hash: String,
}

#[derive(Serialize, Deserialize)]
struct CheckpointLine {
    checkpoint: String,
}

/// Signs a fresh checkpoint, then writes every entry and checkpoint to `file`.
pub async fn export(app: &App, file: &Path) -> Result<(u64, u64), String> {
    emss_app::audit::checkpoint(app)
        .await
        .map_err(|e| e.to_string())?;
    let db = &app.db().conn;
    let out = std::fs::File::create(file).map_err(|e| format!("{}：{e}", file.display()))?;
    let mut w = BufWriter::new(out);
    let io = |e: std::io::Error| format!("{}：{e}", file.display());
    let header = Header {
        format: FORMAT.into(),
        origin: ORIGIN.into(),
        public_key: hex::encode(app.signer().public_key()),
        exported_at: audit::format_at(app.now()),
    };
    writeln!(w, "{}", json(&header)?).map_err(io)?;
    let size = repo::audit::size(db).await.map_err(|e| e.to_string())?;
    let mut from = 0;
    while from < size {
        let rows = repo::audit::slice(db, from, 5_000)
            .await
            .map_err(|e| e.to_string())?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let line = EntryLine {
                entry: repo::audit::to_entry(row),
                leaf_hash: row.leaf_hash.clone(),
                chain_hash: row.chain_hash.clone(),
            };
            writeln!(w, "{}", json(&line)?).map_err(io)?;
        }
        from += rows.len() as u64;
    }
    let checkpoints = repo::audit::checkpoints(db)
        .await
        .map_err(|e| e.to_string())?;
    for c in &checkpoints {
        writeln!(
            w,
            "{}",
            json(&CheckpointLine {
                checkpoint: c.note.clone()
            })?
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)?;
    w.into_inner()
        .map_err(|e| e.to_string())?
        .sync_all()
        .map_err(io)?;
    Ok((from, checkpoints.len() as u64))
}

fn json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| e.to_string())
}

/// Checks an export without any database. `trusted_key` (hex) is the log's public key as the
/// verifier knows it; without it the key written in the file is used, which proves only that the
/// file is internally consistent.
pub fn verify(file: &Path, trusted_key: Option<&str>) -> Result<audit::Report, String> {
    let f = std::fs::File::open(file).map_err(|e| format!("{}：{e}", file.display()))?;
    let mut lines = std::io::BufReader::new(f).lines();
    let first = lines.next().ok_or("文件为空")?.map_err(|e| e.to_string())?;
    let header: Header =
        serde_json::from_str(&first).map_err(|_| "第 1 行不是审计导出文件头".to_string())?;
    if header.format != FORMAT {
        return Err(format!("不支持的导出格式 {}", header.format));
    }
    let key_hex = trusted_key.unwrap_or(&header.public_key);
    let key = hex::decode(key_hex.trim()).map_err(|_| "公钥不是十六进制".to_string())?;
    let mut verifier = Verifier::new(key);
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        if let Ok(e) = serde_json::from_str::<EntryLine>(&line) {
            verifier.entry(&e.entry, &e.leaf_hash, &e.chain_hash);
        } else if let Ok(c) = serde_json::from_str::<CheckpointLine>(&line) {
            verifier.checkpoint(&c.checkpoint);
        } else {
            return Ok(audit::Report {
                entries: 0,
                checkpoints: 0,
                problem: Some(format!("第 {} 行无法解析", n + 2)),
            });
        }
    }
    Ok(verifier.finish())
}
