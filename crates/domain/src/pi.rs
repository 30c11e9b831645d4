//! Personal information (个人信息): validating, normalising and masking phone and ID numbers.
//! Full values are shown only through the audited reveal action (DATA-04).

/// A mainland mobile number: 11 digits starting 13–19.
pub fn valid_phone(phone: &str) -> bool {
    let b = phone.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Digits only, so `138 1234 5678` and `138-1234-5678` are one number.
pub fn normalize_phone(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask(phone, 3, 4)
}

/// `310***********1234`.
pub fn mask_id_number(id: &str) -> String {
    mask(id, 3, 4)
}

fn mask(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep_start].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_start - keep_end));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

/// The check character (ISO 7064 MOD 11-2) of a resident ID number's first 17 digits.
pub fn id_number_check_character(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

/// A resident ID number (GB 11643): 17 digits and the ISO 7064 MOD 11-2 check character.
pub fn valid_id_number(id: &str) -> bool {
    let chars: Vec<char> = id.chars().collect();
    chars.len() == 18
        && id_number_check_character(&chars[..17].iter().collect::<String>())
            == Some(chars[17].to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(valid_phone("13812345678"));
        assert!(!valid_phone("12812345678"));
        assert!(!valid_phone("1381234567"));
        assert_eq!(normalize_phone("138 1234-5678"), "13812345678");
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn id_numbers() {
        // GB 11643 example.
        assert!(valid_id_number("11010519491231002X"));
        assert!(valid_id_number("11010519491231002x"));
        assert!(!valid_id_number("110105194912310021"));
        assert_eq!(mask_id_number("310101199001011234"), "310***********1234");
        // Every single-digit change of a valid number is caught.
        let valid = "11010519491231002X";
        for i in 0..17 {
            for d in '0'..='9' {
                let mut c: Vec<char> = valid.chars().collect();
                if c[i] == d {
                    continue;
                }
                c[i] = d;
                assert!(!valid_id_number(&c.iter().collect::<String>()));
            }
        }
    }

    #[test]
    fn masks_keep_at_most_seven_characters() {
        let masked = mask_id_number("11010519491231002X");
        assert_eq!(masked.chars().filter(|c| *c != '*').count(), 7);
        assert_eq!(mask_phone("12"), "**");
    }
}
