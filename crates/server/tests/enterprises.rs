//! Enterprises enter EMSS by import (the system administrator): all rows or none, every bad row
//! and column named; each enterprise gets its administrator with a one-time password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const HEADER: &str = "企业名称,统一社会信用代码,所在区,管理员用户名,管理员姓名,管理员手机号";

fn code(serial: u32) -> String {
    let body = format!("91310115MA1E{serial:03}Q7");
    format!(
        "{body}{}",
        emss_domain::uscc::check_character(&body).unwrap()
    )
}

async fn import(t: &TestApp, token: &str, csv: String) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/enterprises/import"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_enterprise_import_with_two_bad_rows_imports_nothing_and_names_both() {
    let t = TestApp::spawn().await.unwrap();
    let admin = t.token("sysadmin").await.unwrap();
    let good = [
        format!(
            "上海张江污水处理有限公司,{},浦东新区,zjws,陈刚,13817000001",
            code(1)
        ),
        format!("上海闵行热电有限公司,{},闵行区,mhrd,林静,", code(2)),
    ];
    let bad = format!(
        "{HEADER}\n{}\n上海错误代码有限公司,91310115MA1E00000,浦东新区,cuowu,王五,\n{}\n上海某区有限公司,{},火星区,mouqu,赵六,123\n",
        good[0],
        good[1],
        code(3)
    );
    let (status, err) = import(&t, &admin, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let fields = err["fields"].as_object().unwrap();
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert!(
        err["fields"]["rows[3].uscc"]
            .as_str()
            .unwrap()
            .starts_with("第 3 行“统一社会信用代码”：")
    );
    assert_eq!(
        err["fields"]["rows[5].district"],
        "第 5 行“所在区”：请填写上海市的区名（如“浦东新区”）"
    );
    assert_eq!(
        err["fields"]["rows[5].phone"],
        "第 5 行“管理员手机号”：请输入 11 位手机号码，或留空"
    );
    let found = emss_db::repo::account::find_by_username(&t.app.db().conn, "zjws")
        .await
        .unwrap();
    assert!(found.is_none(), "nothing was imported");

    // Wrong columns are named.
    let (status, err) = import(&t, &admin, "企业名称,区\nA,B\n".to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = err["fields"]["file"].as_str().unwrap();
    assert!(
        message.contains("缺少列：统一社会信用代码") && message.contains("无法识别的列：区"),
        "{message}"
    );

    let (status, done) = import(&t, &admin, format!("{HEADER}\n{}\n{}\n", good[0], good[1])).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    let list = done["enterprises"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["username"], "zjws");
    let password = list[0]["one_time_password"].as_str().unwrap();

    // The administrator signs in with the one-time password and must change it first.
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "zjws", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = res.json().await.unwrap();
    assert_eq!(session["must_change_password"], true);
    assert_eq!(session["user"]["org_kind"], "enterprise");
    assert!(
        session["user"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "enterprise_admin"),
        "{session}"
    );

    // The same file again: the codes and logins exist now.
    let (status, err) = import(&t, &admin, format!("{HEADER}\n{}\n", good[0])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["rows[2].uscc"],
        "第 2 行“统一社会信用代码”：该统一社会信用代码已在系统中登记"
    );
    assert_eq!(
        err["fields"]["rows[2].username"],
        "第 2 行“管理员用户名”：该用户名已被使用"
    );

    // Only the system administrator imports.
    let city = t.token("city").await.unwrap();
    let (status, _) = import(&t, &city, format!("{HEADER}\n")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
