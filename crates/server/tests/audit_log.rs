//! The tamper-evident audit log: one entry per write, append-only storage, and test design T11 —
//! every kind of tampering with an export is detected and named by `emss audit verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_domain::audit::{self, Checkpoint, Entry, ORIGIN};
use emss_domain::crypto::{Signer, SoftwareSigner};
use emss_testkit::TestApp;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn emss(args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emss"));
    for (k, _) in std::env::vars() {
        if k.starts_with("EMSS_") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    let out = cmd.args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn audit_size(t: &TestApp) -> u64 {
    emss_db::repo::audit::size(&t.app.db().conn).await.unwrap()
}

/// A running EMSS with some history, exported to a file.
async fn exported() -> (TestApp, std::path::PathBuf, String) {
    let t = TestApp::spawn().await.unwrap();
    create_accounts(&t, "auditee", 4).await;
    // An older checkpoint, so the export carries two and their consistency is proven.
    emss_app::audit::checkpoint(&t.app).await.unwrap();
    create_accounts(&t, "auditor", 4).await;
    let file = export(&t, "audit.jsonl");
    let key = hex::encode(t.app.signer().public_key());
    (t, file, key)
}

fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `emss audit verify FILE --public-key KEY` with `extra` arguments.
fn verify_file(file: &Path, key: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "audit",
        "verify",
        file.to_str().unwrap(),
        "--public-key",
        key,
    ];
    args.extend_from_slice(extra);
    emss(&args)
}

/// Writes `lines` as a new file and verifies it with the trusted key.
fn verify(dir: &Path, name: &str, lines: &[String], key: &str) -> (bool, String) {
    let file = dir.join(name);
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    verify_file(&file, key, &[])
}

fn entry_lines(lines: &[String]) -> Vec<usize> {
    (0..lines.len())
        .filter(|i| lines[*i].starts_with("{\"entry\""))
        .collect()
}

/// Rewrites entries from `from` on with hashes recomputed, as someone without the signing key
/// could.
fn recompute_chain(lines: &mut [String]) {
    let mut previous = audit::GENESIS;
    for line in lines.iter_mut() {
        let Ok(mut v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v.get("entry").is_none() {
            continue;
        }
        let entry: Entry = serde_json::from_value(v["entry"].clone()).unwrap();
        let leaf = entry.leaf_hash();
        previous = audit::chain(&previous, &leaf);
        v["leaf_hash"] = json!(hex::encode(leaf));
        v["chain_hash"] = json!(hex::encode(previous));
        *line = v.to_string();
    }
}

/// Numbers the entries 0, 1, 2, … again, as someone covering a deletion would.
fn renumber(lines: &mut [String]) {
    let mut seq = 0;
    for line in lines.iter_mut() {
        let Ok(mut v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v.get("entry").is_none() {
            continue;
        }
        v["entry"]["seq"] = json!(seq);
        seq += 1;
        *line = v.to_string();
    }
}

/// Exports the log of `t` with the binary to `name` in its data folder.
fn export(t: &TestApp, name: &str) -> std::path::PathBuf {
    let file = t.data_dir.path().join(name);
    let data_dir = t.data_dir.path().display().to_string();
    let (ok, out) = emss(&[
        "audit",
        "export",
        file.to_str().unwrap(),
        "--data-dir",
        &data_dir,
        "--database-url",
        &t.database_url,
    ]);
    assert!(ok, "{out}");
    file
}

async fn create_accounts(t: &TestApp, prefix: &str, n: usize) {
    let main = t.token("agency_a").await.unwrap();
    for i in 0..n {
        let res = reqwest::Client::new()
            .post(t.url("/api/v1/accounts"))
            .bearer_auth(&main)
            .json(&json!({"username": format!("staff_{prefix}{i}"), "name": "测试", "roles": ["filer"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
}

#[tokio::test]
async fn an_untampered_export_verifies_and_every_tampering_is_named() {
    let (t, file, key) = exported().await;
    let dir = t.data_dir.path();
    let original = lines(&file);
    let (ok, out) = verify_file(&file, &key, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("审计日志校验通过"), "{out}");
    assert!(out.contains("无法发现整体回滚或截断"), "{out}");
    // No key, no verdict: the key written in the file proves nothing.
    let (ok, out) = emss(&["audit", "verify", file.to_str().unwrap()]);
    assert!(!ok && out.contains("--public-key"), "{out}");
    let entries = entry_lines(&original);
    assert!(entries.len() >= 10, "{} entries", entries.len());
    let middle = entries[entries.len() / 2];

    // One byte changed inside an entry.
    let mut l = original.clone();
    l[middle] = l[middle].replacen("\"outcome\":\"ok\"", "\"outcome\":\"ko\"", 1);
    if l[middle] == original[middle] {
        l[middle] = l[middle].replacen("\"outcome\":\"denied\"", "\"outcome\":\"denieD\"", 1);
    }
    let (ok, out) = verify(dir, "byte.jsonl", &l, &key);
    assert!(!ok && out.contains("内容被改动"), "one byte: {out}");

    // An entry deleted.
    let mut l = original.clone();
    l.remove(middle);
    let (ok, out) = verify(dir, "deleted.jsonl", &l, &key);
    assert!(!ok && out.contains("缺失或顺序被打乱"), "deleted: {out}");

    // Two entries swapped.
    let mut l = original.clone();
    l.swap(middle, middle + 1);
    let (ok, out) = verify(dir, "swapped.jsonl", &l, &key);
    assert!(!ok && out.contains("缺失或顺序被打乱"), "swapped: {out}");

    // The tail cut off (the checkpoints still claim the full size).
    let mut l = original.clone();
    let last = *entries.last().unwrap();
    l.remove(last);
    l.remove(last - 1);
    let (ok, out) = verify(dir, "truncated.jsonl", &l, &key);
    assert!(!ok && out.contains("被截断"), "truncated: {out}");

    // A forged entry with its own leaf hash recomputed: the chain breaks.
    let mut l = original.clone();
    let mut v: Value = serde_json::from_str(&l[middle]).unwrap();
    v["entry"]["action"] = json!("account.create");
    v["entry"]["detail"] = json!({"forged": true});
    let forged: Entry = serde_json::from_value(v["entry"].clone()).unwrap();
    v["leaf_hash"] = json!(hex::encode(forged.leaf_hash()));
    l[middle] = v.to_string();
    let (ok, out) = verify(dir, "forged.jsonl", &l, &key);
    assert!(!ok && out.contains("链哈希不符"), "forged: {out}");

    // The whole chain recomputed without the signing key: the signed roots no longer match.
    let mut l = original.clone();
    l[middle] = v.to_string();
    recompute_chain(&mut l);
    let (ok, out) = verify(dir, "rechained.jsonl", &l, &key);
    assert!(!ok && out.contains("根哈希不同"), "recomputed chain: {out}");

    // …and re-signed with another key, header and all: the trusted key catches it.
    let (other, _) = SoftwareSigner::generate().unwrap();
    let leaves: Vec<_> = l
        .iter()
        .filter(|x| x.starts_with("{\"entry\""))
        .map(|x| {
            let v: Value = serde_json::from_str(x).unwrap();
            serde_json::from_value::<Entry>(v["entry"].clone())
                .unwrap()
                .leaf_hash()
        })
        .collect();
    let mut resigned: Vec<String> = l
        .iter()
        .filter(|x| !x.starts_with("{\"checkpoint\""))
        .cloned()
        .collect();
    let mut header: Value = serde_json::from_str(&resigned[0]).unwrap();
    header["public_key"] = json!(hex::encode(other.public_key()));
    resigned[0] = header.to_string();
    let note = Checkpoint {
        origin: ORIGIN.into(),
        size: leaves.len() as u64,
        root: audit::root(&leaves),
    }
    .sign(&other)
    .unwrap();
    resigned.push(json!({"checkpoint": note}).to_string());
    let (ok, out) = verify(dir, "resigned.jsonl", &resigned, &key);
    assert!(!ok && out.contains("签名无效"), "another key: {out}");

    // Two checkpoints of the same size.
    let mut l = original.clone();
    let checkpoint = l
        .iter()
        .rfind(|x| x.starts_with("{\"checkpoint\""))
        .unwrap()
        .clone();
    l.push(checkpoint);
    let (ok, out) = verify(dir, "twice.jsonl", &l, &key);
    assert!(!ok && out.contains("两个大小同为"), "same size: {out}");

    // Every checkpoint stripped: the chain alone proves nothing, whoever recomputed it.
    let stripped: Vec<String> = original
        .iter()
        .filter(|x| !x.starts_with("{\"checkpoint\""))
        .cloned()
        .collect();
    let (ok, out) = verify(dir, "stripped.jsonl", &stripped, &key);
    assert!(
        !ok && out.contains("没有以给定公钥签名的检查点"),
        "stripped: {out}"
    );

    // An entry deleted (say a voiding), the rest renumbered and rechained, checkpoints stripped.
    let mut l = stripped.clone();
    l.remove(middle);
    renumber(&mut l);
    recompute_chain(&mut l);
    let (ok, out) = verify(dir, "deleted-rechained.jsonl", &l, &key);
    assert!(
        !ok && out.contains("没有以给定公钥签名的检查点"),
        "deleted and rechained: {out}"
    );

    // An entry appended after the newest checkpoint, correctly chained.
    let mut l = original.clone();
    let last = *entries.last().unwrap();
    let mut v: Value = serde_json::from_str(&l[last]).unwrap();
    v["entry"]["seq"] = json!(entries.len());
    v["entry"]["action"] = json!("record.approve");
    l.insert(last + 1, v.to_string());
    recompute_chain(&mut l);
    let (ok, out) = verify(dir, "appended.jsonl", &l, &key);
    assert!(
        !ok && out.contains("不在任何签名检查点之内"),
        "appended: {out}"
    );

    // Genuine checkpoints, but the verifier holds another key: nothing is accepted.
    let (ok, out) = verify(
        dir,
        "other-key.jsonl",
        &original,
        &hex::encode(other.public_key()),
    );
    assert!(
        !ok && out.contains("签名无效"),
        "checkpoints of another key: {out}"
    );

    // The stored log itself verifies.
    let report = emss_app::audit::verify_stored(&t.app).await.unwrap();
    assert_eq!(report.problem, None);
    assert!(report.entries >= 10 && report.checkpoints >= 2);
}

#[tokio::test]
async fn every_write_appends_exactly_one_entry_and_refusals_are_recorded() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_b").await.unwrap();
    let c = reqwest::Client::new();
    let before = audit_size(&t).await;
    let res = c
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&main)
        .json(&json!({"username": "writer1", "name": "写入", "roles": ["filer"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(audit_size(&t).await, before + 1);

    // A refused request leaves one "denied" entry and changes nothing else.
    let filer = t.token("filer_b").await.unwrap();
    let after_login = audit_size(&t).await;
    let res = c
        .get(t.url("/api/v1/accounts"))
        .bearer_auth(&filer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(audit_size(&t).await, after_login + 1);
    let rows = t
        .app
        .db()
        .conn
        .query_all_raw(Statement::from_string(
            t.app.db().conn.get_database_backend(),
            "SELECT action, outcome, actor_id, object_id FROM audit_entry ORDER BY seq",
        ))
        .await
        .unwrap();
    let last = rows.last().unwrap();
    assert_eq!(last.try_get_by_index::<String>(0).unwrap(), "authz.denied");
    assert_eq!(last.try_get_by_index::<String>(1).unwrap(), "denied");
    let create = rows
        .iter()
        .find(|r| {
            r.try_get_by_index::<String>(0).unwrap() == "account.create"
                && r.try_get_by_index::<Option<String>>(3).unwrap().as_deref() == Some(id.as_str())
        })
        .expect("the creation is in the log");
    assert!(
        create
            .try_get_by_index::<Option<String>>(2)
            .unwrap()
            .is_some(),
        "with its actor"
    );

    // A validation failure writes nothing and leaves no entry.
    let before = audit_size(&t).await;
    let res = c
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&main)
        .json(&json!({"username": "1bad", "name": "", "roles": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(audit_size(&t).await, before);
}

#[tokio::test]
async fn the_log_cannot_be_changed_or_deleted_in_the_database() {
    let t = TestApp::spawn().await.unwrap();
    assert!(audit_size(&t).await > 0);
    let db = &t.app.db().conn;
    let backend = db.get_database_backend();
    for sql in [
        "UPDATE audit_entry SET outcome = 'ok'",
        "DELETE FROM audit_entry",
        "UPDATE audit_entry SET detail = '{}' WHERE seq = 0",
    ] {
        let err = db
            .execute_raw(Statement::from_string(backend, sql))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    emss_app::audit::checkpoint(&t.app).await.unwrap();
    let err = db
        .execute_raw(Statement::from_string(
            backend,
            "DELETE FROM audit_checkpoint",
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
    if backend == sea_orm::DbBackend::Postgres {
        let err = db
            .execute_raw(Statement::from_string(backend, "TRUNCATE audit_entry"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"));
    }
    assert_eq!(
        emss_app::audit::verify_stored(&t.app)
            .await
            .unwrap()
            .problem,
        None
    );
}

#[tokio::test]
async fn the_audit_administrator_searches_exports_and_checks_the_log() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_a").await.unwrap();
    reqwest::Client::new()
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&main)
        .json(&json!({"username": "searched", "name": "被查", "roles": ["filer"]}))
        .send()
        .await
        .unwrap();
    let b = t.browser("auditadmin").await.unwrap();
    let html = b.page("/admin/audit?actor=agency_a").await.unwrap();
    assert!(html.contains("新建账户"));
    assert!(html.contains("agency_a（刘洋）"));
    assert!(!html.contains("sysadmin（"), "only the chosen actor");
    let me: Value = reqwest::Client::new()
        .get(t.url("/api/v1/me"))
        .bearer_auth(&main)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org = me["org_id"].as_str().unwrap();
    let html = b.page(&format!("/admin/audit?org={org}")).await.unwrap();
    assert!(html.contains("agency_a（刘洋）"));
    assert!(!html.contains("district_a（"), "only that organisation");
    let html = b.page("/admin/audit?outcome=denied").await.unwrap();
    assert!(html.contains("没有找到匹配的记录") || html.contains("拒绝"));

    let before = audit_size(&t).await;
    let csv = b
        .get("/admin/audit/export.csv?action=account.create")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("新建账户"));
    assert_eq!(
        audit_size(&t).await,
        before + 1,
        "the export itself is audited"
    );
    let html = b.page("/admin/audit?action=audit.export").await.unwrap();
    assert!(html.contains("导出审计日志"));
    assert!(
        html.contains("操作：新建账户"),
        "with the filter used, by its name"
    );

    emss_app::audit::checkpoint(&t.app).await.unwrap();
    let html = b.page("/admin/audit/integrity").await.unwrap();
    assert!(html.contains("校验通过"));
    assert!(html.contains(&hex::encode(t.app.signer().public_key())));

    // Nobody else reads the log.
    for other in ["sysadmin", "secadmin", "city"] {
        let res = t
            .browser(other)
            .await
            .unwrap()
            .get("/admin/audit")
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{other}");
    }
}

#[tokio::test]
async fn the_trail_shows_every_change_of_an_account() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_b").await.unwrap();
    let c = reqwest::Client::new();
    let created: Value = c
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&main)
        .json(&json!({"username": "trailed", "name": "留痕", "roles": ["filer"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    c.put(t.url(&format!("/api/v1/accounts/{id}/roles")))
        .bearer_auth(&main)
        .json(&json!({"roles": ["filer", "reviewer"]}))
        .send()
        .await
        .unwrap();
    c.put(t.url(&format!("/api/v1/accounts/{id}/enabled")))
        .bearer_auth(&main)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    let html = t
        .browser("agency_b")
        .await
        .unwrap()
        .page(&format!("/accounts/{id}"))
        .await
        .unwrap();
    assert!(html.contains("查看留痕"));
    let trail = &html[html.find("data-testid=\"trail\"").unwrap()..];
    let created_at = trail.find("新建账户").unwrap();
    let roles_at = trail.find("设置角色").unwrap();
    let disabled_at = trail.find("停用账户").unwrap();
    assert!(
        created_at < roles_at && roles_at < disabled_at,
        "oldest first"
    );
    assert!(trail.contains("agency_b（赵军）"));
    assert!(
        trail.contains("现场运维 → 现场运维、运维审核"),
        "the changed field"
    );
}

/// Valid resident ID numbers and mobile numbers in `text` (test design T15's patterns).
fn personal_numbers(text: &str, fixtures: &[&str]) -> Vec<String> {
    fixtures
        .iter()
        .filter(|f| text.contains(**f))
        .map(|f| f.to_string())
        .collect()
}

#[tokio::test]
async fn phone_numbers_are_encrypted_at_rest_and_revealed_once_with_an_audit_entry() {
    let t = TestApp::spawn().await.unwrap();
    let fixtures: Vec<&str> = emss_app::demo::phones().collect();
    let main = t.browser("agency_a").await.unwrap();
    let list = main.page("/accounts").await.unwrap();
    assert!(list.contains("139****0105"), "masked in lists");
    assert!(personal_numbers(&list, &fixtures).is_empty());

    // The database holds no phone number in the clear.
    let dump = match t.app.db().backend {
        emss_db::Backend::Sqlite => {
            sqlx_checkpoint(&t).await;
            let mut bytes = Vec::new();
            for f in ["emss.db", "emss.db-wal"] {
                if let Ok(b) = std::fs::read(t.data_dir.path().join(f)) {
                    bytes.extend(b);
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        emss_db::Backend::Postgres => {
            let out = Command::new("pg_dump")
                .arg(&t.database_url)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    assert!(dump.len() > 10_000, "the dump has content");
    assert_eq!(personal_numbers(&dump, &fixtures), Vec::<String>::new());

    // Revealing needs a reason and the viewer's password, and is audited exactly once.
    let id = {
        let one = main.page("/accounts?keyword=filer_a2").await.unwrap();
        let end = one.find("\">详情</a>").unwrap();
        one[end - 32..end].to_string()
    };
    let res = main
        .post_form(
            &format!("/accounts/{id}/reveal-phone"),
            &[("reason", ""), ("password", "x")],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("请填写查看原因") && html.contains("密码不正确"));
    assert!(personal_numbers(&html, &fixtures).is_empty());
    let before = audit_size(&t).await;
    let html = main
        .post_form(
            &format!("/accounts/{id}/reveal-phone"),
            &[
                ("reason", "核对联系方式"),
                ("password", emss_testkit::DEMO_PASSWORD),
            ],
        )
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        personal_numbers(&html, &fixtures).len(),
        1,
        "the full number, once"
    );
    assert_eq!(
        audit_size(&t).await,
        before + 1,
        "one audit entry per reveal"
    );
    let audit = t.browser("auditadmin").await.unwrap();
    let log = audit.page("/admin/audit?action=pi.reveal").await.unwrap();
    assert!(log.contains("核对联系方式"));
    assert!(
        personal_numbers(&log, &fixtures).is_empty(),
        "the log keeps no number"
    );

    // Another organisation's main account cannot reveal it.
    let other = t.token("agency_b").await.unwrap();
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/accounts/{id}/reveal-phone")))
        .bearer_auth(other)
        .json(&json!({"reason": "想看看", "password": emss_testkit::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Moves SQLite's write-ahead log into the database file, so the file holds everything.
async fn sqlx_checkpoint(t: &TestApp) {
    let db = &t.app.db().conn;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn rotating_the_data_key_re_encrypts_every_personal_value() {
    let t = TestApp::spawn().await.unwrap();
    let (key_id, count) = t.app.rotate_data_key().await.unwrap();
    // 19 account phones, 43 filing contact phones and the demo agencies' 14 staff ID numbers.
    assert_eq!(count, 19 + 43 + 14);
    for sql in [
        "SELECT DISTINCT phone_key FROM account WHERE phone_key IS NOT NULL",
        "SELECT DISTINCT contact_phone_key FROM filing",
        "SELECT DISTINCT id_number_key FROM agency_staff",
    ] {
        let rows = t
            .app
            .db()
            .conn
            .query_all_raw(Statement::from_string(
                t.app.db().conn.get_database_backend(),
                sql,
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{sql}");
        assert_eq!(
            rows[0].try_get_by_index::<String>(0).unwrap(),
            key_id,
            "{sql}"
        );
    }
    let token = t.token("sysadmin").await.unwrap();
    let list: Value = reqwest::Client::new()
        .get(t.url("/api/v1/accounts?keyword=filer_a2"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["items"][0]["id"].as_str().unwrap();
    let res: Value = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/accounts/{id}/reveal-phone")))
        .bearer_auth(&token)
        .json(&json!({"reason": "密钥轮换后核对", "password": emss_testkit::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["phone"], "13916000106");
}

#[tokio::test]
async fn a_rollback_is_caught_against_a_checkpoint_the_verifier_kept() {
    let (t, first, key) = exported().await;
    let dir = t.data_dir.path();
    create_accounts(&t, "later", 3).await;
    let second = export(&t, "second.jsonl");
    let older = lines(&first);
    let newer = lines(&second);
    assert!(entry_lines(&newer).len() > entry_lines(&older).len());

    // The newer export reaches what the earlier one proved.
    let (ok, out) = verify_file(&second, &key, &["--checkpoint", first.to_str().unwrap()]);
    assert!(ok && out.contains("没有被回滚或截断"), "{out}");

    // The newer log cut back to an older checkpoint, the newer checkpoints stripped: valid on its
    // own, caught by the checkpoint the verifier kept (here a bare note, as the integrity page
    // shows it).
    let newest_note: String = {
        let line = newer
            .iter()
            .rfind(|x| x.starts_with("{\"checkpoint\""))
            .unwrap();
        serde_json::from_str::<Value>(line).unwrap()["checkpoint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let kept = dir.join("kept.note");
    std::fs::write(&kept, &newest_note).unwrap();
    let (ok, out) = verify(dir, "rolled-back.jsonl", &older, &key);
    assert!(ok, "on its own the older log verifies: {out}");
    let rolled = dir.join("rolled-back.jsonl");
    let (ok, out) = verify_file(&rolled, &key, &["--checkpoint", kept.to_str().unwrap()]);
    assert!(!ok && out.contains("日志被回滚或截断"), "rollback: {out}");

    // A kept checkpoint of another key is refused, not ignored.
    let (other, _) = SoftwareSigner::generate().unwrap();
    let foreign = dir.join("foreign.note");
    std::fs::write(
        &foreign,
        Checkpoint {
            origin: ORIGIN.into(),
            size: 1,
            root: [0; 32],
        }
        .sign(&other)
        .unwrap(),
    )
    .unwrap();
    let (ok, out) = verify_file(&second, &key, &["--checkpoint", foreign.to_str().unwrap()]);
    assert!(!ok && out.contains("已持有的检查点无效"), "{out}");
}

/// Waits until the witness `w` holds a checkpoint of the log signed by `key` of at least `size`.
async fn witnessed(w: &TestApp, key: &[u8], size: u64) -> String {
    let url = emss_app::witness::checkpoint_url(&w.base, key);
    for _ in 0..200 {
        let res = reqwest::get(&url).await.unwrap();
        if res.status() == StatusCode::OK {
            let note = res.text().await.unwrap();
            let held: u64 = note.lines().nth(1).unwrap().parse().unwrap();
            if held >= size {
                return note;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the witness never held a checkpoint of {size} entries");
}

// Several threads: the `emss` command this test runs waits for the witness served in-process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_reach_the_witness_and_prove_an_export_was_not_rolled_back() {
    let (signer, secret) = SoftwareSigner::generate().unwrap();
    let key = signer.public_key();
    let witness = TestApp::spawn_with(emss_testkit::Options {
        witness_log_keys: vec![hex::encode(&key)],
        ..Default::default()
    })
    .await
    .unwrap();
    let log = TestApp::spawn_with(emss_testkit::Options {
        audit_signing_key: Some(hex::encode(secret)),
        checkpoints: Some((
            std::time::Duration::from_secs(1),
            Some(witness.base.clone()),
        )),
        ..Default::default()
    })
    .await
    .unwrap();

    // Each checkpoint the log signs reaches the witness, which keeps every one in order.
    create_accounts(&log, "w", 2).await;
    let size = audit_size(&log).await;
    witnessed(&witness, &key, size).await;
    create_accounts(&log, "x", 2).await;
    let size = audit_size(&log).await;
    let note = witnessed(&witness, &key, size).await;
    let held = Checkpoint::verify_note(&note, &key).unwrap();
    let rows = witness
        .app
        .db()
        .conn
        .query_all_raw(Statement::from_string(
            witness.app.db().conn.get_database_backend(),
            "SELECT size FROM witnessed_checkpoint ORDER BY size",
        ))
        .await
        .unwrap();
    assert!(rows.len() >= 2, "{} checkpoints held", rows.len());
    // …and records taking each in its own audit log.
    let taken = witness
        .app
        .db()
        .conn
        .query_all_raw(Statement::from_string(
            witness.app.db().conn.get_database_backend(),
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'witness.checkpoint'",
        ))
        .await
        .unwrap();
    assert_eq!(
        taken[0].try_get_by_index::<i64>(0).unwrap() as usize,
        rows.len()
    );

    // An export verified against the witness's copy.
    let file = export(&log, "witnessed.jsonl");
    let key_hex = hex::encode(&key);
    let (ok, out) = verify_file(&file, &key_hex, &["--witness", &witness.base]);
    assert!(ok && out.contains("见证服务器"), "{out}");

    // The export cut back below what the witness holds, newer checkpoints stripped.
    let l = lines(&file);
    let keep = (held.size / 2) as usize;
    let mut cut: Vec<String> = Vec::new();
    let mut seen = 0;
    for line in &l {
        if line.starts_with("{\"entry\"") {
            if seen < keep {
                cut.push(line.clone());
            }
            seen += 1;
        } else if !line.starts_with("{\"checkpoint\"") {
            cut.push(line.clone());
        }
    }
    let leaves: Vec<_> = cut
        .iter()
        .filter(|x| x.starts_with("{\"entry\""))
        .map(|x| {
            let v: Value = serde_json::from_str(x).unwrap();
            serde_json::from_value::<Entry>(v["entry"].clone())
                .unwrap()
                .leaf_hash()
        })
        .collect();
    // Signed by the real key (an insider with the key rolling back): still caught.
    cut.push(
        json!({"checkpoint": Checkpoint {
            origin: ORIGIN.into(),
            size: leaves.len() as u64,
            root: audit::root(&leaves),
        }
        .sign(&signer)
        .unwrap()})
        .to_string(),
    );
    let rolled = log.data_dir.path().join("rolled.jsonl");
    std::fs::write(&rolled, cut.join("\n") + "\n").unwrap();
    let (ok, out) = verify_file(&rolled, &key_hex, &[]);
    assert!(ok, "on its own the cut log verifies: {out}");
    let (ok, out) = verify_file(&rolled, &key_hex, &["--witness", &witness.base]);
    assert!(!ok && out.contains("日志被回滚或截断"), "rollback: {out}");

    // The witness takes nothing it cannot check.
    let c = reqwest::Client::new();
    let (stranger, _) = SoftwareSigner::generate().unwrap();
    let foreign = Checkpoint {
        origin: ORIGIN.into(),
        size: held.size + 1,
        root: [7; 32],
    }
    .sign(&stranger)
    .unwrap();
    let res = c
        .post(witness.url("/witness/add-checkpoint"))
        .body(format!("old {}\n\n{foreign}", held.size))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A genuine checkpoint claimed from the wrong starting point: told what is held.
    let res = c
        .post(witness.url("/witness/add-checkpoint"))
        .body(format!("old 1\n\n{note}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let told: u64 = res.text().await.unwrap().trim().parse().unwrap();
    assert!(told >= held.size);
    // A forged extension signed with the log's key but unrelated to what is held (the log may
    // push meanwhile: then the witness names its new size and the forgery is sent again).
    let mut told = told;
    let mut status = StatusCode::CONFLICT;
    for _ in 0..5 {
        let forged = Checkpoint {
            origin: ORIGIN.into(),
            size: told + 5,
            root: [9; 32],
        }
        .sign(&signer)
        .unwrap();
        let res = c
            .post(witness.url("/witness/add-checkpoint"))
            .body(format!("old {told}\n{}\n\n{forged}", "A".repeat(43) + "="))
            .send()
            .await
            .unwrap();
        status = res.status();
        if status != StatusCode::CONFLICT {
            break;
        }
        told = res.text().await.unwrap().trim().parse().unwrap();
    }
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
