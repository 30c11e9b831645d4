//! Connections: a client slow to send its request head, or idle after one, is disconnected while
//! others are served; an oversized head is answered 431; no more sockets are open than the cap;
//! and the client's address is taken from forwarding headers only when a trusted proxy sent them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{Options, TestApp};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn limits(max_connections: usize) -> Options {
    Options {
        serve: Some(emss_web::ServeSettings {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(30),
            max_connections,
        }),
        ..Options::default()
    }
}

fn address(t: &TestApp) -> String {
    t.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (or 20 s pass: then the test fails); returns
/// what was read.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return got,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open"),
        }
    }
}

#[tokio::test]
async fn a_slow_or_idle_client_is_disconnected_while_others_are_served() {
    let t = TestApp::spawn_with(limits(64)).await.unwrap();
    // Half a request head, never finished.
    let mut slow = TcpStream::connect(address(&t)).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: emss\r\nX-Slow: ")
        .await
        .unwrap();
    // Meanwhile everyone else is served.
    for _ in 0..3 {
        let res = reqwest::get(t.url("/healthz")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    until_closed(&mut slow).await;

    // Cleartext HTTP/2 is not spoken: its preface is refused, not held open.
    let mut h2 = TcpStream::connect(address(&t)).await.unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    until_closed(&mut h2).await;

    // A kept-alive connection that asks nothing more is closed too.
    let mut idle = TcpStream::connect(address(&t)).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: emss\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut idle).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "the request itself was answered"
    );
}

#[tokio::test]
async fn a_request_head_over_16_kib_is_answered_431() {
    let t = TestApp::spawn_with(limits(64)).await.unwrap();
    let c = reqwest::Client::new();
    let res = c
        .get(t.url("/healthz"))
        .header("x-padding", "a".repeat(12 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "12 KiB of headers are fine");
    let res = c
        .get(t.url("/healthz"))
        .header("x-padding", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    // Many small headers add up the same way.
    let mut raw = TcpStream::connect(address(&t)).await.unwrap();
    let mut head = String::from("GET /healthz HTTP/1.1\r\nHost: emss\r\n");
    for i in 0..400 {
        head.push_str(&format!("x-h{i}: {}\r\n", "b".repeat(60)));
    }
    head.push_str("\r\n");
    raw.write_all(head.as_bytes()).await.unwrap();
    let answer = until_closed(&mut raw).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn no_more_sockets_are_open_than_the_cap() {
    let t = TestApp::spawn_with(Options {
        serve: Some(emss_web::ServeSettings {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 2,
        }),
        ..Options::default()
    })
    .await
    .unwrap();
    let first = TcpStream::connect(address(&t)).await.unwrap();
    let second = TcpStream::connect(address(&t)).await.unwrap();
    // Both slots taken by silent sockets: a third client waits in the listen queue…
    let waiting = tokio::spawn(reqwest::get(t.url("/healthz")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "served beyond the cap");
    // …and is served as soon as one closes.
    drop(first);
    let res = tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("served once a slot was free")
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    drop(second);
}

/// The address the audit log gave the newest refused login.
async fn logged_address(t: &TestApp) -> String {
    let db = &t.app.db().conn;
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT ip FROM audit_entry WHERE action = 'auth.login' ORDER BY seq DESC",
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<String>(0)
    .unwrap()
}

async fn refused_login(t: &TestApp, forwarded: &[(&str, &str)]) {
    let mut req = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "filer_a", "password": "not-the-password"}));
    for (k, v) in forwarded {
        req = req.header(*k, *v);
    }
    assert_eq!(req.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forwarding_headers_are_believed_only_from_a_trusted_proxy() {
    // Behind the proxy (here: loopback is the proxy).
    let behind = TestApp::spawn_with(Options {
        trusted_proxies: vec!["127.0.0.1/32".into(), "::1".into()],
        ..Options::default()
    })
    .await
    .unwrap();
    refused_login(&behind, &[("x-forwarded-for", "203.0.113.7")]).await;
    assert_eq!(logged_address(&behind).await, "203.0.113.7");
    // The header the proxy does not write is not read, even from the proxy.
    refused_login(
        &behind,
        &[
            ("forwarded", "for=198.51.100.20;proto=https"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(logged_address(&behind).await, "203.0.113.9");
    // A client's own claim left of the proxy's entry is not believed.
    refused_login(&behind, &[("x-forwarded-for", "10.10.10.10, 203.0.113.8")]).await;
    assert_eq!(logged_address(&behind).await, "203.0.113.8");

    // Proxies that write RFC 7239.
    let rfc = TestApp::spawn_with(Options {
        trusted_proxies: vec!["127.0.0.1/32".into(), "::1".into()],
        trusted_proxy_header: emss_web::ForwardedHeader::Forwarded,
        ..Options::default()
    })
    .await
    .unwrap();
    refused_login(&rfc, &[("forwarded", "for=198.51.100.20;proto=https")]).await;
    assert_eq!(logged_address(&rfc).await, "198.51.100.20");

    // No trusted proxy: a forged header changes nothing.
    let direct = TestApp::spawn().await.unwrap();
    refused_login(&direct, &[("x-forwarded-for", "203.0.113.7")]).await;
    assert_eq!(logged_address(&direct).await, "127.0.0.1");
}
