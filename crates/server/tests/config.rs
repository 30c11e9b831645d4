//! Bad configuration gets one clear line naming the problem and a non-zero exit: never a panic or
//! a stack trace. The binary is run as an operator would run it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};
use std::time::Duration;

fn emss(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emss"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("EMSS_") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that does not fail within the limit is stopped; the test then fails on its output.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

/// Fails unless the command exited non-zero with exactly one error line that says `expected`.
fn assert_one_clear_line(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, stderr: {stderr}");
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("emss: 错误："))
        .collect();
    assert_eq!(errors.len(), 1, "stderr: {stderr}");
    assert!(
        errors[0].contains(expected),
        "{:?} does not say {expected:?}",
        errors[0]
    );
}

#[test]
fn malformed_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = emss(
        dir.path(),
        &["migrate"],
        &[("DATABASE_URL", "mysql://root@localhost/emss")],
    );
    assert_one_clear_line(&out, "数据库地址无效");
    let out = emss(
        dir.path(),
        &["migrate"],
        &[("EMSS_DATABASE_URL", "postgres://u@h:notaport/db")],
    );
    assert_one_clear_line(&out, "数据库地址无效");
}

#[test]
fn unreachable_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let out = emss(
        dir.path(),
        &["migrate"],
        &[
            ("DATABASE_URL", "postgres://emss:secret-pw@127.0.0.1:1/emss"),
            ("EMSS_DB_CONNECT_TIMEOUT_SECONDS", "2"),
        ],
    );
    assert_one_clear_line(&out, "无法连接 PostgreSQL（127.0.0.1:1/emss）");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("secret-pw"),
        "no password in output"
    );
}

#[test]
fn unwritable_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-file"), b"x").unwrap();
    let out = emss(
        dir.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            "a-file/data",
        ],
        &[],
    );
    assert_one_clear_line(&out, "数据目录 a-file/data 不可用");
}

#[test]
fn port_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = emss(dir.path(), &["serve", "--listen", &addr], &[]);
    assert_one_clear_line(&out, "端口已被占用");
}

#[test]
fn broken_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("emss.toml"),
        "listen = \"127.0.0.1:8080\"\ndb_pool_size = \"many\"\n",
    )
    .unwrap();
    let out = emss(dir.path(), &["migrate"], &[]);
    assert_one_clear_line(&out, "db_pool_size");

    std::fs::write(dir.path().join("emss.toml"), "listen = [unclosed\n").unwrap();
    let out = emss(dir.path(), &["migrate"], &[]);
    assert_one_clear_line(&out, "配置有误");

    std::fs::write(dir.path().join("emss.toml"), "lisen = \"127.0.0.1:8080\"\n").unwrap();
    let out = emss(dir.path(), &["migrate"], &[]);
    assert_one_clear_line(&out, "lisen");

    let out = emss(dir.path(), &["--config", "missing.toml", "migrate"], &[]);
    assert_one_clear_line(&out, "配置文件 missing.toml 不存在");
}

#[test]
fn bad_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    let out = emss(dir.path(), &["serve"], &[("EMSS_LISTEN", "localhost")]);
    assert_one_clear_line(&out, "监听地址无效");
}

#[test]
fn migrate_on_a_fresh_folder_creates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = emss(dir.path(), &["migrate"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("数据库迁移完成（SQLite）"));
    assert!(dir.path().join("data/emss.db").is_file());
    let again = emss(dir.path(), &["migrate"], &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("本次应用 0 个迁移"));
}
