//! Catalogue files: CPSV-AP in Turtle (`.ttl`) or JSON-LD (`.jsonld`, `.json`), and Pietura's own
//! JSON (`.pietura.json`: organisations, services and articles as the domain types, used for the
//! demo catalogue and full backups, since CPSV-AP has no knowledge-base articles).

use std::path::{Path, PathBuf};

use domain::catalogue::{Article, PublicOrganisation, PublicService};
use serde::{Deserialize, Serialize};

use super::{
    cpsv::{self, Unmapped},
    rdf::{self, RdfSyntax},
};

/// Pietura's own catalogue file.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    #[serde(default)]
    pub organisations: Vec<PublicOrganisation>,
    #[serde(default)]
    pub services: Vec<PublicService>,
    #[serde(default)]
    pub articles: Vec<Article>,
    /// E-forms, each at one version (a `.form.json` file holds one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<forms::FormDefinition>,
    /// Life-situation scenarios of the navigator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<domain::navigator::Scenario>,
}

/// What a file held, and what it held that has no place in the model.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReadFile {
    pub catalogue: CatalogueFile,
    pub unmapped: Vec<Unmapped>,
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {problem}")]
    Unreadable { path: PathBuf, problem: String },
    #[error("{path}: {problem}")]
    Malformed { path: PathBuf, problem: String },
    #[error("{path}: the file holds no public service, organisation or article (is it CPSV-AP?)")]
    Empty { path: PathBuf },
}

/// The kinds of file by name: `.pietura.json`, else `.ttl`, `.jsonld`, `.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Pietura,
    /// One e-form definition (`.form.json`).
    Form,
    Rdf(RdfSyntax),
}

impl FileFormat {
    pub fn from_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".pietura.json") {
            Some(FileFormat::Pietura)
        } else if name.ends_with(".form.json") {
            Some(FileFormat::Form)
        } else {
            RdfSyntax::from_file_name(&name).map(FileFormat::Rdf)
        }
    }
}

/// Reads a whole file; nothing is imported from a file with any error.
pub fn read(path: &Path) -> Result<ReadFile, FileError> {
    let format = FileFormat::from_path(path).ok_or_else(|| FileError::Unreadable {
        path: path.to_owned(),
        problem: "unknown kind of file: use .ttl (Turtle), .jsonld or .json (JSON-LD), .pietura.json, or .form.json (an e-form)"
            .into(),
    })?;
    let bytes =
        std::fs::read(path).map_err(|e| FileError::Unreadable { path: path.to_owned(), problem: e.to_string() })?;
    let read = match format {
        FileFormat::Pietura => {
            let catalogue: CatalogueFile = serde_json::from_slice(&bytes)
                .map_err(|e| FileError::Malformed { path: path.to_owned(), problem: e.to_string() })?;
            ReadFile { catalogue, ..ReadFile::default() }
        }
        FileFormat::Form => {
            let form: forms::FormDefinition = serde_json::from_slice(&bytes).map_err(|e| FileError::Malformed {
                path: path.to_owned(),
                problem: format!("not an e-form definition: {e}"),
            })?;
            ReadFile {
                catalogue: CatalogueFile { forms: vec![form], ..CatalogueFile::default() },
                ..ReadFile::default()
            }
        }
        FileFormat::Rdf(syntax) => {
            let graph = rdf::parse(&bytes, syntax)
                .map_err(|e| FileError::Malformed { path: path.to_owned(), problem: e.to_string() })?;
            let imported = cpsv::from_graph(&graph);
            ReadFile {
                catalogue: CatalogueFile {
                    organisations: imported.organisations,
                    services: imported.services,
                    articles: Vec::new(),
                    forms: Vec::new(),
                    scenarios: Vec::new(),
                },
                unmapped: imported.unmapped,
                notes: imported.notes,
            }
        }
    };
    let catalogue = &read.catalogue;
    if catalogue.services.is_empty()
        && catalogue.organisations.is_empty()
        && catalogue.articles.is_empty()
        && catalogue.forms.is_empty()
        && catalogue.scenarios.is_empty()
    {
        return Err(FileError::Empty { path: path.to_owned() });
    }
    Ok(read)
}

/// Writes `bytes` to `path` atomically: a reader sees the old file or the new one, never half.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(directory)?;
    std::io::Write::write_all(&mut temporary, bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}
