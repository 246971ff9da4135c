//! Training people: personal codes that can never belong to anyone, and a generator of them.
//!
//! Legacy personal codes (birth date, century digit, serial number, check digit) were issued
//! until 30 June 2017; every code issued since 1 July 2017 has the new shape (`3[2-9]…`, no
//! birth date). A legacy-shaped code whose birth date is on or after 1 July 2017 was therefore
//! never issued and never will be. The training people's codes are such codes: valid in shape,
//! date and check digit, so every screen and every rule treats them as personal codes, yet told
//! apart by [`PersonalCode::is_training`] — which the real server uses to refuse training data
//! and the training server to refuse real people.

use chrono::{Datelike, NaiveDate};

use crate::PersonalCode;

/// The PINs of every training card (printed on the trainee's handout; nothing to protect). As on
/// a real card, PIN1 has 4 to 12 digits and PIN2 6 to 12 (a shorter PIN2 never signs).
pub const TRAINING_PIN1: &str = "1234";
pub const TRAINING_PIN2: &str = "123456";

/// The first birth date of a legacy-shaped code that was never issued: legacy codes ended the
/// day before (30 June 2017).
pub fn legacy_codes_ended() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 7, 1).expect("a date")
}

/// The last birth date a training code uses (the century digit `2` covers 2000–2099).
fn last_training_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2099, 12, 31).expect("a date")
}

impl PersonalCode {
    /// Whether this is a training person's code (see the module's notes): legacy-shaped with a
    /// birth date from 1 July 2017 on.
    pub fn is_training(&self) -> bool {
        self.legacy_birth_date().is_some_and(|born| born >= legacy_codes_ended())
    }

    /// The birth date a legacy code starts with; none for new codes.
    pub fn legacy_birth_date(&self) -> Option<NaiveDate> {
        let digits: Vec<u32> = self.as_str().bytes().filter(u8::is_ascii_digit).map(|b| u32::from(b - b'0')).collect();
        if digits.len() != 11 || (digits[0] == 3 && digits[1] >= 2) {
            return None;
        }
        let century = match digits[6] {
            0 => 1800,
            1 => 1900,
            2 => 2000,
            _ => return None,
        };
        let year = century + digits[4] * 10 + digits[5];
        NaiveDate::from_ymd_opt(year as i32, digits[2] * 10 + digits[3], digits[0] * 10 + digits[1])
    }
}

/// The `n`-th training code of the series `series` (a workshop's, say): the same inputs give the
/// same code, different `n` in one series give different codes (for up to 1,000 × 30,000 people).
pub fn training_code(series: u32, n: u32) -> PersonalCode {
    let first = legacy_codes_ended();
    let days = (last_training_birth_date() - first).num_days() as u32 + 1;
    // A day per thousand people, the series spreading workshops over the whole range.
    let day = (series.wrapping_mul(7_919).wrapping_add(n / 1_000)) % days;
    let born = first + chrono::Duration::days(i64::from(day));
    let serial = n % 1_000;
    let head = format!("{:02}{:02}{:02}2{serial:03}", born.day(), born.month(), born.year() % 100);
    let digits: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
    let check = crate::person::legacy_check_digit(&digits);
    PersonalCode::parse(&format!("{head}{check}")).expect("a training code is a valid legacy code")
}

/// A training person's name, by gender and number: plain Latvian names, the same for the same
/// inputs, so a handout and the screen agree.
pub fn training_name(n: u32) -> (String, String) {
    const WOMEN: &[(&str, &str)] = &[
        ("ANNA", "BĒRZIŅA"),
        ("LAURA", "KALNIŅA"),
        ("ELĪNA", "OZOLA"),
        ("MARTA", "LIEPIŅA"),
        ("SANDRA", "PRIEDE"),
        ("INGA", "KRŪMIŅA"),
        ("DACE", "VĪTOLA"),
        ("ILZE", "EGLĪTE"),
    ];
    const MEN: &[(&str, &str)] = &[
        ("JĀNIS", "BĒRZIŅŠ"),
        ("ANDRIS", "KALNIŅŠ"),
        ("PĒTERIS", "OZOLS"),
        ("MĀRTIŅŠ", "LIEPIŅŠ"),
        ("EDGARS", "PRIEDE"),
        ("ROBERTS", "KRŪMIŅŠ"),
        ("KĀRLIS", "VĪTOLS"),
        ("UGIS", "EGLĪTIS"),
    ];
    let list = if n.is_multiple_of(2) { WOMEN } else { MEN };
    let (given, family) = list[(n as usize / 2) % list.len()];
    (given.to_owned(), family.to_owned())
}

/// A workshop's scenario: a story from one of the navigator's life situations, the training
/// customer it is about, and the steps a trainee should take, each with a check against what the
/// trainee really did in the sandbox. Data, not code: `server/demo/training-scenarios.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingScenario {
    pub id: String,
    /// The navigator's life situation it follows (`https://pietura.lv/id/scenario/…`).
    pub life_situation: String,
    pub title: crate::catalogue::Text,
    /// What the customer comes with, told to the trainee.
    pub story: crate::catalogue::Text,
    /// The customer's relatives the story needs (a newborn son, a late father): each workshop
    /// makes a training person for each, printed on the handout with their role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relatives: Vec<Relative>,
    /// What the customer already has when a workshop opens: made fresh for each workshop.
    #[serde(default, skip_serializing_if = "Background::is_empty")]
    pub background: Background,
    pub steps: Vec<TrainingStep>,
}

/// A training customer's past, as the story needs it: letters waiting in their e-address, their
/// earlier cases at the centre, a company they represent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Background {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub letters: Vec<Letter>,
    /// Services of earlier cases at the centre (closed about a year ago).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past_cases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<TrainingCompany>,
}

impl Background {
    pub fn is_empty(&self) -> bool {
        self.letters.is_empty() && self.past_cases.is_empty() && self.company.is_none()
    }
}

/// A letter from an institution (its IRI) in the customer's e-address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letter {
    pub from: String,
    pub subject: crate::catalogue::Text,
    pub body: crate::catalogue::Text,
}

/// A company the customer represents (a training registration number, its own e-address), its
/// mailbox delegated for reading to one of the customer's relatives (by their place in
/// `relatives`), if the story says so.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingCompany {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<usize>,
}

/// The first Enterprise Register numbers used for training companies: `49999…`. The register
/// gives numbers in blocks (`4000x`, `4010x`, `4020x`, `4030x` for companies, `5000x`–`5020x` for
/// partnerships and others), so `49999` is far beyond any block issued; a training company is
/// also only ever on a training server.
pub const TRAINING_COMPANY_PREFIX: &str = "49999";

/// The registration number of training company `n` of workshop `series`: `49999` and five
/// digits, with a valid check digit (numbers whose check digit would be 10 are skipped).
pub fn training_company_number(series: u32, n: u32) -> crate::case::RegistrationNumber {
    let mut k = series.wrapping_mul(1_000).wrapping_add(n.wrapping_mul(2)) % 100_000;
    loop {
        let head = format!("{TRAINING_COMPANY_PREFIX}{k:05}");
        const WEIGHTS: [u32; 10] = [9, 1, 4, 8, 3, 10, 2, 5, 7, 6];
        let sum: u32 = head.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
        let check = (3 + 11 * 10 - sum % 11) % 11;
        if check < 10 {
            return crate::case::RegistrationNumber::parse(&format!("{head}{check}"))
                .expect("a training company's number is a valid registration number");
        }
        k = (k + 1) % 100_000;
    }
}

/// A relative of the scenario's customer, by their role in the story.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relative {
    pub role: crate::catalogue::Text,
}

/// At most this many relatives in one scenario (each seat numbers its people in a block of 100).
pub const MAX_RELATIVES: usize = 5;

/// What the institution holding a form insists on beyond the form's own rules, scripted per
/// scenario: a submission that answers none of `any_of` is refused with `reason`, by letter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completeness {
    pub any_of: Vec<String>,
    pub reason: crate::catalogue::Text,
}

impl Completeness {
    /// Whether a submission with the answers `data` (application.json's `data`) is complete.
    pub fn is_met_by(&self, data: &serde_json::Value) -> bool {
        self.any_of.iter().any(|field| match data.get(field) {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::String(text)) => !text.trim().is_empty(),
            Some(serde_json::Value::Array(items)) => !items.is_empty(),
            Some(_) => true,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingStep {
    pub id: String,
    /// What the trainee should do, in their words.
    pub text: crate::catalogue::Text,
    pub check: StepCheck,
}

/// What the sandbox must hold for a step to be done.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepCheck {
    /// A case for the customer for this service, registered at the trainee's desk.
    CaseRegistered { service: String },
    /// That case has reached `status` (or gone past it).
    CaseReached { service: String, status: crate::case::CaseStatus },
    /// An e-form submitted for the customer, signed with their card (and, where the institution
    /// insists on more, complete by its rule).
    FormSubmitted {
        form: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        complete_when: Option<Completeness>,
    },
    /// A message sent to an institution about the customer's case for this service.
    MessageSent { service: String },
}

/// What a trainee did in the sandbox, as the checks read it (since the seat was last reset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeatFacts {
    pub cases: Vec<CaseFact>,
    pub submissions: Vec<SubmissionFact>,
    /// Messages sent about cases: the case's number.
    pub messages_about: Vec<String>,
}

/// An e-form submission: the form, the applicant's personal code and the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionFact {
    pub form: String,
    pub applicant: String,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFact {
    pub number: String,
    pub service_id: String,
    pub customer_code: String,
    pub kind: crate::case::CaseKind,
    pub status: crate::case::CaseStatus,
}

/// How one step stands for one trainee.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    Done,
    Waiting,
    /// Something was done, but not what the step asks: the reason, in English for the trainer's
    /// view to translate by `code`.
    Wrong {
        code: String,
        reason: String,
    },
}

/// The order statuses follow, for "reached or gone past it" (a cancelled case reaches nothing).
fn progress(status: crate::case::CaseStatus) -> Option<u8> {
    use crate::case::CaseStatus::*;
    match status {
        Registered => Some(0),
        Submitted => Some(1),
        InProgress => Some(2),
        Decided => Some(3),
        ResultDelivered => Some(4),
        Closed => Some(5),
        Cancelled => None,
    }
}

/// Each step of `scenario` for the trainee whose customer is `customer`, from what they did.
pub fn check_steps(scenario: &TrainingScenario, customer: &str, facts: &SeatFacts) -> Vec<StepState> {
    scenario.steps.iter().map(|step| check_step(&step.check, customer, facts)).collect()
}

fn check_step(check: &StepCheck, customer: &str, facts: &SeatFacts) -> StepState {
    let wrong = |code: &str, reason: String| StepState::Wrong { code: code.to_owned(), reason };
    let theirs = |service: &str| -> Vec<&CaseFact> {
        facts.cases.iter().filter(|c| c.customer_code == customer && c.service_id == service).collect()
    };
    match check {
        StepCheck::CaseRegistered { service } => {
            if !theirs(service).is_empty() {
                StepState::Done
            } else if let Some(other) = facts.cases.iter().find(|c| c.service_id == *service) {
                wrong(
                    "other_customer",
                    format!("case {} is for another person than the scenario's customer", other.number),
                )
            } else if let Some(other) = facts.cases.iter().find(|c| c.customer_code == customer) {
                wrong("other_service", format!("case {} is for {}, not for {service}", other.number, other.service_id))
            } else {
                StepState::Waiting
            }
        }
        StepCheck::CaseReached { service, status } => {
            let wanted = progress(*status);
            let cases = theirs(service);
            if cases.is_empty() {
                return StepState::Waiting;
            }
            if cases.iter().any(|c| progress(c.status).zip(wanted).is_some_and(|(has, wants)| has >= wants)) {
                StepState::Done
            } else if let Some(cancelled) = cases.iter().find(|c| c.status == crate::case::CaseStatus::Cancelled) {
                wrong("cancelled", format!("case {} was cancelled", cancelled.number))
            } else if wanted > Some(0)
                && let Some(advice) = cases.iter().find(|c| c.kind == crate::case::CaseKind::Consultation)
                && cases.iter().all(|c| c.kind == crate::case::CaseKind::Consultation)
            {
                // Advice is never submitted: the trainee chose the wrong kind of case.
                wrong(
                    "consultation",
                    format!(
                        "case {} was registered as a consultation: an application is what goes to the institution",
                        advice.number
                    ),
                )
            } else {
                StepState::Waiting
            }
        }
        StepCheck::FormSubmitted { form, complete_when } => {
            let of_form: Vec<&SubmissionFact> = facts.submissions.iter().filter(|s| s.form == *form).collect();
            let theirs: Vec<&&SubmissionFact> = of_form.iter().filter(|s| s.applicant == customer).collect();
            let complete = |s: &SubmissionFact| complete_when.as_ref().is_none_or(|rule| rule.is_met_by(&s.data));
            if theirs.iter().any(|s| complete(s)) {
                StepState::Done
            } else if let (false, Some(rule)) = (theirs.is_empty(), complete_when) {
                wrong(
                    "refused_incomplete",
                    format!("the institution refuses it: {}", rule.reason.get("en").unwrap_or_default()),
                )
            } else if !of_form.is_empty() {
                wrong(
                    "other_applicant",
                    "the e-form was submitted for another person than the scenario's customer".into(),
                )
            } else {
                StepState::Waiting
            }
        }
        StepCheck::MessageSent { service } => {
            if theirs(service).iter().any(|c| facts.messages_about.contains(&c.number)) {
                StepState::Done
            } else {
                StepState::Waiting
            }
        }
    }
}

/// Reads and checks a set of scenarios: each with steps, every step's id unique within it, and
/// title, story and step texts in Latvian and English.
pub fn parse_scenarios(json: &str) -> Result<Vec<TrainingScenario>, String> {
    let scenarios: Vec<TrainingScenario> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut ids = std::collections::HashSet::new();
    for scenario in &scenarios {
        if !ids.insert(scenario.id.as_str()) {
            return Err(format!("{}: two scenarios have this id", scenario.id));
        }
        if scenario.steps.is_empty() {
            return Err(format!("{}: no steps", scenario.id));
        }
        let mut steps = std::collections::HashSet::new();
        for text in [&scenario.title, &scenario.story].into_iter().chain(scenario.steps.iter().map(|s| &s.text)) {
            for language in ["lv", "en"] {
                if text.get(language).is_none_or(|t| t.trim().is_empty()) {
                    return Err(format!("{}: a text has no {language}", scenario.id));
                }
            }
        }
        if scenario.relatives.len() > MAX_RELATIVES {
            return Err(format!("{}: more than {MAX_RELATIVES} relatives", scenario.id));
        }
        if let Some(company) = &scenario.background.company
            && company.delegate.is_some_and(|d| d >= scenario.relatives.len())
        {
            return Err(format!("{}: the company's mailbox is delegated to a relative the story lacks", scenario.id));
        }
        let letters = scenario.background.letters.iter().flat_map(|l| [&l.subject, &l.body]);
        let texts =
            scenario.relatives.iter().map(|r| &r.role).chain(letters).chain(scenario.steps.iter().filter_map(|s| {
                match &s.check {
                    StepCheck::FormSubmitted { complete_when: Some(rule), .. } => Some(&rule.reason),
                    _ => None,
                }
            }));
        for text in texts {
            for language in ["lv", "en"] {
                if text.get(language).is_none_or(|t| t.trim().is_empty()) {
                    return Err(format!("{}: a text has no {language}", scenario.id));
                }
            }
        }
        for step in &scenario.steps {
            if let StepCheck::FormSubmitted { complete_when: Some(rule), .. } = &step.check
                && rule.any_of.is_empty()
            {
                return Err(format!("{}: step {} names no field the institution insists on", scenario.id, step.id));
            }
            if !steps.insert(step.id.as_str()) {
                return Err(format!("{}: two steps are called {}", scenario.id, step.id));
            }
        }
    }
    Ok(scenarios)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_codes_are_valid_codes_that_were_never_issued() {
        let mut seen = std::collections::HashSet::new();
        for series in [0, 1, 42, u32::MAX] {
            for n in (0..3_000).step_by(7) {
                let code = training_code(series, n);
                assert!(PersonalCode::parse(code.as_str()).is_ok(), "{code}");
                assert!(code.is_training(), "{code}");
                assert!(code.legacy_birth_date().unwrap() >= legacy_codes_ended());
                assert!(seen.insert((series, code.to_string())), "{series}/{n}: {code} twice");
            }
        }
        assert_eq!(training_code(5, 17), training_code(5, 17), "the same inputs, the same code");
    }

    #[test]
    fn real_codes_are_not_training_codes() {
        // Legacy codes up to the last day they were issued, and every new code.
        for real in ["161175-19997", "290156-11605", "210860-10528", "325035-11782", "391234-56789"] {
            assert!(!PersonalCode::parse(real).unwrap().is_training(), "{real}");
        }
        let last_legacy = PersonalCode::parse(&with_check("3006172000")).unwrap();
        assert!(!last_legacy.is_training(), "30 June 2017 could still be issued");
        let first_never = PersonalCode::parse(&with_check("0107172000")).unwrap();
        assert!(first_never.is_training(), "1 July 2017 never was");
    }

    fn with_check(head: &str) -> String {
        let digits: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
        format!("{head}{}", crate::person::legacy_check_digit(&digits))
    }

    #[test]
    fn names_alternate_and_repeat_predictably() {
        assert_eq!(training_name(0), ("ANNA".to_owned(), "BĒRZIŅA".to_owned()));
        assert_eq!(training_name(1), ("JĀNIS".to_owned(), "BĒRZIŅŠ".to_owned()));
        assert_eq!(training_name(16), training_name(0));
    }

    fn scenario() -> TrainingScenario {
        parse_scenarios(include_str!("../../server/demo/training-scenarios.json"))
            .unwrap()
            .into_iter()
            .find(|s| s.id.ends_with("/birth"))
            .unwrap()
    }

    #[test]
    fn the_shipped_scenarios_follow_the_five_life_situations_in_both_languages() {
        let scenarios = parse_scenarios(include_str!("../../server/demo/training-scenarios.json")).unwrap();
        let situations: std::collections::BTreeSet<&str> =
            scenarios.iter().map(|s| s.life_situation.rsplit('/').next().unwrap()).collect();
        assert_eq!(situations, ["birth", "death", "moving", "retirement", "start"].into_iter().collect());
    }

    #[test]
    fn steps_are_checked_against_what_the_trainee_did() {
        use crate::case::{CaseKind, CaseStatus};
        let scenario = scenario();
        let customer = training_code(1, 2).to_string();
        let nothing = check_steps(&scenario, &customer, &SeatFacts::default());
        assert!(nothing.iter().all(|s| *s == StepState::Waiting), "{nothing:?}");
        let case = |service: &str, who: &str, status| CaseFact {
            number: "RCV-01-26-0001".into(),
            service_id: format!("https://pietura.lv/id/service/{service}"),
            customer_code: who.into(),
            kind: CaseKind::Application,
            status,
        };
        // The wrong person, then the wrong service: said so, with the case.
        let other = training_code(1, 3).to_string();
        let states = check_steps(
            &scenario,
            &customer,
            &SeatFacts {
                cases: vec![case("birth-registration", &other, CaseStatus::Registered)],
                ..Default::default()
            },
        );
        assert!(matches!(&states[0], StepState::Wrong { code, .. } if code == "other_customer"), "{states:?}");
        let states = check_steps(
            &scenario,
            &customer,
            &SeatFacts { cases: vec![case("dog-fee", &customer, CaseStatus::Registered)], ..Default::default() },
        );
        assert!(matches!(&states[0], StepState::Wrong { code, .. } if code == "other_service"), "{states:?}");
        // Registered and moved on past "submitted": both steps done; the form still waits.
        let facts = SeatFacts {
            cases: vec![case("birth-registration", &customer, CaseStatus::InProgress)],
            ..Default::default()
        };
        let states = check_steps(&scenario, &customer, &facts);
        assert_eq!(states[0], StepState::Done);
        assert_eq!(states[1], StepState::Done, "in progress is past submitted");
        assert!(states.contains(&StepState::Waiting));
        // Everything the scenario asks for: every step done.
        let mut all = SeatFacts::default();
        for step in &scenario.steps {
            match &step.check {
                StepCheck::CaseRegistered { service } | StepCheck::CaseReached { service, .. } => {
                    let short = service.rsplit('/').next().unwrap();
                    all.cases.push(case(short, &customer, CaseStatus::Closed));
                }
                StepCheck::FormSubmitted { form, .. } => all.submissions.push(SubmissionFact {
                    form: form.clone(),
                    applicant: customer.clone(),
                    data: serde_json::json!({ "phone": "+371 20000000", "email": "anna@example.lv" }),
                }),
                StepCheck::MessageSent { .. } => all.messages_about.push("RCV-01-26-0001".into()),
            }
        }
        assert!(check_steps(&scenario, &customer, &all).iter().all(|s| *s == StepState::Done));
        // A cancelled case reaches nothing.
        let cancelled = SeatFacts {
            cases: vec![case("birth-registration", &customer, CaseStatus::Cancelled)],
            ..Default::default()
        };
        assert!(
            matches!(&check_steps(&scenario, &customer, &cancelled)[1], StepState::Wrong { code, .. } if code == "cancelled")
        );
        // Advice registered where an application was needed: registered is done, submitting says
        // why it cannot come; an application beside it makes it wait again.
        let mut advice = case("birth-registration", &customer, CaseStatus::Registered);
        advice.kind = CaseKind::Consultation;
        let mut facts = SeatFacts { cases: vec![advice], ..Default::default() };
        let steps = check_steps(&scenario, &customer, &facts);
        assert_eq!(steps[0], StepState::Done);
        assert!(matches!(&steps[1], StepState::Wrong { code, .. } if code == "consultation"), "{steps:?}");
        facts.cases.push(case("birth-registration", &customer, CaseStatus::Registered));
        assert_eq!(check_steps(&scenario, &customer, &facts)[1], StepState::Waiting);
    }

    #[test]
    fn training_pins_are_as_long_as_a_real_cards() {
        // Latvian eID cards: PIN1 4–12 digits, PIN2 6–12 (`eid::apdu`); a 5-digit PIN2 once made
        // every training signature fail.
        assert!((4..=12).contains(&TRAINING_PIN1.len()) && TRAINING_PIN1.bytes().all(|b| b.is_ascii_digit()));
        assert!((6..=12).contains(&TRAINING_PIN2.len()) && TRAINING_PIN2.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn training_companies_have_valid_numbers_from_their_own_block() {
        let mut seen = std::collections::HashSet::new();
        for series in [1, 2, 77, u32::MAX] {
            for n in 0..200 {
                let number = training_company_number(series, n);
                assert!(number.as_str().starts_with(TRAINING_COMPANY_PREFIX), "{}", number.as_str());
                seen.insert(number.as_str().to_owned());
            }
        }
        assert!(seen.len() > 700, "few repeats across workshops: {}", seen.len());
        assert_eq!(training_company_number(3, 4), training_company_number(3, 4));
    }

    #[test]
    fn a_form_the_institution_finds_incomplete_is_wrong_until_a_complete_one_comes() {
        let birth = parse_scenarios(include_str!("../../server/demo/training-scenarios.json")).unwrap().remove(0);
        assert_eq!(birth.relatives.len(), 1, "the newborn son");
        let customer = training_code(1, 2).to_string();
        let form = "https://pietura.lv/id/form/preschool-queue";
        let submitted =
            |data: serde_json::Value| SubmissionFact { form: form.into(), applicant: customer.clone(), data };
        let step = |facts: &SeatFacts| check_steps(&birth, &customer, facts)[2].clone();
        let mut facts =
            SeatFacts { submissions: vec![submitted(serde_json::json!({ "phone": " " }))], ..Default::default() };
        assert!(
            matches!(step(&facts), StepState::Wrong { code, reason } if code == "refused_incomplete" && reason.contains("neither a phone")),
            "{:?}",
            step(&facts)
        );
        facts.submissions.push(submitted(serde_json::json!({ "email": "anna@example.lv" })));
        assert_eq!(step(&facts), StepState::Done);
        // Another person's complete form does not count for the customer.
        let other = SubmissionFact { applicant: training_code(1, 3).to_string(), ..facts.submissions.pop().unwrap() };
        facts.submissions = vec![other];
        assert!(matches!(step(&facts), StepState::Wrong { code, .. } if code == "other_applicant"));
    }

    #[test]
    fn scenarios_without_both_languages_or_with_twin_steps_are_refused() {
        let one = |steps: &str, en: &str| {
            format!(
                r#"[{{"id": "x", "life_situation": "y", "title": {{"lv": "A", "en": "{en}"}}, "story": {{"lv": "B", "en": "B"}}, "steps": {steps}}}]"#
            )
        };
        let step =
            r#"{"id": "s", "text": {"lv": "T", "en": "T"}, "check": {"kind": "case_registered", "service": "z"}}"#;
        assert!(parse_scenarios(&one(&format!("[{step}]"), "A")).is_ok());
        assert!(parse_scenarios(&one(&format!("[{step}]"), "")).unwrap_err().contains("no en"));
        assert!(parse_scenarios(&one(&format!("[{step}, {step}]"), "A")).unwrap_err().contains("two steps"));
        assert!(parse_scenarios(&one("[]", "A")).unwrap_err().contains("no steps"));
    }
}
