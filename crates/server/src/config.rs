//! Configuration: built-in defaults, then an optional `emss.toml`, then `EMSS_*` environment
//! variables (and `DATABASE_URL`), then command-line flags. Secrets are never printed.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`EMSS_LISTEN`).
    pub listen: String,
    /// Data folder: the SQLite database and stored files (`EMSS_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite:...` or `postgres://...` (`EMSS_DATABASE_URL`, or `DATABASE_URL`). Default: an SQLite
    /// file in the data folder.
    pub database_url: Option<String>,
    /// Database connections per instance.
    pub db_pool_size: u32,
    /// Seconds to wait for the database before giving up.
    pub db_connect_timeout_seconds: u64,
    /// Set when EMSS is reached over HTTPS (directly or behind a TLS proxy): cookies get `Secure`.
    pub secure_cookies: bool,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// A tracing filter, e.g. `info` or `info,emss_web=debug`.
    pub log_level: String,
    /// Password of the demo logins (`serve --demo`); random when unset.
    pub demo_password: Option<String>,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C.
    pub shutdown_grace_seconds: u64,
    /// Seconds a client has to send a request's head; also how long a kept-alive connection
    /// may wait for its next request.
    pub http_header_read_timeout_seconds: u64,
    /// Seconds a connection may pass with nothing read or written before it is closed.
    pub http_idle_timeout_seconds: u64,
    /// Open connections at most (sockets, not requests); lowered to fit the process's open-file
    /// limit.
    pub http_max_connections: usize,
    /// Reverse proxies (addresses or networks) whose forwarding header names the client; from
    /// anyone else it is ignored.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies append the client's address to: `x-forwarded-for` or
    /// `forwarded`. The other one is never read (a proxy may pass a client's own through).
    pub trusted_proxy_header: String,
    /// Age after which a stored file no row refers to is removed (at start, then daily). Must
    /// exceed the longest upload of any instance sharing the file store.
    pub orphan_file_grace_seconds: u64,
    /// Folder of the key files (default: `keys` in the data folder).
    pub keys_dir: Option<PathBuf>,
    /// The audit signing key (SM2 private key, hex) instead of its key file.
    pub audit_signing_key: Option<String>,
    /// The malware scanner documents go through before they are stored, e.g.
    /// `clamdscan --no-summary -` (file on standard input; exit 0 clean, 1 found).
    pub malware_scan_command: Option<String>,
    /// Seconds between audit checkpoints (one is also signed at the start of each day).
    pub audit_checkpoint_interval_seconds: u64,
    /// 整改建议: missed occurrences (超期) of one agency at one enterprise within the window that
    /// make a suggestion.
    pub suggest_overdue: u32,
    /// 整改建议: flags of one kind on one agency's records within the window that make one.
    pub suggest_repeated_flags: u32,
    /// 整改建议: the days looked back.
    pub suggest_window_days: u32,
    /// The witness this log pushes each checkpoint to: the address of another EMSS instance
    /// (`https://…`) that lists this log's public key in its `witness_log_keys`.
    pub audit_witness_url: Option<String>,
    /// SM2 public keys (hex) of other EMSS logs this instance keeps checkpoints of, as their
    /// witness.
    pub witness_log_keys: Vec<String>,
    /// Serves the benchmark's floor handlers under `/bench/floor/` (set by the benchmark
    /// command only; never in production).
    pub bench_floor: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            db_pool_size: 8,
            db_connect_timeout_seconds: 10,
            secure_cookies: false,
            log_format: "text".into(),
            log_level: "info".into(),
            demo_password: None,
            shutdown_grace_seconds: 30,
            http_header_read_timeout_seconds: 10,
            http_idle_timeout_seconds: 60,
            http_max_connections: 1024,
            trusted_proxies: Vec::new(),
            trusted_proxy_header: "x-forwarded-for".into(),
            orphan_file_grace_seconds: 3_600,
            keys_dir: None,
            audit_signing_key: None,
            malware_scan_command: None,
            audit_checkpoint_interval_seconds: 600,
            suggest_overdue: 2,
            suggest_repeated_flags: 3,
            suggest_window_days: 30,
            audit_witness_url: None,
            witness_log_keys: Vec::new(),
            bench_floor: false,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(emss_db::connect::redact_url),
            )
            .field("db_pool_size", &self.db_pool_size)
            .field("secure_cookies", &self.secure_cookies)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("demo_password", &self.demo_password.as_ref().map(|_| "***"))
            .field("keys_dir", &self.keys_dir)
            .field(
                "audit_signing_key",
                &self.audit_signing_key.as_ref().map(|_| "***"),
            )
            .finish_non_exhaustive()
    }
}

/// The keys `EMSS_*` variables may set; anything else in the environment is none of ours.
const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "db_pool_size",
    "db_connect_timeout_seconds",
    "secure_cookies",
    "log_format",
    "log_level",
    "demo_password",
    "shutdown_grace_seconds",
    "http_header_read_timeout_seconds",
    "http_idle_timeout_seconds",
    "http_max_connections",
    "trusted_proxies",
    "trusted_proxy_header",
    "orphan_file_grace_seconds",
    "keys_dir",
    "audit_signing_key",
    "malware_scan_command",
    "audit_checkpoint_interval_seconds",
    "suggest_overdue",
    "suggest_repeated_flags",
    "suggest_window_days",
    "audit_witness_url",
    "witness_log_keys",
    "bench_floor",
];

/// Flags that override everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    /// Reads the configuration. `file` is an explicit `--config`; without it `./emss.toml` is read
    /// when present.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.is_file() => {
                return Err(format!("配置文件 {} 不存在", path.display()));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("emss.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("emss.toml"))
            }
            None => {}
        }
        figment = figment
            .merge(Env::raw().only(&["database_url"]))
            .merge(Env::prefixed("EMSS_").only(ENV_KEYS));
        let mut config: Config = figment.extract().map_err(|e| format!("配置有误：{e}"))?;
        if let Some(v) = overrides.listen {
            config.listen = v;
        }
        if let Some(v) = overrides.data_dir {
            config.data_dir = v;
        }
        if let Some(v) = overrides.database_url {
            config.database_url = Some(v);
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        self.listen_addr()?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(format!(
                "配置有误：log_format 应为 text 或 json，而不是 {:?}",
                self.log_format
            ));
        }
        if self.db_pool_size == 0 || self.db_pool_size > 200 {
            return Err("配置有误：db_pool_size 应在 1 到 200 之间".into());
        }
        if let Some(url) = &self.database_url
            && emss_db::Backend::of_url(url).is_none()
        {
            return Err(format!(
                "数据库地址无效（{}）：只支持以 sqlite: 或 postgres:// 开头的地址",
                emss_db::connect::redact_url(url)
            ));
        }
        if !(1..=300).contains(&self.http_header_read_timeout_seconds) {
            return Err("配置有误：http_header_read_timeout_seconds 应在 1 到 300 之间".into());
        }
        if !(1..=3600).contains(&self.http_idle_timeout_seconds) {
            return Err("配置有误：http_idle_timeout_seconds 应在 1 到 3600 之间".into());
        }
        if self.http_max_connections == 0 {
            return Err("配置有误：http_max_connections 至少为 1".into());
        }
        self.proxies().map_err(|e| format!("配置有误：{e}"))?;
        if let Some(problem) = self.suggestion_thresholds().problem() {
            return Err(format!("配置有误：{problem}"));
        }
        if self.audit_checkpoint_interval_seconds == 0
            || self.audit_checkpoint_interval_seconds > 24 * 3600
        {
            return Err("配置有误：audit_checkpoint_interval_seconds 应在 1 到 86400 之间".into());
        }
        if let Some(p) = &self.demo_password
            && p.chars().count() < 8
        {
            return Err("配置有误：EMSS_DEMO_PASSWORD 至少 8 个字符".into());
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        self.listen.parse().map_err(|_| {
            format!(
                "监听地址无效（{}）：应为 IP:端口，例如 127.0.0.1:8080",
                self.listen
            )
        })
    }

    /// The database URL: the configured one, or an SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("emss.db").display()),
        }
    }

    /// Connection limits, with the connection cap lowered to what the open-file limit allows
    /// (database connections, stored files and logs need descriptors too).
    pub fn serve_settings(&self) -> emss_web::ServeSettings {
        const RESERVED: u64 = 64;
        let cap = match open_file_limit() {
            Some(limit) => {
                let fits = limit
                    .saturating_sub(RESERVED + u64::from(self.db_pool_size))
                    .max(1);
                if (self.http_max_connections as u64) > fits {
                    tracing::warn!(
                        configured = self.http_max_connections,
                        open_file_limit = limit,
                        used = fits,
                        "http_max_connections lowered to fit the open-file limit"
                    );
                }
                (self.http_max_connections as u64).min(fits) as usize
            }
            None => self.http_max_connections,
        };
        emss_web::ServeSettings {
            header_read_timeout: std::time::Duration::from_secs(
                self.http_header_read_timeout_seconds,
            ),
            idle_timeout: std::time::Duration::from_secs(self.http_idle_timeout_seconds),
            max_connections: cap,
        }
    }

    fn proxies(&self) -> Result<emss_web::TrustedProxies, String> {
        emss_web::TrustedProxies::parse(
            &self.trusted_proxies,
            emss_web::ForwardedHeader::parse(&self.trusted_proxy_header)?,
        )
    }

    pub fn trusted_proxies(&self) -> emss_web::TrustedProxies {
        // Checked when the configuration was loaded.
        self.proxies().unwrap_or_default()
    }

    pub fn app_settings(&self) -> emss_app::AppSettings {
        emss_app::AppSettings {
            data_dir: self.data_dir.clone(),
            database: emss_db::DatabaseSettings {
                url: self.database_url(),
                pool_size: self.db_pool_size,
                connect_timeout: std::time::Duration::from_secs(self.db_connect_timeout_seconds),
            },
            keys_dir: self
                .keys_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("keys")),
            audit_signing_key: self.audit_signing_key.clone(),
            malware_scan_command: self.malware_scan_command.clone(),
            witness_log_keys: self.witness_log_keys.clone(),
            // Uploaded documents are parsed by this very executable in a process of its own.
            document_inspector: std::env::current_exe().ok(),
            suggestion_thresholds: self.suggestion_thresholds(),
        }
    }

    fn suggestion_thresholds(&self) -> emss_domain::rectification::SuggestionThresholds {
        emss_domain::rectification::SuggestionThresholds {
            overdue: self.suggest_overdue,
            repeated_flags: self.suggest_repeated_flags,
            window_days: self.suggest_window_days,
        }
    }
}

/// The soft limit of open files of this process (Linux), from `/proc/self/limits`.
fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_usable() {
        let c = Config::default();
        assert_eq!(c.listen_addr().unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url(), "sqlite://./data/emss.db");
        c.check().unwrap();
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config {
            database_url: Some("postgres://emss:hunter2@db/emss".into()),
            demo_password: Some("Demo-Secret-1".into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains("Demo-Secret-1"));
    }

    #[test]
    fn bad_values_are_named() {
        let c = Config {
            listen: "localhost".into(),
            ..Config::default()
        };
        assert!(c.check().unwrap_err().contains("监听地址无效"));
        let c = Config {
            database_url: Some("mysql://x".into()),
            ..Config::default()
        };
        assert!(c.check().unwrap_err().contains("只支持"));
    }
}
