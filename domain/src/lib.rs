//! Types and rules shared by the server, the desk and the kiosk.
//!
//! Nothing here does I/O, reads the clock or draws random numbers: callers pass time and
//! randomness in, so every rule is a pure function that tests can pin down.

pub mod calendar;
pub mod case;
pub mod catalogue;
#[cfg(any(test, feature = "generate"))]
pub mod catalogue_gen;
pub mod catalogue_view;
mod centre;
mod device;
pub mod eaddress;
mod enrollment;
mod language;
pub mod markdown;
pub mod navigator;
mod person;
pub mod release;
pub mod training;

pub use centre::{Centre, CentreCode, CentreName, Municipality, ValidationError};
pub use device::{DeviceKind, DeviceName, ParseDeviceKindError};
pub use enrollment::{ENROLLMENT_CODE_RANDOM_BYTES, EnrollmentCode, EnrollmentCodeError};
pub use language::{Language, ParseLanguageError};
pub use person::{ParseRoleError, PersonalCode, PersonalCodeError, Role, hide_personal_codes};
