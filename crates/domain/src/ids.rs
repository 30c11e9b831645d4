//! Ids are opaque random strings: 128 random bits, hex encoded. They reveal neither how many objects
//! exist nor when they were made, and neighbouring ids cannot be guessed (ACL-02, test design T2).

/// A fresh id for any stored object.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// True when `s` has the shape of an id made by [`new_id`]. Used to answer "not found" early for
/// malformed ids, exactly as for ids that do not exist.
pub fn looks_like_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_well_formed() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert!(looks_like_id(&a));
        assert!(!looks_like_id("1"));
        assert!(!looks_like_id(&a.to_uppercase()));
        let prefix_len = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        assert!(
            prefix_len < 8,
            "consecutive ids must not share a long prefix"
        );
    }
}
