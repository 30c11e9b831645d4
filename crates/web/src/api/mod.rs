//! The JSON API under `/api/v1` (api.md). Handlers carry `#[utoipa::path]` so the OpenAPI
//! document is generated from them.

pub mod accounts;
pub mod agencies;
pub mod agency_resources;
pub mod auth;
pub mod contracts;
pub mod credit;
pub mod enterprises;
pub mod evidence;
pub mod filing_changes;
pub mod forms;
pub mod health;
pub mod inspections;
pub mod outlets;
pub mod records;
pub mod rectifications;
pub mod tasks;

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use emss_app::AppError;
use emss_domain::ErrorCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;

/// A stored file as a download: its real type, an RFC 6266 name, never kept by shared caches.
pub(crate) fn download(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(file_name, content_type),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// RFC 6266 / 5987: an ASCII fallback name with the real type's extension, and the real name
/// percent-encoded (only `attr-char` left as is).
fn content_disposition(file_name: &str, content_type: &str) -> String {
    const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let extension = emss_domain::attachment::FileType::of_content_type(content_type)
        .map_or("pdf", |t| t.extension());
    format!(
        "attachment; filename=\"document.{extension}\"; filename*=UTF-8''{}",
        utf8_percent_encode(file_name, NOT_ATTR_CHAR)
    )
}

/// A list's `page` and `page_size`, refused with 422 naming the field when out of range.
pub(crate) fn paging(
    page: Option<u64>,
    page_size: Option<u64>,
) -> Result<emss_domain::listing::PageRequest, ApiError> {
    emss_domain::listing::PageRequest::checked(page, page_size).map_err(|problems| {
        ApiError(AppError::validation(
            problems
                .into_iter()
                .map(|(field, message)| (field.to_string(), message))
                .collect(),
        ))
    })
}

/// The `Idempotency-Key` header of a request, if any, with the route it was sent to.
pub(crate) fn keyed(
    route: &'static str,
    headers: &axum::http::HeaderMap,
) -> Option<emss_app::idempotency::Keyed> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| emss_app::idempotency::Keyed {
            route,
            key: v.trim().to_string(),
        })
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    summary = "本接口的 OpenAPI 文档",
    responses((status = 200, description = "OpenAPI 3.1 JSON"))
)]
pub async fn openapi_json(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.as_str().to_owned(),
    )
        .into_response()
}

/// A JSON body whose problems are answered in the API's error shape, in Chinese.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError(json_problem(rejection))),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> AppError {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => {
            AppError::field("body", &format!("请求内容的字段有误：{detail}")).with_detail(detail)
        }
        JsonRejection::JsonSyntaxError(_) => {
            AppError::new(ErrorCode::BadRequest).with_detail(detail)
        }
        JsonRejection::MissingJsonContentType(_) => {
            AppError::new(ErrorCode::UnsupportedMediaType).with_detail(detail)
        }
        JsonRejection::BytesRejection(_) if rejection.status().as_u16() == 413 => {
            AppError::new(ErrorCode::PayloadTooLarge)
        }
        _ => AppError::new(ErrorCode::BadRequest).with_detail(detail),
    }
}

/// Query parameters whose problems are answered in the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(ApiError(
                AppError::field("query", "查询参数有误，请检查页码、每页条数等参数")
                    .with_detail(rejection.body_text()),
            )),
        }
    }
}
