use chrono::{DateTime, Local, Utc};
use domain::Language;
use sync::{
    schedule::{Connection, SyncStatus},
    session::Enrollment,
};

use crate::texts::tr;

/// The start screen once enrolled: the centre, and later the services and login.
#[derive(Debug, Default)]
pub struct HomeScreen;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeAction {
    RetrySync,
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

impl HomeScreen {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        language: Language,
        enrollment: &Enrollment,
        status: &SyncStatus,
        now: DateTime<Utc>,
    ) -> Option<HomeAction> {
        ui.label(tr(language, "home.welcome"));
        ui.heading(&enrollment.centre.name);
        ui.label(&enrollment.centre.municipality);
        ui.add_space(24.0);
        ui.label(tr(language, "home.next"));
        ui.add_space(24.0);
        ui.separator();
        let mut action = None;
        ui.horizontal(|ui| {
            ui.label(tr(language, connection_key(status.connection)));
            let last = status.last_success.map_or_else(|| tr(language, "status.never"), |at| format_sync_time(at, now));
            ui.label(format!("{}: {last}", tr(language, "status.last_sync")));
            if status.connection != Connection::Online && ui.button(tr(language, "status.retry")).clicked() {
                action = Some(HomeAction::RetrySync);
            }
        });
        action
    }
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
}
