//! Errors as responses: JSON in the shape of `api.md` for the API, a Chinese page for people.
//! Both show the request id; internals go only to the log.

use crate::context::current_request_id;
use crate::shell::ErrorPage;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use emss_app::AppError;
use emss_domain::ErrorCode;
use serde::Serialize;
use std::collections::BTreeMap;

/// The error body of every API answer that is not a success.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `validation_failed`.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// What went wrong, in Chinese.
    #[schema(example = "提交的内容有误，请按提示修改")]
    pub message: String,
    /// For validation errors: field name → what is wrong with it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Quote this to the help desk; it finds the request in the logs.
    pub request_id: String,
}

fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn log(e: &AppError) {
    match e.code {
        ErrorCode::Internal | ErrorCode::Unavailable => {
            tracing::error!(
                code = e.code.code(),
                detail = e.detail.as_deref().unwrap_or(""),
                "request failed"
            )
        }
        _ => tracing::info!(
            code = e.code.code(),
            detail = e.detail.as_deref().unwrap_or(""),
            "request refused"
        ),
    }
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError(AppError::new(code))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        let body = ErrorBody {
            code: self.0.code.code().to_string(),
            message: self.0.message().to_string(),
            fields: self.0.fields,
            request_id: current_request_id(),
        };
        (status_of(self.0.code), Json(body)).into_response()
    }
}

/// An error answered as a page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<ErrorCode> for PageError {
    fn from(code: ErrorCode) -> Self {
        PageError(AppError::new(code))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log(&self.0);
        error_page(self.0.code)
    }
}

/// The Chinese error page for `code`.
pub fn error_page(code: ErrorCode) -> Response {
    let page = ErrorPage::new(code, current_request_id());
    match page.render() {
        Ok(html) => (status_of(code), Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status_of(code), code.message().to_string()).into_response()
        }
    }
}

/// Renders a template as a page, or the internal-error page if rendering fails.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError(AppError::internal(e)).into_response(),
    }
}
