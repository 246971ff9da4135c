//! The one validator: a published form's schema compiled by the `jsonschema` crate, the fields
//! that apply to the data as it stands, and every problem said at its field in words a person
//! understands, in Latvian and in English.

use std::collections::BTreeSet;

use jsonschema::error::ValidationErrorKind;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{
    definition::{FieldLayout, FormDefinition, Widget},
    profile::{self, Problem},
};

/// Why a definition cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("the form definition is not valid JSON of a form: {0}")]
    Unreadable(String),
    #[error("the form definition cannot be published: {}", describe(.0))]
    Refused(Vec<Problem>),
}

fn describe(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.path, p.reason)).collect::<Vec<_>>().join("; ")
}

/// The validator's options: draft 2020-12, formats checked (the Latvian ones by the domain's
/// rules), nothing fetched from anywhere.
pub fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .with_format("lv-personal-code", |s: &str| domain::PersonalCode::parse(s).is_ok())
        .with_format("lv-registration-number", |s: &str| domain::case::RegistrationNumber::parse(s).is_ok())
        .with_format("lv-e-address", |s: &str| domain::eaddress::EAddress::parse(s).is_ok())
}

/// A problem with one field's value, said in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldError {
    /// The field (a property of the form's root); empty for the form as a whole.
    pub field: String,
    /// What kind of problem: `required`, `too_short`, `pattern`, `format`, … (stable, for tests).
    pub code: String,
    pub lv: String,
    pub en: String,
}

/// A checked form, ready to validate data against.
pub struct CompiledForm {
    definition: FormDefinition,
    validator: jsonschema::Validator,
    /// Each `if` with what its branches name: which fields show when it matches or not.
    conditions: Vec<Condition>,
    /// Fields shown only when a condition or another field brings them.
    conditional: BTreeSet<String>,
    dependent: Vec<(String, BTreeSet<String>)>,
    /// The root's required fields.
    always: BTreeSet<String>,
}

struct Condition {
    test: jsonschema::Validator,
    then: Branch,
    otherwise: Branch,
}

/// What a `then` or `else` names: the fields it shows, and those of them it requires.
#[derive(Default)]
struct Branch {
    named: BTreeSet<String>,
    required: BTreeSet<String>,
}

impl std::fmt::Debug for CompiledForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledForm")
            .field("id", &self.definition.id)
            .field("version", &self.definition.version)
            .finish()
    }
}

impl CompiledForm {
    /// Checks `definition` against the profile and compiles it.
    pub fn compile(definition: FormDefinition) -> Result<Self, DefinitionError> {
        let problems = profile::check(&definition);
        if !problems.is_empty() {
            return Err(DefinitionError::Refused(problems));
        }
        let refused = |path: &str, e: &dyn std::fmt::Display| {
            DefinitionError::Refused(vec![Problem { path: path.to_owned(), reason: e.to_string() }])
        };
        let validator = options().build(&definition.schema).map_err(|e| refused("/schema", &e))?;
        let root = definition.schema.as_object().cloned().unwrap_or_default();
        let mut conditions = Vec::new();
        let branches = std::iter::once(&root)
            .chain(root.get("allOf").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object));
        for holder in branches {
            if let Some(test) = holder.get("if") {
                conditions.push(Condition {
                    test: options().build(test).map_err(|e| refused("/schema/if", &e))?,
                    then: branch(holder.get("then")),
                    otherwise: branch(holder.get("else")),
                });
            }
        }
        let dependent: Vec<(String, BTreeSet<String>)> = root
            .get("dependentRequired")
            .and_then(Value::as_object)
            .map(|d| d.iter().map(|(field, needed)| (field.clone(), names(Some(needed)))).collect())
            .unwrap_or_default();
        let always = names(root.get("required"));
        let conditional = conditions
            .iter()
            .flat_map(|c| c.then.named.iter().chain(&c.otherwise.named))
            .chain(dependent.iter().flat_map(|(_, needed)| needed))
            .filter(|f| !always.contains(*f))
            .cloned()
            .collect();
        Ok(Self { definition, validator, conditions, conditional, dependent, always })
    }

    pub fn definition(&self) -> &FormDefinition {
        &self.definition
    }

    /// The fields that apply to `data` as it stands: all but those a condition or another field
    /// brings in and that nothing brings in now.
    pub fn applicable_fields(&self, data: &Value) -> BTreeSet<String> {
        self.applicable_given(&self.brought(data).0)
    }

    fn applicable_given(&self, brought: &BTreeSet<String>) -> BTreeSet<String> {
        self.definition
            .fields()
            .map(|f| f.field.clone())
            .filter(|f| !self.conditional.contains(f) || brought.contains(f))
            .collect()
    }

    /// The fields that must be answered for `data` as it stands: the root's required ones and
    /// those a condition or another field requires now.
    pub fn required_fields(&self, data: &Value) -> BTreeSet<String> {
        let (_, required) = self.brought(data);
        self.always.iter().chain(&required).cloned().collect()
    }

    /// What the desk asks at every change, with the conditions evaluated once: the fields that
    /// apply, those required now, and the problems of the answers that apply.
    pub fn check(&self, data: &Value) -> Checked {
        let (brought, required) = self.brought(data);
        let applicable = self.applicable_given(&brought);
        let errors = self.validate(&keep(data, &applicable));
        Checked { required: self.always.iter().chain(&required).cloned().collect(), applicable, errors }
    }

    /// The fields the active branches and the given fields bring in, and those they require.
    fn brought(&self, data: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
        let (mut named, mut required) = (BTreeSet::new(), BTreeSet::new());
        for condition in &self.conditions {
            let active = if condition.test.is_valid(data) { &condition.then } else { &condition.otherwise };
            named.extend(active.named.iter().cloned());
            required.extend(active.required.iter().cloned());
        }
        for (field, needed) in &self.dependent {
            if data.get(field).is_some() {
                named.extend(needed.iter().cloned());
                required.extend(needed.iter().cloned());
            }
        }
        (named, required)
    }

    /// `data` without the values of fields that do not apply to it (a branch the person left),
    /// so that nothing they can no longer see is sent.
    pub fn applicable_data(&self, data: &Value) -> Value {
        keep(data, &self.applicable_fields(data))
    }

    /// Every problem with `data`, at most one per field (the first the schema finds), in the
    /// order the form shows its fields.
    pub fn validate(&self, data: &Value) -> Vec<FieldError> {
        let mut found: Vec<FieldError> = Vec::new();
        for error in self.validator.iter_errors(data) {
            let path = error.instance_path().to_string();
            let mut field = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~");
            if let ValidationErrorKind::Required { property } = error.kind()
                && field.is_empty()
            {
                field = property.as_str().unwrap_or_default().to_owned();
            }
            if let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind() {
                for name in unexpected {
                    push_once(
                        &mut found,
                        message(name, None, &ValidationErrorKind::AdditionalProperties { unexpected: vec![] }),
                    );
                }
                continue;
            }
            let layout = self.definition.field(&field);
            push_once(&mut found, message(&field, layout, error.kind()));
        }
        let order: Vec<&str> = self.definition.fields().map(|f| f.field.as_str()).collect();
        found.sort_by_key(|e| order.iter().position(|f| *f == e.field).unwrap_or(usize::MAX));
        found
    }

    /// Whether `data` is valid: what the server asks of every submission.
    pub fn is_valid(&self, data: &Value) -> bool {
        self.validator.is_valid(data)
    }
}

/// What [`CompiledForm::check`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub applicable: BTreeSet<String>,
    pub required: BTreeSet<String>,
    pub errors: Vec<FieldError>,
}

/// `data` with only the `fields` named.
fn keep(data: &Value, fields: &BTreeSet<String>) -> Value {
    match data {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(k, _)| fields.contains(*k)).map(|(k, v)| (k.clone(), v.clone())).collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn push_once(found: &mut Vec<FieldError>, error: FieldError) {
    if !found.iter().any(|e| e.field == error.field) {
        found.push(error);
    }
}

/// The strings of a list of names (a `required`, a `dependentRequired` entry).
fn names(list: Option<&Value>) -> BTreeSet<String> {
    list.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// What a branch (`then`/`else`) names: its required fields and its properties.
fn branch(branch: Option<&Value>) -> Branch {
    let Some(branch) = branch else { return Branch::default() };
    let required = names(branch.get("required"));
    let properties = branch.get("properties").and_then(Value::as_object).into_iter().flat_map(|p| p.keys().cloned());
    Branch { named: required.iter().cloned().chain(properties).collect(), required }
}

/// The words for one problem, by what went wrong and how the field is filled.
fn message(field: &str, layout: Option<&FieldLayout>, kind: &ValidationErrorKind) -> FieldError {
    let widget = layout.map(|l| l.widget);
    let own = |code: &str| {
        layout.filter(|l| !l.invalid.is_empty()).map(|l| {
            let lv = l.invalid.get("lv").unwrap_or_default().to_owned();
            let en = l.invalid.get("en").map_or_else(|| lv.clone(), str::to_owned);
            (code.to_owned(), lv, en)
        })
    };
    let said = |code: &str, lv: String, en: String| (code.to_owned(), lv, en);
    let (code, lv, en) = match kind {
        ValidationErrorKind::Required { .. } => match widget {
            Some(Widget::File) => said("required", "Pievienojiet failu.".into(), "Attach a file.".into()),
            Some(Widget::Radio | Widget::List | Widget::YesNo) => {
                said("required", "Izvēlieties atbildi.".into(), "Choose an answer.".into())
            }
            _ => said("required", "Aizpildiet šo lauku.".into(), "Fill in this field.".into()),
        },
        ValidationErrorKind::MinLength { limit } if *limit <= 1 => {
            said("required", "Aizpildiet šo lauku.".into(), "Fill in this field.".into())
        }
        ValidationErrorKind::MinLength { limit } => said(
            "too_short",
            format!("Jābūt vismaz {limit} rakstzīmēm."),
            format!("Write at least {limit} characters."),
        ),
        ValidationErrorKind::MaxLength { limit } => {
            said("too_long", format!("Ne vairāk kā {limit} rakstzīmes."), format!("Write at most {limit} characters."))
        }
        ValidationErrorKind::Pattern { .. } => own("pattern").unwrap_or_else(|| {
            said(
                "pattern",
                "Vērtība neatbilst prasītajam pierakstam.".into(),
                "The value is not written the way the form asks.".into(),
            )
        }),
        ValidationErrorKind::Format { format } => own("format").unwrap_or_else(|| match format.as_str() {
            "lv-personal-code" => said(
                "format",
                "Personas kodam jābūt 11 cipariem (piemēram, 010190-12345) ar pareizu kontrolciparu.".into(),
                "A personal code has 11 digits (for example 010190-12345) with a correct check digit.".into(),
            ),
            "lv-registration-number" => said(
                "format",
                "Reģistrācijas numuram jābūt 11 cipariem, kas sākas ar 4, 5 vai 9.".into(),
                "A registration number has 11 digits starting with 4, 5 or 9.".into(),
            ),
            "lv-e-address" => said(
                "format",
                "E-adresei jābūt, piemēram, _PRIVATE@01019012345 vai _DEFAULT@90000069281.".into(),
                "An e-address looks like _PRIVATE@01019012345 or _DEFAULT@90000069281.".into(),
            ),
            "date" => said("format", "Ievadiet datumu.".into(), "Enter a date.".into()),
            "email" => said(
                "format",
                "E-pasta adresei jābūt, piemēram, vards@example.lv.".into(),
                "An email address looks like name@example.lv.".into(),
            ),
            _ => said("format", "Vērtība nav derīga.".into(), "The value is not valid.".into()),
        }),
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            let limit = number(limit, widget);
            said("too_small", format!("Jābūt vismaz {limit}."), format!("Must be at least {limit}."))
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            let limit = number(limit, widget);
            said("too_large", format!("Nedrīkst pārsniegt {limit}."), format!("Must not exceed {limit}."))
        }
        ValidationErrorKind::MultipleOf { .. } if widget == Some(Widget::Money) => said(
            "cents",
            "Summu norādiet eiro ar ne vairāk kā diviem cipariem aiz komata.".into(),
            "Give the amount in euros with at most two decimals.".into(),
        ),
        ValidationErrorKind::MultipleOf { .. } => said(
            "multiple_of",
            "Skaitlis neatbilst prasītajam solim.".into(),
            "The number does not fit the steps the form asks for.".into(),
        ),
        ValidationErrorKind::Type { .. } => match widget {
            Some(Widget::Number | Widget::Money) => said("type", "Ievadiet skaitli.".into(), "Enter a number.".into()),
            Some(Widget::YesNo) => said("type", "Izvēlieties “jā” vai “nē”.".into(), "Choose yes or no.".into()),
            Some(Widget::File) => said("type", "Pievienojiet failus.".into(), "Attach files.".into()),
            _ => said("type", "Vērtība nav derīga.".into(), "The value is not valid.".into()),
        },
        ValidationErrorKind::Enum { .. } => said(
            "choice",
            "Izvēlieties kādu no piedāvātajām iespējām.".into(),
            "Choose one of the options offered.".into(),
        ),
        ValidationErrorKind::Constant { .. } => match widget {
            Some(Widget::YesNo) => said("confirm", "Apstipriniet, lai turpinātu.".into(), "Confirm to go on.".into()),
            _ => said(
                "constant",
                "Vērtība nav tā, ko veidlapa prasa.".into(),
                "The value is not the one the form asks for.".into(),
            ),
        },
        ValidationErrorKind::MinItems { limit } => match widget {
            Some(Widget::File) => said(
                "too_few",
                format!("Pievienojiet vismaz {limit} failu(s)."),
                format!("Attach at least {limit} file(s)."),
            ),
            _ => said("too_few", format!("Norādiet vismaz {limit}."), format!("Give at least {limit}.")),
        },
        ValidationErrorKind::MaxItems { limit } => match widget {
            Some(Widget::File) => {
                said("too_many", format!("Ne vairāk kā {limit} faili."), format!("At most {limit} files."))
            }
            _ => said("too_many", format!("Ne vairāk kā {limit}."), format!("At most {limit}.")),
        },
        ValidationErrorKind::UniqueItems => said(
            "duplicate",
            "Viena un tā pati vērtība norādīta divreiz.".into(),
            "The same value is given twice.".into(),
        ),
        ValidationErrorKind::AdditionalProperties { .. } => {
            said("unknown_field", "Šis lauks veidlapā nav paredzēts.".into(), "The form has no such field.".into())
        }
        _ => said("invalid", "Vērtība nav derīga.".into(), "The value is not valid.".into()),
    };
    FieldError { field: field.to_owned(), code, lv, en }
}

/// A limit as a person reads it: euros with a comma for money, plain otherwise.
fn number(limit: &Value, widget: Option<Widget>) -> String {
    match (widget, limit.as_f64()) {
        (Some(Widget::Money), Some(value)) => format!("{value:.2} €").replace('.', ","),
        _ => limit.to_string(),
    }
}

impl CompiledForm {
    /// The answers that apply to `data`, step by step, as a person reads them in `language`:
    /// each step's title with (label, answer) pairs — the words of a choice, yes or no, files by
    /// name, money with a decimal comma. What the institution's PDF and the review page show.
    pub fn answers_as_text(&self, data: &Value, language: domain::Language) -> Vec<(String, Vec<(String, String)>)> {
        let applicable = self.applicable_fields(data);
        let english = language == domain::Language::En;
        let words = |text: &domain::catalogue::Text, stand_in: &str| text.show_or(language, stand_in);
        self.definition
            .steps
            .iter()
            .map(|step| {
                let answers = step
                    .fields
                    .iter()
                    .filter(|f| applicable.contains(&f.field))
                    .map(|f| {
                        let value = data.get(&f.field);
                        let shown = match (f.widget, value) {
                            (_, None | Some(Value::Null)) => "—".to_owned(),
                            (Widget::YesNo, Some(Value::Bool(yes))) => match (yes, english) {
                                (true, false) => "Jā".into(),
                                (false, false) => "Nē".into(),
                                (true, true) => "Yes".into(),
                                (false, true) => "No".into(),
                            },
                            (Widget::Radio | Widget::List, Some(v)) => {
                                let key = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                                f.choices.get(&key).map_or(key.clone(), |t| words(t, &key))
                            }
                            (Widget::File, Some(Value::Array(files))) if files.is_empty() => "—".to_owned(),
                            (Widget::File, Some(Value::Array(files))) => files
                                .iter()
                                .map(|file| file["name"].as_str().unwrap_or("?").to_owned())
                                .collect::<Vec<_>>()
                                .join(", "),
                            (Widget::Money, Some(Value::Number(n))) => {
                                format!("{:.2} €", n.as_f64().unwrap_or_default()).replace('.', ",")
                            }
                            (_, Some(Value::String(text))) if text.trim().is_empty() => "—".to_owned(),
                            (_, Some(Value::String(text))) => text.clone(),
                            (_, Some(other)) => other.to_string(),
                        };
                        (words(&f.label, &f.field), shown)
                    })
                    .collect();
                (words(&step.title, &step.id), answers)
            })
            .collect()
    }
}
