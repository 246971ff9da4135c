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

/// The text for `key` that agrees with `count` (its `{count}` filled in): `key_<count>` for an
/// exact number when there is one (e.g. `_0`), else the language's CLDR plural category
/// (`key_zero`, `key_one`, `key_other`…), else `key_other`.
pub fn tr_count(language: Language, key: &str, count: u64) -> String {
    let exact = format!("{key}_{count}");
    let category = format!("{key}_{}", plural_category(language, count));
    let chosen = [exact, category, format!("{key}_other")]
        .into_iter()
        .find(|k| table(language).contains_key(k) || table(Language::Lv).contains_key(k))
        .unwrap_or_else(|| key.to_owned());
    tr(language, &chosen).replace("{count}", &count.to_string())
}

/// The CLDR plural category of `count` in `language` ("zero", "one", "other", …).
pub fn plural_category(language: Language, count: u64) -> &'static str {
    use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
    static LV: OnceLock<PluralRules> = OnceLock::new();
    static EN: OnceLock<PluralRules> = OnceLock::new();
    let (cell, code) = match language {
        Language::Lv => (&LV, "lv"),
        Language::En => (&EN, "en"),
    };
    let rules = cell.get_or_init(|| {
        let id: unic_langid::LanguageIdentifier = code.parse().expect("a valid language code");
        PluralRules::create(id, PluralRuleType::CARDINAL).expect("CLDR has rules for Latvian and English")
    });
    match rules.select(count) {
        Ok(PluralCategory::ZERO) => "zero",
        Ok(PluralCategory::ONE) => "one",
        Ok(PluralCategory::TWO) => "two",
        Ok(PluralCategory::FEW) => "few",
        Ok(PluralCategory::MANY) => "many",
        _ => "other",
    }
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
    fn counted_texts_agree_with_their_number_in_both_languages() {
        let lv: Vec<&str> = [0, 1, 2, 5, 11, 21].iter().map(|n| plural_category(Language::Lv, *n)).collect();
        assert_eq!(lv, ["zero", "one", "other", "other", "zero", "one"]);
        let digits = |language, n| tr_count(language, "login.pin_entered", n);
        assert_eq!(digits(Language::Lv, 0), "PIN1: nav ievadīts neviens cipars");
        assert_eq!(digits(Language::Lv, 1), "PIN1: ievadīts 1 cipars");
        assert_eq!(digits(Language::Lv, 2), "PIN1: ievadīti 2 cipari");
        assert_eq!(digits(Language::Lv, 5), "PIN1: ievadīti 5 cipari");
        assert_eq!(digits(Language::Lv, 11), "PIN1: ievadīti 11 cipari");
        assert_eq!(digits(Language::Lv, 21), "PIN1: ievadīts 21 cipars");
        assert_eq!(digits(Language::En, 1), "PIN1: 1 digit entered");
        assert_eq!(digits(Language::En, 2), "PIN1: 2 digits entered");
        assert_eq!(digits(Language::En, 0), "PIN1: no digits entered");
        let tries = |language, n| tr_count(language, "login.wrong_pin", n);
        assert_eq!(tries(Language::Lv, 1), "Nepareizs PIN. Atlicis 1 mēģinājums.");
        assert_eq!(tries(Language::Lv, 2), "Nepareizs PIN. Atlikuši 2 mēģinājumi.");
        assert_eq!(tries(Language::En, 1), "Wrong PIN. 1 try left.");
        // Every counted text has its `_other` form in both languages: never a bare key.
        for language in Language::ALL {
            for key in table(language).keys().filter(|k| k.ends_with("_one")) {
                let base = key.trim_end_matches("_one");
                assert!(table(language).contains_key(&format!("{base}_other")), "{base}_other");
            }
        }
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
