//! Reading CPSV-AP data as RDF, in Turtle or JSON-LD, with Oxigraph's parsers and no network:
//! remote JSON-LD contexts are served from local copies (`contexts/`).

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument, JsonLdSerializer};
use oxrdf::{Graph, Triple};
use oxrdfio::{RdfFormat, RdfParser, RdfSerializer};

/// The RDF syntaxes the catalogue imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RdfSyntax {
    Turtle,
    JsonLd,
}

impl RdfSyntax {
    /// By file extension: `.ttl`, or `.jsonld` / `.json`.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".ttl") {
            Some(RdfSyntax::Turtle)
        } else if lower.ends_with(".jsonld") || lower.ends_with(".json") {
            Some(RdfSyntax::JsonLd)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RdfError {
    #[error("the file is not valid {syntax}: {message}")]
    Syntax { syntax: &'static str, message: String },
}

/// Remote contexts known offline: (URL prefix, content).
const KNOWN_CONTEXTS: &[(&str, &str)] = &[
    (
        "https://semiceu.github.io/uri.semic.eu-generated/CPSV-AP/releases/3.2.0/context/cpsv-ap.jsonld",
        include_str!("contexts/cpsv-ap-3.2.0.jsonld"),
    ),
    (
        "https://smart-data-models.github.io/dataModel.CPSV-AP/context.jsonld",
        include_str!("contexts/smart-data-models-cpsv-ap.jsonld"),
    ),
    (
        "https://raw.githubusercontent.com/smart-data-models/dataModel.CPSV-AP/master/context.jsonld",
        include_str!("contexts/smart-data-models-cpsv-ap.jsonld"),
    ),
];

fn load_context(url: &str) -> Result<JsonLdRemoteDocument, Box<dyn std::error::Error + Send + Sync>> {
    KNOWN_CONTEXTS
        .iter()
        .find(|(known, _)| *known == url)
        .map(|(_, content)| JsonLdRemoteDocument {
            document: content.as_bytes().to_vec(),
            document_url: url.to_owned(),
        })
        .ok_or_else(|| {
            let known: Vec<&str> = KNOWN_CONTEXTS.iter().map(|(u, _)| *u).collect();
            format!("the JSON-LD context {url} is not known offline (contexts are never fetched); known: {known:?}")
                .into()
        })
}

/// Parses a whole document into a graph. Errors name the syntax and the position.
pub fn parse(bytes: &[u8], syntax: RdfSyntax) -> Result<Graph, RdfError> {
    let triples: Result<Vec<Triple>, RdfError> = match syntax {
        RdfSyntax::Turtle => RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(bytes)
            .map(|q| q.map(Triple::from).map_err(|e| RdfError::Syntax { syntax: "Turtle", message: e.to_string() }))
            .collect(),
        RdfSyntax::JsonLd => JsonLdParser::new()
            .for_slice(bytes)
            .with_load_document_callback(|url, _| load_context(url))
            .map(|q| q.map(Triple::from).map_err(|e| RdfError::Syntax { syntax: "JSON-LD", message: e.to_string() }))
            .collect(),
    };
    Ok(triples?.into_iter().collect())
}

/// Writes a graph in `syntax` with the given prefixes.
pub fn serialize(graph: &Graph, syntax: RdfSyntax, prefixes: &[(&str, &str)]) -> Vec<u8> {
    let mut triples: Vec<Triple> = graph.iter().map(Triple::from).collect();
    // Grouped by subject so Turtle writes `;` lists and output is stable.
    triples.sort_by_cached_key(|t| (t.subject.to_string(), t.predicate.to_string(), t.object.to_string()));
    let write_error = |e: std::io::Error| -> ! { unreachable!("writing to memory cannot fail: {e}") };
    match syntax {
        RdfSyntax::Turtle => {
            let mut serializer = RdfSerializer::from_format(RdfFormat::Turtle);
            for (name, iri) in prefixes {
                serializer = serializer.with_prefix(*name, *iri).expect("the prefixes are valid IRIs");
            }
            let mut writer = serializer.for_writer(Vec::new());
            for triple in &triples {
                writer.serialize_triple(triple).unwrap_or_else(|e| write_error(e));
            }
            writer.finish().unwrap_or_else(|e| write_error(e))
        }
        RdfSyntax::JsonLd => {
            let mut serializer = JsonLdSerializer::new();
            for (name, iri) in prefixes {
                serializer = serializer.with_prefix(*name, *iri).expect("the prefixes are valid IRIs");
            }
            let mut writer = serializer.for_writer(Vec::new());
            for triple in &triples {
                writer
                    .serialize_quad(triple.as_ref().in_graph(oxrdf::GraphNameRef::DefaultGraph))
                    .unwrap_or_else(|e| write_error(e));
            }
            writer.finish().unwrap_or_else(|e| write_error(e))
        }
    }
}
