//! 帮助中心: contacts and the API description, rendered by EMSS itself from its OpenAPI document.

use crate::context::Ctx;
use crate::error::render;
use crate::openapi;
use crate::shell::Shell;
use askama::Template;
use axum::response::Response;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{RefOr, Required, Schema};

#[derive(Template)]
#[template(path = "portal/help_contacts.html")]
pub struct ContactsPage {
    pub shell: Shell,
}

pub async fn contacts(ctx: Ctx) -> Response {
    render(&ContactsPage {
        shell: Shell::portal(&ctx, "page.help", "联系我们", &["帮助中心", "联系我们"]),
    })
}

/// One operation of the API as the help page lists it.
pub struct OperationView {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub auth: &'static str,
    pub params: Vec<ParamView>,
    pub request: Option<String>,
    pub responses: Vec<(String, String)>,
}

pub struct ParamView {
    pub name: String,
    pub location: &'static str,
    pub required: bool,
    pub description: String,
}

pub struct SchemaView {
    pub name: String,
    pub fields: Vec<FieldView>,
}

pub struct FieldView {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

#[derive(Template)]
#[template(path = "portal/help_api.html")]
pub struct ApiPage {
    pub shell: Shell,
    pub title: String,
    pub description: String,
    pub operations: Vec<OperationView>,
    pub schemas: Vec<SchemaView>,
}

pub async fn api(ctx: Ctx) -> Response {
    let doc = openapi::document();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                operations.push(operation_view(method, path, op));
            }
        }
    }
    let schemas = doc
        .components
        .as_ref()
        .map(|c| {
            c.schemas
                .iter()
                .map(|(name, schema)| schema_view(name, schema))
                .collect()
        })
        .unwrap_or_default();
    render(&ApiPage {
        shell: Shell::portal(&ctx, "page.help.api", "接口说明", &["帮助中心", "接口说明"]),
        title: doc.info.title.clone(),
        description: doc.info.description.clone().unwrap_or_default(),
        operations,
        schemas,
    })
}

fn ref_name(r: &RefOr<Schema>) -> String {
    match r {
        RefOr::Ref(r) => r
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        RefOr::T(s) => schema_kind(s),
    }
}

fn schema_kind(s: &Schema) -> String {
    match s {
        Schema::Object(o) => {
            let json = serde_json::to_value(&o.schema_type).unwrap_or_default();
            match json {
                serde_json::Value::String(t) => t,
                serde_json::Value::Array(ts) => ts
                    .iter()
                    .filter_map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
                _ => "object".to_string(),
            }
        }
        Schema::Array(a) => format!(
            "array of {}",
            match &a.items {
                utoipa::openapi::schema::ArrayItems::RefOrSchema(r) => ref_name(r),
                utoipa::openapi::schema::ArrayItems::False => "—".to_string(),
            }
        ),
        Schema::OneOf(o) => o.items.iter().map(ref_name).collect::<Vec<_>>().join(" | "),
        Schema::AllOf(o) => o.items.iter().map(ref_name).collect::<Vec<_>>().join(" & "),
        Schema::AnyOf(o) => o.items.iter().map(ref_name).collect::<Vec<_>>().join(" | "),
        _ => "value".to_string(),
    }
}

fn operation_view(method: &str, path: &str, op: &Operation) -> OperationView {
    let params = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .map(|p| ParamView {
            name: p.name.clone(),
            location: match p.parameter_in {
                ParameterIn::Query => "query",
                ParameterIn::Path => "path",
                ParameterIn::Header => "header",
                ParameterIn::Cookie => "cookie",
                _ => "query",
            },
            required: matches!(p.required, Required::True),
            description: p.description.clone().unwrap_or_default(),
        })
        .collect();
    let request = op.request_body.as_ref().and_then(|b| match b {
        RefOr::T(b) => Some(b),
        RefOr::Ref(_) => None,
    });
    let request = request.map(|b| {
        b.content
            .iter()
            .map(|(ct, c)| match c {
                RefOr::T(c) => match &c.schema {
                    Some(s) => format!("{ct}: {}", ref_name(s)),
                    None => ct.clone(),
                },
                RefOr::Ref(_) => ct.clone(),
            })
            .collect::<Vec<_>>()
            .join("；")
    });
    let responses = op
        .responses
        .responses
        .iter()
        .map(|(status, r)| {
            let text = match r {
                RefOr::T(resp) => {
                    let body = resp
                        .content
                        .values()
                        .filter_map(|c| match c {
                            RefOr::T(c) => c.schema.as_ref().map(ref_name),
                            RefOr::Ref(_) => None,
                        })
                        .collect::<Vec<_>>()
                        .join("、");
                    match (body.is_empty(), resp.description.is_empty()) {
                        (true, _) => resp.description.clone(),
                        (false, true) => body,
                        (false, false) => format!("{body}（{}）", resp.description),
                    }
                }
                RefOr::Ref(r) => r.ref_location.clone(),
            };
            (status.clone(), text)
        })
        .collect();
    OperationView {
        anchor: format!(
            "{}-{}",
            method.to_lowercase(),
            path.replace(['/', '{', '}', '.'], "-")
        ),
        method: method.to_string(),
        path: path.to_string(),
        summary: op.summary.clone().unwrap_or_default(),
        description: op.description.clone().unwrap_or_default(),
        auth: if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
            "需登录"
        } else {
            "无需登录"
        },
        params,
        request,
        responses,
    }
}

fn schema_view(name: &str, schema: &RefOr<Schema>) -> SchemaView {
    let fields = match schema {
        RefOr::T(Schema::Object(o)) => o
            .properties
            .iter()
            .map(|(field, s)| FieldView {
                name: field.clone(),
                kind: ref_name(s),
                required: o.required.contains(field),
                description: match s {
                    RefOr::T(Schema::Object(p)) => p.description.clone().unwrap_or_default(),
                    _ => String::new(),
                },
            })
            .collect(),
        _ => Vec::new(),
    };
    SchemaView {
        name: name.to_string(),
        fields,
    }
}

#[derive(Template)]
#[template(path = "portal/help_ui.html")]
pub struct StyleGuidePage {
    pub shell: Shell,
    pub states: Vec<&'static str>,
}

/// 界面规范: every component of the design system with its class names, for the administrators
/// who look after the pages (and screenshotted by the browser suite).
pub async fn style_guide(ctx: Ctx) -> Response {
    render(&StyleGuidePage {
        shell: Shell::portal(&ctx, "page.help.ui", "界面规范", &["帮助中心", "界面规范"]),
        states: crate::ui::state_labels().collect(),
    })
}
