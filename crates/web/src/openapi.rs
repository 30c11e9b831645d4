//! The OpenAPI document, generated from the handlers' annotations. It is served at
//! `/api/v1/openapi.json` and committed as `docs/openapi.json`; a test fails when they differ.

use crate::api;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "EMSS 环境监测社会化服务监管系统 API",
        version = "1",
        description = "供运维现场应用、公众号页面、一网通办与第三方运维软件对接的接口。\
时间均为带时区的 RFC 3339；日期为上海时区的 YYYY-MM-DD。对象编号为不透明字符串。\
出错时返回 {code, message, fields, request_id}；超出调用者数据范围的对象与不存在的对象一样回答 404。"
    ),
    paths(
        api::health::live,
        api::health::ready,
        api::openapi_json,
        api::auth::login,
        api::auth::logout,
        api::auth::me,
        api::auth::change_password,
        api::accounts::list,
        api::accounts::create,
        api::accounts::get,
        api::accounts::set_roles,
        api::accounts::set_enabled,
        api::accounts::end_sessions,
        api::accounts::reveal_phone,
        api::accounts::get_policy,
        api::accounts::put_policy,
        api::agencies::register,
        api::agencies::own,
        api::agencies::update,
        api::agencies::submit,
        api::agencies::upload,
        api::agencies::attachment,
        api::agencies::search,
        api::agencies::get,
        api::agencies::review,
        api::agencies::set_published,
        api::agency_resources::get,
        api::agency_resources::create_staff,
        api::agency_resources::update_staff,
        api::agency_resources::create_equipment,
        api::agency_resources::update_equipment,
        api::agency_resources::delete_equipment,
        api::agency_resources::create_spare_part,
        api::agency_resources::update_spare_part,
        api::agency_resources::delete_spare_part,
        api::agency_resources::create_standard_material,
        api::agency_resources::update_standard_material,
        api::filing_changes::own,
        api::filing_changes::create,
        api::filing_changes::queue,
        api::filing_changes::decide,
        api::contracts::list,
        api::contracts::create,
        api::contracts::get,
        api::contracts::update,
        api::contracts::submit,
        api::contracts::decide,
        api::contracts::request_change,
        api::contracts::changes,
        api::contracts::decide_change,
        api::contracts::upload_attachment,
        api::contracts::attachment,
        api::evidence::upload,
        api::evidence::get,
        api::records::create,
        api::records::update,
        api::records::upload,
        api::records::submit,
        api::records::get,
        api::records::list,
        api::records::pending,
        api::records::confirm,
        api::records::review,
        api::records::fault_periods,
        api::tasks::list,
        api::tasks::create,
        api::tasks::get,
        api::tasks::update,
        api::tasks::submit,
        api::tasks::close,
        api::tasks::task_occurrences,
        api::tasks::occurrences,
        api::tasks::upload_report,
        api::tasks::reports,
        api::tasks::report_file,
        api::tasks::request_change,
        api::tasks::changes,
        api::tasks::decide_change,
        api::rectifications::list,
        api::rectifications::create,
        api::rectifications::get,
        api::rectifications::update,
        api::rectifications::issue,
        api::rectifications::sign,
        api::rectifications::respond,
        api::rectifications::accept,
        api::rectifications::return_answer,
        api::rectifications::upload_attachment,
        api::rectifications::attachment,
        api::rectifications::request_extension,
        api::rectifications::decide_extension,
        api::rectifications::suggestions,
        api::rectifications::adopt_suggestion,
        api::rectifications::dismiss_suggestion,
        api::credit::systems,
        api::credit::publish,
        api::credit::compute,
        api::credit::ratings,
        api::credit::rating,
        api::credit::objections,
        api::credit::objection,
        api::credit::object,
        api::credit::decide,
        api::credit::start_publicity,
        api::credit::publish_year,
        api::credit::activity,
        api::inspections::list,
        api::inspections::create,
        api::inspections::get,
        api::inspections::complete,
        api::inspections::add_finding,
        api::inspections::upload_attachment,
        api::inspections::attachment,
        api::enterprises::import,
        api::outlets::list,
        api::outlets::create,
        api::outlets::import,
        api::outlets::get,
        api::outlets::update,
        api::outlets::instruments,
        api::outlets::emission_limits,
        api::outlets::set_emission_limit,
        api::outlets::add_instrument,
        api::outlets::update_instrument,
        api::forms::list,
        api::forms::get,
        api::forms::check,
        api::forms::publish,
        api::forms::standard_rule,
        api::forms::set_standard_rule,
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "登录与会话"),
        (name = "accounts", description = "账户"),
        (name = "filing", description = "机构备案：注册、审核、公开与机构查询"),
        (name = "outlets", description = "排口与监测仪器"),
        (name = "contracts", description = "合同：机构起草提交，甲方确认"),
        (name = "tasks", description = "运维任务：任务申请、运维计划与超期"),
        (name = "records", description = "运维记录：签到、填报、提交、企业确认、审核"),
        (name = "evidence", description = "现场照片与签名：按内容检查、解码、重新编码后保存"),
        (name = "rectifications", description = "整改单：监管部门下发、销号或退回，机构签收并提交整改"),
        (name = "inspections", description = "监督检查：现场检查、比对抽测、资料检查及检查发现"),
        (name = "credit", description = "信用评价：评价指标体系，机构的年度评价及逐项得分与依据，公示、异议与公布"),
        (name = "forms", description = "表单目录（15 种运维记录表单）"),
        (name = "meta", description = "健康检查与接口文档")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("POST /api/v1/auth/login 返回的 token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "emss_sid",
                "浏览器会话 Cookie（TLS 下名为 __Host-emss_sid）；写操作须带 x-csrf-token 头",
            ))),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    unique_operation_ids(&mut doc);
    common_refusals(&mut doc);
    doc
}

/// The refusals every route of a kind can answer, documented on each operation that has not
/// described them itself: signed out (401) and not permitted (403) on every signed-in route, an
/// object not found or out of scope (404) wherever the path names one, and for bodies and query
/// strings the answers of the request readers (400 unreadable, 413 too large, 415 wrong content
/// type, 422 invalid).
fn common_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_query = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter().any(|p| {
                    matches!(p, utoipa::openapi::RefOr::T(p)
                        if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
                })
            });
            let has_body = op.request_body.is_some();
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error(description).into());
            };
            if secured {
                add("401", "未登录或会话已过期");
                add("403", "没有权限，或须先修改初始密码");
            }
            if path.contains('{') {
                add("404", "对象不存在或不在调用者的数据范围内");
            }
            if has_body {
                add("400", "请求内容无法读取（不是合法的 JSON 或表单）");
                add("413", "请求内容过大");
                add("415", "请求内容类型与接口要求的不符");
            }
            if has_body || has_query {
                add("422", "请求参数或内容有误，fields 中按字段说明");
            }
        }
    }
}

/// Handlers in different modules share names (`get`, `list` …), so operation ids are made from
/// the method and the path instead (`get_agencies_id_resources`): unique, as client generators
/// need them.
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let name: String = path
            .trim_start_matches("/api/v1/")
            .trim_start_matches('/')
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        for (method, op) in [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ] {
            if let Some(op) = op {
                op.operation_id = Some(format!("{method}_{name}"));
            }
        }
    }
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> String {
    match document().to_pretty_json() {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => {
            tracing::error!(error = %e, "OpenAPI document failed to serialise");
            String::from("{}\n")
        }
    }
}
