//! The public service catalogue on the server: reading CPSV-AP RDF ([`rdf`]), mapping it to and
//! from the catalogue model ([`cpsv`]), changing the catalogue under its rules ([`editing`]), and
//! the snapshots new devices start from ([`snapshot`]), and public reads answered from memory
//! ([`reads`]).

pub mod cpsv;
pub mod editing;
pub mod files;
pub mod rdf;
pub mod reads;
pub mod snapshot;

pub use editing::{Catalogue, EditError, Editor, ImportSummary};
