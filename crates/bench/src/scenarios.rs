//! The scenarios of performance.md, driven over loopback against the running server.

use crate::generate::People;
use crate::load::{Answer, Http, Measured, Plan, drive};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

pub struct Settings {
    pub clients: usize,
    /// Records filed (check-in, upload, submit) during the run.
    pub submissions: usize,
    /// Requests per read scenario.
    pub reads: usize,
    pub max: Duration,
}

/// Everything the run measured, in table order.
pub async fn run(
    http: &Http,
    pid: u32,
    people: &People,
    s: &Settings,
) -> Result<Vec<Measured>, String> {
    let mut out = Vec::new();
    let plan = |name: &str, target: &str, floor, clients, count| Plan {
        name: name.into(),
        target: target.into(),
        floor,
        clients,
        count,
        max: s.max,
    };

    // The floor: a bare JSON answer, and the same JSON as a submission committed as one row.
    let h = http.clone();
    out.push(
        drive(
            plan(
                "floor: bare JSON handler",
                "—",
                None,
                s.clients,
                s.reads * 4,
            ),
            pid,
            move |_| {
                let h = h.clone();
                async move {
                    h.send(
                        h.request(Method::GET, None, "/bench/floor/json"),
                        StatusCode::OK,
                    )
                    .await
                    .map(drop)
                }
            },
        )
        .await,
    );
    let body = Arc::new(submit_body(
        people.sites[0].lat,
        people.sites[0].lon,
        "x",
        "y",
    ));
    let h = http.clone();
    out.push(
        drive(
            plan(
                "floor: commit the same JSON",
                "—",
                None,
                s.clients,
                s.submissions * 2,
            ),
            pid,
            move |_| {
                let (h, body) = (h.clone(), body.clone());
                async move {
                    h.send(
                        h.request(Method::POST, None, "/bench/floor/commit")
                            .json(&*body),
                        StatusCode::CREATED,
                    )
                    .await
                    .map(drop)
                }
            },
        )
        .await,
    );

    // Sign in every account the run uses, once (an account keeps at most three sessions).
    let mut tokens: HashMap<String, String> = HashMap::new();
    let sites: Vec<_> = people
        .sites
        .iter()
        .take(s.clients.max(1))
        .cloned()
        .collect();
    for name in sites.iter().map(|site| site.filer.clone()).chain([
        people.reviewer.clone(),
        people.enterprise.clone(),
        people.district.clone(),
        people.city.clone(),
    ]) {
        if let std::collections::hash_map::Entry::Vacant(slot) = tokens.entry(name) {
            let token = http.login(slot.key(), &people.password).await?;
            slot.insert(token);
        }
    }
    let tokens = Arc::new(tokens);
    let sites = Arc::new(sites);

    // 签到: drafts to file on.
    let drafts = Arc::new(Mutex::new(vec![None::<String>; s.submissions]));
    let (h, t, st, d) = (http.clone(), tokens.clone(), sites.clone(), drafts.clone());
    out.push(
        drive(
            plan(
                "check-in (new draft)",
                "—",
                Some("commit"),
                s.clients,
                s.submissions,
            ),
            pid,
            move |i| {
                let (h, t, st, d) = (h.clone(), t.clone(), st.clone(), d.clone());
                async move {
                    let site = &st[i % st.len()];
                    let body = json!({"task_id": site.task_id, "outlet_id": site.outlet_id,
                    "form_type": "ww_standard_replacement", "instrument_ids": [site.instrument_id],
                    "check_in": stamp(site.lat, site.lon)});
                    let answer = h
                        .send(
                            h.request(Method::POST, Some(&t[&site.filer]), "/api/v1/records")
                                .json(&body),
                            StatusCode::CREATED,
                        )
                        .await?;
                    d.lock().await[i] = answer["id"].as_str().map(String::from);
                    Ok(())
                }
            },
        )
        .await,
    );
    let drafts: Vec<Option<String>> = drafts.lock().await.clone();
    let drafts = Arc::new(drafts);

    // The 200 KB work photo: decoded, stripped, re-encoded, hashed, stored.
    let photos = Arc::new((0..16).map(crate::pictures::photo).collect::<Vec<_>>());
    let signature = Arc::new(crate::pictures::signature());
    let uploaded = Arc::new(Mutex::new(vec![
        (
            None::<String>,
            None::<String>,
            None::<String>
        );
        s.submissions
    ]));
    let (h, t, st, d, p, u) = (
        http.clone(),
        tokens.clone(),
        sites.clone(),
        drafts.clone(),
        photos.clone(),
        uploaded.clone(),
    );
    out.push(
        drive(
            plan(
                "upload a 200 KB work photo",
                "≥ 150 /s; peak RSS < 300 MB",
                Some("commit"),
                s.clients,
                s.submissions,
            ),
            pid,
            move |i| {
                let (h, t, st, d, p, u) = (
                    h.clone(),
                    t.clone(),
                    st.clone(),
                    d.clone(),
                    p.clone(),
                    u.clone(),
                );
                async move {
                    let id = d[i].clone().ok_or("no draft")?;
                    let site = &st[i % st.len()];
                    let image = upload(
                        &h,
                        &t[&site.filer],
                        &format!("/api/v1/records/{id}/attachments"),
                        "work_photo",
                        p[i % p.len()].clone(),
                    )
                    .await?;
                    u.lock().await[i].0 = Some(image);
                    Ok(())
                }
            },
        )
        .await,
    );

    // Not measured: the signature, the site photo and the typed fields of each draft.
    let (h, t, st, d, p, u, sig) = (
        http.clone(),
        tokens.clone(),
        sites.clone(),
        drafts.clone(),
        photos.clone(),
        uploaded.clone(),
        signature.clone(),
    );
    let prepared = drive(
        plan("prepare", "", None, s.clients, s.submissions),
        pid,
        move |i| {
            let (h, t, st, d, p, u, sig) = (
                h.clone(),
                t.clone(),
                st.clone(),
                d.clone(),
                p.clone(),
                u.clone(),
                sig.clone(),
            );
            async move {
                let id = d[i].clone().ok_or("no draft")?;
                let site = &st[i % st.len()];
                let token = &t[&site.filer];
                let path = format!("/api/v1/records/{id}/attachments");
                let signature = upload(&h, token, &path, "signature", (*sig).clone()).await?;
                let photo = upload(
                    &h,
                    token,
                    &path,
                    "evidence_photo",
                    p[(i + 7) % p.len()].clone(),
                )
                .await?;
                h.send(
                    h.request(Method::PUT, Some(token), &format!("/api/v1/records/{id}"))
                        .json(&json!({"fields": fields(&photo)})),
                    StatusCode::OK,
                )
                .await?;
                let mut all = u.lock().await;
                all[i].1 = Some(signature);
                all[i].2 = Some(photo);
                Ok(())
            }
        },
    )
    .await;
    if let Some(e) = prepared.first_error {
        eprintln!("preparing drafts: {} failed, first: {e}", prepared.errors);
    }

    // 结束签到并上传: validated, evaluated, flagged, audited.
    let uploaded: Vec<_> = uploaded.lock().await.clone();
    let uploaded = Arc::new(uploaded);
    let (h, t, st, d, u) = (
        http.clone(),
        tokens.clone(),
        sites.clone(),
        drafts.clone(),
        uploaded.clone(),
    );
    out.push(
        drive(
            plan(
                "submit a record",
                "≥ 0.5 × floor; p99 ≤ 100 ms",
                Some("commit"),
                s.clients,
                s.submissions,
            ),
            pid,
            move |i| {
                let (h, t, st, d, u) = (h.clone(), t.clone(), st.clone(), d.clone(), u.clone());
                async move {
                    let id = d[i].clone().ok_or("no draft")?;
                    let site = &st[i % st.len()];
                    let (Some(work), Some(signature), Some(_)) = u[i].clone() else {
                        return Err("draft not prepared".into());
                    };
                    let body = submit_body(site.lat, site.lon, &work, &signature);
                    h.send(
                        h.request(
                            Method::POST,
                            Some(&t[&site.filer]),
                            &format!("/api/v1/records/{id}/submit"),
                        )
                        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                        .json(&body),
                        StatusCode::OK,
                    )
                    .await
                    .map(drop)
                }
            },
        )
        .await,
    );

    // The lists.
    let lists: [(&str, &str, Option<&str>); 6] = [
        (
            "enterprise: 待确认日期",
            "/api/v1/confirmations/pending",
            Some(people.enterprise.as_str()),
        ),
        (
            "reviewer: queue (待审核)",
            "/api/v1/records?state=confirmed&page_size=20",
            Some(people.reviewer.as_str()),
        ),
        (
            "regulator: tasks, filtered, with total",
            "/api/v1/tasks?state=in_progress&keyword=%E8%BF%90%E7%BB%B4&page_size=20",
            Some(people.district.as_str()),
        ),
        (
            "regulator: overdue (超期)",
            "/api/v1/occurrences?window=overdue&page_size=20",
            Some(people.district.as_str()),
        ),
        (
            "regulator: records flagged 现场时间过短",
            "/api/v1/records?flag=short_visit&page_size=20",
            Some(people.city.as_str()),
        ),
        (
            "public agency search",
            "/api/v1/agencies?keyword=%E6%B8%85%E6%BA%90&page_size=20",
            None,
        ),
    ];
    for (name, path, who) in lists {
        let token = who.map(|w| tokens[w].clone());
        let h = http.clone();
        let path = path.to_string();
        out.push(
            drive(
                plan(
                    name,
                    "p95 ≤ 50 ms; no full scan",
                    Some("json"),
                    s.clients,
                    s.reads,
                ),
                pid,
                move |_| {
                    let (h, token, path) = (h.clone(), token.clone(), path.clone());
                    async move {
                        h.send(
                            h.request(Method::GET, token.as_deref(), &path),
                            StatusCode::OK,
                        )
                        .await
                        .map(drop)
                    }
                },
            )
            .await,
        );
    }

    // Record detail (HTML), as the district regulator.
    let district = tokens[&people.district].clone();
    let ids = record_ids(http, &district, "", 5, 50).await?;
    let ids = Arc::new(ids);
    let h = http.clone();
    out.push(
        drive(
            plan(
                "record detail page (HTML)",
                "p95 ≤ 30 ms",
                Some("json"),
                s.clients,
                s.reads,
            ),
            pid,
            move |i| {
                let (h, ids, token) = (h.clone(), ids.clone(), district.clone());
                async move {
                    let id = ids.get(i % ids.len().max(1)).ok_or("no records listed")?;
                    page(&h, &token, &format!("/records/{id}")).await
                }
            },
        )
        .await,
    );

    // 统计查询 and the dashboard as one regulator reads them, and an Excel export of 50 000 rows at
    // most (the export limit): the last 30 days of the city's records.
    let city = tokens[&people.city].clone();
    let since = (chrono::Utc::now().date_naive() - chrono::Duration::days(30)).format("%Y-%m-%d");
    let single: [(&str, &str, String, usize); 4] = [
        (
            "regulator: 统计查询 by agency, this year (1 client)",
            "p95 ≤ 200 ms",
            "/statistics?group=agency".to_string(),
            s.reads / 10,
        ),
        (
            "regulator: 统计查询 by month, this year (1 client)",
            "p95 ≤ 200 ms",
            "/statistics?group=month".to_string(),
            s.reads / 10,
        ),
        (
            "regulator: home page with dashboard (1 client)",
            "p95 ≤ 200 ms",
            "/".to_string(),
            s.reads / 10,
        ),
        (
            "Excel export of the last 30 days' records (1 client)",
            "≤ 10 s; flat memory",
            format!("/records/export.xlsx?from={since}"),
            3,
        ),
    ];
    for (name, target, path, count) in single {
        let (h, token, path) = (http.clone(), city.clone(), Arc::new(path));
        out.push(
            drive(plan(name, target, None, 1, count.max(1)), pid, move |_| {
                let (h, token, path) = (h.clone(), token.clone(), path.clone());
                async move { page(&h, &token, &path).await }
            })
            .await,
        );
    }

    // 信用评价: the city publishes the shipped indicator systems (once per database) and rates
    // every agency for the running year, recomputed as the nightly run and 立即计算 do.
    let systems = http
        .send(
            http.request(Method::GET, Some(&city), "/api/v1/credit/systems"),
            StatusCode::OK,
        )
        .await?;
    for draft in systems
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["state"] == "draft")
    {
        let id = draft["id"].as_str().ok_or("a system without its id")?;
        http.send(
            http.request(
                Method::POST,
                Some(&city),
                &format!("/api/v1/credit/systems/{id}/publish"),
            ),
            StatusCode::OK,
        )
        .await?;
    }
    let year = chrono::Utc::now().format("%Y").to_string();
    let (h, token) = (http.clone(), city.clone());
    out.push(
        drive(
            plan(
                "city: 信用评价 of every agency, this year (1 client)",
                "≤ 10 s",
                None,
                1,
                3,
            ),
            pid,
            move |_| {
                let (h, token, year) = (h.clone(), token.clone(), year.clone());
                async move {
                    h.send(
                        h.request(Method::POST, Some(&token), "/api/v1/credit/computations")
                            .json(&json!({"period": year})),
                        StatusCode::OK,
                    )
                    .await
                    .map(drop)
                }
            },
        )
        .await,
    );

    // Batch review of 200, one reviewer, one batch after another.
    let reviewer = tokens[&people.reviewer].clone();
    let signature = upload(
        http,
        &reviewer,
        "/api/v1/attachments",
        "signature",
        crate::pictures::signature(),
    )
    .await?;
    let work_photo = upload(
        http,
        &reviewer,
        "/api/v1/attachments",
        "work_photo",
        crate::pictures::photo(99),
    )
    .await?;
    let queue = record_ids(http, &reviewer, "state=confirmed&", 10, 100).await?;
    let batches: Arc<Vec<Vec<String>>> = Arc::new(
        queue
            .chunks(200)
            .filter(|c| c.len() == 200)
            .map(<[String]>::to_vec)
            .collect(),
    );
    let h = http.clone();
    let count = batches.len();
    out.push(
        drive(plan("batch review of 200 records", "≤ 1 s", None, 1, count), pid, move |i| {
            let (h, b, token, signature, work_photo) =
                (h.clone(), batches.clone(), reviewer.clone(), signature.clone(), work_photo.clone());
            async move {
                // Generated records include failed ones: each approval carries the reviewer's word.
                let acknowledgements: Vec<serde_json::Value> = b[i]
                    .iter()
                    .map(|id| json!({"record_id": id, "comment": "已核实"}))
                    .collect();
                let body = json!({"record_ids": b[i], "decision": "approve", "signature_id": signature,
                    "work_photo_id": work_photo, "acknowledgements": acknowledgements});
                let answer = h
                    .send(h.request(Method::POST, Some(&token), "/api/v1/reviews").json(&body), StatusCode::OK)
                    .await?;
                reviewed_all(&answer)
            }
        })
        .await,
    );
    Ok(out)
}

/// A page or download read to its end; anything but 200 is an error.
async fn page(h: &Http, token: &str, path: &str) -> Answer {
    let res = h
        .request(Method::GET, Some(token), path)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let _ = res.bytes().await.map_err(|e| e.to_string())?;
    if status == StatusCode::OK {
        Ok(())
    } else {
        Err(format!("{path}: {status}"))
    }
}

fn reviewed_all(answer: &Value) -> Answer {
    let refused = answer["results"]
        .as_array()
        .map_or(0, |r| r.iter().filter(|x| x["ok"] == json!(false)).count());
    if refused == 0 {
        Ok(())
    } else {
        Err(format!("{refused} records refused: {answer}"))
    }
}

/// The ids of the first `pages` pages of `/api/v1/records?{filter}…` as the holder of `token`
/// sees them.
async fn record_ids(
    http: &Http,
    token: &str,
    filter: &str,
    pages: u32,
    page_size: u32,
) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for page in 1..=pages {
        let path = format!("/api/v1/records?{filter}page={page}&page_size={page_size}");
        let list = http
            .send(
                http.request(Method::GET, Some(token), &path),
                StatusCode::OK,
            )
            .await?;
        ids.extend(ids_of(&list));
    }
    Ok(ids)
}

fn ids_of(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn stamp(lat: f64, lon: f64) -> Value {
    json!({"at": chrono::Utc::now().to_rfc3339(), "lat": lat, "lon": lon, "accuracy_m": 8.0})
}

fn submit_body(lat: f64, lon: f64, work: &str, signature: &str) -> Value {
    json!({"check_out": stamp(lat, lon), "work_photo_id": work, "signature_id": signature})
}

fn fields(photo: &str) -> Value {
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| {
        (today + chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    json!({"items": {
        "standards": [{
            "name": "化学需氧量标准溶液（邻苯二甲酸氢钾）", "concentration": "250",
            "concentration_unit": "mg/L", "quantity": "1", "prepared_on": day(-1),
            "prepared_by": "张伟", "replaced_on": day(0), "replaced_by": "张伟", "expiry": day(30)
        }],
        "photos": [photo]
    }})
}

async fn upload(
    h: &Http,
    token: &str,
    path: &str,
    kind: &str,
    bytes: Vec<u8>,
) -> Result<String, String> {
    let name = if kind == "signature" {
        "signature.png"
    } else {
        "photo.jpg"
    };
    let form = Form::new()
        .text("kind", kind.to_string())
        .part("file", Part::bytes(bytes).file_name(name));
    let answer = h
        .send(
            h.request(Method::POST, Some(token), path)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .multipart(form),
            StatusCode::CREATED,
        )
        .await?;
    answer["id"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| format!("no id in {answer}"))
}
