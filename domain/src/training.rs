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
    let list = if n % 2 == 0 { WOMEN } else { MEN };
    let (given, family) = list[(n as usize / 2) % list.len()];
    (given.to_owned(), family.to_owned())
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
}
