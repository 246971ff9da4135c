use chrono::{DateTime, Local, Utc};
use device::{
    schedule::{Connection, SyncStatus},
    session::Enrollment,
};
use domain::{
    Language,
    catalogue_view::{ArticlePage, BrowseEntry, LinkView, ServicePage},
    markdown::TextBlock,
};

use super::widgets;
use crate::texts::tr;

/// One search hit as the kiosk lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// `service` or `article`.
    pub kind: String,
    pub id: String,
    pub title: String,
    /// What matched, in words (the snippet without its marks).
    pub snippet: String,
}

/// The citizen's start screen: search with an on-screen keyboard, browse by life situation and
/// institution, and a plain-language service page.
#[derive(Debug, Default)]
pub struct HomeScreen {
    pub query: String,
    /// The search hits: services and knowledge-base articles.
    pub hits: Vec<SearchResult>,
    pub entries: Vec<BrowseEntry>,
    pub chosen: Option<(BrowseEntry, Vec<LinkView>)>,
    pub page: Option<ServicePage>,
    /// A life situation's scenario being gone through (the navigator).
    pub navigator: Option<super::NavigatorView>,
    /// A knowledge-base article being read, as text blocks, and the line about its printing.
    pub article: Option<(ArticlePage, Vec<TextBlock>)>,
    pub article_notice: Option<String>,
    /// The on-screen keyboard shows once the search field is touched, so the situations and
    /// institutions fit on the first screen.
    pub keyboard_open: bool,
    /// A notice to show once, by text key (e.g. why a citizen's session ended).
    pub notice: Option<String>,
    /// The centre's name, for the welcome.
    pub centre: String,
    /// Whether the offline catalogue has caught up with the server at least once: an empty list
    /// then means the catalogue has nothing, not that it is still coming.
    pub catalogue_caught_up: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeAction {
    RetrySync,
    Search(String),
    Browse(BrowseEntry),
    OpenService(String),
    OpenArticle(String),
    PrintArticle(String),
    /// A navigator question answered (`None`: the answer taken back).
    Answer(String, Option<bool>),
    PrintPlan,
    /// The open plan again (in the language just chosen).
    Replan,
    Back,
    LogIn,
}

pub fn connection_key(connection: Connection) -> &'static str {
    match connection {
        Connection::Connecting => "status.connecting",
        Connection::Online => "status.online",
        Connection::Offline => "status.offline",
        Connection::Unauthorised => "status.unauthorised",
        Connection::Incompatible => "status.incompatible",
    }
}

/// "14:05:09" today, "2026-11-20 09:30" on other days, in the kiosk's local time.
pub fn format_sync_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let (at, now) = (at.with_timezone(&Local), now.with_timezone(&Local));
    if at.date_naive() == now.date_naive() {
        at.format("%H:%M:%S").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// 1500 cents in euro → "15,00 €" (Latvian style, used in both languages at a Latvian kiosk).
pub fn format_euro(minor: i64) -> String {
    format!("{},{:02} €", minor / 100, minor % 100)
}

/// Letters with Latvian diacritics first.
pub(crate) const KEY_ROWS: [&str; 4] = ["āčēģīķļņšūž", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

impl HomeScreen {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        language: Language,
        enrollment: &Enrollment,
        status: &SyncStatus,
        now: DateTime<Utc>,
    ) -> Option<HomeAction> {
        let mut action = None;
        if let Some(notice) = &self.notice {
            ui.label(egui::RichText::new(tr(language, notice)).strong());
        }
        // Every screen but the start offers the login beside its way back.
        self.centre = enrollment.centre.name.clone();
        self.catalogue_caught_up = status.catalogue.caught_up_at.is_some();
        ui.add_space(8.0);
        let footer_height = 64.0;
        egui::ScrollArea::vertical().max_height(ui.available_height() - footer_height).show(ui, |ui| {
            let chosen = match (&self.page, &self.article, &self.navigator) {
                (_, Some(article), _) => article_view(ui, language, article, self.article_notice.as_deref()),
                (Some(page), None, _) => service_page(ui, language, page),
                (None, None, Some(navigator)) => {
                    let back = back_row(ui, language);
                    navigator.ui(ui, language).or(back)
                }
                (None, None, None) => self.search_and_browse(ui, language),
            };
            action = action.take().or(chosen);
        });
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(tr(language, connection_key(status.connection)));
            let last = status.last_success.map_or_else(|| tr(language, "status.never"), |at| format_sync_time(at, now));
            ui.label(format!("{}: {last}", tr(language, "status.last_sync")));
            let freshness = status.catalogue.caught_up_at.map_or_else(
                || tr(language, "catalogue.not_yet"),
                |at| format!("{}: {}", tr(language, "catalogue.updated"), format_sync_time(at, now)),
            );
            ui.label(freshness);
            if status.connection != Connection::Online && ui.button(tr(language, "status.retry")).clicked() {
                action = Some(HomeAction::RetrySync);
            }
        });
        action
    }

    /// The search hits, each saying what it is and what matched; "no results" when none.
    fn hits_ui(&self, ui: &mut egui::Ui, language: Language, height: f32) -> Option<HomeAction> {
        let mut action = None;
        if self.hits.is_empty() {
            ui.label(tr(language, "catalogue.no_results"));
        }
        egui::ScrollArea::vertical().id_salt("search-hits").max_height(height).show(ui, |ui| {
            for hit in &self.hits {
                let kind = tr(language, &format!("catalogue.kind.{}", hit.kind));
                let text = format!("{} · {}\n{}", hit.title, kind, hit.snippet);
                if ui.add(egui::Button::new(text).min_size(egui::vec2(ui.available_width(), 64.0))).clicked() {
                    action = Some(if hit.kind == "article" {
                        HomeAction::OpenArticle(hit.id.clone())
                    } else {
                        HomeAction::OpenService(hit.id.clone())
                    });
                }
            }
        });
        action
    }

    fn search_and_browse(&mut self, ui: &mut egui::Ui, language: Language) -> Option<HomeAction> {
        let mut action = None;
        // A chosen life situation takes the whole screen: its services all in sight (below the
        // search field the third was cut off at the screen's edge).
        if let Some((entry, services)) = &self.chosen {
            action = back_row(ui, language);
            ui.horizontal(|ui| {
                widgets::decoration(ui, widgets::situation_icon(&entry.id), 36.0);
                ui.heading(&entry.name.text);
            });
            // Side by side as they fit: a long list stays on one screen.
            let columns = widgets::columns_for(ui, 380.0).min(3);
            let tiles = services.iter().map(|s| ("📄", s.name.text.as_str(), None));
            if let Some(index) = widgets::tile_grid(ui, columns, tiles) {
                action = Some(HomeAction::OpenService(services[index].id.clone()));
            }
            return action;
        }

        let before = self.query.clone();
        // The two ways in, side by side: search (with the centre's welcome above it) and the
        // citizen's own mailbox and cases behind the card.
        let login_width = (ui.available_width() * 0.36).min(460.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(ui.available_width() - login_width - 24.0);
                ui.horizontal(|ui| {
                    ui.label(tr(language, "home.welcome"));
                    ui.strong(&self.centre);
                });
                ui.heading(tr(language, "catalogue.title"));
                let label = ui.horizontal(|ui| {
                    widgets::decoration(ui, "🔍", 22.0);
                    ui.label(tr(language, "catalogue.search"))
                });
                let label = label.inner;
                let field = egui::TextEdit::singleline(&mut self.query)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Button)
                    .margin(egui::vec2(12.0, 10.0));
                let field = ui.add(field).labelled_by(label.id);
                if field.clicked() || field.has_focus() {
                    self.keyboard_open = true;
                }
            });
            let login = widgets::tile(
                ui,
                "💳",
                &tr(language, "login.start"),
                Some(&tr(language, "home.login_detail")),
                login_width,
                widgets::TileKind::Primary,
            );
            if login.clicked() {
                action = Some(HomeAction::LogIn);
            }
        });
        // The results are never under the keyboard or a finger: beside the keyboard while it is
        // open (both fit on the kiosk's screen), right under the field when it is closed.
        let searching = !self.query.trim().is_empty();
        let mut close_keyboard = false;
        if self.keyboard_open {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.spacing_mut().item_spacing = egui::vec2(6.0, 6.0);
                    close_keyboard = super::on_screen_keyboard(
                        ui,
                        language,
                        &mut self.query,
                        &KEY_ROWS,
                        &mut super::KeyboardKind { writing: None, closable: true },
                    );
                });
                if searching {
                    ui.vertical(|ui| {
                        if let Some(open) = self.hits_ui(ui, language, 320.0) {
                            action = Some(open);
                        }
                    });
                }
            });
        } else if searching {
            ui.add_space(8.0);
            if let Some(open) = self.hits_ui(ui, language, 420.0) {
                action = Some(open);
            }
        }
        if close_keyboard {
            self.keyboard_open = false;
        }
        if self.query != before {
            action = Some(HomeAction::Search(self.query.clone()));
        }
        ui.add_space(12.0);
        if !self.query.trim().is_empty() {
            return action;
        }
        if self.entries.is_empty() {
            ui.label(tr(language, if self.catalogue_caught_up { "catalogue.none" } else { "catalogue.empty" }));
        }
        for (kind, heading) in [
            ("life", "catalogue.life_events"),
            ("business", "catalogue.business_events"),
            ("institution", "catalogue.institutions"),
        ] {
            let entries: Vec<&BrowseEntry> = self.entries.iter().filter(|e| e.kind == kind).collect();
            if entries.is_empty() {
                continue;
            }
            ui.add_space(12.0);
            ui.label(egui::RichText::new(tr(language, heading)).text_style(egui::TextStyle::Button).strong());
            if kind == "institution" {
                // Institutions have no pictures: plain buttons, as many as fit in a row.
                ui.horizontal_wrapped(|ui| {
                    for entry in entries {
                        if ui.button(&entry.name.text).clicked() {
                            action = Some(HomeAction::Browse(entry.clone()));
                        }
                    }
                });
                continue;
            }
            let columns = widgets::columns_for(ui, 290.0);
            let tiles = entries.iter().map(|e| (widgets::situation_icon(&e.id), e.name.text.as_str(), None));
            if let Some(index) = widgets::tile_grid(ui, columns, tiles) {
                action = Some(HomeAction::Browse(entries[index].clone()));
            }
        }
        action
    }
}

/// "Back" on the left and the card login on the right, above a page or a situation's services.
fn back_row(ui: &mut egui::Ui, language: Language) -> Option<HomeAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        if widgets::back_button(ui, language) {
            action = Some(HomeAction::Back);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if widgets::icon_button(ui, "💳", &tr(language, "login.start")).clicked() {
                action = Some(HomeAction::LogIn);
            }
        });
    });
    action
}

/// The citizen's service page: what it is, how to do it, what it costs, where to go.
fn service_page(ui: &mut egui::Ui, language: Language, page: &ServicePage) -> Option<HomeAction> {
    let action = back_row(ui, language);
    ui.heading(&page.name.text);
    ui.label(&page.description.text);
    if page.has_e_service {
        ui.add_space(8.0);
        ui.strong(tr(language, "catalogue.online"));
        if let Some(url) = &page.online_access_url {
            // The kiosk opens no browser: the address to type at home, broken anywhere so a long
            // one is never cut at the screen's edge.
            ui.label(tr(language, "catalogue.online_at"));
            ui.add(egui::Label::new(egui::RichText::new(url).strong()).wrap_mode(egui::TextWrapMode::Wrap));
        }
    }
    if !page.steps.is_empty() {
        ui.add_space(12.0);
        ui.strong(tr(language, "catalogue.how"));
        for (i, step) in page.steps.iter().enumerate() {
            ui.label(format!("{}. {}", i + 1, step.text));
        }
    }
    ui.add_space(12.0);
    ui.strong(tr(language, "catalogue.cost"));
    if page.costs.is_empty() {
        ui.label(tr(language, "catalogue.free"));
    }
    for cost in &page.costs {
        let amount = cost.value_minor.map(format_euro).unwrap_or_default();
        let description = cost.description.as_ref().map(|d| d.text.as_str()).unwrap_or_default();
        ui.label(format!("{amount} {description}"));
    }
    ui.add_space(12.0);
    ui.strong(tr(language, "catalogue.where"));
    for channel in &page.channels {
        let name = tr(language, &format!("channel.{}", channel.kind));
        let location = channel.location.as_ref().map(|l| format!(": {}", l.text)).unwrap_or_default();
        ui.add(egui::Label::new(format!("{name}{location}")).wrap_mode(egui::TextWrapMode::Wrap));
    }
    for authority in &page.authorities {
        ui.add_space(8.0);
        ui.label(format!("{} {}", authority.name.text, authority.telephone.join(", ")));
    }
    action
}

/// A knowledge-base article, read at the kiosk: its text, who wrote it, the services it is
/// about, and "print this".
fn article_view(
    ui: &mut egui::Ui,
    language: Language,
    (page, blocks): &(ArticlePage, Vec<TextBlock>),
    notice: Option<&str>,
) -> Option<HomeAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        if widgets::back_button(ui, language) {
            action = Some(HomeAction::Back);
        }
        if widgets::icon_button(ui, "🖶", &tr(language, "article.print")).clicked() {
            action = Some(HomeAction::PrintArticle(page.id.clone()));
        }
    });
    if let Some(notice) = notice {
        ui.label(egui::RichText::new(notice).strong());
    }
    ui.heading(&page.title);
    ui.label(tr(language, "article.by").replace("{owner}", &page.owner.name.text));
    ui.add_space(8.0);
    for block in blocks {
        match block {
            TextBlock::Heading(level, text) => {
                ui.label(egui::RichText::new(text).strong().size(if *level <= 2 { 30.0 } else { 26.0 }));
            }
            TextBlock::Paragraph(text) => {
                ui.label(text);
            }
            TextBlock::Item(text) => {
                ui.label(format!("• {text}"));
            }
        }
    }
    if !page.services.is_empty() {
        ui.add_space(8.0);
        ui.strong(tr(language, "article.services"));
        for service in &page.services {
            if ui.button(&service.name.text).clicked() {
                action = Some(HomeAction::OpenService(service.id.clone()));
            }
        }
    }
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_times_show_the_date_only_on_other_days() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(format_sync_time(now, now).len(), 8);
        assert_eq!(format_sync_time(now - chrono::Duration::days(3), now).len(), 16);
    }

    #[test]
    fn euros_are_written_the_latvian_way() {
        assert_eq!(format_euro(1500), "15,00 €");
        assert_eq!(format_euro(7), "0,07 €");
    }
}
