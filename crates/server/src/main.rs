//! `emss`: the EMSS server. `emss serve` (the default) starts it, `emss serve --demo` with demo data,
//! `emss migrate` applies database migrations, `emss openapi` prints the API document.

mod audit_cli;
mod banner;
mod config;
mod inspect_cmd;

use clap::{Args, Parser, Subcommand};
use config::{Config, Overrides};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "emss",
    version,
    about = "环境监测社会化服务监管系统 EMSS（Environmental Monitoring Social-Service Supervision）"
)]
struct Cli {
    /// Configuration file (default: ./emss.toml when present).
    #[arg(long, global = true, env = "EMSS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(StorageArgs),
    /// Print the OpenAPI document of the API.
    Openapi,
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Keys of personal data.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check the document on standard input for active content (run by the server for every
    /// uploaded document, in a process of its own).
    InspectDocument,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new data key and re-encrypt every stored personal value with it.
    Rotate {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Sign a fresh checkpoint and write the entries it covers, with every checkpoint, to FILE.
    Export {
        file: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Check an export offline: entries, chain, checkpoint signatures, Merkle roots and proofs;
    /// every entry must be covered by a checkpoint signed with the given key.
    Verify {
        file: PathBuf,
        /// The log's SM2 public key (hex) as you hold it (never the one written in the file).
        #[arg(long)]
        public_key: String,
        /// A checkpoint you kept from before — a signed note, or an earlier export — which the
        /// export must reach: proves it was not rolled back. May be given more than once.
        #[arg(long)]
        checkpoint: Vec<PathBuf>,
        /// The witness's address (another EMSS instance): its copy of the newest checkpoint is
        /// fetched and used like --checkpoint.
        #[arg(long)]
        witness: Option<String>,
    },
}

#[derive(Debug, Default, Args)]
struct ServeArgs {
    /// Load demo data and print the demo logins.
    #[arg(long)]
    demo: bool,
    /// Address to listen on, e.g. 0.0.0.0:8080 (overrides EMSS_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Debug, Default, Args)]
struct StorageArgs {
    /// Data folder (overrides EMSS_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Database URL (overrides EMSS_DATABASE_URL and DATABASE_URL).
    #[arg(long)]
    database_url: Option<String>,
}

impl StorageArgs {
    fn overrides(&self, listen: Option<String>) -> Overrides {
        Overrides {
            listen,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Openapi = command {
        print!("{}", emss_web::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    if let Command::InspectDocument = command {
        return inspect_cmd::run();
    }
    if let Command::Audit(AuditCommand::Verify {
        file,
        public_key,
        checkpoint,
        witness,
    }) = &command
    {
        return match audit_cli::verify_command(file, public_key, checkpoint, witness.as_deref()) {
            Ok(verdict) => {
                println!("{verdict}");
                ExitCode::SUCCESS
            }
            Err(problem) => fail(&problem),
        };
    }
    let overrides = match &command {
        Command::Serve(a) => a.storage.overrides(a.listen.clone()),
        Command::Migrate(a) => a.overrides(None),
        Command::Audit(AuditCommand::Export { storage, .. })
        | Command::Keys(KeysCommand::Rotate { storage }) => storage.overrides(None),
        Command::Openapi | Command::Audit(_) | Command::InspectDocument => Overrides::default(),
    };
    let config = match Config::load(cli.config.as_deref(), overrides) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("无法启动运行时：{e}")),
    };
    let result = runtime.block_on(async {
        match command {
            Command::Serve(args) => serve(config, args.demo).await,
            Command::Migrate(_) => migrate(config).await,
            Command::Audit(AuditCommand::Export { file, .. }) => export(config, &file).await,
            Command::Keys(KeysCommand::Rotate { .. }) => rotate(config).await,
            Command::Openapi | Command::Audit(_) | Command::InspectDocument => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One line naming the problem, and a non-zero exit: never a panic or a stack trace.
fn fail(message: &str) -> ExitCode {
    eprintln!("emss: 错误：{message}");
    ExitCode::FAILURE
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or journal gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second initialisation (never in the binary) is harmless, so its error is ignored.
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn migrate(config: Config) -> Result<(), String> {
    let settings = config.app_settings();
    emss_app::prepare_data_dir(&settings.data_dir).map_err(|e| e.to_string())?;
    let db = emss_db::Database::connect(&settings.database)
        .await
        .map_err(|e| e.to_string())?;
    let pending = db.pending_migrations().await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    println!(
        "数据库迁移完成（{}）：本次应用 {pending} 个迁移。",
        db.backend.name()
    );
    Ok(())
}

async fn export(config: Config, file: &std::path::Path) -> Result<(), String> {
    let app = emss_app::App::start_with_system_clock(config.app_settings())
        .await
        .map_err(|e| e.to_string())?;
    let exported = audit_cli::export(&app, file).await?;
    println!(
        "已导出 {} 条审计记录和 {} 个检查点到 {}；用 emss audit verify {} --public-key {} 校验。",
        exported.entries,
        exported.checkpoints,
        file.display(),
        file.display(),
        hex::encode(app.signer().public_key())
    );
    Ok(())
}

async fn rotate(config: Config) -> Result<(), String> {
    let app = emss_app::App::start_with_system_clock(config.app_settings())
        .await
        .map_err(|e| e.to_string())?;
    let (key_id, count) = app.rotate_data_key().await.map_err(|e| e.to_string())?;
    println!("已启用新的数据密钥 {key_id}，重新加密了 {count} 项个人信息。");
    Ok(())
}

/// Forgets idempotency answers past their keeping, and removes stored files no row refers to
/// (left by a crash between writing a file and committing its row).
async fn tidy(app: &emss_app::App, orphan_grace: Duration) {
    match emss_app::idempotency::forget_old(app).await {
        Ok(n) => tracing::info!(forgotten = n, "old idempotency answers removed"),
        Err(e) => tracing::error!(error = %e, "removing old idempotency answers failed"),
    }
    match emss_app::files::sweep_orphans(app, orphan_grace).await {
        Ok(n) => tracing::info!(removed = n, "orphan file sweep done"),
        Err(e) => tracing::error!(error = %e, "orphan file sweep failed"),
    }
}

/// Tidies daily after the pass made at start.
async fn housekeeping(app: emss_app::App, orphan_grace: Duration) {
    let day = Duration::from_secs(24 * 3600);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + day, day);
    loop {
        tick.tick().await;
        tidy(&app, orphan_grace).await;
    }
}

async fn serve(config: Config, demo: bool) -> Result<(), String> {
    let addr = config.listen_addr()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => format!("无法监听 {addr}：端口已被占用"),
            std::io::ErrorKind::PermissionDenied => format!("无法监听 {addr}：没有权限"),
            _ => format!("无法监听 {addr}：{e}"),
        })?;
    let app = emss_app::App::start_with_system_clock(config.app_settings())
        .await
        .map_err(|e| e.to_string())?;
    let demo_logins = if demo {
        let password = match &config.demo_password {
            Some(p) => p.clone(),
            None => emss_app::demo::random_password().map_err(|e| e.to_string())?,
        };
        let logins = emss_app::demo::load(&app, &password)
            .await
            .map_err(|e| e.to_string())?;
        Some((logins, password))
    } else {
        None
    };
    let first_admins = if demo {
        Vec::new()
    } else {
        emss_app::bootstrap::ensure_administrators(&app)
            .await
            .map_err(|e| e.to_string())?
    };
    let internal = emss_app::contracts::internal::ensure_all(&app)
        .await
        .map_err(|e| e.to_string())?;
    if internal > 0 {
        tracing::info!(
            made = internal,
            "internal contracts of self-maintaining enterprises"
        );
    }
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    if config.bench_floor {
        emss_db::floor::create_table(app.db())
            .await
            .map_err(|e| format!("基准测试底线表无法创建：{e}"))?;
    }
    let router = emss_web::router(
        app.clone(),
        &emss_web::WebSettings {
            secure_cookies: config.secure_cookies,
            bench_floor: config.bench_floor,
            trusted_proxies: config.trusted_proxies(),
        },
    );
    tracing::info!(%local, backend = app.db().backend.name(), "EMSS started");
    let witness = match &config.audit_witness_url {
        Some(url) => Some(emss_app::witness::Pusher::new(url)?),
        None => None,
    };
    tokio::spawn(emss_app::audit::run_checkpoints(
        app.clone(),
        Duration::from_secs(config.audit_checkpoint_interval_seconds),
        witness,
    ));
    tokio::spawn(emss_app::audit::run_denial_summaries(app.clone()));
    let orphan_grace = Duration::from_secs(config.orphan_file_grace_seconds);
    tidy(&app, orphan_grace).await;
    tokio::spawn(housekeeping(app.clone(), orphan_grace));
    tokio::spawn(emss_app::rectifications::suggestions::run_daily(
        app.clone(),
    ));
    tokio::spawn(emss_app::credit::run_nightly(app.clone()));

    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = signalled_tx.send(());
    };
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    let serve_settings = config.serve_settings();
    tracing::info!(
        max_connections = serve_settings.max_connections,
        header_read_timeout_s = serve_settings.header_read_timeout.as_secs(),
        idle_timeout_s = serve_settings.idle_timeout.as_secs(),
        "connection limits"
    );
    // Last, after the start-up logs, so a person starting EMSS sees where to open it.
    banner::print(
        &config,
        local,
        app.db().backend,
        demo_logins.as_ref(),
        &first_admins,
    );
    let served = emss_web::serve(listener, router, shutdown, &serve_settings);
    tokio::pin!(served);
    tokio::select! {
        result = &mut served => result.map_err(|e| format!("服务异常退出：{e}"))?,
        () = async {
            if signalled_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::warn!(seconds = grace.as_secs(), "requests still running after the grace period; stopping");
        }
    }
    // Refusals counted in windows still open are reported before the instance goes.
    match emss_app::audit::summarize_denials(&app, true).await {
        Ok(n) => tracing::info!(
            summaries = n,
            "refusals counted so far written to the audit log"
        ),
        Err(e) => tracing::error!(error = %e, "summarising refusals at shutdown failed"),
    }
    if let Err(e) = app.db().conn.close_by_ref().await {
        tracing::warn!(error = %e, "database pool did not close cleanly");
    }
    tracing::info!("EMSS stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
