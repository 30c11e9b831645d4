//! What a password must be (AUTH-01, AUTH-02): long enough, three of the four character classes
//! (等保 mode), not a common password, and not built from the person's own details or the
//! system's name. The security administrator sets the numbers within these bounds.

use serde::{Deserialize, Serialize};

/// Settings of the security administrator, with the bounds they may be set within.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityPolicy {
    /// Shortest password, 8–64 (default 12).
    pub min_length: u32,
    /// Require three of: upper case, lower case, digits, other characters.
    pub require_three_classes: bool,
    /// Failed logins within `lockout_window_minutes` that lock an account, 3–10 (default 5).
    pub lockout_threshold: u32,
    pub lockout_window_minutes: u32,
    /// How long a lock lasts, 5–1440 minutes (default 30).
    pub lockout_minutes: u32,
    /// Idle timeout of the desktop portal, 5–30 minutes (default 15).
    pub portal_idle_minutes: u32,
    /// Idle timeout of the mobile pages, 5–30 minutes (default 30).
    pub mobile_idle_minutes: u32,
    /// Login attempts one address may make per minute (default 20).
    pub ip_attempts_per_minute: u32,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            min_length: 12,
            require_three_classes: true,
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 30,
            portal_idle_minutes: 15,
            mobile_idle_minutes: 30,
            ip_attempts_per_minute: 20,
        }
    }
}

/// The longest password accepted; longer ones are refused, never truncated.
pub const MAX_LENGTH: usize = 128;

impl SecurityPolicy {
    /// Each setting outside its bounds, as field → Chinese message.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if !(8..=64).contains(&self.min_length) {
            out.push(("min_length", "密码最短长度应在 8 到 64 之间"));
        }
        if !(3..=10).contains(&self.lockout_threshold) {
            out.push(("lockout_threshold", "连续失败次数应在 3 到 10 之间"));
        }
        if !(5..=60).contains(&self.lockout_window_minutes) {
            out.push(("lockout_window_minutes", "统计时段应在 5 到 60 分钟之间"));
        }
        if !(5..=1440).contains(&self.lockout_minutes) {
            out.push(("lockout_minutes", "锁定时长应在 5 到 1440 分钟之间"));
        }
        if !(5..=30).contains(&self.portal_idle_minutes) {
            out.push(("portal_idle_minutes", "电脑端空闲超时应在 5 到 30 分钟之间"));
        }
        if !(5..=30).contains(&self.mobile_idle_minutes) {
            out.push(("mobile_idle_minutes", "手机端空闲超时应在 5 到 30 分钟之间"));
        }
        if !(5..=100).contains(&self.ip_attempts_per_minute) {
            out.push((
                "ip_attempts_per_minute",
                "每分钟登录尝试次数应在 5 到 100 之间",
            ));
        }
        out
    }

    /// Why `password` may not be used, or `None`. `context` holds the person's own details
    /// (username, name, organisation, phone…), which a password must not contain.
    pub fn password_problem(&self, password: &str, context: &[&str]) -> Option<String> {
        let len = password.chars().count();
        if len < self.min_length as usize {
            return Some(format!("密码至少 {} 个字符", self.min_length));
        }
        if len > MAX_LENGTH {
            return Some(format!("密码不能超过 {MAX_LENGTH} 个字符"));
        }
        if password.chars().any(char::is_control) {
            return Some("密码不能包含控制字符".into());
        }
        if self.require_three_classes && classes(password) < 3 {
            return Some("密码须包含大写字母、小写字母、数字、其他字符中的至少三类".into());
        }
        let folded = fold(password);
        let lower = password.to_lowercase();
        let stem =
            fold(lower.trim_end_matches(|c: char| c.is_ascii_digit() || "!@#$%.-_*".contains(c)));
        if COMMON.iter().any(|c| folded == *c || stem == *c) {
            return Some("密码过于常见，请换一个".into());
        }
        let words = SYSTEM_WORDS
            .iter()
            .copied()
            .chain(context.iter().copied())
            .map(fold)
            .filter(|w| w.chars().count() >= 3 || !w.is_ascii());
        for w in words {
            if !w.is_empty() && folded.contains(&w) {
                return Some("密码不能包含用户名、姓名、单位名称、电话等个人信息或系统名称".into());
            }
        }
        None
    }
}

fn classes(p: &str) -> usize {
    [
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count()
}

/// Lower case with the usual letter-for-digit swaps undone, so `P@ssw0rd` reads as `password`.
fn fold(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .collect()
}

/// Words of this system that appear in guessable passwords.
const SYSTEM_WORDS: &[&str] = &[
    "环境", "运维", "sthj", "shemss", "emss", "huanjing", "yunwei",
];

/// The most used passwords and their stems, folded (see `fold`). A password equal to one, or one
/// followed only by digits and punctuation, is refused.
const COMMON: &[&str] = &[
    "password",
    "passwora",
    "passw",
    "qwerty",
    "qwertyuiop",
    "qweasdzxc",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "iqaz2wsx",
    "iqazxsw2",
    "iq2w3e4r",
    "iq2w3e",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "abcie3",
    "aaaaaa",
    "iiiiii",
    "iii",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "root",
    "toor",
    "test",
    "tester",
    "guest",
    "user",
    "login",
    "changeme",
    "monkey",
    "dragon",
    "master",
    "shadow",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "iloveyou",
    "trustnoi",
    "superman",
    "batman",
    "michael",
    "jennifer",
    "hunter",
    "ranger",
    "freedom",
    "whatever",
    "starwars",
    "secret",
    "access",
    "flower",
    "hello",
    "helloworld",
    "woaini",
    "woainia",
    "nihao",
    "aini",
    "zhangwei",
    "wangwei",
    "liwei",
    "china",
    "zhongguo",
    "beijing",
    "shanghai",
    "shanghaishi",
    "baidu",
    "taobao",
    "tencent",
    "qq",
    "wechat",
    "weixin",
    "abcabc",
    "aaa",
    "qazwsx",
    "qazwsxedc",
    "zaq",
    "zaqi",
    "zaqixsw",
    "passwordi",
    "pass",
    "passw0rd",
    "p4ssword",
    "default",
    "system",
    "server",
    "oracle",
    "mysql",
    "postgres",
    "sa",
    "manager",
    "office",
    "computer",
    "internet",
    "company",
    "gov",
    "zhengfu",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Option<String> {
        SecurityPolicy::default().password_problem(p, &["zhangwei", "张伟", "13812345678"])
    }

    #[test]
    fn length_rules() {
        assert!(check("Ab1-Ab1-Ab1").is_some(), "11 characters");
        assert_eq!(check("Kq7#Lm2@Rt9x"), None, "12 characters");
        let long_ok = format!("Kq7#{}", "x".repeat(124));
        assert_eq!(check(&long_ok), None, "128 characters");
        let too_long = format!("Kq7#{}", "x".repeat(125));
        assert!(check(&too_long).is_some(), "129 characters");
        assert_eq!(
            check("  Kq7#Lm2@Rt9x  "),
            None,
            "spaces are characters, kept as typed"
        );
        assert_eq!(check("拒绝修改Kq7#Lm2@Rt9x"), None, "Unicode is fine");
    }

    #[test]
    fn three_of_four_classes() {
        assert!(check("kqzlmwrtxvbn").is_some());
        assert!(check("kqzlmwrtxv12").is_some(), "two classes");
        assert_eq!(check("Kqzlmwrtxv12"), None, "three classes");
        let relaxed = SecurityPolicy {
            require_three_classes: false,
            ..SecurityPolicy::default()
        };
        assert_eq!(relaxed.password_problem("kqzlmwrtxvbn", &[]), None);
    }

    #[test]
    fn common_and_context_words_are_refused() {
        assert!(check("Password1234!").is_some());
        assert!(check("P@ssw0rd2026!").is_some());
        assert!(check("Qwertyuiop1!").is_some());
        assert!(check("Zhangwei@2026").is_some(), "the username");
        assert!(check("张伟Kq7#Lm2@Rt").is_some(), "the name");
        assert!(check("Tel13812345678").is_some(), "the phone");
        assert!(check("Shemss-2026-ok").is_some(), "the system's name");
        assert!(check("环境Kq7#Lm2@Rt").is_some());
        assert_eq!(check("Kq7#Lm2@Rt9x"), None);
    }

    #[test]
    fn policy_bounds() {
        assert!(SecurityPolicy::default().problems().is_empty());
        let bad = SecurityPolicy {
            min_length: 6,
            portal_idle_minutes: 45,
            ..SecurityPolicy::default()
        };
        let fields: Vec<_> = bad.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["min_length", "portal_idle_minutes"]);
    }
}
