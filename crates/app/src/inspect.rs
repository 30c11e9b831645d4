//! Active content in documents — PDF JavaScript, launch and submit actions, embedded files; Office
//! macros, ActiveX, external references — is found by parsing the file, and parsing a hostile
//! file can exhaust a process: arrays nested a million deep overflow the parser's stack, a
//! compressed object stream can inflate to gigabytes. So the server does not parse documents
//! itself: `emss inspect-document` does, in a process of its own with limits on memory, stack and
//! time (`document_inspector`, the server's own executable). A hostile file costs that process,
//! never the server; a process that fails or runs out refuses the file.

use crate::{App, AppError};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The inspector is stopped after this long.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The answer when the inspector gave none: the file is not taken.
const UNREADABLE: &str = "文件无法解析或结构异常，请重新导出或另存后上传";

/// What active content makes `bytes` unsafe to open, in the words shown at its field.
pub async fn problem(app: &App, bytes: &[u8]) -> Result<Option<String>, AppError> {
    let Some(inspector) = app.settings().document_inspector.clone() else {
        // Without an inspector process (test set-ups that upload only well-formed files), the
        // same check runs on a blocking thread of this process.
        let owned = bytes.to_vec();
        return tokio::task::spawn_blocking(move || {
            emss_domain::attachment::active_content_problem(&owned).map(str::to_string)
        })
        .await
        .map_err(AppError::internal);
    };
    let child = tokio::process::Command::new(&inspector)
        .arg("inspect-document")
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Err(AppError::internal(format!(
                "document inspector {} could not start: {e}",
                inspector.display()
            )));
        }
    };
    let judged = tokio::time::timeout(TIMEOUT, async {
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(bytes).await?;
        }
        let mut answer = String::new();
        if let Some(stdout) = child.stdout.take() {
            stdout.take(4096).read_to_string(&mut answer).await?;
        }
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, answer))
    })
    .await;
    Ok(match judged {
        Ok(Ok((status, answer))) if status.success() => {
            let answer = answer.trim();
            (!answer.is_empty()).then(|| answer.to_string())
        }
        Ok(Ok((status, _))) => {
            tracing::warn!(%status, size = bytes.len(), "document inspector failed on a file");
            Some(UNREADABLE.to_string())
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "document inspector could not be talked to");
            Some(UNREADABLE.to_string())
        }
        Err(_) => {
            tracing::warn!(size = bytes.len(), "document inspector ran out of time");
            Some(UNREADABLE.to_string())
        }
    })
}
