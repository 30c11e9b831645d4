//! `emss-bench`: builds the emss release binary, creates a fresh database filled to a scale,
//! starts EMSS on it, drives the scenarios of performance.md over loopback and prints one table
//! (docs/benchmarks.md explains it and keeps past runs).

mod generate;
mod load;
mod pictures;
mod report;
mod scale;
mod scenarios;
mod server;

use anyhow::{Context, Result, bail};
use clap::Parser;
use emss_db::{Database, DatabaseSettings};
use scale::{Scale, ScaleName};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "emss-bench",
    about = "EMSS benchmark: city-scale data, real load, one table"
)]
struct Cli {
    /// How much data to generate.
    #[arg(long, value_enum, default_value = "city")]
    scale: ScaleName,
    /// A PostgreSQL server to run on (a database `emss_bench` is created there, replacing any
    /// earlier one); SQLite in the data folder when absent.
    #[arg(long)]
    database_url: Option<String>,
    /// Where the data goes (removed first).
    #[arg(long, default_value = "target/bench")]
    data_dir: PathBuf,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Records filed during the run (check-in, photo, submit).
    #[arg(long, default_value_t = 2_000)]
    submissions: usize,
    /// Requests per read scenario.
    #[arg(long, default_value_t = 3_000)]
    reads: usize,
    /// The longest any one scenario runs, in seconds.
    #[arg(long, default_value_t = 60)]
    max_seconds: u64,
    /// Port EMSS listens on.
    #[arg(long, default_value_t = 18_080)]
    port: u16,
    /// Append the table to docs/benchmarks.md with the date, commit and machine.
    #[arg(long)]
    record: bool,
    /// Run the scenarios again on the data an earlier run of the same scale and database left
    /// (no new database, no generation). The first agency's review backlog shrinks each run.
    #[arg(long)]
    reuse: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let started = Instant::now();
    let scale = Scale::of(cli.scale);
    let binary = server::build()?;

    let backend = if cli.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let data_dir = std::path::absolute(cli.data_dir.join(format!("{}-{backend}", scale.label())))?;
    let people_file = data_dir.join("people.json");
    let (database_url, people, generated) = if cli.reuse {
        let people: generate::People = serde_json::from_slice(
            &std::fs::read(&people_file).context("no earlier run to reuse (people.json)")?,
        )?;
        let url = cli
            .database_url
            .as_deref()
            .map(bench_database)
            .transpose()?;
        (url, people, Duration::ZERO)
    } else {
        let (url, people, generated) = fresh(&cli, &scale, &binary, &data_dir).await?;
        std::fs::write(&people_file, serde_json::to_vec_pretty(&people)?)?;
        (url, people, generated)
    };

    let since = Instant::now();
    let mut server = server::Server::start(&binary, &data_dir, database_url.as_deref(), cli.port)?;
    let startup = server.ready(since).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (idle_rss, _) = server::rss_mb(server.pid());

    let http = load::Http::new(&server.base);
    let settings = scenarios::Settings {
        clients: cli.clients,
        submissions: cli.submissions,
        reads: cli.reads,
        max: Duration::from_secs(cli.max_seconds),
    };
    let measured = scenarios::run(&http, server.pid(), &people, &settings).await;
    let (_, peak_rss) = server::rss_mb(server.pid());
    server.stop()?;
    let measured = match measured {
        Ok(m) => m,
        Err(e) => bail!("the run stopped: {e}"),
    };

    let run = report::Run {
        scale,
        backend: if cli.database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        clients: cli.clients,
        generated,
        startup,
        idle_rss,
        peak_rss,
        total: started.elapsed(),
        measured,
    };
    let table = report::render(&run);
    println!("{table}");
    if cli.record {
        report::record(&table)?;
        eprintln!("已追加到 docs/benchmarks.md");
    }
    Ok(())
}

/// A new database filled to the scale: answers its URL (PostgreSQL), who signs in, and how long
/// the generation took.
async fn fresh(
    cli: &Cli,
    scale: &Scale,
    binary: &std::path::Path,
    data_dir: &std::path::Path,
) -> Result<(Option<String>, generate::People, Duration)> {
    if data_dir.exists() {
        std::fs::remove_dir_all(data_dir)
            .with_context(|| format!("removing {}", data_dir.display()))?;
    }
    std::fs::create_dir_all(data_dir)?;
    let database_url = match &cli.database_url {
        Some(url) => Some(fresh_postgres(url).await?),
        None => None,
    };
    // The first start migrates, publishes the form catalogue and makes the administrators.
    let mut first = server::Server::start(binary, data_dir, database_url.as_deref(), cli.port)?;
    first.ready(Instant::now()).await?;
    first.stop()?;

    let url = database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("emss.db").display()));
    let db = Database::connect(&DatabaseSettings {
        url,
        pool_size: 4,
        connect_timeout: Duration::from_secs(10),
    })
    .await?;
    eprintln!("生成 {} 规模的数据…", scale.label());
    let generating = Instant::now();
    let people = generate::fill(&db, scale, 20_261_129).await?;
    let generated = generating.elapsed();
    db.conn.close_by_ref().await?;
    Ok((database_url, people, generated))
}

/// The URL of the benchmark's database on the server of `url`.
fn bench_database(url: &str) -> Result<String> {
    let mut parsed = url::Url::parse(url).context("database URL")?;
    parsed.set_path("/emss_bench");
    Ok(parsed.to_string())
}

/// Creates the database `emss_bench` on the server of `url`, dropping an earlier one, and
/// answers its URL.
async fn fresh_postgres(url: &str) -> Result<String> {
    let admin = Database::connect(&DatabaseSettings {
        url: url.to_string(),
        pool_size: 1,
        connect_timeout: Duration::from_secs(10),
    })
    .await?;
    use sea_orm::ConnectionTrait;
    admin
        .conn
        .execute_unprepared("DROP DATABASE IF EXISTS emss_bench WITH (FORCE)")
        .await?;
    admin
        .conn
        .execute_unprepared("CREATE DATABASE emss_bench")
        .await?;
    admin.conn.close_by_ref().await?;
    bench_database(url)
}
