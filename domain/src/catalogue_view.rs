//! What the desk and the kiosk show of the catalogue, in the reader's language: every text
//! carries the language it is really in, so a missing translation is shown marked, never blank.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    Language,
    catalogue::{Article, ChannelKind, EventKind, PublicOrganisation, PublicService, ServiceStatus, Text},
    markdown,
};

/// A text as shown: `fallback` when it is not in the language asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Local {
    pub text: String,
    pub language: String,
    pub fallback: bool,
}

/// `None` only when the text is empty in every language.
pub fn local(text: &Text, language: Language) -> Option<Local> {
    text.show(language).map(|shown| Local {
        text: shown.text.to_owned(),
        language: shown.language.to_owned(),
        fallback: shown.is_fallback,
    })
}

/// For required texts: never blank, the id stands in when nothing else exists.
fn local_or(text: &Text, language: Language, stand_in: &str) -> Local {
    local(text, language).unwrap_or_else(|| Local {
        text: stand_in.to_owned(),
        language: String::new(),
        fallback: true,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChannelView {
    /// `e_service`, `vpvkac_in_person`, … or `other`.
    pub kind: String,
    pub description: Option<Local>,
    pub location: Option<Local>,
    pub opening_hours: Option<Local>,
    pub processing_time: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostView {
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    pub description: Option<Local>,
    /// The channel kind the cost applies to, when it differs by channel.
    pub channel_kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequirementView {
    pub name: Local,
    pub evidence: Vec<Local>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkView {
    pub id: String,
    pub name: Local,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuthorityView {
    pub id: String,
    pub name: Local,
    pub telephone: Vec<String>,
    pub email: Vec<String>,
    pub page: Option<String>,
    pub e_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ArticleLink {
    pub id: String,
    pub title: String,
    pub language: String,
    pub verified_at: Option<DateTime<Utc>>,
}

/// Everything a service page shows, in order of what clerks look for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServicePage {
    pub id: String,
    pub name: Local,
    pub description: Local,
    pub status: ServiceStatus,
    pub has_e_service: bool,
    pub online_access_url: Option<String>,
    pub info_url: Option<String>,
    pub steps: Vec<Local>,
    pub costs: Vec<CostView>,
    pub channels: Vec<ChannelView>,
    pub requirements: Vec<RequirementView>,
    pub outputs: Vec<Local>,
    pub processing_time: Option<String>,
    pub legal: Vec<LinkView>,
    pub events: Vec<LinkView>,
    pub authorities: Vec<AuthorityView>,
    pub related: Vec<LinkView>,
    pub articles: Vec<ArticleLink>,
    pub eid_methods: Vec<String>,
}

fn kind_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "other".into())
}

/// Channels in the order a client is best served: online first, then a VPVKAC, then the rest.
fn channel_rank(kind: &ChannelKind) -> u8 {
    match kind {
        ChannelKind::EService => 0,
        ChannelKind::VpvkacInPerson => 1,
        ChannelKind::InstitutionInPerson => 2,
        ChannelKind::EAddress => 3,
        ChannelKind::Phone => 4,
        ChannelKind::Email => 5,
        ChannelKind::Post => 6,
        ChannelKind::MobileApp => 7,
        ChannelKind::Other(_) => 8,
    }
}

/// Builds the page from the service and what the device has of its surroundings.
pub fn service_page(
    service: &PublicService,
    authorities: &[PublicOrganisation],
    related: &[PublicService],
    articles: &[Article],
    language: Language,
) -> ServicePage {
    let mut channels: Vec<_> = service.channels.iter().collect();
    channels.sort_by_key(|c| channel_rank(&c.kind));
    let channel_kind = |id: &str| service.channels.iter().find(|c| c.id == id).map(|c| kind_name(&c.kind));
    ServicePage {
        id: service.id.clone(),
        name: local_or(&service.name, language, &service.id),
        description: local_or(&service.description, language, ""),
        status: service.status,
        has_e_service: service.has_e_service(),
        online_access_url: service.online_access_url.clone(),
        info_url: service.info_url.clone(),
        steps: service.steps.iter().filter_map(|s| local(s, language)).collect(),
        costs: service
            .costs
            .iter()
            .map(|c| CostView {
                value_minor: c.value_minor,
                currency: c.currency.clone(),
                description: local(&c.description, language),
                channel_kind: c.channel.as_deref().and_then(channel_kind),
            })
            .collect(),
        channels: channels
            .into_iter()
            .map(|c| ChannelView {
                kind: match &c.kind {
                    ChannelKind::Other(_) => "other".into(),
                    known => kind_name(known),
                },
                description: local(&c.description, language),
                location: local(&c.location, language),
                opening_hours: local(&c.opening_hours, language),
                processing_time: c.processing_time.clone(),
                url: c.url.clone(),
            })
            .collect(),
        requirements: service
            .requirements
            .iter()
            .map(|r| RequirementView {
                name: local_or(&r.name, language, &r.id),
                evidence: r.evidence.iter().map(|e| local_or(&e.name, language, &e.id)).collect(),
            })
            .collect(),
        outputs: service.outputs.iter().filter_map(|o| local(&o.name, language)).collect(),
        processing_time: service.processing_time.clone(),
        legal: service
            .legal_resources
            .iter()
            .map(|l| LinkView {
                id: l.id.clone(),
                name: local(&l.title, language).or_else(|| local(&l.description, language)).unwrap_or(Local {
                    text: l.id.clone(),
                    language: String::new(),
                    fallback: true,
                }),
            })
            .collect(),
        events: service
            .events
            .iter()
            .map(|e| LinkView { id: e.id.clone(), name: local_or(&e.name, language, &e.id) })
            .collect(),
        authorities: service
            .competent_authorities
            .iter()
            .map(|id| match authorities.iter().find(|o| &o.id == id) {
                Some(o) => AuthorityView {
                    id: id.clone(),
                    name: local_or(&o.name, language, id),
                    telephone: o.contact_points.iter().flat_map(|c| c.telephone.clone()).collect(),
                    email: o.contact_points.iter().flat_map(|c| c.email.clone()).collect(),
                    page: o.contact_points.iter().find_map(|c| c.page.clone()),
                    e_address: o.e_address.clone(),
                },
                None => AuthorityView {
                    id: id.clone(),
                    name: Local { text: id.clone(), language: String::new(), fallback: true },
                    telephone: vec![],
                    email: vec![],
                    page: None,
                    e_address: None,
                },
            })
            .collect(),
        related: related
            .iter()
            .map(|r| LinkView { id: r.id.clone(), name: local_or(&r.name, language, &r.id) })
            .collect(),
        articles: articles
            .iter()
            .map(|a| ArticleLink {
                id: a.id.clone(),
                title: a.title.clone(),
                language: a.language.code().to_owned(),
                verified_at: a.verified_at,
            })
            .collect(),
        eid_methods: service.accepted_eid_methods.iter().map(kind_name).collect(),
    }
}

/// An article as the desk shows it: HTML already made safe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ArticlePage {
    pub id: String,
    pub title: String,
    pub language: String,
    pub html: String,
    pub tags: Vec<String>,
    pub owner: LinkView,
    pub version: u64,
    pub verified_at: Option<DateTime<Utc>>,
    pub services: Vec<LinkView>,
}

pub fn article_page(
    article: &Article,
    owner: Option<&PublicOrganisation>,
    services: &[PublicService],
    language: Language,
) -> ArticlePage {
    ArticlePage {
        id: article.id.clone(),
        title: article.title.clone(),
        language: article.language.code().to_owned(),
        html: markdown::to_safe_html(&article.body),
        tags: article.tags.clone(),
        owner: LinkView {
            id: article.owner.clone(),
            name: owner.map_or_else(
                || Local { text: article.owner.clone(), language: String::new(), fallback: true },
                |o| local_or(&o.name, language, &o.id),
            ),
        },
        version: article.version,
        verified_at: article.verified_at,
        services: services
            .iter()
            .map(|s| LinkView { id: s.id.clone(), name: local_or(&s.name, language, &s.id) })
            .collect(),
    }
}

/// A link to a service, by its name in the reader's language.
pub fn service_link(service: &PublicService, language: Language) -> LinkView {
    LinkView { id: service.id.clone(), name: local_or(&service.name, language, &service.id) }
}

/// An institution to browse by.
pub fn institution_entry(organisation: &PublicOrganisation, language: Language) -> BrowseEntry {
    BrowseEntry {
        id: organisation.id.clone(),
        name: local_or(&organisation.name, language, &organisation.id),
        kind: "institution".into(),
    }
}

/// A life or business event, or an institution, to browse by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BrowseEntry {
    pub id: String,
    pub name: Local,
    /// `life`, `business` or `institution`.
    #[cfg_attr(feature = "ts", ts(type = r#""life" | "business" | "institution""#))]
    pub kind: String,
}

pub fn event_entry(id: &str, kind: EventKind, name: &Text, language: Language) -> BrowseEntry {
    BrowseEntry {
        id: id.to_owned(),
        name: local_or(name, language, id),
        kind: match kind {
            EventKind::Life => "life".into(),
            EventKind::Business => "business".into(),
        },
    }
}

/// A life-situation scenario as the person at a desk or kiosk goes through it: the questions
/// with the answers given so far, and every step with whether it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanView {
    pub id: String,
    /// The life or business event it guides through.
    pub event: String,
    pub name: Local,
    pub description: Option<Local>,
    pub questions: Vec<PlanQuestion>,
    pub steps: Vec<PlanStepView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanQuestion {
    pub id: String,
    pub text: Local,
    pub help: Option<Local>,
    pub answer: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanStepView {
    /// Its number among the steps that apply (or may); `None` when left out.
    pub number: Option<u32>,
    pub applies: crate::navigator::Applies,
    pub service: ServicePage,
    pub note: Option<Local>,
    /// Why it is left out (only when it is).
    pub reason: Option<Local>,
}

/// The plan of `scenario` for `answers`: steps whose service the catalogue no longer has are
/// skipped (`page_of` answers `None`), the rest numbered in order among those that apply.
pub fn plan_view(
    scenario: &crate::navigator::Scenario,
    answers: &crate::navigator::Answers,
    language: Language,
    mut page_of: impl FnMut(&str) -> Option<ServicePage>,
) -> Option<PlanView> {
    use crate::navigator::Applies;
    let name = local(&scenario.name, language)?;
    let questions = scenario
        .questions
        .iter()
        .filter_map(|q| {
            Some(PlanQuestion {
                id: q.id.clone(),
                text: local(&q.text, language)?,
                help: local(&q.help, language),
                answer: answers.get(&q.id).copied(),
            })
        })
        .collect();
    let mut number = 0;
    let steps = scenario
        .steps
        .iter()
        .filter_map(|step| {
            let service = page_of(&step.service)?;
            let applies = step.applies(answers);
            let numbered = (applies != Applies::No).then(|| {
                number += 1;
                number
            });
            Some(PlanStepView {
                number: numbered,
                applies,
                service,
                note: local(&step.note, language),
                reason: (applies == Applies::No).then(|| local(&step.otherwise, language)).flatten(),
            })
        })
        .collect();
    Some(PlanView {
        id: scenario.id.clone(),
        event: scenario.event.clone(),
        name,
        description: local(&scenario.description, language),
        questions,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> PublicService {
        serde_json::from_value(serde_json::json!({
            "id": "https://pietura.lv/id/service/dog-fee",
            "name": { "lv": "Suņu nodeva", "en": "Dog fee" },
            "description": { "lv": "Maksā reizi gadā." },
            "competent_authorities": ["https://pietura.lv/id/org/riga", "https://pietura.lv/id/org/unknown"],
            "channels": [
                { "id": "c-office", "kind": "institution_in_person" },
                { "id": "c-online", "kind": "e_service", "url": "https://latvija.gov.lv/x" }
            ],
            "costs": [{ "id": "fee", "value_minor": 1500, "currency": "EUR", "channel": "c-online" }],
            "steps": [{ "lv": "Atveriet e-pakalpojumu." }, { "en": "Pay." }],
            "accepted_eid_methods": ["eid_card"]
        }))
        .unwrap()
    }

    #[test]
    fn a_service_page_marks_missing_translations_and_orders_channels() {
        let riga: PublicOrganisation = serde_json::from_value(serde_json::json!({
            "id": "https://pietura.lv/id/org/riga", "name": { "lv": "Rīgas pašvaldība" }, "spatial": ["LV"],
            "contact_points": [{ "id": "c", "telephone": ["+371 80002800"] }]
        }))
        .unwrap();
        let page = service_page(&service(), &[riga], &[], &[], Language::En);
        assert_eq!(page.name, Local { text: "Dog fee".into(), language: "en".into(), fallback: false });
        assert_eq!((page.description.language.as_str(), page.description.fallback), ("lv", true));
        assert!(page.steps[0].fallback);
        assert_eq!(page.steps[1].text, "Pay.");
        assert_eq!(page.channels[0].kind, "e_service", "online first");
        assert_eq!(page.costs[0].channel_kind.as_deref(), Some("e_service"));
        assert_eq!(page.authorities[0].telephone, ["+371 80002800"]);
        assert!(page.authorities[1].name.fallback, "an organisation the device lacks shows its id, marked");
        assert_eq!(page.eid_methods, ["eid_card"]);
        assert!(page.has_e_service);
    }

    #[test]
    fn an_article_page_carries_safe_html() {
        let article: Article = serde_json::from_value(serde_json::json!({
            "id": "a", "title": "T", "body": "**Svarīgi** <script>alert(1)</script>", "language": "lv",
            "owner": "https://pietura.lv/id/org/riga"
        }))
        .unwrap();
        let page = article_page(&article, None, &[service()], Language::Lv);
        assert!(page.html.contains("<strong>Svarīgi</strong>"));
        assert!(!page.html.contains("<script"));
        assert_eq!(page.services[0].name.text, "Suņu nodeva");
        assert!(page.owner.name.fallback);
    }
}
