//! The public service catalogue and knowledge base, after CPSV-AP 3.2 (the EU's Core Public
//! Service Vocabulary Application Profile), plus what users of CPSV-AP ask for and desks need:
//! numbered procedural steps, an online-access link apart from the information link, and the
//! accepted eID methods.
//!
//! Identifiers are kept as given (IRIs in CPSV-AP data) and text keeps every language it came
//! with, so an import → export round trip loses nothing. Validation reports every problem at
//! once, each with the path of the field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Language;

/// Text in several languages, keyed by lower-case language tag (`lv`, `en`, `fr`, …). Text whose
/// language was not given (untagged RDF literals) is kept under [`Text::UNTAGGED`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(BTreeMap<String, String>);

/// Text as shown to someone who asked for another language: `is_fallback` says the UI must
/// mark it ("only in Latvian"), never show a blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown<'a> {
    pub text: &'a str,
    pub language: &'a str,
    pub is_fallback: bool,
}

impl Text {
    /// The key of text whose language is unknown.
    pub const UNTAGGED: &'static str = "";

    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the text in `language` (`""` when unknown); blank text is not stored.
    pub fn with(mut self, language: &str, text: &str) -> Self {
        self.set(language, text);
        self
    }

    pub fn set(&mut self, language: &str, text: &str) {
        let text = text.trim();
        let language = language.trim().to_ascii_lowercase();
        if text.is_empty() {
            return;
        }
        self.0.insert(language, text.to_owned());
    }

    pub fn get(&self, language: &str) -> Option<&str> {
        self.0.get(language).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// All texts, language first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(l, t)| (l.as_str(), t.as_str()))
    }

    /// The text in `preferred`, else Latvian, else English, else any language there is.
    pub fn show(&self, preferred: Language) -> Option<Shown<'_>> {
        let found = |code: &str| self.0.get_key_value(code);
        let (language, text) = found(preferred.code())
            .or_else(|| found(Language::Lv.code()))
            .or_else(|| found(Language::En.code()))
            .or_else(|| self.0.iter().next())?;
        Some(Shown { text, language, is_fallback: language != preferred.code() })
    }

    /// [`Text::show`]'s words as an owned string, or `stand_in` when there are none (for plain
    /// text: documents, messages, notes).
    pub fn show_or(&self, preferred: Language, stand_in: &str) -> String {
        self.show(preferred).map_or_else(|| stand_in.to_owned(), |shown| shown.text.to_owned())
    }
}

/// A problem found by validation: the path of the field (`channels[1].url`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub path: String,
    pub problem: String,
}

/// The lifecycle of a service description (ADMS status vocabulary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    #[default]
    Active,
    UnderDevelopment,
    Deprecated,
    /// Retired: kept as a tombstone so devices remove it.
    Withdrawn,
}

/// How a service is reached. The catalogue's vocabulary, also used for case channels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// In person at the institution's own office.
    InstitutionInPerson,
    /// In person at a state and municipal client service centre (VPVKAC).
    VpvkacInPerson,
    /// An e-service (online).
    EService,
    Phone,
    Email,
    /// The official electronic address (e-adrese).
    EAddress,
    Post,
    MobileApp,
    /// A channel type this build does not know, kept by its vocabulary IRI.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub kind: ChannelKind,
    /// The channel type as given in CPSV-AP data (e.g. a Europass channel IRI), kept for export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_iri: Option<String>,
    #[serde(default)]
    pub description: Text,
    /// Where to go: an address, a web page, a phone number, as text per language.
    #[serde(default)]
    pub location: Text,
    #[serde(default)]
    pub opening_hours: Text,
    /// ISO 8601 duration, e.g. `P10D`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// In the currency's minor unit (euro cents), so sums are exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default)]
    pub description: Text,
    /// The channel this cost applies to, when it differs by channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub name: Text,
    #[serde(default)]
    pub description: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub name: Text,
    /// Evidence that satisfies it.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub name: Text,
    #[serde(default)]
    pub description: Text,
}

/// A law or regulation the service rests on (ELI IRI, likumi.lv link, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalResource {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default)]
    pub title: Text,
    #[serde(default)]
    pub description: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Life,
    Business,
}

/// A life or business event the service belongs to ("birth of a child", "starting a business").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub kind: EventKind,
    #[serde(default)]
    pub name: Text,
}

/// Ways a person can prove who they are online for this service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EidMethod {
    /// The Latvian eID card.
    EidCard,
    /// eParaksts mobile.
    EparakstsMobile,
    SmartId,
    /// Internet bank authentication.
    Bank,
    /// Another EU country's notified eID (eIDAS).
    Eidas,
    Other(String),
}

/// A public service, as CPSV-AP's `cpsv:PublicService`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicService {
    /// The service's IRI.
    pub id: String,
    /// `dct:identifier`: the identifier its publisher gives it, apart from the IRI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub name: Text,
    pub description: Text,
    /// Organisations responsible (`cv:hasCompetentAuthority`), by id; at least one.
    pub competent_authorities: Vec<String>,
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub costs: Vec<Cost>,
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Evidence the applicant brings (`cpsv:hasInput`), also when no requirement names it.
    #[serde(default)]
    pub inputs: Vec<Evidence>,
    #[serde(default)]
    pub outputs: Vec<Output>,
    #[serde(default)]
    pub contact_points: Vec<ContactPoint>,
    /// ISO 8601 duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<String>,
    #[serde(default)]
    pub legal_resources: Vec<LegalResource>,
    #[serde(default)]
    pub events: Vec<EventRef>,
    /// Keywords per language.
    #[serde(default)]
    pub keywords: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub status: ServiceStatus,
    #[serde(default)]
    pub related_services: Vec<String>,
    /// Where the service applies (ATU/LAU IRIs or municipality names).
    #[serde(default)]
    pub spatial: Vec<String>,
    /// Numbered procedural steps, in order (step 1 first).
    #[serde(default)]
    pub steps: Vec<Text>,
    /// Where to start the e-service, apart from the information page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_access_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info_url: Option<String>,
    #[serde(default)]
    pub accepted_eid_methods: Vec<EidMethod>,
    /// Incremented on every change; updates name the version they replace (409 on mismatch).
    #[serde(default)]
    pub version: u64,
    /// What an imported CPSV-AP description said that this model has no place for (such as
    /// `cv:hasInputType` or special opening hours), as canonical N-Triples, so that the export
    /// gives it back (issue 21). Pietura itself does not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_rdf: Option<String>,
}

impl PublicService {
    /// Every problem with this description, empty when it is valid.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Problems::default();
        problems.require_id("id", &self.id);
        problems.require_text("name", &self.name);
        problems.require_text("description", &self.description);
        if self.competent_authorities.is_empty() {
            problems.add("competent_authorities", "at least one competent authority is required");
        }
        for (i, authority) in self.competent_authorities.iter().enumerate() {
            problems.require_id(&format!("competent_authorities[{i}]"), authority);
        }
        for (i, channel) in self.channels.iter().enumerate() {
            let path = format!("channels[{i}]");
            problems.require_id(&format!("{path}.id"), &channel.id);
            problems.check_url(&format!("{path}.url"), channel.url.as_deref());
            problems.check_duration(&format!("{path}.processing_time"), channel.processing_time.as_deref());
        }
        for (i, cost) in self.costs.iter().enumerate() {
            let path = format!("costs[{i}]");
            problems.require_id(&format!("{path}.id"), &cost.id);
            if cost.value_minor.is_some_and(|v| v < 0) {
                problems.add(&format!("{path}.value_minor"), "a cost cannot be negative");
            }
            if cost.value_minor.is_some() && cost.currency.as_deref().is_none_or(|c| c.len() != 3) {
                problems
                    .add(&format!("{path}.currency"), "a cost with a value needs a three-letter currency code (EUR)");
            }
            if let Some(channel) = &cost.channel
                && !self.channels.iter().any(|c| &c.id == channel)
            {
                problems.add(&format!("{path}.channel"), format!("no channel of this service has the id {channel:?}"));
            }
        }
        for (i, requirement) in self.requirements.iter().enumerate() {
            problems.require_id(&format!("requirements[{i}].id"), &requirement.id);
            problems.require_text(&format!("requirements[{i}].name"), &requirement.name);
            for (j, evidence) in requirement.evidence.iter().enumerate() {
                problems.require_id(&format!("requirements[{i}].evidence[{j}].id"), &evidence.id);
                problems.require_text(&format!("requirements[{i}].evidence[{j}].name"), &evidence.name);
            }
        }
        for (i, output) in self.outputs.iter().enumerate() {
            problems.require_id(&format!("outputs[{i}].id"), &output.id);
            problems.require_text(&format!("outputs[{i}].name"), &output.name);
        }
        for (i, step) in self.steps.iter().enumerate() {
            problems.require_text(&format!("steps[{i}]"), step);
        }
        for (i, evidence) in self.inputs.iter().enumerate() {
            problems.require_id(&format!("inputs[{i}].id"), &evidence.id);
            problems.require_text(&format!("inputs[{i}].name"), &evidence.name);
        }
        problems.check_contact_points(&self.contact_points);
        problems.check_duration("processing_time", self.processing_time.as_deref());
        problems.check_url("online_access_url", self.online_access_url.as_deref());
        problems.check_url("info_url", self.info_url.as_deref());
        if self.related_services.iter().any(|r| r == &self.id) {
            problems.add("related_services", "a service cannot be related to itself");
        }
        problems.0
    }

    /// Whether a change from `self` to `newer` touches what clerks advise on — steps, costs,
    /// channels or legal basis — so that articles linked to the service need re-verifying.
    pub fn advice_changed(&self, newer: &PublicService) -> bool {
        self.steps != newer.steps
            || self.costs != newer.costs
            || self.channels != newer.channels
            || self.legal_resources != newer.legal_resources
    }

    /// Whether the service can be done online.
    pub fn has_e_service(&self) -> bool {
        self.online_access_url.is_some() || self.channels.iter().any(|c| c.kind == ChannelKind::EService)
    }
}

/// A public organisation, as CPSV-AP's `cv:PublicOrganisation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicOrganisation {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The Register of Enterprises / state register number, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub name: Text,
    /// ATU/LAU IRIs or names of the territory it serves; at least one.
    pub spatial: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default)]
    pub contact_points: Vec<ContactPoint>,
    /// Its official electronic address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_address: Option<String>,
    #[serde(default)]
    pub version: u64,
    /// What an imported CPSV-AP description said that this model has no place for (such as
    /// `cv:hasInputType` or special opening hours), as canonical N-Triples, so that the export
    /// gives it back (issue 21). Pietura itself does not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_rdf: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    pub id: String,
    /// `dct:identifier` as given, apart from the node's IRI (`id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telephone: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fax: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default)]
    pub opening_hours: Text,
}

impl PublicOrganisation {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Problems::default();
        problems.require_id("id", &self.id);
        problems.require_text("name", &self.name);
        if self.spatial.is_empty() {
            problems.add("spatial", "at least one territory is required");
        }
        if let Some(number) = &self.registration_number
            && (number.len() != 11 || !number.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.add("registration_number", "a Latvian registration number has 11 digits");
        }
        problems.check_contact_points(&self.contact_points);
        problems.0
    }
}

/// Where an article stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    #[default]
    Published,
    Retired,
}

/// A knowledge-base article for clerks: how to advise on one or more services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub language: Language,
    #[serde(default)]
    pub linked_services: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The organisation that owns and verifies it.
    pub owner: String,
    #[serde(default)]
    pub version: u64,
    /// When its owner last confirmed it is correct; `None` after a linked service's advice
    /// changed, until re-verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: ArticleStatus,
}

impl Article {
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Problems::default();
        problems.require_id("id", &self.id);
        problems.require_id("owner", &self.owner);
        if self.title.trim().is_empty() {
            problems.add("title", "must not be empty");
        }
        if self.body.trim().is_empty() {
            problems.add("body", "must not be empty");
        }
        if self.body.len() > 200_000 {
            problems.add("body", "must be at most 200,000 bytes");
        }
        problems.0
    }

    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }
}

#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<FieldProblem>);

impl Problems {
    pub(crate) fn add(&mut self, path: &str, problem: impl Into<String>) {
        self.0.push(FieldProblem { path: path.to_owned(), problem: problem.into() });
    }

    pub(crate) fn require_id(&mut self, path: &str, id: &str) {
        if id.trim().is_empty() {
            self.add(path, "an identifier is required");
        } else if id.len() > 500 || id.chars().any(char::is_control) {
            self.add(path, "an identifier must be at most 500 characters, without control characters");
        }
    }

    fn require_text(&mut self, path: &str, text: &Text) {
        if text.is_empty() {
            self.add(path, "text in at least one language is required");
        }
    }

    fn check_url(&mut self, path: &str, url: Option<&str>) {
        if let Some(url) = url {
            let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/') || r.contains(char::is_whitespace)) {
                self.add(path, "must be a web address starting with https:// (or http://)");
            }
        }
    }

    fn check_contact_points(&mut self, contact_points: &[ContactPoint]) {
        for (i, contact) in contact_points.iter().enumerate() {
            self.require_id(&format!("contact_points[{i}].id"), &contact.id);
            self.check_url(&format!("contact_points[{i}].page"), contact.page.as_deref());
            if contact.email.iter().any(|e| !e.contains('@')) {
                self.add(&format!("contact_points[{i}].email"), "an e-mail address needs an @");
            }
        }
    }

    fn check_duration(&mut self, path: &str, duration: Option<&str>) {
        if let Some(duration) = duration
            && !is_iso_duration(duration)
        {
            self.add(path, "must be an ISO 8601 duration such as P10D or PT2H");
        }
    }
}

/// `P[nY][nM][nW][nD][T[nH][nM][nS]]` with at least one part.
fn is_iso_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else { return false };
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let parts_ok = |part: &str, units: &str| -> Option<usize> {
        let mut count = 0;
        let mut digits = 0;
        let mut last_unit = None;
        for c in part.chars() {
            if c.is_ascii_digit() {
                digits += 1;
            } else {
                let position = units.find(c)?;
                if digits == 0 || last_unit.is_some_and(|l| l >= position) {
                    return None;
                }
                last_unit = Some(position);
                digits = 0;
                count += 1;
            }
        }
        (digits == 0).then_some(count)
    };
    let Some(date_parts) = parts_ok(date, "YMWD") else { return false };
    match time {
        None => date_parts > 0,
        Some(time) => parts_ok(time, "HMS").is_some_and(|n| n > 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> PublicService {
        PublicService {
            id: "https://pakalpojumi.example.lv/suņu-reģistrācija".into(),
            identifier: Some("SR-1".into()),
            name: Text::new().with("lv", "Suņu reģistrācija").with("en", "Dog registration"),
            description: Text::new().with("lv", "Suns jāreģistrē pašvaldībā."),
            competent_authorities: vec!["https://org.example.lv/ldc".into()],
            channels: vec![Channel {
                id: "ch-1".into(),
                identifier: None,
                kind: ChannelKind::EService,
                type_iri: None,
                description: Text::new(),
                location: Text::new(),
                opening_hours: Text::new(),
                processing_time: Some("P5D".into()),
                url: Some("https://latvija.gov.lv/".into()),
            }],
            costs: vec![Cost {
                id: "cost-1".into(),
                identifier: None,
                value_minor: Some(500),
                currency: Some("EUR".into()),
                description: Text::new(),
                channel: Some("ch-1".into()),
            }],
            requirements: vec![],
            inputs: vec![],
            outputs: vec![],
            contact_points: vec![],
            processing_time: Some("P1M".into()),
            legal_resources: vec![],
            events: vec![],
            keywords: BTreeMap::new(),
            status: ServiceStatus::Active,
            related_services: vec![],
            spatial: vec![],
            steps: vec![Text::new().with("lv", "Aizpildiet iesniegumu.")],
            online_access_url: Some("https://latvija.gov.lv/e-pakalpojums".into()),
            info_url: None,
            accepted_eid_methods: vec![EidMethod::EidCard, EidMethod::EparakstsMobile],
            version: 1,
            kept_rdf: None,
        }
    }

    #[test]
    fn missing_translations_fall_back_visibly() {
        let text = Text::new().with("lv", "Suņu reģistrācija").with("fr", "Enregistrement");
        assert_eq!(
            text.show(Language::Lv),
            Some(Shown { text: "Suņu reģistrācija", language: "lv", is_fallback: false })
        );
        assert_eq!(
            text.show(Language::En),
            Some(Shown { text: "Suņu reģistrācija", language: "lv", is_fallback: true })
        );
        let french_only = Text::new().with("FR", " Enregistrement ");
        assert_eq!(french_only.show(Language::En).unwrap().language, "fr");
        assert_eq!(french_only.get("fr"), Some("Enregistrement"));
        assert_eq!(Text::new().with("lv", "   ").show(Language::Lv), None, "blank text is never stored");
        let untagged = Text::new().with(Text::UNTAGGED, "Förderansuchen");
        assert_eq!(untagged.show(Language::Lv).unwrap().language, "");
        assert!(untagged.show(Language::Lv).unwrap().is_fallback);
    }

    #[test]
    fn a_complete_service_is_valid() {
        assert_eq!(service().problems(), []);
        assert!(service().has_e_service());
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut bad = service();
        bad.name = Text::new();
        bad.competent_authorities.clear();
        bad.channels[0].url = Some("ftp://x".into());
        bad.channels[0].processing_time = Some("5 days".into());
        bad.costs[0].value_minor = Some(-1);
        bad.costs[0].channel = Some("nope".into());
        bad.steps.push(Text::new());
        bad.related_services.push(bad.id.clone());
        let paths: Vec<String> = bad.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "name",
                "competent_authorities",
                "channels[0].url",
                "channels[0].processing_time",
                "costs[0].value_minor",
                "costs[0].channel",
                "steps[1]",
                "related_services"
            ]
        );
    }

    #[test]
    fn iso_durations_are_checked() {
        for ok in ["P10D", "P1M", "PT2H", "P1Y2M3DT4H5M6S", "P2W"] {
            assert!(is_iso_duration(ok), "{ok}");
        }
        for bad in ["", "P", "PT", "10D", "P10", "PD", "P1D2Y", "P1H", "PT1D", "P1DT"] {
            assert!(!is_iso_duration(bad), "{bad}");
        }
    }

    #[test]
    fn only_advice_relevant_changes_unverify_articles() {
        let old = service();
        let mut renamed = old.clone();
        renamed.name = Text::new().with("lv", "Mājdzīvnieku reģistrācija");
        assert!(!old.advice_changed(&renamed));
        let mut cheaper = old.clone();
        cheaper.costs[0].value_minor = Some(300);
        assert!(old.advice_changed(&cheaper));
        let mut new_step = old.clone();
        new_step.steps.push(Text::new().with("lv", "Samaksājiet nodevu."));
        assert!(old.advice_changed(&new_step));
    }

    #[test]
    fn organisations_and_articles_are_validated() {
        let org = PublicOrganisation {
            id: "https://org.example.lv/pmlp".into(),
            identifier: None,
            registration_number: Some("90000013771".into()),
            name: Text::new().with("lv", "Pilsonības un migrācijas lietu pārvalde"),
            spatial: vec!["LV".into()],
            municipality: None,
            contact_points: vec![ContactPoint {
                id: "https://org.example.lv/pmlp#contact".into(),
                email: vec!["pasts@pmlp.gov.lv".into()],
                ..Default::default()
            }],
            e_address: None,
            version: 1,
            kept_rdf: None,
        };
        assert_eq!(org.problems(), []);
        let bad = PublicOrganisation { registration_number: Some("123".into()), spatial: vec![], ..org };
        let paths: Vec<String> = bad.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["spatial", "registration_number"]);
        let article = Article {
            id: "a-1".into(),
            title: "Kā reģistrēt suni".into(),
            body: "1. Pārbaudiet čipu.".into(),
            language: Language::Lv,
            linked_services: vec![],
            tags: vec![],
            owner: "https://org.example.lv/ldc".into(),
            version: 1,
            verified_at: None,
            status: ArticleStatus::Published,
        };
        assert_eq!(article.problems(), []);
        assert!(!article.is_verified());
        assert_eq!(Article { title: " ".into(), ..article }.problems()[0].path, "title");
    }

    #[test]
    fn services_round_trip_through_json() {
        let original = service();
        let json = serde_json::to_string(&original).unwrap();
        assert_eq!(serde_json::from_str::<PublicService>(&json).unwrap(), original);
        let other = ChannelKind::Other("http://data.europa.eu/snb/com-channel/b37115f83e".into());
        let json = serde_json::to_string(&other).unwrap();
        assert_eq!(serde_json::from_str::<ChannelKind>(&json).unwrap(), other);
    }
}
