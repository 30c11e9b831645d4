//! The form catalogue at run time: the definitions shipped in `catalogue/forms/` are checked when
//! EMSS starts and published as versions; the city regulator publishes later versions; every
//! record is evaluated against the version it names.

use crate::audit::Outcome as AuditOutcome;
use crate::{App, AppError, StartError, audit};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::Database;
use emss_db::entity::form_definition;
use emss_db::repo;
use emss_domain::form::standard::REQUIRED_FROM_SETTING;
use emss_domain::form::{
    Errors, Evaluation, FormDefinition, Input, OutletKind, PreviousValues, evaluate_partly,
};
use emss_domain::{Actor, ErrorCode, Permission};
use include_dir::{Dir, include_dir};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The definition files built into the binary.
static SHIPPED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../catalogue/forms");

/// Parsed definitions by (code, version).
#[derive(Default)]
pub struct Cache(RwLock<HashMap<(String, u32), Arc<FormDefinition>>>);

/// A definition file shipped with EMSS.
pub struct Shipped {
    pub file: String,
    pub source: &'static str,
    pub definition: FormDefinition,
}

/// Reads and checks every shipped definition; the first broken one stops start-up, named.
pub fn shipped() -> Result<Vec<Shipped>, StartError> {
    let mut out = Vec::new();
    for f in SHIPPED.files() {
        let file = format!("forms/{}", f.path().display());
        if f.path().extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let source = f.contents_utf8().ok_or_else(|| StartError::Catalogue {
            file: file.clone(),
            detail: "不是 UTF-8 文本".into(),
        })?;
        let definition = FormDefinition::parse(source)
            .and_then(|d| d.check_publishable().map(|()| d))
            .map_err(|e| StartError::Catalogue {
                file: file.clone(),
                detail: e.to_string(),
            })?;
        let stem = f.path().file_stem().and_then(|s| s.to_str());
        if stem != Some(definition.code.as_str()) {
            return Err(StartError::Catalogue {
                file,
                detail: format!("文件名须与表单代码 {} 相同", definition.code),
            });
        }
        out.push(Shipped {
            file,
            source,
            definition,
        });
    }
    if out.is_empty() {
        return Err(StartError::Catalogue {
            file: "forms".into(),
            detail: "没有表单定义".into(),
        });
    }
    Ok(out)
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Publishes each shipped definition whose version the database does not hold yet. A shipped
/// file whose version is already published with other content stops start-up: a published
/// version never changes, so an edited definition needs a new version number.
pub async fn publish_shipped(
    db: &Database,
    shipped: &[Shipped],
    now: DateTime<Utc>,
) -> Result<(), StartError> {
    let broken = |file: &str, detail: String| StartError::Catalogue {
        file: file.to_string(),
        detail,
    };
    let db_err = |file: &str, e: emss_db::DbErr| broken(file, format!("无法写入数据库：{e}"));
    for s in shipped {
        let d = &s.definition;
        let version = i32::try_from(d.version).map_err(|_| broken(&s.file, "版本号过大".into()))?;
        let sha = sha256_hex(s.source);
        let existing = repo::form_definition::get(&db.conn, &d.code, version)
            .await
            .map_err(|e| db_err(&s.file, e))?;
        let row = match existing {
            // A version the city regulator published before this release shipped its own: the
            // published one stands (records were filled against it).
            Some(row) if row.published_by.is_some() && row.sha256 != sha => {
                tracing::warn!(
                    file = %s.file,
                    version = d.version,
                    "shipped form definition not published: the regulator's version stands"
                );
                continue;
            }
            Some(row) => row,
            None => {
                repo::form_definition::insert(
                    &db.conn,
                    form_definition::Model {
                        code: d.code.clone(),
                        version,
                        name: d.name.clone(),
                        outlet_kind: d.outlet_kind.as_str().to_string(),
                        source: s.source.to_string(),
                        sha256: sha.clone(),
                        published_at: now,
                        published_by: None,
                        note: "随系统发布".into(),
                    },
                )
                .await
                .map_err(|e| db_err(&s.file, e))?;
                // Another instance may have inserted the same version first: read it back.
                repo::form_definition::get(&db.conn, &d.code, version)
                    .await
                    .map_err(|e| db_err(&s.file, e))?
                    .ok_or_else(|| broken(&s.file, "发布后无法读回".into()))?
            }
        };
        if row.sha256 != sha {
            return Err(broken(
                &s.file,
                format!(
                    "版本 {} 已发布且内容不同；修改表单定义须提高版本号",
                    d.version
                ),
            ));
        }
    }
    Ok(())
}

/// One version as listed.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub version: u32,
    pub sha256: String,
    pub published_at: DateTime<Utc>,
    /// None: shipped with EMSS.
    pub published_by: Option<String>,
    pub note: String,
}

impl App {
    fn cached_form(&self, code: &str, version: u32) -> Option<Arc<FormDefinition>> {
        self.inner
            .forms
            .0
            .read()
            .ok()
            .and_then(|m| m.get(&(code.to_string(), version)).cloned())
    }

    /// One version of a form type (None: the current one). Unknown codes and versions: 404.
    pub async fn form_type(
        &self,
        code: &str,
        version: Option<u32>,
    ) -> Result<Arc<FormDefinition>, AppError> {
        let version = match version {
            Some(v) => v,
            None => self
                .current_versions()
                .await?
                .get(code)
                .copied()
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        };
        if let Some(def) = self.cached_form(code, version) {
            return Ok(def);
        }
        let v = i32::try_from(version).map_err(|_| AppError::new(ErrorCode::NotFound))?;
        let row = repo::form_definition::get(&self.db().conn, code, v)
            .await?
            .ok_or(AppError::new(ErrorCode::NotFound))?;
        let def = FormDefinition::parse(&row.source).map_err(|e| {
            AppError::internal(format!(
                "published form {code} v{version} no longer parses: {e}"
            ))
        })?;
        let def = Arc::new(def);
        if let Ok(mut m) = self.inner.forms.0.write() {
            m.insert((code.to_string(), version), def.clone());
        }
        Ok(def)
    }

    /// code → current (latest published) version.
    async fn current_versions(&self) -> Result<HashMap<String, u32>, AppError> {
        Ok(repo::form_definition::latest_versions(&self.db().conn)
            .await?
            .into_iter()
            .filter_map(|(c, v)| u32::try_from(v).ok().map(|v| (c, v)))
            .collect())
    }

    /// The current version of every form type, optionally of one outlet kind, in catalogue order
    /// (wastewater first, then by code).
    pub async fn form_types(
        &self,
        outlet_kind: Option<OutletKind>,
    ) -> Result<Vec<Arc<FormDefinition>>, AppError> {
        let mut out = Vec::new();
        let mut current: Vec<(String, u32)> = self.current_versions().await?.into_iter().collect();
        current.sort();
        for (code, version) in current {
            let def = self.form_type(&code, Some(version)).await?;
            if outlet_kind.is_none_or(|k| k == def.outlet_kind) {
                out.push(def);
            }
        }
        out.sort_by_key(|d| (d.outlet_kind != OutletKind::Wastewater, d.code.clone()));
        Ok(out)
    }

    /// Every published version of a form type, newest first.
    pub async fn form_versions(&self, code: &str) -> Result<Vec<VersionInfo>, AppError> {
        let rows = repo::form_definition::versions(&self.db().conn, code).await?;
        if rows.is_empty() {
            return Err(AppError::new(ErrorCode::NotFound));
        }
        Ok(rows
            .into_iter()
            .map(|r| VersionInfo {
                version: u32::try_from(r.version).unwrap_or_default(),
                sha256: r.sha256,
                published_at: r.published_at,
                published_by: r.published_by,
                note: r.note,
            })
            .collect())
    }

    /// The definition text of one version, exactly as published.
    pub async fn form_source(&self, code: &str, version: u32) -> Result<String, AppError> {
        let v = i32::try_from(version).map_err(|_| AppError::new(ErrorCode::NotFound))?;
        Ok(repo::form_definition::get(&self.db().conn, code, v)
            .await?
            .ok_or(AppError::new(ErrorCode::NotFound))?
            .source)
    }
}

/// Checks a filled form against a version of its form type as the server will on submission,
/// and computes and judges whatever the fields filled so far allow. Problems come back per field
/// beside the evaluation.
pub async fn check(
    app: &App,
    code: &str,
    version: Option<u32>,
    fields: &Value,
    instrument_ids: Option<&[String]>,
    previous: &dyn PreviousValues,
) -> Result<(Arc<FormDefinition>, Evaluation, Errors), AppError> {
    let def = app.form_type(code, version).await?;
    let (evaluation, errors) = evaluate_partly(
        &def,
        &Input {
            fields,
            instrument_ids,
            previous,
            registered: None,
            standards: None,
            emission_limits: None,
        },
    );
    Ok((def, evaluation, errors))
}

/// Publishes a new version of an existing form type (the city regulator). The text is checked in
/// full first; nothing is stored unless it passes.
pub async fn publish(
    app: &App,
    actor: &Actor,
    code: &str,
    source: &str,
    note: &str,
) -> Result<Arc<FormDefinition>, AppError> {
    if !Permission::PublishCatalogue.allows(Some(actor)) {
        audit::record_denial(
            app,
            Some(actor),
            "authz.denied",
            "catalogue.publish",
            Some(("form_type", code)),
            json!({"action": "catalogue.publish"}),
            ErrorCode::Forbidden,
        )
        .await?;
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let current = app.form_type(code, None).await?;
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::field("note", "请填写变更说明"));
    }
    if note.chars().count() > 200 {
        return Err(AppError::field("note", "变更说明不能超过 200 个字"));
    }
    if source.len() > 256 * 1024 {
        return Err(AppError::field("source", "表单定义不能超过 256 KB"));
    }
    let def = FormDefinition::parse(source)
        .and_then(|d| d.check_publishable().map(|()| d))
        .map_err(|e| AppError::field("source", &e.to_string()))?;
    if def.code != code {
        return Err(AppError::field(
            "source",
            &format!("表单代码应为 {code}，不能改为 {}", def.code),
        ));
    }
    if def.outlet_kind != current.outlet_kind {
        return Err(AppError::field("source", "不能改变表单适用的排口类型"));
    }
    let expected = current.version + 1;
    if def.version != expected {
        return Err(AppError::field(
            "source",
            &format!(
                "版本号应为 {expected}（当前已发布版本为 {}）",
                current.version
            ),
        ));
    }
    let version =
        i32::try_from(def.version).map_err(|_| AppError::field("source", "版本号过大"))?;
    let sha = sha256_hex(source);
    let txn = app.db().begin_write().await?;
    if repo::form_definition::get(&txn, code, version)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "source",
            &format!("版本 {version} 刚由他人发布，请刷新后重试"),
        ));
    }
    repo::form_definition::insert_new(
        &txn,
        form_definition::Model {
            code: def.code.clone(),
            version,
            name: def.name.clone(),
            outlet_kind: def.outlet_kind.as_str().to_string(),
            source: source.to_string(),
            sha256: sha.clone(),
            published_at: app.now(),
            published_by: Some(actor.account_id.clone()),
            note: note.to_string(),
        },
    )
    .await
    .map_err(|e| match AppError::from(e) {
        e if e.code == ErrorCode::AlreadyExists => AppError::field(
            "source",
            &format!("版本 {version} 刚由他人发布，请刷新后重试"),
        ),
        e => e,
    })?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "catalogue.publish",
        Some(("form_type", code)),
        AuditOutcome::Ok,
        json!({"version": def.version, "previous_version": current.version, "sha256": sha, "note": note}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, code, version, "form definition published");
    app.form_type(code, Some(def.version)).await
}

/// The day from which a calibration or check that names no standard material fails (set by the
/// city); None while it is not required.
pub async fn standard_required_from(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Option<NaiveDate>, AppError> {
    Ok(repo::setting::get(db, REQUIRED_FROM_SETTING)
        .await?
        .and_then(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok()))
}

/// Sets (or clears, with None) the day from which a standard material must be chosen. Only a
/// day not yet begun: records already filed keep the judgement they were filed under, also
/// when they are judged again.
pub async fn set_standard_required_from(
    app: &App,
    actor: &Actor,
    from: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, AppError> {
    if !Permission::PublishCatalogue.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let today = emss_domain::time::shanghai_date(app.now());
    let txn = app.db().begin_write().await?;
    let before = standard_required_from(&txn).await?;
    if from != before {
        if let Some(b) = before.filter(|b| *b <= today) {
            return Err(AppError::field(
                "required_from",
                &format!("已自 {b} 起执行，不能再更改"),
            ));
        }
        if from.is_some_and(|f| f <= today) {
            return Err(AppError::field(
                "required_from",
                &format!("起始日期须晚于今天（{today}）"),
            ));
        }
    }
    let value = from.map(|d| d.to_string()).unwrap_or_default();
    repo::setting::set(&txn, REQUIRED_FROM_SETTING, &value, app.now()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "catalogue.standard_rule",
        None,
        AuditOutcome::Ok,
        json!({"required_from": from, "before": before}),
    )
    .await?;
    txn.commit().await?;
    Ok(from)
}
