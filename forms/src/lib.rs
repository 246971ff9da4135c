//! E-forms: what an institution publishes for a service (a JSON Schema 2020-12 in Pietura's
//! profile, a layout of steps and fields with Latvian and English texts, prefill rules), the
//! checks a definition passes before it is published ([`check`]), and the one validator the desk
//! and the server both use ([`CompiledForm`]): no I/O, no clock.

pub mod application;
pub mod definition;
pub mod prefill;
pub mod profile;
pub mod record;
pub mod validate;

pub use application::{APPLICATION_JSON, APPLICATION_PDF, Applicant, Application, SubmittedForm};
pub use definition::{FieldLayout, FormDefinition, Prefill, PrefillSource, Step, Widget};
pub use prefill::PrefillContext;
pub use profile::{Problem, check, check_schema};
pub use record::{FormRecord, Publication};
pub use validate::{Checked, CompiledForm, DefinitionError, FieldError};

/// Reads and checks a definition from its JSON: what `catalogue import` and the institution API
/// call on publish.
pub fn compile_json(json: &str) -> Result<CompiledForm, DefinitionError> {
    let definition = FormDefinition::from_json(json).map_err(|e| DefinitionError::Unreadable(e.to_string()))?;
    CompiledForm::compile(definition)
}
