use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{ValidationError, centre::clean_device_name};

/// What a device is used for; it decides what the device may later sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// A clerk's or librarian's workstation running the desk app.
    Desk,
    /// A citizen self-service kiosk.
    Kiosk,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Desk => "desk",
            DeviceKind::Kiosk => "kiosk",
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown device kind {0:?}: use \"desk\" or \"kiosk\"")]
pub struct ParseDeviceKindError(pub String);

impl FromStr for DeviceKind {
    type Err = ParseDeviceKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "desk" => Ok(DeviceKind::Desk),
            "kiosk" => Ok(DeviceKind::Kiosk),
            _ => Err(ParseDeviceKindError(s.to_owned())),
        }
    }
}

/// A device's label as operators see it, e.g. "Galds 3" or "Kiosks pie ieejas".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceName(String);

impl DeviceName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        clean_device_name(raw).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_case_insensitively_and_round_trip() {
        assert_eq!("Desk".parse::<DeviceKind>().unwrap(), DeviceKind::Desk);
        assert_eq!(" kiosk ".parse::<DeviceKind>().unwrap(), DeviceKind::Kiosk);
        for kind in [DeviceKind::Desk, DeviceKind::Kiosk] {
            assert_eq!(kind.to_string().parse::<DeviceKind>().unwrap(), kind);
        }
        let err = "tablet".parse::<DeviceKind>().unwrap_err();
        assert!(err.to_string().contains("desk"));
    }

    #[test]
    fn kinds_serialise_lowercase() {
        assert_eq!(serde_json::to_string(&DeviceKind::Kiosk).unwrap(), "\"kiosk\"");
    }
}
