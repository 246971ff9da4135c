//! The citizen fills a self-service e-form themselves (issue 16): step by step with large buttons
//! for choices and the on-screen keyboard for text, checked at every change by the same
//! validator as the desk's, then read as the PDF they will sign and signed with their own card
//! (PIN2). The answers live only here, in the screen's memory: no draft is kept on the kiosk.

use std::collections::{BTreeMap, BTreeSet};

use device::session::{FieldView, FormView, OwnFormCheck, PreparedOwnApplication};
use forms::Widget;
use serde_json::Value;

use super::signing::{SignEvent, SignPanel, SignTexts, read_and_sign, sign_problem};
use super::wipe::Wipe;
use super::*;

/// Keys for words and addresses, and for codes, numbers and dates.
const TEXT_KEY_ROWS: [&str; 6] = ["1234567890", "āčēģīķļņšūž", "qwertyuiop", "asdfghjkl", "zxcvbnm", ".,-@_/\"'()"];
const NUMBER_KEY_ROWS: [&str; 2] = ["1234567890", "-.,"];

/// A self-service form being filled, read or signed.
#[derive(Clone)]
pub struct OwnFormDraft {
    pub form: FormView,
    /// The answers (an object keyed by field), as the validator reads them.
    pub data: Value,
    /// What is typed in each text field, as typed (numbers and dates are read from it).
    pub(super) texts: BTreeMap<String, String>,
    pub step: usize,
    /// The text field the keyboard types into.
    pub focused: Option<String>,
    /// What the answers stand at; `None` until the kiosk checked them after a change.
    pub check: Option<OwnFormCheck>,
    /// Fields whose problems are shown (the citizen left them or pressed "Next").
    pub(super) touched: BTreeSet<String>,
    pub stage: OwnFormStage,
    pin: zeroize::Zeroizing<String>,
    capital: bool,
    zoomed: bool,
    /// A line about the last failure, in the kiosk's language.
    pub problem: Option<String>,
    pub(super) textures: Vec<egui::TextureHandle>,
}

#[derive(Clone)]
pub enum OwnFormStage {
    Filling,
    /// The application is being made into its PDF.
    Preparing,
    Reading {
        prepared: Box<PreparedOwnApplication>,
        pages: Vec<egui::ColorImage>,
        pin_pad: bool,
        tries: Option<u8>,
    },
    Sending {
        prepared: Box<PreparedOwnApplication>,
        pages: Vec<egui::ColorImage>,
        pin_pad: bool,
        tries: Option<u8>,
    },
    /// Sent: to which institution, under which subject.
    Sent {
        institution: String,
        subject: String,
    },
}

impl OwnFormDraft {
    pub fn new(form: FormView, data: Value) -> Self {
        let texts = form
            .steps
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|f| is_typed(f.widget))
            .filter_map(|f| {
                let value = data.get(&f.field)?;
                Some((f.field.clone(), value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
            })
            .collect();
        Self {
            form,
            data,
            texts,
            step: 0,
            focused: None,
            check: None,
            touched: BTreeSet::new(),
            stage: OwnFormStage::Filling,
            pin: Default::default(),
            capital: true,
            zoomed: false,
            problem: None,
            textures: Vec::new(),
        }
    }

    /// Whether the kiosk should check the answers again (they changed since).
    pub fn needs_check(&self) -> bool {
        self.check.is_none()
    }

    fn applies(&self, field: &str) -> bool {
        self.check.as_ref().is_none_or(|c| c.applicable.contains(field))
    }

    fn error_of(&self, field: &str, language: Language) -> Option<String> {
        let error = self.check.as_ref()?.errors.iter().find(|e| e.field == field)?;
        Some(if language == Language::En { error.en.clone() } else { error.lv.clone() })
    }

    /// The steps that show at least one field now.
    fn shown_steps(&self) -> Vec<usize> {
        (0..self.form.steps.len())
            .filter(|&i| self.form.steps[i].fields.iter().any(|f| self.applies(&f.field)))
            .collect()
    }

    fn set(&mut self, field: &str, value: Option<Value>) {
        if let Value::Object(map) = &mut self.data {
            match value {
                Some(value) => {
                    map.insert(field.to_owned(), value);
                }
                None => {
                    map.remove(field);
                }
            }
        }
        self.check = None;
    }

    /// The typed text of `field` into the answers, read as its widget wants.
    fn typed(&mut self, field: &FieldView) {
        let text = self.texts.get(&field.field).map(String::as_str).unwrap_or_default();
        let value = field.widget.typed_value(text);
        self.set(&field.field, value);
    }
}

/// Whether a widget is typed on the keyboard (the others are chosen with buttons).
fn is_typed(widget: Widget) -> bool {
    !matches!(widget, Widget::Radio | Widget::List | Widget::YesNo | Widget::File)
}

impl CitizenScreen {
    /// The forms a citizen may fill here, or the one being filled.
    pub(super) fn own_forms_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        if self.filling.is_some() {
            return self.own_form_ui(ui, language);
        }
        let mut action = None;
        ui.label(tr(language, "own_form.intro"));
        if let Some(notice) = &self.notice {
            ui.colored_label(ui.visuals().error_fg_color, notice);
        }
        ui.add_space(8.0);
        match &self.own_forms {
            Loadable::Loading => {
                ui.label(tr(language, "own_form.loading"));
            }
            Loadable::Failed(code) => failed(ui, language, code),
            Loadable::Loaded(forms) if forms.is_empty() => {
                ui.label(tr(language, "own_form.none"));
            }
            Loadable::Loaded(forms) => {
                let width = ui.available_width().min(760.0);
                for form in forms {
                    let tile = crate::screens::widgets::tile(
                        ui,
                        "📝",
                        &form.title.text,
                        None,
                        width,
                        crate::screens::widgets::TileKind::Plain,
                    );
                    if tile.clicked() {
                        action = Some(CitizenAction::StartForm(form.id.clone()));
                    }
                    ui.add_space(8.0);
                }
            }
        }
        action
    }

    fn own_form_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
        let draft = self.filling.as_mut()?;
        let mut action = None;
        ui.label(egui::RichText::new(&draft.form.title.text).strong().size(24.0));
        let reading = matches!(draft.stage, OwnFormStage::Reading { .. } | OwnFormStage::Sending { .. });
        if !reading && let Some(problem) = &draft.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
        let sending = matches!(draft.stage, OwnFormStage::Sending { .. });
        match &mut draft.stage {
            OwnFormStage::Filling => action = filling_ui(draft, ui, language),
            OwnFormStage::Preparing => {
                ui.label(tr(language, "own_form.preparing"));
            }
            OwnFormStage::Reading { prepared, pages, pin_pad, tries }
            | OwnFormStage::Sending { prepared, pages, pin_pad, tries } => {
                ui.label(tr(language, "own_form.goes_to").replace("{institution}", &prepared.institution));
                let texts = SignTexts {
                    read_it: "own_form.read_it",
                    page: "own_form.page",
                    change: "own_form.change",
                    cancel: "own_form.cancel",
                };
                let panel = SignPanel {
                    id: "own-form",
                    pages,
                    total: prepared.total,
                    textures: &mut draft.textures,
                    zoomed: &mut draft.zoomed,
                    pin: &mut draft.pin,
                    pin_pad: *pin_pad,
                    tries: *tries,
                    sending,
                    problem: &draft.problem,
                };
                action = match read_and_sign(ui, language, &texts, panel) {
                    Some(SignEvent::Change) => Some(CitizenAction::ChangeForm),
                    Some(SignEvent::Cancel) => Some(CitizenAction::CancelForm),
                    Some(SignEvent::Sign(pin)) => Some(CitizenAction::SignForm(pin)),
                    None => None,
                };
            }
            OwnFormStage::Sent { institution, subject } => {
                ui.label(
                    egui::RichText::new(
                        tr(language, "own_form.sent")
                            .replace("{subject}", subject)
                            .replace("{institution}", institution),
                    )
                    .size(26.0),
                );
                ui.label(tr(language, "own_form.sent_where"));
                if big(ui, tr(language, "own_form.done")) {
                    action = Some(CitizenAction::CancelForm);
                }
            }
        }
        action
    }

    /// What a form action shows at once, and what to ask for.
    pub(super) fn begin_form(&mut self, action: CitizenAction, language: Language) -> Option<MailRequest> {
        match action {
            CitizenAction::StartForm(id) => {
                self.notice = None;
                Some(MailRequest::StartForm { id, language })
            }
            CitizenAction::CancelForm => {
                self.filling.wipe();
                None
            }
            CitizenAction::ChangeForm => {
                let draft = self.filling.as_mut()?;
                draft.stage = OwnFormStage::Filling;
                draft.textures.clear();
                draft.problem = None;
                None
            }
            CitizenAction::PrepareForm => {
                let draft = self.filling.as_mut()?;
                draft.stage = OwnFormStage::Preparing;
                draft.problem = None;
                Some(MailRequest::PrepareForm {
                    id: draft.form.id.clone(),
                    version: draft.form.version,
                    data: draft.data.clone(),
                    language,
                })
            }
            CitizenAction::SignForm(pin) => {
                let draft = self.filling.as_mut()?;
                let OwnFormStage::Reading { prepared, pages, pin_pad, tries } =
                    std::mem::replace(&mut draft.stage, OwnFormStage::Preparing)
                else {
                    return None;
                };
                draft.problem = None;
                draft.stage = OwnFormStage::Sending { prepared: prepared.clone(), pages, pin_pad, tries };
                Some(MailRequest::SendForm { prepared, pin })
            }
            _ => None,
        }
    }

    /// A form started, made (to read), or sent (or not).
    pub(super) fn form_answered(&mut self, answer: FormAnswer, language: Language) {
        match answer {
            FormAnswer::List(result) => self.own_forms = loadable(result),
            FormAnswer::Started(Ok((form, data))) => self.filling = Some(OwnFormDraft::new(form, data)),
            FormAnswer::Started(Err(error)) => self.notice = Some(error_text(language, &error.code)),
            FormAnswer::Prepared(result) => {
                let Some(draft) = self.filling.as_mut() else { return };
                match result {
                    Ok((prepared, pages, pin_pad, tries)) => {
                        draft.textures.clear();
                        draft.stage = OwnFormStage::Reading { prepared, pages, pin_pad, tries };
                    }
                    Err(error) => {
                        draft.stage = OwnFormStage::Filling;
                        draft.problem = Some(error_text(language, &error.code));
                    }
                }
            }
            FormAnswer::Sent(result) => {
                let Some(draft) = self.filling.as_mut() else { return };
                let OwnFormStage::Sending { prepared, pages, pin_pad, tries } =
                    std::mem::replace(&mut draft.stage, OwnFormStage::Preparing)
                else {
                    return;
                };
                match result {
                    Ok(message) => {
                        draft.stage =
                            OwnFormStage::Sent { institution: prepared.institution.clone(), subject: message.subject };
                    }
                    Err((error, tries_now)) => {
                        let tries = tries_now.or(tries);
                        draft.problem = Some(sign_problem(language, &error, tries));
                        draft.stage = OwnFormStage::Reading { prepared, pages, pin_pad, tries };
                    }
                }
            }
        }
    }
}

/// One step's fields beside the keyboard, with the way on.
fn filling_ui(draft: &mut OwnFormDraft, ui: &mut egui::Ui, language: Language) -> Option<CitizenAction> {
    let mut action = None;
    let shown = draft.shown_steps();
    let position = shown.iter().position(|&s| s == draft.step).unwrap_or(0);
    draft.step = shown.get(position).copied().unwrap_or(0);
    let step = draft.form.steps.get(draft.step).cloned()?;
    ui.label(
        egui::RichText::new(
            tr(language, "own_form.step")
                .replace("{step}", &(position + 1).to_string())
                .replace("{steps}", &shown.len().to_string())
                .replace("{title}", &step.title.text),
        )
        .size(20.0),
    );
    let required = draft.check.as_ref().map(|c| c.required.clone()).unwrap_or_default();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(560.0);
            // The fields take what the screen has left above the way on (its buttons' row).
            let height = (ui.available_height() - 110.0).max(240.0);
            egui::ScrollArea::vertical().max_height(height).show(ui, |ui| {
                let shown: Vec<&FieldView> = step.fields.iter().filter(|f| draft.applies(&f.field)).collect();
                for field in shown {
                    field_ui(draft, ui, language, field, required.contains(&field.field));
                    ui.add_space(6.0);
                }
            });
            ui.horizontal(|ui| {
                if position > 0 && big(ui, tr(language, "own_form.back")) {
                    draft.step = shown[position - 1];
                    draft.focused = None;
                }
                let last = position + 1 == shown.len();
                let next = tr(language, if last { "own_form.read_before_signing" } else { "own_form.next" });
                if crate::screens::widgets::primary_button(ui, &next).clicked() {
                    // Every problem of the step shows; the citizen goes on only without one.
                    let fields: Vec<String> = step.fields.iter().map(|f| f.field.clone()).collect();
                    draft.touched.extend(fields.iter().cloned());
                    let problems =
                        draft.check.as_ref().is_none_or(|c| c.errors.iter().any(|e| fields.contains(&e.field)));
                    if !problems {
                        draft.focused = None;
                        if last {
                            action = Some(CitizenAction::PrepareForm);
                        } else {
                            draft.step = shown[position + 1];
                        }
                    }
                }
                if big(ui, tr(language, "own_form.cancel")) {
                    action = Some(CitizenAction::CancelForm);
                }
            });
        });
        let focused = draft.focused.clone().and_then(|f| step.fields.iter().find(|l| l.field == f).cloned());
        if focused.is_none() && step.fields.iter().any(|f| is_typed(f.widget) && draft.applies(&f.field)) {
            ui.vertical(|ui| {
                ui.add_space(40.0);
                ui.label(tr(language, "own_form.tap_field"));
            });
        }
        if let Some(field) = focused {
            ui.vertical(|ui| {
                ui.spacing_mut().item_spacing = egui::vec2(6.0, 6.0);
                ui.label(tr(language, "own_form.typing").replace("{field}", &field.label.text));
                let numeric = matches!(
                    field.widget,
                    Widget::Number | Widget::Money | Widget::Date | Widget::PersonalCode | Widget::RegistrationNumber
                );
                let rows: &[&str] = if numeric { &NUMBER_KEY_ROWS } else { &TEXT_KEY_ROWS };
                let writing = if numeric { None } else { Some(draft.capital) };
                let mut kind = crate::screens::KeyboardKind { writing, closable: true };
                let text = draft.texts.entry(field.field.clone()).or_default();
                let before = text.clone();
                let closed = crate::screens::on_screen_keyboard(ui, language, text, rows, &mut kind);
                let changed = *text != before;
                draft.capital = kind.writing == Some(true);
                if changed {
                    draft.typed(&field);
                }
                if closed {
                    draft.touched.insert(field.field.clone());
                    draft.focused = None;
                }
            });
        }
    });
    action
}

/// One field: its label (and whether it must be answered), help, the way to answer, its problem.
fn field_ui(draft: &mut OwnFormDraft, ui: &mut egui::Ui, language: Language, field: &FieldView, required: bool) {
    let label_text = if required {
        format!("{} ({})", field.label.text, tr(language, "own_form.required"))
    } else {
        field.label.text.clone()
    };
    let label = ui.label(egui::RichText::new(label_text).strong().size(20.0));
    if let Some(help) = &field.help {
        ui.label(&help.text);
    }
    match field.widget {
        Widget::Radio | Widget::List => {
            let current = draft.data.get(&field.field).and_then(Value::as_str).map(str::to_owned);
            ui.horizontal_wrapped(|ui| {
                for choice in &field.choices {
                    let on = current.as_deref() == Some(choice.value.as_str());
                    let button = egui::Button::new(&choice.label.text).selected(on).min_size(egui::vec2(160.0, 52.0));
                    if ui.add(button).clicked() {
                        draft.set(&field.field, Some(Value::String(choice.value.clone())));
                        draft.touched.insert(field.field.clone());
                        draft.focused = None;
                    }
                }
            });
        }
        Widget::YesNo => {
            let current = draft.data.get(&field.field).and_then(Value::as_bool);
            ui.horizontal(|ui| {
                for (value, key) in [(true, "own_form.yes"), (false, "own_form.no")] {
                    let button = egui::Button::new(tr(language, key))
                        .selected(current == Some(value))
                        .min_size(egui::vec2(160.0, 52.0));
                    if ui.add(button).clicked() {
                        draft.set(&field.field, Some(Value::Bool(value)));
                        draft.touched.insert(field.field.clone());
                        draft.focused = None;
                    }
                }
            });
        }
        Widget::File => {
            // Nothing to attach here: when the answers need a document, that is the problem.
            let needed = draft.touched.contains(&field.field) && draft.error_of(&field.field, language).is_some();
            let text = tr(language, "own_form.no_files");
            if needed {
                ui.colored_label(ui.visuals().error_fg_color, text);
            } else {
                ui.label(text);
            }
            return;
        }
        _ => {
            let focused = draft.focused.as_deref() == Some(field.field.as_str());
            let text = draft.texts.entry(field.field.clone()).or_default();
            let edit = egui::TextEdit::singleline(text).desired_width(520.0).font(egui::TextStyle::Button);
            let response = ui.add(edit).labelled_by(label.id);
            if response.changed() {
                draft.typed(field);
            }
            // The keyboard types into the field tapped last; the one left shows its problems.
            if (response.gained_focus() || response.clicked())
                && !focused
                && let Some(previous) = draft.focused.replace(field.field.clone())
            {
                draft.touched.insert(previous);
            }
        }
    }
    if draft.touched.contains(&field.field)
        && let Some(problem) = draft.error_of(&field.field, language)
    {
        ui.colored_label(ui.visuals().error_fg_color, problem);
    }
}

/// An application made and drawn: its pages' pixels, whether the reader has a PIN pad, and
/// PIN2 tries left.
pub type ReadyToSign = (Box<PreparedOwnApplication>, Vec<egui::ColorImage>, bool, Option<u8>);

/// What the kiosk answered about the citizen's own forms.
pub enum FormAnswer {
    List(Result<Vec<device::session::FormSummary>, SessionError>),
    Started(Result<(FormView, Value), SessionError>),
    /// The application as its pages, whether the reader has a PIN pad, and PIN2 tries left.
    Prepared(Result<ReadyToSign, SessionError>),
    /// Sent; or why not, with PIN2 tries left as the card says now.
    Sent(Result<protocol::MessageDto, (SessionError, Option<u8>)>),
}
