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
            orphan_file_grace_seconds: 3_600,
            keys_dir: None,
            audit_signing_key: None,
            malware_scan_command: None,
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
    "orphan_file_grace_seconds",
    "keys_dir",
    "audit_signing_key",
    "malware_scan_command",
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
        }
    }
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
