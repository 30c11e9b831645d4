//! Binding a phone (我的信息): it stays signed in for 30 days through a revocable binding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;

fn binding_id(html: &str) -> String {
    let start = html.find("/account/devices/").unwrap() + "/account/devices/".len();
    html[start..start + 64].to_string()
}

#[tokio::test]
async fn a_bound_phone_comes_back_signed_in_until_unbound() {
    let t = TestApp::spawn().await.unwrap();
    let phone = t.bound_phone("filer_a").await.unwrap();
    let me = phone.page("/m/me").await.unwrap();
    assert!(me.contains("绑定的手机"));
    assert!(me.contains("解除绑定"));

    // Long past the 30-minute idle timeout the phone is still signed in: a new session is opened.
    t.clock.advance(chrono::Duration::hours(20));
    assert_eq!(phone.get("/m/").await.unwrap().status(), StatusCode::OK);
    t.clock.advance(chrono::Duration::days(5));
    assert_eq!(phone.get("/m/").await.unwrap().status(), StatusCode::OK);

    // The desktop lists the binding too, and unbinding it ends the phone's free pass.
    let desk = t.browser("filer_a").await.unwrap();
    let html = desk.page("/account").await.unwrap();
    let id = binding_id(&html);
    let res = desk
        .post_form(&format!("/account/devices/{id}/revoke"), &[])
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/account?done=device");
    assert!(
        desk.page("/account")
            .await
            .unwrap()
            .contains("没有绑定的手机")
    );
    t.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        phone.get("/m/").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn bindings_end_after_thirty_days_and_at_logout() {
    let t = TestApp::spawn().await.unwrap();
    let phone = t.bound_phone("ent_a").await.unwrap();
    t.clock
        .advance(chrono::Duration::days(30) + chrono::Duration::seconds(1));
    assert_eq!(
        phone.get("/m/").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    let phone = t.bound_phone("ent_a").await.unwrap();
    let res = phone.post_form("/m/logout", &[]).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    t.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        phone.get("/m/").await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "logging out unbinds the phone"
    );
}

#[tokio::test]
async fn nobody_unbinds_another_persons_phone() {
    let t = TestApp::spawn().await.unwrap();
    let phone = t.bound_phone("filer_b").await.unwrap();
    let id = binding_id(&phone.page("/m/me").await.unwrap());
    let other = t.browser("filer_a").await.unwrap();
    let res = other
        .post_form(&format!("/account/devices/{id}/revoke"), &[])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    t.clock.advance(chrono::Duration::hours(1));
    assert_eq!(phone.get("/m/").await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn disabling_the_account_unbinds_its_phones() {
    let t = TestApp::spawn().await.unwrap();
    let phone = t.bound_phone("filer_a2").await.unwrap();
    let main = t.browser("agency_a").await.unwrap();
    let list = main.page("/accounts?keyword=filer_a2").await.unwrap();
    let end = list.find("\">详情</a>").unwrap();
    let id = list[end - 32..end].to_string();
    let res = main
        .post_form(&format!("/accounts/{id}/enabled"), &[("enabled", "false")])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = main
        .post_form(&format!("/accounts/{id}/enabled"), &[("enabled", "true")])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get("/m/").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}
