//! 备案管理: registration (public), the agency's own filing, 机构查询 with review and publication
//! for regulators, and the public register (公开查询).

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, ExportFormat, audit_export, export_response, whole_export};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::filing::{FilingInput, FilingVersionView, FilingView, Registration};
use emss_db::repo::filing::FilingFilter;
use emss_domain::filing::{FilingDocument, FilingState, TESTING_FIELDS};
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::monitoring::{FLUE_GAS_PARAMETERS, WASTEWATER_PARAMETERS};
use emss_domain::time::{EMPTY, format_datetime, format_optional};
use emss_domain::{AgencyCategory, ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A choice of a select or a checkbox group.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(all: &[(&str, &str)], chosen: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|(v, l)| Choice {
            value: v.to_string(),
            label: l.to_string(),
            selected: chosen.iter().any(|c| c == v),
        })
        .collect()
}

fn categories(chosen: &str) -> Vec<Choice> {
    let all: Vec<(&str, &str)> = AgencyCategory::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect();
    choices(&all, &[chosen.to_string()])
}

fn items(all: &[&'static str], chosen: &[String]) -> Vec<Choice> {
    let pairs: Vec<(&str, &str)> = all.iter().map(|i| (*i, *i)).collect();
    choices(&pairs, chosen)
}

/// The filing form as typed (registration and edit share it).
#[derive(Debug, Default)]
pub struct FilingForm {
    pub name: String,
    pub uscc: String,
    pub category: String,
    pub legal_representative: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub registered_address: String,
    pub lab_address: String,
    pub district_code: String,
    pub testing: Vec<String>,
    pub wastewater: Vec<String>,
    pub flue_gas: Vec<String>,
    // Registration only.
    pub self_maintaining: Option<String>,
    pub username: String,
    pub password: String,
    // Change requests only.
    pub change_reason: String,
}

impl FilingForm {
    /// An urlencoded form (`wastewater=氨氮&wastewater=总磷`).
    pub(crate) fn parse(body: &[u8]) -> FilingForm {
        FilingForm::from_pairs(
            url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())),
        )
    }

    /// Capabilities are checkboxes: repeated fields, kept in order.
    fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> FilingForm {
        let mut f = FilingForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "uscc" => f.uscc = v,
                "category" => f.category = v,
                "legal_representative" => f.legal_representative = v,
                "contact_name" => f.contact_name = v,
                "contact_phone" => f.contact_phone = v,
                "registered_address" => f.registered_address = v,
                "lab_address" => f.lab_address = v,
                "district_code" => f.district_code = v,
                "testing" => f.testing.push(v),
                "wastewater" => f.wastewater.push(v),
                "flue_gas" => f.flue_gas.push(v),
                "self_maintaining" => f.self_maintaining = Some(v),
                "username" => f.username = v,
                "password" => f.password = v,
                "reason" => f.change_reason = v,
                _ => {}
            }
        }
        f
    }

    pub(crate) fn input(&self) -> FilingInput {
        FilingInput {
            name: self.name.clone(),
            uscc: self.uscc.clone(),
            category: self.category.clone(),
            legal_representative: self.legal_representative.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            registered_address: self.registered_address.clone(),
            lab_address: Some(self.lab_address.clone()),
            district_code: self.district_code.clone(),
            testing: self.testing.clone(),
            wastewater: self.wastewater.clone(),
            flue_gas: self.flue_gas.clone(),
        }
    }
}

/// What the filing form shows: values, choices and errors.
pub struct FormState {
    pub form: FilingForm,
    pub categories: Vec<Choice>,
    pub districts: Vec<Choice>,
    pub testing: Vec<Choice>,
    pub wastewater: Vec<Choice>,
    pub flue_gas: Vec<Choice>,
    pub errors: BTreeMap<String, String>,
    /// An edit of a filing with a number: a blank phone keeps it (it is never shown back).
    pub keep_phone: bool,
    /// The document inputs: (field, label, required of every agency).
    pub documents: Vec<(&'static str, &'static str, bool)>,
}

impl FormState {
    fn new(state: &AppState, form: FilingForm, errors: BTreeMap<String, String>) -> Self {
        let districts: Vec<(&str, &str)> = state
            .app
            .districts()
            .all()
            .iter()
            .map(|d| (d.code.as_str(), d.name.as_str()))
            .collect();
        FormState {
            categories: categories(&form.category),
            districts: choices(&districts, std::slice::from_ref(&form.district_code)),
            testing: items(&TESTING_FIELDS, &form.testing),
            wastewater: items(&WASTEWATER_PARAMETERS, &form.wastewater),
            flue_gas: items(&FLUE_GAS_PARAMETERS, &form.flue_gas),
            form,
            errors,
            keep_phone: false,
            documents: FilingDocument::ALL
                .iter()
                .map(|d| (d.as_str(), d.label(), *d != FilingDocument::CmaCertificate))
                .collect(),
        }
    }

    fn editing(mut self) -> Self {
        self.keep_phone = true;
        self
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[derive(Template)]
#[template(path = "portal/register.html")]
pub struct RegisterPage {
    pub shell: Shell,
    pub f: FormState,
    pub done: Option<(String, String)>,
}

pub async fn register_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    Ok(render(&RegisterPage {
        shell: Shell::portal(&ctx, "page.register", "机构注册备案", &["机构注册备案"]),
        f: FormState::new(&state, FilingForm::default(), BTreeMap::new()),
        done: None,
    }))
}

pub async fn register_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    emss_app::filing::check_registration_rate(&state.app).await?;
    let (fields, attachments) = crate::upload::form(req, &state).await?;
    let form = FilingForm::from_pairs(fields);
    let result = emss_app::filing::register(
        &state.app,
        Registration {
            self_maintaining: form.self_maintaining.is_some(),
            filing: form.input(),
            username: form.username.clone(),
            password: form.password.clone(),
            submit: true,
            attachments,
        },
    )
    .await;
    let shell = Shell::portal(&ctx, "page.register", "机构注册备案", &["机构注册备案"]);
    match result {
        Ok(done) => {
            let message = if done.state == FilingState::Filed {
                "自运维企业备案已当场办结。".to_string()
            } else {
                "备案已提交，市生态环境局将进行一审、二审；审核结果可登录后在“备案管理”查看。"
                    .to_string()
            };
            Ok(render(&RegisterPage {
                shell,
                f: FormState::new(&state, FilingForm::default(), BTreeMap::new()),
                done: Some((done.username, message)),
            }))
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let mut form = form;
            form.password = String::new();
            let page = RegisterPage {
                shell,
                f: FormState::new(&state, form, e.fields),
                done: None,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A row of an agency list.
pub struct Row {
    pub id: String,
    pub name: String,
    pub category: String,
    pub legal_representative: String,
    pub contact: String,
    pub address: String,
    pub lab_address: String,
    pub state: String,
    pub published: &'static str,
    pub district: String,
    pub capabilities: String,
}

fn row(v: FilingView) -> Row {
    let mut caps: Vec<String> = Vec::new();
    if !v.testing.is_empty() {
        caps.push(format!("检测：{}", v.testing.join("、")));
    }
    if !v.wastewater.is_empty() {
        caps.push(format!("废水：{}", v.wastewater.join("、")));
    }
    if !v.flue_gas.is_empty() {
        caps.push(format!("废气：{}", v.flue_gas.join("、")));
    }
    Row {
        id: v.org_id,
        name: v.name,
        category: v.category_label,
        legal_representative: v.legal_representative.unwrap_or_else(|| EMPTY.into()),
        contact: match (v.contact_name, v.contact_phone) {
            (Some(n), Some(p)) => format!("{n} {p}"),
            _ => EMPTY.into(),
        },
        address: v.registered_address,
        lab_address: v.lab_address.unwrap_or_else(|| EMPTY.into()),
        state: v.state_label,
        published: if v.published {
            "已公开"
        } else {
            "未公开"
        },
        district: v.district_name,
        capabilities: if caps.is_empty() {
            EMPTY.into()
        } else {
            caps.join("；")
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub keyword: Option<String>,
    pub category: Option<String>,
    pub filing_state: Option<String>,
    pub published: Option<String>,
    pub testing: Option<String>,
    pub maintenance: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl ListQuery {
    fn filter(&self) -> FilingFilter {
        let pick = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        FilingFilter {
            keyword: pick(&self.keyword),
            category: pick(&self.category).filter(|c| AgencyCategory::parse(c).is_some()),
            state: pick(&self.filing_state).filter(|s| FilingState::parse(s).is_some()),
            published: match self.published.as_deref() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
            testing: pick(&self.testing),
            maintenance: pick(&self.maintenance).filter(|m| m == "wastewater" || m == "flue_gas"),
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            ("keyword", v(&self.keyword)),
            ("category", v(&self.category)),
            ("filing_state", v(&self.filing_state)),
            ("published", v(&self.published)),
            ("testing", v(&self.testing)),
            ("maintenance", v(&self.maintenance)),
        ]
    }
}

#[derive(Template)]
#[template(path = "portal/agencies.html")]
pub struct ListPage {
    pub shell: Shell,
    /// The public register (no state filters, no contact columns).
    pub public: bool,
    pub base: &'static str,
    pub keyword: String,
    pub categories: Vec<Choice>,
    pub states: Vec<Choice>,
    pub published: Vec<Choice>,
    pub testing: Vec<Choice>,
    pub maintenance: Vec<Choice>,
    pub rows: Vec<(u64, Row)>,
    pub pager: Pager,
    pub queue: Option<emss_app::filing::QueueCounts>,
    /// The published credit grades of the agencies listed (public register), newest year first.
    pub grades: Vec<emss_app::credit::PublicGrade>,
}

impl ListPage {
    /// An agency's grades of its newest published year, one per kind ("运维类 A 守信"), and the
    /// year.
    pub fn grades_of(&self, id: &str) -> (Vec<String>, String) {
        let mine: Vec<&emss_app::credit::PublicGrade> =
            self.grades.iter().filter(|g| g.agency_id == id).collect();
        let Some(year) = mine.first().map(|g| g.year) else {
            return (Vec::new(), String::new());
        };
        (
            mine.iter()
                .filter(|g| g.year == year)
                .map(|g| format!("{} {} {}", g.kind_label, g.grade_code, g.grade_name))
                .collect(),
            format!("{year} 年度"),
        )
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    q: ListQuery,
    public: bool,
) -> Result<ListPage, PageError> {
    let request = PageRequest::new(q.page, q.page_size);
    let actor = if public { None } else { ctx.actor() };
    let page = emss_app::filing::search(&state.app, actor, q.filter(), request).await?;
    let base = if public {
        "/public/agencies"
    } else {
        "/agencies"
    };
    let export = (!public).then_some("/agencies/export.csv");
    let pager = pager(&page, base, &q.pairs(), export);
    let first = page.first_number();
    let grades = if public {
        let ids: Vec<String> = page.items.iter().map(|v| v.org_id.clone()).collect();
        emss_app::credit::public_grades(&state.app, &ids).await?
    } else {
        Vec::new()
    };
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, v)| (first + i as u64, row(v)))
        .collect();
    let one = |v: &Option<String>| vec![v.clone().unwrap_or_default()];
    let state_choices: Vec<(&str, &str)> = FilingState::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let queue = match ctx.actor() {
        Some(a) if !public => emss_app::filing::queue_counts(&state.app, a).await?,
        _ => None,
    };
    Ok(ListPage {
        shell: if public {
            Shell::portal(
                ctx,
                "page.public.agencies",
                "机构备案公开查询",
                &["公开查询", "机构备案"],
            )
        } else {
            Shell::portal(ctx, "page.agencies", "机构查询", &["备案管理", "机构查询"])
        },
        public,
        base,
        keyword: q.keyword.clone().unwrap_or_default(),
        categories: categories(q.category.as_deref().unwrap_or("")),
        states: choices(&state_choices, &one(&q.filing_state)),
        published: choices(
            &[("true", "已公开"), ("false", "未公开")],
            &one(&q.published),
        ),
        testing: items(&TESTING_FIELDS, &one(&q.testing)),
        maintenance: choices(
            &[("wastewater", "废水"), ("flue_gas", "废气")],
            &one(&q.maintenance),
        ),
        rows,
        pager,
        queue,
        grades,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    Ok(render(&list_page(&state, &ctx, q, false).await?))
}

pub async fn public_list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    Ok(render(&list_page(&state, &ctx, q, true).await?))
}

crate::export::export_handlers!(export, export_xlsx, ListQuery, export_as);

/// The register as filtered, refused past the export limit, audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = emss_app::filing::search(&state.app, Some(actor), q.filter(), PageRequest::export())
        .await?;
    whole_export(
        page.total,
        MAX_EXPORT_ROWS,
        "keyword",
        ("家", "机构"),
        "加筛选条件",
    )?;
    audit_export(
        &state.app,
        actor,
        "filing.export",
        q.pairs(),
        page.total,
        format,
    )
    .await?;
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let uscc = v.uscc.clone();
            let r = row(v);
            vec![
                Cell::count(i as u64 + 1),
                r.name.into(),
                uscc.into(),
                r.category.into(),
                r.legal_representative.into(),
                r.contact.into(),
                r.address.into(),
                r.lab_address.into(),
                r.district.into(),
                r.capabilities.into(),
                r.state.into(),
                Cell::Text(r.published.to_string()),
            ]
        })
        .collect();
    Ok(export_response(
        format,
        "机构查询",
        &[
            "序号",
            "机构名称",
            "统一社会信用代码",
            "机构类别",
            "法人代表",
            "联系人",
            "通讯地址",
            "实验室地址",
            "所在区",
            "能力",
            "备案状态",
            "状态",
        ],
        rows,
    )
    .await?)
}

pub struct TrailRow {
    pub version: i32,
    pub at: String,
    pub event: String,
    pub state: String,
    pub detail: String,
}

fn trail_rows(versions: Vec<FilingVersionView>) -> Vec<TrailRow> {
    versions
        .into_iter()
        .map(|v| TrailRow {
            version: v.version,
            at: format_datetime(v.at),
            event: v.event_label,
            state: FilingState::parse(&v.state)
                .map(|s| s.label())
                .unwrap_or(EMPTY)
                .to_string(),
            detail: v
                .snapshot
                .get("reject_reason")
                .and_then(|r| r.as_str())
                .filter(|_| v.event == "filing.reject")
                .map(|r| format!("退回原因：{r}"))
                .unwrap_or_else(|| EMPTY.to_string()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/agency_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub a: FilingView,
    pub r: Row,
    pub submitted_at: String,
    pub filed_at: String,
    pub trail: Vec<TrailRow>,
    pub can_review: bool,
    pub can_publish: bool,
    /// The agency's own filing page: edit and submit.
    pub own: Option<FormState>,
    /// The agency's own filed filing: propose a change (信息变更申请).
    pub change: Option<FormState>,
    /// Change requests, newest first (the agency itself and regulators).
    pub changes: Vec<ChangeRow>,
    pub can_decide_change: bool,
    /// Personnel, equipment and spare parts (the agency itself and regulators).
    pub resources: Option<ResourceRows>,
    /// The published credit grades (信用评价), newest year first.
    pub credit: Vec<emss_app::credit::PublicGrade>,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<String>,
}

/// A change request as listed on the agency's page.
pub struct ChangeRow {
    pub id: String,
    pub state: String,
    pub state_label: String,
    pub reason: String,
    pub requested_at: String,
    pub decided_at: String,
    pub comment: String,
    pub changes: Vec<emss_domain::change_request::FieldChange>,
}

impl ChangeRow {
    pub fn pending(&self) -> bool {
        self.state == "pending"
    }
}

pub(crate) fn change_row(c: emss_app::filing_change::ChangeView) -> ChangeRow {
    ChangeRow {
        requested_at: format_datetime(c.requested_at),
        decided_at: format_optional(c.decided_at),
        comment: c.decision_comment.unwrap_or_else(|| EMPTY.to_string()),
        id: c.id,
        state: c.state,
        state_label: c.state_label,
        reason: c.reason,
        changes: c.changes,
    }
}

/// Personnel, equipment and spare parts as shown read-only on an agency's page.
pub struct ResourceRows {
    pub r: emss_app::agency_resources::Resources,
}

impl ResourceRows {
    pub fn active_staff(&self) -> usize {
        self.r.staff.iter().filter(|s| !s.resigned).count()
    }
}

impl ShowPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        format_datetime(*t)
    }

    /// A file size for people: `1.2 MB`, `356 KB`.
    pub fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (bytes + 1023) / 1024)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    pub done: Option<String>,
}

fn notice_of(done: Option<&str>) -> Option<String> {
    done.map(|d| {
        match d {
            "pass" => "审核已通过",
            "reject" => "已退回申请人",
            "publish" => "已公开",
            "unpublish" => "已取消公开",
            "saved" => "备案信息已保存",
            "uploaded" => "附件已上传",
            "submitted" => "备案已提交，等待市级一审",
            "change_requested" => "变更申请已提交，等待市生态环境局审核",
            "change_approved" => "变更申请已通过，备案信息已更新",
            "change_rejected" => "变更申请已驳回",
            _ => "已完成",
        }
        .to_string()
    })
}

pub(crate) async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    public: bool,
    errors: BTreeMap<String, String>,
    notice: Option<String>,
) -> Result<ShowPage, PageError> {
    let actor = if public { None } else { ctx.actor() };
    let (a, versions) = emss_app::filing::detail(&state.app, actor, id).await?;
    let state_now = FilingState::parse(&a.state).unwrap_or(FilingState::Draft);
    let can = |p: Permission| !public && ctx.actor().is_some_and(|x| p.allows(Some(x)));
    let own = (!public
        && ctx
            .actor()
            .is_some_and(|x| x.org_id == a.org_id && Permission::ManageOwnFiling.allows(Some(x))))
    .then(|| FilingForm {
        name: a.name.clone(),
        uscc: a.uscc.clone(),
        category: a.category.clone(),
        legal_representative: a.legal_representative.clone().unwrap_or_default(),
        contact_name: a.contact_name.clone().unwrap_or_default(),
        contact_phone: String::new(),
        registered_address: a.registered_address.clone(),
        lab_address: a.lab_address.clone().unwrap_or_default(),
        district_code: a.district_code.clone(),
        testing: a.testing.clone(),
        wastewater: a.wastewater.clone(),
        flue_gas: a.flue_gas.clone(),
        ..FilingForm::default()
    })
    .map(|f| FormState::new(state, f, errors.clone()).editing());
    let full_viewer = !public && emss_app::filing::sees_everything(ctx.actor(), &a.org_id);
    let (changes, resources) = match ctx.actor() {
        Some(x) if full_viewer => (
            emss_app::filing_change::of_filing(&state.app, x, &a.org_id)
                .await?
                .into_iter()
                .map(change_row)
                .collect::<Vec<_>>(),
            Some(ResourceRows {
                r: emss_app::agency_resources::of_agency(&state.app, x, &a.org_id).await?,
            }),
        ),
        _ => (Vec::new(), None),
    };
    let has_pending = changes.iter().any(ChangeRow::pending);
    let (own, change) = if state_now.editable() {
        (own, None)
    } else if state_now == FilingState::Filed && !has_pending {
        (None, own)
    } else {
        (None, None)
    };
    let is_own = !public && ctx.actor().is_some_and(|x| x.org_id == a.org_id);
    let (title, crumbs): (&str, &[&str]) = if public {
        ("机构备案详情", &["公开查询", "机构备案", "详情"])
    } else if is_own {
        ("本机构备案", &["备案管理", "本机构备案"])
    } else {
        ("机构详情", &["备案管理", "机构查询", "详情"])
    };
    let route = if public {
        "page.public.agencies"
    } else if is_own {
        "page.filing"
    } else {
        "page.agencies"
    };
    Ok(ShowPage {
        shell: Shell::portal(ctx, route, title, crumbs),
        submitted_at: format_optional(a.submitted_at),
        filed_at: format_optional(a.filed_at),
        trail: trail_rows(versions),
        can_review: can(Permission::ReviewFiling)
            && matches!(
                state_now,
                FilingState::Submitted | FilingState::FirstReviewPassed
            ),
        can_publish: can(Permission::PublishFiling) && state_now == FilingState::Filed,
        can_decide_change: can(Permission::ReviewFiling) && has_pending,
        own,
        change,
        changes,
        resources,
        credit: emss_app::credit::public_grades(&state.app, std::slice::from_ref(&a.org_id))
            .await?,
        r: row(a.clone()),
        a,
        errors,
        notice,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(n): PageQuery<Notice>,
) -> Result<Response, PageError> {
    Ok(render(
        &show_page(
            &state,
            &ctx,
            &id,
            false,
            BTreeMap::new(),
            notice_of(n.done.as_deref()),
        )
        .await?,
    ))
}

pub async fn public_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(
        &show_page(&state, &ctx, &id, true, BTreeMap::new(), None).await?,
    ))
}

pub async fn own(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(n): PageQuery<Notice>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let id = actor.org_id.clone();
    Ok(render(
        &show_page(
            &state,
            &ctx,
            &id,
            false,
            BTreeMap::new(),
            notice_of(n.done.as_deref()),
        )
        .await?,
    ))
}

pub async fn own_update(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = FilingForm::parse(&body);
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::filing::update_own(&state.app, actor, form.input()).await {
        Ok(_) => Ok(Redirect::to("/filing?done=saved").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let id = actor.org_id.clone();
            let mut page = show_page(&state, &ctx, &id, false, e.fields, None).await?;
            if let Some(f) = page.own.as_mut() {
                f.form = form;
                f.form.password = String::new();
                let errors = f.errors.clone();
                *f = FormState::new(&state, std::mem::take(&mut f.form), errors);
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Uploads documents of the own filing (draft or sent back); each chosen file is one document.
pub async fn own_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (_, files) = crate::upload::form(req, &state).await?;
    match emss_app::filing::upload_own(&state.app, actor, files).await {
        Ok(_) => Ok(Redirect::to("/filing?done=uploaded").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let id = actor.org_id.clone();
            let mut fields = e.fields;
            // "Nothing chosen" belongs next to the first file input.
            if let Some(m) = fields.remove("kind") {
                fields.insert("business_licence".to_string(), m);
            }
            let page = show_page(&state, &ctx, &id, false, fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn own_submit(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::filing::submit_own(&state.app, actor).await {
        Ok(_) => Ok(Redirect::to("/filing?done=submitted").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let id = actor.org_id.clone();
            let page = show_page(&state, &ctx, &id, false, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReviewForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let pass = match form.decision.as_str() {
        "pass" => true,
        "reject" => false,
        _ => return Err(emss_app::AppError::new(ErrorCode::BadRequest).into()),
    };
    match emss_app::filing::review(&state.app, actor, &id, pass, Some(&form.reason)).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/agencies/{id}?done={}",
            if pass { "pass" } else { "reject" }
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, false, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    pub published: String,
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<PublishForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let published = form.published == "true";
    emss_app::filing::set_published(&state.app, actor, &id, published).await?;
    Ok(Redirect::to(&format!(
        "/agencies/{id}?done={}",
        if published { "publish" } else { "unpublish" }
    ))
    .into_response())
}
