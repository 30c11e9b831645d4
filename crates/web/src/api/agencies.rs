//! Agency filing (备案): public registration, the own filing, 机构查询 / the public register, and
//! the city regulator's reviews and publication.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::Response;
use chrono::{DateTime, Utc};
use emss_app::filing::{AttachmentView, FilingInput, FilingVersionView, FilingView, Registration};
use emss_db::repo::filing::FilingFilter;
use emss_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// The filing's fields as an applicant sends them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingBody {
    /// 机构名称.
    pub name: String,
    /// 统一社会信用代码 (18 characters, GB 32100 check character).
    pub uscc: String,
    /// `testing` (检测机构) | `maintenance` (运维机构) | `testing_maintenance` (检测运维机构).
    pub category: String,
    pub legal_representative: String,
    pub contact_name: String,
    /// 11-digit mobile number.
    pub contact_phone: String,
    pub registered_address: String,
    /// Required for testing agencies.
    pub lab_address: Option<String>,
    /// Six-digit district code (e.g. `310115` 浦东新区).
    pub district_code: String,
    /// 检测能力, e.g. `水和废水`.
    #[serde(default)]
    pub testing: Vec<String>,
    /// 废水运维能力 by parameter, e.g. `化学需氧量`.
    #[serde(default)]
    pub wastewater: Vec<String>,
    /// 废气运维能力 by parameter, e.g. `二氧化硫`.
    #[serde(default)]
    pub flue_gas: Vec<String>,
}

impl From<FilingBody> for FilingInput {
    fn from(b: FilingBody) -> Self {
        FilingInput {
            name: b.name,
            uscc: b.uscc,
            category: b.category,
            legal_representative: b.legal_representative,
            contact_name: b.contact_name,
            contact_phone: b.contact_phone,
            registered_address: b.registered_address,
            lab_address: b.lab_address,
            district_code: b.district_code,
            testing: b.testing,
            wastewater: b.wastewater,
            flue_gas: b.flue_gas,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    pub filing: FilingBody,
    /// A self-maintaining enterprise (自运维企业) is filed at once; an agency goes to review.
    #[serde(default)]
    pub self_maintaining: bool,
    /// The main account's login.
    pub username: String,
    pub password: String,
    /// Submit for review now (default); `false` keeps a draft. Submitting needs the documents,
    /// so a JSON registration (which has none) either sends `false` and uploads them to
    /// `/api/v1/filing/attachments` before `/api/v1/filing/submit`, or is sent as
    /// `multipart/form-data` with this JSON in the part `registration` and the files in the
    /// parts `business_licence`, `commitment_letter` and (testing agencies) `cma_certificate`.
    pub submit: Option<bool>,
}

/// A document of a filing (PDF, JPG or PNG, at most 10 MB).
#[derive(Debug, Serialize, ToSchema)]
pub struct FilingAttachment {
    pub id: String,
    /// `business_licence` (营业执照) | `commitment_letter` (承诺书) | `cma_certificate` (CMA).
    pub kind: String,
    pub kind_label: String,
    pub file_name: String,
    /// As judged from the content.
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the file.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<AttachmentView> for FilingAttachment {
    fn from(v: AttachmentView) -> Self {
        FilingAttachment {
            id: v.id,
            kind: v.kind,
            kind_label: v.kind_label,
            file_name: v.file_name,
            content_type: v.content_type,
            size: v.size,
            sha256: v.sha256,
            uploaded_at: v.uploaded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub org_id: String,
    pub account_id: String,
    pub username: String,
    /// `draft` | `submitted` | `filed`.
    pub state: String,
}

/// A filing as shown. Contact data are absent for the public.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    pub id: String,
    /// `agency` | `self_maintaining_enterprise`.
    pub kind: String,
    pub name: String,
    pub uscc: String,
    pub category: String,
    pub category_label: String,
    /// `draft` | `submitted` | `first_review_passed` | `filed` | `rejected`.
    pub filing_state: String,
    pub filing_state_label: String,
    pub published: bool,
    pub legal_representative: Option<String>,
    pub contact_name: Option<String>,
    /// Masked.
    pub contact_phone: Option<String>,
    pub registered_address: String,
    pub lab_address: Option<String>,
    pub district_code: String,
    pub district_name: String,
    pub testing: Vec<String>,
    pub wastewater: Vec<String>,
    pub flue_gas: Vec<String>,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub filed_at: Option<DateTime<Utc>>,
    /// The documents in force; for the agency itself and regulators only.
    pub attachments: Vec<FilingAttachment>,
}

impl From<FilingView> for Agency {
    fn from(v: FilingView) -> Self {
        Agency {
            id: v.org_id,
            kind: v.kind,
            name: v.name,
            uscc: v.uscc,
            category: v.category,
            category_label: v.category_label,
            filing_state: v.state,
            filing_state_label: v.state_label,
            published: v.published,
            legal_representative: v.legal_representative,
            contact_name: v.contact_name,
            contact_phone: v.contact_phone,
            registered_address: v.registered_address,
            lab_address: v.lab_address,
            district_code: v.district_code,
            district_name: v.district_name,
            testing: v.testing,
            wastewater: v.wastewater,
            flue_gas: v.flue_gas,
            reject_reason: v.reject_reason,
            version: v.version,
            submitted_at: v.submitted_at,
            filed_at: v.filed_at,
            attachments: v.attachments.into_iter().map(Into::into).collect(),
        }
    }
}

/// One version of the filing's trail (留痕).
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyVersion {
    pub version: i32,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub event: String,
    pub event_label: String,
    pub filing_state: String,
    /// The filing as it stood (personal data masked).
    #[schema(value_type = Object)]
    pub snapshot: Value,
}

impl From<FilingVersionView> for AgencyVersion {
    fn from(v: FilingVersionView) -> Self {
        AgencyVersion {
            version: v.version,
            at: v.at,
            actor_id: v.actor_id,
            event: v.event,
            event_label: v.event_label,
            filing_state: v.state,
            snapshot: v.snapshot,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyDetail {
    pub agency: Agency,
    /// Every version, oldest first; empty for the public.
    pub trail: Vec<AgencyVersion>,
}

fn detail_of((v, trail): (FilingView, Vec<FilingVersionView>)) -> AgencyDetail {
    AgencyDetail {
        agency: v.into(),
        trail: trail.into_iter().map(Into::into).collect(),
    }
}

/// Registers an agency or a self-maintaining enterprise and creates its main account.
#[utoipa::path(
    post,
    path = "/api/v1/registrations",
    tag = "filing",
    summary = "机构注册备案",
    request_body(
        content(
            (RegistrationRequest = "application/json"),
            (RegistrationForm = "multipart/form-data")
        )
    ),
    responses(
        (status = 201, body = Registered),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "同一地址注册过于频繁；Retry-After 头给出可重试的秒数")
    )
)]
pub async fn register(
    State(state): State<AppState>,
    req: Request,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    emss_app::filing::check_registration_rate(&state.app).await?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let (body, attachments) = if multipart {
        let (fields, files) = crate::upload::form(req, &state).await?;
        let json = fields
            .into_iter()
            .find(|(k, _)| k == "registration")
            .map(|(_, v)| v)
            .ok_or_else(|| {
                emss_app::AppError::field("registration", "缺少注册信息（registration）")
            })?;
        let body: RegistrationRequest = serde_json::from_str(&json).map_err(|e| {
            emss_app::AppError::field("registration", &format!("注册信息有误：{e}"))
        })?;
        (body, files)
    } else {
        let ApiJson(body) = ApiJson::<RegistrationRequest>::from_request(req, &state).await?;
        (body, Vec::new())
    };
    let done = emss_app::filing::register(
        &state.app,
        Registration {
            self_maintaining: body.self_maintaining,
            filing: body.filing.into(),
            username: body.username,
            password: body.password,
            submit: body.submit.unwrap_or(true),
            attachments,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            org_id: done.org_id,
            account_id: done.account_id,
            username: done.username,
            state: done.state.as_str().to_string(),
        }),
    ))
}

/// The caller's own filing with its trail.
#[utoipa::path(
    get,
    path = "/api/v1/filing",
    tag = "filing",
    summary = "本机构备案",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AgencyDetail), (status = 403, body = ErrorBody))
)]
pub async fn own(State(state): State<AppState>, ctx: Ctx) -> Result<Json<AgencyDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(detail_of(
        emss_app::filing::own(&state.app, actor).await?,
    )))
}

/// Edits the own filing while it is a draft or was sent back.
#[utoipa::path(
    put,
    path = "/api/v1/filing",
    tag = "filing",
    summary = "修改本机构备案",
    request_body = FilingBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Agency), (status = 422, body = ErrorBody))
)]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<FilingBody>,
) -> Result<Json<Agency>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::filing::update_own(&state.app, actor, body.into())
            .await?
            .into(),
    ))
}

/// A registration with its documents, as `multipart/form-data`. Only describes the body in the
/// OpenAPI document (the handler reads the parts itself), hence never built.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RegistrationForm {
    /// The registration as JSON (the `application/json` body).
    registration: String,
    /// 营业执照 (PDF, JPG or PNG, at most 10 MB).
    #[schema(value_type = String, format = Binary)]
    business_licence: Vec<u8>,
    /// 承诺书.
    #[schema(value_type = String, format = Binary)]
    commitment_letter: Vec<u8>,
    /// 检验检测机构资质认定证书 (testing agencies).
    #[schema(value_type = Option<String>, format = Binary)]
    cma_certificate: Option<Vec<u8>>,
}

/// One document, as `multipart/form-data`. Only describes the body in the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FilingAttachmentForm {
    /// `business_licence` | `commitment_letter` | `cma_certificate`.
    kind: String,
    /// PDF, JPG or PNG, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Adds or replaces a document of the own filing while it is a draft or was sent back.
#[utoipa::path(
    post,
    path = "/api/v1/filing/attachments",
    tag = "filing",
    summary = "上传备案附件",
    request_body(content = FilingAttachmentForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = FilingAttachment), (status = 422, body = ErrorBody))
)]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<(StatusCode, Json<FilingAttachment>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (fields, files) = crate::upload::form(req, &state).await?;
    let kind = fields
        .into_iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let Some(mut file) = files.into_iter().find(|f| f.kind == "file") else {
        return Err(emss_app::AppError::field("file", "请选择要上传的文件").into());
    };
    file.kind = kind;
    let mut done = emss_app::filing::upload_own(&state.app, actor, vec![file]).await?;
    let one = done
        .pop()
        .ok_or_else(|| emss_app::AppError::internal("an upload vanished"))?;
    Ok((StatusCode::CREATED, Json(one.into())))
}

/// A document of a filing, for the agency itself and regulators.
#[utoipa::path(
    get,
    path = "/api/v1/agencies/{id}/attachments/{attachment_id}",
    tag = "filing",
    summary = "下载备案附件",
    params(
        ("id" = String, Path, description = "机构编号"),
        ("attachment_id" = String, Path, description = "附件编号")
    ),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody))
)]
pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (a, bytes) =
        emss_app::filing::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(super::download(&a.file_name, &a.content_type, bytes))
}

/// Submits the own filing for review (again, after it was sent back).
#[utoipa::path(
    post,
    path = "/api/v1/filing/submit",
    tag = "filing",
    summary = "提交本机构备案",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Agency), (status = 422, body = ErrorBody))
)]
pub async fn submit(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Agency>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::filing::submit_own(&state.app, actor)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgencyQuery {
    /// Name, or the exact USCC.
    pub keyword: Option<String>,
    /// `testing` | `maintenance` | `testing_maintenance`.
    pub category: Option<String>,
    /// Regulators only: `draft` | `submitted` | `first_review_passed` | `filed` | `rejected`.
    pub filing_state: Option<String>,
    /// Regulators only.
    pub published: Option<bool>,
    /// A testing capability, e.g. `水和废水`.
    pub testing: Option<String>,
    /// `wastewater` | `flue_gas`.
    pub maintenance: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyPage {
    pub items: Vec<Agency>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// 机构查询 for regulators; for everyone else the public register: filed and published agencies
/// only, without contact data.
#[utoipa::path(
    get,
    path = "/api/v1/agencies",
    tag = "filing",
    summary = "机构查询 / 公开名录",
    params(AgencyQuery),
    responses((status = 200, body = AgencyPage), (status = 422, body = ErrorBody))
)]
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AgencyQuery>,
) -> Result<Json<AgencyPage>, ApiError> {
    let filter = filter_of(&q)?;
    let page = emss_app::filing::search(
        &state.app,
        ctx.actor(),
        filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(AgencyPage {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// Checks the filter values, so a typo is reported rather than silently matching nothing.
pub(crate) fn filter_of(q: &AgencyQuery) -> Result<FilingFilter, ApiError> {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let category = pick(&q.category);
    if category
        .as_deref()
        .is_some_and(|c| emss_domain::AgencyCategory::parse(c).is_none())
    {
        return Err(emss_app::AppError::field("category", "机构类别不正确").into());
    }
    let state = pick(&q.filing_state);
    if state
        .as_deref()
        .is_some_and(|s| emss_domain::filing::FilingState::parse(s).is_none())
    {
        return Err(emss_app::AppError::field("filing_state", "备案状态不正确").into());
    }
    let maintenance = pick(&q.maintenance);
    if maintenance
        .as_deref()
        .is_some_and(|m| m != "wastewater" && m != "flue_gas")
    {
        return Err(emss_app::AppError::field(
            "maintenance",
            "运维能力只能是 wastewater 或 flue_gas",
        )
        .into());
    }
    Ok(FilingFilter {
        keyword: q.keyword.clone(),
        category,
        state,
        published: q.published,
        testing: pick(&q.testing),
        maintenance,
    })
}

/// One agency: the whole filing and its trail for regulators and the agency itself; the public
/// view of a published agency for everyone else.
#[utoipa::path(
    get,
    path = "/api/v1/agencies/{id}",
    tag = "filing",
    summary = "机构详情",
    params(("id" = String, Path, description = "机构编号")),
    responses((status = 200, body = AgencyDetail), (status = 404, body = ErrorBody))
)]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AgencyDetail>, ApiError> {
    Ok(Json(detail_of(
        emss_app::filing::detail(&state.app, ctx.actor(), &id).await?,
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `pass` (一审/二审通过, by the filing's stage) or `reject` (退回).
    pub decision: String,
    /// Required to send back.
    pub reason: Option<String>,
}

/// The city regulator's review: first review, then second review; either may send it back.
#[utoipa::path(
    post,
    path = "/api/v1/agencies/{id}/review",
    tag = "filing",
    summary = "备案审核",
    params(("id" = String, Path, description = "机构编号")),
    request_body = ReviewRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Agency), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewRequest>,
) -> Result<Json<Agency>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let pass = match body.decision.as_str() {
        "pass" => true,
        "reject" => false,
        _ => {
            return Err(
                emss_app::AppError::field("decision", "审核结果只能是 pass 或 reject").into(),
            );
        }
    };
    Ok(Json(
        emss_app::filing::review(&state.app, actor, &id, pass, body.reason.as_deref())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedRequest {
    pub published: bool,
}

/// 公开 / 取消公开 a filed agency (city regulator).
#[utoipa::path(
    put,
    path = "/api/v1/agencies/{id}/published",
    tag = "filing",
    summary = "公开机构",
    params(("id" = String, Path, description = "机构编号")),
    request_body = PublishedRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Agency), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn set_published(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PublishedRequest>,
) -> Result<Json<Agency>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::filing::set_published(&state.app, actor, &id, body.published)
            .await?
            .into(),
    ))
}
