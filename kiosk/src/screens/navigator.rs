//! The life-situation navigator at the kiosk: a few yes/no questions beside the plan they shape —
//! the steps that apply, numbered in order, each opening its service page; the ones left out,
//! with why; and "print the plan".

use domain::{
    Language,
    catalogue_view::{BrowseEntry, PlanView},
    navigator::{Answers, Applies},
};

use super::{HomeAction, widgets};
use crate::texts::tr;

/// A life situation being gone through: its answers so far and the plan they give.
#[derive(Debug, Clone)]
pub struct NavigatorView {
    pub entry: BrowseEntry,
    pub answers: Answers,
    pub plan: PlanView,
    /// The line about the last printing.
    pub notice: Option<String>,
}

impl NavigatorView {
    pub fn new(entry: BrowseEntry, plan: PlanView) -> Self {
        Self { entry, answers: Answers::new(), plan, notice: None }
    }

    pub fn ui(&self, ui: &mut egui::Ui, language: Language) -> Option<HomeAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            widgets::decoration(ui, widgets::situation_icon(&self.entry.id), 36.0);
            ui.heading(&self.plan.name.text);
        });
        if let Some(description) = &self.plan.description {
            ui.label(&description.text);
        }
        ui.add_space(8.0);
        let questions_width = (ui.available_width() * 0.42).max(320.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(questions_width);
                if let Some(asked) = self.questions_ui(ui, language) {
                    action = Some(asked);
                }
            });
            ui.vertical(|ui| {
                if let Some(asked) = self.steps_ui(ui, language) {
                    action = Some(asked);
                }
            });
        });
        action
    }

    fn questions_ui(&self, ui: &mut egui::Ui, language: Language) -> Option<HomeAction> {
        let mut action = None;
        if self.plan.questions.is_empty() {
            return None;
        }
        ui.label(egui::RichText::new(tr(language, "navigator.questions")).text_style(egui::TextStyle::Button).strong());
        for question in &self.plan.questions {
            ui.add_space(6.0);
            ui.label(egui::RichText::new(&question.text.text).strong());
            if let Some(help) = &question.help {
                ui.label(egui::RichText::new(&help.text).small());
            }
            ui.horizontal(|ui| {
                for (answer, key) in [(true, "navigator.yes"), (false, "navigator.no")] {
                    let said = tr(language, key);
                    let chosen = question.answer == Some(answer);
                    // Framed even when not chosen: it must look pressable.
                    let button = egui::Button::new(&said).selected(chosen).min_size(egui::vec2(110.0, 52.0));
                    let response = ui.add(button);
                    // Heard with its question: "Vai ģimene dzīvo Rīgā? Jā".
                    let name = format!("{} {said}", question.text.text);
                    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, chosen, &name));
                    if response.clicked() {
                        action = Some(HomeAction::Answer(question.id.clone(), (!chosen).then_some(answer)));
                    }
                }
            });
        }
        action
    }

    fn steps_ui(&self, ui: &mut egui::Ui, language: Language) -> Option<HomeAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(tr(language, "navigator.steps")).text_style(egui::TextStyle::Button).strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if widgets::icon_button(ui, "🖶", &tr(language, "navigator.print")).clicked() {
                    action = Some(HomeAction::PrintPlan);
                }
            });
        });
        if let Some(notice) = &self.notice {
            ui.label(egui::RichText::new(notice).strong());
        }
        let width = ui.available_width();
        for step in self.plan.steps.iter().filter(|s| s.applies != Applies::No) {
            let number = step.number.unwrap_or_default().to_string();
            let mut detail = step.note.as_ref().map(|n| n.text.clone()).unwrap_or_default();
            if step.applies == Applies::Maybe {
                let maybe = tr(language, "navigator.maybe");
                detail = if detail.is_empty() { maybe } else { format!("{maybe}. {detail}") };
            }
            let detail = (!detail.is_empty()).then_some(detail);
            let tile =
                widgets::tile(ui, &number, &step.service.name.text, detail.as_deref(), width, widgets::TileKind::Plain);
            if tile.clicked() {
                action = Some(HomeAction::OpenService(step.service.id.clone()));
            }
        }
        let left_out: Vec<_> = self.plan.steps.iter().filter(|s| s.applies == Applies::No).collect();
        if !left_out.is_empty() {
            ui.add_space(8.0);
            ui.label(egui::RichText::new(tr(language, "navigator.left_out")).strong());
            for step in left_out {
                let why = step.reason.as_ref().map(|r| r.text.as_str()).unwrap_or_default();
                ui.label(format!("{} — {why}", step.service.name.text));
            }
        }
        action
    }
}
