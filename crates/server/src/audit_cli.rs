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

/// What an export wrote.
pub struct Exported {
    pub entries: u64,
    pub checkpoints: u64,
}

/// Signs a fresh checkpoint, then writes the entries it covers and every checkpoint up to it to
/// `file`: entries written later are left for the next export, so nothing in the file rests on
/// the hash chain alone.
pub async fn export(app: &App, file: &Path) -> Result<Exported, String> {
    let signed = emss_app::audit::checkpoint(app)
        .await
        .map_err(|e| e.to_string())?;
    let db = &app.db().conn;
    let size = match signed {
        Some(size) => size,
        None => repo::audit::latest_checkpoint(db)
            .await
            .map_err(|e| e.to_string())?
            .map(|c| c.size as u64)
            .ok_or("审计日志为空，没有可导出的记录")?,
    };
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
    let mut from = 0;
    while from < size {
        let rows = repo::audit::slice(db, from, (size - from).min(5_000))
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
    let checkpoints: Vec<_> = repo::audit::checkpoints(db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| c.size as u64 <= size)
        .collect();
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
    Ok(Exported {
        entries: from,
        checkpoints: checkpoints.len() as u64,
    })
}

fn json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| e.to_string())
}

/// Checks an export without any database against the log's public key `key_hex` as the verifier
/// holds it, and the checkpoints `held` it kept from before (earlier exports, a witness).
pub fn verify(file: &Path, key_hex: &str, held: &[String]) -> Result<audit::Report, String> {
    let f = std::fs::File::open(file).map_err(|e| format!("{}：{e}", file.display()))?;
    let mut lines = std::io::BufReader::new(f).lines();
    let first = lines.next().ok_or("文件为空")?.map_err(|e| e.to_string())?;
    let header: Header =
        serde_json::from_str(&first).map_err(|_| "第 1 行不是审计导出文件头".to_string())?;
    if header.format != FORMAT {
        return Err(format!("不支持的导出格式 {}", header.format));
    }
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
            return Err(format!("第 {} 行无法解析", n + 2));
        }
    }
    for note in held {
        verifier.held(note);
    }
    Ok(verifier.finish(audit::Tail::Refused))
}

/// A checkpoint kept from before, read from `file`: a signed note as the integrity page shows
/// it, or an earlier export (its newest checkpoint).
pub fn held_checkpoint(file: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}：{e}", file.display()))?;
    if !text.trim_start().starts_with('{') {
        return Ok(text.trim_start().replace("\r\n", "\n"));
    }
    text.lines()
        .filter_map(|l| serde_json::from_str::<CheckpointLine>(l).ok())
        .filter_map(|c| {
            let size = c.checkpoint.lines().nth(1)?.parse::<u64>().ok()?;
            Some((size, c.checkpoint))
        })
        .max_by_key(|(size, _)| *size)
        .map(|(_, note)| note)
        .ok_or_else(|| format!("{} 中没有检查点", file.display()))
}

/// `emss audit verify`: the verdict, with what it could not prove; or the problem.
pub fn verify_command(
    file: &Path,
    public_key: &str,
    checkpoints: &[std::path::PathBuf],
    witness: Option<&str>,
) -> Result<String, String> {
    let mut held = checkpoints
        .iter()
        .map(|path| held_checkpoint(path))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(url) = witness {
        let key = hex::decode(public_key.trim()).map_err(|_| "公钥不是十六进制".to_string())?;
        let note = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|rt| rt.block_on(emss_app::witness::fetch(url, &key)))
            .map_err(|e| format!("无法取得见证服务器的检查点：{e}"))?;
        held.push(note);
    }
    let report = verify(file, public_key, &held)?;
    if let Some(problem) = report.problem {
        return Err(format!("审计日志校验失败：{problem}"));
    }
    let anchor = match report.anchored {
        Some(size) => format!(
            "导出包含已持有的大小为 {size} 的检查点{}：没有被回滚或截断。",
            if witness.is_some() {
                "（含见证服务器的副本）"
            } else {
                ""
            }
        ),
        None => "注意：未提供已持有的检查点（--checkpoint 或 --witness），无法发现整体回滚或截断到更早的检查点。".to_string(),
    };
    Ok(format!(
        "审计日志校验通过：{} 条记录全部在以给定公钥签名的检查点之内（{} 个检查点）。\n{anchor}",
        report.entries, report.checkpoints
    ))
}
