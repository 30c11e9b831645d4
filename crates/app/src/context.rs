//! Facts about the request being served that the audit log records, set by the HTTP layer for
//! the duration of each request (request id, client address).

#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub request_id: String,
    pub ip: Option<String>,
}

tokio::task_local! {
    /// The request being served, if any.
    pub static REQUEST: RequestInfo;
}

/// The current request, or an empty one outside a request (command line, background jobs).
pub fn current() -> RequestInfo {
    REQUEST.try_with(Clone::clone).unwrap_or_default()
}
