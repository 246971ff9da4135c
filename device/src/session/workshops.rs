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

    /// The attendance and completion record of a workshop, for the trainer to print or keep at
    /// its end: per trainee (seat), whether they came (their training card logged in) and how far
    /// they got in each scenario; a line for the trainer's signature. Made on the training desk
    /// from the training server's view, marked as training like every page it prints.
    pub async fn workshop_record(&self, id: uuid::Uuid, to_printer: bool) -> Result<PrintOutcome, SessionError> {
        let view = self.workshop(id).await?;
        let language = self.language()?;
        let lv = language == domain::Language::Lv;
        let text =
            |t: &domain::catalogue::Text| t.get(language.code()).or_else(|| t.get("lv")).unwrap_or_default().to_owned();
        let trainer = self.login.view().person.map(|p| format!("{} {}", p.given_name, p.surname)).unwrap_or_default();
        let centre = self.enrollment()?.map(|e| e.centre.name).unwrap_or_default();
        let finished_all = view.seats.iter().filter(|s| s.progress.iter().all(|p| p.finished)).count();
        let came = view.seats.iter().filter(|s| s.last_login_at.is_some()).count();
        let mut blocks = vec![
            print::Block::Fields(vec![
                ((if lv { "Centrs" } else { "Centre" }).to_owned(), centre),
                ((if lv { "Atvērtas" } else { "Opened" }).to_owned(), super::cases::local_time(view.created_at)),
                ((if lv { "Treneris" } else { "Trainer" }).to_owned(), trainer),
                (
                    (if lv { "Ieradās" } else { "Attended" }).to_owned(),
                    if lv {
                        format!("{came} no {}", view.seats.len())
                    } else {
                        format!("{came} of {}", view.seats.len())
                    },
                ),
                (
                    (if lv { "Pabeidza visu" } else { "Finished everything" }).to_owned(),
                    if lv {
                        format!("{finished_all} no {}", view.seats.len())
                    } else {
                        format!("{finished_all} of {}", view.seats.len())
                    },
                ),
            ]),
            print::Block::Rule,
        ];
        for seat in &view.seats {
            blocks.push(print::Block::Heading(format!(
                "{} {} — {} {} ({})",
                if lv { "Vieta" } else { "Seat" },
                seat.seat,
                seat.clerk.given_name,
                seat.clerk.surname,
                seat.clerk.personal_code
            )));
            let attended = match seat.last_login_at {
                Some(at) if lv => format!("jā (pēdējoreiz pieslēdzās {})", super::cases::local_time(at)),
                Some(at) => format!("yes (last logged in {})", super::cases::local_time(at)),
                None if lv => "nē (nav pieslēdzies)".to_owned(),
                None => "no (never logged in)".to_owned(),
            };
            let mut fields = vec![((if lv { "Piedalījās" } else { "Attended" }).to_owned(), attended)];
            for progress in &seat.progress {
                let title = view
                    .scenarios
                    .iter()
                    .find(|s| s.id == progress.scenario)
                    .map_or_else(|| progress.scenario.clone(), |s| text(&s.title));
                let done = progress.steps.iter().filter(|s| s.state == "done").count();
                let total = progress.steps.len();
                let result = match (progress.finished, lv) {
                    (true, true) => "pabeigts".to_owned(),
                    (true, false) => "finished".to_owned(),
                    (false, true) => format!("nav pabeigts: {done} no {total} soļiem"),
                    (false, false) => format!("not finished: {done} of {total} steps"),
                };
                fields.push((title, result));
            }
            blocks.push(print::Block::Fields(fields));
        }
        blocks.push(print::Block::Rule);
        blocks.push(print::Block::Paragraph(if lv {
            "Trenera paraksts: ______________________     Datums: ____________".into()
        } else {
            "Trainer's signature: ______________________     Date: ____________".into()
        }));
        let document = print::Document {
            title: if lv {
                format!("Mācības {}: apmeklējums un rezultāti", view.series)
            } else {
                format!("Workshop {}: attendance and completion", view.series)
            },
            blocks,
            footer: if lv {
                "Mācību dati no mācību servera: tie nenonāk īstajā pakalpojumā.".into()
            } else {
                "Training data from the training server: it never reaches the real service.".into()
            },
        };
        self.output(&document, &format!("macibas-{}-rezultati.pdf", view.series), to_printer)
    }
}
