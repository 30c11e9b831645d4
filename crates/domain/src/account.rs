//! Rules for accounts that need no storage: how usernames compare and what a valid one looks like.

use unicode_normalization::UnicodeNormalization;

/// The form a username is stored and looked up in. Variants a person might type for the same
/// account — other case, full-width letters or digits, surrounding spaces — all map to one form,
/// so they also count toward one lockout counter (AUTH-04).
pub fn normalize_username(raw: &str) -> String {
    raw.nfkc().collect::<String>().trim().to_lowercase()
}

/// The longest username a login form takes; anything longer is refused before it is read.
pub const MAX_LOGIN_USERNAME_CHARS: usize = 64;

/// A username as the audit log keeps it from a refused login: at most
/// [`MAX_LOGIN_USERNAME_CHARS`] characters, and whether it was cut.
pub fn username_for_log(raw: &str) -> (String, bool) {
    let cut = raw.chars().count() > MAX_LOGIN_USERNAME_CHARS;
    (raw.chars().take(MAX_LOGIN_USERNAME_CHARS).collect(), cut)
}

/// Checks a username that is being created. `None` when valid, otherwise the message for the field.
pub fn username_problem(normalized: &str) -> Option<&'static str> {
    let len = normalized.chars().count();
    if len == 0 {
        return Some("请填写用户名");
    }
    if !(3..=32).contains(&len) {
        return Some("用户名长度应为 3 到 32 个字符");
    }
    let first_ok = normalized
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = normalized
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-');
    if !first_ok || !rest_ok {
        return Some("用户名须以字母开头，只能包含字母、数字、下划线、点和减号");
    }
    None
}

/// Checks a person's or organisation's display name. `None` when valid.
pub fn display_name_problem(name: &str) -> Option<&'static str> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Some("请填写姓名");
    }
    if trimmed.chars().count() > 50 {
        return Some("姓名不能超过 50 个字符");
    }
    if trimmed.chars().any(char::is_control) {
        return Some("姓名不能包含控制字符");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_variants_normalise_to_one_form() {
        assert_eq!(normalize_username("ZhangSan"), "zhangsan");
        assert_eq!(normalize_username("  zhangsan "), "zhangsan");
        assert_eq!(normalize_username("ｚｈａｎｇｓａｎ"), "zhangsan");
        assert_eq!(normalize_username("filer_a２"), "filer_a2");
    }

    #[test]
    fn username_shape() {
        assert_eq!(username_problem("filer_a"), None);
        assert_eq!(username_problem("a.b-c_1"), None);
        assert!(username_problem("").is_some());
        assert!(username_problem("ab").is_some());
        assert!(username_problem("1abc").is_some());
        assert!(username_problem("张三丰").is_some());
        assert!(username_problem("a b c").is_some());
        assert!(username_problem(&"a".repeat(33)).is_some());
    }

    #[test]
    fn display_names() {
        assert_eq!(display_name_problem("王强"), None);
        assert!(display_name_problem("  ").is_some());
        assert!(display_name_problem("a\u{0007}b").is_some());
        assert!(display_name_problem(&"名".repeat(51)).is_some());
    }
}
