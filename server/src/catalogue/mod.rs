//! The public service catalogue on the server: reading CPSV-AP RDF ([`rdf`]), mapping it to and
//! from the catalogue model ([`cpsv`]), and changing the catalogue under its rules ([`editing`]).

pub mod cpsv;
pub mod editing;
pub mod files;
pub mod rdf;

pub use editing::{Catalogue, EditError, Editor, ImportSummary};
