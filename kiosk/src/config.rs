//! The kiosk's optional config file, so a kiosk can be set up without a keyboard.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// The central server, e.g. `https://pietura.example.lv`.
    pub server_url: Option<String>,
    /// A one-time enrollment code; used on first start, ignored once enrolled.
    pub enrollment_code: Option<String>,
    /// Where the encrypted local store lives.
    pub data_dir: Option<PathBuf>,
    /// Run in a window instead of full screen (for set-up and demos).
    #[serde(default)]
    pub windowed: bool,
    /// The print command (`lp`-compatible) for citizens' attachments, if not the system's `lp`;
    /// `"none"`: this kiosk has no printer (citizens are told so), whatever the system has.
    pub printer: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the kiosk config {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("the kiosk config {path} is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

impl KioskConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.into(), reason: e.to_string() })?;
        toml::from_str(&text).map_err(|e| ConfigError::Invalid { path: path.into(), reason: e.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_config_and_names_bad_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, "server_url = \"https://p.example\"\nenrollment_code = \"7KQ2-M9XD\"\nwindowed = true\n")
            .unwrap();
        let config = KioskConfig::load(&path).unwrap();
        assert_eq!(config.server_url.as_deref(), Some("https://p.example"));
        assert!(config.windowed);
        std::fs::write(&path, "server = \"x\"\n").unwrap();
        let err = KioskConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("server"), "{err}");
        assert!(matches!(KioskConfig::load(&dir.path().join("none.toml")), Err(ConfigError::Read { .. })));
    }
}
