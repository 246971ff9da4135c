//! The public service catalogue on the server. For now: reading CPSV-AP RDF ([`rdf`]).

pub mod rdf;
