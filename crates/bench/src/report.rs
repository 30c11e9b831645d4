//! The table the benchmark prints, and its entry in docs/benchmarks.md.

use crate::load::Measured;
use crate::scale::Scale;
use anyhow::Result;
use std::fmt::Write;
use std::time::Duration;

pub struct Run {
    pub scale: Scale,
    pub backend: &'static str,
    pub clients: usize,
    pub generated: Duration,
    pub startup: Duration,
    pub idle_rss: f64,
    pub peak_rss: f64,
    pub total: Duration,
    pub measured: Vec<Measured>,
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

pub fn render(run: &Run) -> String {
    let s = &run.scale;
    let mut out = String::new();
    let generated = if run.generated.is_zero() {
        "data of an earlier run reused".to_string()
    } else {
        format!("generated in {:.0} s", run.generated.as_secs_f64())
    };
    let _ = writeln!(
        out,
        "scale `{}` ({} agencies, {} enterprises, {} outlets, {} instruments, {} tasks, {} records) on {}, {} clients; {generated}, whole run {:.0} s\n",
        s.label(),
        s.agencies,
        s.enterprises,
        s.outlets,
        s.instruments,
        s.tasks,
        s.records,
        run.backend,
        run.clients,
        run.total.as_secs_f64(),
    );
    let _ = writeln!(
        out,
        "| scenario | requests | errors | per s | p50 ms | p95 ms | p99 ms | peak RSS MB | × floor | target |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let floor = |name: &str| {
        run.measured
            .iter()
            .find(|m| m.name.starts_with("floor") && m.name.contains(name))
            .map(Measured::throughput)
    };
    let (json, commit) = (floor("JSON handler"), floor("commit"));
    for m in &run.measured {
        let ratio = match m.floor {
            Some("json") => json,
            Some("commit") => commit,
            _ => None,
        }
        .map_or("—".to_string(), |f| {
            format!("{:.2}", m.throughput() / f.max(1e-9))
        });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {} | {} | {} | {:.0} | {} | {} |",
            m.name,
            m.requests,
            m.errors,
            m.throughput(),
            ms(m.percentile(0.50)),
            ms(m.percentile(0.95)),
            ms(m.percentile(0.99)),
            m.peak_rss_mb,
            ratio,
            m.target,
        );
    }
    let _ = writeln!(
        out,
        "| start-up on the filled database, to `/readyz` | 1 | 0 | — | {} | — | — | — | — | ≤ 1 s |",
        ms(run.startup)
    );
    let _ = writeln!(
        out,
        "| idle server RSS (3 s after ready) | — | — | — | — | — | — | {:.0} | — | ≤ 60 MB |",
        run.idle_rss
    );
    let _ = writeln!(
        out,
        "\nserver peak RSS over the whole run: {:.0} MB",
        run.peak_rss
    );
    for m in run.measured.iter().filter(|m| m.errors > 0) {
        let _ = writeln!(
            out,
            "first error of “{}”: {}",
            m.name,
            m.first_error.as_deref().unwrap_or("?")
        );
    }
    out
}

/// Appends the table to docs/benchmarks.md with the date, commit and machine.
pub fn record(table: &str) -> Result<()> {
    let run = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let mut commit = run("git", &["rev-parse", "--short", "HEAD"]);
    let changed = run("git", &["status", "--porcelain", "--untracked-files=no"]);
    if changed.lines().any(|l| !l.ends_with("docs/benchmarks.md")) {
        commit.push_str(" with uncommitted changes");
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let entry =
        format!("\n### {date} · commit {commit} · {cores} cores, {memory:.0} GB, {cpu}\n\n{table}");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open("docs/benchmarks.md")?;
    std::io::Write::write_all(&mut file, entry.as_bytes())?;
    Ok(())
}
