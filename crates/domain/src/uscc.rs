//! 统一社会信用代码 (USCC, GB 32100-2015): 18 characters from a 31-character alphabet, the last a
//! check character over the first 17.

/// The code's alphabet (I, O, Z, S and V are not used), in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17: 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, or None when one is not in the alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value(*b)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).map(|c| char::from(*c))
}

/// The code as stored: trimmed and upper-case.
pub fn normalize(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// Why a (normalised) code is not a valid USCC, in the words shown next to the field.
pub fn problem(code: &str) -> Option<&'static str> {
    if code.is_empty() {
        return Some("请填写统一社会信用代码");
    }
    if code.chars().count() != 18 {
        return Some("统一社会信用代码应为 18 位");
    }
    if !code.bytes().all(|b| value(b).is_some()) {
        return Some("统一社会信用代码只能包含数字和除 I、O、Z、S、V 以外的大写字母");
    }
    let (body, last) = code.split_at(17);
    match check_character(body) {
        Some(c) if last.starts_with(c) => None,
        _ => Some("统一社会信用代码校验位不正确，请核对"),
    }
}

pub fn is_valid(code: &str) -> bool {
    problem(code).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes of the standard's structure with a computed check character.
    fn complete(first17: &str) -> String {
        format!("{first17}{}", check_character(first17).unwrap())
    }

    #[test]
    fn published_examples_check() {
        // The example printed in public descriptions of GB 32100.
        assert!(is_valid("91350100M000100Y43"));
        assert!(!is_valid("91350100M000100Y44"));
    }

    #[test]
    fn every_single_character_change_is_caught() {
        let code = complete("91310115MA1K3YJ2X");
        assert!(is_valid(&code));
        for i in 0..18 {
            for c in ALPHABET.iter().map(|b| char::from(*b)) {
                let mut chars: Vec<char> = code.chars().collect();
                if chars[i] == c {
                    continue;
                }
                chars[i] = c;
                let mutated: String = chars.into_iter().collect();
                assert!(!is_valid(&mutated), "{mutated} passed");
            }
        }
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(problem(""), Some("请填写统一社会信用代码"));
        assert_eq!(problem("9131011"), Some("统一社会信用代码应为 18 位"));
        assert!(problem("91310115MA1K3YJ2XI").unwrap().contains("大写字母"));
        let code = complete("91310115MA1K3YJ2X");
        let wrong = format!(
            "{}{}",
            &code[..17],
            if code.ends_with('0') { '1' } else { '0' }
        );
        assert_eq!(
            problem(&wrong),
            Some("统一社会信用代码校验位不正确，请核对")
        );
        assert_eq!(normalize(" 91310115ma1k3yj2x0 "), "91310115MA1K3YJ2X0");
    }
}
