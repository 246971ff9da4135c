//! CPSV-AP files from SEMIC, CEFAT4Cities and Smart Data Models (copies in tests/data/cpsv-ap,
//! with their README and licences) are read offline, in Turtle and JSON-LD.

use std::path::Path;

use oxrdf::{NamedOrBlankNode, Term, Triple};
use server::catalogue::rdf::{RdfError, RdfSyntax, parse};

fn vector(name: &str) -> oxrdf::Graph {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cpsv-ap").join(name);
    let bytes = std::fs::read(&path).unwrap();
    parse(&bytes, RdfSyntax::from_file_name(name).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_example_file_parses_to_the_triples_its_readme_counts() {
    let expected = [
        ("semic-3.2.0_example-rdf_public_service.ttl", 67),
        ("semic-3.2.0_example-rdf_public_service.jsonld", 67),
        ("c4c_Vienna_demo_export_v3.ttl", 36),
        ("c4c_Trento_trento.jsonld", 176),
        ("sdm_PublicService_example.jsonld", 36),
    ];
    for (name, triples) in expected {
        assert_eq!(vector(name).len(), triples, "{name}");
    }
}

#[test]
fn the_official_example_says_the_same_in_turtle_and_json_ld() {
    let named = |graph: &oxrdf::Graph| -> std::collections::BTreeSet<String> {
        graph
            .iter()
            .map(Triple::from)
            .filter(|t| !matches!(t.subject, NamedOrBlankNode::BlankNode(_)) && !matches!(t.object, Term::BlankNode(_)))
            .map(|t| t.to_string())
            .collect()
    };
    let turtle = vector("semic-3.2.0_example-rdf_public_service.ttl");
    let json_ld = vector("semic-3.2.0_example-rdf_public_service.jsonld");
    assert_eq!(named(&turtle), named(&json_ld));
    assert!(named(&turtle).iter().any(|t| t.contains("http://purl.org/vocab/cpsv#PublicService")));
}

#[test]
fn broken_files_and_unknown_contexts_are_named_errors() {
    let broken =
        parse(b"@prefix ex: <http://example.com/> .\nex:a ex:b \"unterminated .\n", RdfSyntax::Turtle).unwrap_err();
    let RdfError::Syntax { syntax, message } = &broken;
    assert_eq!(*syntax, "Turtle");
    assert!(!message.is_empty());
    let remote = br#"{"@context": "https://example.com/elsewhere.jsonld", "@id": "http://example.com/a", "name": "x"}"#;
    let err = parse(remote, RdfSyntax::JsonLd).unwrap_err().to_string();
    assert!(err.contains("not known offline"), "{err}");
    assert_eq!(RdfSyntax::from_file_name("export.TTL"), Some(RdfSyntax::Turtle));
    assert_eq!(RdfSyntax::from_file_name("catalogue.xml"), None);
}
