//! Every published version of one form, as the catalogue keeps it and devices receive it: desks
//! fill the latest; the server checks a submission against the version it names.

use serde::{Deserialize, Serialize};

use crate::{definition::FormDefinition, profile::Problem};

/// The catalogue's record adds its own `version` (of the record, not of the form), so unknown
/// fields are let through here: a definition itself refuses them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRecord {
    pub id: String,
    pub service: String,
    /// Oldest first; never empty.
    pub versions: Vec<FormDefinition>,
}

/// What publishing a definition does to the record.
#[derive(Debug, Clone, PartialEq)]
pub enum Publication {
    /// A new form, or a new version of one.
    Changed(FormRecord),
    /// This version was published before with exactly this content: nothing to do.
    Unchanged,
}

impl FormRecord {
    /// The version desks fill now.
    pub fn latest(&self) -> &FormDefinition {
        self.versions.last().expect("a form record holds at least one version")
    }

    pub fn version(&self, version: u32) -> Option<&FormDefinition> {
        self.versions.iter().find(|d| d.version == version)
    }

    /// `definition` published onto `current` (none for a new form): it must be for the same
    /// service and newer than every version before it; the same version again with the same
    /// content changes nothing.
    pub fn publish(current: Option<&FormRecord>, definition: FormDefinition) -> Result<Publication, Problem> {
        let Some(current) = current else {
            return Ok(Publication::Changed(FormRecord {
                id: definition.id.clone(),
                service: definition.service.clone(),
                versions: vec![definition],
            }));
        };
        if definition.service != current.service {
            return Err(Problem {
                path: "/service".into(),
                reason: format!(
                    "the form {} belongs to the service {}; publish a new form for another service",
                    current.id, current.service
                ),
            });
        }
        if let Some(same) = current.version(definition.version) {
            return if *same == definition {
                Ok(Publication::Unchanged)
            } else {
                Err(Problem {
                    path: "/version".into(),
                    reason: format!(
                        "version {} was published with other content; a published version never changes: publish it as version {}",
                        definition.version,
                        current.latest().version + 1
                    ),
                })
            };
        }
        if definition.version < current.latest().version {
            return Err(Problem {
                path: "/version".into(),
                reason: format!(
                    "version {} is older than the latest, {}",
                    definition.version,
                    current.latest().version
                ),
            });
        }
        let mut record = current.clone();
        record.versions.push(definition);
        Ok(Publication::Changed(record))
    }
}
