//! CPSV-AP RDF ⇄ the catalogue model (`domain::catalogue`).
//!
//! Reading follows CPSV-AP 3.2 and maps the 2.x terms whose meaning is the same
//! (`cv:hasContactPoint` → contact points, `cv:hasCriterion` → requirements, events linked from the
//! event side with `dct:relation`), plus the Smart Data Models flavour, whose terms live in their own
//! namespace and whose references are plain strings. Every triple that was not mapped is reported,
//! grouped by predicate, so nothing is dropped silently.
//!
//! Writing uses CPSV-AP 3.2 terms, and `https://pietura.lv/ns#` for what CPSV-AP has no term for
//! (numbered steps, the online-access link, accepted eID methods, versions, registration numbers,
//! e-addresses). Export → import gives back the same model: lists are read in a stable order and
//! nodes without an IRI carry their local id.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::catalogue::{
    Channel, ChannelKind, ContactPoint, Cost, EidMethod, EventKind, EventRef, Evidence, LegalResource, Output,
    PublicOrganisation, PublicService, Requirement, ServiceStatus, Text,
};
use oxrdf::dataset::CanonicalizationAlgorithm;
use oxrdf::{BlankNode, Graph, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use oxrdfio::{RdfFormat, RdfParser, RdfSerializer};

macro_rules! ns {
    ($($name:ident = $iri:literal;)*) => {
        $(macro_rules! $name { ($local:literal) => { concat!($iri, $local) } })*
    };
}
ns! {
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    cpsv = "http://purl.org/vocab/cpsv#";
    cv = "http://data.europa.eu/m8g/";
    dct = "http://purl.org/dc/terms/";
    skos = "http://www.w3.org/2004/02/skos/core#";
    schema = "https://schema.org/";
    foaf = "http://xmlns.com/foaf/0.1/";
    dcat = "http://www.w3.org/ns/dcat#";
    adms = "http://www.w3.org/ns/adms#";
    eli = "http://data.europa.eu/eli/ontology#";
    xsd = "http://www.w3.org/2001/XMLSchema#";
    sdm = "https://smartdatamodels.org/dataModel.CPSV-AP/";
    pietura = "https://pietura.lv/ns#";
}

/// Prefixes written in exports.
pub const PREFIXES: &[(&str, &str)] = &[
    ("cpsv", cpsv!("")),
    ("cv", cv!("")),
    ("dct", dct!("")),
    ("skos", skos!("")),
    ("foaf", foaf!("")),
    ("dcat", dcat!("")),
    ("adms", adms!("")),
    ("xsd", xsd!("")),
    ("pietura", pietura!("")),
];

const TYPE: &str = rdf!("type");
const SERVICE_TYPES: &[&str] = &[cpsv!("PublicService"), sdm!("PublicService")];
const ORGANISATION_TYPES: &[&str] = &[cv!("PublicOrganisation"), sdm!("PublicOrganization"), dct!("Agent")];
const IDENTIFIER: &[&str] = &[dct!("identifier"), sdm!("identifier")];
const NAME: &[&str] = &[dct!("title"), skos!("prefLabel"), "https://smartdatamodels.org/name"];
const DESCRIPTION: &[&str] = &[dct!("description"), schema!("description")];
const LOCAL_ID: &[&str] = &[pietura!("localId")];
const CONTACT_POINT: &[&str] =
    &[cv!("contactPoint"), cv!("hasContactPoint"), schema!("contactPoint"), sdm!("hasContactPoint")];
const SPATIAL: &[&str] = &[dct!("spatial"), sdm!("spatial")];
/// BCP 47's "undetermined" language, for text whose language is not known.
const UNDETERMINED: &str = "und";

/// A literal's language as the model keeps it: none (untagged) for no tag and for `und`.
fn untagged_if_undetermined(language: Option<&str>) -> &str {
    match language {
        None | Some(UNDETERMINED) => Text::UNTAGGED,
        Some(language) => language,
    }
}

const EUR_CURRENCY: &str = "http://publications.europa.eu/resource/authority/currency/";
const ADMS_STATUS: &str = "http://purl.org/adms/status/";
const CHANNEL_TYPE: &str = "https://pietura.lv/ns/channel#";
const EID_METHOD: &str = "https://pietura.lv/ns/eid#";

/// What a CPSV-AP document held, as the catalogue model, and what could not be mapped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Imported {
    pub services: Vec<PublicService>,
    pub organisations: Vec<PublicOrganisation>,
    /// Triples that have no place in the model, grouped by predicate.
    pub unmapped: Vec<Unmapped>,
    /// Things worth knowing that are not triples: references to nodes the file does not describe,
    /// values that could not be read.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    pub predicate: String,
    pub count: usize,
    /// How many of them were kept with a service or organisation they describe (exported again
    /// as they came); the others are about nothing imported and are dropped.
    pub kept: usize,
    /// One subject that has it, to find it in the file.
    pub example_subject: String,
}

impl std::fmt::Display for Unmapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ×{} (e.g. on {}): ", self.predicate, self.count, self.example_subject)?;
        match self.count - self.kept {
            0 => write!(f, "kept as it came and exported again"),
            dropped if self.kept == 0 => write!(f, "dropped ({dropped}: about nothing imported)"),
            dropped => write!(f, "{} kept, {dropped} dropped (about nothing imported)", self.kept),
        }
    }
}

/// Properties whose values CPSV-AP 3.2 says are concepts of a controlled vocabulary (its shapes
/// check `sh:class skos:Concept`): a kept value of one is typed so in the export.
const CONCEPT_VALUED: &[&str] = &[
    cv!("currency"),
    cv!("evidenceTypeClassification"),
    cv!("frequency"),
    cv!("isClassifiedBy"),
    cv!("role"),
    cv!("sector"),
    cv!("thematicArea"),
    dct!("audience"),
    dct!("type"),
    skos!("member"),
    adms!("status"),
];

/// Properties whose values CPSV-AP 3.2 wants as language-tagged text: kept text without a
/// language is exported `@und`, like the model's (and read back untagged).
const TEXT_VALUED: &[&str] = &[dct!("description"), dct!("title"), skos!("prefLabel"), dcat!("keyword")];

/// A kept text value as the model keeps text: `@und` and typeless text (Trento types every
/// text `rdfs:Literal`, a class of all literals that says nothing) untagged.
fn kept_text(predicate: &NamedNode, object: &Term) -> Term {
    match object {
        Term::Literal(literal)
            if TEXT_VALUED.contains(&predicate.as_str())
                && (literal.language() == Some(UNDETERMINED)
                    || literal.datatype().as_str() == "http://www.w3.org/2000/01/rdf-schema#Literal") =>
        {
            Literal::new_simple_literal(literal.value()).into()
        }
        other => other.clone(),
    }
}

/// Blank nodes that became model nodes are named in kept statements by this prefix and
/// the model node's id (hex), so that an export ties them to the node it writes for that id.
const MODEL_NODE: &str = "https://pietura.lv/ns/node/";

fn model_node_iri(id: &str) -> NamedNode {
    let hex: String = id.bytes().map(|b| format!("{b:02x}")).collect();
    NamedNode::new_unchecked(format!("{MODEL_NODE}{hex}"))
}

fn model_node_id(iri: &str) -> Option<String> {
    let hex = iri.strip_prefix(MODEL_NODE)?;
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Reads every public service and organisation in `graph`.
pub fn from_graph(graph: &Graph) -> Imported {
    let mut reader = Reader::new(graph);
    let mut organisations: Vec<(NamedOrBlankNode, PublicOrganisation)> = reader
        .subjects_of_type(ORGANISATION_TYPES)
        .into_iter()
        .filter_map(|node| reader.organisation(&node).map(|o| (node, o)))
        .collect();
    let mut services: Vec<(NamedOrBlankNode, PublicService)> = reader
        .subjects_of_type(SERVICE_TYPES)
        .into_iter()
        .filter_map(|node| reader.service(&node).map(|s| (node, s)))
        .collect();
    reader.mark_concept_descriptions();
    let roots: HashSet<NamedOrBlankNode> =
        services.iter().map(|(node, _)| node).chain(organisations.iter().map(|(node, _)| node)).cloned().collect();
    for (node, service) in &mut services {
        service.kept_rdf = reader.keep_unmapped(node, &roots);
    }
    for (node, organisation) in &mut organisations {
        organisation.kept_rdf = reader.keep_unmapped(node, &roots);
    }
    let mut services: Vec<PublicService> = services.into_iter().map(|(_, service)| service).collect();
    services.sort_by(|a, b| a.id.cmp(&b.id));
    let organisations = organisations.into_iter().map(|(_, organisation)| organisation).collect();
    let mut imported = reader.finish(services, organisations);
    for service in &mut imported.services {
        drop_derived_identifiers(service);
    }
    for organisation in &mut imported.organisations {
        derived(&mut organisation.identifier, &organisation.id);
        for contact in &mut organisation.contact_points {
            derived(&mut contact.identifier, &contact.id);
        }
    }
    imported
}

/// An identifier that is only the node's own id is what the export writes when there is none.
fn derived(identifier: &mut Option<String>, id: &str) {
    if identifier.as_deref() == Some(id) {
        *identifier = None;
    }
}

fn drop_derived_identifiers(service: &mut PublicService) {
    derived(&mut service.identifier, &service.id);
    for channel in &mut service.channels {
        derived(&mut channel.identifier, &channel.id);
    }
    for cost in &mut service.costs {
        derived(&mut cost.identifier, &cost.id);
    }
    for requirement in &mut service.requirements {
        derived(&mut requirement.identifier, &requirement.id);
        for evidence in &mut requirement.evidence {
            derived(&mut evidence.identifier, &evidence.id);
        }
    }
    for evidence in &mut service.inputs {
        derived(&mut evidence.identifier, &evidence.id);
    }
    for output in &mut service.outputs {
        derived(&mut output.identifier, &output.id);
    }
    for legal in &mut service.legal_resources {
        derived(&mut legal.identifier, &legal.id);
    }
    for event in &mut service.events {
        derived(&mut event.identifier, &event.id);
    }
    for contact in &mut service.contact_points {
        derived(&mut contact.identifier, &contact.id);
    }
}

struct Reader {
    triples: Vec<Triple>,
    by_subject: HashMap<NamedOrBlankNode, Vec<usize>>,
    used: Vec<bool>,
    /// Unmapped triples kept with a service or organisation.
    kept: Vec<bool>,
    /// Blank nodes that became model nodes, and their ids.
    model_nodes: HashMap<NamedOrBlankNode, String>,
    notes: Vec<String>,
}

impl Reader {
    fn new(graph: &Graph) -> Self {
        let mut triples: Vec<Triple> = graph.iter().map(Triple::from).collect();
        // A stable order (by text) so lists come out the same from Turtle and JSON-LD.
        // Plain IRIs as keys, so lists come out in the order of their ids.
        triples.sort_by_cached_key(|t| {
            (term_key(&t.subject.clone().into()), t.predicate.as_str().to_owned(), term_key(&t.object))
        });
        let mut by_subject: HashMap<NamedOrBlankNode, Vec<usize>> = HashMap::new();
        for (i, triple) in triples.iter().enumerate() {
            by_subject.entry(triple.subject.clone()).or_default().push(i);
        }
        let used = vec![false; triples.len()];
        let kept = vec![false; triples.len()];
        Reader { triples, by_subject, used, kept, model_nodes: HashMap::new(), notes: Vec::new() }
    }

    fn describes(&self, node: &NamedOrBlankNode) -> bool {
        self.by_subject.contains_key(node)
    }

    fn subjects_of_type(&self, types: &[&str]) -> Vec<NamedOrBlankNode> {
        let mut found: Vec<NamedOrBlankNode> = self
            .triples
            .iter()
            .filter(|t| {
                t.predicate.as_str() == TYPE && matches!(&t.object, Term::NamedNode(n) if types.contains(&n.as_str()))
            })
            .map(|t| t.subject.clone())
            .collect();
        found.dedup();
        found
    }

    fn has_predicate(&self, node: &NamedOrBlankNode, predicate: &str) -> bool {
        self.by_subject
            .get(node)
            .is_some_and(|indexes| indexes.iter().any(|&i| self.triples[i].predicate.as_str() == predicate))
    }

    fn has_type(&self, node: &NamedOrBlankNode, ty: &str) -> bool {
        self.by_subject.get(node).is_some_and(|indexes| {
            indexes.iter().any(|&i| {
                let t = &self.triples[i];
                t.predicate.as_str() == TYPE && matches!(&t.object, Term::NamedNode(n) if n.as_str() == ty)
            })
        })
    }

    /// Marks the `rdf:type` triples of `node` naming one of `types` as mapped.
    fn mark_types(&mut self, node: &NamedOrBlankNode, types: &[&str]) {
        self.take(node, &[TYPE], |object| matches!(object, Term::NamedNode(n) if types.contains(&n.as_str())));
    }

    /// The objects of `node`'s `predicates` that `accept` takes; those triples count as mapped.
    /// Nodes shared by several services (a channel, an evidence) are read in full each time.
    fn take(
        &mut self,
        node: &NamedOrBlankNode,
        predicates: &[&str],
        mut accept: impl FnMut(&Term) -> bool,
    ) -> Vec<Term> {
        let Some(indexes) = self.by_subject.get(node) else { return Vec::new() };
        let mut taken = Vec::new();
        for &i in indexes {
            let triple = &self.triples[i];
            if predicates.contains(&triple.predicate.as_str()) && accept(&triple.object) {
                self.used[i] = true;
                taken.push(triple.object.clone());
            }
        }
        taken
    }

    fn text(&mut self, node: &NamedOrBlankNode, predicates: &[&str]) -> Text {
        let mut text = Text::new();
        // One text per language: a second one in the same language stays unmapped (reported).
        self.take(node, predicates, |object| match object {
            Term::Literal(literal) => {
                let language = untagged_if_undetermined(literal.language());
                if text.get(language).is_some() || literal.value().trim().is_empty() {
                    return false;
                }
                text.set(language, literal.value());
                true
            }
            _ => false,
        });
        text
    }

    /// Literal values and IRIs as strings.
    fn strings(&mut self, node: &NamedOrBlankNode, predicates: &[&str]) -> Vec<String> {
        self.take(node, predicates, |object| matches!(object, Term::Literal(_) | Term::NamedNode(_)))
            .into_iter()
            .map(|object| term_string(&object))
            .collect()
    }

    fn string(&mut self, node: &NamedOrBlankNode, predicates: &[&str]) -> Option<String> {
        let mut first = true;
        self.take(node, predicates, |object| {
            let take = first && matches!(object, Term::Literal(_) | Term::NamedNode(_));
            first &= !take;
            take
        })
        .pop()
        .map(|object| term_string(&object))
    }

    /// Nodes referred to, as IRIs, blank nodes, or (Smart Data Models) strings holding an IRI.
    fn references(&mut self, node: &NamedOrBlankNode, predicates: &[&str]) -> Vec<NamedOrBlankNode> {
        self.take(node, predicates, |object| match object {
            Term::NamedNode(_) | Term::BlankNode(_) => true,
            Term::Literal(literal) => NamedNode::new(literal.value()).is_ok(),
            #[allow(unreachable_patterns)]
            _ => false,
        })
        .into_iter()
        .filter_map(|object| match object {
            Term::NamedNode(n) => Some(NamedOrBlankNode::NamedNode(n)),
            Term::BlankNode(b) => Some(NamedOrBlankNode::BlankNode(b)),
            Term::Literal(literal) => NamedNode::new(literal.value()).ok().map(NamedOrBlankNode::NamedNode),
            #[allow(unreachable_patterns)]
            _ => None,
        })
        .collect()
    }

    /// References whose nodes the file describes; the others are noted, and their links left
    /// unmapped (so kept and exported again).
    fn described(&mut self, node: &NamedOrBlankNode, predicates: &[&str], what: &str) -> Vec<NamedOrBlankNode> {
        let (described, missing): (Vec<_>, Vec<_>) =
            self.references(node, predicates).into_iter().partition(|r| self.describes(r));
        for reference in missing {
            self.notes.push(format!("{node} refers to the {what} {reference}, which the file does not describe"));
            self.give_back(node, predicates, &reference);
        }
        described
    }

    /// Marks `node`'s links through `predicates` to `object` as unmapped again.
    fn give_back(&mut self, node: &NamedOrBlankNode, predicates: &[&str], object: &NamedOrBlankNode) {
        let Some(indexes) = self.by_subject.get(node) else { return };
        for &i in indexes {
            let triple = &self.triples[i];
            let same_object = match (&triple.object, object) {
                (Term::NamedNode(a), NamedOrBlankNode::NamedNode(b)) => a == b,
                (Term::BlankNode(a), NamedOrBlankNode::BlankNode(b)) => a == b,
                // Smart Data Models: a string holding the IRI.
                (Term::Literal(l), NamedOrBlankNode::NamedNode(b)) => l.value() == b.as_str(),
                _ => false,
            };
            if same_object && predicates.contains(&triple.predicate.as_str()) {
                self.used[i] = false;
            }
        }
    }

    /// Whether `node` says more than a type and a description (what the model reads of nodes it
    /// gives no identity of their own, such as opening hours).
    fn says_more_than_a_description(&self, node: &NamedOrBlankNode) -> bool {
        self.by_subject.get(node).is_some_and(|indexes| {
            indexes.iter().any(|&i| ![TYPE, dct!("description")].contains(&self.triples[i].predicate.as_str()))
        })
    }

    /// The unmapped triples about `root` and the nodes it leads to (not into other roots, nor
    /// those an earlier root kept), as canonical N-Triples; blank nodes that became model nodes named by [`MODEL_NODE`].
    fn keep_unmapped(&mut self, root: &NamedOrBlankNode, roots: &HashSet<NamedOrBlankNode>) -> Option<String> {
        let mut graph = Graph::new();
        let mut seen = HashSet::from([root.clone()]);
        let mut queue = vec![root.clone()];
        while let Some(node) = queue.pop() {
            let Some(indexes) = self.by_subject.get(&node).cloned() else { continue };
            for i in indexes {
                let triple = &self.triples[i];
                // A node several records lead to is kept with the first of them only (blank
                // nodes under it would otherwise come back once per record).
                if !self.used[i] && !self.kept[i] {
                    let kept = Triple::new(
                        self.placeholder(&triple.subject),
                        triple.predicate.clone(),
                        match &triple.object {
                            Term::BlankNode(b) => Term::from(self.placeholder(&b.clone().into())),
                            other => kept_text(&triple.predicate, other),
                        },
                    );
                    graph.insert(&kept);
                    self.kept[i] = true;
                }
                let next: NamedOrBlankNode = match &self.triples[i].object {
                    Term::NamedNode(n) => n.clone().into(),
                    Term::BlankNode(b) => b.clone().into(),
                    _ => continue,
                };
                if !roots.contains(&next) && self.describes(&next) && seen.insert(next.clone()) {
                    queue.push(next);
                }
            }
        }
        (!graph.is_empty()).then(|| canonical_n_triples(graph))
    }

    fn placeholder(&self, node: &NamedOrBlankNode) -> NamedOrBlankNode {
        match (node, self.model_nodes.get(node)) {
            (NamedOrBlankNode::BlankNode(_), Some(id)) => model_node_iri(id).into(),
            _ => node.clone(),
        }
    }

    /// The id of a node: its IRI, else its `pietura:localId`, else one made from its parent.
    fn node_id(&mut self, node: &NamedOrBlankNode, parent: &str, kind: &str, index: usize) -> String {
        match node {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            _ => {
                let id = self.string(node, LOCAL_ID).unwrap_or_else(|| format!("{parent}#{kind}-{}", index + 1));
                self.model_nodes.insert(node.clone(), id.clone());
                id
            }
        }
    }

    fn service(&mut self, node: &NamedOrBlankNode) -> Option<PublicService> {
        let identifier = self.string(node, IDENTIFIER);
        let id = match node {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            _ => match self.string(node, LOCAL_ID).or_else(|| identifier.clone()) {
                Some(id) => id,
                None => {
                    self.notes.push(format!("a public service ({node}) has neither an IRI nor an identifier; skipped"));
                    return None;
                }
            },
        };
        if let NamedOrBlankNode::BlankNode(_) = node {
            self.model_nodes.insert(node.clone(), id.clone());
        }
        self.mark_types(node, SERVICE_TYPES);
        let name = self.text(node, NAME);
        let description = self.text(node, DESCRIPTION);
        let competent_authorities: Vec<String> = self
            .references(node, &[cv!("hasCompetentAuthority"), sdm!("hasCompetentAuthority")])
            .iter()
            .map(reference_id)
            .collect();

        let mut channel_ids = HashMap::new();
        let channels = self
            .described(node, &[cv!("hasChannel"), sdm!("hasChannel")], "channel")
            .into_iter()
            .enumerate()
            .map(|(i, channel_node)| {
                let channel = self.channel(&channel_node, &id, i);
                channel_ids.insert(channel_node, channel.id.clone());
                channel
            })
            .collect();
        let costs = self
            .described(node, &[cv!("hasCost"), sdm!("hasCost")], "cost")
            .into_iter()
            .enumerate()
            .map(|(i, cost)| self.cost(&cost, &id, i, &channel_ids))
            .collect();
        let requirements = self
            .described(node, &[cv!("holdsRequirement"), cv!("hasCriterion"), sdm!("hasCriterion")], "requirement")
            .into_iter()
            .enumerate()
            .map(|(i, requirement)| self.requirement(&requirement, &id, i))
            .collect();
        let inputs = self
            .described(node, &[cpsv!("hasInput"), sdm!("hasInput")], "evidence")
            .into_iter()
            .enumerate()
            .map(|(i, evidence)| self.evidence(&evidence, &id, i))
            .collect();
        let outputs = self
            .described(node, &[cpsv!("produces"), sdm!("produces")], "output")
            .into_iter()
            .enumerate()
            .map(|(i, output)| {
                let output_id = self.node_id(&output, &id, "output", i);
                self.mark_types(&output, &[cv!("Output")]);
                Output {
                    identifier: self.string(&output, IDENTIFIER),
                    name: self.text(&output, NAME),
                    description: self.text(&output, DESCRIPTION),
                    id: output_id,
                }
            })
            .collect();
        let contact_points = self.contact_points(node, &id);
        let legal_resources = self
            .references(node, &[cv!("hasLegalResource"), sdm!("hasLegalResource")])
            .into_iter()
            .enumerate()
            .map(|(i, legal)| {
                let legal_id = self.node_id(&legal, &id, "legal", i);
                self.mark_types(&legal, &[eli!("LegalResource")]);
                LegalResource {
                    identifier: self.string(&legal, IDENTIFIER),
                    title: self.text(&legal, &[dct!("title"), eli!("title")]),
                    description: self.text(&legal, DESCRIPTION),
                    id: legal_id,
                }
            })
            .collect();
        let mut events = Vec::new();
        for (i, event) in
            self.described(node, &[cv!("isGroupedBy"), sdm!("isGroupedBy")], "event").into_iter().enumerate()
        {
            events.push(self.event(&event, &id, i));
        }
        // CPSV-AP 2.x data may link from the event to the service instead (`dct:relation`).
        for event in self.events_relating_to(node) {
            let index = events.len();
            let event = self.event(&event, &id, index);
            if !events.iter().any(|e: &EventRef| e.id == event.id) {
                events.push(event);
            }
        }

        let mut keywords: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for object in self.take(node, &[dcat!("keyword"), sdm!("keyword")], |o| matches!(o, Term::Literal(_))) {
            if let Term::Literal(literal) = object {
                let language = untagged_if_undetermined(literal.language()).to_owned();
                keywords.entry(language).or_default().push(literal.value().trim().to_owned());
            }
        }
        keywords.values_mut().for_each(|words| words.sort());

        let status = self.status(node);
        let related_services =
            sorted(self.references(node, &[dct!("relation"), sdm!("relation")]).iter().map(reference_id));
        let spatial = sorted(self.strings(node, SPATIAL));
        let steps = self.steps(node);
        let accepted_eid_methods = self
            .strings(node, &[pietura!("acceptedEidMethod")])
            .into_iter()
            .map(|method| eid_method_from(&method))
            .collect();
        let version = self.version(node);
        Some(PublicService {
            id: id.clone(),
            identifier,
            name,
            description,
            competent_authorities: sorted(competent_authorities),
            channels,
            costs,
            requirements,
            inputs,
            outputs,
            contact_points,
            processing_time: self.string(node, &[cv!("processingTime"), sdm!("processingTime")]),
            legal_resources,
            events,
            keywords,
            status,
            related_services,
            spatial,
            steps,
            online_access_url: self.string(node, &[pietura!("onlineAccess")]),
            info_url: self.string(node, &[foaf!("page")]),
            accepted_eid_methods,
            version,
            kept_rdf: None,
        })
    }

    fn channel(&mut self, node: &NamedOrBlankNode, parent: &str, index: usize) -> Channel {
        let id = self.node_id(node, parent, "channel", index);
        self.mark_types(node, &[cv!("Channel")]);
        let type_iri = self.string(node, &[dct!("type")]);
        let kind = match &type_iri {
            Some(iri) => channel_kind_from(iri),
            None => {
                self.notes.push(format!("the channel {node} has no dct:type; taken as an in-person channel"));
                ChannelKind::InstitutionInPerson
            }
        };
        // Our own vocabulary is implied by `kind`; keep only foreign channel types.
        let type_iri = type_iri.filter(|iri| !iri.starts_with(CHANNEL_TYPE));
        Channel {
            identifier: self.string(node, IDENTIFIER),
            kind,
            type_iri,
            description: self.text(node, DESCRIPTION),
            location: self.text(node, &[pietura!("location")]),
            opening_hours: self.opening_hours(node),
            processing_time: self.string(node, &[cv!("processingTime")]),
            url: self.string(node, &[foaf!("page")]),
            id,
        }
    }

    fn cost(
        &mut self,
        node: &NamedOrBlankNode,
        parent: &str,
        index: usize,
        channel_ids: &HashMap<NamedOrBlankNode, String>,
    ) -> Cost {
        let id = self.node_id(node, parent, "cost", index);
        self.mark_types(node, &[cv!("Cost")]);
        let mut taken_one = false;
        let value_minor = self
            .take(node, &[cv!("value")], |object| {
                let take = !taken_one && matches!(object, Term::Literal(l) if minor_units(l.value()).is_some());
                taken_one |= take;
                take
            })
            .first()
            .and_then(|object| match object {
                Term::Literal(l) => minor_units(l.value()),
                _ => None,
            });
        if value_minor.is_none() && self.has_predicate(node, cv!("value")) {
            self.notes.push(format!("the cost {node} has a value that is not an amount of money (such as 12.50)"));
        }
        let currency =
            self.string(node, &[cv!("currency")]).map(|c| c.strip_prefix(EUR_CURRENCY).map(str::to_owned).unwrap_or(c));
        let channel = self
            .references(node, &[cv!("ifAccessedThrough")])
            .first()
            .map(|channel| channel_ids.get(channel).cloned().unwrap_or_else(|| reference_id(channel)));
        Cost {
            identifier: self.string(node, IDENTIFIER),
            value_minor,
            currency,
            description: self.text(node, DESCRIPTION),
            channel,
            id,
        }
    }

    fn requirement(&mut self, node: &NamedOrBlankNode, parent: &str, index: usize) -> Requirement {
        let id = self.node_id(node, parent, "requirement", index);
        self.mark_types(node, &[cv!("Requirement"), cv!("CriterionRequirement")]);
        let evidence = self
            .described(node, &[cv!("hasSupportingEvidence")], "evidence")
            .into_iter()
            .enumerate()
            .map(|(i, evidence)| self.evidence(&evidence, &id, i))
            .collect();
        Requirement { identifier: self.string(node, IDENTIFIER), name: self.text(node, NAME), evidence, id }
    }

    fn evidence(&mut self, node: &NamedOrBlankNode, parent: &str, index: usize) -> Evidence {
        let id = self.node_id(node, parent, "evidence", index);
        self.mark_types(node, &[cv!("Evidence")]);
        // The back link to the requirement says nothing new.
        self.take(node, &[cv!("supportsRequirement")], |_| true);
        Evidence {
            identifier: self.string(node, IDENTIFIER),
            name: self.text(node, NAME),
            description: self.text(node, DESCRIPTION),
            id,
        }
    }

    fn event(&mut self, node: &NamedOrBlankNode, parent: &str, index: usize) -> EventRef {
        let id = self.node_id(node, parent, "event", index);
        let kind = if self.has_type(node, cv!("BusinessEvent")) { EventKind::Business } else { EventKind::Life };
        if !self.has_type(node, cv!("BusinessEvent")) && !self.has_type(node, cv!("LifeEvent")) {
            self.notes
                .push(format!("the event {node} is neither a LifeEvent nor a BusinessEvent; taken as a life event"));
        }
        self.mark_types(node, &[cv!("Event"), cv!("LifeEvent"), cv!("BusinessEvent")]);
        EventRef { identifier: self.string(node, IDENTIFIER), name: self.text(node, NAME), kind, id }
    }

    /// Event nodes that name `service` with `dct:relation` (the 2.x direction); marks those links.
    fn events_relating_to(&mut self, service: &NamedOrBlankNode) -> Vec<NamedOrBlankNode> {
        let service_term: Term = service.clone().into();
        let mut events = Vec::new();
        for i in 0..self.triples.len() {
            let triple = &self.triples[i];
            if triple.predicate.as_str() == dct!("relation") && triple.object == service_term {
                let subject = triple.subject.clone();
                if self.has_type(&subject, cv!("Event"))
                    || self.has_type(&subject, cv!("LifeEvent"))
                    || self.has_type(&subject, cv!("BusinessEvent"))
                {
                    self.used[i] = true;
                    events.push(subject);
                }
            }
        }
        events
    }

    fn contact_points(&mut self, node: &NamedOrBlankNode, parent: &str) -> Vec<ContactPoint> {
        self.described(node, CONTACT_POINT, "contact point")
            .into_iter()
            .enumerate()
            .map(|(i, contact)| {
                let id = self.node_id(&contact, parent, "contact", i);
                self.mark_types(&contact, &[cv!("ContactPoint"), schema!("ContactPoint")]);
                ContactPoint {
                    identifier: self.string(&contact, IDENTIFIER),
                    email: sorted(self.strings(&contact, &[cv!("email"), schema!("email")])),
                    telephone: sorted(self.strings(&contact, &[cv!("telephone"), schema!("telephone")])),
                    fax: sorted(self.strings(&contact, &[schema!("faxNumber")])),
                    page: self.string(&contact, &[foaf!("page"), schema!("url")]),
                    opening_hours: self.opening_hours(&contact),
                    id,
                }
            })
            .collect()
    }

    /// `cv:openingHours` (3.x) or `schema:hoursAvailable` (2.x) nodes, read for their description.
    fn opening_hours(&mut self, node: &NamedOrBlankNode) -> Text {
        const HOURS: &[&str] = &[cv!("openingHours"), schema!("hoursAvailable")];
        let mut text = Text::new();
        for hours in self.references(node, HOURS) {
            // Hours the model cannot hold whole (days, times, frequencies) are kept as they
            // came, link and all; their description is still what the desk shows.
            let kept_whole = self.says_more_than_a_description(&hours);
            self.mark_types(
                &hours,
                &["http://www.w3.org/2006/time#TemporalEntity", schema!("OpeningHoursSpecification")],
            );
            for (language, value) in self.text(&hours, DESCRIPTION).iter() {
                if text.get(language).is_none() {
                    text.set(language, value);
                }
            }
            if kept_whole {
                self.give_back(node, HOURS, &hours);
                if let Some(indexes) = self.by_subject.get(&hours) {
                    for &i in indexes {
                        self.used[i] = false;
                    }
                }
            }
        }
        text
    }

    fn organisation(&mut self, node: &NamedOrBlankNode) -> Option<PublicOrganisation> {
        let NamedOrBlankNode::NamedNode(iri) = node else {
            self.notes.push(format!("a public organisation ({node}) has no IRI; skipped"));
            return None;
        };
        let id = iri.as_str().to_owned();
        // The classes the export writes; others (Trento's dct:Agent) are kept as they came.
        self.mark_types(node, &[cv!("PublicOrganisation"), sdm!("PublicOrganization")]);
        // The export names an organisation with skos:prefLabel: read first, so that another term
        // giving the name too (Trento's dct:title) is kept as it came.
        let mut name = self.text(node, &[skos!("prefLabel")]);
        if name.is_empty() {
            name = self.text(node, NAME);
        }
        Some(PublicOrganisation {
            identifier: self.string(node, IDENTIFIER),
            registration_number: self.string(node, &[pietura!("registrationNumber")]),
            name,
            spatial: sorted(self.strings(node, SPATIAL)),
            municipality: self.string(node, &[pietura!("municipality")]),
            contact_points: self.contact_points(node, &id),
            e_address: self.string(node, &[pietura!("eAddress")]),
            version: self.version(node),
            kept_rdf: None,
            id,
        })
    }

    fn status(&mut self, node: &NamedOrBlankNode) -> ServiceStatus {
        let Some(status) = self.string(node, &[adms!("status"), "https://uri.etsi.org/ngsi-ld/status"]) else {
            return ServiceStatus::Active;
        };
        match status.strip_prefix(ADMS_STATUS).unwrap_or(&status) {
            "Completed" | "Active" => ServiceStatus::Active,
            "UnderDevelopment" => ServiceStatus::UnderDevelopment,
            "Deprecated" => ServiceStatus::Deprecated,
            "Withdrawn" => ServiceStatus::Withdrawn,
            other => {
                self.notes.push(format!(
                    "{node} has the status {other:?}, which is not an ADMS status; taken as active (and kept as it came)"
                ));
                let status = NamedOrBlankNode::from(NamedNode::new_unchecked(status.clone()));
                self.give_back(node, &[adms!("status"), "https://uri.etsi.org/ngsi-ld/status"], &status);
                ServiceStatus::Active
            }
        }
    }

    fn steps(&mut self, node: &NamedOrBlankNode) -> Vec<Text> {
        let mut steps: Vec<(u64, Text)> = Vec::new();
        for step in self.references(node, &[pietura!("step")]) {
            let order = self.string(&step, &[pietura!("order")]).and_then(|o| o.parse().ok()).unwrap_or(u64::MAX);
            steps.push((order, self.text(&step, DESCRIPTION)));
        }
        steps.sort_by_key(|(order, _)| *order);
        steps.into_iter().map(|(_, text)| text).collect()
    }

    fn version(&mut self, node: &NamedOrBlankNode) -> u64 {
        self.string(node, &[pietura!("version")]).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// What the export writes of the concepts and places the model refers to — their class, and
    /// the label of this catalogue's own vocabularies — says nothing the model keeps: read as
    /// mapped. Anything else about them (another vocabulary's labels) is kept.
    fn mark_concept_descriptions(&mut self) {
        // Values of mapped references, and of any concept-valued property (the export types
        // those, kept or not).
        let referenced: HashSet<Term> = self
            .triples
            .iter()
            .zip(&self.used)
            .filter(|(t, used)| **used || CONCEPT_VALUED.contains(&t.predicate.as_str()))
            .map(|(t, _)| t.object.clone())
            .collect();
        for (i, triple) in self.triples.iter().enumerate() {
            let NamedOrBlankNode::NamedNode(subject) = &triple.subject else { continue };
            if !referenced.contains(&Term::NamedNode(subject.clone())) {
                continue;
            }
            let written = match (triple.predicate.as_str(), &triple.object) {
                (TYPE, Term::NamedNode(class)) => [skos!("Concept"), dct!("Location")].contains(&class.as_str()),
                (skos!("prefLabel"), Term::Literal(label)) => known_label(subject.as_str()).is_some_and(|known| {
                    label.language().and_then(|language| known.get(language)) == Some(label.value())
                }),
                _ => false,
            };
            if written {
                self.used[i] = true;
            }
        }
    }

    fn finish(self, services: Vec<PublicService>, organisations: Vec<PublicOrganisation>) -> Imported {
        let mut groups: BTreeMap<String, Unmapped> = BTreeMap::new();
        for ((triple, used), kept) in self.triples.iter().zip(&self.used).zip(&self.kept) {
            if *used {
                continue;
            }
            let predicate = triple.predicate.as_str().to_owned();
            let group = groups.entry(predicate.clone()).or_insert_with(|| Unmapped {
                predicate,
                count: 0,
                kept: 0,
                example_subject: triple.subject.to_string(),
            });
            group.count += 1;
            group.kept += usize::from(*kept);
        }
        let mut organisations: Vec<PublicOrganisation> = organisations;
        organisations.sort_by(|a, b| a.id.cmp(&b.id));
        Imported { services, organisations, unmapped: groups.into_values().collect(), notes: self.notes }
    }
}

/// A graph as N-Triples with canonical blank node labels, one statement per line, sorted: the
/// same text for the same statements whichever file they came from.
fn canonical_n_triples(mut graph: Graph) -> String {
    graph.canonicalize(CanonicalizationAlgorithm::Unstable);
    let mut lines: Vec<String> = graph
        .iter()
        .map(|triple| {
            let mut writer = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(Vec::new());
            writer.serialize_triple(triple).expect("writing to memory");
            String::from_utf8(writer.finish().expect("writing to memory")).expect("N-Triples are UTF-8")
        })
        .collect();
    lines.sort();
    lines.concat()
}

/// Kept N-Triples back as triples, with blank nodes fresh for this export (two services' kept
/// statements never share one) and model nodes' placeholders as they are.
fn parse_kept(n_triples: &str) -> Vec<Triple> {
    let mut fresh: HashMap<BlankNode, BlankNode> = HashMap::new();
    let mut renamed = |node: BlankNode| fresh.entry(node).or_default().clone();
    RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(n_triples.as_bytes())
        .filter_map(Result::ok)
        .map(|quad| {
            let subject = match quad.subject {
                NamedOrBlankNode::BlankNode(b) => renamed(b).into(),
                other => other,
            };
            let object = match quad.object {
                Term::BlankNode(b) => renamed(b).into(),
                other => other,
            };
            Triple::new(subject, quad.predicate, object)
        })
        .collect()
}

/// Problems with a record's kept statements (they come back through the editing API too).
pub fn kept_rdf_problems(kept: Option<&str>) -> Option<String> {
    let kept = kept?;
    RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(kept.as_bytes())
        .find_map(Result::err)
        .map(|e| format!("kept_rdf must be N-Triples: {e}"))
}

fn term_key(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

fn term_string(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().trim().to_owned(),
        other => other.to_string(),
    }
}

fn reference_id(node: &NamedOrBlankNode) -> String {
    match node {
        NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
        other => other.to_string(),
    }
}

fn sorted<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort();
    items
}

/// `12`, `12.5`, `12.50` → minor units (cents); anything else is not money.
fn minor_units(value: &str) -> Option<i64> {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 2 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
}

const CHANNEL_KINDS: &[(ChannelKind, &str)] = &[
    (ChannelKind::InstitutionInPerson, "institution-in-person"),
    (ChannelKind::VpvkacInPerson, "vpvkac-in-person"),
    (ChannelKind::EService, "e-service"),
    (ChannelKind::Phone, "phone"),
    (ChannelKind::Email, "e-mail"),
    (ChannelKind::EAddress, "e-address"),
    (ChannelKind::Post, "post"),
    (ChannelKind::MobileApp, "mobile-app"),
];

fn channel_kind_from(iri: &str) -> ChannelKind {
    iri.strip_prefix(CHANNEL_TYPE)
        .and_then(|local| CHANNEL_KINDS.iter().find(|(_, name)| *name == local))
        .map(|(kind, _)| kind.clone())
        .unwrap_or_else(|| ChannelKind::Other(iri.to_owned()))
}

fn channel_kind_iri(kind: &ChannelKind) -> String {
    match kind {
        ChannelKind::Other(iri) => iri.clone(),
        known => {
            let name = CHANNEL_KINDS.iter().find(|(k, _)| k == known).map(|(_, n)| *n).unwrap_or("other");
            format!("{CHANNEL_TYPE}{name}")
        }
    }
}

const EID_METHODS: &[(EidMethod, &str)] = &[
    (EidMethod::EidCard, "eid-card"),
    (EidMethod::EparakstsMobile, "eparaksts-mobile"),
    (EidMethod::SmartId, "smart-id"),
    (EidMethod::Bank, "bank"),
    (EidMethod::Eidas, "eidas"),
];

fn eid_method_from(value: &str) -> EidMethod {
    value
        .strip_prefix(EID_METHOD)
        .and_then(|local| EID_METHODS.iter().find(|(_, name)| *name == local))
        .map(|(method, _)| method.clone())
        .unwrap_or_else(|| EidMethod::Other(value.to_owned()))
}

/// Writes services and organisations as CPSV-AP 3.2 RDF.
/// Whether `text` is an ISO 8601 duration as `xsd:duration` takes it (`P10D`, `PT1H30M`,
/// `P1Y2M`): `P`, then number-and-unit parts, with `T` before hours, minutes and seconds.
fn is_iso_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else { return false };
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return false,
        None => (rest, None),
    };
    let parts = |part: &str, units: &[char]| -> Option<usize> {
        let mut count = 0;
        let mut digits = String::new();
        let mut next_unit = 0;
        for c in part.chars() {
            if c.is_ascii_digit() || (c == '.' && units.contains(&'S')) {
                digits.push(c);
                continue;
            }
            let at = units.iter().position(|u| *u == c)?;
            if digits.is_empty() || at < next_unit {
                return None;
            }
            digits.clear();
            next_unit = at + 1;
            count += 1;
        }
        digits.is_empty().then_some(count)
    };
    let date_parts = parts(date, &['Y', 'M', 'W', 'D']);
    let time_parts = time.map(|t| parts(t, &['H', 'M', 'S']));
    match (date_parts, time_parts) {
        (Some(d), None) => d > 0,
        (Some(_), Some(Some(t))) => t > 0,
        _ => false,
    }
}

/// Labels of the concepts and places this catalogue's own vocabularies use, in Latvian and
/// English; none for others (they are typed, not labelled).
fn known_label(iri: &str) -> Option<Text> {
    let (lv, en) = if let Some(local) = iri.strip_prefix(CHANNEL_TYPE) {
        match local {
            "institution-in-person" => ("Klātienē iestādē", "In person at the institution"),
            "vpvkac-in-person" => ("Klātienē VPVKAC", "In person at a VPVKAC"),
            "e-service" => ("E-pakalpojums", "E-service"),
            "phone" => ("Pa tālruni", "By phone"),
            "e-mail" => ("Pa e-pastu", "By e-mail"),
            "e-address" => ("E-adrese", "E-address"),
            "post" => ("Pa pastu", "By post"),
            "mobile-app" => ("Mobilā lietotne", "Mobile app"),
            _ => return None,
        }
    } else {
        match iri {
            "http://publications.europa.eu/resource/authority/currency/EUR" => ("eiro", "euro"),
            "http://publications.europa.eu/resource/authority/country/LVA" => ("Latvija", "Latvia"),
            _ => return None,
        }
    };
    Some(Text::new().with("lv", lv).with("en", en))
}

pub fn to_graph(services: &[PublicService], organisations: &[PublicOrganisation]) -> Graph {
    let mut writer = Writer::default();
    for organisation in organisations {
        writer.organisation(organisation);
    }
    for service in services {
        writer.service(service);
    }
    for kept in organisations.iter().filter_map(|o| o.kept_rdf.as_deref()) {
        writer.kept(kept);
    }
    for kept in services.iter().filter_map(|s| s.kept_rdf.as_deref()) {
        writer.kept(kept);
    }
    writer.drop_hours_kept_whole();
    writer.graph
}

#[derive(Default)]
struct Writer {
    graph: Graph,
    /// Concepts and places already described (once each).
    referenced: std::collections::HashSet<String>,
    /// The node written for each model id, to tie kept statements to.
    nodes: HashMap<String, NamedOrBlankNode>,
    /// Opening-hours nodes written from the model's text: (the node they belong to, the hours).
    hours: Vec<(NamedOrBlankNode, NamedOrBlankNode)>,
}

impl Writer {
    /// The node for an id: the IRI itself, or a blank node carrying the id as `pietura:localId`.
    fn node(&mut self, id: &str) -> NamedOrBlankNode {
        let node: NamedOrBlankNode = match NamedNode::new(id) {
            Ok(iri) => iri.into(),
            Err(_) => {
                let blank: NamedOrBlankNode = BlankNode::default().into();
                self.literal(&blank, pietura!("localId"), id);
                blank
            }
        };
        self.nodes.insert(id.to_owned(), node.clone());
        node
    }

    /// A record's kept statements, tied to the nodes written for its model ids; a statement
    /// about a model node that is no longer there (edited away) goes with it.
    fn kept(&mut self, n_triples: &str) {
        let resolve = |node: NamedOrBlankNode| -> Option<NamedOrBlankNode> {
            match &node {
                NamedOrBlankNode::NamedNode(n) => match model_node_id(n.as_str()) {
                    Some(id) => self.nodes.get(&id).cloned(),
                    None => Some(node),
                },
                _ => Some(node),
            }
        };
        let mut resolved = Vec::new();
        for triple in parse_kept(n_triples) {
            let Some(subject) = resolve(triple.subject) else { continue };
            let object = match triple.object {
                Term::NamedNode(n) => match resolve(n.into()) {
                    Some(node) => node.into(),
                    None => continue,
                },
                other => other,
            };
            resolved.push(Triple::new(subject, triple.predicate, object));
        }
        for triple in resolved {
            if let Term::NamedNode(value) = &triple.object
                && CONCEPT_VALUED.contains(&triple.predicate.as_str())
            {
                self.typed(&value.clone().into(), skos!("Concept"));
            }
            match &triple.object {
                Term::Literal(text)
                    if TEXT_VALUED.contains(&triple.predicate.as_str())
                        && text.language().is_none()
                        && text.datatype().as_str() == xsd!("string") =>
                {
                    let tagged = Literal::new_language_tagged_literal_unchecked(text.value(), UNDETERMINED);
                    self.graph.insert(&Triple::new(triple.subject, triple.predicate, tagged));
                }
                _ => {
                    self.graph.insert(&triple);
                }
            }
        }
    }

    /// Where opening hours came kept whole (days, times …), the node written from the model's
    /// text for the same owner would say it twice: it goes.
    fn drop_hours_kept_whole(&mut self) {
        let predicate = NamedNode::new_unchecked(cv!("openingHours"));
        for (owner, hours) in std::mem::take(&mut self.hours) {
            let hours_term: Term = hours.clone().into();
            let others = self
                .graph
                .objects_for_subject_predicate(owner.as_ref(), predicate.as_ref())
                .any(|object| object != hours_term.as_ref());
            if others {
                let triples: Vec<Triple> = self.graph.triples_for_subject(hours.as_ref()).map(Triple::from).collect();
                for triple in &triples {
                    self.graph.remove(triple);
                }
                self.graph.remove(&Triple::new(owner, predicate.clone(), hours));
            }
        }
    }

    fn add(&mut self, subject: &NamedOrBlankNode, predicate: &str, object: impl Into<Term>) {
        self.graph.insert(&Triple::new(subject.clone(), NamedNode::new_unchecked(predicate), object));
    }

    fn iri(&mut self, subject: &NamedOrBlankNode, predicate: &str, iri: &str) {
        match NamedNode::new(iri) {
            Ok(object) => self.add(subject, predicate, object),
            // Not an IRI (a municipality name, a Smart Data Models string): kept as text.
            Err(_) => self.literal(subject, predicate, iri),
        }
    }

    fn literal(&mut self, subject: &NamedOrBlankNode, predicate: &str, value: &str) {
        self.add(subject, predicate, Literal::new_simple_literal(value));
    }

    fn optional(&mut self, subject: &NamedOrBlankNode, predicate: &str, value: &Option<String>) {
        if let Some(value) = value {
            self.literal(subject, predicate, value);
        }
    }

    /// `dct:identifier`: the one given, else the node's own id (the CPSV-AP shapes want one on
    /// every channel, cost, requirement, output, evidence …; the id is what identifies it). The
    /// importer reads an identifier equal to the id back as none.
    fn identifier(&mut self, subject: &NamedOrBlankNode, identifier: &Option<String>, id: &str) {
        let value = identifier.as_deref().unwrap_or(id);
        self.literal(subject, dct!("identifier"), value);
    }

    /// A reference to a concept or a place of a controlled vocabulary, typed (the shapes check
    /// the class of what is referred to) and, where this catalogue knows it, labelled.
    fn reference(&mut self, subject: &NamedOrBlankNode, predicate: &str, iri: &str, class: &str) {
        match NamedNode::new(iri) {
            Ok(object) => {
                self.add(subject, predicate, object.clone());
                let node: NamedOrBlankNode = object.into();
                if self.referenced.insert(iri.to_owned()) {
                    self.typed(&node, class);
                    if let Some(label) = known_label(iri) {
                        self.text(&node, skos!("prefLabel"), &label);
                    }
                }
            }
            Err(_) => self.literal(subject, predicate, iri),
        }
    }

    /// A processing time: an ISO 8601 duration typed as such (the shapes want `xsd:duration`);
    /// other text as it is.
    fn duration(&mut self, subject: &NamedOrBlankNode, value: &Option<String>) {
        let Some(value) = value else { return };
        if is_iso_duration(value) {
            let literal = Literal::new_typed_literal(value, NamedNode::new_unchecked(xsd!("duration")));
            self.add(subject, cv!("processingTime"), literal);
        } else {
            self.literal(subject, cv!("processingTime"), value);
        }
    }

    fn text(&mut self, subject: &NamedOrBlankNode, predicate: &str, text: &Text) {
        for (language, value) in text.iter() {
            // Text of unknown language is tagged `und` (BCP 47: undetermined): CPSV-AP wants
            // language-tagged text, and guessing a language would be untrue.
            let language = if language == Text::UNTAGGED { UNDETERMINED } else { language };
            self.add(subject, predicate, Literal::new_language_tagged_literal_unchecked(value, language));
        }
    }

    fn typed(&mut self, subject: &NamedOrBlankNode, ty: &str) {
        self.add(subject, TYPE, NamedNode::new_unchecked(ty));
    }

    fn link(&mut self, subject: &NamedOrBlankNode, predicate: &str, object: &NamedOrBlankNode) {
        self.add(subject, predicate, object.clone());
    }

    fn version(&mut self, subject: &NamedOrBlankNode, version: u64) {
        if version > 0 {
            let literal = Literal::new_typed_literal(version.to_string(), NamedNode::new_unchecked(xsd!("integer")));
            self.add(subject, pietura!("version"), literal);
        }
    }

    fn service(&mut self, service: &PublicService) {
        let node = self.node(&service.id);
        self.typed(&node, cpsv!("PublicService"));
        self.identifier(&node, &service.identifier, &service.id);
        self.text(&node, dct!("title"), &service.name);
        self.text(&node, dct!("description"), &service.description);
        for authority in &service.competent_authorities {
            self.iri(&node, cv!("hasCompetentAuthority"), authority);
        }
        let mut channel_nodes = HashMap::new();
        for channel in &service.channels {
            let channel_node = self.channel(channel);
            channel_nodes.insert(channel.id.clone(), channel_node.clone());
            self.link(&node, cv!("hasChannel"), &channel_node);
        }
        for cost in &service.costs {
            let cost_node = self.node(&cost.id);
            self.typed(&cost_node, cv!("Cost"));
            self.identifier(&cost_node, &cost.identifier, &cost.id);
            if let Some(minor) = cost.value_minor {
                let value = format!("{}.{:02}", minor / 100, minor % 100);
                self.add(
                    &cost_node,
                    cv!("value"),
                    Literal::new_typed_literal(value, NamedNode::new_unchecked(xsd!("decimal"))),
                );
            }
            if let Some(currency) = &cost.currency {
                self.reference(&cost_node, cv!("currency"), &format!("{EUR_CURRENCY}{currency}"), skos!("Concept"));
            }
            self.text(&cost_node, dct!("description"), &cost.description);
            if let Some(channel) = &cost.channel {
                match channel_nodes.get(channel) {
                    Some(channel_node) => self.link(&cost_node, cv!("ifAccessedThrough"), &channel_node.clone()),
                    None => self.iri(&cost_node, cv!("ifAccessedThrough"), channel),
                }
            }
            self.link(&node, cv!("hasCost"), &cost_node);
        }
        let mut evidence_nodes = HashMap::new();
        for requirement in &service.requirements {
            let requirement_node = self.node(&requirement.id);
            self.typed(&requirement_node, cv!("Requirement"));
            self.identifier(&requirement_node, &requirement.identifier, &requirement.id);
            self.text(&requirement_node, dct!("title"), &requirement.name);
            for evidence in &requirement.evidence {
                let evidence_node = self.evidence(evidence, &mut evidence_nodes);
                self.link(&requirement_node, cv!("hasSupportingEvidence"), &evidence_node);
                // The inverse link too, as CPSV-AP files give it (so a round trip keeps it).
                self.link(&evidence_node, cv!("supportsRequirement"), &requirement_node);
            }
            self.link(&node, cv!("holdsRequirement"), &requirement_node);
        }
        for evidence in &service.inputs {
            let evidence_node = self.evidence(evidence, &mut evidence_nodes);
            self.link(&node, cpsv!("hasInput"), &evidence_node);
        }
        for output in &service.outputs {
            let output_node = self.node(&output.id);
            self.typed(&output_node, cv!("Output"));
            self.identifier(&output_node, &output.identifier, &output.id);
            self.text(&output_node, dct!("title"), &output.name);
            self.text(&output_node, dct!("description"), &output.description);
            self.link(&node, cpsv!("produces"), &output_node);
        }
        self.contact_points(&node, &service.contact_points);
        self.duration(&node, &service.processing_time);
        for legal in &service.legal_resources {
            let legal_node = self.node(&legal.id);
            self.typed(&legal_node, eli!("LegalResource"));
            self.identifier(&legal_node, &legal.identifier, &legal.id);
            self.text(&legal_node, dct!("title"), &legal.title);
            self.text(&legal_node, dct!("description"), &legal.description);
            self.link(&node, cv!("hasLegalResource"), &legal_node);
        }
        for event in &service.events {
            let event_node = self.node(&event.id);
            self.typed(&event_node, cv!("Event"));
            self.typed(
                &event_node,
                match event.kind {
                    EventKind::Life => cv!("LifeEvent"),
                    EventKind::Business => cv!("BusinessEvent"),
                },
            );
            self.identifier(&event_node, &event.identifier, &event.id);
            self.text(&event_node, dct!("title"), &event.name);
            self.link(&node, cv!("isGroupedBy"), &event_node);
        }
        for (language, words) in &service.keywords {
            for word in words {
                self.text(&node, dcat!("keyword"), &Text::new().with(language, word));
            }
        }
        if service.status != ServiceStatus::Active {
            let status = match service.status {
                ServiceStatus::Active => "Completed",
                ServiceStatus::UnderDevelopment => "UnderDevelopment",
                ServiceStatus::Deprecated => "Deprecated",
                ServiceStatus::Withdrawn => "Withdrawn",
            };
            self.reference(&node, adms!("status"), &format!("{ADMS_STATUS}{status}"), skos!("Concept"));
        }
        for related in &service.related_services {
            self.iri(&node, dct!("relation"), related);
        }
        for spatial in &service.spatial {
            self.reference(&node, dct!("spatial"), spatial, dct!("Location"));
        }
        for (i, step) in service.steps.iter().enumerate() {
            let step_node: NamedOrBlankNode = BlankNode::default().into();
            let order = Literal::new_typed_literal((i + 1).to_string(), NamedNode::new_unchecked(xsd!("integer")));
            self.add(&step_node, pietura!("order"), order);
            self.text(&step_node, dct!("description"), step);
            self.link(&node, pietura!("step"), &step_node);
        }
        if let Some(url) = &service.online_access_url {
            self.iri(&node, pietura!("onlineAccess"), url);
        }
        if let Some(url) = &service.info_url {
            self.iri(&node, foaf!("page"), url);
        }
        for method in &service.accepted_eid_methods {
            let value = match method {
                EidMethod::Other(other) => other.clone(),
                known => {
                    let name = EID_METHODS.iter().find(|(m, _)| m == known).map(|(_, n)| *n).unwrap_or("other");
                    format!("{EID_METHOD}{name}")
                }
            };
            self.iri(&node, pietura!("acceptedEidMethod"), &value);
        }
        self.version(&node, service.version);
    }

    fn channel(&mut self, channel: &Channel) -> NamedOrBlankNode {
        let node = self.node(&channel.id);
        self.typed(&node, cv!("Channel"));
        self.identifier(&node, &channel.identifier, &channel.id);
        let type_iri = channel.type_iri.clone().unwrap_or_else(|| channel_kind_iri(&channel.kind));
        self.reference(&node, dct!("type"), &type_iri, skos!("Concept"));
        self.text(&node, dct!("description"), &channel.description);
        self.text(&node, pietura!("location"), &channel.location);
        self.opening_hours(&node, &channel.opening_hours);
        self.duration(&node, &channel.processing_time);
        if let Some(url) = &channel.url {
            self.iri(&node, foaf!("page"), url);
        }
        node
    }

    fn evidence(&mut self, evidence: &Evidence, written: &mut HashMap<String, NamedOrBlankNode>) -> NamedOrBlankNode {
        if let Some(node) = written.get(&evidence.id) {
            return node.clone();
        }
        let node = self.node(&evidence.id);
        self.typed(&node, cv!("Evidence"));
        self.identifier(&node, &evidence.identifier, &evidence.id);
        self.text(&node, dct!("title"), &evidence.name);
        self.text(&node, dct!("description"), &evidence.description);
        written.insert(evidence.id.clone(), node.clone());
        node
    }

    fn opening_hours(&mut self, subject: &NamedOrBlankNode, hours: &Text) {
        if !hours.is_empty() {
            let hours_node: NamedOrBlankNode = BlankNode::default().into();
            self.typed(&hours_node, "http://www.w3.org/2006/time#TemporalEntity");
            self.text(&hours_node, dct!("description"), hours);
            self.link(subject, cv!("openingHours"), &hours_node);
            self.hours.push((subject.clone(), hours_node));
        }
    }

    fn contact_points(&mut self, subject: &NamedOrBlankNode, contact_points: &[ContactPoint]) {
        for contact in contact_points {
            let node = self.node(&contact.id);
            self.typed(&node, cv!("ContactPoint"));
            self.identifier(&node, &contact.identifier, &contact.id);
            for email in &contact.email {
                self.literal(&node, cv!("email"), email);
            }
            for telephone in &contact.telephone {
                self.literal(&node, cv!("telephone"), telephone);
            }
            for fax in &contact.fax {
                self.literal(&node, schema!("faxNumber"), fax);
            }
            if let Some(page) = &contact.page {
                self.iri(&node, foaf!("page"), page);
            }
            self.opening_hours(&node, &contact.opening_hours);
            self.link(subject, cv!("contactPoint"), &node);
        }
    }

    fn organisation(&mut self, organisation: &PublicOrganisation) {
        let node = self.node(&organisation.id);
        self.typed(&node, cv!("PublicOrganisation"));
        self.identifier(&node, &organisation.identifier, &organisation.id);
        self.optional(&node, pietura!("registrationNumber"), &organisation.registration_number);
        self.text(&node, skos!("prefLabel"), &organisation.name);
        for spatial in &organisation.spatial {
            self.reference(&node, dct!("spatial"), spatial, dct!("Location"));
        }
        self.optional(&node, pietura!("municipality"), &organisation.municipality);
        self.contact_points(&node, &organisation.contact_points);
        self.optional(&node, pietura!("eAddress"), &organisation.e_address);
        self.version(&node, organisation.version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_minor_units_exactly() {
        assert_eq!(minor_units("12"), Some(1200));
        assert_eq!(minor_units("12.5"), Some(1250));
        assert_eq!(minor_units(" 0.07 "), Some(7));
        for bad in ["", "12.345", "-1", "1,50", "abc", ".5", "1.x"] {
            assert_eq!(minor_units(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_durations_are_told_from_other_text() {
        for good in ["P10D", "P1D", "PT1M", "PT1H30M", "P1Y2M3W4D", "P1DT2H", "PT0.5S"] {
            assert!(is_iso_duration(good), "{good}");
        }
        for bad in ["", "P", "PT", "10 dienas", "P1DT", "PD", "P1H", "PT1D", "P1M1Y", "p1d", "P1.5D"] {
            assert!(!is_iso_duration(bad), "{bad}");
        }
    }

    #[test]
    fn text_of_unknown_language_goes_out_as_und_and_comes_back_untagged() {
        assert_eq!(untagged_if_undetermined(Some("und")), Text::UNTAGGED);
        assert_eq!(untagged_if_undetermined(None), Text::UNTAGGED);
        assert_eq!(untagged_if_undetermined(Some("lv")), "lv");
    }

    #[test]
    fn channel_kinds_and_eid_methods_have_stable_iris() {
        for (kind, _) in CHANNEL_KINDS {
            assert_eq!(&channel_kind_from(&channel_kind_iri(kind)), kind);
        }
        let foreign = "http://data.europa.eu/snb/com-channel/b37115f83e";
        assert_eq!(channel_kind_from(foreign), ChannelKind::Other(foreign.into()));
        assert_eq!(eid_method_from("https://pietura.lv/ns/eid#smart-id"), EidMethod::SmartId);
    }
}
