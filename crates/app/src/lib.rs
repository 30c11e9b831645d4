//! EMSS use cases. Each takes the acting user, checks permission and state, applies the rules of
//! `emss-domain` and writes the change through `emss-db`, in one transaction.

pub mod account;
pub mod agency_resources;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod catalogue;
pub mod context;
pub mod contracts;
pub mod credit;
pub mod demo;
pub mod enterprises;
pub mod error;
pub mod evidence;
pub mod files;
pub mod filing;
pub mod filing_change;
pub mod http_client;
pub mod idempotency;
pub mod import;
pub mod inspect;
pub mod inspections;
pub mod keys;
pub mod outlets;
pub mod password;
pub mod records;
pub mod rectifications;
pub mod scan;
mod secret;
pub mod statistics;
pub mod tasks;
pub mod witness;

pub use error::AppError;

use emss_db::blob::{BlobError, BlobStore, LocalBlobStore};
use emss_db::{ConnectError, Database, DatabaseSettings};
use emss_domain::clock::{Clock, SystemClock};
use emss_domain::crypto::Signer;
use emss_domain::district::Districts;
use emss_domain::password_policy::SecurityPolicy;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The districts, built into the binary from `catalogue/districts.toml`.
const DISTRICTS: &str = include_str!("../../../catalogue/districts.toml");

/// What the use cases need to know about the deployment.
#[derive(Debug, Clone)]
pub struct AppSettings {
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    /// Where key files live (default: `keys` in the data folder). Never the database.
    pub keys_dir: PathBuf,
    /// The audit signing key as hex, when given by the environment instead of a key file.
    pub audit_signing_key: Option<String>,
    /// The malware scanner documents are given to before they are stored (see [`scan`]).
    pub malware_scan_command: Option<String>,
    /// SM2 public keys (hex) of the other EMSS logs this instance witnesses (see [`witness`]).
    pub witness_log_keys: Vec<String>,
    /// The executable whose `inspect-document` command parses uploaded documents in a process of
    /// its own (see [`inspect`]); `emss serve` names itself.
    pub document_inspector: Option<PathBuf>,
    /// When the daily job proposes orders (see [`rectifications::suggestions`]).
    pub suggestion_thresholds: emss_domain::rectification::SuggestionThresholds,
}

/// Why EMSS could not start. Each reads as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("数据目录 {path} 不可用：{detail}")]
    DataDir { path: String, detail: String },
    #[error("{0}")]
    Database(#[from] ConnectError),
    #[error("文件存储无法打开：{0}")]
    Blobs(#[from] BlobError),
    #[error("密钥无法读取或创建：{0}")]
    Keys(String),
    #[error("目录数据 catalogue/{file} 有误：{detail}")]
    Catalogue { file: String, detail: String },
}

/// Everything a use case works with. Cheap to clone; shared by all requests.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    signer: Arc<dyn Signer>,
    data_keys: RwLock<keys::DataKeys>,
    districts: Districts,
    settings: AppSettings,
    /// The security policy, re-read from the database at most every `POLICY_TTL`, so a change made
    /// on one instance reaches the others within that time.
    policy: RwLock<Option<(SecurityPolicy, Instant)>>,
    /// Parsed form definitions by (code, version). Published versions never change, so entries
    /// never go stale; which version is current is always read from the database.
    forms: catalogue::Cache,
    /// The logs this instance witnesses.
    witnessed: Vec<emss_domain::witness::WitnessedLog>,
}

const POLICY_TTL: Duration = Duration::from_secs(30);
const POLICY_KEY: &str = "security_policy";

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("backend", &self.inner.db.backend)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Checks the data folder, opens and migrates the database, opens the file store.
    pub async fn start(settings: AppSettings, clock: Arc<dyn Clock>) -> Result<App, StartError> {
        prepare_data_dir(&settings.data_dir)?;
        let districts = Districts::parse(DISTRICTS).map_err(|detail| StartError::Catalogue {
            file: "districts.toml".into(),
            detail,
        })?;
        inspections::checklists().map_err(|detail| StartError::Catalogue {
            file: "inspection_checklists.toml".into(),
            detail,
        })?;
        let shipped = catalogue::shipped()?;
        let db = Database::connect(&settings.database).await?;
        db.migrate().await?;
        catalogue::publish_shipped(&db, &shipped, clock.now()).await?;
        let blobs = LocalBlobStore::open(settings.data_dir.join("blobs"))?;
        let signer = audit::load_signer(&settings.keys_dir, settings.audit_signing_key.as_deref())
            .map_err(StartError::Keys)?;
        let data_keys =
            keys::DataKeys::load_or_create(&settings.keys_dir).map_err(StartError::Keys)?;
        let witnessed =
            witness::parse_logs(&settings.witness_log_keys).map_err(StartError::Keys)?;
        let app = App {
            inner: Arc::new(Inner {
                db,
                blobs: Arc::new(blobs),
                clock,
                signer: Arc::new(signer),
                data_keys: RwLock::new(data_keys),
                districts,
                settings,
                policy: RwLock::new(None),
                forms: catalogue::Cache::default(),
                witnessed,
            }),
        };
        credit::ensure_drafts(&app)
            .await
            .map_err(|e| StartError::Catalogue {
                file: "credit/".into(),
                detail: e.to_string(),
            })?;
        Ok(app)
    }

    /// `start` with the real clock.
    pub async fn start_with_system_clock(settings: AppSettings) -> Result<App, StartError> {
        App::start(settings, Arc::new(SystemClock)).await
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    pub fn blobs(&self) -> &dyn BlobStore {
        self.inner.blobs.as_ref()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The logs this instance keeps checkpoints of, as a witness.
    pub fn witnessed_logs(&self) -> &[emss_domain::witness::WitnessedLog] {
        &self.inner.witnessed
    }

    /// The key that signs audit checkpoints.
    pub fn signer(&self) -> &dyn Signer {
        self.inner.signer.as_ref()
    }

    /// Encrypts a personal value for `context` (`table/column/row`); returns (ciphertext, key id).
    pub fn seal(&self, context: &str, plaintext: &str) -> Result<(String, String), AppError> {
        let keys = self
            .inner
            .data_keys
            .read()
            .map_err(|_| AppError::internal("data keys unavailable"))?;
        keys.seal(context, plaintext)
    }

    /// Decrypts a personal value, re-reading the key files once if its key is new to this instance
    /// (another instance or `emss keys rotate` added it).
    pub fn open(&self, context: &str, key_id: &str, sealed: &str) -> Result<String, AppError> {
        let first = {
            let keys = self
                .inner
                .data_keys
                .read()
                .map_err(|_| AppError::internal("data keys unavailable"))?;
            keys.open(context, key_id, sealed)
        };
        if let Some(result) = first {
            return result;
        }
        let mut keys = self
            .inner
            .data_keys
            .write()
            .map_err(|_| AppError::internal("data keys unavailable"))?;
        keys.reload().map_err(AppError::internal)?;
        keys.open(context, key_id, sealed)
            .unwrap_or_else(|| Err(AppError::internal(format!("unknown data key {key_id}"))))
    }

    /// The blind index of a personal value.
    pub fn blind_index(&self, kind: &str, value: &str) -> Result<String, AppError> {
        let keys = self
            .inner
            .data_keys
            .read()
            .map_err(|_| AppError::internal("data keys unavailable"))?;
        Ok(keys.index(kind, value))
    }

    /// Adds a data key and re-encrypts every personal value with it. Returns (key id, values).
    pub async fn rotate_data_key(&self) -> Result<(String, usize), AppError> {
        let new_id = {
            let mut keys = self
                .inner
                .data_keys
                .write()
                .map_err(|_| AppError::internal("data keys unavailable"))?;
            keys.rotate().map_err(AppError::internal)?
        };
        let txn = self.inner.db.begin_write().await?;
        let mut values = 0;
        for (id, key_id, cipher) in emss_db::repo::account::phone_ciphers(&txn).await? {
            let context = format!("account/phone/{id}");
            let plain = self.open(&context, &key_id, &cipher)?;
            let (sealed, sealed_with) = self.seal(&context, &plain)?;
            emss_db::repo::account::set_phone_cipher(&txn, &id, &sealed, &sealed_with).await?;
            values += 1;
        }
        for (org_id, key_id, cipher) in emss_db::repo::filing::phone_ciphers(&txn).await? {
            let context = format!("filing/contact_phone/{org_id}");
            let plain = self.open(&context, &key_id, &cipher)?;
            let (sealed, sealed_with) = self.seal(&context, &plain)?;
            emss_db::repo::filing::set_phone_cipher(&txn, &org_id, &sealed, &sealed_with).await?;
            values += 1;
        }
        for (id, key_id, cipher) in emss_db::repo::agency_resources::id_number_ciphers(&txn).await?
        {
            let context = format!("staff/id_number/{id}");
            let plain = self.open(&context, &key_id, &cipher)?;
            let (sealed, sealed_with) = self.seal(&context, &plain)?;
            emss_db::repo::agency_resources::set_id_number_cipher(&txn, &id, &sealed, &sealed_with)
                .await?;
            values += 1;
        }
        values += filing_change::reseal_pending(&txn, self).await?;
        audit::record(
            &txn,
            self,
            None,
            "keys.rotate",
            None,
            audit::Outcome::Ok,
            serde_json::json!({"key_id": new_id, "values": values}),
        )
        .await?;
        txn.commit().await?;
        Ok((new_id, values))
    }

    pub fn districts(&self) -> &Districts {
        &self.inner.districts
    }

    pub fn settings(&self) -> &AppSettings {
        &self.inner.settings
    }

    /// The security policy in force.
    pub async fn policy(&self) -> Result<SecurityPolicy, AppError> {
        if let Ok(cached) = self.inner.policy.read()
            && let Some((p, at)) = *cached
            && at.elapsed() < POLICY_TTL
        {
            return Ok(p);
        }
        let stored = emss_db::repo::setting::get(&self.inner.db.conn, POLICY_KEY).await?;
        let policy = stored
            .and_then(|s| serde_json::from_str::<SecurityPolicy>(&s).ok())
            .unwrap_or_default();
        if let Ok(mut cached) = self.inner.policy.write() {
            *cached = Some((policy, Instant::now()));
        }
        Ok(policy)
    }

    /// Stores a new security policy (already checked) and uses it at once on this instance.
    pub(crate) async fn store_policy(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        policy: SecurityPolicy,
    ) -> Result<(), AppError> {
        let json = serde_json::to_string(&policy).map_err(AppError::internal)?;
        emss_db::repo::setting::set(db, POLICY_KEY, &json, self.now()).await?;
        if let Ok(mut cached) = self.inner.policy.write() {
            *cached = Some((policy, Instant::now()));
        }
        Ok(())
    }

    /// Whether the database answers and has every migration this binary knows (`/readyz`).
    pub async fn ready(&self) -> Result<(), AppError> {
        self.inner.db.ping().await?;
        let pending = self.inner.db.pending_migrations().await?;
        if pending > 0 {
            return Err(AppError::new(emss_domain::ErrorCode::Unavailable)
                .with_detail(format!("{pending} migrations pending")));
        }
        Ok(())
    }
}

/// The data folder must exist (it is created) and be writable, or nothing else will work.
pub fn prepare_data_dir(dir: &Path) -> Result<(), StartError> {
    let fail = |e: std::io::Error| StartError::DataDir {
        path: dir.display().to_string(),
        detail: match e.kind() {
            std::io::ErrorKind::PermissionDenied => "没有写入权限".to_string(),
            _ => e.to_string(),
        },
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".write-probe");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}
