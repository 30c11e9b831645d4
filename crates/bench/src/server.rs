//! The `emss` release binary: built by cargo, started on the benchmark's data, watched (resident
//! memory from /proc) and stopped with SIGTERM like a service manager would.

use anyhow::{Context, Result, anyhow, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Builds `emss` in release mode and answers the binary's path.
pub fn build() -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("构建 emss（release）…");
    let mut cmd = Command::new(cargo);
    // What `cargo run` set for this program would make the build look changed (some crates read
    // these at compile time) and rebuild the dependencies on every run.
    for (key, _) in std::env::vars() {
        if key.starts_with("CARGO_PKG_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_BIN_NAME",
                "CARGO_CRATE_NAME",
            ]
            .contains(&key.as_str())
            || key == "CARGO_PRIMARY_PACKAGE"
        {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args(["build", "--release", "-p", "emss-server", "--bin", "emss"])
        .args(["--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped())
        .spawn()
        .context("cargo build")?;
    let stdout = child.stdout.take().context("cargo's output")?;
    let mut binary = None;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if message["reason"] == "compiler-artifact"
            && message["target"]["name"] == "emss"
            && let Some(path) = message["executable"].as_str()
        {
            binary = Some(PathBuf::from(path));
        }
    }
    if !child.wait()?.success() {
        bail!("cargo build --release failed");
    }
    binary.ok_or_else(|| anyhow!("cargo did not name the emss binary"))
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts EMSS on `data_dir` (and `database_url` when given), the floor handlers mounted.
    pub fn start(
        binary: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        port: u16,
    ) -> Result<Server> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))?;
        let mut cmd = Command::new(binary);
        cmd.arg("serve")
            .env("EMSS_LISTEN", format!("127.0.0.1:{port}"))
            .env("EMSS_DATA_DIR", data_dir)
            .env("EMSS_BENCH_FLOOR", "true")
            .env("EMSS_LOG_LEVEL", "warn")
            .stdout(log.try_clone()?)
            .stderr(log);
        match database_url {
            Some(url) => cmd.env("EMSS_DATABASE_URL", url),
            None => cmd.env_remove("EMSS_DATABASE_URL"),
        };
        let child = cmd.spawn().context("starting emss")?;
        Ok(Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    /// Waits for `/readyz`; answers how long it took from `since`.
    pub async fn ready(&mut self, since: Instant) -> Result<Duration> {
        let client = reqwest::Client::new();
        let deadline = since + Duration::from_secs(300);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("emss stopped at start ({status}); see server.log in the data folder");
            }
            if let Ok(res) = client
                .get(format!("{}/readyz", self.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && res.status().is_success()
            {
                return Ok(since.elapsed());
            }
            if Instant::now() > deadline {
                bail!("emss was not ready after 300 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits for the process to finish its requests and exit.
    pub fn stop(mut self) -> Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        self.child.wait()?;
        Ok(())
    }
}

/// Resident memory of `pid` in MB: (now, peak so far).
pub fn rss_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
