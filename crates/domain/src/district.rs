//! Shanghai's districts, read from the catalogue (`catalogue/districts.toml`).

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
}

/// The district list, checked when EMSS starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Districts(Vec<District>);

#[derive(Deserialize)]
struct File {
    district: Vec<District>,
}

impl Districts {
    /// Parses and checks the catalogue file: six-digit codes of Shanghai (31xxxx), no duplicates.
    pub fn parse(text: &str) -> Result<Districts, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        for d in &file.district {
            if d.code.len() != 6
                || !d.code.starts_with("31")
                || !d.code.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(format!("district code {:?} is not a Shanghai code", d.code));
            }
            if d.name.trim().is_empty() {
                return Err(format!("district {} has no name", d.code));
            }
            if !seen.insert(d.code.clone()) {
                return Err(format!("district code {} appears twice", d.code));
            }
        }
        if file.district.is_empty() {
            return Err("no districts".into());
        }
        Ok(Districts(file.district))
    }

    pub fn all(&self) -> &[District] {
        &self.0
    }

    pub fn get(&self, code: &str) -> Option<&District> {
        self.0.iter().find(|d| d.code == code)
    }

    /// The district's name, or "—" for an unknown or missing code.
    pub fn name(&self, code: Option<&str>) -> &str {
        code.and_then(|c| self.get(c))
            .map(|d| d.name.as_str())
            .unwrap_or(crate::time::EMPTY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_sixteen_districts() {
        let d = Districts::parse(include_str!("../../../catalogue/districts.toml")).unwrap();
        assert_eq!(d.all().len(), 16);
        assert_eq!(d.name(Some("310115")), "浦东新区");
        assert_eq!(d.name(Some("999999")), "—");
        assert_eq!(d.name(None), "—");
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(Districts::parse("district = 3").is_err());
        assert!(Districts::parse("[[district]]\ncode = \"110101\"\nname = \"东城区\"").is_err());
        let dup = "[[district]]\ncode = \"310101\"\nname = \"a\"\n[[district]]\ncode = \"310101\"\nname = \"b\"";
        assert!(Districts::parse(dup).is_err());
    }
}
