//! The one error type of the use cases: a stable code, optional messages per field, and internal
//! detail that goes to the log and never to the user.

use emss_domain::ErrorCode;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub code: ErrorCode,
    /// Field name → Chinese message shown next to that field.
    pub fields: BTreeMap<String, String>,
    /// For the log only.
    pub detail: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            fields: BTreeMap::new(),
            detail: None,
        }
    }

    /// A validation failure with messages per field.
    pub fn validation(fields: BTreeMap<String, String>) -> Self {
        Self {
            code: ErrorCode::ValidationFailed,
            fields,
            detail: None,
        }
    }

    /// A validation failure of one field.
    pub fn field(name: &str, message: &str) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(name.to_string(), message.to_string());
        Self::validation(fields)
    }

    /// Something that should not happen; the detail is logged, the user sees a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal).with_detail(detail.to_string())
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn message(&self) -> &'static str {
        self.code.message()
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<emss_db::DbErr> for AppError {
    fn from(e: emss_db::DbErr) -> Self {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) => {
                AppError::new(ErrorCode::AlreadyExists).with_detail(detail)
            }
            _ => AppError::internal(e),
        }
    }
}

impl From<emss_db::blob::BlobError> for AppError {
    fn from(e: emss_db::blob::BlobError) -> Self {
        AppError::internal(e)
    }
}

/// Collects messages per field while a form is checked, then fails once with all of them.
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first problem of a field; later ones for the same field are ignored.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    pub fn check(&mut self, field: &str, problem: Option<&str>) {
        if let Some(p) = problem {
            self.add(field, p);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same messages with `prefix` of their field names replaced by `by`.
    pub fn renamed(self, prefix: &str, by: &str) -> Self {
        FieldErrors(
            self.0
                .into_iter()
                .map(|(k, v)| match k.strip_prefix(prefix) {
                    Some(rest) => (format!("{by}{rest}"), v),
                    None => (k, v),
                })
                .collect(),
        )
    }

    /// The validation error of everything recorded.
    pub fn into_error(self) -> AppError {
        AppError::validation(self.0)
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.0))
        }
    }
}
