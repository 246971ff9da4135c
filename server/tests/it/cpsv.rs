//! CPSV-AP files from SEMIC, CEFAT4Cities and Smart Data Models (copies in tests/data/cpsv-ap,
//! with their README and licences) are read offline, in Turtle and JSON-LD.

use std::path::Path;

use domain::catalogue::{ChannelKind, EventKind, ServiceStatus, Text};
use oxrdf::{NamedOrBlankNode, Term, Triple};
use server::catalogue::cpsv::{self, Imported};
use server::catalogue::rdf::{RdfError, RdfSyntax, parse, serialize};

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

fn import(name: &str) -> Imported {
    cpsv::from_graph(&vector(name))
}

fn unmapped_predicates(imported: &Imported) -> Vec<&str> {
    imported.unmapped.iter().map(|u| u.predicate.as_str()).collect()
}

#[test]
fn the_official_3_2_example_maps_to_the_model() {
    let imported = import("semic-3.2.0_example-rdf_public_service.ttl");
    let [service] = imported.services.as_slice() else { panic!("{imported:#?}") };
    assert_eq!(service.id, "http://example.com/publicService1");
    assert_eq!(service.identifier.as_deref(), Some("Tax-on-web"));
    assert_eq!(service.name.get("en"), Some("Tax-on-web"));
    assert!(service.description.get("fr").unwrap().starts_with("Service pour la déclaration"));
    assert_eq!(service.competent_authorities, ["http://example.com/publicOrganisation1"]);
    assert_eq!(service.channels.len(), 1);
    assert_eq!(service.channels[0].identifier.as_deref(), Some("cha-123"));
    assert_eq!(service.channels[0].kind, ChannelKind::Other("http://data.europa.eu/snb/com-channel/b37115f83e".into()));
    assert_eq!(service.requirements[0].name.get("en"), Some("Request to provide certificate about childcare costs"));
    assert_eq!(service.requirements[0].evidence[0].name.get("fr"), Some("Attestation garde d'enfants"));
    assert_eq!(service.inputs[0].id, "http://example.com/evidence1");
    assert_eq!(service.contact_points[0].telephone, ["+32 257 25757"]);
    assert_eq!(service.contact_points[0].opening_hours.get("en"), Some("Every day from 9 a.m. to 5 p.m."));
    assert_eq!(service.problems(), []);
    let [organisation] = imported.organisations.as_slice() else { panic!() };
    assert_eq!(organisation.name.languages().collect::<Vec<_>>(), ["de", "en", "fr", "nl"]);
    assert_eq!(organisation.spatial, ["http://publications.europa.eu/resource/authority/atu/BEL"]);
    // What the model has no place for is reported, not dropped silently.
    let unmapped = unmapped_predicates(&imported);
    for predicate in [
        "http://data.europa.eu/m8g/hasInputType",
        "http://data.europa.eu/m8g/specialOpeningHoursSpecification",
        "http://www.w3.org/2006/time#hasBeginning",
        "http://purl.org/dc/terms/type",
    ] {
        assert!(unmapped.contains(&predicate), "{predicate} not reported: {unmapped:?}");
    }
    // The JSON-LD edition says the same.
    let json_ld = import("semic-3.2.0_example-rdf_public_service.jsonld");
    assert_eq!((&json_ld.services, &json_ld.organisations), (&imported.services, &imported.organisations));
    assert_eq!(unmapped_predicates(&json_ld), unmapped);
}

#[test]
fn cpsv_ap_2_terms_are_mapped_where_the_meaning_is_the_same() {
    let vienna = import("c4c_Vienna_demo_export_v3.ttl");
    let [service] = vienna.services.as_slice() else { panic!() };
    assert!(service.name.get(Text::UNTAGGED).unwrap().starts_with("Förderansuchen"));
    let kinds: Vec<EventKind> = service.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Business, EventKind::Life], "cv:isGroupedBy, plus dct:relation from the event");
    let contact = &service.contact_points[0];
    assert_eq!(contact.email, ["E-Mail: foerderungen@ma05.wien.gv.at"]);
    assert_eq!(contact.telephone.len(), 2);
    assert_eq!(contact.opening_hours.get(Text::UNTAGGED), Some("All day, all night."));
    assert_eq!(vienna.organisations[0].name.get("en"), Some("Finance - Head of Service"));
    assert!(unmapped_predicates(&vienna).contains(&"http://data.europa.eu/m8g/isClassifiedBy"));

    let trento = import("c4c_Trento_trento.jsonld");
    assert_eq!(trento.services.len(), 2);
    assert_eq!(trento.organisations.len(), 2);
    let work_family = trento.services.iter().find(|s| s.id.ends_with("p_TN_1519")).unwrap();
    assert_eq!(work_family.costs.len(), 2);
    assert_eq!(work_family.requirements.len(), 1, "cv:hasCriterion");
    assert_eq!(work_family.inputs.len(), 2);
    assert_eq!(work_family.outputs[0].name.get(Text::UNTAGGED), Some("Contributi"));
    assert_eq!(work_family.legal_resources.len(), 3);
    assert!(work_family.events.iter().all(|e| e.kind == EventKind::Business));
    assert_eq!(work_family.contact_points.len(), 2, "cv:hasContactPoint");
    assert_eq!(work_family.contact_points[0].fax, ["0461496180"]);
    for service in &trento.services {
        assert_eq!(service.problems(), [], "{}", service.id);
    }
    let unmapped = unmapped_predicates(&trento);
    assert!(unmapped.contains(&"http://data.europa.eu/m8g/isDescribedAt"), "{unmapped:?}");
    assert!(unmapped.contains(&"http://purl.org/dc/terms/language"), "{unmapped:?}");
}

#[test]
fn smart_data_models_terms_and_string_references_are_read() {
    let imported = import("sdm_PublicService_example.jsonld");
    let [service] = imported.services.as_slice() else { panic!("{imported:#?}") };
    assert_eq!(service.name.get(Text::UNTAGGED), Some("Electronic application for a trademark"));
    assert_eq!(service.status, ServiceStatus::UnderDevelopment);
    assert_eq!(service.processing_time.as_deref(), Some("P2Y9M5DT6H5M20S"));
    assert_eq!(
        service.competent_authorities,
        ["urn:ngsi-ld:CPSV-AP:PublicOrganization:8566c45a-8b9e-46d5-8371-81c8ad002362"]
    );
    assert_eq!(service.spatial, ["http://publications.europa.eu/resource/authority/atu/FIN"]);
    // Its contact points, costs and evidence are only named, never described: said so.
    assert!(imported.notes.iter().any(|n| n.contains("contact point") && n.contains("does not describe")));
    assert!(imported.notes.iter().any(|n| n.contains("cost")));
    assert!(unmapped_predicates(&imported).contains(&"https://smartdatamodels.org/dataModel.CPSV-AP/thematicArea"));
}

#[test]
fn export_then_import_gives_back_the_same_catalogue_in_both_syntaxes() {
    for name in [
        "semic-3.2.0_example-rdf_public_service.ttl",
        "semic-3.2.0_example-rdf_public_service.jsonld",
        "c4c_Vienna_demo_export_v3.ttl",
        "c4c_Trento_trento.jsonld",
        "sdm_PublicService_example.jsonld",
    ] {
        let first = import(name);
        let graph = cpsv::to_graph(&first.services, &first.organisations);
        for syntax in [RdfSyntax::Turtle, RdfSyntax::JsonLd] {
            let bytes = serialize(&graph, syntax, cpsv::PREFIXES);
            let again = cpsv::from_graph(&parse(&bytes, syntax).unwrap_or_else(|e| panic!("{name} {syntax:?}: {e}")));
            assert_eq!(again.services, first.services, "{name} via {syntax:?}");
            assert_eq!(again.organisations, first.organisations, "{name} via {syntax:?}");
            assert_eq!(again.unmapped, [], "{name} via {syntax:?}: our export uses only mapped terms");
            assert_eq!(again.notes, Vec::<String>::new(), "{name} via {syntax:?}");
        }
    }
}

fn demo_catalogue() -> server::catalogue::files::CatalogueFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/demo-catalogue.pietura.json");
    server::catalogue::files::read(&path).unwrap().catalogue
}

#[test]
fn the_demo_catalogue_is_valid_and_big_enough() {
    let demo = demo_catalogue();
    assert!(demo.services.len() >= 60, "{}", demo.services.len());
    assert!(demo.organisations.len() >= 10);
    assert!(!demo.articles.is_empty());
    for service in &demo.services {
        assert_eq!(service.problems(), [], "{}", service.id);
        assert!(service.name.get("lv").is_some() && service.name.get("en").is_some(), "{}", service.id);
        for authority in &service.competent_authorities {
            assert!(demo.organisations.iter().any(|o| &o.id == authority), "{authority}");
        }
    }
    for organisation in &demo.organisations {
        assert_eq!(organisation.problems(), [], "{}", organisation.id);
    }
    for article in &demo.articles {
        assert_eq!(article.problems(), [], "{}", article.id);
    }
    // The ten e-services the source document names.
    for slug in [
        "virtual-identity",
        "my-data",
        "person-status",
        "pension-account",
        "pension-forecast",
        "e-invoice",
        "tree-felling",
        "dog-fee",
        "preschool-queue",
        "street-trade",
    ] {
        let service = demo.services.iter().find(|s| s.id.ends_with(&format!("/service/{slug}"))).unwrap();
        assert!(service.has_e_service(), "{slug}");
    }
}

#[test]
fn the_demo_catalogue_round_trips_through_cpsv_ap_without_loss() {
    let demo = demo_catalogue();
    let graph = cpsv::to_graph(&demo.services, &demo.organisations);
    for syntax in [RdfSyntax::Turtle, RdfSyntax::JsonLd] {
        let bytes = serialize(&graph, syntax, cpsv::PREFIXES);
        let again = cpsv::from_graph(&parse(&bytes, syntax).unwrap());
        assert_eq!(again.unmapped, [], "{syntax:?}");
        assert_eq!(again.notes, Vec::<String>::new(), "{syntax:?}");
        assert_eq!(again.organisations, demo.organisations, "{syntax:?}");
        assert_eq!(again.services.len(), demo.services.len());
        for (got, want) in again.services.iter().zip(&demo.services) {
            assert_eq!(got, want, "{syntax:?}");
        }
    }
}
