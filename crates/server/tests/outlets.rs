//! Outlets and instruments through the API: the checks on every write, who sees which outlet, and
//! the all-or-nothing import from CSV and XLSX.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn call(
    t: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method, t.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn upload(
    t: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/outlets/import"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn outlet(name: &str, lat: &str) -> Value {
    json!({"kind": "wastewater", "name": name, "address": "上海市浦东新区张江路 1 号",
        "latitude": lat, "longitude": "121.60", "parameters": ["化学需氧量", "氨氮"]})
}

fn instrument(lower: &str, upper: &str) -> Value {
    json!({"parameter": "氨氮", "maker": "哈希", "model": "Amtax sc", "serial_no": "AM2024-17",
        "range_lower": lower, "range_upper": upper, "unit": "mg/L", "installed_on": "2024-03-01"})
}

async fn count(t: &TestApp, token: &str) -> u64 {
    let (_, page) = call(t, reqwest::Method::GET, token, "/api/v1/outlets", None).await;
    page["total"].as_u64().unwrap()
}

#[tokio::test]
async fn outlets_and_instruments_are_checked_and_scoped() {
    let t = TestApp::spawn().await.unwrap();
    let ent = t.token("ent_a").await.unwrap();
    let (status, err) = call(
        &t,
        reqwest::Method::POST,
        &ent,
        "/api/v1/outlets",
        Some(outlet("DW-002 雨水排口", "39.90")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["latitude"],
        "纬度不在上海市范围内（30.6–31.9）"
    );
    let (status, created) = call(
        &t,
        reqwest::Method::POST,
        &ent,
        "/api/v1/outlets",
        Some(outlet("DW-002 雨水排口", "31.2051")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["latitude"], "31.2051");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, err) = call(
        &t,
        reqwest::Method::POST,
        &ent,
        "/api/v1/outlets",
        Some(outlet("DW-002 雨水排口", "31.2051")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["name"], "本企业已有同名排口");

    let path = format!("/api/v1/outlets/{id}/instruments");
    for (lower, upper) in [("50", "50"), ("60", "50")] {
        let (status, err) = call(
            &t,
            reqwest::Method::POST,
            &ent,
            &path,
            Some(instrument(lower, upper)),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["fields"]["range_upper"], "量程上限须大于量程下限");
    }
    let mut gas = instrument("0", "200");
    gas["parameter"] = json!("二氧化硫");
    let (_, err) = call(&t, reqwest::Method::POST, &ent, &path, Some(gas)).await;
    assert_eq!(err["fields"]["parameter"], "请选择废水排口的监测参数");
    let (status, added) = call(
        &t,
        reqwest::Method::POST,
        &ent,
        &path,
        Some(instrument("0", "50")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let (_, list) = call(&t, reqwest::Method::GET, &ent, &path, None).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["range_upper"], "50");
    // The kind cannot change under instruments of the other kind.
    let mut gas_outlet = outlet("DW-002 雨水排口", "31.2051");
    gas_outlet["kind"] = json!("flue_gas");
    gas_outlet["parameters"] = json!(["二氧化硫"]);
    let (status, err) = call(
        &t,
        reqwest::Method::PUT,
        &ent,
        &format!("/api/v1/outlets/{id}"),
        Some(gas_outlet),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["kind"], "排口已有监测仪器，不能改变排口类型");

    // ent_a is in 浦东新区: its district regulator and the city see the outlet; others do not.
    for (user, visible) in [
        ("district_a", true),
        ("city", true),
        ("district_b", false),
        ("ent_b", false),
        ("filer_a", false),
        ("sysadmin", false),
    ] {
        let token = t.token(user).await.unwrap();
        let (status, _) = call(&t, reqwest::Method::GET, &token, &path, None).await;
        assert_eq!(status == StatusCode::OK, visible, "{user}: {status}");
    }
    let ent_b = t.token("ent_b").await.unwrap();
    let (status, _) = call(
        &t,
        reqwest::Method::POST,
        &ent_b,
        &path,
        Some(instrument("0", "50")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another enterprise cannot add instruments here"
    );
}

const HEADER: &str = "排口名称,排口类型,排口地址,纬度,经度,监测参数,仪器监测参数,生产厂家,规格型号,出厂编号,测量原理,量程下限,量程上限,计量单位,安装日期";

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from("\u{feff}");
    text.push_str(HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.into_bytes()
}

const GOOD: [&str; 4] = [
    "DW-101 废水排口,废水,上海市浦东新区川沙路 1 号,31.19,121.70,化学需氧量、氨氮,化学需氧量,哈希,CODmax III,C101,,0,500,mg/L,2024-01-05",
    "DW-101 废水排口,废水,上海市浦东新区川沙路 1 号,31.19,121.70,化学需氧量、氨氮,氨氮,哈希,Amtax sc,A101,,0,50,mg/L,2024-01-05",
    "FQ-101 锅炉排口,废气,上海市浦东新区川沙路 1 号,31.19,121.70,二氧化硫、氮氧化物,二氧化硫,聚光科技,CEMS-2000,S101,完全抽取法,0,200,mg/m³,2024-02-01",
    "FQ-102 备用排口,废气,上海市浦东新区川沙路 1 号,31.19,121.70,颗粒物,,,,,,,,,",
];

#[tokio::test]
async fn an_import_with_two_bad_rows_imports_nothing_and_names_both() {
    let t = TestApp::spawn().await.unwrap();
    let ent = t.token("ent_a").await.unwrap();
    let before = count(&t, &ent).await;
    let mut rows = GOOD.to_vec();
    rows.insert(
        1,
        "DW-103 排口,废水,上海市浦东新区,39.90,121.70,氨氮,,,,,,,,,",
    );
    rows.push("FQ-103 排口,废气,上海市浦东新区,31.19,121.70,二氧化硫,二氧化硫,聚光科技,CEMS-2000,S103,完全抽取法,300,200,mg/m³,2024-02-01");
    let (status, err) = upload(&t, &ent, csv(&rows), "text/csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let fields = err["fields"].as_object().unwrap();
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(
        err["fields"]["rows[3].latitude"],
        "第 3 行“纬度”：纬度不在上海市范围内（30.6–31.9）"
    );
    assert_eq!(
        err["fields"]["rows[7].range_upper"],
        "第 7 行“量程上限”：量程上限须大于量程下限"
    );
    assert_eq!(count(&t, &ent).await, before, "nothing imported");

    // Wrong columns are named.
    let (status, err) = upload(
        &t,
        &ent,
        "排口名称,类型\nA,废水\n".as_bytes().to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = err["fields"]["file"].as_str().unwrap();
    assert!(
        message.contains("缺少列：排口类型") && message.contains("无法识别的列：类型"),
        "{message}"
    );

    let (status, done) = upload(&t, &ent, csv(&GOOD), "text/csv").await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(
        (done["outlets"].as_u64(), done["instruments"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(count(&t, &ent).await, before + 3);
    // The same file again: the outlets exist now, so nothing is imported twice.
    let (status, err) = upload(&t, &ent, csv(&GOOD), "text/csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["rows[2].name"],
        "第 2 行“排口名称”：本企业已有同名排口"
    );
    assert_eq!(count(&t, &ent).await, before + 3);
    // Only the enterprise administrator imports.
    let filer = t.token("filer_a").await.unwrap();
    let (status, _) = upload(&t, &filer, csv(&GOOD), "text/csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            // Numbers as numbers, as Excel users type them.
            match value.parse::<f64>() {
                Ok(n) if !value.is_empty() && !value.contains('-') => {
                    sheet.write_number(r as u32, c as u16, n).map(|_| ())
                }
                _ => sheet.write_string(r as u32, c as u16, *value).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_xlsx_import_reads_numbers_and_names_bad_rows() {
    let t = TestApp::spawn().await.unwrap();
    let ent = t.token("ent_b").await.unwrap();
    let before = count(&t, &ent).await;
    let header: Vec<&str> = HEADER.split(',').collect();
    let row = |s: &'static str| -> Vec<&'static str> { s.split(',').collect() };
    let good = xlsx(&[header.clone(), row(GOOD[0]), row(GOOD[1])]);
    let bad = xlsx(&[
        header.clone(),
        row(GOOD[0]),
        row("DW-109 排口,污水,上海市,31.1,121.4,氨氮,,,,,,,,,"),
        row(GOOD[1]),
    ]);
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let (status, err) = upload(&t, &ent, bad, mime).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["rows[3].kind"],
        "第 3 行“排口类型”：排口类型只能是废水或废气"
    );
    assert_eq!(count(&t, &ent).await, before);
    let (status, done) = upload(&t, &ent, good, mime).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(
        (done["outlets"].as_u64(), done["instruments"].as_u64()),
        (Some(1), Some(2))
    );
    let (_, page) = call(
        &t,
        reqwest::Method::GET,
        &ent,
        "/api/v1/outlets?page_size=100",
        None,
    )
    .await;
    let imported = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "DW-101 废水排口")
        .unwrap();
    assert_eq!(
        (
            imported["latitude"].as_str(),
            imported["longitude"].as_str()
        ),
        (Some("31.19"), Some("121.7"))
    );

    // A sheet that names a far-away cell is refused before it is laid out in memory.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "排口名称").unwrap();
    sheet.write_string(1_000_000, 16_000, "x").unwrap();
    let (status, err) = upload(&t, &ent, book.save_to_buffer().unwrap(), mime).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["file"], "表格超过 5000 行，请分批导入");
}

/// 排口管理 on the pages: the enterprise adds an outlet and an instrument (bad coordinates and a
/// bad range come back next to their fields, with what was typed), imports a file with two bad
/// rows (both named, nothing imported); regulators read, another district does not.
#[tokio::test]
async fn the_enterprise_keeps_its_outlets_on_the_pages() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("ent_a").await.unwrap();
    let list = b.page("/outlets").await.unwrap();
    assert!(list.contains("新增排口") && list.contains("导入排口及仪器"));

    let mut fields = vec![
        ("kind", "wastewater"),
        ("name", "DW-201 页面测试排口"),
        ("address", "上海市浦东新区张江路 201 号"),
        ("latitude", "39.90"),
        ("longitude", "121.60"),
        ("parameters", "化学需氧量"),
        ("parameters", "氨氮"),
    ];
    let res = b.post_form("/outlets", &fields).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("纬度不在上海市范围内"), "{html}");
    assert!(html.contains("DW-201 页面测试排口"), "what was typed stays");
    fields[3] = ("latitude", "31.2010");
    let res = b.post_form("/outlets", &fields).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let at = res.headers()["location"].to_str().unwrap().to_string();
    let outlet_path = at.split('?').next().unwrap().to_string();
    assert!(b.page(&at).await.unwrap().contains("排口已新增"));

    let mut instrument = vec![
        ("parameter", "氨氮"),
        ("maker", "哈希"),
        ("model", "Amtax sc"),
        ("serial_no", "AM-201"),
        ("range_lower", "10"),
        ("range_upper", "1"),
        ("unit", "mg/L"),
        ("installed_on", "2024-03-01"),
    ];
    let res = b
        .post_form(&format!("{outlet_path}/instruments"), &instrument)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("量程上限须大于量程下限"));
    instrument[5] = ("range_upper", "100");
    let res = b
        .post_form(&format!("{outlet_path}/instruments"), &instrument)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = b.page(&outlet_path).await.unwrap();
    assert!(
        page.contains("AM-201") && page.contains("10 – 100 mg/L"),
        "{page}"
    );

    // The import page names both bad rows and imports nothing.
    let before = b.page("/outlets").await.unwrap().matches("详情").count();
    let mut rows = GOOD.to_vec();
    rows.insert(
        1,
        "DW-103 排口,废水,上海市浦东新区,39.90,121.70,氨氮,,,,,,,,,",
    );
    rows.push("FQ-103 排口,废气,上海市浦东新区,31.19,121.70,二氧化硫,二氧化硫,聚光科技,CEMS-2000,S103,完全抽取法,300,200,mg/m³,2024-02-01");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", b.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv(&rows)).file_name("排口.csv"),
        );
    let res = b
        .client
        .post(b.url("/outlets/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("第 3 行“纬度”：纬度不在上海市范围内（30.6–31.9）"),
        "{html}"
    );
    assert!(html.contains("第 7 行“量程上限”：量程上限须大于量程下限"));
    assert_eq!(
        b.page("/outlets").await.unwrap().matches("详情").count(),
        before
    );
    // Without the anti-CSRF token an upload is refused; so is a multipart body sent to a route
    // that does not take files (its token would never be read).
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv(&GOOD)).file_name("排口.csv"),
    );
    let res = b
        .client
        .post(b.url("/outlets/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let form = reqwest::multipart::Form::new()
        .text("_csrf", b.csrf.clone())
        .text("name", "DW-999 跨站排口");
    let res = b
        .client
        .post(b.url(&outlet_path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Regulators read; the district without this enterprise does not.
    let district = t.browser("district_a").await.unwrap();
    let list = district.page("/outlets").await.unwrap();
    assert!(list.contains("DW-201 页面测试排口") && !list.contains("新增排口"));
    assert!(
        district
            .page(&outlet_path)
            .await
            .unwrap()
            .contains("AM-201")
    );
    let other = t.browser("district_b").await.unwrap();
    assert_eq!(
        other.get(&outlet_path).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_enterprise_keeps_its_emission_limits_and_regulators_read_them() {
    let t = TestApp::spawn().await.unwrap();
    let ent = t.token("ent_a").await.unwrap();
    let outlet = t.outlet_of("ent_a", "flue_gas").await.unwrap();
    let id = outlet["id"].as_str().unwrap();
    let parameter = outlet["parameters"][0].as_str().unwrap().to_string();
    let path = format!("/api/v1/outlets/{id}/emission-limits");
    // Every field is checked, and named in Chinese; a pollutant the outlet does not monitor is
    // refused.
    let (status, refused) = call(
        &t,
        reqwest::Method::PUT,
        &ent,
        &path,
        Some(json!({"parameter": "氨氮", "value": "-5", "unit": "", "source": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    for field in ["parameter", "value", "unit", "source"] {
        assert!(refused["fields"][field].is_string(), "{field}: {refused}");
    }
    for (value, expected) in [("100", "100"), ("80.50", "80.5")] {
        let (status, set) = call(
            &t,
            reqwest::Method::PUT,
            &ent,
            &path,
            Some(
                json!({"parameter": parameter, "value": value, "unit": "mg/m³",
                "source": "排污许可证 91310115MA1K000000001P"}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{set}");
        // Setting it again replaces it.
        let items = set["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{set}");
        assert_eq!(items[0]["value"], expected);
    }
    // The district regulator reads them; another enterprise and another agency's staff do not.
    let district = t.token("district_a").await.unwrap();
    let (status, read) = call(&t, reqwest::Method::GET, &district, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["items"][0]["parameter"], parameter.as_str());
    let other = t.token("ent_b").await.unwrap();
    let (status, _) = call(&t, reqwest::Method::GET, &other, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &t,
        reqwest::Method::PUT,
        &other,
        &path,
        Some(json!({"parameter": parameter, "value": "1", "unit": "mg/m³", "source": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
