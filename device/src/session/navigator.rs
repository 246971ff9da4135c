//! The life-situation navigator on a desk or kiosk: a scenario's plan for the answers given,
//! from the offline catalogue (works without the network), and the plan printed as a checklist.

use domain::{
    catalogue::ChannelKind,
    catalogue_view::{PlanView, ServicePage, plan_view},
    navigator::{Answers, Applies},
};

use super::{DeviceSession, SessionError, cases::local_time};
use crate::ErrorCode;

impl DeviceSession {
    /// The plan of the scenario published for a life or business event, for `answers`, in the
    /// device's language; `None` when the event has no scenario.
    pub fn plan_for_event(&self, event_id: &str, answers: &Answers) -> Result<Option<PlanView>, SessionError> {
        let Some(scenario) = self.store.scenario_of_event(event_id)? else { return Ok(None) };
        let language = self.language()?;
        let mut failure = None;
        let view = plan_view(&scenario, answers, language, |id| match self.service_page(id) {
            Ok(page) => page,
            Err(error) => {
                failure.get_or_insert(error);
                None
            }
        });
        match failure {
            Some(error) => Err(error),
            None => Ok(view),
        }
    }

    /// The plan as a printed document in the device's language.
    pub fn plan_document(&self, plan: &PlanView) -> Result<print::Document, SessionError> {
        let language = self.language()?;
        let steps = plan
            .steps
            .iter()
            .filter(|s| s.applies != Applies::No)
            .map(|s| printed_step(language, s.applies, &s.service, s.note.as_ref().map(|n| n.text.clone())))
            .collect();
        let left_out = plan
            .steps
            .iter()
            .filter(|s| s.applies == Applies::No)
            .map(|s| (s.service.name.text.clone(), s.reason.as_ref().map(|r| r.text.clone()).unwrap_or_default()))
            .collect();
        Ok(print::life_plan(&print::LifePlan {
            language,
            title: plan.name.text.clone(),
            description: plan.description.as_ref().map(|d| d.text.clone()).unwrap_or_default(),
            answers: plan.questions.iter().map(|q| (q.text.text.clone(), q.answer)).collect(),
            steps,
            left_out,
            centre_name: self.centre_name()?,
            printed_at: local_time((self.clock)()),
        }))
    }

    /// A kiosk prints the plan for the person at it: through a pipe, under a neutral job title.
    pub fn print_plan(&self, event_id: &str, answers: &Answers) -> Result<String, SessionError> {
        let plan = self
            .plan_for_event(event_id, answers)?
            .ok_or_else(|| SessionError::new(ErrorCode::NotFound, format!("no scenario for {event_id}")))?;
        let pdf = self
            .pdf(&self.plan_document(&plan)?)
            .map_err(|e| SessionError::new(ErrorCode::PrintFailed, e.to_string()))?;
        let printer = self
            .printer()
            .ok_or_else(|| SessionError::new(ErrorCode::NoPrinter, "no printer is set up on this device"))?;
        printer
            .print(&pdf, super::messages::KIOSK_JOB_TITLE)
            .map_err(|e| SessionError::new(ErrorCode::PrintFailed, e.to_string()))
    }

    /// A desk saves the plan as a PDF for the customer, or prints it.
    pub fn save_plan(
        &self,
        event_id: &str,
        answers: &Answers,
        to_printer: bool,
    ) -> Result<super::PrintOutcome, SessionError> {
        let plan = self
            .plan_for_event(event_id, answers)?
            .ok_or_else(|| SessionError::new(ErrorCode::NotFound, format!("no scenario for {event_id}")))?;
        let name = event_id.rsplit('/').next().unwrap_or("plan");
        self.output(&self.plan_document(&plan)?, &format!("plan-{name}.pdf"), to_printer)
    }
}

/// A step as the printed checklist has it: what to bring (the evidence each requirement asks
/// for), where (each channel with its place), the cost, the time, the online address, who to ask.
fn printed_step(
    language: domain::Language,
    applies: Applies,
    page: &ServicePage,
    note: Option<String>,
) -> print::PlanStep {
    let bring = page
        .requirements
        .iter()
        .flat_map(|r| {
            if r.evidence.is_empty() {
                vec![r.name.text.clone()]
            } else {
                r.evidence.iter().map(|e| e.text.clone()).collect()
            }
        })
        .collect();
    let places = page
        .channels
        .iter()
        .map(|channel| {
            let kind: ChannelKind = serde_json::from_value(serde_json::Value::String(channel.kind.clone()))
                .unwrap_or(ChannelKind::Other(channel.kind.clone()));
            let label = print::channel_label(language, &kind);
            match &channel.location {
                Some(place) => format!("{label}: {}", place.text),
                None => label,
            }
        })
        .collect();
    let cost = if page.costs.is_empty() {
        print::plan_free(language)
    } else {
        page.costs
            .iter()
            .map(|c| {
                let amount = c.value_minor.map(|v| format!("{},{:02} €", v / 100, v % 100)).unwrap_or_default();
                let what = c.description.as_ref().map(|d| d.text.as_str()).unwrap_or_default();
                format!("{amount} {what}").trim().to_owned()
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    print::PlanStep {
        name: page.name.text.clone(),
        maybe: applies == Applies::Maybe,
        note: note.unwrap_or_default(),
        bring,
        places,
        cost,
        time: page.processing_time.clone().unwrap_or_default(),
        online: page.online_access_url.clone(),
        contacts: page
            .authorities
            .iter()
            .map(|a| {
                let phones = a.telephone.join(", ");
                if phones.is_empty() { a.name.text.clone() } else { format!("{} {phones}", a.name.text) }
            })
            .collect(),
    }
}
