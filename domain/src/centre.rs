use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A place where desks and kiosks stand: a VPVKAC client service centre or a public library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Centre {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
    /// The short code that starts the centre's case numbers (`RCV` in `RCV-03-26-0042`).
    pub code: String,
}

/// A field that failed validation, named so that an API can answer 422 with the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ValidationError {
    pub field: &'static str,
    pub problem: String,
}

impl ValidationError {
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self { field, problem: problem.into() }
    }
}

const MAX_NAME_CHARS: usize = 200;

fn clean_text(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(ValidationError::new(field, format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must not contain control characters"));
    }
    // Collapse runs of inner whitespace so that "Rīgas  VPVKAC" and "Rīgas VPVKAC" are one name.
    Ok(trimmed.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A centre's display name, trimmed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreName(String);

impl CentreName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        clean_text("name", raw).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The municipality (novads or state city) a centre belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality(String);

impl Municipality {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        clean_text("municipality", raw).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A centre's short code: 2 to 4 capital letters or digits, unique among centres, read aloud
/// as the start of every case number registered there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreCode(String);

impl CentreCode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let code = raw.trim().to_ascii_uppercase();
        if !(2..=4).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(ValidationError::new("code", "a centre code has 2 to 4 capital letters or digits, e.g. RCV"));
        }
        Ok(Self(code))
    }

    /// A code made from a centre's name when the operator gives none: the initials of its
    /// words with Latvian letters folded (`Rīgas Centra VPVKAC` → `RCV`; one word gives its first
    /// two letters), numbered when `taken` already has it.
    pub fn suggest(name: &str, taken: impl Fn(&str) -> bool) -> Self {
        let folded: Vec<String> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().map(fold_latvian).filter(char::is_ascii_alphanumeric).collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        let mut base: String = folded.iter().filter_map(|w| w.chars().next()).take(3).collect();
        if base.len() < 2
            && let Some(first) = folded.first()
        {
            base.extend(first.chars().skip(1).take(2 - base.len()));
        }
        while base.len() < 2 {
            base.push('C');
        }
        let base = base.to_ascii_uppercase();
        if !taken(&base) {
            return Self(base);
        }
        let stem: String = base.chars().take(2).collect();
        (1..=99).map(|n| format!("{stem}{n}")).find(|code| !taken(code)).map_or_else(|| Self(base), Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

fn fold_latvian(c: char) -> char {
    match c {
        'ā' | 'Ā' => 'A',
        'č' | 'Č' => 'C',
        'ē' | 'Ē' => 'E',
        'ģ' | 'Ģ' => 'G',
        'ī' | 'Ī' => 'I',
        'ķ' | 'Ķ' => 'K',
        'ļ' | 'Ļ' => 'L',
        'ņ' | 'Ņ' => 'N',
        'š' | 'Š' => 'S',
        'ū' | 'Ū' => 'U',
        'ž' | 'Ž' => 'Z',
        other => other.to_ascii_uppercase(),
    }
}

pub(crate) fn clean_device_name(raw: &str) -> Result<String, ValidationError> {
    clean_text("name", raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_inner_spaces_collapsed() {
        assert_eq!(CentreName::parse("  Rīgas   VPVKAC ").unwrap().as_str(), "Rīgas VPVKAC");
    }

    #[test]
    fn empty_long_and_control_names_are_rejected_with_the_field() {
        for bad in ["", "   ", "a\u{7}b"] {
            let err = CentreName::parse(bad).unwrap_err();
            assert_eq!(err.field, "name", "{bad:?}");
        }
        let long = "ā".repeat(201);
        assert!(Municipality::parse(&long).unwrap_err().problem.contains("200"));
        assert!(Municipality::parse(&"ā".repeat(200)).is_ok());
    }

    #[test]
    fn centre_codes_are_checked_and_suggested_from_names() {
        assert_eq!(CentreCode::parse(" rcv ").unwrap().as_str(), "RCV");
        for bad in ["R", "RĪGA", "ABCDE", "R-V", ""] {
            assert_eq!(CentreCode::parse(bad).unwrap_err().field, "code", "{bad:?}");
        }
        let none = |_: &str| false;
        assert_eq!(CentreCode::suggest("Rīgas Centra VPVKAC", none).as_str(), "RCV");
        assert_eq!(CentreCode::suggest("Cēsu VPVKAC", none).as_str(), "CV");
        assert_eq!(CentreCode::suggest("Ķekava", none).as_str(), "KE");
        assert_eq!(CentreCode::suggest("Ō", none).as_str(), "CC");
        assert_eq!(CentreCode::suggest("Rīgas Centra VPVKAC", |c| c == "RCV").as_str(), "RC1");
        assert_eq!(CentreCode::suggest("Rīgas Centra VPVKAC", |c| c == "RCV" || c == "RC1").as_str(), "RC2");
        for name in ["Rīgas Centra VPVKAC", "Ķekava", "Ō", "42", "A b c d e f"] {
            assert!(CentreCode::parse(CentreCode::suggest(name, none).as_str()).is_ok(), "{name}");
        }
    }
}
