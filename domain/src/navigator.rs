//! The life-situation navigator: a scenario ties a life event's services together in the order a
//! person goes through them, asks a few yes/no questions ("Do you own the property?") and leaves
//! out the steps that do not apply, saying why. Published by institutions like services (its
//! own catalogue record kind), shown at desks and kiosks, printed as a plan.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{FieldProblem, Problems, Text};

/// At most this many questions: a scenario is answered standing at a kiosk.
pub const MAX_QUESTIONS: usize = 8;
/// At most this many steps.
pub const MAX_STEPS: usize = 40;

/// A life-situation scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// The scenario's IRI.
    pub id: String,
    /// The organisation that publishes it.
    pub owner: String,
    /// The life or business event it guides through (`EventRef::id` of the services).
    pub event: String,
    pub name: Text,
    #[serde(default)]
    pub description: Text,
    #[serde(default)]
    pub questions: Vec<Question>,
    pub steps: Vec<Step>,
}

/// A yes/no question whose answer decides which steps apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Unique within the scenario (`owns-property`).
    pub id: String,
    pub text: Text,
    /// A line that helps answer it.
    #[serde(default)]
    pub help: Text,
}

/// One service in the order it is done, with what to know and when it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The service's IRI.
    pub service: String,
    /// What to know about this step in this situation.
    #[serde(default)]
    pub note: Text,
    /// The step applies only when every condition holds (none: always).
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Why it is left out when a condition does not hold, in the person's words ("You do not own
    /// the property, so there is no property tax to change").
    #[serde(default)]
    pub otherwise: Text,
}

/// "The answer to `question` is `answer`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub question: String,
    pub answer: bool,
}

/// Answers by question id; a question not answered yet is absent.
pub type Answers = BTreeMap<String, bool>;

/// Whether a step applies, given the answers so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Applies {
    Yes,
    /// A condition's question is not answered yet: shown, marked "maybe".
    Maybe,
    /// A condition does not hold: left out, with the step's `otherwise`.
    No,
}

impl Step {
    pub fn applies(&self, answers: &Answers) -> Applies {
        let mut result = Applies::Yes;
        for condition in &self.when {
            match answers.get(&condition.question) {
                Some(answer) if *answer != condition.answer => return Applies::No,
                Some(_) => {}
                None => result = Applies::Maybe,
            }
        }
        result
    }
}

impl Scenario {
    /// Every problem with the scenario as published, by path (`steps[2].when[0].question`).
    /// Whether the steps' services exist is the catalogue's to check.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Problems::default();
        problems.require_id("id", &self.id);
        problems.require_id("owner", &self.owner);
        problems.require_id("event", &self.event);
        if self.name.get("lv").is_none_or(|name| name.trim().is_empty()) {
            problems.add("name", "a Latvian name is required");
        }
        if self.questions.len() > MAX_QUESTIONS {
            problems.add("questions", format!("at most {MAX_QUESTIONS} questions"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, question) in self.questions.iter().enumerate() {
            problems.require_id(&format!("questions[{i}].id"), &question.id);
            if !seen.insert(question.id.as_str()) {
                problems.add(&format!("questions[{i}].id"), "is used by an earlier question");
            }
            if question.text.get("lv").is_none_or(|text| text.trim().is_empty()) {
                problems.add(&format!("questions[{i}].text"), "a Latvian question is required");
            }
        }
        if self.steps.is_empty() {
            problems.add("steps", "at least one step is required");
        }
        if self.steps.len() > MAX_STEPS {
            problems.add("steps", format!("at most {MAX_STEPS} steps"));
        }
        let mut services = std::collections::BTreeSet::new();
        for (i, step) in self.steps.iter().enumerate() {
            problems.require_id(&format!("steps[{i}].service"), &step.service);
            if !services.insert(step.service.as_str()) {
                problems.add(&format!("steps[{i}].service"), "is already an earlier step");
            }
            for (j, condition) in step.when.iter().enumerate() {
                if !seen.contains(condition.question.as_str()) {
                    problems.add(&format!("steps[{i}].when[{j}].question"), "names no question of this scenario");
                }
            }
            if !step.when.is_empty() && step.otherwise.get("lv").is_none_or(|text| text.trim().is_empty()) {
                problems.add(
                    &format!("steps[{i}].otherwise"),
                    "a step with conditions says in Latvian why it may be left out",
                );
            }
        }
        problems.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lv: &str) -> Text {
        Text::new().with("lv", lv)
    }

    fn scenario() -> Scenario {
        Scenario {
            id: "https://pietura.lv/id/scenario/moving".into(),
            owner: "https://pietura.lv/id/org/pmlp".into(),
            event: "https://pietura.lv/id/event/moving".into(),
            name: text("Dzīvesvietas maiņa"),
            description: Text::new(),
            questions: vec![
                Question { id: "owns".into(), text: text("Vai īpašums ir jūsu?"), help: Text::new() },
                Question { id: "car".into(), text: text("Vai jums ir auto?"), help: Text::new() },
            ],
            steps: vec![
                Step { service: "s/declare".into(), note: Text::new(), when: vec![], otherwise: Text::new() },
                Step {
                    service: "s/waste".into(),
                    note: Text::new(),
                    when: vec![Condition { question: "owns".into(), answer: true }],
                    otherwise: text("Līgumu slēdz īpašnieks."),
                },
                Step {
                    service: "s/parking".into(),
                    note: Text::new(),
                    when: vec![
                        Condition { question: "owns".into(), answer: false },
                        Condition { question: "car".into(), answer: true },
                    ],
                    otherwise: text("Atļauja vajadzīga tikai īrniekiem ar auto."),
                },
            ],
        }
    }

    #[test]
    fn steps_apply_by_the_answers_and_unanswered_ones_are_maybe() {
        let scenario = scenario();
        let applies = |answers: &[(&str, bool)]| -> Vec<Applies> {
            let answers: Answers = answers.iter().map(|(q, a)| ((*q).to_owned(), *a)).collect();
            scenario.steps.iter().map(|s| s.applies(&answers)).collect()
        };
        assert_eq!(applies(&[]), [Applies::Yes, Applies::Maybe, Applies::Maybe]);
        assert_eq!(applies(&[("owns", true)]), [Applies::Yes, Applies::Yes, Applies::No]);
        assert_eq!(applies(&[("owns", false)]), [Applies::Yes, Applies::No, Applies::Maybe]);
        assert_eq!(applies(&[("owns", false), ("car", true)]), [Applies::Yes, Applies::No, Applies::Yes]);
        assert_eq!(applies(&[("owns", false), ("car", false)]), [Applies::Yes, Applies::No, Applies::No]);
    }

    #[test]
    fn a_scenario_is_checked_field_by_field() {
        assert_eq!(scenario().problems(), []);
        let mut broken = scenario();
        broken.name = Text::new().with("en", "Moving");
        broken.questions.push(Question { id: "owns".into(), text: Text::new(), help: Text::new() });
        broken.steps[1].when[0].question = "rents".into();
        broken.steps[2].otherwise = Text::new();
        broken.steps.push(broken.steps[0].clone());
        let paths: Vec<String> = broken.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "name",
                "questions[2].id",
                "questions[2].text",
                "steps[1].when[0].question",
                "steps[2].otherwise",
                "steps[3].service"
            ]
        );
        let empty = Scenario { steps: vec![], ..scenario() };
        assert_eq!(empty.problems()[0].path, "steps");
    }
}
