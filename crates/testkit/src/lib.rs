//! The test kit: starts EMSS on 127.0.0.1:0 with a fresh database per test — an SQLite file in a
//! temporary folder, or, when `TEST_DATABASE_URL` is set, a fresh PostgreSQL database that is
//! dropped afterwards — so one test body runs on both backends. Helpers log in as any demo role
//! through the same HTTP entry points users use.

mod field;
mod postgres;
mod setup;

pub use postgres::ScratchDatabase;

pub use field::{DemoSite, image_for, picture};

use anyhow::{Context, Result, anyhow};
use emss_app::{App, AppSettings};
use emss_db::{Backend, DatabaseSettings};
use emss_domain::clock::ManualClock;
use std::sync::Arc;
use std::time::Duration;

/// A small PDF, as an uploaded document.
pub const SAMPLE_PDF: &[u8] = emss_app::demo::DEMO_PDF;

/// The password of every demo login in tests.
pub const DEMO_PASSWORD: &str = "Demo-Pass-2026";

/// The demo logins whose pages the page crawls visit on the desktop: every kind of user.
pub const DESKTOP_LOGINS: &[&str] = &[
    "sysadmin",
    "secadmin",
    "auditadmin",
    "city",
    "district_a",
    "agency_a",
    "filer_a",
    "reviewer_a",
    "selfom",
    "ent_a",
];

/// The demo logins with pages on the phone.
pub const PHONE_LOGINS: &[&str] = &["filer_a", "reviewer_a", "ent_a"];

/// The backend the tests run on: PostgreSQL when `TEST_DATABASE_URL` is set.
pub fn backend() -> Backend {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// What a test changes about the EMSS it starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The malware scanner documents go through.
    pub malware_scan_command: Option<String>,
    /// Public keys (hex) of the logs this EMSS witnesses.
    pub witness_log_keys: Vec<String>,
    /// The audit signing key (hex) instead of a new key file.
    pub audit_signing_key: Option<String>,
    /// Runs the checkpoint loop: its interval, and the witness address it pushes to.
    pub checkpoints: Option<(Duration, Option<String>)>,
    /// Connection limits (the defaults of `emss serve` when `None`).
    pub serve: Option<emss_web::ServeSettings>,
    /// Reverse proxies whose forwarding header is believed, and that header.
    pub trusted_proxies: Vec<String>,
    pub trusted_proxy_header: emss_web::ForwardedHeader,
    /// The `emss` executable that parses uploaded documents in a process of its own; without it
    /// they are parsed on a blocking thread of the test process.
    pub document_inspector: Option<std::path::PathBuf>,
}

/// A running EMSS with its own database and data folder.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub app: App,
    /// The clock EMSS reads; tests move it to make time pass.
    pub clock: Arc<ManualClock>,
    pub data_dir: tempfile::TempDir,
    /// The database this EMSS uses (for running the `emss` command against it).
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    checkpoint_loop: Option<tokio::task::JoinHandle<()>>,
    pg: Option<postgres::ScratchDatabase>,
}

impl TestApp {
    /// EMSS with the demo data loaded (password [`DEMO_PASSWORD`]).
    pub async fn spawn() -> Result<TestApp> {
        let t = TestApp::spawn_empty().await?;
        emss_app::demo::load(&t.app, DEMO_PASSWORD)
            .await
            .context("loading demo data")?;
        Ok(t)
    }

    /// EMSS with demo data whose documents go through `command` as malware scanner.
    pub async fn spawn_scanning(command: &str) -> Result<TestApp> {
        TestApp::spawn_with(Options {
            malware_scan_command: Some(command.to_string()),
            ..Options::default()
        })
        .await
    }

    /// EMSS with demo data and the given options.
    pub async fn spawn_with(options: Options) -> Result<TestApp> {
        let t = TestApp::start(options).await?;
        emss_app::demo::load(&t.app, DEMO_PASSWORD)
            .await
            .context("loading demo data")?;
        Ok(t)
    }

    /// EMSS on an empty database.
    pub async fn spawn_empty() -> Result<TestApp> {
        TestApp::start(Options::default()).await
    }

    async fn start(options: Options) -> Result<TestApp> {
        let Options {
            malware_scan_command,
            witness_log_keys,
            audit_signing_key,
            checkpoints,
            serve,
            trusted_proxies,
            trusted_proxy_header,
            document_inspector,
        } = options;
        let data_dir = tempfile::tempdir()?;
        let (database_url, pg) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let scratch = postgres::ScratchDatabase::create(&admin).await?;
                (scratch.url.clone(), Some(scratch))
            }
            _ => (
                format!("sqlite://{}", data_dir.path().join("emss.db").display()),
                None,
            ),
        };
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let settings = AppSettings {
            data_dir: data_dir.path().to_path_buf(),
            database: DatabaseSettings {
                url: database_url.clone(),
                pool_size: 4,
                connect_timeout: Duration::from_secs(10),
            },
            keys_dir: data_dir.path().join("keys"),
            audit_signing_key,
            malware_scan_command,
            witness_log_keys,
            document_inspector,
            suggestion_thresholds: Default::default(),
        };
        let app = App::start(settings, clock.clone())
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let checkpoint_loop = match checkpoints {
            Some((every, witness)) => {
                let pusher = match witness {
                    Some(url) => {
                        Some(emss_app::witness::Pusher::new(&url).map_err(|e| anyhow!(e))?)
                    }
                    None => None,
                };
                Some(tokio::spawn(emss_app::audit::run_checkpoints(
                    app.clone(),
                    every,
                    pusher,
                )))
            }
            None => None,
        };
        let router = emss_web::router(
            app.clone(),
            &emss_web::WebSettings {
                trusted_proxies: emss_web::TrustedProxies::parse(
                    &trusted_proxies,
                    trusted_proxy_header,
                )
                .map_err(|e| anyhow!(e))?,
                ..Default::default()
            },
        );
        let serve = serve.unwrap_or_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = emss_web::serve(
                listener,
                router,
                async {
                    let _ = rx.await;
                },
                &serve,
            )
            .await;
        });
        Ok(TestApp {
            base,
            app,
            clock,
            data_dir,
            database_url,
            shutdown: Some(tx),
            server: Some(server),
            checkpoint_loop,
            pg,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client like a browser: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> Result<reqwest::Client> {
        Ok(reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?)
    }

    /// Registers through `POST /api/v1/registrations` as `multipart/form-data`: the registration
    /// JSON with the documents a filing carries (营业执照, 承诺书, CMA), each a small real PDF.
    pub async fn register(
        &self,
        registration: &serde_json::Value,
    ) -> Result<(reqwest::StatusCode, serde_json::Value)> {
        let mut form =
            reqwest::multipart::Form::new().text("registration", registration.to_string());
        for (kind, name) in [
            ("business_licence", "营业执照.pdf"),
            ("commitment_letter", "承诺书.pdf"),
            ("cma_certificate", "CMA证书.pdf"),
        ] {
            let part = reqwest::multipart::Part::bytes(SAMPLE_PDF.to_vec())
                .file_name(name)
                .mime_str("application/pdf")?;
            form = form.part(kind, part);
        }
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/registrations"))
            .multipart(form)
            .send()
            .await?;
        let status = res.status();
        Ok((status, res.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// The same EMSS as seen over HTTP only.
    pub fn remote(&self) -> Remote {
        Remote {
            base: self.base.clone(),
        }
    }

    /// Calls the API with a bearer token and an optional JSON body: the status, and the JSON
    /// answer (`Null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(reqwest::StatusCode, serde_json::Value)> {
        self.remote().call(method, token, path, body).await
    }

    /// Sends a multipart form to the API with a bearer token: text fields and at most one file
    /// (in the part `file`); the status and the JSON answer.
    pub async fn upload(
        &self,
        token: &str,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Result<(reqwest::StatusCode, serde_json::Value)> {
        self.remote().upload(token, path, fields, file).await
    }

    /// The organisation of a login, read from the database.
    pub async fn org_of(&self, username: &str) -> Result<String> {
        Ok(
            emss_db::repo::account::find_by_username(&self.app.db().conn, username)
                .await?
                .ok_or_else(|| anyhow!("no login {username}"))?
                .account
                .org_id,
        )
    }

    /// Logs in through `POST /api/v1/auth/login` and returns the bearer token.
    pub async fn token(&self, username: &str) -> Result<String> {
        self.remote().token(username).await
    }

    /// Logs in through the login page, like a person, and returns the browser-like session.
    pub async fn browser(&self, username: &str) -> Result<Browser> {
        self.browser_at(username, "/login").await
    }

    /// Logs in through the mobile login page.
    pub async fn phone(&self, username: &str) -> Result<Browser> {
        self.browser_at(username, "/m/login").await
    }

    /// Logs in through the mobile login page, binding the phone for 30 days.
    pub async fn bound_phone(&self, username: &str) -> Result<Browser> {
        self.log_in_at(username, "/m/login", true).await
    }

    async fn browser_at(&self, username: &str, login: &str) -> Result<Browser> {
        self.log_in_at(username, login, false).await
    }

    /// Logs in through the login page with a password of the test's own (a registered account).
    pub async fn browser_with_password(&self, username: &str, password: &str) -> Result<Browser> {
        self.log_in_with(username, password, "/login", false).await
    }

    async fn log_in_at(&self, username: &str, login: &str, bind: bool) -> Result<Browser> {
        self.log_in_with(username, DEMO_PASSWORD, login, bind).await
    }

    async fn log_in_with(
        &self,
        username: &str,
        password: &str,
        login: &str,
        bind: bool,
    ) -> Result<Browser> {
        let client = self.client()?;
        let mut form = vec![("username", username), ("password", password)];
        if bind {
            form.push(("bind", "1"));
        }
        let res = client.post(self.url(login)).form(&form).send().await?;
        if res.status() != reqwest::StatusCode::SEE_OTHER {
            return Err(anyhow!("login of {username} failed: {}", res.status()));
        }
        let home = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("/")
            .to_string();
        let page = client.get(self.url(&home)).send().await?.text().await?;
        let csrf = meta_csrf(&page).ok_or_else(|| anyhow!("no csrf token on {home}"))?;
        Ok(Browser {
            client,
            base: self.base.clone(),
            csrf,
        })
    }
}

/// An EMSS reached over HTTP only: a [`TestApp`], or a server process a test started itself.
#[derive(Debug, Clone)]
pub struct Remote {
    pub base: String,
}

impl Remote {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Calls the API with a bearer token and an optional JSON body: the status, and the JSON
    /// answer (`Null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(reqwest::StatusCode, serde_json::Value)> {
        let mut req = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        Ok((status, res.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// Sends a multipart form to the API with a bearer token: text fields and at most one file
    /// (in the part `file`); the status and the JSON answer.
    pub async fn upload(
        &self,
        token: &str,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Result<(reqwest::StatusCode, serde_json::Value)> {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, bytes)) = file {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        let res = reqwest::Client::new()
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await?;
        let status = res.status();
        Ok((status, res.json().await.unwrap_or(serde_json::Value::Null)))
    }

    /// Logs in through `POST /api/v1/auth/login` and returns the bearer token.
    pub async fn token(&self, username: &str) -> Result<String> {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": DEMO_PASSWORD }))
            .send()
            .await?;
        let status = res.status();
        let body: serde_json::Value = res.json().await?;
        if !status.is_success() {
            return Err(anyhow!("login of {username} failed: {status} {body}"));
        }
        body["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no token in {body}"))
    }
}

/// A signed-in cookie session with its anti-CSRF token.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Result<reqwest::Response> {
        Ok(self.client.get(self.url(path)).send().await?)
    }

    /// A page's HTML, failing unless it answers 200.
    pub async fn page(&self, path: &str) -> Result<String> {
        let res = self.get(path).await?;
        if res.status() != reqwest::StatusCode::OK {
            return Err(anyhow!("GET {path} answered {}", res.status()));
        }
        Ok(res.text().await?)
    }

    /// Submits a form with the session's anti-CSRF token, as the page would.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<reqwest::Response> {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &self.csrf));
        Ok(self.client.post(self.url(path)).form(&all).send().await?)
    }
}

/// The anti-CSRF token a page carries in `<meta name="csrf-token">`.
pub fn meta_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    let token = &html[start..end];
    (!token.is_empty()).then(|| token.to_string())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(task) = self.checkpoint_loop.take() {
            task.abort();
        }
        if let Some(pg) = self.pg.take() {
            pg.drop_blocking();
        }
    }
}
