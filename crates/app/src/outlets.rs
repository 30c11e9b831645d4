//! An enterprise's outlets and instruments (the list agencies and field engineers choose from):
//! kept by the enterprise's administrator, one at a time or imported from CSV/XLSX — all rows or
//! none, with every bad row and column named.

use crate::audit::{self, Outcome};
use crate::{App, AppError, import};
use emss_db::entity::{instrument, outlet};
use emss_db::repo;
use emss_domain::form::OutletKind;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::monitoring::{self, InstrumentInput, OutletInput, Problems};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct OutletView {
    pub id: String,
    pub enterprise_id: String,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub parameters: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstrumentView {
    pub id: String,
    pub outlet_id: String,
    pub parameter: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    pub principle: Option<String>,
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
    pub installed_on: chrono::NaiveDate,
    /// The version of the instrument's record: each change adds one; a record names the
    /// version it checked in against.
    pub version: i32,
}

fn outlet_view(o: outlet::Model) -> OutletView {
    let kind = OutletKind::parse(&o.kind);
    OutletView {
        kind_label: kind.map(|k| k.label()).unwrap_or_default().to_string(),
        parameters: serde_json::from_str(&o.parameters).unwrap_or_default(),
        id: o.id,
        enterprise_id: o.enterprise_id,
        kind: o.kind,
        name: o.name,
        address: o.address,
        latitude: o.latitude,
        longitude: o.longitude,
    }
}

fn instrument_view(i: instrument::Model) -> InstrumentView {
    InstrumentView {
        id: i.id,
        outlet_id: i.outlet_id,
        parameter: i.parameter,
        maker: i.maker,
        model: i.model,
        serial_no: i.serial_no,
        principle: i.principle,
        range_lower: i.range_lower,
        range_upper: i.range_upper,
        unit: i.unit,
        installed_on: i.installed_on,
        version: i.version,
    }
}

/// An instrument measures one of its outlet's monitoring parameters.
fn fits_outlet(o: &outlet::Model, parameter: &str) -> Result<(), AppError> {
    let declared: Vec<String> = serde_json::from_str(&o.parameters).unwrap_or_default();
    if declared.iter().any(|p| p == parameter) {
        Ok(())
    } else {
        Err(AppError::field(
            "parameter",
            &format!(
                "排口“{}”没有监测参数“{parameter}”，请先在排口中添加",
                o.name
            ),
        ))
    }
}

fn may_manage(actor: &Actor) -> Result<(), AppError> {
    if Permission::ManageOutlets.allows(Some(actor)) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden))
    }
}

fn outlet_model(
    id: String,
    enterprise_id: &str,
    o: monitoring::Outlet,
    now: chrono::DateTime<chrono::Utc>,
) -> outlet::Model {
    outlet::Model {
        id,
        enterprise_id: enterprise_id.to_string(),
        kind: o.kind.as_str().to_string(),
        name: o.name,
        address: o.address,
        latitude: o.latitude.to_string(),
        longitude: o.longitude.to_string(),
        parameters: json!(o.parameters).to_string(),
        created_at: now,
        updated_at: now,
    }
}

fn instrument_model(
    id: String,
    outlet: &outlet::Model,
    i: monitoring::Instrument,
    now: chrono::DateTime<chrono::Utc>,
) -> instrument::Model {
    instrument::Model {
        id,
        outlet_id: outlet.id.clone(),
        enterprise_id: outlet.enterprise_id.clone(),
        parameter: i.parameter,
        maker: i.maker,
        model: i.model,
        serial_no: i.serial_no,
        principle: i.principle,
        range_lower: i.range_lower.to_string(),
        range_upper: i.range_upper.to_string(),
        unit: i.unit,
        installed_on: i.installed_on,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub async fn list(
    app: &App,
    actor: &Actor,
    enterprise_id: Option<&str>,
    page: PageRequest,
) -> Result<Page<OutletView>, AppError> {
    let found = repo::outlet::list(&app.db().conn, &actor.scope(), enterprise_id, page).await?;
    Ok(Page::new(
        found.items.into_iter().map(outlet_view).collect(),
        found.total,
        page,
    ))
}

/// The names of the enterprises owning `outlets` (for lists that span enterprises).
pub async fn enterprise_names(
    app: &App,
    outlets: &[OutletView],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut ids: Vec<String> = outlets.iter().map(|o| o.enterprise_id.clone()).collect();
    ids.sort();
    ids.dedup();
    Ok(repo::organization::names(&app.db().conn, &ids).await?)
}

/// One outlet with its instruments; outside scope: 404.
pub async fn get(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(OutletView, Vec<InstrumentView>), AppError> {
    let db = &app.db().conn;
    let o = repo::outlet::get(db, &actor.scope(), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let instruments = repo::outlet::instruments(db, &o.id).await?;
    Ok((
        outlet_view(o),
        instruments.into_iter().map(instrument_view).collect(),
    ))
}

pub async fn create(app: &App, actor: &Actor, input: OutletInput) -> Result<OutletView, AppError> {
    may_manage(actor)?;
    let checked = monitoring::check_outlet(&input).map_err(AppError::validation)?;
    let db = &app.db().conn;
    if repo::outlet::find_by_name(db, &actor.org_id, &checked.name)
        .await?
        .is_some()
    {
        return Err(AppError::field("name", "本企业已有同名排口"));
    }
    let model = outlet_model(
        emss_domain::ids::new_id(),
        &actor.org_id,
        checked,
        app.now(),
    );
    let txn = app.db().begin_write().await?;
    repo::outlet::insert(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "outlet.create",
        Some(("outlet", &model.id)),
        Outcome::Ok,
        json!({"name": model.name, "kind": model.kind}),
    )
    .await?;
    txn.commit().await?;
    Ok(outlet_view(model))
}

/// What an outlet keeper may change: its own organisation's outlets only, whatever else it may
/// read (an agency also reads the points of its tasks).
fn owned(actor: &Actor) -> emss_domain::Scope {
    emss_domain::Scope::Enterprise(actor.org_id.clone())
}

pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    input: OutletInput,
) -> Result<OutletView, AppError> {
    may_manage(actor)?;
    let db = &app.db().conn;
    let current = repo::outlet::get(db, &owned(actor), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let checked = monitoring::check_outlet(&input).map_err(AppError::validation)?;
    if checked.kind.as_str() != current.kind && !repo::outlet::instruments(db, id).await?.is_empty()
    {
        return Err(AppError::field(
            "kind",
            "排口已有监测仪器，不能改变排口类型",
        ));
    }
    let measured = repo::outlet::instruments(db, id).await?;
    if let Some(i) = measured
        .iter()
        .find(|i| !checked.parameters.contains(&i.parameter))
    {
        return Err(AppError::field(
            "parameters",
            &format!(
                "仪器“{} {}”仍在监测“{}”，不能移除该参数",
                i.model, i.serial_no, i.parameter
            ),
        ));
    }
    if checked.name != current.name
        && repo::outlet::find_by_name(db, &current.enterprise_id, &checked.name)
            .await?
            .is_some()
    {
        return Err(AppError::field("name", "本企业已有同名排口"));
    }
    let model = outlet::Model {
        created_at: current.created_at,
        ..outlet_model(
            current.id.clone(),
            &current.enterprise_id,
            checked,
            app.now(),
        )
    };
    let txn = app.db().begin_write().await?;
    repo::outlet::update(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "outlet.update",
        Some(("outlet", id)),
        Outcome::Ok,
        json!({"before": outlet_view(current), "after": outlet_view(model.clone())}),
    )
    .await?;
    txn.commit().await?;
    Ok(outlet_view(model))
}

/// The instruments of an outlet in scope (what the field engineer may choose from).
pub async fn instruments(
    app: &App,
    actor: &Actor,
    outlet_id: &str,
) -> Result<Vec<InstrumentView>, AppError> {
    Ok(get(app, actor, outlet_id).await?.1)
}

pub async fn add_instrument(
    app: &App,
    actor: &Actor,
    outlet_id: &str,
    input: InstrumentInput,
) -> Result<InstrumentView, AppError> {
    may_manage(actor)?;
    let db = &app.db().conn;
    let o = repo::outlet::get(db, &owned(actor), outlet_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let kind = OutletKind::parse(&o.kind).ok_or_else(|| AppError::internal("outlet kind"))?;
    let checked = monitoring::check_instrument(kind, &input).map_err(AppError::validation)?;
    fits_outlet(&o, &checked.parameter)?;
    let model = instrument_model(emss_domain::ids::new_id(), &o, checked, app.now());
    let txn = app.db().begin_write().await?;
    repo::outlet::insert_instrument(&txn, model.clone(), Some(&actor.account_id)).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "instrument.create",
        Some(("instrument", &model.id)),
        Outcome::Ok,
        json!({"outlet_id": o.id, "parameter": model.parameter, "serial_no": model.serial_no}),
    )
    .await?;
    txn.commit().await?;
    Ok(instrument_view(model))
}

/// The outlet an instrument is at; outside scope: 404.
pub async fn instrument_outlet(app: &App, actor: &Actor, id: &str) -> Result<String, AppError> {
    repo::outlet::get_instrument(&app.db().conn, &actor.scope(), id)
        .await?
        .map(|(_, o)| o.id)
        .ok_or(AppError::new(ErrorCode::NotFound))
}

pub async fn update_instrument(
    app: &App,
    actor: &Actor,
    id: &str,
    input: InstrumentInput,
) -> Result<InstrumentView, AppError> {
    may_manage(actor)?;
    let db = &app.db().conn;
    let (current, o) = repo::outlet::get_instrument(db, &owned(actor), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let kind = OutletKind::parse(&o.kind).ok_or_else(|| AppError::internal("outlet kind"))?;
    let checked = monitoring::check_instrument(kind, &input).map_err(AppError::validation)?;
    fits_outlet(&o, &checked.parameter)?;
    let model = instrument::Model {
        created_at: current.created_at,
        version: current.version + 1,
        ..instrument_model(current.id.clone(), &o, checked, app.now())
    };
    let txn = app.db().begin_write().await?;
    repo::outlet::update_instrument(&txn, model.clone(), Some(&actor.account_id)).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "instrument.update",
        Some(("instrument", id)),
        Outcome::Ok,
        json!({"before": instrument_view(current), "after": instrument_view(model.clone())}),
    )
    .await?;
    txn.commit().await?;
    Ok(instrument_view(model))
}

/// The columns of the import file, in order.
pub const IMPORT_COLUMNS: [&str; 15] = [
    "排口名称",
    "排口类型",
    "排口地址",
    "纬度",
    "经度",
    "监测参数",
    "仪器监测参数",
    "生产厂家",
    "规格型号",
    "出厂编号",
    "测量原理",
    "量程下限",
    "量程上限",
    "计量单位",
    "安装日期",
];

/// Which column of the file each outlet/instrument field comes from.
const OUTLET_FIELDS: [(&str, usize); 6] = [
    ("name", 0),
    ("kind", 1),
    ("address", 2),
    ("latitude", 3),
    ("longitude", 4),
    ("parameters", 5),
];
const INSTRUMENT_FIELDS: [(&str, usize); 9] = [
    ("parameter", 6),
    ("maker", 7),
    ("model", 8),
    ("serial_no", 9),
    ("principle", 10),
    ("range_lower", 11),
    ("range_upper", 12),
    ("unit", 13),
    ("installed_on", 14),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub outlets: usize,
    pub instruments: usize,
}

/// Imports outlets and their instruments for the actor's enterprise: one row per instrument (the
/// outlet's columns repeated), or an outlet alone with the instrument columns empty. Every row is
/// checked first; one bad row and nothing is imported. Problems are keyed `rows[n].column` with the
/// row number and column name in the message.
pub async fn import(app: &App, actor: &Actor, bytes: &[u8]) -> Result<Imported, AppError> {
    may_manage(actor)?;
    let rows = import::read(bytes).map_err(|m| AppError::field("file", &m))?;
    let Some(((_, header), data)) = rows.split_first() else {
        return Err(AppError::field("file", "文件是空的"));
    };
    let position = import::column_positions(header, &IMPORT_COLUMNS)
        .map_err(|m| AppError::field("file", &m))?;
    let cell = |row: &[String], col: usize| row.get(position[col]).cloned().unwrap_or_default();
    let db = &app.db().conn;
    let mut problems = BTreeMap::new();
    let mut report = |row: usize, field_col: (&str, usize), message: &str| {
        problems.insert(
            format!("rows[{row}].{}", field_col.0),
            format!("第 {row} 行“{}”：{message}", IMPORT_COLUMNS[field_col.1]),
        );
    };
    // Outlets by name, in file order, with the row that defined each.
    let mut outlets: Vec<(usize, monitoring::Outlet, Vec<monitoring::Instrument>)> = Vec::new();
    for (n, row) in data {
        let input = OutletInput {
            name: cell(row, 0),
            kind: cell(row, 1),
            address: cell(row, 2),
            latitude: cell(row, 3),
            longitude: cell(row, 4),
            parameters: cell(row, 5)
                .split(['、', ',', '，', ';', '；'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        };
        // Both halves of the row are checked, so every bad column is named at once.
        let has_instrument = INSTRUMENT_FIELDS
            .iter()
            .any(|(_, c)| !cell(row, *c).is_empty());
        let instrument = match (has_instrument, monitoring::parse_kind(&input.kind)) {
            (true, Some(kind)) => {
                let typed = InstrumentInput {
                    parameter: cell(row, 6),
                    maker: cell(row, 7),
                    model: cell(row, 8),
                    serial_no: cell(row, 9),
                    principle: cell(row, 10),
                    range_lower: cell(row, 11),
                    range_upper: cell(row, 12),
                    unit: cell(row, 13),
                    installed_on: cell(row, 14),
                };
                match monitoring::check_instrument(kind, &typed) {
                    Ok(i) => Some(i),
                    Err(p) => {
                        record(&mut report, *n, &INSTRUMENT_FIELDS, &p);
                        None
                    }
                }
            }
            _ => None,
        };
        let checked = match monitoring::check_outlet(&input) {
            Ok(o) => o,
            Err(p) => {
                record(&mut report, *n, &OUTLET_FIELDS, &p);
                continue;
            }
        };
        let index = match outlets.iter().position(|(_, o, _)| o.name == checked.name) {
            Some(i) if outlets[i].1 != checked => {
                let first = outlets[i].0;
                report(
                    *n,
                    ("name", 0),
                    &format!("与第 {first} 行的同名排口信息不一致"),
                );
                continue;
            }
            Some(i) => i,
            None => {
                if repo::outlet::find_by_name(db, &actor.org_id, &checked.name)
                    .await?
                    .is_some()
                {
                    report(*n, ("name", 0), "本企业已有同名排口");
                    continue;
                }
                outlets.push((*n, checked.clone(), Vec::new()));
                outlets.len() - 1
            }
        };
        if let Some(i) = instrument {
            if checked.parameters.contains(&i.parameter) {
                outlets[index].2.push(i);
            } else {
                report(
                    *n,
                    ("parameter", 6),
                    &format!(
                        "不在本排口的监测参数（{}）中",
                        checked.parameters.join("、")
                    ),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(AppError::validation(problems));
    }
    if outlets.is_empty() {
        return Err(AppError::field("file", "文件中没有数据行"));
    }
    let now = app.now();
    let txn = app.db().begin_write().await?;
    let mut count = Imported {
        outlets: 0,
        instruments: 0,
    };
    for (_, o, instruments) in outlets {
        let model = outlet_model(emss_domain::ids::new_id(), &actor.org_id, o, now);
        repo::outlet::insert(&txn, model.clone()).await?;
        count.outlets += 1;
        for i in instruments {
            repo::outlet::insert_instrument(
                &txn,
                instrument_model(emss_domain::ids::new_id(), &model, i, now),
                Some(&actor.account_id),
            )
            .await?;
            count.instruments += 1;
        }
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "outlet.import",
        None,
        Outcome::Ok,
        json!({"outlets": count.outlets, "instruments": count.instruments}),
    )
    .await?;
    txn.commit().await?;
    Ok(count)
}

/// Files each problem of a row under its column.
fn record(
    report: &mut impl FnMut(usize, (&str, usize), &str),
    row: usize,
    fields: &[(&str, usize)],
    problems: &Problems,
) {
    for (field, message) in problems {
        let col = fields
            .iter()
            .find(|(f, _)| f == field)
            .copied()
            .unwrap_or(("name", 0));
        // The messages already name the field; the report adds row and column.
        report(row, col, message);
    }
}

/// Demo outlets: a wastewater and a flue-gas outlet for each demo enterprise, with instruments.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    enterprise_id: &str,
    (lat, lon): (&str, &str),
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    // (parameter, maker, model, range lower, range upper)
    type DemoInstrument = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );
    let sets: [(&str, &str, &[&str], &[DemoInstrument]); 2] = [
        (
            "废水",
            "DW-001 废水总排口",
            &["化学需氧量", "氨氮", "总磷", "总氮", "pH值"],
            &[
                ("化学需氧量", "哈希", "CODmax III", "0", "500"),
                ("氨氮", "哈希", "Amtax sc", "0", "50"),
                ("总磷", "力合科技", "LFTP-2000", "0", "10"),
                ("pH值", "梅特勒", "M300", "0", "14"),
            ],
        ),
        (
            "废气",
            "FQ-001 1号锅炉废气排口",
            &["二氧化硫", "氮氧化物", "颗粒物", "氧气", "流速"],
            &[
                ("二氧化硫", "聚光科技", "CEMS-2000", "0", "200"),
                ("氮氧化物", "聚光科技", "CEMS-2000", "0", "400"),
                ("氧气", "聚光科技", "CEMS-2000", "0", "25"),
                ("颗粒物", "雪迪龙", "PM-8000", "0", "100"),
            ],
        ),
    ];
    for (n, (kind, name, parameters, instruments)) in sets.into_iter().enumerate() {
        let outlet = monitoring::check_outlet(&OutletInput {
            kind: kind.into(),
            name: name.into(),
            address: "厂区东侧排放口".into(),
            latitude: lat.into(),
            longitude: lon.into(),
            parameters: parameters.iter().map(|p| p.to_string()).collect(),
        })
        .map_err(|p| AppError::internal(format!("demo outlet: {p:?}")))?;
        let kind = outlet.kind;
        let model = outlet_model(emss_domain::ids::new_id(), enterprise_id, outlet, now);
        repo::outlet::insert(txn, model.clone()).await?;
        for (i, (parameter, maker, product, lower, upper)) in instruments.iter().enumerate() {
            let gaseous = kind == OutletKind::FlueGas && *parameter != "颗粒物";
            let unit = match (kind, *parameter) {
                (_, "pH值") => "无量纲",
                (OutletKind::Wastewater, _) => "mg/L",
                (_, "氧气") => "%",
                _ => "mg/m³",
            };
            let checked = monitoring::check_instrument(
                kind,
                &InstrumentInput {
                    parameter: parameter.to_string(),
                    maker: maker.to_string(),
                    model: product.to_string(),
                    serial_no: format!(
                        "SN2024{n}{i:02}{}",
                        enterprise_id.chars().take(4).collect::<String>()
                    ),
                    principle: if gaseous {
                        "完全抽取法".into()
                    } else {
                        String::new()
                    },
                    range_lower: lower.to_string(),
                    range_upper: upper.to_string(),
                    unit: unit.into(),
                    installed_on: "2024-05-20".into(),
                },
            )
            .map_err(|p| AppError::internal(format!("demo instrument: {p:?}")))?;
            repo::outlet::insert_instrument(
                txn,
                instrument_model(emss_domain::ids::new_id(), &model, checked, now),
                None,
            )
            .await?;
        }
    }
    Ok(())
}

/// An outlet's emission limit for one pollutant, as shown and sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmissionLimitView {
    pub parameter: String,
    pub value: String,
    pub unit: String,
    pub source: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl EmissionLimitView {
    pub fn updated_label(&self) -> String {
        emss_domain::time::format_datetime(self.updated_at)
    }
}

#[derive(Debug, Clone, Default)]
pub struct EmissionLimitInput {
    pub parameter: String,
    pub value: String,
    pub unit: String,
    pub source: String,
}

/// The emission limits of an outlet in scope; outside scope: 404.
pub async fn emission_limits(
    app: &App,
    actor: &Actor,
    outlet_id: &str,
) -> Result<Vec<EmissionLimitView>, AppError> {
    let db = &app.db().conn;
    let o = repo::outlet::get(db, &actor.scope(), outlet_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    Ok(repo::emission_limit::of_outlet(db, &o.id)
        .await?
        .into_iter()
        .map(|e| EmissionLimitView {
            parameter: e.parameter,
            value: e.value,
            unit: e.unit,
            source: e.source,
            updated_at: e.updated_at,
        })
        .collect())
}

/// What the judging of a record at the outlet reads.
pub(crate) async fn emission_limits_of(
    db: &impl sea_orm::ConnectionTrait,
    outlet_id: &str,
) -> Result<monitoring::EmissionLimits, AppError> {
    Ok(repo::emission_limit::of_outlet(db, outlet_id)
        .await?
        .into_iter()
        .filter_map(|e| {
            let value = emss_domain::form::number::parse_decimal(&e.value)?;
            Some((
                e.parameter,
                monitoring::EmissionLimit {
                    value,
                    unit: e.unit,
                    source: e.source,
                },
            ))
        })
        .collect())
}

/// Sets (or replaces) the outlet's emission limit of one of its parameters: the enterprise's
/// administrator, with its source (排污许可证, discharge standard).
pub async fn set_emission_limit(
    app: &App,
    actor: &Actor,
    outlet_id: &str,
    input: EmissionLimitInput,
) -> Result<Vec<EmissionLimitView>, AppError> {
    may_manage(actor)?;
    let db = &app.db().conn;
    let o = repo::outlet::get(db, &owned(actor), outlet_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let mut errors = crate::error::FieldErrors::new();
    let parameter = input.parameter.trim().to_string();
    let declared: Vec<String> = serde_json::from_str(&o.parameters).unwrap_or_default();
    if !declared.contains(&parameter) {
        errors.add("parameter", "请选择本排口的监测参数");
    }
    let value = emss_domain::form::number::parse_decimal(input.value.trim())
        .filter(|v| v.is_sign_positive() && !v.is_zero() && v.scale() <= 4);
    if value.is_none() {
        errors.add("value", "排放限值须为大于 0 的数字，最多 4 位小数");
    }
    let unit = input.unit.trim().to_string();
    if unit.is_empty() || unit.chars().count() > 20 {
        errors.add("unit", "请填写计量单位（不超过 20 个字），如 mg/m³");
    }
    let source = input.source.trim().to_string();
    if source.is_empty() || source.chars().count() > 200 || source.chars().any(char::is_control) {
        errors.add(
            "source",
            "请填写依据（不超过 200 个字），如排污许可证编号或排放标准及条款",
        );
    }
    errors.into_result()?;
    let value = emss_domain::form::number::format_decimal(value.unwrap_or_default(), None);
    let before = repo::emission_limit::of_outlet(db, &o.id)
        .await?
        .into_iter()
        .find(|e| e.parameter == parameter);
    let txn = app.db().begin_write().await?;
    repo::emission_limit::upsert(
        &txn,
        emss_db::entity::emission_limit::Model {
            id: emss_domain::ids::new_id(),
            outlet_id: o.id.clone(),
            parameter: parameter.clone(),
            value: value.clone(),
            unit: unit.clone(),
            source: source.clone(),
            updated_by: Some(actor.account_id.clone()),
            updated_at: app.now(),
        },
    )
    .await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "outlet.emission_limit",
        Some(("outlet", &o.id)),
        Outcome::Ok,
        json!({"parameter": parameter, "value": value, "unit": unit, "source": source,
            "before": before.map(|b| json!({"value": b.value, "unit": b.unit, "source": b.source}))}),
    )
    .await?;
    txn.commit().await?;
    emission_limits(app, actor, &o.id).await
}
