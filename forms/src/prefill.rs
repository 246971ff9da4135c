//! Values a form starts with: what the desk already knows about the customer, the case and the
//! centre, put into the fields the form's prefill rules name.

use serde_json::{Map, Value};

use crate::definition::{FormDefinition, PrefillSource};

/// What the desk knows when a form is opened; `None` where it does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefillContext {
    pub customer_name: Option<String>,
    pub customer_code: Option<String>,
    pub case_number: Option<String>,
    pub centre_name: Option<String>,
    /// Today in Riga, `YYYY-MM-DD` (the caller's clock).
    pub today: Option<String>,
}

impl PrefillContext {
    fn value(&self, source: PrefillSource) -> Option<&str> {
        match source {
            PrefillSource::CustomerName => self.customer_name.as_deref(),
            PrefillSource::CustomerCode => self.customer_code.as_deref(),
            PrefillSource::CaseNumber => self.case_number.as_deref(),
            PrefillSource::CentreName => self.centre_name.as_deref(),
            PrefillSource::Today => self.today.as_deref(),
        }
    }
}

/// `data` with every prefilled field the person has not filled yet set from `context`: what is
/// already written is never overwritten.
pub fn prefilled(definition: &FormDefinition, context: &PrefillContext, data: &Value) -> Value {
    let mut map = data.as_object().cloned().unwrap_or_else(Map::new);
    for rule in &definition.prefill {
        let empty = map.get(&rule.field).is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()));
        if let (true, Some(value)) = (empty, context.value(rule.from).filter(|v| !v.trim().is_empty())) {
            map.insert(rule.field.clone(), Value::String(value.to_owned()));
        }
    }
    Value::Object(map)
}
