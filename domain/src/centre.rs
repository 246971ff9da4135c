use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A place where desks and kiosks stand: a VPVKAC client service centre or a public library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Centre {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
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
}
