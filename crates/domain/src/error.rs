//! Stable error codes (English, snake_case, never renamed) and the one map from code to the Chinese
//! message users see, used by pages and the API alike.

/// Every error a user or an integrator can see. The code is part of the API contract (`api.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    ValidationFailed,
    Unauthenticated,
    InvalidCredentials,
    SessionExpired,
    SessionReplaced,
    /// Wrong passwords given while signed in reached the lockout: every session of the account
    /// ended.
    AccountLocked,
    PasswordChangeRequired,
    CsrfFailed,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    AlreadyExists,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Timeout,
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// Every code, for tests that check the map is complete and unambiguous.
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::BadRequest,
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::SessionExpired,
        ErrorCode::SessionReplaced,
        ErrorCode::AccountLocked,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::CsrfFailed,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::AlreadyExists,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RateLimited,
        ErrorCode::Timeout,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::SessionReplaced => "session_replaced",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// The Chinese message shown to users.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "请求格式有误，请检查后重试",
            ErrorCode::ValidationFailed => "提交的内容有误，请按提示修改",
            ErrorCode::Unauthenticated => "请先登录",
            ErrorCode::InvalidCredentials => "用户名或密码错误",
            ErrorCode::SessionExpired => "登录已超时，请重新登录",
            ErrorCode::SessionReplaced => "您的账户已在别处登录或被结束会话，请重新登录",
            ErrorCode::AccountLocked => {
                "密码错误次数过多，账户已锁定并退出所有登录，请稍后重新登录"
            }
            ErrorCode::PasswordChangeRequired => "请先修改初始密码",
            ErrorCode::CsrfFailed => "页面已过期或请求来源不可信，请刷新页面后重试",
            ErrorCode::Forbidden => "您没有执行此操作的权限",
            ErrorCode::NotFound => "您访问的内容不存在或无权查看",
            ErrorCode::MethodNotAllowed => "不支持该请求方式",
            ErrorCode::AlreadyExists => "该记录已存在",
            ErrorCode::PayloadTooLarge => "提交的内容过大",
            ErrorCode::UnsupportedMediaType => "不支持该内容类型",
            ErrorCode::RateLimited => "操作过于频繁，请稍后再试",
            ErrorCode::Timeout => "请求处理超时，请稍后重试",
            ErrorCode::Unavailable => "系统暂时不可用，请稍后重试",
            ErrorCode::Internal => "系统内部错误，请稍后重试；如仍有问题请联系管理员并提供请求编号",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::ValidationFailed => 422,
            ErrorCode::Unauthenticated
            | ErrorCode::InvalidCredentials
            | ErrorCode::SessionExpired
            | ErrorCode::SessionReplaced
            | ErrorCode::AccountLocked => 401,
            ErrorCode::PasswordChangeRequired => 403,
            ErrorCode::CsrfFailed | ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::AlreadyExists => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Timeout => 408,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_messages_are_unique_and_chinese() {
        let codes: HashSet<_> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        let messages: HashSet<_> = ErrorCode::ALL.iter().map(|c| c.message()).collect();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
        assert_eq!(messages.len(), ErrorCode::ALL.len());
        for c in ErrorCode::ALL {
            assert!(
                c.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c} is not snake_case"
            );
            assert!(
                c.message()
                    .chars()
                    .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
                "{c} has no Chinese message"
            );
            assert!((400..600).contains(&c.http_status()));
        }
    }
}
