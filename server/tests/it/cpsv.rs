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
            // What our export writes beyond the model is only what it kept.
            let dropped: Vec<&cpsv::Unmapped> = again.unmapped.iter().filter(|u| u.kept < u.count).collect();
            assert!(dropped.is_empty(), "{name} via {syntax:?}: {dropped:#?}");
            // Nothing new to say (references to what the file does not describe stay so).
            let new: Vec<&String> = again.notes.iter().filter(|n| !first.notes.contains(n)).collect();
            assert!(new.is_empty(), "{name} via {syntax:?}: {new:#?}");
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

/// The source files (RDF) whose round trip must lose nothing.
const SOURCES: &[&str] = &[
    "semic-3.2.0_example-rdf_public_service.ttl",
    "semic-3.2.0_example-rdf_public_service.jsonld",
    "c4c_Vienna_demo_export_v3.ttl",
    "c4c_Trento_trento.jsonld",
    "sdm_PublicService_example.jsonld",
];

/// Import, then export (through Turtle text and back, as a file would go).
fn round_trip(graph: &oxrdf::Graph) -> oxrdf::Graph {
    let imported = cpsv::from_graph(graph);
    let exported = cpsv::to_graph(&imported.services, &imported.organisations);
    parse(&serialize(&exported, RdfSyntax::Turtle, cpsv::PREFIXES), RdfSyntax::Turtle).unwrap()
}

/// A statement without blank nodes, with the literal forms the export writes on purpose made
/// equal to the source's: text of no language is written `@und` (CPSV-AP wants tagged text),
/// ISO 8601 processing times typed `xsd:duration`, and Smart Data Models' strings holding an IRI
/// written as the IRI.
fn ground(triple: &Triple) -> Option<String> {
    if matches!(triple.subject, NamedOrBlankNode::BlankNode(_)) {
        return None;
    }
    let object = match &triple.object {
        Term::BlankNode(_) => return None,
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => {
            let plain = l.language().is_none_or(|lang| lang == "und")
                && matches!(
                    l.datatype().as_str(),
                    "http://www.w3.org/2001/XMLSchema#string"
                        | "http://www.w3.org/2001/XMLSchema#duration"
                        // Trento's context types every text so; the export writes text as text.
                        | "http://www.w3.org/2000/01/rdf-schema#Literal"
                        | "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
                );
            if plain { l.value().trim().to_owned() } else { Term::Literal(l.clone()).to_string() }
        }
        #[allow(unreachable_patterns)]
        _ => return None,
    };
    Some(format!("{} {} {object}", triple.subject, triple.predicate))
}

fn ground_statements(graph: &oxrdf::Graph) -> std::collections::BTreeSet<String> {
    graph.iter().map(Triple::from).filter_map(|t| ground(&same_meaning(t))).collect()
}

/// The statements about services, organisations and what they lead to: the catalogue holds
/// those. (Trento also describes three concepts nothing refers to; the import reports them as
/// dropped.)
fn about_services_and_organisations(graph: &oxrdf::Graph) -> oxrdf::Graph {
    let roots = [
        "http://purl.org/vocab/cpsv#PublicService",
        "https://smartdatamodels.org/dataModel.CPSV-AP/PublicService",
        "http://data.europa.eu/m8g/PublicOrganisation",
        "http://purl.org/dc/terms/Agent",
    ];
    let mut queue: Vec<NamedOrBlankNode> = graph
        .iter()
        .filter(|t| t.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        .filter(|t| matches!(t.object, oxrdf::TermRef::NamedNode(n) if roots.contains(&n.as_str())))
        .map(|t| t.subject.into_owned())
        .collect();
    let mut seen: std::collections::HashSet<NamedOrBlankNode> = queue.iter().cloned().collect();
    // 2.x events point at their service.
    for t in graph.iter() {
        if t.predicate.as_str() == "http://purl.org/dc/terms/relation" {
            seen.insert(t.subject.into_owned());
            queue.push(t.subject.into_owned());
        }
    }
    let mut kept = oxrdf::Graph::new();
    while let Some(node) = queue.pop() {
        for t in graph.triples_for_subject(node.as_ref()) {
            kept.insert(t);
            let next: Option<NamedOrBlankNode> = match t.object {
                oxrdf::TermRef::NamedNode(n) => Some(n.into_owned().into()),
                oxrdf::TermRef::BlankNode(b) => Some(b.into_owned().into()),
                _ => None,
            };
            if let Some(next) = next
                && seen.insert(next.clone())
            {
                queue.push(next);
            }
        }
    }
    kept
}

/// CPSV-AP 2.x and Smart Data Models terms the importer reads as the 3.2 terms of the same
/// meaning, which the export writes: compared in their 3.2 form.
fn same_meaning(triple: Triple) -> Triple {
    const RENAMED: &[(&str, &str)] = &[
        ("http://data.europa.eu/m8g/hasContactPoint", "http://data.europa.eu/m8g/contactPoint"),
        ("https://schema.org/ContactPoint", "http://data.europa.eu/m8g/ContactPoint"),
        ("https://schema.org/email", "http://data.europa.eu/m8g/email"),
        ("https://schema.org/telephone", "http://data.europa.eu/m8g/telephone"),
        ("https://schema.org/url", "http://xmlns.com/foaf/0.1/page"),
        ("https://schema.org/description", "http://purl.org/dc/terms/description"),
        ("https://schema.org/hoursAvailable", "http://data.europa.eu/m8g/openingHours"),
        ("http://data.europa.eu/m8g/hasCriterion", "http://data.europa.eu/m8g/holdsRequirement"),
        ("http://data.europa.eu/m8g/CriterionRequirement", "http://data.europa.eu/m8g/Requirement"),
        ("https://smartdatamodels.org/dataModel.CPSV-AP/PublicService", "http://purl.org/vocab/cpsv#PublicService"),
        ("https://smartdatamodels.org/dataModel.CPSV-AP/identifier", "http://purl.org/dc/terms/identifier"),
        ("https://smartdatamodels.org/dataModel.CPSV-AP/spatial", "http://purl.org/dc/terms/spatial"),
        ("https://smartdatamodels.org/name", "http://purl.org/dc/terms/title"),
        ("https://uri.etsi.org/ngsi-ld/status", "http://www.w3.org/ns/adms#status"),
    ];
    let rename = |iri: &str| -> oxrdf::NamedNode {
        let sdm = iri
            .strip_prefix("https://smartdatamodels.org/dataModel.CPSV-AP/")
            .map(|local| format!("http://data.europa.eu/m8g/{local}"));
        let renamed = RENAMED.iter().find(|(from, _)| *from == iri).map(|(_, to)| to.to_string());
        oxrdf::NamedNode::new_unchecked(renamed.or(sdm).unwrap_or_else(|| iri.to_owned()))
    };
    // 2.x links an event to its service (`dct:relation`); 3.2 the service to its event.
    if triple.predicate.as_str() == "http://purl.org/dc/terms/relation"
        && let (NamedOrBlankNode::NamedNode(event), Term::NamedNode(service)) = (&triple.subject, &triple.object)
        && (event.as_str().contains("Event"))
    {
        return Triple::new(
            service.clone(),
            oxrdf::NamedNode::new_unchecked("http://data.europa.eu/m8g/isGroupedBy"),
            event.clone(),
        );
    }
    let object = match triple.object {
        Term::NamedNode(n) => rename(n.as_str()).into(),
        // NGSI-LD's status is a word of the ADMS statuses.
        Term::Literal(l) if triple.predicate.as_str() == "https://uri.etsi.org/ngsi-ld/status" => {
            oxrdf::NamedNode::new_unchecked(format!("http://purl.org/adms/status/{}", l.value())).into()
        }
        other => other,
    };
    Triple::new(triple.subject, rename(triple.predicate.as_str()), object)
}

/// Whether two graphs are the same statements, blank node labels aside.
fn isomorphic(a: &oxrdf::Graph, b: &oxrdf::Graph) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.canonicalize(oxrdf::dataset::CanonicalizationAlgorithm::Unstable);
    b.canonicalize(oxrdf::dataset::CanonicalizationAlgorithm::Unstable);
    a == b
}

#[test]
fn every_statement_of_each_example_comes_back_in_its_export() {
    for name in SOURCES {
        let source = vector(name);
        let exported = round_trip(&source);
        let got = ground_statements(&exported);
        let lost: Vec<String> = ground_statements(&about_services_and_organisations(&source))
            .into_iter()
            .filter(|s| !got.contains(s))
            .collect();
        assert!(lost.is_empty(), "{name}: lost on the round trip: {lost:#?}");
        // What is not about them is reported as dropped, never silently.
        let imported = import(name);
        let dropped: usize = imported.unmapped.iter().map(|u| u.count - u.kept).sum();
        let not_about_them = source.len() - about_services_and_organisations(&source).len();
        assert!(dropped <= not_about_them, "{name}: {dropped} dropped: {:#?}", imported.unmapped);
    }
}

#[test]
fn a_second_round_trip_gives_the_same_graph_as_the_first() {
    let demo = demo_catalogue();
    let demo_export = cpsv::to_graph(&demo.services, &demo.organisations);
    let mut graphs: Vec<(String, oxrdf::Graph)> = vec![("the demo catalogue".into(), demo_export)];
    graphs.extend(SOURCES.iter().map(|name| (name.to_string(), round_trip(&vector(name)))));
    for (name, first) in graphs {
        let second = round_trip(&first);
        assert!(isomorphic(&first, &second), "{name}: the second export differs from the first");
    }
}

mod round_trip_properties {
    use super::*;
    use proptest::prelude::*;

    /// A statement the model has no place for, about a node of the file, as a property test
    /// makes them up: a predicate of a vocabulary Pietura does not know, and a text, a typed
    /// value, an IRI, or a blank node saying something more.
    #[derive(Debug, Clone)]
    enum Extra {
        Text(String, Option<&'static str>),
        Number(i64),
        Iri(u16),
        Nested(String),
    }

    fn extra() -> impl Strategy<Value = (prop::sample::Index, u8, Extra)> {
        let object = prop_oneof![
            ("[a-zA-Zāčēģīķļņšūž ]{1,12}", prop::option::of(prop::sample::select(vec!["lv", "en", "fr"])))
                .prop_map(|(text, language)| Extra::Text(text, language)),
            any::<i64>().prop_map(Extra::Number),
            any::<u16>().prop_map(Extra::Iri),
            "[a-z]{1,8}".prop_map(Extra::Nested),
        ];
        (any::<prop::sample::Index>(), 0u8..4, object)
    }

    fn with_extras(source: &oxrdf::Graph, extras: &[(prop::sample::Index, u8, Extra)]) -> oxrdf::Graph {
        // The nodes of services and organisations that have an IRI (blank ones are compared
        // aside).
        let subjects: Vec<oxrdf::NamedNode> = about_services_and_organisations(source)
            .iter()
            .filter_map(|t| match t.subject {
                oxrdf::NamedOrBlankNodeRef::NamedNode(n) => Some(n.into_owned()),
                _ => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut graph = source.clone();
        for (index, predicate, object) in extras {
            let subject = index.get(&subjects).clone();
            let predicate = oxrdf::NamedNode::new_unchecked(format!("http://example.org/unknown#p{predicate}"));
            let object: Term = match object {
                Extra::Text(text, Some(language)) => {
                    oxrdf::Literal::new_language_tagged_literal_unchecked(text, *language).into()
                }
                Extra::Text(text, None) => oxrdf::Literal::new_simple_literal(text).into(),
                Extra::Number(n) => oxrdf::Literal::from(*n).into(),
                Extra::Iri(n) => oxrdf::NamedNode::new_unchecked(format!("http://example.org/thing/{n}")).into(),
                Extra::Nested(text) => {
                    let inner = oxrdf::BlankNode::default();
                    graph.insert(&Triple::new(
                        inner.clone(),
                        oxrdf::NamedNode::new_unchecked("http://example.org/unknown#says"),
                        oxrdf::Literal::new_simple_literal(text),
                    ));
                    inner.into()
                }
            };
            graph.insert(&Triple::new(subject, predicate, object));
        }
        graph
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Whatever a file says about its services, organisations and their parts that the
        /// model has no place for comes back in the export, and the export is stable.
        #[test]
        fn statements_the_model_does_not_know_survive_import_and_export(
            source in prop::sample::select(SOURCES.to_vec()),
            extras in prop::collection::vec(extra(), 1..6),
        ) {
            let graph = with_extras(&vector(source), &extras);
            let first = round_trip(&graph);
            let got = ground_statements(&first);
            let lost: Vec<String> = ground_statements(&about_services_and_organisations(&graph))
                .into_iter()
                .filter(|s| !got.contains(s))
                .collect();
            prop_assert!(lost.is_empty(), "{}: lost {:#?}", source, lost);
            let nested = extras.iter().filter(|(_, _, o)| matches!(o, Extra::Nested(_))).count();
            let says = first
                .iter()
                .filter(|t| t.predicate.as_str() == "http://example.org/unknown#says")
                .count();
            prop_assert_eq!(says, nested, "{}: each nested statement once", source);
            prop_assert!(isomorphic(&first, &round_trip(&first)), "{}: not stable", source);
        }
    }
}
