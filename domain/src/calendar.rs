//! Latvia's working days: the public holidays of the law "On Public Holidays, Commemoration Days
//! and Days of Celebration" (fixed dates, Easter-based days, a Monday off when 4 May or 18 November
//! falls on a weekend), holidays declared once, and working days the Cabinet transfers to a
//! Saturday. E-address messages count as notified on the second working day after sending.
//!
//! Transfers and one-off holidays are data: [`WorkingCalendar::latvia`] holds the ones with a
//! public source (listed beside each), and an operator adds the next year's with
//! [`WorkingCalendar::with_transfer`] and [`WorkingCalendar::with_holiday`].

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

/// Why a day is not a working day, or that it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Working,
    Weekend,
    /// A public holiday of the law (its Latvian name).
    Holiday(&'static str),
    /// A holiday declared once (e.g. by a law of its own).
    DeclaredHoliday,
    /// A working day the Cabinet moved to a Saturday.
    TransferredAway,
    /// A Saturday that is a working day because a working day was moved to it.
    TransferredWorkingSaturday,
}

/// A working day moved to a Saturday (Labour Law s. 133(4); Cabinet orders each year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    /// The working day that becomes a day off.
    pub from: NaiveDate,
    /// The Saturday that becomes a working day.
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("a working day is moved to a Saturday: {0} is not one")]
    NotASaturday(NaiveDate),
    #[error("only a working day can be moved away: {0} is not one")]
    NotAWorkingDay(NaiveDate),
}

/// Western Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a real date")
}

/// The law's public holidays that fall on a date, by their Latvian names. Sundays among them
/// (Easter Sunday, Pentecost, Mother's Day) are days off anyway.
pub fn public_holiday(date: NaiveDate) -> Option<&'static str> {
    let easter = easter_sunday(date.year());
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Jaungada diena"),
        (5, 1) => Some("Darba svētki, Latvijas Republikas Satversmes sapulces sasaukšanas diena"),
        (5, 4) => Some("Latvijas Republikas Neatkarības atjaunošanas diena"),
        (6, 23) => Some("Līgo diena"),
        (6, 24) => Some("Jāņu diena"),
        (11, 18) => Some("Latvijas Republikas proklamēšanas diena"),
        (12, 24) => Some("Ziemassvētku vakars"),
        (12, 25) => Some("Pirmie Ziemassvētki"),
        (12, 26) => Some("Otrie Ziemassvētki"),
        (12, 31) => Some("Vecgada diena"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    if date == easter - Duration::days(2) {
        return Some("Lielā Piektdiena");
    }
    if date == easter {
        return Some("Pirmās Lieldienas");
    }
    if date == easter + Duration::days(1) {
        return Some("Otrās Lieldienas");
    }
    if date == easter + Duration::days(49) {
        return Some("Vasarsvētki");
    }
    // 4 May or 18 November on a Saturday or Sunday: the next Monday is off.
    if date.weekday() == Weekday::Mon {
        for (month, day, name) in [
            (5, 4, "Neatkarības atjaunošanas dienai sekojošā pirmdiena"),
            (11, 18, "Proklamēšanas dienai sekojošā pirmdiena"),
        ] {
            let Some(holiday) = NaiveDate::from_ymd_opt(date.year(), month, day) else { continue };
            let on_weekend = matches!(holiday.weekday(), Weekday::Sat | Weekday::Sun);
            if on_weekend && (date - holiday).num_days() > 0 && (date - holiday).num_days() <= 2 {
                return Some(name);
            }
        }
    }
    None
}

/// Working days in Latvia, with the transfers and one-off holidays it knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    declared_holidays: BTreeSet<NaiveDate>,
    transferred_away: BTreeSet<NaiveDate>,
    working_saturdays: BTreeSet<NaiveDate>,
}

/// A date as (year, month, day), for the tables below.
type Ymd = (i32, u32, u32);

/// Days off declared once, each by a law of its own, with where it is said.
const DECLARED_HOLIDAYS: &[Ymd] = &[
    // Pope Francis's visit (law of 2018).
    (2018, 9, 24),
    // The men's ice hockey team's bronze medal (law of 2023).
    (2023, 5, 29),
    // The day after the closing of the Song and Dance Festival (law on public holidays, s. 2(2);
    // the closing day fell on a Sunday).
    (2018, 7, 9),
    (2023, 7, 10),
];

/// Working days moved to Saturdays by Cabinet orders for state institutions, with sources:
/// 2020 (maaleht.delfi.ee, 2019-07), 2023 (tvnet.lv, 2022-06), 2024 (vdi.gov.lv, order No. 348
/// of 13 June 2023), 2026 (jauns.lv, 2026-01-17).
const TRANSFERS: &[(Ymd, Ymd)] = &[
    ((2020, 6, 22), (2020, 6, 13)),
    ((2023, 5, 5), (2023, 5, 20)),
    ((2024, 12, 23), (2024, 12, 14)),
    ((2024, 12, 30), (2024, 12, 28)),
    ((2026, 1, 2), (2026, 1, 17)),
];

fn ymd((year, month, day): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a real date in the table")
}

impl WorkingCalendar {
    /// The law's holidays only: no transfers, no one-off holidays.
    pub fn law_only() -> Self {
        Self::default()
    }

    /// The law's holidays with the one-off holidays and transfers listed in this module.
    pub fn latvia() -> Self {
        let mut calendar = Self::default();
        for day in DECLARED_HOLIDAYS {
            calendar = calendar.with_holiday(ymd(*day));
        }
        for (from, to) in TRANSFERS {
            calendar = calendar
                .with_transfer(Transfer { from: ymd(*from), to: ymd(*to) })
                .expect("the built-in transfers are valid");
        }
        calendar
    }

    /// Adds a holiday declared once.
    pub fn with_holiday(mut self, date: NaiveDate) -> Self {
        self.declared_holidays.insert(date);
        self
    }

    /// Adds a transfer: `from` (a working day) becomes a day off, `to` (a Saturday) a working day.
    pub fn with_transfer(mut self, transfer: Transfer) -> Result<Self, CalendarError> {
        if transfer.to.weekday() != Weekday::Sat {
            return Err(CalendarError::NotASaturday(transfer.to));
        }
        if self.day_kind(transfer.from) != DayKind::Working {
            return Err(CalendarError::NotAWorkingDay(transfer.from));
        }
        self.transferred_away.insert(transfer.from);
        self.working_saturdays.insert(transfer.to);
        Ok(self)
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(name) = public_holiday(date) {
            return DayKind::Holiday(name);
        }
        if self.declared_holidays.contains(&date) {
            return DayKind::DeclaredHoliday;
        }
        if self.transferred_away.contains(&date) {
            return DayKind::TransferredAway;
        }
        if self.working_saturdays.contains(&date) {
            return DayKind::TransferredWorkingSaturday;
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Working,
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        matches!(self.day_kind(date), DayKind::Working | DayKind::TransferredWorkingSaturday)
    }

    /// The `n`-th working day after `date` (not counting `date` itself).
    pub fn working_days_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// When a message sent at `sent` counts as notified: the second working day after the day
    /// it was sent (in Riga). Notified at the start of that day.
    pub fn deemed_notified(&self, sent: DateTime<Utc>) -> NaiveDate {
        self.working_days_after(riga_date(sent), 2)
    }
}

/// The calendar date in Riga (EET, UTC+2; EEST, UTC+3 from the last Sunday of March to the last
/// Sunday of October, switching at 01:00 UTC as everywhere in the EU).
pub fn riga_date(at: DateTime<Utc>) -> NaiveDate {
    let year = at.year();
    let last_sunday = |month: u32| {
        let first_of_next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .expect("a real date");
        let last = first_of_next - Duration::days(1);
        last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
    };
    let summer_from = last_sunday(3).and_hms_opt(1, 0, 0).expect("01:00").and_utc();
    let summer_to = last_sunday(10).and_hms_opt(1, 0, 0).expect("01:00").and_utc();
    let offset = if at >= summer_from && at < summer_to { 3 } else { 2 };
    (at + Duration::hours(offset)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn easter_falls_on_the_published_dates() {
        // Published Western Easter Sundays.
        for (year, month, day) in [
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), d(year, month, day), "{year}");
        }
        // Always a Sunday between 22 March and 25 April.
        for year in 1900..2200 {
            let easter = easter_sunday(year);
            assert_eq!(easter.weekday(), Weekday::Sun, "{year}");
            assert!(easter >= d(year, 3, 22) && easter <= d(year, 4, 25), "{year}: {easter}");
        }
    }

    #[test]
    fn the_laws_holidays_across_years() {
        let calendar = WorkingCalendar::law_only();
        // 2026: Good Friday 3 April, Easter Monday 6 April; 4 May is a Monday.
        assert_eq!(calendar.day_kind(d(2026, 4, 3)), DayKind::Holiday("Lielā Piektdiena"));
        assert_eq!(calendar.day_kind(d(2026, 4, 6)), DayKind::Holiday("Otrās Lieldienas"));
        assert!(calendar.is_working_day(d(2026, 4, 7)));
        assert_eq!(
            calendar.day_kind(d(2026, 5, 4)),
            DayKind::Holiday("Latvijas Republikas Neatkarības atjaunošanas diena")
        );
        // 2025: 4 May is a Sunday, so Monday 5 May is off; 18 November is a Tuesday.
        assert!(!calendar.is_working_day(d(2025, 5, 5)));
        assert!(calendar.is_working_day(d(2025, 11, 17)));
        // 2023: 18 November is a Saturday, so Monday 20 November is off; 2024: Monday itself.
        assert!(!calendar.is_working_day(d(2023, 11, 20)));
        assert!(!calendar.is_working_day(d(2024, 11, 18)));
        assert!(calendar.is_working_day(d(2024, 11, 19)));
        // 2021: 4 May a Tuesday: Monday 3 May is a working day by the law.
        assert!(calendar.is_working_day(d(2021, 5, 3)));
        // Midsummer, Christmas and New Year's Eve in any year.
        for year in 2020..2031 {
            for (month, day) in [(1, 1), (5, 1), (6, 23), (6, 24), (12, 24), (12, 25), (12, 26), (12, 31)] {
                assert!(!calendar.is_working_day(d(year, month, day)), "{year}-{month}-{day}");
            }
        }
        assert!(calendar.is_working_day(d(2026, 11, 26)), "an ordinary Thursday");
        assert_eq!(calendar.day_kind(d(2026, 11, 28)), DayKind::Weekend);
    }

    #[test]
    fn transfers_and_declared_holidays_move_working_days() {
        let calendar = WorkingCalendar::latvia();
        // 2024: Monday 23 December off, Saturday 14 December worked.
        assert_eq!(calendar.day_kind(d(2024, 12, 23)), DayKind::TransferredAway);
        assert_eq!(calendar.day_kind(d(2024, 12, 14)), DayKind::TransferredWorkingSaturday);
        assert!(calendar.is_working_day(d(2024, 12, 14)));
        // 2026: Friday 2 January off, Saturday 17 January worked.
        assert!(!calendar.is_working_day(d(2026, 1, 2)));
        assert!(calendar.is_working_day(d(2026, 1, 17)));
        assert_eq!(calendar.day_kind(d(2023, 5, 29)), DayKind::DeclaredHoliday);
        // The law alone knows none of these.
        assert!(WorkingCalendar::law_only().is_working_day(d(2026, 1, 2)));
        // Bad transfers are refused.
        let to_a_friday =
            WorkingCalendar::law_only().with_transfer(Transfer { from: d(2027, 5, 3), to: d(2027, 5, 7) });
        assert_eq!(to_a_friday, Err(CalendarError::NotASaturday(d(2027, 5, 7))));
        let from_a_holiday =
            WorkingCalendar::law_only().with_transfer(Transfer { from: d(2027, 5, 4), to: d(2027, 5, 8) });
        assert_eq!(from_a_holiday, Err(CalendarError::NotAWorkingDay(d(2027, 5, 4))));
    }

    #[test]
    fn messages_count_as_notified_on_the_second_working_day_after_sending() {
        let calendar = WorkingCalendar::latvia();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Monday → Wednesday.
        assert_eq!(calendar.deemed_notified(at("2026-11-23T10:00:00Z")), d(2026, 11, 25));
        // Friday → Tuesday.
        assert_eq!(calendar.deemed_notified(at("2026-11-27T10:00:00Z")), d(2026, 12, 1));
        // Saturday → Tuesday (Monday is the first working day after it).
        assert_eq!(calendar.deemed_notified(at("2026-11-28T10:00:00Z")), d(2026, 12, 1));
        // Before Easter 2026: Thursday 2 April → Tuesday 7 (Good Friday and Easter Monday off)
        // → the second working day is Wednesday 8 April.
        assert_eq!(calendar.deemed_notified(at("2026-04-02T10:00:00Z")), d(2026, 4, 8));
        // Christmas 2024 with the transfers: Friday 20 December → Friday 27 December (23, 24,
        // 25, 26 off; 27 is the first working day) → the second is Saturday 28 December, worked.
        assert_eq!(calendar.deemed_notified(at("2024-12-20T10:00:00Z")), d(2024, 12, 28));
        // Late on Friday UTC is already Saturday in Riga.
        assert_eq!(calendar.deemed_notified(at("2026-11-27T22:30:00Z")), d(2026, 12, 1));
        assert_eq!(calendar.deemed_notified(at("2026-01-16T21:59:00Z")), d(2026, 1, 19), "still Friday in Riga");
        // 16 Jan 2026 Friday → Saturday 17 is worked (the transfer) → Monday 19 is the second.
        assert_eq!(calendar.deemed_notified(at("2026-01-16T10:00:00Z")), d(2026, 1, 19));
    }

    #[test]
    fn riga_dates_follow_summer_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(riga_date(at("2026-01-15T21:59:00Z")), d(2026, 1, 15));
        assert_eq!(riga_date(at("2026-01-15T22:00:00Z")), d(2026, 1, 16));
        assert_eq!(riga_date(at("2026-07-15T20:59:00Z")), d(2026, 7, 15));
        assert_eq!(riga_date(at("2026-07-15T21:00:00Z")), d(2026, 7, 16));
        // Summer time 2026: from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(riga_date(at("2026-03-28T21:30:00Z")), d(2026, 3, 28), "still winter time");
        assert_eq!(riga_date(at("2026-10-24T21:30:00Z")), d(2026, 10, 25), "still summer time");
    }
}
