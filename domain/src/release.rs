//! Releases of the desk and the kiosk (issue 19): their versions, and the detached minisign
//! signature (ed25519) that every device checks against the key it was installed with before it
//! installs anything.

use std::{cmp::Ordering, fmt, str::FromStr};

/// A release's version: dot-separated numbers, optionally a pre-release (`1.2.0-rc1`, older than
/// `1.2.0`) or a Debian revision / build (`0.1.1+1`). `0.10.0` is newer than `0.9.3`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseVersion {
    text: String,
    numbers: Vec<u64>,
    pre_release: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a release version (numbers separated by dots, like 0.1.1 or 1.2.0-rc1)")]
pub struct ReleaseVersionError(pub String);

impl FromStr for ReleaseVersion {
    type Err = ReleaseVersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = || ReleaseVersionError(text.to_owned());
        if text.is_empty()
            || text.len() > 32
            || !text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        {
            return Err(wrong());
        }
        let (numbers, rest) = match text.find(['-', '+']) {
            Some(at) => (&text[..at], &text[at..]),
            None => (text, ""),
        };
        let numbers =
            numbers.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<u64>>>().ok_or_else(wrong)?;
        let pre_release = rest.starts_with('-') && rest.len() > 1;
        Ok(Self { text: text.to_owned(), numbers, pre_release })
    }
}

impl ReleaseVersion {
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ReleaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialOrd for ReleaseVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ReleaseVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // Missing numbers count as 0 (1.2 == 1.2.0); a release outranks its own pre-releases.
        let len = self.numbers.len().max(other.numbers.len());
        let number = |v: &Self, i: usize| v.numbers.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| number(self, i).cmp(&number(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| other.pre_release.cmp(&self.pre_release))
            .then_with(|| self.text.cmp(&other.text))
    }
}

/// Why a release's signature is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseSignatureError {
    #[error("the release key is not a minisign public key: {0}")]
    Key(String),
    #[error("the signature is not a minisign signature: {0}")]
    Malformed(String),
    #[error(
        "the signature does not match the file and the release key: the file was changed, or signed with another key"
    )]
    Mismatch,
}

/// Checks `content` against a detached minisign signature (`.minisig` text) and a public key
/// (the `.pub` file's text, or its base64 line).
pub fn verify_release_signature(
    content: &[u8],
    signature: &str,
    public_key: &str,
) -> Result<(), ReleaseSignatureError> {
    let key_line = public_key
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .unwrap_or_default();
    let key =
        minisign_verify::PublicKey::from_base64(key_line).map_err(|e| ReleaseSignatureError::Key(e.to_string()))?;
    let signature =
        minisign_verify::Signature::decode(signature).map_err(|e| ReleaseSignatureError::Malformed(e.to_string()))?;
    key.verify(content, &signature, false).map_err(|_| ReleaseSignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ReleaseVersion {
        text.parse().unwrap()
    }

    #[test]
    fn versions_compare_by_number_and_a_release_outranks_its_pre_releases() {
        assert!(v("0.10.0") > v("0.9.3"));
        assert!(v("0.1.1") > v("0.1.0"));
        assert!(v("1.2.0") > v("1.2.0-rc1"));
        assert!(v("1.2.0-rc2") > v("1.2.0-rc1"));
        assert!(v("0.1.1+1") > v("0.1.1"));
        assert!(v("1.2") < v("1.2.1"));
        for bad in ["", "x", "1..2", "1.2 ", "1.2/3", "v1.0", &"9".repeat(40)] {
            assert!(bad.parse::<ReleaseVersion>().is_err(), "{bad:?}");
        }
    }

    /// A key pair and a signature made with the minisign tool (`minisign -G -W`, then
    /// `minisign -S -m release.txt`): what the real tool makes must be accepted.
    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(name)).unwrap()
    }

    #[test]
    fn a_signature_is_checked_against_the_content_and_the_key() {
        let signature = String::from_utf8(fixture("release.txt.minisig")).unwrap();
        let content = fixture("release.txt");
        let key = String::from_utf8(fixture("release-test.pub")).unwrap();
        assert_eq!(verify_release_signature(&content, &signature, &key), Ok(()));
        // The key's base64 line alone does as well as the whole file.
        assert_eq!(verify_release_signature(&content, &signature, key.lines().nth(1).unwrap()), Ok(()));
        // One byte changed: refused.
        let mut tampered = content.clone();
        tampered[0] ^= 1;
        assert_eq!(verify_release_signature(&tampered, &signature, &key), Err(ReleaseSignatureError::Mismatch));
        // Another key: refused.
        let other = "RWQ9Qoq722Np++sJCl6elHTpiMnc+F2e8iPcZjioDXIbshe2f0gRO+NJ";
        assert_eq!(verify_release_signature(&content, &signature, other), Err(ReleaseSignatureError::Mismatch));
        assert!(matches!(
            verify_release_signature(&content, "nonsense", &key),
            Err(ReleaseSignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify_release_signature(&content, &signature, "nonsense"),
            Err(ReleaseSignatureError::Key(_))
        ));
    }
}
