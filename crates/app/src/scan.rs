//! The malware scan of documents (PDF, Word, Excel) before they are stored (FILE-05). The
//! deployment's scanner runs as a command with the file on its standard input — ClamAV's
//! `clamdscan --no-summary -`, or any scanner with the same convention: exit 0 clean, 1 found.
//! Anything else (the scanner missing, failing or hanging) refuses the file too: a document
//! nobody could scan is never stored. Without a configured command no scan happens (see
//! docs/operations.md). Images are not scanned: they are decoded and re-encoded instead.

use crate::{App, AppError};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long one scan may take.
const SCAN_TIMEOUT: Duration = Duration::from_secs(60);

const FOUND: &str = "文件未通过病毒查杀，已拒收";
const UNAVAILABLE: &str = "病毒查杀暂不可用，文件未保存，请稍后再试";

/// What is wrong with a document by the scanner's judgement, in the words shown at its field.
pub async fn problem(app: &App, bytes: &[u8]) -> Result<Option<&'static str>, AppError> {
    let Some(command) = app.settings().malware_scan_command.as_deref() else {
        return Ok(None);
    };
    let mut words = command.split_whitespace();
    let Some(program) = words.next() else {
        return Ok(None);
    };
    let child = tokio::process::Command::new(program)
        .args(words)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "malware scanner could not start");
            return Ok(Some(UNAVAILABLE));
        }
    };
    let scanned = tokio::time::timeout(SCAN_TIMEOUT, async {
        if let Some(mut stdin) = child.stdin.take() {
            // A scanner that stops reading early has still judged what it read.
            let _ = stdin.write_all(bytes).await;
        }
        child.wait().await
    })
    .await;
    Ok(match scanned {
        Ok(Ok(status)) if status.code() == Some(0) => None,
        Ok(Ok(status)) if status.code() == Some(1) => {
            tracing::warn!(size = bytes.len(), "malware scanner refused a document");
            Some(FOUND)
        }
        Ok(Ok(status)) => {
            tracing::error!(%status, "malware scanner failed");
            Some(UNAVAILABLE)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "malware scanner failed");
            Some(UNAVAILABLE)
        }
        Err(_) => {
            tracing::error!("malware scanner timed out");
            Some(UNAVAILABLE)
        }
    })
}
