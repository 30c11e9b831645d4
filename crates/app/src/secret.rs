//! Secrets from the operating system's random source (CRYPTO-06).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 random bits, base64url: session tokens and anti-CSRF tokens.
pub fn token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token: its SHA-256, so a copy of the table signs nobody in.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random password of `groups` groups of four characters joined by '-', with upper case, lower
/// case and digits in every group (`Kp7m-Qx4r-Tb9w`). Ambiguous characters are left out.
pub fn password(groups: usize) -> Result<String, getrandom::Error> {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    let mut out = String::new();
    for g in 0..groups {
        if g > 0 {
            out.push('-');
        }
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes)?;
        let pick = |set: &[u8], b: u8| set[b as usize % set.len()] as char;
        out.push(pick(UPPER, bytes[0]));
        out.push(pick(LOWER, bytes[1]));
        out.push(pick(DIGIT, bytes[2]));
        out.push(pick(LOWER, bytes[3]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = token().unwrap();
        assert!(a.len() >= 43, "at least 256 bits");
        assert_ne!(a, token().unwrap());
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), a);
    }

    #[test]
    fn passwords_mix_classes() {
        let p = password(3).unwrap();
        assert_eq!(p.len(), 14);
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        assert!(p.chars().any(|c| c.is_ascii_lowercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
    }
}
