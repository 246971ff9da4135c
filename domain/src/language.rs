use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// The user-interface languages. Latvian is the default: it is the state language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Lv,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Lv, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::Lv => "lv",
            Language::En => "en",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {0:?}: use \"lv\" or \"en\"")]
pub struct ParseLanguageError(pub String);

impl FromStr for Language {
    type Err = ParseLanguageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lv" => Ok(Language::Lv),
            "en" => Ok(Language::En),
            _ => Err(ParseLanguageError(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_latvian_is_default() {
        for lang in Language::ALL {
            assert_eq!(lang.code().parse::<Language>().unwrap(), lang);
        }
        assert_eq!(Language::default(), Language::Lv);
        assert!("de".parse::<Language>().is_err());
    }
}
