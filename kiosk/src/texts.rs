//! User-facing text from the translation files in `locales/`.

use std::collections::HashMap;
use std::sync::OnceLock;

use domain::Language;

fn table(language: Language) -> &'static HashMap<String, String> {
    static LV: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, source) = match language {
        Language::Lv => (&LV, include_str!("../locales/lv.json")),
        Language::En => (&EN, include_str!("../locales/en.json")),
    };
    cell.get_or_init(|| {
        serde_json::from_str(source).expect("the kiosk's translation files are valid JSON (checked by tests)")
    })
}

/// The text for `key`; a missing translation falls back to Latvian, then to the key itself,
/// so nothing is ever blank.
pub fn tr(language: Language, key: &str) -> String {
    table(language).get(key).or_else(|| table(Language::Lv).get(key)).cloned().unwrap_or_else(|| key.to_owned())
}

/// The text for `key`, or `fallback` when neither language has it (a code newer than this kiosk).
pub fn tr_or(language: Language, key: &str, fallback: &str) -> String {
    table(language).get(key).or_else(|| table(Language::Lv).get(key)).cloned().unwrap_or_else(|| fallback.to_owned())
}

/// The text for an error code from the session; unknown codes get the generic text.
pub fn error_text(language: Language, code: impl std::fmt::Display) -> String {
    let key = format!("errors.{code}");
    if table(Language::Lv).contains_key(&key) { tr(language, &key) } else { tr(language, "errors.unknown") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys_and_no_empty_text() {
        let lv = table(Language::Lv);
        let en = table(Language::En);
        let mut lv_keys: Vec<_> = lv.keys().collect();
        let mut en_keys: Vec<_> = en.keys().collect();
        lv_keys.sort();
        en_keys.sort();
        assert_eq!(lv_keys, en_keys);
        assert!(lv.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn unknown_keys_and_codes_never_come_out_blank() {
        assert_eq!(tr(Language::En, "status.online"), "Online");
        assert_eq!(tr(Language::En, "no.such.key"), "no.such.key");
        assert_eq!(
            error_text(Language::Lv, "enrollment_code_used"),
            "Šis kods jau ir izmantots. Palūdziet jaunu kodu."
        );
        assert_eq!(error_text(Language::En, "brand_new_code"), "Something unexpected went wrong.");
    }
}
