//! Test design T3: random sequences of field-loop actions by random people, run against the real
//! service over HTTP beside a model of what must happen. After every step: each record is in the
//! state the model says (only draft → submitted → confirmed → approved | voided); no one reviews
//! their own record, nothing unconfirmed is reviewed, in a batch exactly those are refused; a
//! submitted record's content never changes; every successful write left exactly one audit
//! entry. At the end the audit chain verifies. `PROPTEST_CASES` sets the number of sequences
//! (1 000 by default).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, SecondsFormat};
use emss_db::entity::audit_entry;
use emss_domain::clock::Clock;
use emss_testkit::TestApp;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Action {
    /// A filer (0: filer_a, 1: filer_a2, who also reviews) checks in and fills a record.
    Create(usize),
    /// Someone edits a record's draft.
    Edit {
        record: usize,
        by: usize,
    },
    Submit {
        record: usize,
        by: usize,
    },
    /// An enterprise (0: ent_a, the outlet's, 1: ent_b) confirms chosen records.
    Confirm {
        records: Vec<usize>,
        by: usize,
    },
    /// A reviewer (0: reviewer_a, 1: filer_a2) decides a batch.
    Review {
        records: Vec<usize>,
        void: bool,
        by: usize,
    },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0..2usize).prop_map(Action::Create),
        1 => (0..8usize, 0..3usize).prop_map(|(record, by)| Action::Edit { record, by }),
        3 => (0..8usize, 0..3usize).prop_map(|(record, by)| Action::Submit { record, by }),
        2 => (prop::collection::vec(0..8usize, 1..4), 0..2usize)
            .prop_map(|(records, by)| Action::Confirm { records, by }),
        2 => (prop::collection::vec(0..8usize, 1..4), any::<bool>(), 0..2usize)
            .prop_map(|(records, void, by)| Action::Review { records, void, by }),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Draft,
    Submitted,
    Confirmed,
    Approved,
    Voided,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Confirmed => "confirmed",
            State::Approved => "approved",
            State::Voided => "voided",
        }
    }
}

struct Modelled {
    id: String,
    /// Index into FILERS.
    filer: usize,
    state: State,
    /// What the record held when submitted (fields, verdicts, check-out), to compare later.
    frozen: Option<Value>,
}

/// Who acts: a token and the images each uses.
struct Person {
    username: &'static str,
    token: String,
    signature: String,
    photo: String,
    evidence: String,
}

const FILERS: [&str; 2] = ["filer_a", "filer_a2"];
const EDITORS: [&str; 3] = ["filer_a", "filer_a2", "reviewer_a"];
const ENTERPRISES: [&str; 2] = ["ent_a", "ent_b"];
const REVIEWERS: [&str; 2] = ["reviewer_a", "filer_a2"];

async fn upload(t: &TestApp, token: &str, kind: &str, seed: u64) -> String {
    t.image(token, "/api/v1/attachments", kind, seed)
        .await
        .unwrap()
}

struct World {
    t: TestApp,
    people: HashMap<&'static str, Person>,
    task_id: String,
    outlet_id: String,
    lat: f64,
    lon: f64,
    /// (id, parameter, unit, range upper) of the outlet's COD analyser.
    instrument: (String, String, String, String),
}

async fn world() -> World {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_a").await.unwrap();
    let (_, found) = t
        .call(
            Method::GET,
            &main,
            "/api/v1/accounts?keyword=filer_a2",
            None,
        )
        .await
        .unwrap();
    let account = found["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = t
        .call(
            Method::PUT,
            &main,
            &format!("/api/v1/accounts/{account}/roles"),
            Some(json!({"roles": ["filer", "reviewer"]})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    let mut people = HashMap::new();
    for (n, username) in ["filer_a", "filer_a2", "reviewer_a", "ent_a", "ent_b"]
        .into_iter()
        .enumerate()
    {
        let token = t.token(username).await.unwrap();
        let seed = n as u64 * 10;
        // Everyone takes a work photo: filing, confirming and reviewing.
        let person = Person {
            signature: upload(&t, &token, "signature", seed).await,
            photo: upload(&t, &token, "work_photo", seed + 1).await,
            evidence: if username.starts_with("filer") {
                upload(&t, &token, "evidence_photo", seed + 2).await
            } else {
                String::new()
            },
            username,
            token,
        };
        people.insert(username, person);
    }
    let site = t.demo_site(&people["filer_a"].token).await.unwrap();
    let instrument = site
        .instruments
        .iter()
        .find(|(_, parameter, _, _)| parameter == "化学需氧量")
        .unwrap()
        .clone();
    World {
        instrument,
        lat: site.lat,
        lon: site.lon,
        task_id: site.task_id,
        outlet_id: site.outlet_id,
        t,
        people,
    }
}

impl World {
    fn stamp(&self) -> Value {
        let at = self
            .t
            .clock
            .now()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        json!({"at": at, "lat": self.lat, "lon": self.lon, "accuracy_m": 10})
    }

    fn fields(&self, evidence: &str, reading: &str) -> Value {
        let (id, parameter, unit, upper) = &self.instrument;
        let checked_at = (self.t.clock.now() - Duration::minutes(5))
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .to_rfc3339();
        json!({"header": {"checked_at": checked_at},
            "analytes": [{"instrument_id": id, "parameter": parameter, "unit": unit,
                "range_upper": upper, "standard_value": "250", "reading": reading,
                "calibrated": "否"}],
            "evidence": {"photos": [evidence]}})
    }

    async fn record_audits(&self) -> u64 {
        audit_entry::Entity::find()
            .filter(audit_entry::Column::Action.starts_with("record."))
            .count(&self.t.app.db().conn)
            .await
            .unwrap()
    }

    async fn read(&self, id: &str) -> Value {
        let token = &self.people["filer_a"].token;
        let (status, body) = self
            .t
            .call(Method::GET, token, &format!("/api/v1/records/{id}"), None)
            .await
            .unwrap();
        if status == StatusCode::OK {
            return body;
        }
        // filer_a2's draft is theirs alone.
        let token = &self.people["filer_a2"].token;
        let (status, body) = self
            .t
            .call(Method::GET, token, &format!("/api/v1/records/{id}"), None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

fn frozen(detail: &Value) -> Value {
    let r = &detail["record"];
    json!({"fields": detail["fields"], "verdicts": detail["verdicts"],
        "check_out": r["check_out"], "check_in": r["check_in"], "flags": r["flags"],
        "instrument_ids": r["instrument_ids"], "submitted_at": r["submitted_at"]})
}

/// Runs one sequence; returns the first broken invariant.
async fn run(w: &World, actions: Vec<Action>) -> Result<(), String> {
    let mut records: Vec<Modelled> = Vec::new();
    for action in actions {
        let before = w.record_audits().await;
        let mut writes = 0u64;
        match &action {
            Action::Create(f) => {
                let filer = &w.people[FILERS[*f]];
                let (status, body) =
                    w.t.call(
                        Method::POST,
                        &filer.token,
                        "/api/v1/records",
                        Some(json!({"task_id": w.task_id, "outlet_id": w.outlet_id,
                            "form_type": "ww_standard_check",
                            "instrument_ids": [w.instrument.0], "check_in": w.stamp()})),
                    )
                    .await
                    .unwrap();
                if status != StatusCode::CREATED {
                    return Err(format!("create refused: {body}"));
                }
                records.push(Modelled {
                    id: body["id"].as_str().unwrap().to_string(),
                    filer: *f,
                    state: State::Draft,
                    frozen: None,
                });
                writes += 1;
            }
            Action::Edit { record, by } | Action::Submit { record, by } => {
                let Some(r) = records.get(*record) else {
                    continue;
                };
                let person = &w.people[EDITORS[*by]];
                let allowed =
                    FILERS.get(*by).is_some_and(|_| *by == r.filer) && r.state == State::Draft;
                let (status, body) = if matches!(action, Action::Edit { .. }) {
                    w.t.call(
                        Method::PUT,
                        &person.token,
                        &format!("/api/v1/records/{}", r.id),
                        Some(json!({"fields": w.fields(&person.evidence, "255")})),
                    )
                    .await
                    .unwrap()
                } else {
                    // The filer's draft holds a complete form from its first edit on; fill it
                    // here if it was never edited.
                    if allowed {
                        w.t.call(
                            Method::PUT,
                            &person.token,
                            &format!("/api/v1/records/{}", r.id),
                            Some(json!({"fields": w.fields(&person.evidence, "290")})),
                        )
                        .await
                        .unwrap();
                        writes += 1;
                    }
                    w.t.call(
                        Method::POST,
                        &person.token,
                        &format!("/api/v1/records/{}/submit", r.id),
                        Some(
                            json!({"check_out": w.stamp(), "work_photo_id": person.photo,
                            "signature_id": person.signature}),
                        ),
                    )
                    .await
                    .unwrap()
                };
                if status.is_success() != allowed {
                    return Err(format!(
                        "{action:?} by {} answered {status}: {body}",
                        person.username
                    ));
                }
                if allowed {
                    writes += 1;
                    if matches!(action, Action::Submit { .. }) {
                        let r = &mut records[*record];
                        r.state = State::Submitted;
                        r.frozen = Some(frozen(&w.read(&r.id).await));
                    }
                }
            }
            Action::Confirm {
                records: chosen,
                by,
            } => {
                let person = &w.people[ENTERPRISES[*by]];
                let ids: Vec<&str> = chosen
                    .iter()
                    .filter_map(|i| records.get(*i))
                    .map(|r| r.id.as_str())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let allowed = *by == 0
                    && chosen
                        .iter()
                        .filter_map(|i| records.get(*i))
                        .all(|r| r.state == State::Submitted);
                let date = (w.t.clock.now() + Duration::hours(8)).date_naive();
                let (status, body) =
                    w.t.call(
                        Method::POST,
                        &person.token,
                        "/api/v1/confirmations",
                        Some(json!({"date": date, "record_ids": ids,
                            "signature_id": person.signature, "work_photo_id": person.photo})),
                    )
                    .await
                    .unwrap();
                if status.is_success() != allowed {
                    return Err(format!("{action:?} answered {status}: {body}"));
                }
                if allowed {
                    // Indexes past the last record were never sent.
                    let mut seen: Vec<usize> = chosen
                        .iter()
                        .copied()
                        .filter(|i| *i < records.len())
                        .collect();
                    seen.sort();
                    seen.dedup();
                    for i in seen {
                        records[i].state = State::Confirmed;
                        writes += 1;
                    }
                }
            }
            Action::Review {
                records: chosen,
                void,
                by,
            } => {
                let person = &w.people[REVIEWERS[*by]];
                let mut picked: Vec<usize> = Vec::new();
                for i in chosen.iter().filter(|i| **i < records.len()) {
                    if !picked.contains(i) {
                        picked.push(*i);
                    }
                }
                if picked.is_empty() {
                    continue;
                }
                let ids: Vec<&str> = picked.iter().map(|i| records[*i].id.as_str()).collect();
                // A failed record needs the reviewer's word to be approved; a word on one that
                // passed is kept too.
                let acknowledgements: Vec<Value> = ids
                    .iter()
                    .map(|id| json!({"record_id": id, "comment": "已核实，安排复测"}))
                    .collect();
                let (status, body) =
                    w.t.call(
                        Method::POST,
                        &person.token,
                        "/api/v1/reviews",
                        Some(json!({"record_ids": ids,
                            "decision": if *void { "void" } else { "approve" },
                            "reason": "复核不通过", "signature_id": person.signature,
                            "work_photo_id": person.photo, "acknowledgements": acknowledgements})),
                    )
                    .await
                    .unwrap();
                if status != StatusCode::OK {
                    return Err(format!("{action:?} answered {status}: {body}"));
                }
                for (n, i) in picked.iter().enumerate() {
                    let r = &mut records[*i];
                    // filer_a2 (reviewer 1) is filer 1.
                    let own = *by == 1 && r.filer == 1;
                    let expect_ok = !own && r.state == State::Confirmed;
                    let result = &body["results"][n];
                    if result["ok"].as_bool() != Some(expect_ok) {
                        return Err(format!("{action:?}: item {n} answered {result}"));
                    }
                    if own && result["code"] != "own_record" {
                        return Err(format!("own record refused as {result}"));
                    }
                    if expect_ok {
                        r.state = if *void {
                            State::Voided
                        } else {
                            State::Approved
                        };
                        writes += 1;
                    }
                }
            }
        }
        // Every successful write left exactly one audit entry.
        let after = w.record_audits().await;
        if after - before != writes {
            return Err(format!(
                "{action:?}: {} audit entries for {writes} writes",
                after - before
            ));
        }
        // The records the step touched are where the model says (all of them at the end).
        check(w, &records, &touched(&action, records.len())).await?;
    }
    check(w, &records, &(0..records.len()).collect::<Vec<_>>()).await
}

/// The records an action names (a new record for a check-in).
fn touched(action: &Action, count: usize) -> Vec<usize> {
    match action {
        Action::Create(_) => vec![count.saturating_sub(1)],
        Action::Edit { record, .. } | Action::Submit { record, .. } => vec![*record],
        Action::Confirm { records, .. } | Action::Review { records, .. } => records.clone(),
    }
    .into_iter()
    .filter(|i| *i < count)
    .collect()
}

/// Each record is in the model's state; what was submitted has not changed; no one reviewed
/// their own record or an unconfirmed one.
async fn check(w: &World, records: &[Modelled], which: &[usize]) -> Result<(), String> {
    for r in which.iter().map(|i| &records[*i]) {
        let detail = w.read(&r.id).await;
        let stored = &detail["record"];
        if stored["state"] != r.state.as_str() {
            return Err(format!(
                "{} is {} but should be {:?}",
                r.id, stored["state"], r.state
            ));
        }
        if let Some(f) = &r.frozen
            && frozen(&detail) != *f
        {
            return Err(format!("submitted record {} changed", r.id));
        }
        if matches!(r.state, State::Approved | State::Voided) {
            let filer_name = &stored["filer_name"];
            if stored["reviewed_by_name"] == *filer_name {
                return Err(format!("{} reviewed by its filer", r.id));
            }
            if stored["confirmed_at"].as_str() > stored["reviewed_at"].as_str() {
                return Err(format!("{} reviewed before it was confirmed", r.id));
            }
        }
    }
    Ok(())
}

#[test]
fn random_action_sequences_keep_the_workflow_invariants() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(action(), 1..8), |actions| {
        rt.block_on(run(&w, actions))
            .map_err(proptest::test_runner::TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let verified = rt
        .block_on(emss_app::audit::verify_stored(&w.t.app))
        .unwrap();
    assert_eq!(verified.problem, None);
}
