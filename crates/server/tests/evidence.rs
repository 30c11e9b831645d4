//! Evidence images through the API (T7, the part that stands without records; the malware scan
//! of documents is in malware_scan.rs): judged by content, decoded under limits, stored
//! re-encoded — no EXIF, no trailing payload — and seen only by the uploader until a record
//! carries it, every view audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use image::{ImageFormat, Rgb, RgbImage};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Cursor;

fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            ((x * 255) / w) as u8,
            ((y * 255) / h) as u8,
            ((x / 40 + y / 40) % 2 * 200) as u8,
        ])
    })
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(
    t: &TestApp,
    token: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    t.upload(
        token,
        "/api/v1/attachments",
        &[("kind", kind)],
        Some((name, bytes)),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn photos_are_stored_as_pixels_only_and_seen_by_their_organisation() {
    let t = TestApp::spawn().await.unwrap();
    let filer = t.token("filer_a").await.unwrap();

    // A photo carrying GPS in its EXIF and a zip archive after its end: a polyglot.
    let mut bytes = jpeg(&picture(800, 600));
    let exif = b"\xFF\xE1\x00\x14Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08GPS!";
    bytes.splice(2..2, exif.iter().copied());
    bytes.extend_from_slice(b"PK\x03\x04hidden.exe");
    let (status, a) = upload(&t, &filer, "work_photo", "../../etc/passwd.jpg", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["width"].as_i64(), a["height"].as_i64()),
        (Some(800), Some(600))
    );
    assert_eq!(a["content_type"], "image/jpeg");
    let id = a["id"].as_str().unwrap();

    let path = t.url(&format!("/api/v1/attachments/{id}"));
    let res = reqwest::Client::new()
        .get(&path)
        .bearer_auth(&filer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("work_photo.jpg") && !disposition.contains("passwd"),
        "{disposition}"
    );
    let stored = res.bytes().await.unwrap();
    assert!(!stored.windows(4).any(|w| w == b"Exif"), "EXIF kept");
    assert!(
        !stored.windows(4).any(|w| w == b"PK\x03\x04"),
        "payload kept"
    );
    assert_eq!(&stored[..3], &[0xFF, 0xD8, 0xFF]);

    // Until a record carries it, nobody else sees it — not even a colleague.
    for other in ["filer_a2", "reviewer_a", "filer_b", "ent_a", "district_a"] {
        let token = t.token(other).await.unwrap();
        let res = reqwest::Client::new()
            .get(&path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{other}");
    }
    // The view of a face photo is on record beside the upload.
    let trail = emss_db::repo::audit::trail(&t.app.db().conn, "evidence", id)
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["evidence.upload", "evidence.view"]);
}

#[tokio::test]
async fn what_is_not_a_usable_picture_is_refused_by_its_field() {
    let t = TestApp::spawn().await.unwrap();
    let filer = t.token("filer_a").await.unwrap();
    let refused = |v: &Value| v["fields"]["file"].as_str().unwrap_or_default().to_string();

    // A pixel flood: a real PNG whose header claims 50 000 × 50 000.
    let mut flood = png(&picture(8, 8));
    flood[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    flood[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let crc = crc32fast::hash(&flood[12..29]);
    flood[29..33].copy_from_slice(&crc.to_be_bytes());
    let (status, err) = upload(&t, &filer, "evidence_photo", "a.png", flood).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused(&err), "照片像素过大（不能超过 4000 万像素）");

    let whole = jpeg(&picture(800, 600));
    let (_, err) = upload(
        &t,
        &filer,
        "work_photo",
        "a.jpg",
        whole[..whole.len() / 2].to_vec(),
    )
    .await;
    assert_eq!(refused(&err), "图片已损坏或不完整，请重新拍摄");
    let (_, err) = upload(&t, &filer, "signature", "签名.jpg", whole.clone()).await;
    assert_eq!(refused(&err), "签名须为 PNG 图片");
    let (_, err) = upload(
        &t,
        &filer,
        "work_photo",
        "photo.jpg",
        b"MZ\x90\x00 program".to_vec(),
    )
    .await;
    assert_eq!(refused(&err), "只能上传 JPG 或 PNG 照片");
    let (_, err) = upload(
        &t,
        &filer,
        "work_photo",
        "thumb.jpg",
        jpeg(&picture(320, 240)),
    )
    .await;
    assert_eq!(
        refused(&err),
        "照片太小（短边至少 480 像素），请用相机重新拍摄"
    );
    let (status, err) = upload(&t, &filer, "selfie", "a.jpg", whole).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["kind"],
        "附件类型只能是工作照、现场照片或签名"
    );
    // A regulator does not upload evidence.
    let city = t.token("city").await.unwrap();
    let (status, _) = upload(&t, &city, "work_photo", "a.jpg", jpeg(&picture(800, 600))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_retried_upload_with_its_key_is_stored_once() {
    let t = TestApp::spawn().await.unwrap();
    let filer = t.token("filer_a").await.unwrap();
    let send = |key: &'static str, kind: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("kind", kind).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("p.jpg"),
        );
        reqwest::Client::new()
            .post(t.url("/api/v1/attachments"))
            .bearer_auth(&filer)
            .header("Idempotency-Key", key)
            .multipart(form)
            .send()
    };
    let key = "5f0c3a1e-7b2d-4c8e-9a61-2d4f8b0e3c77";
    let photo = jpeg(&picture(800, 600));
    let first = send(key, "work_photo", photo.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    // The network dropped the answer; the phone sends the same again.
    let again = send(key, "work_photo", photo).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let uploads = emss_db::repo::audit::search(
        &t.app.db().conn,
        &emss_db::repo::audit::AuditFilter {
            action: Some("evidence.upload".into()),
            ..Default::default()
        },
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(uploads.total, 1, "stored once");

    // A refused request frees its key: corrected, it goes through.
    let bad_key = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
    let refused = send(bad_key, "work_photo", b"not a picture".to_vec())
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fixed = send(bad_key, "work_photo", jpeg(&picture(640, 480)))
        .await
        .unwrap();
    assert_eq!(fixed.status(), StatusCode::CREATED);
    let bad = send("no", "work_photo", jpeg(&picture(640, 480)))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_rest_of_the_upload_abuse_suite() {
    let t = TestApp::spawn().await.unwrap();
    let filer = t.token("filer_a").await.unwrap();
    let refused = |v: &Value| v["fields"]["file"].as_str().unwrap_or_default().to_string();

    // Script in an SVG, and HTML in front of a picture's bytes: neither is a photo.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><p>x</p></body></foreignObject></svg>"#;
    let (status, err) = upload(&t, &filer, "work_photo", "a.svg", svg.to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused(&err), "只能上传 JPG 或 PNG 照片");
    let mut html_first = b"<html><script>alert(1)</script></html>".to_vec();
    html_first.extend(jpeg(&picture(800, 600)));
    let (_, err) = upload(&t, &filer, "work_photo", "a.gif", html_first).await;
    assert_eq!(refused(&err), "只能上传 JPG 或 PNG 照片");

    // A line break in a part's file name breaks the multipart header itself: the request is
    // refused whole, nothing stored.
    let (status, err) = upload(
        &t,
        &filer,
        "work_photo",
        "x.jpg\r\nX-Injected: y",
        jpeg(&picture(800, 600)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["message"], "请求格式有误，请检查后重试");

    // Other hostile names change nothing: the picture is stored and served under a name of its
    // kind, in a well-formed header.
    let long = format!("{}.jpg", "长".repeat(300));
    for (i, name) in ["\u{202e}gpj.exe", long.as_str()].into_iter().enumerate() {
        let photo = jpeg(&picture(800 + i as u32 * 8, 600));
        let (status, a) = upload(&t, &filer, "work_photo", name, photo).await;
        assert_eq!(status, StatusCode::CREATED, "{name:?}: {a}");
        let res = reqwest::Client::new()
            .get(t.url(&format!(
                "/api/v1/attachments/{}",
                a["id"].as_str().unwrap()
            )))
            .bearer_auth(&filer)
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("x-injected").is_none());
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let disposition = res.headers()["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(disposition.contains("work_photo.jpg"), "{disposition}");
    }

    // Exactly 10 MB is taken (the padding after the picture is dropped); one byte more is not.
    let mut at_limit = jpeg(&picture(1024, 768));
    at_limit.resize(10 * 1024 * 1024, 0);
    let (status, a) = upload(&t, &filer, "evidence_photo", "a.jpg", at_limit.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert!(
        a["size"].as_i64().unwrap() < 1024 * 1024,
        "stored re-encoded"
    );
    at_limit.push(0);
    let (status, err) = upload(&t, &filer, "evidence_photo", "a.jpg", at_limit).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused(&err), "照片不能超过 10 MB");
}
