//! Changing the catalogue: who may change what, validation, versions, and the knock-on effect
//! that linked articles become unverified when a service's advice changes. One call is one
//! transaction of the store, whatever it touches.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::catalogue::{Article, ArticleStatus, FieldProblem, PublicOrganisation, PublicService, ServiceStatus};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use super::files::CatalogueFile;
use crate::store::{ArticleFlag, Device, RecordChange, RecordKind, Store, StoreError, StoredRecord};

/// Who is changing the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Editor {
    /// An institution through its API key; `central` editors may change every record.
    Institution { id: String, central: bool },
    /// The operator at the command line (imports): may change everything, versions unchecked.
    Operator,
}

impl Editor {
    fn may_change(&self, owner: &str) -> bool {
        match self {
            Editor::Institution { id, central } => *central || id == owner,
            Editor::Operator => true,
        }
    }

    /// The version to check: institutions name the one they replace, operators overwrite.
    fn expected(&self, version: u64) -> Option<u64> {
        match self {
            Editor::Institution { .. } => Some(version),
            Editor::Operator => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the {kind} is not valid: {}", describe(.problems))]
    Invalid { kind: &'static str, problems: Vec<FieldProblem> },
    #[error("{0}")]
    Forbidden(String),
    #[error("there is no {kind} {id}")]
    NotFound { kind: &'static str, id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn describe(problems: &[FieldProblem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.path, p.problem)).collect::<Vec<_>>().join("; ")
}

/// Why a clerk flags an article.
pub const FLAG_REASONS: &[&str] = &["outdated", "missing_information", "other"];

#[derive(Clone)]
pub struct Catalogue {
    store: Arc<dyn Store>,
    /// The server's reads kept in memory, forgotten at every publication through it.
    reads: Option<Arc<super::reads::CatalogueReads>>,
}

impl Catalogue {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, reads: None }
    }

    /// The same, telling `reads` when it publishes (a server's writes are read back at once).
    pub fn forgetting(store: Arc<dyn Store>, reads: Arc<super::reads::CatalogueReads>) -> Self {
        Self { store, reads: Some(reads) }
    }

    /// Creates (`version` 0) or updates (`version` = the one replaced) a service.
    pub async fn put_service(
        &self,
        editor: &Editor,
        service: PublicService,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        check_valid("service", service_problems(&service))?;
        let current = self.store.catalogue_record(RecordKind::Service, &service.id).await?;
        let owner = match (&current, editor) {
            (Some(current), _) => current.owner.clone(),
            (None, Editor::Institution { id, central }) => {
                if !central && !service.competent_authorities.contains(id) {
                    return Err(EditError::Forbidden(format!(
                        "a new service must name your institution ({id}) among its competent authorities"
                    )));
                }
                id.clone()
            }
            (None, Editor::Operator) => service.competent_authorities[0].clone(),
        };
        if !editor.may_change(&owner) {
            return Err(EditError::Forbidden(format!("the service {} belongs to {owner}", service.id)));
        }
        let mut changes = vec![record_change(
            RecordKind::Service,
            &service.id,
            &owner,
            editor.expected(service.version),
            false,
            &service,
            vec![],
        )];
        if let Some(current) = current.filter(|c| !c.retired) {
            let old: PublicService = parse_document(&current)?;
            if old.advice_changed(&service) {
                changes.extend(self.unverify_articles_of(&service.id).await?);
            }
        }
        let stored = self.publish(editor, changes, now).await?;
        if stored.len() > 1 {
            tracing::info!(service = %service.id, articles = stored.len() - 1, "advice changed: linked articles need re-verifying");
        }
        Ok(stored.into_iter().next().expect("the service's own change"))
    }

    /// Publishes a version of an e-form for a service the editor's institution holds (is a
    /// competent authority of); the same version again with the same content changes nothing.
    pub async fn put_form(
        &self,
        editor: &Editor,
        definition: forms::FormDefinition,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        let id = definition.id.clone();
        let form = forms::CompiledForm::compile(definition)
            .map_err(|e| EditError::Invalid { kind: "form", problems: form_problems(e) })?;
        let definition = form.definition().clone();
        let service = self.live_service_for_form(&definition).await?;
        let owner = match editor {
            Editor::Institution { id, central } => {
                if !central && !service.competent_authorities.contains(id) {
                    return Err(EditError::Forbidden(format!(
                        "the service {} is held by {}: an institution publishes forms only for services it holds",
                        service.id,
                        service.competent_authorities.join(", ")
                    )));
                }
                id.clone()
            }
            Editor::Operator => service.competent_authorities[0].clone(),
        };
        match self.form_change(editor, definition, &owner).await? {
            Some(change) => Ok(self.publish(editor, vec![change], now).await?.remove(0)),
            None => self.live(RecordKind::Form, &id).await,
        }
    }

    /// The live service a form names, or why there is none (at the form's `service`).
    async fn live_service_for_form(&self, definition: &forms::FormDefinition) -> Result<PublicService, EditError> {
        match self.live(RecordKind::Service, &definition.service).await {
            Ok(record) => parse_document(&record),
            Err(EditError::NotFound { .. }) => Err(EditError::Invalid {
                kind: "form",
                problems: vec![FieldProblem {
                    path: "/service".into(),
                    problem: format!("the service {} is not in the catalogue", definition.service),
                }],
            }),
            Err(other) => Err(other),
        }
    }

    /// The change that adds `definition` to its form's record; `None` when it is there already.
    async fn form_change(
        &self,
        editor: &Editor,
        definition: forms::FormDefinition,
        owner: &str,
    ) -> Result<Option<RecordChange>, EditError> {
        let current = self.store.catalogue_record(RecordKind::Form, &definition.id).await?;
        if let Some(current) = &current
            && !editor.may_change(&current.owner)
        {
            return Err(EditError::Forbidden(format!("the form {} belongs to {}", current.id, current.owner)));
        }
        let live: Option<forms::FormRecord> =
            current.as_ref().filter(|c| !c.retired).map(parse_document).transpose()?;
        let owner = current.as_ref().map_or(owner, |c| c.owner.as_str()).to_owned();
        let expected = editor.expected(current.as_ref().map_or(0, |c| c.version));
        match forms::FormRecord::publish(live.as_ref(), definition) {
            Ok(forms::Publication::Unchanged) => Ok(None),
            Ok(forms::Publication::Changed(record)) => {
                Ok(Some(record_change(RecordKind::Form, &record.id, &owner, expected, false, &record, vec![])))
            }
            Err(problem) => Err(EditError::Invalid {
                kind: "form",
                problems: vec![FieldProblem { path: problem.path, problem: problem.reason }],
            }),
        }
    }

    /// Writes the changes (one transaction), then records each publication in the audit log:
    /// who published or retired which record at which version.
    async fn publish(
        &self,
        editor: &Editor,
        changes: Vec<RecordChange>,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, EditError> {
        let stored = self.store.apply_catalogue_changes(changes, now).await?;
        if let Some(reads) = &self.reads {
            reads.forget();
        }
        let actor = match editor {
            Editor::Institution { id, .. } => format!("institution:{id}"),
            Editor::Operator => "operator".to_owned(),
        };
        for record in &stored {
            let action = if record.retired { "catalogue_retired" } else { "catalogue_published" };
            let detail = format!("{:?} version {}, owner {}", record.kind, record.version, record.owner);
            let entry = crate::audit::NewAuditEntry::new(now, actor.clone(), action, record.id.clone(), detail);
            self.store.append_audit(entry).await?;
        }
        Ok(stored)
    }

    /// Linked, verified articles with `verified_at` cleared, at the version they have now.
    async fn unverify_articles_of(&self, service_id: &str) -> Result<Vec<RecordChange>, EditError> {
        let mut changes = Vec::new();
        for record in self.store.articles_linked_to(service_id).await? {
            let mut article: Article = parse_document(&record)?;
            if record.retired || article.verified_at.is_none() {
                continue;
            }
            article.verified_at = None;
            let links = article.linked_services.clone();
            changes.push(record_change(
                RecordKind::Article,
                &article.id,
                &record.owner,
                Some(record.version),
                false,
                &article,
                links,
            ));
        }
        Ok(changes)
    }

    pub async fn put_organisation(
        &self,
        editor: &Editor,
        organisation: PublicOrganisation,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        check_valid("organisation", organisation_problems(&organisation))?;
        // An organisation's record belongs to the organisation itself.
        if !editor.may_change(&organisation.id) {
            return Err(EditError::Forbidden(format!("only {} or a central editor may describe it", organisation.id)));
        }
        let change = record_change(
            RecordKind::Organisation,
            &organisation.id,
            &organisation.id,
            editor.expected(organisation.version),
            false,
            &organisation,
            vec![],
        );
        Ok(self.publish(editor, vec![change], now).await?.remove(0))
    }

    /// Writes an article; its owner writing it confirms it, so it is verified now.
    pub async fn put_article(
        &self,
        editor: &Editor,
        mut article: Article,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        check_valid("article", article.problems())?;
        let current = self.store.catalogue_record(RecordKind::Article, &article.id).await?;
        let owner = owner_check(editor, RecordKind::Article, &article.id, &article.owner, current.as_ref())?;
        if article.status == ArticleStatus::Published {
            article.verified_at = Some(now);
        }
        let links = article.linked_services.clone();
        let change = record_change(
            RecordKind::Article,
            &article.id,
            &owner,
            editor.expected(article.version),
            false,
            &article,
            links,
        );
        Ok(self.publish(editor, vec![change], now).await?.remove(0))
    }

    /// Publishes a life-situation scenario: checked field by field, and every step's service
    /// must be in the catalogue (a plan never points at nothing). An institution publishes its
    /// own scenarios; the owner never changes.
    pub async fn put_scenario(
        &self,
        editor: &Editor,
        scenario: domain::navigator::Scenario,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        let mut problems = scenario.problems();
        for (i, step) in scenario.steps.iter().enumerate() {
            if matches!(self.live(RecordKind::Service, &step.service).await, Err(EditError::NotFound { .. })) {
                problems.push(FieldProblem {
                    path: format!("steps[{i}].service"),
                    problem: format!("the service {} is not in the catalogue", step.service),
                });
            }
        }
        check_valid("scenario", problems)?;
        let current = self.store.catalogue_record(RecordKind::Scenario, &scenario.id).await?;
        let owner = owner_check(editor, RecordKind::Scenario, &scenario.id, &scenario.owner, current.as_ref())?;
        if let Some(current) = &current
            && !current.retired
            && Self::unchanged(Some(current), &scenario)?
        {
            return Ok(current.clone());
        }
        let expected = editor.expected(current.as_ref().map_or(0, |c| c.version));
        let change = record_change(RecordKind::Scenario, &scenario.id, &owner, expected, false, &scenario, vec![]);
        Ok(self.publish(editor, vec![change], now).await?.remove(0))
    }

    /// Every live scenario, for export.
    pub async fn live_scenarios(&self) -> Result<Vec<domain::navigator::Scenario>, EditError> {
        let mut scenarios = Vec::new();
        for record in self.store.catalogue_records(RecordKind::Scenario).await? {
            if !record.retired {
                scenarios.push(parse_document(&record)?);
            }
        }
        Ok(scenarios)
    }

    /// The owner confirms an article is still right (after a linked service changed).
    pub async fn verify_article(
        &self,
        editor: &Editor,
        id: &str,
        version: u64,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        let record = self.live(RecordKind::Article, id).await?;
        if !editor.may_change(&record.owner) {
            return Err(EditError::Forbidden(format!("the article {id} belongs to {}", record.owner)));
        }
        let mut article: Article = parse_document(&record)?;
        article.verified_at = Some(now);
        let links = article.linked_services.clone();
        let change =
            record_change(RecordKind::Article, id, &record.owner, editor.expected(version), false, &article, links);
        Ok(self.publish(editor, vec![change], now).await?.remove(0))
    }

    /// Retires a record: it stays as a tombstone in the feed so devices remove it.
    pub async fn retire(
        &self,
        editor: &Editor,
        kind: RecordKind,
        id: &str,
        version: u64,
        now: DateTime<Utc>,
    ) -> Result<StoredRecord, EditError> {
        let record = self.live(kind, id).await?;
        if !editor.may_change(&record.owner) {
            return Err(EditError::Forbidden(format!("the {} {id} belongs to {}", kind.as_str(), record.owner)));
        }
        let mut document: serde_json::Value =
            serde_json::from_str(&record.document).map_err(|e| corrupt(&record, e))?;
        match kind {
            RecordKind::Service => {
                document["status"] = serde_json::to_value(ServiceStatus::Withdrawn).unwrap_or_default()
            }
            RecordKind::Article => {
                document["status"] = serde_json::to_value(ArticleStatus::Retired).unwrap_or_default()
            }
            RecordKind::Organisation | RecordKind::Form | RecordKind::Scenario => {}
        }
        let change = RecordChange {
            kind,
            id: id.to_owned(),
            owner: record.owner.clone(),
            expected_version: editor.expected(version),
            retired: true,
            document,
            linked_services: vec![],
        };
        Ok(self.publish(editor, vec![change], now).await?.remove(0))
    }

    /// A clerk flags an article for its owner.
    pub async fn flag_article(
        &self,
        device: &Device,
        article_id: &str,
        reason: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<ArticleFlag, EditError> {
        if !FLAG_REASONS.contains(&reason) {
            return Err(EditError::Invalid {
                kind: "flag",
                problems: vec![FieldProblem {
                    path: "reason".into(),
                    problem: format!("must be one of {FLAG_REASONS:?}"),
                }],
            });
        }
        if note.chars().count() > 2_000 {
            return Err(EditError::Invalid {
                kind: "flag",
                problems: vec![FieldProblem {
                    path: "note".into(),
                    problem: "must be at most 2,000 characters".into(),
                }],
            });
        }
        let record = self.live(RecordKind::Article, article_id).await?;
        let flag = ArticleFlag {
            id: Uuid::now_v7(),
            article_id: article_id.to_owned(),
            owner: record.owner,
            reason: reason.to_owned(),
            note: note.trim().to_owned(),
            device_id: device.id,
            centre_name: device.centre.name.clone(),
            created_at: now,
        };
        self.store.add_article_flag(flag.clone()).await?;
        Ok(flag)
    }

    /// Writes a whole import in one transaction: everything or nothing. Records whose content did
    /// not change are left alone (no new version, no feed entry).
    pub async fn import(&self, file: CatalogueFile, now: DateTime<Utc>) -> Result<ImportSummary, EditError> {
        let CatalogueFile { services, organisations, articles, forms, scenarios } = file;
        let mut problems = Vec::new();
        for service in &services {
            problems.extend(prefixed(&format!("service {}", service.id), service_problems(service)));
            // CPSV-AP wants every competent authority described (its name and area): one
            // neither in the file nor already in the catalogue could only be exported as a bare
            // reference, which no validator accepts.
            for (i, authority) in service.competent_authorities.iter().enumerate() {
                let in_file = organisations.iter().any(|o| &o.id == authority);
                if !in_file && self.live(RecordKind::Organisation, authority).await.is_err() {
                    problems.push(FieldProblem {
                        path: format!("service {}: competent_authorities[{i}]", service.id),
                        problem: format!(
                            "the organisation {authority} is neither in this file nor in the catalogue: describe it \
                             in the file (a cv:PublicOrganisation with its name, skos:prefLabel, and its area, \
                             dct:spatial) or import it first"
                        ),
                    });
                }
            }
        }
        for organisation in &organisations {
            problems
                .extend(prefixed(&format!("organisation {}", organisation.id), organisation_problems(organisation)));
        }
        for article in &articles {
            problems.extend(prefixed(&format!("article {}", article.id), article.problems()));
        }
        for scenario in &scenarios {
            problems.extend(prefixed(&format!("scenario {}", scenario.id), scenario.problems()));
            for (i, step) in scenario.steps.iter().enumerate() {
                let in_file = services.iter().any(|s| s.id == step.service && s.status != ServiceStatus::Withdrawn);
                if !in_file && self.live(RecordKind::Service, &step.service).await.is_err() {
                    problems.push(FieldProblem {
                        path: format!("scenario {}: steps[{i}].service", scenario.id),
                        problem: format!("the service {} is not in the catalogue", step.service),
                    });
                }
            }
        }
        let mut compiled = Vec::new();
        for definition in forms {
            let id = definition.id.clone();
            match forms::CompiledForm::compile(definition) {
                Ok(form) => compiled.push(form),
                Err(e) => problems.extend(prefixed(&format!("form {id}"), form_problems(e))),
            }
        }
        check_valid("import", problems)?;
        let mut changes = Vec::new();
        let mut summary = ImportSummary::default();
        for form in compiled {
            let definition = form.definition().clone();
            let service = match services.iter().find(|s| s.id == definition.service) {
                Some(service) => service.clone(),
                None => self.live_service_for_form(&definition).await?,
            };
            let owner = service.competent_authorities[0].clone();
            match self.form_change(&Editor::Operator, definition, &owner).await? {
                Some(change) => changes.push(change),
                None => summary.unchanged += 1,
            }
        }
        for organisation in &organisations {
            let current = self.store.catalogue_record(RecordKind::Organisation, &organisation.id).await?;
            if Self::unchanged(current.as_ref(), organisation)? {
                summary.unchanged += 1;
                continue;
            }
            changes.push(record_change(
                RecordKind::Organisation,
                &organisation.id,
                &organisation.id,
                None,
                false,
                organisation,
                vec![],
            ));
        }
        for service in &services {
            let current = self.store.catalogue_record(RecordKind::Service, &service.id).await?;
            if Self::unchanged(current.as_ref(), service)? {
                summary.unchanged += 1;
                continue;
            }
            let owner = match current {
                Some(current) => current.owner,
                None => service.competent_authorities[0].clone(),
            };
            let retired = service.status == ServiceStatus::Withdrawn;
            changes.push(record_change(RecordKind::Service, &service.id, &owner, None, retired, service, vec![]));
        }
        for article in &articles {
            let current = self.store.catalogue_record(RecordKind::Article, &article.id).await?;
            if Self::unchanged(current.as_ref(), article)? {
                summary.unchanged += 1;
                continue;
            }
            let retired = article.status == ArticleStatus::Retired;
            let links = article.linked_services.clone();
            changes.push(record_change(
                RecordKind::Article,
                &article.id,
                &article.owner,
                None,
                retired,
                article,
                links,
            ));
        }
        for scenario in &scenarios {
            let current = self.store.catalogue_record(RecordKind::Scenario, &scenario.id).await?;
            if Self::unchanged(current.as_ref(), scenario)? {
                summary.unchanged += 1;
                continue;
            }
            let owner = current.map_or_else(|| scenario.owner.clone(), |c| c.owner);
            changes.push(record_change(RecordKind::Scenario, &scenario.id, &owner, None, false, scenario, vec![]));
        }
        let stored = self.publish(&Editor::Operator, changes, now).await?;
        for record in &stored {
            match record.kind {
                RecordKind::Service => summary.services += 1,
                RecordKind::Organisation => summary.organisations += 1,
                RecordKind::Article => summary.articles += 1,
                RecordKind::Form => summary.forms += 1,
                RecordKind::Scenario => summary.scenarios += 1,
            }
        }
        Ok(summary)
    }

    /// Whether the stored record already says exactly this (versions aside).
    fn unchanged<T: Serialize>(current: Option<&StoredRecord>, record: &T) -> Result<bool, EditError> {
        let Some(current) = current else { return Ok(false) };
        let mut stored: serde_json::Value = serde_json::from_str(&current.document).map_err(|e| corrupt(current, e))?;
        let mut given =
            serde_json::to_value(record).map_err(|e| EditError::Store(StoreError::Corrupt(e.to_string())))?;
        stored["version"] = 0.into();
        given["version"] = 0.into();
        Ok(stored == given)
    }

    /// Every live service and organisation, for export.
    pub async fn live_services_and_organisations(
        &self,
    ) -> Result<(Vec<PublicService>, Vec<PublicOrganisation>), EditError> {
        let mut services = Vec::new();
        for record in self.store.catalogue_records(RecordKind::Service).await? {
            if !record.retired {
                services.push(parse_document(&record)?);
            }
        }
        let mut organisations = Vec::new();
        for record in self.store.catalogue_records(RecordKind::Organisation).await? {
            if !record.retired {
                organisations.push(parse_document(&record)?);
            }
        }
        Ok((services, organisations))
    }

    /// Every version of every live form, oldest first (for export: importing them again is
    /// idempotent).
    pub async fn live_forms(&self) -> Result<Vec<forms::FormDefinition>, EditError> {
        let mut all = Vec::new();
        for record in self.store.catalogue_records(RecordKind::Form).await? {
            if !record.retired {
                all.extend(parse_document::<forms::FormRecord>(&record)?.versions);
            }
        }
        Ok(all)
    }

    pub async fn live_articles(&self) -> Result<Vec<Article>, EditError> {
        let mut articles = Vec::new();
        for record in self.store.catalogue_records(RecordKind::Article).await? {
            if !record.retired {
                articles.push(parse_document(&record)?);
            }
        }
        Ok(articles)
    }

    /// A record that exists and is not retired.
    pub async fn live(&self, kind: RecordKind, id: &str) -> Result<StoredRecord, EditError> {
        match self.store.catalogue_record(kind, id).await? {
            Some(record) if !record.retired => Ok(record),
            _ => Err(EditError::NotFound { kind: kind.as_str(), id: id.to_owned() }),
        }
    }
}

/// The owner a record written by `editor` keeps: the stored one (never changed by a write), or
/// for a new record the one it names, which the editor must be.
fn owner_check(
    editor: &Editor,
    kind: RecordKind,
    id: &str,
    given: &str,
    current: Option<&StoredRecord>,
) -> Result<String, EditError> {
    let owner = current.map_or(given, |c| c.owner.as_str()).to_owned();
    if !editor.may_change(&owner) || (current.is_none() && !editor.may_change(given)) {
        return Err(EditError::Forbidden(format!("the {} {id} belongs to {owner}", kind.as_str())));
    }
    if given != owner {
        return Err(EditError::Invalid {
            kind: kind.as_str(),
            problems: vec![FieldProblem {
                path: "owner".into(),
                problem: format!("the owner is {owner} and cannot be changed here"),
            }],
        });
    }
    Ok(owner)
}

/// How many records an import wrote, by kind, and how many it found already up to date.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub services: usize,
    pub organisations: usize,
    pub articles: usize,
    pub forms: usize,
    pub scenarios: usize,
    pub unchanged: usize,
}

/// A definition's refusal as field problems (a file that is no form at all: one at its root).
fn form_problems(error: forms::DefinitionError) -> Vec<FieldProblem> {
    match error {
        forms::DefinitionError::Refused(problems) => {
            problems.into_iter().map(|p| FieldProblem { path: p.path, problem: p.reason }).collect()
        }
        unreadable => vec![FieldProblem { path: "/".into(), problem: unreadable.to_string() }],
    }
}

/// A service's problems, and whether its kept CPSV-AP statements read (the editing API takes them
/// back as they were exported).
fn service_problems(service: &PublicService) -> Vec<FieldProblem> {
    let mut problems = service.problems();
    if let Some(problem) = super::cpsv::kept_rdf_problems(service.kept_rdf.as_deref()) {
        problems.push(FieldProblem { path: "kept_rdf".into(), problem });
    }
    problems
}

fn organisation_problems(organisation: &PublicOrganisation) -> Vec<FieldProblem> {
    let mut problems = organisation.problems();
    if let Some(problem) = super::cpsv::kept_rdf_problems(organisation.kept_rdf.as_deref()) {
        problems.push(FieldProblem { path: "kept_rdf".into(), problem });
    }
    problems
}

fn check_valid(kind: &'static str, problems: Vec<FieldProblem>) -> Result<(), EditError> {
    if problems.is_empty() { Ok(()) } else { Err(EditError::Invalid { kind, problems }) }
}

fn prefixed(prefix: &str, problems: Vec<FieldProblem>) -> impl Iterator<Item = FieldProblem> + '_ {
    problems.into_iter().map(move |p| FieldProblem { path: format!("{prefix}: {}", p.path), problem: p.problem })
}

fn record_change<T: Serialize>(
    kind: RecordKind,
    id: &str,
    owner: &str,
    expected_version: Option<u64>,
    retired: bool,
    record: &T,
    linked_services: Vec<String>,
) -> RecordChange {
    RecordChange {
        kind,
        id: id.to_owned(),
        owner: owner.to_owned(),
        expected_version,
        retired,
        // The domain types serialise to JSON objects without fail.
        document: serde_json::to_value(record).unwrap_or_default(),
        linked_services,
    }
}

pub fn parse_document<T: DeserializeOwned>(record: &StoredRecord) -> Result<T, EditError> {
    serde_json::from_str(&record.document).map_err(|e| corrupt(record, e))
}

fn corrupt(record: &StoredRecord, error: serde_json::Error) -> EditError {
    EditError::Store(StoreError::Corrupt(format!(
        "the stored {} {} cannot be read: {error}",
        record.kind.as_str(),
        record.id
    )))
}
