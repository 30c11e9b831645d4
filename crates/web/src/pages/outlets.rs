//! 排口管理: the enterprise administrator keeps the enterprise's outlets and their instruments
//! (one at a time, or imported from CSV/XLSX with every bad row and column named); regulators
//! read those in their scope.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::outlets::{EmissionLimitInput, EmissionLimitView, InstrumentView, OutletView};
use emss_app::records::faults::{self, FaultPeriodView, FaultQuery};
use emss_domain::form::OutletKind;
use emss_domain::listing::PageRequest;
use emss_domain::monitoring::{CEMS_PRINCIPLES, InstrumentInput, OutletInput, parameters};
use emss_domain::{ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<u64>,
    pub page_size: Option<u64>,
    pub done: Option<String>,
    /// After an import: how many outlets and instruments it brought.
    pub outlets: Option<u32>,
    pub instruments: Option<u32>,
}

#[derive(Template)]
#[template(path = "portal/outlets.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<(u64, OutletView, String)>,
    pub pager: Pager,
    pub can_manage: bool,
    pub notice: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = emss_app::outlets::list(
        &state.app,
        actor,
        None,
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let names = emss_app::outlets::enterprise_names(&state.app, &page.items).await?;
    let pager = pager(&page, "/outlets", &[], None);
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let name = names.get(&o.enterprise_id).cloned().unwrap_or_default();
            (first + i as u64, o, name)
        })
        .collect();
    Ok(render(&ListPage {
        shell: Shell::portal(&ctx, "page.outlets", "排口管理", &["排口管理", "排口列表"]),
        rows,
        pager,
        can_manage: Permission::ManageOutlets.allows(Some(actor)),
        notice: q
            .done
            .as_deref()
            .map(|d| match (d, q.outlets, q.instruments) {
                ("imported", Some(o), Some(i)) => format!("导入完成：{o} 个排口、{i} 台仪器"),
                _ => "已保存".to_string(),
            }),
    }))
}

/// The outlet form as typed.
#[derive(Debug, Default)]
pub struct OutletForm {
    pub kind: String,
    pub name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub parameters: Vec<String>,
}

impl OutletForm {
    /// Parameters are checkboxes: repeated fields.
    fn parse(body: &[u8]) -> OutletForm {
        let mut f = OutletForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "kind" => f.kind = v,
                "name" => f.name = v,
                "address" => f.address = v,
                "latitude" => f.latitude = v,
                "longitude" => f.longitude = v,
                "parameters" => f.parameters.push(v),
                _ => {}
            }
        }
        f
    }

    fn of(o: &OutletView) -> OutletForm {
        OutletForm {
            kind: o.kind.clone(),
            name: o.name.clone(),
            address: o.address.clone(),
            latitude: o.latitude.clone(),
            longitude: o.longitude.clone(),
            parameters: o.parameters.clone(),
        }
    }

    fn input(&self) -> OutletInput {
        OutletInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            latitude: self.latitude.clone(),
            longitude: self.longitude.clone(),
            parameters: self.parameters.clone(),
        }
    }

    pub fn checked(&self, p: &str) -> bool {
        self.parameters.iter().any(|x| x == p)
    }
}

/// The parameter checkboxes, per outlet kind: (kind, label, parameters).
fn parameter_groups() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    [OutletKind::Wastewater, OutletKind::FlueGas]
        .into_iter()
        .map(|k| (k.as_str(), k.label(), parameters(k).to_vec()))
        .collect()
}

#[derive(Template)]
#[template(path = "portal/outlet_new.html")]
pub struct NewPage {
    pub shell: Shell,
    pub form: OutletForm,
    pub groups: Vec<(&'static str, &'static str, Vec<&'static str>)>,
    pub errors: BTreeMap<String, String>,
}

impl NewPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

fn new_page(ctx: &Ctx, form: OutletForm, errors: BTreeMap<String, String>) -> NewPage {
    NewPage {
        shell: Shell::portal(ctx, "page.outlets", "新增排口", &["排口管理", "新增排口"]),
        form,
        groups: parameter_groups(),
        errors,
    }
}

pub async fn new(ctx: Ctx) -> Result<Response, PageError> {
    Ok(render(&new_page(
        &ctx,
        OutletForm::default(),
        BTreeMap::new(),
    )))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = OutletForm::parse(&body);
    match emss_app::outlets::create(&state.app, actor, form.input()).await {
        Ok(o) => Ok(Redirect::to(&format!("/outlets/{}?done=created", o.id)).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&new_page(&ctx, form, e.fields)),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The instrument form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct InstrumentForm {
    #[serde(default)]
    pub parameter: String,
    #[serde(default)]
    pub maker: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub serial_no: String,
    #[serde(default)]
    pub principle: String,
    #[serde(default)]
    pub range_lower: String,
    #[serde(default)]
    pub range_upper: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub installed_on: String,
}

impl InstrumentForm {
    fn of(i: &InstrumentView) -> InstrumentForm {
        InstrumentForm {
            parameter: i.parameter.clone(),
            maker: i.maker.clone(),
            model: i.model.clone(),
            serial_no: i.serial_no.clone(),
            principle: i.principle.clone().unwrap_or_default(),
            range_lower: i.range_lower.clone(),
            range_upper: i.range_upper.clone(),
            unit: i.unit.clone(),
            installed_on: i.installed_on.to_string(),
        }
    }

    fn input(&self) -> InstrumentInput {
        InstrumentInput {
            parameter: self.parameter.clone(),
            maker: self.maker.clone(),
            model: self.model.clone(),
            serial_no: self.serial_no.clone(),
            principle: self.principle.clone(),
            range_lower: self.range_lower.clone(),
            range_upper: self.range_upper.clone(),
            unit: self.unit.clone(),
            installed_on: self.installed_on.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    /// An instrument to edit in the instrument form.
    pub instrument: Option<String>,
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/outlet_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub o: OutletView,
    pub instruments: Vec<InstrumentView>,
    pub can_manage: bool,
    /// The outlet form (named as in the shared partial).
    pub form: OutletForm,
    pub groups: Vec<(&'static str, &'static str, Vec<&'static str>)>,
    pub instrument_form: InstrumentForm,
    /// The instrument being edited; None: the form adds one.
    pub editing: Option<String>,
    pub principles: Vec<&'static str>,
    pub parameters: Vec<&'static str>,
    /// Errors of the outlet form and of the instrument form.
    pub outlet_errors: BTreeMap<String, String>,
    pub instrument_errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
    /// The outlet's 失控时段 and failed results awaiting follow-up, open ones first.
    pub periods: Vec<FaultPeriodView>,
    /// The periods list names no enterprise or outlet here: it is this outlet's.
    pub show_parties: bool,
    /// A regulator may start an inspection from a period (发起检查).
    pub can_inspect: bool,
    /// 排放限值 by pollutant, with the form that sets one and its errors.
    pub emission_limits: Vec<EmissionLimitView>,
    pub limit_form: EmissionLimitForm,
    pub limit_errors: BTreeMap<String, String>,
}

impl ShowPage {
    /// An instrument's state by its open periods: 失控 before 不合格待处理.
    pub fn instrument_state(&self, instrument_id: &str) -> &'static str {
        let open = |kind: &str| {
            self.periods.iter().any(|p| {
                p.instrument_id == instrument_id
                    && (p.status == "open" || p.status == "overdue")
                    && p.kind == kind
            })
        };
        if open("out_of_control") {
            "失控"
        } else if open("failed") {
            "不合格待处理"
        } else {
            "正常"
        }
    }

    /// Errors of the outlet form (named as in the shared partial).
    pub fn error(&self, field: &str) -> Option<&str> {
        self.outlet_errors.get(field).map(String::as_str)
    }
    pub fn instrument_error(&self, field: &str) -> Option<&str> {
        self.instrument_errors.get(field).map(String::as_str)
    }
    pub fn limit_error(&self, field: &str) -> Option<&str> {
        self.limit_errors.get(field).map(String::as_str)
    }
}

#[derive(Default)]
struct Typed {
    outlet: Option<OutletForm>,
    instrument: Option<InstrumentForm>,
    outlet_errors: BTreeMap<String, String>,
    instrument_errors: BTreeMap<String, String>,
    limit: Option<EmissionLimitForm>,
    limit_errors: BTreeMap<String, String>,
}

/// 排放限值 as typed.
#[derive(Debug, Default, Deserialize)]
pub struct EmissionLimitForm {
    #[serde(default)]
    pub parameter: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub source: String,
}

impl EmissionLimitForm {
    fn input(&self) -> EmissionLimitInput {
        EmissionLimitInput {
            parameter: self.parameter.clone(),
            value: self.value.clone(),
            unit: self.unit.clone(),
            source: self.source.clone(),
        }
    }
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    q: ShowQuery,
    typed: Typed,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (o, instruments) = emss_app::outlets::get(&state.app, actor, id).await?;
    let editing = q.instrument.filter(|i| !i.is_empty());
    let instrument_form = match (typed.instrument, &editing) {
        (Some(f), _) => f,
        (None, Some(iid)) => instruments
            .iter()
            .find(|i| &i.id == iid)
            .map(InstrumentForm::of)
            .ok_or(emss_app::AppError::new(ErrorCode::NotFound))?,
        (None, None) => InstrumentForm::default(),
    };
    let kind = OutletKind::parse(&o.kind).unwrap_or(OutletKind::Wastewater);
    let periods = if Permission::ViewRecords.allows(Some(actor)) {
        let query = FaultQuery {
            outlet_id: Some(o.id.clone()),
            ..FaultQuery::default()
        };
        faults::list(&state.app, actor, query, PageRequest::new(None, Some(50)))
            .await?
            .items
    } else {
        Vec::new()
    };
    let emission_limits = emss_app::outlets::emission_limits(&state.app, actor, &o.id).await?;
    Ok(ShowPage {
        periods,
        show_parties: false,
        can_inspect: emss_domain::Permission::Inspect.allows(ctx.actor()),
        emission_limits,
        limit_form: typed.limit.unwrap_or_default(),
        limit_errors: typed.limit_errors,
        shell: Shell::portal(ctx, "page.outlets", "排口详情", &["排口管理", "排口详情"]),
        can_manage: Permission::ManageOutlets.allows(Some(actor)),
        form: typed.outlet.unwrap_or_else(|| OutletForm::of(&o)),
        groups: parameter_groups(),
        instrument_form,
        editing,
        principles: CEMS_PRINCIPLES.to_vec(),
        parameters: o
            .parameters
            .iter()
            .map(|p| {
                parameters(kind)
                    .iter()
                    .copied()
                    .find(|x| x == p)
                    .unwrap_or("")
            })
            .filter(|p| !p.is_empty())
            .collect(),
        outlet_errors: typed.outlet_errors,
        instrument_errors: typed.instrument_errors,
        notice: q.done.as_deref().map(|d| match d {
            "created" => "排口已新增",
            "instrument" => "仪器已保存",
            "limit" => "排放限值已保存",
            _ => "已保存",
        }),
        o,
        instruments,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &show_page(&state, &ctx, &id, q, Typed::default()).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = OutletForm::parse(&body);
    match emss_app::outlets::update(&state.app, actor, &id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/outlets/{id}?done=saved")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let typed = Typed {
                outlet: Some(form),
                outlet_errors: e.fields,
                ..Typed::default()
            };
            let page = show_page(&state, &ctx, &id, ShowQuery::default(), typed).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn instrument_failed(
    state: &AppState,
    ctx: &Ctx,
    outlet_id: &str,
    editing: Option<String>,
    form: InstrumentForm,
    e: emss_app::AppError,
) -> Result<Response, PageError> {
    if e.code != ErrorCode::ValidationFailed {
        return Err(e.into());
    }
    let typed = Typed {
        instrument: Some(form),
        instrument_errors: e.fields,
        ..Typed::default()
    };
    let q = ShowQuery {
        instrument: editing,
        done: None,
    };
    let page = show_page(state, ctx, outlet_id, q, typed).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

pub async fn add_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<InstrumentForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::outlets::add_instrument(&state.app, actor, &id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/outlets/{id}?done=instrument")).into_response()),
        Err(e) => instrument_failed(&state, &ctx, &id, None, form, e).await,
    }
}

pub async fn update_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<InstrumentForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::outlets::update_instrument(&state.app, actor, &id, form.input()).await {
        Ok(i) => {
            Ok(Redirect::to(&format!("/outlets/{}?done=instrument", i.outlet_id)).into_response())
        }
        Err(e) => {
            // Show the form on its outlet's page; an instrument outside scope is not found.
            let outlet_id = emss_app::outlets::instrument_outlet(&state.app, actor, &id).await?;
            instrument_failed(&state, &ctx, &outlet_id, Some(id), form, e).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/outlets_import.html")]
pub struct ImportPage {
    pub shell: Shell,
    /// Problems, the file's own first, then by row.
    pub problems: Vec<String>,
}

fn import_page(ctx: &Ctx, problems: Vec<String>) -> ImportPage {
    ImportPage {
        shell: Shell::portal(ctx, "page.outlets", "导入排口及仪器", &["排口管理", "导入"]),
        problems,
    }
}

pub async fn import_form(ctx: Ctx) -> Result<Response, PageError> {
    Ok(render(&import_page(&ctx, Vec::new())))
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let Some(file) = files.into_iter().find(|f| f.kind == "file") else {
        let problems = vec!["请选择要导入的文件".to_string()];
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&import_page(&ctx, problems)),
        )
            .into_response());
    };
    match emss_app::outlets::import(&state.app, actor, &file.bytes).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/outlets?done=imported&outlets={}&instruments={}",
            done.outlets, done.instruments
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let problems = crate::upload::problems_in_order(e.fields);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&import_page(&ctx, problems)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets the outlet's emission limit of one of its parameters.
pub async fn set_emission_limit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<EmissionLimitForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::outlets::set_emission_limit(&state.app, actor, &id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/outlets/{id}?done=limit#limits")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let typed = Typed {
                limit: Some(form),
                limit_errors: e.fields,
                ..Typed::default()
            };
            let page = show_page(&state, &ctx, &id, ShowQuery::default(), typed).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
