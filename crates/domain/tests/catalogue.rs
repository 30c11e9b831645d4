//! The shipped catalogue: every definition loads, and every form type has a realistic valid
//! example and invalid examples that fail with the right field messages.
//!
//! The examples live in `tests/form_examples/<code>.json`:
//! - `instrument_ids` (optional): the instruments chosen for the record;
//! - `previous` (optional): `"instrument_id/parameter/field"` → decimal string, the values of the
//!   previous approved record ("上次校准后测试值");
//! - `fill_checks` (optional, inspections): every check item of the chosen frequency tabs that the
//!   example does not give is filled with `{"result": <value>}`, in once-sections and in each
//!   per-instrument instance;
//! - `valid`: the filled form; it must evaluate without errors;
//! - `expect`: paths into the evaluated fields (`analytes[0].zero_drift`) → the stored JSON value
//!   (`null`: the field is absent from the output);
//! - `invalid`: cases applied to `valid` (after `fill_checks`) by JSON-pointer `set` (`null`
//!   removes the key or array element); each must fail with exactly the listed errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use emss_domain::form::number::parse_decimal;
use emss_domain::form::standard::{MaterialKind, StandardMaterial, Standards};
use emss_domain::form::{
    Confidence, ErrorKind, Errors, Evaluation, FormDefinition, Input, Kind, NoPrevious, Outcome,
    OutletKind, PeriodGroup, PreviousValues, Registered, Repeat, Rule, Verdict, evaluate,
    typed_inputs,
};
use emss_domain::monitoring::{EmissionLimit, EmissionLimits};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

fn forms_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogue/forms")
}

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/form_examples")
}

fn load_all() -> Vec<FormDefinition> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(forms_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let def =
            FormDefinition::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            path.file_stem().unwrap().to_str().unwrap(),
            def.code,
            "file name and code differ"
        );
        out.push(def);
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// One shipped definition, parsed from its file.
fn form(code: &str) -> FormDefinition {
    let text = std::fs::read_to_string(forms_dir().join(format!("{code}.toml"))).unwrap();
    FormDefinition::parse(&text).unwrap_or_else(|e| panic!("{code}: {e}"))
}

#[test]
fn the_fifteen_form_types_load() {
    let defs = load_all();
    let codes: Vec<&str> = defs.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "fg_calibration",
            "fg_consumables",
            "fg_inspection_dilution",
            "fg_inspection_direct",
            "fg_inspection_extractive",
            "fg_inspection_nmhc",
            "fg_periodic_verification",
            "fg_repair",
            "fg_standard_gas_replacement",
            "ww_consumables",
            "ww_inspection",
            "ww_repair",
            "ww_sample_comparison",
            "ww_standard_check",
            "ww_standard_replacement",
        ]
    );
    let ww = defs
        .iter()
        .filter(|d| d.outlet_kind == OutletKind::Wastewater)
        .count();
    assert_eq!(
        (ww, defs.len() - ww),
        (6, 9),
        "6 wastewater and 9 flue-gas forms (seed)"
    );
    let _ = evaluate(
        &defs[0],
        &Input {
            fields: &serde_json::json!({}),
            instrument_ids: None,
            previous: &NoPrevious,
            registered: None,
            standards: None,
            emission_limits: None,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// `PreviousValues` served from a map keyed `instrument_id/parameter/field`; records which keys
/// were asked for, so an example cannot carry a value nobody reads.
struct Previous {
    code: String,
    values: BTreeMap<String, Decimal>,
    asked: Mutex<BTreeSet<String>>,
}

impl Previous {
    fn new(code: &str, values: &[(&str, &str)]) -> Previous {
        Previous {
            code: code.to_string(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), parse_decimal(v).unwrap()))
                .collect(),
            asked: Mutex::new(BTreeSet::new()),
        }
    }
}

impl PreviousValues for Previous {
    fn previous(
        &self,
        form_code: &str,
        instrument_id: &str,
        parameter: &str,
        field: &str,
    ) -> Option<Decimal> {
        assert_eq!(
            form_code, self.code,
            "previous value asked for another form type"
        );
        let key = format!("{instrument_id}/{parameter}/{field}");
        let v = self.values.get(&key).copied();
        self.asked.lock().unwrap().insert(key);
        v
    }
}

/// A value of the evaluated fields by path: `analytes[0].pairs[2].online`.
fn at<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut cur: Option<&Value> = None;
    for (i, part) in path.split('.').enumerate() {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        cur = if i == 0 {
            fields.get(name)
        } else {
            cur?.get(name)
        };
        if !rest.is_empty() {
            for idx in rest.trim_end_matches(']').split("][") {
                cur = cur?.get(idx.parse::<usize>().unwrap());
            }
        }
    }
    cur
}

/// Applies a JSON pointer: sets the value, or removes the key / array element when it is null.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let tokens: Vec<String> = pointer
        .strip_prefix('/')
        .unwrap_or_else(|| panic!("pointer {pointer} must start with /"))
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, parents) = tokens.split_last().unwrap();
    let mut cur = doc;
    for t in parents {
        cur = match cur {
            Value::Object(m) => m.entry(t.clone()).or_insert_with(|| json!({})),
            Value::Array(a) => {
                let i: usize = t.parse().unwrap();
                a.get_mut(i)
                    .unwrap_or_else(|| panic!("{pointer}: no element {i}"))
            }
            _ => panic!("{pointer}: {t} is not inside an object or array"),
        };
    }
    match cur {
        Value::Object(m) => {
            if value.is_null() {
                assert!(m.remove(last).is_some(), "{pointer}: nothing to remove");
            } else {
                m.insert(last.clone(), value);
            }
        }
        Value::Array(a) => {
            let i: usize = last.parse().unwrap();
            if value.is_null() {
                assert!(i < a.len(), "{pointer}: nothing to remove");
                a.remove(i);
            } else if i == a.len() {
                a.push(value);
            } else {
                a[i] = value;
            }
        }
        _ => panic!("{pointer}: parent is not an object or array"),
    }
}

/// Fills every check item of the chosen tabs that `doc` does not give.
fn fill_checks(def: &FormDefinition, doc: &mut Value, result: &str) {
    let mut tabs = HashSet::new();
    for s in &def.sections {
        for f in s.fields.iter().filter(|f| f.kind == Kind::Tabs) {
            for t in doc[&s.id][&f.id]
                .as_array()
                .expect("fill_checks needs the tabs")
            {
                tabs.insert(PeriodGroup::parse(t.as_str().unwrap()).unwrap());
            }
        }
    }
    let item = json!({ "result": result });
    for s in &def.sections {
        let due: Vec<&str> = s
            .fields
            .iter()
            .filter(|f| f.kind == Kind::Check)
            .filter(|f| {
                f.period_days
                    .is_some_and(|p| tabs.contains(&PeriodGroup::of(p)))
            })
            .map(|f| f.id.as_str())
            .collect();
        if due.is_empty() {
            continue;
        }
        let root = doc.as_object_mut().unwrap();
        let mut instances: Vec<&mut Map<String, Value>> = match s.repeat {
            Repeat::Once => vec![
                root.entry(s.id.clone())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .unwrap(),
            ],
            Repeat::PerInstrument => root
                .get_mut(&s.id)
                .and_then(Value::as_array_mut)
                .unwrap_or_else(|| panic!("{}: per-instrument section {} missing", def.code, s.id))
                .iter_mut()
                .map(|v| v.as_object_mut().unwrap())
                .collect(),
        };
        for obj in &mut instances {
            for id in &due {
                obj.entry(id.to_string()).or_insert_with(|| item.clone());
            }
        }
    }
}

fn run(
    def: &FormDefinition,
    fields: &Value,
    instrument_ids: Option<&[String]>,
    previous: &dyn PreviousValues,
) -> Result<Evaluation, Errors> {
    evaluate(
        def,
        &Input {
            fields,
            instrument_ids,
            previous,
            registered: None,
            standards: None,
            emission_limits: None,
        },
    )
}

/// The field a path points at (its last segment, without an index).
fn field_at<'a>(def: &'a FormDefinition, path: &str) -> Option<&'a emss_domain::form::Field> {
    let last = path.rsplit('.').next().unwrap();
    let id = last.split('[').next().unwrap();
    def.all_fields()
        .into_iter()
        .map(|(_, f)| f)
        .find(|f| f.id == id)
}

/// Every verdict is explained; every judged verdict that applies a limit names it, its source and
/// its confidence, and the output holds the same outcome at the verdict's path.
fn assert_verdicts_well_formed(def: &FormDefinition, ev: &Evaluation) {
    for v in &ev.verdicts {
        assert!(
            !v.explanation.trim().is_empty(),
            "{}: no explanation",
            v.path
        );
        let f = field_at(def, &v.path).unwrap_or_else(|| panic!("{}: no such field", v.path));
        assert_eq!(f.kind, Kind::Verdict, "{}", v.path);
        assert_eq!(
            at(&ev.fields, &v.path),
            Some(&serde_json::to_value(v.outcome).unwrap()),
            "{}: stored outcome differs",
            v.path
        );
        if f.rule != Some(Rule::All) && v.outcome != Outcome::NotApplicable {
            assert!(
                v.limit.as_deref().is_some_and(|l| !l.is_empty()),
                "{}: no limit",
                v.path
            );
            let source = v
                .source
                .as_deref()
                .unwrap_or_else(|| panic!("{}: no source", v.path));
            assert!(!source.is_empty(), "{}: empty source", v.path);
            assert!(v.confidence.is_some(), "{}: no confidence", v.path);
            assert!(
                v.explanation.contains(source),
                "{}: {}",
                v.path,
                v.explanation
            );
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn every_form_type_has_a_valid_example_and_invalid_examples() {
    let defs = load_all();
    let mut files: Vec<String> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let expected: Vec<String> = defs.iter().map(|d| format!("{}.json", d.code)).collect();
    assert_eq!(files, expected, "one example file per form type");

    let mut cases = 0;
    let mut problems: Vec<String> = Vec::new();
    for def in &defs {
        let path = examples_dir().join(format!("{}.json", def.code));
        let ex: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let code = def.code.as_str();
        for key in ex.as_object().unwrap().keys() {
            assert!(
                [
                    "instrument_ids",
                    "previous",
                    "fill_checks",
                    "valid",
                    "expect",
                    "invalid"
                ]
                .contains(&key.as_str()),
                "{code}: unknown key {key}"
            );
        }
        let ids: Option<Vec<String>> = ex.get("instrument_ids").map(strings);
        let prev_pairs: Vec<(String, String)> = ex
            .get("previous")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let prev_refs: Vec<(&str, &str)> = prev_pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();

        let mut valid = ex["valid"].clone();
        if let Some(fill) = ex.get("fill_checks").and_then(Value::as_str) {
            fill_checks(def, &mut valid, fill);
        }

        // The valid example.
        let previous = Previous::new(code, &prev_refs);
        let ev = match run(def, &valid, ids.as_deref(), &previous) {
            Ok(ev) => ev,
            Err(e) => {
                problems.push(format!("{code}: the valid example is refused: {e:#?}"));
                continue;
            }
        };
        let asked = previous.asked.lock().unwrap().clone();
        let unread: Vec<&String> = previous
            .values
            .keys()
            .filter(|k| !asked.contains(*k))
            .collect();
        assert!(
            unread.is_empty(),
            "{code}: previous values never asked for: {unread:?}"
        );
        assert_verdicts_well_formed(def, &ev);
        let expect = ex["expect"].as_object().unwrap();
        for kind in [Kind::Verdict, Kind::Computed] {
            let has = def.all_fields().iter().any(|(_, f)| f.kind == kind);
            let expected = expect
                .keys()
                .any(|p| field_at(def, p).is_some_and(|f| f.kind == kind));
            assert!(!has || expected, "{code}: expect names no {kind:?} field");
        }
        for (p, want) in expect {
            let got = at(&ev.fields, p);
            let want = if want.is_null() { None } else { Some(want) };
            if got != want {
                problems.push(format!("{code}: {p}: expected {want:?}, got {got:?}"));
            }
        }

        // The invalid cases.
        let invalid = ex["invalid"].as_array().unwrap();
        assert!(invalid.len() >= 3, "{code}: at least 3 invalid cases");
        for case in invalid {
            let why = case["why"].as_str().unwrap();
            let mut doc = valid.clone();
            for (pointer, v) in case["set"].as_object().unwrap() {
                set(&mut doc, pointer, v.clone());
            }
            let case_ids: Option<Vec<String>> = case
                .get("instrument_ids")
                .map(strings)
                .or_else(|| ids.clone());
            let previous = Previous::new(code, &prev_refs);
            let want: Errors = case["errors"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            assert!(!want.is_empty(), "{code} / {why}: no errors listed");
            match run(def, &doc, case_ids.as_deref(), &previous) {
                Ok(_) => problems.push(format!("{code} / {why}: accepted")),
                Err(got) if got != want => {
                    problems.push(format!(
                        "{code} / {why}:\n  expected {want:?}\n  got      {got:?}"
                    ));
                }
                Err(_) => {}
            }
            cases += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(cases >= 45, "{cases} invalid cases");
}

// ---------------------------------------------------------------------------------------------
// Focused tests through the shipped definitions
// ---------------------------------------------------------------------------------------------

fn verdict<'a>(ev: &'a Evaluation, path: &str) -> &'a Verdict {
    ev.verdicts
        .iter()
        .find(|v| v.path == path)
        .unwrap_or_else(|| panic!("no verdict at {path}"))
}

fn field<'a>(ev: &'a Evaluation, path: &str) -> &'a Value {
    at(&ev.fields, path).unwrap_or_else(|| panic!("no field at {path}"))
}

fn ok(
    def: &FormDefinition,
    fields: &Value,
    ids: &[&str],
    previous: &dyn PreviousValues,
) -> Evaluation {
    let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    run(def, fields, Some(&ids), previous)
        .unwrap_or_else(|e| panic!("{}: refused: {e:#?}", def.code))
}

/// One analyte of the calibration form: range, zero block (reference, pre, post) and span block.
struct Cal<'a> {
    parameter: &'a str,
    unit: &'a str,
    range: (&'a str, &'a str),
    zero: (&'a str, &'a str, &'a str),
    span: (&'a str, &'a str, &'a str),
}

fn calibration(c: &Cal, previous: &dyn PreviousValues) -> Evaluation {
    let fields = json!({
        "header": {
            "calibrated_on": "2026-11-18",
            "started_at": "2026-11-18T09:10:00+08:00",
            "ended_at": "2026-11-18T10:05:00+08:00",
            "cems_maker": "聚光科技（杭州）股份有限公司",
            "cems_model": "CEMS-2000B"
        },
        "analytes": [{
            "instrument_id": "i1",
            "parameter": c.parameter,
            "principle": "紫外差分吸收",
            "range_lower": c.range.0,
            "range_upper": c.range.1,
            "unit": c.unit,
            "zero_reference": c.zero.0,
            "zero_pre": c.zero.1,
            "zero_post": c.zero.2,
            "span_reference": c.span.0,
            "span_pre": c.span.1,
            "span_post": c.span.2
        }],
        "evidence": { "photos": ["ph-1"] }
    });
    ok(&form("fg_calibration"), &fields, &["i1"], previous)
}

/// SO2 0–200 mg/m³, last post-calibration values zero 1.0 and span 160.0.
fn so2_drift(zero_pre: &str, span_pre: &str) -> Evaluation {
    let previous = Previous::new(
        "fg_calibration",
        &[
            ("i1/二氧化硫/zero_post", "1.0"),
            ("i1/二氧化硫/span_post", "160.0"),
        ],
    );
    calibration(
        &Cal {
            parameter: "二氧化硫",
            unit: "mg/m³",
            range: ("0", "200"),
            zero: ("0", zero_pre, "0.4"),
            span: ("160", span_pre, "160.2"),
        },
        &previous,
    )
}

#[test]
fn gas_drift_on_inside_and_outside_the_calibration_limit_and_beyond_out_of_control() {
    // (zero_pre, zero drift, outcome): last post-calibration 1.0 on 0–200, ±2.5 %F.S., 失控 ±5.
    let zero = [
        ("6.0", "2.5", "pass"),
        ("5.8", "2.4", "pass"),
        ("6.08", "2.5", "pass"), // 2.54 is rounded (GB/T 8170) before it is compared
        ("6.2", "2.6", "fail"),
        ("6.1", "2.6", "fail"), // 2.55 → 2.6 (five rounds to even)
        ("11.0", "5.0", "fail"),
        ("11.2", "5.1", "out_of_control"),
        ("-4.0", "-2.5", "pass"),
        ("-3.8", "-2.4", "pass"),
        ("-4.2", "-2.6", "fail"),
        ("-9.0", "-5.0", "fail"),
        ("-9.2", "-5.1", "out_of_control"),
    ];
    for (pre, drift, outcome) in zero {
        let ev = so2_drift(pre, "160.4");
        assert_eq!(
            field(&ev, "analytes[0].zero_drift"),
            drift,
            "zero_pre {pre}"
        );
        assert_eq!(
            field(&ev, "analytes[0].zero_drift_verdict"),
            outcome,
            "zero_pre {pre}"
        );
        assert_eq!(field(&ev, "analytes[0].zero_last_post"), "1.000");
        let v = verdict(&ev, "analytes[0].zero_drift_verdict");
        assert_eq!(serde_json::to_value(v.outcome).unwrap(), outcome);
        assert_eq!(v.limit.as_deref(), Some("±2.5 %F.S.（失控限 ±5 %F.S.）"));
        match outcome {
            "fail" => assert!(
                v.explanation
                    .ends_with("超出校准限值，须重新校准（限值未经标准原文确认）"),
                "{}",
                v.explanation
            ),
            "out_of_control" => assert!(v.explanation.contains("失控"), "{}", v.explanation),
            _ => assert!(
                v.explanation.ends_with("合格（限值未经标准原文确认）"),
                "{}",
                v.explanation
            ),
        }
    }
    // Span: ±2.5 %F.S., 失控 ±10 %F.S.; last post-calibration 160.0.
    let span = [
        ("165.0", "2.5", "pass"),
        ("165.2", "2.6", "fail"),
        ("180.0", "10.0", "fail"),
        ("180.2", "10.1", "out_of_control"),
        ("155.0", "-2.5", "pass"),
        ("154.8", "-2.6", "fail"),
        ("139.8", "-10.1", "out_of_control"),
    ];
    for (pre, drift, outcome) in span {
        let ev = so2_drift("1.2", pre);
        assert_eq!(
            field(&ev, "analytes[0].span_drift"),
            drift,
            "span_pre {pre}"
        );
        assert_eq!(
            field(&ev, "analytes[0].span_drift_verdict"),
            outcome,
            "span_pre {pre}"
        );
        assert_eq!(
            verdict(&ev, "analytes[0].span_drift_verdict")
                .limit
                .as_deref(),
            Some("±2.5 %F.S.（失控限 ±10 %F.S.）")
        );
    }
}

#[test]
fn drift_is_measured_against_the_last_post_calibration_value_not_the_reference() {
    // The reference gas is 160 but the last post-calibration reading was 158.0: span_pre 163.2 is
    // +2.6 %F.S. of drift (fail), though against the reference gas it reads only +1.6 %F.S. —
    // which version 2 no longer judges (no basis in the standards).
    let previous = Previous::new(
        "fg_calibration",
        &[
            ("i1/二氧化硫/zero_post", "0.8"),
            ("i1/二氧化硫/span_post", "158.0"),
        ],
    );
    let ev = calibration(
        &Cal {
            parameter: "二氧化硫",
            unit: "mg/m³",
            range: ("0", "200"),
            zero: ("0", "2.1", "0.3"),
            span: ("160.0", "163.2", "160.6"),
        },
        &previous,
    );
    assert_eq!(field(&ev, "analytes[0].span_drift"), "2.6");
    assert_eq!(field(&ev, "analytes[0].span_drift_verdict"), "fail");
    assert!(at(&ev.fields, "analytes[0].span_error").is_none());
    // 0.65 rounds to the even neighbour; 0.15 rounds up to 0.2.
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "0.6");
    assert_eq!(field(&ev, "analytes[0].zero_post_error"), "0.2");
    // A failing drift makes 仪器校准是否正常 fail, whatever the post-calibration readings.
    assert_eq!(field(&ev, "analytes[0].calibration_ok"), "fail");
    // A range that does not start at zero narrows the full scale: (110 − 100) / 400 = 2.5 %.
    let previous = Previous::new(
        "fg_calibration",
        &[("i1/氧气/zero_post", "100"), ("i1/氧气/span_post", "400")],
    );
    let ev = calibration(
        &Cal {
            parameter: "氧气",
            unit: "%",
            range: ("50", "450"),
            zero: ("100", "110", "100"),
            span: ("400", "400", "400"),
        },
        &previous,
    );
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "2.5");
    assert_eq!(field(&ev, "analytes[0].zero_drift_verdict"), "pass");
}

#[test]
fn first_calibration_has_no_drift_and_judges_only_the_post_calibration_readings() {
    let ev = calibration(
        &Cal {
            parameter: "二氧化硫",
            unit: "mg/m³",
            range: ("0", "200"),
            zero: ("0", "6.0", "0.4"),
            span: ("160", "162.0", "160.2"),
        },
        &NoPrevious,
    );
    for block in ["zero", "span"] {
        assert_eq!(
            at(&ev.fields, &format!("analytes[0].{block}_last_post")),
            None
        );
        assert_eq!(at(&ev.fields, &format!("analytes[0].{block}_drift")), None);
        let path = format!("analytes[0].{block}_drift_verdict");
        assert_eq!(field(&ev, &path), "not_applicable");
        let v = verdict(&ev, &path);
        assert_eq!(v.outcome, Outcome::NotApplicable);
        assert!(v.explanation.contains("首次校准"), "{}", v.explanation);
        assert!(!v.outcome.is_failure());
    }
    // A pre-calibration reading of 6.0 on 0–200 is not judged against the reference gas (version
    // 1's 校准误差 had no basis in the standards); the readings after adjustment are.
    assert!(at(&ev.fields, "analytes[0].zero_error_verdict").is_none());
    assert_eq!(field(&ev, "analytes[0].zero_post_error"), "0.2");
    assert_eq!(field(&ev, "analytes[0].zero_post_verdict"), "pass");
    assert_eq!(field(&ev, "analytes[0].calibration_ok"), "pass");
    assert_eq!(ev.failures().count(), 0);
}

#[test]
fn particulate_and_flow_choose_their_own_limits() {
    let run_drift = |parameter: &str, unit: &str, upper: &str, zero_pre: &str| {
        let key = |f: &str| format!("i1/{parameter}/{f}");
        let (zk, sk) = (key("zero_post"), key("span_post"));
        let previous = Previous::new("fg_calibration", &[(&zk, "0"), (&sk, "15")]);
        calibration(
            &Cal {
                parameter,
                unit,
                range: ("0", upper),
                zero: ("0", zero_pre, "0"),
                span: ("15", "15", "15"),
            },
            &previous,
        )
    };
    // Particulate 0–50 mg/m³: ±2.0 %F.S., 失控 ±8 %F.S. A drift of 2.2 passes for a gas.
    let ev = run_drift("颗粒物", "mg/m³", "50", "1.1");
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "2.2");
    assert_eq!(field(&ev, "analytes[0].zero_drift_verdict"), "fail");
    let v = verdict(&ev, "analytes[0].zero_drift_verdict");
    assert_eq!(v.limit.as_deref(), Some("±2 %F.S.（失控限 ±8 %F.S.）"));
    assert_eq!(
        verdict(&ev, "analytes[0].zero_post_verdict")
            .limit
            .as_deref(),
        Some("±2 %F.S.")
    );
    let gas = run_drift("二氧化硫", "mg/m³", "50", "1.1");
    assert_eq!(field(&gas, "analytes[0].zero_drift_verdict"), "pass");
    // 6 %F.S. is 失控 for a gas zero (±5) but only a recalibration for particulate (±8).
    let ev = run_drift("颗粒物", "mg/m³", "50", "3.0");
    assert_eq!(field(&ev, "analytes[0].zero_drift_verdict"), "fail");
    let gas = run_drift("二氧化硫", "mg/m³", "50", "3.0");
    assert_eq!(
        field(&gas, "analytes[0].zero_drift_verdict"),
        "out_of_control"
    );
    let ev = run_drift("颗粒物", "mg/m³", "50", "4.1");
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "8.2");
    assert_eq!(
        field(&ev, "analytes[0].zero_drift_verdict"),
        "out_of_control"
    );

    // Flow velocity 0–30 m/s: ±3.0 %F.S. A drift of 2.7 fails for a gas.
    let ev = run_drift("流速", "m/s", "30", "0.81");
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "2.7");
    assert_eq!(field(&ev, "analytes[0].zero_drift_verdict"), "pass");
    assert_eq!(
        verdict(&ev, "analytes[0].zero_drift_verdict")
            .limit
            .as_deref(),
        Some("±3 %F.S.（失控限 ±8 %F.S.）")
    );
    let gas = run_drift("氧气", "%", "30", "0.81");
    assert_eq!(field(&gas, "analytes[0].zero_drift_verdict"), "fail");
    let ev = run_drift("流速", "m/s", "30", "0.9");
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "3.0");
    assert_eq!(field(&ev, "analytes[0].zero_drift_verdict"), "pass");
    let ev = run_drift("流速", "m/s", "30", "0.93");
    assert_eq!(field(&ev, "analytes[0].zero_drift"), "3.1");
    assert_eq!(field(&ev, "analytes[0].zero_drift_verdict"), "fail");
}

#[test]
fn verdict_explanations_carry_value_limit_and_source() {
    let ev = so2_drift("6.2", "160.4");
    let v = verdict(&ev, "analytes[0].zero_drift_verdict");
    let def = form("fg_calibration");
    let source = &def.limit("drift_gas_zero").unwrap().source;
    assert_eq!(v.value.as_deref(), Some("2.6"));
    assert_eq!(v.source.as_ref(), Some(source));
    assert_eq!(v.unit.as_deref(), Some("%F.S."));
    assert!(v.confidence.is_some());
    for part in [
        "零点漂移",
        "2.6",
        "±2.5 %F.S.",
        "失控限 ±5 %F.S.",
        source.as_str(),
    ] {
        assert!(
            v.explanation.contains(part),
            "{part} missing: {}",
            v.explanation
        );
    }

    // A comparison pair: reference value, the band's limit, the source and the error.
    let ev = comparison("总氮", &[("1.7", "2.0")]);
    let v = verdict(&ev, "analytes[0].pairs[0].pair_verdict");
    let def = form("ww_sample_comparison");
    let source = &def.limit("tn").unwrap().source;
    assert_eq!(v.value.as_deref(), Some("-15.0"));
    assert_eq!(v.unit.as_deref(), Some("%"));
    assert_eq!(v.limit.as_deref(), Some("≥ 2 mg/L：相对误差 ±15 %"));
    for part in [
        "-15.0",
        "≥ 2 mg/L：相对误差 ±15 %",
        "参比值 2",
        source.as_str(),
        "合格",
    ] {
        assert!(
            v.explanation.contains(part),
            "{part} missing: {}",
            v.explanation
        );
    }
}

/// One analyte of the comparison form, pairs of (online, lab mean as a single lab result).
fn comparison(parameter: &str, pairs: &[(&str, &str)]) -> Evaluation {
    let rows: Vec<Value> = pairs
        .iter()
        .enumerate()
        .map(|(i, (online, lab))| {
            json!({
                "sampled_at": format!("2026-11-12T{:02}:30:00+08:00", 9 + i),
                "online": online,
                "lab_1": lab,
            })
        })
        .collect();
    let fields = json!({
        "header": { "compared_on": "2026-11-12", "lab_method": "HJ 828-2017 重铬酸盐法" },
        "analytes": [{ "instrument_id": "i1", "parameter": parameter, "unit": "mg/L", "pairs": rows }],
        "conclusion": { "photos": ["ph-1"] }
    });
    ok(&form("ww_sample_comparison"), &fields, &["i1"], &NoPrevious)
}

fn pair_outcome(parameter: &str, online: &str, lab: &str) -> (String, String, String) {
    let ev = comparison(parameter, &[(online, lab)]);
    let v = verdict(&ev, "analytes[0].pairs[0].pair_verdict");
    (
        field(&ev, "analytes[0].pairs[0].pair_verdict")
            .as_str()
            .unwrap()
            .to_string(),
        v.value.clone().unwrap_or_default(),
        v.limit.clone().unwrap_or_default(),
    )
}

#[test]
fn sample_comparison_bands_are_chosen_by_the_lab_value() {
    let abs5 = "其余：绝对误差 ±5 mg/L";
    let rel30 = "≥ 30 mg/L：相对误差 ±30 %";
    let rel20 = "≥ 60 mg/L：相对误差 ±20 %";
    let rel15 = "≥ 100 mg/L：相对误差 ±15 %";
    // (online, lab, outcome, error, band)
    let cod = [
        ("34.99", "29.99", "pass", "5.0", abs5),
        ("35.1", "29.99", "fail", "5.1", abs5),
        ("24.99", "29.99", "pass", "-5.0", abs5),
        ("39", "30", "pass", "30.0", rel30),
        ("39.1", "30", "fail", "30.3", rel30),
        ("21", "30", "pass", "-30.0", rel30),
        ("77.9", "59.99", "pass", "29.9", rel30),
        ("72", "60", "pass", "20.0", rel20),
        ("72.1", "60", "fail", "20.2", rel20),
        ("48", "60", "pass", "-20.0", rel20),
        ("119.9", "99.99", "pass", "19.9", rel20),
        ("115", "100", "pass", "15.0", rel15),
        ("85", "100", "pass", "-15.0", rel15),
        ("84.9", "100", "fail", "-15.1", rel15),
        ("115.1", "100", "fail", "15.1", rel15),
    ];
    for (online, lab, outcome, error, band) in cod {
        let got = pair_outcome("化学需氧量", online, lab);
        assert_eq!(
            got,
            (outcome.into(), error.into(), band.into()),
            "COD online {online} lab {lab}"
        );
    }
    // TOC is compared on the COD bands.
    assert_eq!(pair_outcome("总有机碳", "115", "100").0, "pass");

    // NH3-N below 2 mg/L: ±0.3 mg/L absolute, exactly on the edge passes (decimal arithmetic:
    // 1.5 − 1.2 is 0.30000000000000004 in binary floating point).
    let nh3 = [
        ("1.5", "1.2", "pass", "0.30"),
        ("0.9", "1.2", "pass", "-0.30"),
        ("1.51", "1.2", "fail", "0.31"),
        ("0.89", "1.2", "fail", "-0.31"),
        ("2.3", "2.0", "pass", "15.0"),
        ("2.302", "2.0", "fail", "15.1"),
    ];
    for (online, lab, outcome, error) in nh3 {
        let got = pair_outcome("氨氮", online, lab);
        assert_eq!(
            (got.0.as_str(), got.1.as_str()),
            (outcome, error),
            "NH3-N online {online} lab {lab}"
        );
    }
    // TN from 2 mg/L: ±15 %, −15 % exactly passes; −15.05 rounds to −15.0 (even) and passes.
    let tn = [
        ("1.7", "2.0", "pass", "-15.0"),
        ("2.3", "2.0", "pass", "15.0"),
        ("1.699", "2.0", "pass", "-15.0"),
        ("1.698", "2.0", "fail", "-15.1"),
        ("2.302", "2.0", "fail", "15.1"),
        ("2.1", "1.8", "pass", "0.30"),
        ("2.11", "1.8", "fail", "0.31"),
    ];
    for (online, lab, outcome, error) in tn {
        let got = pair_outcome("总氮", online, lab);
        assert_eq!(
            (got.0.as_str(), got.1.as_str()),
            (outcome, error),
            "TN online {online} lab {lab}"
        );
    }
    // The band follows the mean of the two lab results, not the online value.
    let fields = json!({
        "header": { "compared_on": "2026-11-12", "lab_method": "HJ 828-2017 重铬酸盐法" },
        "analytes": [{ "instrument_id": "i1", "parameter": "化学需氧量", "unit": "mg/L", "pairs": [
            { "sampled_at": "2026-11-12T09:30:00+08:00", "online": "125", "lab_1": "98.0", "lab_2": "102.0" }
        ]}],
        "conclusion": { "photos": ["ph-1"] }
    });
    let ev = ok(&form("ww_sample_comparison"), &fields, &["i1"], &NoPrevious);
    assert_eq!(field(&ev, "analytes[0].pairs[0].lab_mean"), "100.000");
    let v = verdict(&ev, "analytes[0].pairs[0].pair_verdict");
    assert_eq!(
        (v.outcome, v.value.as_deref()),
        (Outcome::Fail, Some("25.0"))
    );
    assert_eq!(v.limit.as_deref(), Some(rel15));
}

#[test]
fn sample_comparison_pass_count_rule() {
    // COD at lab 100: online 110 passes (+10 %), online 130 fails (+30 %).
    let cases: [(usize, usize, &str); 7] = [
        (3, 3, "pass"),
        (3, 2, "pass"),
        (3, 1, "fail"),
        (4, 2, "fail"),
        (4, 3, "pass"),
        (5, 4, "pass"),
        (5, 3, "fail"),
    ];
    for (n, passing, outcome) in cases {
        let pairs: Vec<(&str, &str)> = (0..n)
            .map(|i| (if i < passing { "110" } else { "130" }, "100"))
            .collect();
        let ev = comparison("化学需氧量", &pairs);
        assert_eq!(
            field(&ev, "analytes[0].analyte_verdict"),
            outcome,
            "{passing}/{n}"
        );
        assert_eq!(
            field(&ev, "conclusion.overall_verdict"),
            outcome,
            "{passing}/{n}"
        );
        let v = verdict(&ev, "analytes[0].analyte_verdict");
        assert_eq!(v.value.as_deref(), Some(format!("{passing}/{n}").as_str()));
        assert!(
            v.explanation
                .contains(&format!("比对 {n} 对，合格 {passing} 对")),
            "{}",
            v.explanation
        );
    }
    // Two pairs are too few, even when both pass.
    let ev = comparison("化学需氧量", &[("110", "100"), ("105", "100")]);
    assert_eq!(field(&ev, "analytes[0].analyte_verdict"), "fail");
    let v = verdict(&ev, "analytes[0].analyte_verdict");
    assert!(
        v.explanation.contains("少于要求的 3 对"),
        "{}",
        v.explanation
    );
    assert_eq!(field(&ev, "conclusion.overall_verdict"), "fail");
}

/// One parameter of the periodic verification, pairs of (reference, CEMS).
fn verification(parameter: &str, unit: &str, pairs: &[(String, String)]) -> Evaluation {
    let rows: Vec<Value> = pairs
        .iter()
        .enumerate()
        .map(|(i, (r, c))| {
            json!({
                "measured_at": format!("2026-11-10T{:02}:{:02}:00+08:00", 9 + i / 4, (i % 4) * 15),
                "reference": r,
                "cems": c,
            })
        })
        .collect();
    let fields = json!({
        "header": {
            "verified_on": "2026-11-10",
            "cems_maker": "雪迪龙 SCS-900",
            "reference_instruments": "崂应 3012H 自动烟尘（气）测试仪，编号 LY-3012H-0618"
        },
        "parameters": [{ "instrument_id": "i1", "parameter": parameter, "unit": unit, "pairs": rows }],
        "conclusion": { "adjustment_remark": "无", "coefficient_remark": "无", "photos": ["ph-1"] }
    });
    ok(
        &form("fg_periodic_verification"),
        &fields,
        &["i1"],
        &NoPrevious,
    )
}

fn pairs_of(reference: &[&str], cems: &[&str]) -> Vec<(String, String)> {
    reference
        .iter()
        .zip(cems)
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .collect()
}

#[test]
fn periodic_verification_bands() {
    // SO2 ≥ 250 µmol/mol: relative accuracy over 9 pairs. d̄ = 0, Sd = 4, cc = 2.306 × 4 / 3,
    // RA = 3.0747 / 300 = 1.0 %.
    let reference = ["300"; 9];
    let cems = [
        "296", "304", "296", "304", "300", "296", "304", "296", "304",
    ];
    let ev = verification("二氧化硫", "µmol/mol", &pairs_of(&reference, &cems));
    let v = verdict(&ev, "parameters[0].accuracy_verdict");
    assert_eq!(
        (v.outcome, v.value.as_deref()),
        (Outcome::Pass, Some("1.0"))
    );
    assert_eq!(
        v.limit.as_deref(),
        Some("≥ 250 µmol/mol（715 mg/m³）：相对准确度 ±15 %")
    );
    assert!(
        v.explanation.contains("相对准确度 1.0%"),
        "{}",
        v.explanation
    );
    assert_eq!(field(&ev, "parameters[0].reference_mean"), "300.000");
    assert_eq!(field(&ev, "conclusion.overall_verdict"), "pass");
    // A constant bias of 50 on 300: RA = 16.7 % > 15 %.
    let ev = verification("二氧化硫", "µmol/mol", &pairs_of(&reference, &["250"; 9]));
    let v = verdict(&ev, "parameters[0].accuracy_verdict");
    assert_eq!(
        (v.outcome, v.value.as_deref()),
        (Outcome::Fail, Some("16.7"))
    );
    assert_eq!(field(&ev, "conclusion.overall_verdict"), "fail");
    // Too few pairs: 8 of the 9 required.
    let ev = verification(
        "二氧化硫",
        "µmol/mol",
        &pairs_of(&reference[..8], &cems[..8]),
    );
    let v = verdict(&ev, "parameters[0].accuracy_verdict");
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.explanation.contains("有效数据 8 对，少于要求的 9 对"),
        "{}",
        v.explanation
    );
    // Lower SO2 bands: < 20 absolute ±6; 20–50 relative ±30 %; 50–250 absolute ±20.
    let nine = |r: &'static str, c: &'static str| pairs_of(&[r; 9], &[c; 9]);
    let band = |r, c| {
        let ev = verification("二氧化硫", "µmol/mol", &nine(r, c));
        let v = verdict(&ev, "parameters[0].accuracy_verdict").clone();
        (
            v.outcome,
            v.value.unwrap_or_default(),
            v.limit.unwrap_or_default(),
        )
    };
    assert_eq!(
        band("12", "18"),
        (
            Outcome::Pass,
            "6.0".into(),
            "其余：绝对误差 ±6 µmol/mol（17 mg/m³）".into()
        )
    );
    assert_eq!(
        band("12", "18.1"),
        (
            Outcome::Fail,
            "6.1".into(),
            "其余：绝对误差 ±6 µmol/mol（17 mg/m³）".into()
        )
    );
    assert_eq!(
        band("20", "26"),
        (
            Outcome::Pass,
            "30.0".into(),
            "≥ 20 µmol/mol（57 mg/m³）：相对误差 ±30 %".into()
        )
    );
    assert_eq!(
        band("100", "121"),
        (
            Outcome::Fail,
            "21.0".into(),
            "≥ 50 µmol/mol（143 mg/m³）：绝对误差 ±20 µmol/mol（57 mg/m³）".into()
        )
    );

    // Flue-gas temperature: absolute ±3 ℃ on the means, 5 pairs.
    let reference = ["119.5", "120.2", "120.1", "119.8", "120.4"];
    let temperature = |cems: [&str; 5]| {
        let ev = verification("温度", "℃", &pairs_of(&reference, &cems));
        let v = verdict(&ev, "parameters[0].accuracy_verdict").clone();
        (
            field(&ev, "parameters[0].accuracy_verdict").clone(),
            v.value.unwrap_or_default(),
            v.limit,
        )
    };
    let limit = Some("其余：绝对误差 ±3 ℃".to_string());
    assert_eq!(
        temperature(["122.5", "123.2", "123.1", "122.8", "123.4"]),
        (json!("pass"), "3.0".into(), limit.clone())
    );
    assert_eq!(
        temperature(["116.5", "117.2", "117.1", "116.8", "117.4"]),
        (json!("pass"), "-3.0".into(), limit.clone())
    );
    // +3.02 is rounded to +3.0 before it is compared.
    assert_eq!(
        temperature(["122.6", "123.2", "123.1", "122.8", "123.4"]),
        (json!("pass"), "3.0".into(), limit.clone())
    );
    assert_eq!(
        temperature(["122.6", "123.3", "123.2", "122.9", "123.5"]),
        (json!("fail"), "3.1".into(), limit)
    );
}

fn consumables(replaced_on: &str, expiry: &str) -> Evaluation {
    let fields = json!({
        "items": {
            "consumables": [{
                "name": "蠕动泵管", "model": "Pharmed BPT 内径 2.06 mm", "unit": "根",
                "quantity": 2, "replaced_on": replaced_on, "expiry": expiry
            }],
            "reason": "例行更换",
            "photos": ["ph-1"]
        }
    });
    ok(&form("ww_consumables"), &fields, &[], &NoPrevious)
}

#[test]
fn expiry_on_the_replacement_day_passes_and_a_day_earlier_fails() {
    let ev = consumables("2026-11-20", "2026-11-20");
    assert_eq!(field(&ev, "items.consumables[0].expiry_verdict"), "pass");
    let ev = consumables("2026-11-20", "2026-11-19");
    assert_eq!(field(&ev, "items.consumables[0].expiry_verdict"), "fail");
    let v = verdict(&ev, "items.consumables[0].expiry_verdict");
    assert_eq!(v.value.as_deref(), Some("2026-11-19"));
    assert!(v.explanation.contains("2026-11-19") && v.explanation.contains("2026-11-20"));
    assert!(v.explanation.contains("已过期"), "{}", v.explanation);
    assert_eq!(v.limit.as_deref(), Some("有效期不早于更换日期"));
    assert!(v.source.is_some() && v.confidence.is_some());

    // The same rule on the standard-gas form.
    let gas = |expiry: &str| {
        let fields = json!({
            "items": {
                "gases": [{
                    "name": "二氧化硫标准气体（氮气平衡）", "concentration": "160", "unit": "mg/m³",
                    "quantity": "1", "supplier": "上海申标标准气体有限公司",
                    "replaced_on": "2026-11-05", "replaced_by": "李强", "expiry": expiry
                }],
                "photos": ["ph-1"]
            }
        });
        let ev = ok(
            &form("fg_standard_gas_replacement"),
            &fields,
            &[],
            &NoPrevious,
        );
        field(&ev, "items.gases[0].expiry_verdict").clone()
    };
    assert_eq!(gas("2026-11-05"), "pass");
    assert_eq!(gas("2026-11-04"), "fail");
}

fn repair(fault_at: &str, recovered_at: &str) -> Evaluation {
    let fields = json!({
        "devices": [{
            "instrument_id": "i1",
            "fault_at": fault_at,
            "recovered_at": recovered_at,
            "description": "COD 分析仪消解单元加热丝断路",
            "summary": "更换加热丝，标样核查合格"
        }],
        "evidence": { "photos": ["ph-1"] }
    });
    ok(&form("ww_repair"), &fields, &["i1"], &NoPrevious)
}

#[test]
fn downtime_across_midnight_and_month_end() {
    let ev = repair("2026-11-20T22:40:00+08:00", "2026-11-21T03:10:00+08:00");
    assert_eq!(field(&ev, "devices[0].downtime"), "4.50");
    let ev = repair("2026-11-30T22:00:00+08:00", "2026-12-01T01:15:00+08:00");
    assert_eq!(field(&ev, "devices[0].downtime"), "3.25");
    // The same instant written in UTC.
    let ev = repair("2026-11-20T14:40:00Z", "2026-11-21T03:10:00+08:00");
    assert_eq!(field(&ev, "devices[0].downtime"), "4.50");
    let ev = repair("2026-11-20T08:00:00+08:00", "2026-11-20T08:00:00+08:00");
    assert_eq!(field(&ev, "devices[0].downtime"), "0.00");
    // 20 minutes is a third of an hour: 0.33.
    let ev = repair("2026-11-20T08:00:00+08:00", "2026-11-20T08:20:00+08:00");
    assert_eq!(field(&ev, "devices[0].downtime"), "0.33");
}

#[test]
fn the_harness_helpers() {
    let mut doc = json!({ "a": { "b": [ { "c": 1 }, { "c": 2 } ] } });
    set(&mut doc, "/a/b/0/c", json!(3));
    set(&mut doc, "/a/b/1", Value::Null);
    set(&mut doc, "/a/b/1", json!({ "c": 4 }));
    set(&mut doc, "/a/d~1e", json!("x"));
    set(&mut doc, "/f/g", json!(true));
    assert_eq!(
        doc,
        json!({ "a": { "b": [ { "c": 3 }, { "c": 4 } ], "d/e": "x" }, "f": { "g": true } })
    );
    let fields = doc.as_object().unwrap();
    assert_eq!(at(fields, "a.b[1].c"), Some(&json!(4)));
    assert_eq!(at(fields, "a.b[2].c"), None);
    assert_eq!(at(fields, "f.g"), Some(&json!(true)));
}

/// The calibration form with `analyte` for instrument i1, judged with i1 registered as SO₂ on
/// 0–200 mg/m³ (extractive) and its last post-calibration span value 160.0.
fn bound(analyte: Value) -> Result<Evaluation, Errors> {
    bound_with(analyte, None)
}

fn bound_with(analyte: Value, standards: Option<&Standards>) -> Result<Evaluation, Errors> {
    let mut a = json!({"instrument_id": "i1", "zero_reference": "0", "zero_pre": "0.4",
        "zero_post": "0.2", "span_reference": "160", "span_pre": "165.2", "span_post": "160.2"});
    for (k, v) in analyte.as_object().unwrap() {
        a[k] = v.clone();
    }
    let fields = json!({
        "header": {"calibrated_on": "2026-11-18", "started_at": "2026-11-18T09:10:00+08:00",
            "ended_at": "2026-11-18T10:05:00+08:00", "cems_maker": "聚光科技",
            "cems_model": "CEMS-2000B"},
        "analytes": [a],
        "evidence": {"photos": ["ph-1"]}
    });
    let registered: Registered = HashMap::from([(
        "i1".to_string(),
        HashMap::from(
            [
                ("parameter", "二氧化硫"),
                ("principle", "完全抽取法"),
                ("range_lower", "0"),
                ("range_upper", "200"),
                ("unit", "mg/m³"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        ),
    )]);
    let previous = Previous::new(
        "fg_calibration",
        &[
            ("i1/二氧化硫/zero_post", "0.2"),
            ("i1/二氧化硫/span_post", "160.0"),
        ],
    );
    let ids = vec!["i1".to_string()];
    evaluate(
        &form("fg_calibration"),
        &Input {
            fields: &fields,
            instrument_ids: Some(&ids),
            previous: &previous,
            registered: Some(&registered),
            standards,
            emission_limits: None,
        },
    )
}

#[test]
fn fields_bound_to_the_instrument_take_its_registered_values() {
    // Nothing typed: parameter, principle, range and unit come from the instrument's record, and
    // the span drift (165.2 − 160.0) / 200 = 2.6 %F.S. fails on 0–200.
    let ev = bound(json!({})).unwrap();
    assert_eq!(field(&ev, "analytes[0].range_upper"), "200");
    assert_eq!(field(&ev, "analytes[0].parameter"), "二氧化硫");
    assert_eq!(field(&ev, "analytes[0].principle"), "完全抽取法");
    assert_eq!(field(&ev, "analytes[0].span_drift"), "2.6");
    assert_eq!(
        verdict(&ev, "analytes[0].span_drift_verdict").outcome,
        Outcome::Fail
    );
    // The same values typed as the record registers them (200.0 is 200) are accepted.
    let same = bound(json!({"range_upper": "200.0", "parameter": "二氧化硫", "unit": "mg/m³"}));
    assert_eq!(
        verdict(&same.unwrap(), "analytes[0].span_drift_verdict").outcome,
        Outcome::Fail
    );
}

#[test]
fn a_typed_value_that_disagrees_with_the_instrument_is_refused_by_field() {
    // 250 would make the drift 2.08 % and pass; the parameter another limit.
    for (typed, path, registered) in [
        (
            json!({"range_upper": "250"}),
            "analytes[0].range_upper",
            "200",
        ),
        (
            json!({"range_lower": "-10"}),
            "analytes[0].range_lower",
            "0",
        ),
        (
            json!({"parameter": "颗粒物"}),
            "analytes[0].parameter",
            "二氧化硫",
        ),
        (json!({"unit": "µmol/mol"}), "analytes[0].unit", "mg/m³"),
        (
            json!({"principle": "稀释采样法"}),
            "analytes[0].principle",
            "完全抽取法",
        ),
    ] {
        let errors = bound(typed.clone()).unwrap_err();
        let message = errors
            .get(path)
            .unwrap_or_else(|| panic!("{typed} not refused: {errors:?}"));
        assert!(
            message.contains("仪器档案") && message.contains(registered),
            "{message}"
        );
    }
}

#[test]
fn typed_inputs_leave_what_the_system_fills_for_a_new_judgement() {
    let ev = bound(json!({})).unwrap();
    let inputs = typed_inputs(&form("fg_calibration"), &ev.fields);
    let a = &inputs["analytes"][0];
    assert_eq!(a["span_pre"], "165.2");
    assert_eq!(a["instrument_id"], "i1");
    for gone in [
        "span_drift",
        "span_drift_verdict",
        "span_last_post",
        "calibration_ok",
    ] {
        assert!(a.get(gone).is_none(), "{gone} kept in {a}");
    }
    assert_eq!(inputs["header"]["cems_model"], "CEMS-2000B");
}

/// The band (by its description) and outcome an SO₂ or NOx verification in `unit` lands in,
/// nine equal pairs of `reference` and `cems`.
fn landing(parameter: &str, unit: &str, reference: &str, cems: &str) -> (String, String, String) {
    let r = [reference; 9];
    let c = [cems; 9];
    let ev = verification(parameter, unit, &pairs_of(&r, &c));
    let v = verdict(&ev, "parameters[0].accuracy_verdict").clone();
    (
        v.limit.unwrap_or_default(),
        field(&ev, "parameters[0].accuracy_verdict")
            .as_str()
            .unwrap()
            .to_string(),
        v.explanation,
    )
}

#[test]
fn a_mg_reading_is_judged_against_the_umol_bands_by_the_printed_figures_at_each_edge() {
    // SO₂ in mg/m³: the standard prints 57, 143 and 715 mg/m³ beside 20, 50 and 250 µmol/mol.
    // Exact conversion would put 57.0 mg/m³ (19.93 µmol/mol) below 20; the printed figure puts
    // it in the 20–50 band.
    let cases = [
        ("56.9", "其余"),
        ("57", "≥ 20 µmol/mol"),
        ("57.1", "≥ 20 µmol/mol"),
        ("142.9", "≥ 20 µmol/mol"),
        ("143", "≥ 50 µmol/mol"),
        ("143.1", "≥ 50 µmol/mol"),
        ("714.9", "≥ 50 µmol/mol"),
        ("715", "≥ 250 µmol/mol"),
        ("715.1", "≥ 250 µmol/mol"),
    ];
    for (reference, band) in cases {
        let (limit, _, explanation) = landing("二氧化硫", "mg/m³", reference, reference);
        assert!(limit.starts_with(band), "{reference} mg/m³ → {limit}");
        assert!(
            explanation.contains("按标准所列 mg/m³ 数值"),
            "{explanation}"
        );
    }
    // NOx (as NO₂): 41, 103 and 513 mg/m³.
    for (reference, band) in [
        ("40.9", "其余"),
        ("41", "≥ 20 µmol/mol"),
        ("102.9", "≥ 20 µmol/mol"),
        ("103", "≥ 50 µmol/mol"),
        ("512.9", "≥ 50 µmol/mol"),
        ("513", "≥ 250 µmol/mol"),
    ] {
        let (limit, _, _) = landing("氮氧化物", "mg/m³", reference, reference);
        assert!(limit.starts_with(band), "NOx {reference} mg/m³ → {limit}");
    }
    // The absolute limits in mg/m³ are the printed ones too: ±17 below 57, ±57 from 143.
    assert_eq!(landing("二氧化硫", "mg/m³", "40", "57").1, "pass");
    assert_eq!(landing("二氧化硫", "mg/m³", "40", "57.1").1, "fail");
    assert_eq!(landing("二氧化硫", "mg/m³", "200", "257").1, "pass");
    assert_eq!(landing("二氧化硫", "mg/m³", "200", "257.1").1, "fail");
    // Read in µmol/mol, the µmol/mol figures apply directly.
    assert!(
        landing("二氧化硫", "µmol/mol", "20", "20")
            .0
            .starts_with("≥ 20 µmol/mol")
    );
    assert!(
        landing("二氧化硫", "ppm", "19.9", "19.9")
            .0
            .starts_with("其余")
    );
}

#[test]
fn a_unit_the_catalogue_cannot_convert_is_refused_never_compared() {
    let r = ["100"; 9];
    let fields = json!({
        "header": {"verified_on": "2026-11-10", "cems_maker": "雪迪龙 SCS-900",
            "reference_instruments": "崂应 3012H"},
        "parameters": [{ "instrument_id": "i1", "parameter": "二氧化硫", "unit": "mg/L",
            "pairs": pairs_of(&r, &r).iter().enumerate().map(|(i, (a, b))| json!({
                "measured_at": format!("2026-11-10T09:{:02}:00+08:00", i * 5),
                "reference": a, "cems": b})).collect::<Vec<_>>() }],
        "conclusion": { "adjustment_remark": "无", "coefficient_remark": "无", "photos": ["ph-1"] }
    });
    let ids = vec!["i1".to_string()];
    let errors = run(
        &form("fg_periodic_verification"),
        &fields,
        Some(&ids),
        &NoPrevious,
    )
    .unwrap_err();
    let message = &errors["parameters[0].accuracy_verdict"];
    assert!(
        message.contains("mg/L") && message.contains("µmol/mol"),
        "{message}"
    );
}

#[test]
fn without_printed_figures_a_reading_is_converted_exactly_and_the_conversion_shown() {
    // The same SO₂ bands with no printed mg/m³ figures: 57.0 mg/m³ is 19.93 µmol/mol, below 20.
    let text = std::fs::read_to_string(format!(
        "{}/../../catalogue/forms/fg_periodic_verification.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let stripped: String = text
        .lines()
        .map(|l| match l.find(", printed = {") {
            Some(i) => format!("{} }},", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let def = FormDefinition::parse(&stripped).unwrap();
    let l = def.limit("so2").unwrap();
    assert!(l.bands.iter().all(|b| b.printed.is_none()));
    let judge = |reference: &str| {
        let rows: Vec<Value> = (0..9)
            .map(|i| {
                json!({"measured_at": format!("2026-11-10T09:{:02}:00+08:00", i * 5),
                "reference": reference, "cems": reference})
            })
            .collect();
        let fields = json!({
            "header": {"verified_on": "2026-11-10", "cems_maker": "雪迪龙 SCS-900",
                "reference_instruments": "崂应 3012H"},
            "parameters": [{ "instrument_id": "i1", "parameter": "二氧化硫", "unit": "mg/m³",
                "pairs": rows }],
            "conclusion": { "adjustment_remark": "无", "coefficient_remark": "无",
                "photos": ["ph-1"] }
        });
        let ev = ok(&def, &fields, &["i1"], &NoPrevious);
        verdict(&ev, "parameters[0].accuracy_verdict").clone()
    };
    let v = judge("57");
    assert!(v.limit.as_deref().unwrap().starts_with("其余"), "{v:?}");
    assert!(
        v.explanation.contains("57 mg/m³ = 19.93 µmol/mol")
            && v.explanation.contains("64.058 g/mol"),
        "{}",
        v.explanation
    );
    // 57.3 mg/m³ is 20.04 µmol/mol: the relative band.
    assert!(
        judge("57.3")
            .limit
            .as_deref()
            .unwrap()
            .starts_with("≥ 20 µmol/mol")
    );
}

#[test]
fn every_band_edge_of_the_catalogue_is_judged_by_its_operator() {
    let step = Decimal::new(1, 3);
    let mut edges = 0;
    for code in [
        "fg_periodic_verification",
        "ww_sample_comparison",
        "ww_standard_check",
    ] {
        let def = form(code);
        for l in &def.limits {
            for (i, b) in l.bands.iter().enumerate().skip(1) {
                let edge = b.from.unwrap().0;
                let below = &l.bands[i - 1];
                let at_edge = l.band_for(edge).unwrap();
                let expected_at = match b.from_op {
                    emss_domain::form::Edge::AtLeast => b,
                    emss_domain::form::Edge::Above => below,
                };
                assert_eq!(at_edge, expected_at, "{code} {} at {edge}", l.id);
                assert_eq!(l.band_for(edge - step).unwrap(), below, "{} below", l.id);
                assert_eq!(l.band_for(edge + step).unwrap(), b, "{} above", l.id);
                if let Some(p) = &b.printed {
                    let printed = p.from.unwrap().0;
                    let at_printed = l.band_by_printed(printed, &p.unit).unwrap();
                    assert_eq!(at_printed, expected_at, "{} printed {printed}", l.id);
                    assert_eq!(l.band_by_printed(printed - step, &p.unit).unwrap(), below);
                    assert_eq!(l.band_by_printed(printed + step, &p.unit).unwrap(), b);
                }
                edges += 1;
            }
        }
    }
    assert!(edges >= 20, "{edges} edges");
    // The wording decides: O₂ "> 5.0 %" keeps 5.0 in the absolute band; SO₂ "≥ 250" does not.
    let pv = form("fg_periodic_verification");
    let o2 = pv.limit("o2").unwrap();
    assert_eq!(
        o2.band_for(Decimal::new(50, 1)).unwrap().error,
        ErrorKind::Absolute
    );
    let so2 = pv.limit("so2").unwrap();
    assert_eq!(
        so2.band_for(Decimal::from(250)).unwrap().error,
        ErrorKind::RelativeAccuracy
    );
}

#[test]
fn ph_is_judged_by_the_mean_of_the_paired_differences() {
    // Differences +0.45, +0.45, +0.45, +0.70: three of four pairs within ±0.5 (the pass-count
    // rule would pass), but the mean difference 0.5125 → 0.51 fails.
    let ev = comparison(
        "pH值",
        &[
            ("7.45", "7.00"),
            ("7.55", "7.10"),
            ("7.65", "7.20"),
            ("7.90", "7.20"),
        ],
    );
    let v = verdict(&ev, "analytes[0].mean_difference_verdict");
    assert_eq!(
        (v.outcome, v.value.as_deref()),
        (Outcome::Fail, Some("0.51"))
    );
    assert!(v.explanation.contains("平均为 0.51"), "{}", v.explanation);
    assert_eq!(
        verdict(&ev, "analytes[0].analyte_verdict").outcome,
        Outcome::NotApplicable
    );
    assert_eq!(
        verdict(&ev, "analytes[0].pairs[3].pair_verdict").outcome,
        Outcome::NotApplicable
    );
    assert_eq!(field(&ev, "conclusion.overall_verdict"), "fail");
    // +0.6, +0.6, −0.3: two pairs beyond ±0.5, yet the mean 0.30 passes.
    let ev = comparison("pH值", &[("7.6", "7.0"), ("7.7", "7.1"), ("6.9", "7.2")]);
    let v = verdict(&ev, "analytes[0].mean_difference_verdict");
    assert_eq!(
        (v.outcome, v.value.as_deref()),
        (Outcome::Pass, Some("0.30"))
    );
    assert_eq!(field(&ev, "conclusion.overall_verdict"), "pass");
    // Other parameters keep the per-pair rule; the mean verdict says it does not apply.
    let ev = comparison("总氮", &[("1.7", "2.0"), ("2.0", "2.0"), ("2.1", "2.0")]);
    let v = verdict(&ev, "analytes[0].mean_difference_verdict");
    assert_eq!(v.outcome, Outcome::NotApplicable);
    assert!(v.explanation.contains("不按本项判定"), "{}", v.explanation);
    assert_eq!(field(&ev, "analytes[0].analyte_verdict"), "pass");
}

#[test]
fn a_verdict_on_an_unconfirmed_limit_says_so_and_the_minimum_pairs_rule_is_shown() {
    let reference = ["300"; 9];
    let ev = verification("二氧化硫", "µmol/mol", &pairs_of(&reference, &reference));
    let v = verdict(&ev, "parameters[0].accuracy_verdict");
    assert_eq!(v.confidence, Some(Confidence::Unconfirmed));
    assert!(
        v.explanation
            .contains("有效数据 9 对（至少 9 对：HJ 75-2017 §9（6 对或 9 对")
            && v.explanation.ends_with("（限值未经标准原文确认）"),
        "{}",
        v.explanation
    );
    // One public implementation is said as such; two carry no note (pH, code_2).
    let ev = comparison("总氮", &[("1.7", "2.0")]);
    let v = verdict(&ev, "analytes[0].pairs[0].pair_verdict");
    assert!(
        v.explanation
            .ends_with("（限值仅见于一个公开实现，未经标准原文确认）")
    );
    let ev = comparison("pH值", &[("7.6", "7.0"), ("7.7", "7.1"), ("6.9", "7.2")]);
    let v = verdict(&ev, "analytes[0].mean_difference_verdict");
    assert!(!v.explanation.contains("未经"), "{}", v.explanation);
}

#[test]
fn the_out_of_control_rule_and_the_follow_up_deadline_are_data_with_their_source() {
    let cal = form("fg_calibration");
    assert_eq!(
        cal.start_rule(),
        emss_domain::form::definition::StartRule::LastPassing
    );
    let rule = cal.out_of_control.as_ref().unwrap();
    assert!(rule.source.contains("HJ 75-2017") && rule.conflict.is_some());
    assert_eq!(cal.follow_up_days(), 1);
    // A form type that names no follow-up takes the documented default.
    let check = form("ww_standard_check");
    assert!(check.follow_up.is_none());
    assert_eq!(
        check.follow_up_days(),
        emss_domain::fault::DEFAULT_FOLLOW_UP_DAYS
    );

    let text = std::fs::read_to_string(forms_dir().join("fg_calibration.toml")).unwrap();
    let refused = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        FormDefinition::parse(&text.replacen(from, to, 1))
            .unwrap_err()
            .to_string()
    };
    assert!(refused("days = 1\n", "days = 0\n").contains("1 至 90 天"));
    assert!(refused("days = 1\n", "days = 91\n").contains("1 至 90 天"));
    // Reaching back to the last passing calibration needs a form that reads one.
    let comparison =
        std::fs::read_to_string(forms_dir().join("ww_sample_comparison.toml")).unwrap();
    let with_rule = comparison.replacen(
        "\n[[limits]]",
        "\n[out_of_control]\nstart = \"last_passing\"\nsource = \"x\"\nconfidence = \"unconfirmed\"\n\n[[limits]]",
        1,
    );
    assert!(
        FormDefinition::parse(&with_rule)
            .unwrap_err()
            .to_string()
            .contains("last_passing")
    );
}

// ---------------------------------------------------------------------------------------------
// Standard materials
// ---------------------------------------------------------------------------------------------

fn span_gas(id: &str, component: &str, value: &str, unit: &str, expires: &str) -> StandardMaterial {
    StandardMaterial {
        id: id.into(),
        kind: MaterialKind::Gas,
        certificate_no: format!("GBW(E)-{id}"),
        producer: "大连大特气体".into(),
        lot_no: "L2026-01".into(),
        component: component.into(),
        certified_value: parse_decimal(value).unwrap(),
        uncertainty: "U = 2 %，k = 2".into(),
        unit: unit.into(),
        expires_on: NaiveDate::parse_from_str(expires, "%Y-%m-%d").unwrap(),
    }
}

/// The agency's registry for a visit on 2026-11-18, with the city's start date.
fn registry(required_from: Option<&str>) -> Standards {
    let materials = [
        span_gas("ok", "二氧化硫", "160", "mg/m³", "2027-06-30"),
        span_gas("old", "二氧化硫", "160", "mg/m³", "2026-11-17"),
        span_gas("ppm", "二氧化硫", "56", "µmol/mol", "2027-06-30"),
        span_gas("nox", "氮氧化物", "160", "mg/m³", "2027-06-30"),
    ];
    Standards {
        materials: materials.into_iter().map(|m| (m.id.clone(), m)).collect(),
        used_on: NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
        required_from: required_from.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
    }
}

#[test]
fn a_span_gas_chosen_from_the_registry_gives_the_reference_and_its_expiry_is_judged() {
    let standards = registry(None);
    // Passing drift (160.4 − 160.0) / 200 = 0.2 %F.S.; the reference is not typed.
    let gas = |id: &str| json!({"span_standard": id, "span_pre": "160.4", "span_reference": null});
    let ev = bound_with(gas("ok"), Some(&standards)).unwrap();
    assert_eq!(field(&ev, "analytes[0].span_reference"), "160");
    assert_eq!(
        field(&ev, "analytes[0].span_standard")["certificate_no"],
        "GBW(E)-ok"
    );
    let v = verdict(&ev, "analytes[0].span_standard_verdict");
    assert_eq!(v.outcome, Outcome::Pass, "{}", v.explanation);
    assert_eq!(
        verdict(&ev, "analytes[0].calibration_ok").outcome,
        Outcome::Pass
    );

    // Expired the day before the visit: the calibration is invalid, with the reason.
    let ev = bound_with(gas("old"), Some(&standards)).unwrap();
    let v = verdict(&ev, "analytes[0].span_standard_verdict");
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.explanation.contains("2026-11-17") && v.explanation.contains("已过期，校准无效"),
        "{}",
        v.explanation
    );
    assert_eq!(
        verdict(&ev, "analytes[0].calibration_ok").outcome,
        Outcome::Fail
    );

    // Certified in µmol/mol: 56 × 64.058 / 22.4 = 160.145 mg/m³, exactly.
    let ev = bound_with(gas("ppm"), Some(&standards)).unwrap();
    assert_eq!(field(&ev, "analytes[0].span_reference"), "160.145");
    let v = verdict(&ev, "analytes[0].span_standard_verdict");
    assert!(
        v.explanation
            .contains("证书值 56 µmol/mol 折算为 160.145 mg/m³")
            && v.explanation.contains("64.058"),
        "{}",
        v.explanation
    );

    // The chosen id goes back as the choice for a new judgement.
    let ev = bound_with(gas("ok"), Some(&standards)).unwrap();
    let inputs = typed_inputs(&form("fg_calibration"), &ev.fields);
    assert_eq!(inputs["analytes"][0]["span_standard"], "ok");
}

#[test]
fn a_standard_that_is_not_the_agencys_or_not_the_parameters_or_a_typed_value_against_it_is_refused()
{
    let standards = registry(None);
    for (typed, path, says) in [
        (
            json!({"span_standard": "nox"}),
            "analytes[0].span_standard",
            "氮氧化物",
        ),
        (
            json!({"span_standard": "elsewhere"}),
            "analytes[0].span_standard",
            "不在本机构的登记中",
        ),
        (
            json!({"span_standard": "ok", "span_reference": "170"}),
            "analytes[0].span_reference",
            "证书值折算为 160",
        ),
    ] {
        let errors = bound_with(typed.clone(), Some(&standards)).unwrap_err();
        let message = errors
            .get(path)
            .unwrap_or_else(|| panic!("{typed} not refused: {errors:?}"));
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn no_standard_chosen_fails_only_from_the_citys_start_date() {
    for (from, outcome, says) in [
        (None, Outcome::NotApplicable, "尚未规定"),
        (
            Some("2026-12-01"),
            Outcome::NotApplicable,
            "自 2026-12-01 起须选择",
        ),
        (Some("2026-11-18"), Outcome::Fail, "校准无效"),
    ] {
        let standards = registry(from);
        // Typed as before while none is chosen.
        let ev = bound_with(json!({"span_pre": "160.4"}), Some(&standards)).unwrap();
        assert_eq!(field(&ev, "analytes[0].span_reference"), "160");
        let v = verdict(&ev, "analytes[0].span_standard_verdict");
        assert_eq!(v.outcome, outcome, "{from:?}: {}", v.explanation);
        assert!(v.explanation.contains(says), "{}", v.explanation);
    }
}

// ---------------------------------------------------------------------------------------------
// NMHC accuracy (HJ 1286-2023): computed from the pairs, applied only below 50 mg/m³
// ---------------------------------------------------------------------------------------------

/// The 正确度核查 verdict of a quarterly NMHC inspection with these (reference, CEMS) pairs and
/// the outlet's emission limits (None: a preview).
fn nmhc_accuracy(pairs: &[(&str, &str)], limits: Option<&EmissionLimits>) -> Verdict {
    let def = form("fg_inspection_nmhc");
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(examples_dir().join("fg_inspection_nmhc.json")).unwrap(),
    )
    .unwrap();
    let mut doc = example["valid"].clone();
    doc["visit"]["tabs"] = json!(["周", "月", "季"]);
    doc["sampling"]["accuracy_pairs"] = Value::Array(
        pairs
            .iter()
            .map(|(r, c)| json!({"reference": r, "cems": c}))
            .collect(),
    );
    fill_checks(&def, &mut doc, "正常");
    let ids = vec!["i-nmhc".to_string()];
    let ev = evaluate(
        &def,
        &Input {
            fields: &doc,
            instrument_ids: Some(&ids),
            previous: &NoPrevious,
            registered: None,
            standards: None,
            emission_limits: limits,
        },
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    verdict(&ev, "sampling.accuracy_verdict").clone()
}

fn nmhc_limit(value: &str) -> EmissionLimits {
    EmissionLimits::from([(
        "非甲烷总烃".to_string(),
        EmissionLimit {
            value: parse_decimal(value).unwrap(),
            unit: "mg/m³".into(),
            source: "GB 37822-2019 表1".into(),
        },
    )])
}

#[test]
fn nmhc_accuracy_is_the_mean_of_the_pairs_and_applies_only_below_50_mg() {
    let low = [("20.0", "26.0"), ("22.0", "30.0"), ("24.0", "34.0")];
    // Mean of CEMS − reference = (6 + 8 + 10) / 3 = 8.0 mg/m³, within ±10, both below 50.
    let v = nmhc_accuracy(&low, Some(&nmhc_limit("40")));
    assert_eq!(
        (v.outcome, v.value.as_deref()),
        (Outcome::Pass, Some("8.0")),
        "{}",
        v.explanation
    );
    assert!(
        v.explanation.contains("参比均值 22.0 mg/m³") && v.explanation.contains("GB 37822-2019"),
        "{}",
        v.explanation
    );
    let high = [("20.0", "31.0"), ("22.0", "33.0"), ("24.0", "35.0")];
    assert_eq!(
        nmhc_accuracy(&high, Some(&nmhc_limit("40"))).outcome,
        Outcome::Fail
    );
    // No emission limit registered, a limit of 50 or more, a reference mean of 50 or more, a
    // preview: not judged, and the verdict says why.
    for (pairs, limits, says) in [
        (
            &low[..],
            Some(EmissionLimits::new()),
            "排口未登记非甲烷总烃排放限值",
        ),
        (&low[..], Some(nmhc_limit("60")), "排放限值 60 mg/m³"),
        (
            &[("50.0", "75.0")][..],
            Some(nmhc_limit("40")),
            "参比均值 50.0 mg/m³ 不低于 50 mg/m³",
        ),
        (&low[..], None, "提交时判定"),
    ] {
        let v = nmhc_accuracy(pairs, limits.as_ref());
        assert_eq!(v.outcome, Outcome::NotApplicable, "{}", v.explanation);
        assert!(
            v.explanation.contains(says) && v.explanation.contains("判定"),
            "{}",
            v.explanation
        );
    }
}

#[test]
fn without_the_quarterly_tab_the_nmhc_accuracy_is_not_asked_for() {
    let def = form("fg_inspection_nmhc");
    let example: Value = serde_json::from_str(
        &std::fs::read_to_string(examples_dir().join("fg_inspection_nmhc.json")).unwrap(),
    )
    .unwrap();
    let mut doc = example["valid"].clone();
    fill_checks(&def, &mut doc, "正常");
    let ids = vec!["i-nmhc".to_string()];
    let ev = run(&def, &doc, Some(&ids), &NoPrevious).unwrap();
    let v = verdict(&ev, "sampling.accuracy_verdict");
    assert_eq!(v.outcome, Outcome::NotApplicable);
    assert!(
        v.explanation.contains("正确度核查数据"),
        "{}",
        v.explanation
    );
}

#[test]
fn the_description_of_a_visit_is_what_the_engineer_wrote() {
    let def = FormDefinition::parse(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../catalogue/forms/ww_inspection.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    let fields = json!({"evidence": {"abnormal_handling": "  采样泵更换密封圈  "},
        "header": {"inspector": "张伟"}});
    assert_eq!(
        def.description(&fields),
        "异常情况处理记录：采样泵更换密封圈"
    );
    assert_eq!(def.description(&json!({})), "");
    let repair = FormDefinition::parse(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogue/forms/ww_repair.toml"),
        )
        .unwrap(),
    )
    .unwrap();
    let said = repair.description(&json!({"devices": [
        {"instrument_id": "a", "summary": "更换加热丝"}, {"instrument_id": "b", "summary": "清洗管路"}]}));
    assert!(
        said.contains("更换加热丝") && said.contains("清洗管路"),
        "{said}"
    );
}
