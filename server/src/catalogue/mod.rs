//! The public service catalogue on the server: reading CPSV-AP RDF ([`rdf`]) and mapping it to and
//! from the catalogue model ([`cpsv`]).

pub mod cpsv;
pub mod rdf;
