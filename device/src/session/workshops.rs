//! The trainer's side of a workshop at a training desk (issue 18): the scenarios offered,
//! opening a workshop, every seat's progress, resetting seats, and the trainees' handouts.
//! Online only: a workshop is followed live.

use protocol::{NewWorkshopRequest, ResetRequest, TrainingScenarios, WorkshopList, WorkshopView};

use super::{DeviceSession, PrintOutcome, SessionError};
use crate::ErrorCode;

fn invalid(code: ErrorCode, message: impl Into<String>) -> SessionError {
    SessionError::new(code, message)
}

impl DeviceSession {
    fn require_trainer(&self) -> Result<(), SessionError> {
        if !self.training() {
            return Err(invalid(ErrorCode::NotTrainer, "workshops are run from a training desk (PIETURA_TRAINING=1)"));
        }
        let view = self.login.view();
        match (view.state, view.person) {
            ("logged_in", Some(person)) if person.roles.iter().any(|r| r == "trainer") => Ok(()),
            ("logged_in", Some(_)) => Err(invalid(ErrorCode::NotTrainer, "this needs the trainer's role")),
            _ => Err(invalid(ErrorCode::NotLoggedIn, "log in with your eID card")),
        }
    }

    async fn trainer_call<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, SessionError> {
        self.require_trainer()?;
        let (client, credentials, token) = self.person_call()?;
        Ok(client.send_as_person(method, &credentials, &token, path, body).await?)
    }

    /// The scenarios the training server offers.
    pub async fn training_scenarios(&self) -> Result<TrainingScenarios, SessionError> {
        self.trainer_call::<(), _>(reqwest::Method::GET, protocol::TRAINING_SCENARIOS_PATH, None).await
    }

    /// The centre's workshops, the newest first.
    pub async fn workshops(&self) -> Result<WorkshopList, SessionError> {
        self.trainer_call::<(), _>(reqwest::Method::GET, protocol::TRAINING_WORKSHOPS_PATH, None).await
    }

    /// Opens a workshop; its answer (with the seats' one-time enrollment codes) is kept in memory
    /// for the handouts.
    pub async fn open_workshop(&self, scenarios: Vec<String>, seats: u8) -> Result<WorkshopView, SessionError> {
        let body = NewWorkshopRequest { scenarios, seats };
        let opened: WorkshopView =
            self.trainer_call(reqwest::Method::POST, protocol::TRAINING_WORKSHOPS_PATH, Some(&body)).await?;
        *self.opened_workshop.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(opened.clone());
        Ok(opened)
    }

    /// A workshop with every seat's progress now.
    pub async fn workshop(&self, id: uuid::Uuid) -> Result<WorkshopView, SessionError> {
        self.trainer_call::<(), _>(reqwest::Method::GET, &format!("/v1/training/workshops/{id}"), None).await
    }

    /// Starts one seat (or all of them) again.
    pub async fn reset_workshop(&self, id: uuid::Uuid, seat: Option<u8>) -> Result<WorkshopView, SessionError> {
        let body = ResetRequest { seat };
        self.trainer_call(reqwest::Method::POST, &format!("/v1/training/workshops/{id}/reset"), Some(&body)).await
    }

    /// One page per seat for the trainees, of the workshop opened last on this desk: the seat, its
    /// desk's enrollment code, the training clerk and the customers with their cards' PINs.
    pub fn workshop_handouts(&self, to_printer: bool) -> Result<PrintOutcome, SessionError> {
        self.require_trainer()?;
        let opened = self.opened_workshop.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let opened = opened.ok_or_else(|| {
            invalid(
                ErrorCode::NotFound,
                "handouts are printed right after opening a workshop, while its codes are known",
            )
        })?;
        let language = self.language()?;
        let lv = language == domain::Language::Lv;
        let title_of = |id: &str| {
            opened
                .scenarios
                .iter()
                .find(|s| s.id == id)
                .and_then(|s| s.title.get(language.code()).or_else(|| s.title.get("lv")).map(str::to_owned))
                .unwrap_or_else(|| id.to_owned())
        };
        let mut blocks = Vec::new();
        for seat in &opened.seats {
            blocks.push(print::Block::Heading(if lv {
                format!("Vieta {} — {}", seat.seat, seat.device_name)
            } else {
                format!("Seat {} — {}", seat.seat, seat.device_name)
            }));
            let code = seat.enrollment_code.clone().unwrap_or_else(|| "—".into());
            let pins = |p: &protocol::TrainingPerson| format!("PIN1 {} · PIN2 {}", p.pin1, p.pin2);
            let mut fields = vec![
                ((if lv { "Pievienošanas kods" } else { "Enrollment code" }).to_owned(), code),
                (
                    (if lv { "Jūs (darbinieks)" } else { "You (the clerk)" }).to_owned(),
                    format!(
                        "{} {} ({}), {}",
                        seat.clerk.given_name,
                        seat.clerk.surname,
                        seat.clerk.personal_code,
                        pins(&seat.clerk)
                    ),
                ),
            ];
            for customer in &seat.customers {
                fields.push((
                    title_of(&customer.scenario),
                    format!(
                        "{} {} ({}), {}",
                        customer.person.given_name,
                        customer.person.surname,
                        customer.person.personal_code,
                        pins(&customer.person)
                    ),
                ));
                for relative in &customer.relatives {
                    let role =
                        relative.role.get(language.code()).or_else(|| relative.role.get("lv")).unwrap_or_default();
                    fields.push((
                        format!("  {role}"),
                        format!(
                            "{} {} ({})",
                            relative.person.given_name, relative.person.surname, relative.person.personal_code
                        ),
                    ));
                }
            }
            blocks.push(print::Block::Fields(fields));
            blocks.push(print::Block::Rule);
        }
        let document = print::Document {
            title: if lv {
                format!("Mācības {}: dalībnieku lapas", opened.series)
            } else {
                format!("Workshop {}: handouts", opened.series)
            },
            blocks,
            footer: if lv {
                "Mācību personas un kartes: nav īstu cilvēku.".into()
            } else {
                "Training people and cards: no real people.".into()
            },
        };
        self.output(&document, &format!("macibas-{}.pdf", opened.series), to_printer)
    }
}
