//! Web eID authentication tokens (`web-eid:1.0`): the format, how a card's signature over the
//! challenge is formed, and the server's validation, done as Web eID's own validators do it and
//! in their order, so that each failure names the same reason
//! (`AuthTokenValidatorImpl.java`: parse, format, certificate, purpose, policies, trust,
//! revocation, signature).

use base64::Engine as _;
use chrono::{DateTime, Utc};
use const_oid::ObjectIdentifier;
use serde_json::Value;

use crate::certificate::{
    CLIENT_AUTH, HashAlgorithm, Identity, Padding, ParsedCertificate, SignatureEncoding, Validity,
};

/// The format this code writes; any `web-eid:1…` is read.
pub const TOKEN_FORMAT: &str = "web-eid:1.0";
const FORMAT_PREFIX: &str = "web-eid:1";
pub const MIN_TOKEN_LENGTH: usize = 100;
pub const MAX_TOKEN_LENGTH: usize = 10_000;

/// Estonian Mobile-ID policies, disallowed by Web eID's validators unless configured otherwise:
/// a login must come from a card.
pub const DEFAULT_DISALLOWED_POLICIES: [&str; 4] =
    ["1.3.6.1.4.1.10015.1.3", "1.3.6.1.4.1.10015.1.3.1", "1.3.6.1.4.1.10015.1.3.2", "1.3.6.1.4.1.10015.1.3.3"];

/// Standard base64; padding optional, as Java's decoder reads it.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whose certificate a validity failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRole {
    User,
    TrustedCa,
}

impl std::fmt::Display for CertificateRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::User => "the user certificate",
            Self::TrustedCa => "the trusted CA certificate",
        })
    }
}

/// Why a token was refused. [`TokenError::web_eid_name`] gives the name Web eID's validators use
/// for the same failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the authentication token is malformed: {0}")]
    Malformed(String),
    #[error("the certificate in the token cannot be read: {0}")]
    CertificateDecoding(String),
    #[error("the user certificate has no key usage, so its purpose is missing")]
    MissingPurpose,
    #[error("the user certificate is not meant to be used as an authentication certificate")]
    WrongPurpose,
    #[error("the user certificate has the disallowed policy {0}")]
    DisallowedPolicy(String),
    #[error("{0} has expired")]
    Expired(CertificateRole),
    #[error("{0} is not yet valid")]
    NotYetValid(CertificateRole),
    #[error("the user certificate was not issued by a trusted certificate authority")]
    NotTrusted,
    #[error("the user certificate is revoked: {0}")]
    Revoked(String),
    #[error("the certificate's revocation status could not be checked: {0}")]
    RevocationUnknown(String),
    #[error("the token signature is not valid: check that the origin and the challenge are correct")]
    SignatureInvalid,
}

impl TokenError {
    /// The exception Web eID's Java validator throws for the same failure.
    pub fn web_eid_name(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "AuthTokenParseException",
            Self::CertificateDecoding(_) => "CertificateDecodingException",
            Self::MissingPurpose => "UserCertificateMissingPurposeException",
            Self::WrongPurpose => "UserCertificateWrongPurposeException",
            Self::DisallowedPolicy(_) => "UserCertificateDisallowedPolicyException",
            Self::Expired(_) => "CertificateExpiredException",
            Self::NotYetValid(_) => "CertificateNotYetValidException",
            Self::NotTrusted => "CertificateNotTrustedException",
            Self::Revoked(_) => "UserCertificateRevokedException",
            Self::RevocationUnknown(_) => "UserCertificateOCSPCheckFailedException",
            Self::SignatureInvalid => "AuthTokenSignatureValidationException",
        }
    }

    /// A stable code for APIs and the UIs' translations.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "token_malformed",
            Self::CertificateDecoding(_) => "certificate_unreadable",
            Self::MissingPurpose | Self::WrongPurpose => "certificate_wrong_purpose",
            Self::DisallowedPolicy(_) => "certificate_policy_disallowed",
            Self::Expired(_) => "certificate_expired",
            Self::NotYetValid(_) => "certificate_not_yet_valid",
            Self::NotTrusted => "certificate_not_trusted",
            Self::Revoked(_) => "certificate_revoked",
            Self::RevocationUnknown(_) => "revocation_unknown",
            Self::SignatureInvalid => "signature_invalid",
        }
    }
}

fn malformed(message: &str) -> TokenError {
    TokenError::Malformed(message.to_owned())
}

/// The JWS algorithms Web eID allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Es256,
    Es384,
    Es512,
    Ps256,
    Ps384,
    Ps512,
    Rs256,
    Rs384,
    Rs512,
}

impl Algorithm {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "ES512" => Self::Es512,
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "RS512" => Self::Rs512,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
        }
    }

    /// The hash named by the last three digits, used both for the two halves of the signed data
    /// and by the signature itself.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Self::Es256 | Self::Ps256 | Self::Rs256 => HashAlgorithm::Sha256,
            Self::Es384 | Self::Ps384 | Self::Rs384 => HashAlgorithm::Sha384,
            Self::Es512 | Self::Ps512 | Self::Rs512 => HashAlgorithm::Sha512,
        }
    }

    fn padding(self) -> Padding {
        let hash = self.hash();
        match self {
            Self::Es256 | Self::Es384 | Self::Es512 => Padding::Ecdsa,
            Self::Ps256 | Self::Ps384 | Self::Ps512 => Padding::RsaPss { hash, salt_len: hash.output_len() },
            Self::Rs256 | Self::Rs384 | Self::Rs512 => Padding::RsaPkcs1(hash),
        }
    }
}

/// `hash(origin) ‖ hash(nonce)`: what the card signs (hashed once more by the signature).
pub fn signed_data(algorithm: Algorithm, origin: &str, nonce: &str) -> Vec<u8> {
    let hash = algorithm.hash();
    let mut data = hash.digest(origin.as_bytes());
    data.extend(hash.digest(nonce.as_bytes()));
    data
}

/// The digest a card is asked to sign for a login: the hash of [`signed_data`].
pub fn challenge_digest(algorithm: Algorithm, origin: &str, nonce: &str) -> Vec<u8> {
    algorithm.hash().digest(&signed_data(algorithm, origin, nonce))
}

/// A token as sent by a client; every field as received (validation decides what is missing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthToken {
    pub unverified_certificate: Option<String>,
    pub algorithm: Option<String>,
    pub signature: Option<String>,
    pub format: Option<String>,
    pub app_version: Option<String>,
}

impl AuthToken {
    /// A token made by this program's own clients.
    pub fn new(certificate_der: &[u8], algorithm: Algorithm, signature: &[u8], app_version: &str) -> Self {
        Self {
            unverified_certificate: Some(base64_encode(certificate_der)),
            algorithm: Some(algorithm.name().to_owned()),
            signature: Some(base64_encode(signature)),
            format: Some(TOKEN_FORMAT.to_owned()),
            app_version: Some(app_version.to_owned()),
        }
    }

    /// Reads a token: 100 to 10,000 characters of JSON, an object; unknown fields are ignored;
    /// numbers and booleans where text is expected are read as text (as Jackson does).
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let length = text.encode_utf16().count();
        if length < MIN_TOKEN_LENGTH {
            return Err(malformed("auth token is null or too short"));
        }
        if length > MAX_TOKEN_LENGTH {
            return Err(malformed("auth token is too long"));
        }
        let parsing_failed = || malformed("error parsing Web eID authentication token");
        let Value::Object(fields) = serde_json::from_str::<Value>(text).map_err(|_| parsing_failed())? else {
            return Err(parsing_failed());
        };
        let field = |name: &str| -> Result<Option<String>, TokenError> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Bool(b)) => Ok(Some(b.to_string())),
                Some(Value::Array(_) | Value::Object(_)) => Err(parsing_failed()),
            }
        };
        Ok(Self {
            unverified_certificate: field("unverifiedCertificate")?,
            algorithm: field("algorithm")?,
            signature: field("signature")?,
            format: field("format")?,
            app_version: field("appVersion")?,
        })
    }

    pub fn to_json(&self) -> String {
        let mut object = serde_json::Map::new();
        let mut put = |name: &str, value: &Option<String>| {
            if let Some(value) = value {
                object.insert(name.to_owned(), Value::String(value.clone()));
            }
        };
        put("unverifiedCertificate", &self.unverified_certificate);
        put("algorithm", &self.algorithm);
        put("signature", &self.signature);
        put("format", &self.format);
        put("appVersion", &self.app_version);
        Value::Object(object).to_string()
    }

    /// The token's certificate, checked only for being a certificate.
    pub fn certificate(&self) -> Result<ParsedCertificate, TokenError> {
        let encoded = self
            .unverified_certificate
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| malformed("'unverifiedCertificate' field is missing, null or empty"))?;
        let der = BASE64.decode(encoded).map_err(|e| TokenError::CertificateDecoding(format!("not base64: {e}")))?;
        ParsedCertificate::from_der(&der).map_err(|e| TokenError::CertificateDecoding(e.0))
    }
}

/// Verifies the token's signature over `origin` and `nonce` with `certificate`'s key (the last
/// step of validation, and all that an offline unlock against a pinned certificate needs).
pub fn verify_signature(
    certificate: &ParsedCertificate,
    algorithm: Option<&str>,
    signature: Option<&str>,
    origin: &str,
    nonce: &str,
) -> Result<(), TokenError> {
    let name = algorithm.filter(|a| !a.is_empty()).ok_or_else(|| malformed("'algorithm' is null or empty"))?;
    let algorithm = Algorithm::parse(name).ok_or_else(|| malformed("unsupported signature algorithm"))?;
    let signature = signature.filter(|s| !s.is_empty()).ok_or_else(|| malformed("'signature' is null or empty"))?;
    let signature = BASE64.decode(signature).map_err(|_| malformed("'signature' is not base64"))?;
    let key = certificate.public_key().map_err(|_| TokenError::SignatureInvalid)?;
    let digest = challenge_digest(algorithm, origin, nonce);
    if key.verify_prehashed(algorithm.padding(), &digest, &signature, SignatureEncoding::Raw) {
        Ok(())
    } else {
        Err(TokenError::SignatureInvalid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "the site origin {0:?} is not valid: it must be https://host or https://host:port, without a path or a trailing slash"
    )]
    Origin(String),
    #[error(
        "no trusted certificate authority is configured: give the intermediate CA certificates that issue ID cards"
    )]
    NoTrustedCa,
    #[error("{0:?} is not an object identifier")]
    Policy(String),
}

/// Checks a site origin the way Web eID does: `https://host[:port]`, at most 255 characters.
pub fn check_origin(origin: &str) -> Result<(), ConfigError> {
    let error = || ConfigError::Origin(origin.to_owned());
    let host = origin.strip_prefix("https://").ok_or_else(error)?;
    let valid_host = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && !host.starts_with(':');
    if origin.len() > 255 || !valid_host {
        return Err(error());
    }
    Ok(())
}

/// What a validator trusts and refuses.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    pub origin: String,
    /// The CAs that issue the user certificates directly (intermediate CAs, as in Web eID).
    pub trusted_cas: Vec<ParsedCertificate>,
    pub disallowed_policies: Vec<String>,
}

/// A token that passed: the certificate it carried and who it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedToken {
    pub certificate: ParsedCertificate,
    pub identity: Identity,
    pub algorithm: Algorithm,
}

#[derive(Debug, Clone)]
pub struct TokenValidator {
    origin: String,
    trusted_cas: Vec<ParsedCertificate>,
    disallowed_policies: Vec<ObjectIdentifier>,
}

impl TokenValidator {
    pub fn new(config: ValidatorConfig) -> Result<Self, ConfigError> {
        check_origin(&config.origin)?;
        if config.trusted_cas.is_empty() {
            return Err(ConfigError::NoTrustedCa);
        }
        let disallowed_policies = config
            .disallowed_policies
            .iter()
            .map(|p| ObjectIdentifier::new(p).map_err(|_| ConfigError::Policy(p.clone())))
            .collect::<Result<_, _>>()?;
        Ok(Self { origin: config.origin, trusted_cas: config.trusted_cas, disallowed_policies })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Validates `token` for the challenge `nonce` at time `at`, without a revocation check (the
    /// nonce's own checks, single use and lifetime, are the caller's: they need the nonce store).
    pub fn validate(&self, token: &AuthToken, nonce: &str, at: DateTime<Utc>) -> Result<ValidatedToken, TokenError> {
        let (certificate, _issuer) = self.check_certificate(token, at)?;
        self.check_signature(token, certificate, nonce)
    }

    /// The steps before revocation, in Web eID's order: format, certificate, purpose, policies,
    /// trust. Returns the user certificate and the trusted CA that issued it.
    pub fn check_certificate(
        &self,
        token: &AuthToken,
        at: DateTime<Utc>,
    ) -> Result<(ParsedCertificate, &ParsedCertificate), TokenError> {
        match token.format.as_deref() {
            None | Some("") => return Err(malformed("'format' field is missing")),
            Some(format) if !format.starts_with(FORMAT_PREFIX) => {
                return Err(malformed("only token format version 'web-eid:1' is currently supported"));
            }
            Some(_) => {}
        }
        let certificate = token.certificate()?;
        self.check_purpose(&certificate)?;
        self.check_policies(&certificate)?;
        let issuer = self.check_trust(&certificate, at)?;
        Ok((certificate, issuer))
    }

    /// The last step, after revocation: the signature over this validator's origin and `nonce`.
    pub fn check_signature(
        &self,
        token: &AuthToken,
        certificate: ParsedCertificate,
        nonce: &str,
    ) -> Result<ValidatedToken, TokenError> {
        verify_signature(&certificate, token.algorithm.as_deref(), token.signature.as_deref(), &self.origin, nonce)?;
        let algorithm = token.algorithm.as_deref().and_then(Algorithm::parse).ok_or(TokenError::SignatureInvalid)?;
        Ok(ValidatedToken { identity: certificate.identity(), certificate, algorithm })
    }

    /// A document signer's certificate (a PAdES signature's): key usage non-repudiation, its
    /// dates and its issuer's at `at`, and an issuer among the trusted CAs. Answers the issuer.
    pub fn check_signing_certificate(
        &self,
        certificate: &ParsedCertificate,
        at: DateTime<Utc>,
    ) -> Result<&ParsedCertificate, TokenError> {
        match certificate.has_non_repudiation().map_err(|e| TokenError::CertificateDecoding(e.0))? {
            None => return Err(TokenError::MissingPurpose),
            Some(false) => return Err(TokenError::WrongPurpose),
            Some(true) => {}
        }
        self.check_policies(certificate)?;
        self.check_trust(certificate, at)
    }

    fn check_purpose(&self, certificate: &ParsedCertificate) -> Result<(), TokenError> {
        let decoding = |e: crate::certificate::CertificateError| TokenError::CertificateDecoding(e.0);
        match certificate.has_digital_signature().map_err(decoding)? {
            None => return Err(TokenError::MissingPurpose),
            Some(false) => return Err(TokenError::WrongPurpose),
            Some(true) => {}
        }
        // No extended key usage at all is accepted (Luxembourg's cards have none).
        match certificate.extended_key_usage().map_err(decoding)? {
            Some(usages) if !usages.is_empty() && !usages.contains(&CLIENT_AUTH) => Err(TokenError::WrongPurpose),
            _ => Ok(()),
        }
    }

    fn check_policies(&self, certificate: &ParsedCertificate) -> Result<(), TokenError> {
        let policies = certificate.policies().map_err(|e| TokenError::CertificateDecoding(e.0))?;
        match policies.iter().find(|p| self.disallowed_policies.contains(p)) {
            Some(policy) => Err(TokenError::DisallowedPolicy(policy.to_string())),
            None => Ok(()),
        }
    }

    /// The user certificate's dates, then a trusted CA that signed it, then that CA's dates.
    fn check_trust(
        &self,
        certificate: &ParsedCertificate,
        at: DateTime<Utc>,
    ) -> Result<&ParsedCertificate, TokenError> {
        match certificate.validity_at(at) {
            Validity::NotYetValid => return Err(TokenError::NotYetValid(CertificateRole::User)),
            Validity::Expired => return Err(TokenError::Expired(CertificateRole::User)),
            Validity::Valid => {}
        }
        let issuer = self.trusted_cas.iter().find(|ca| certificate.is_signed_by(ca)).ok_or(TokenError::NotTrusted)?;
        match issuer.validity_at(at) {
            Validity::NotYetValid => Err(TokenError::NotYetValid(CertificateRole::TrustedCa)),
            Validity::Expired => Err(TokenError::Expired(CertificateRole::TrustedCa)),
            Validity::Valid => Ok(issuer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_https_hosts_without_a_path() {
        for good in ["https://ria.ee", "https://pietura.lv:8443", "https://47f0-46-131-86-189.ngrok-free.app"] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        for bad in ["http://ria.ee", "https://ria.ee/", "https://ria.ee/login", "https://", "ria.ee", "https://a?b"] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn signed_data_is_the_two_hashes_concatenated() {
        let data = signed_data(Algorithm::Es384, "https://ria.ee", "nonce");
        assert_eq!(data.len(), 96);
        assert_eq!(&data[..48], HashAlgorithm::Sha384.digest(b"https://ria.ee").as_slice());
        assert_eq!(&data[48..], HashAlgorithm::Sha384.digest(b"nonce").as_slice());
        assert_eq!(signed_data(Algorithm::Rs256, "o", "n").len(), 64);
    }

    #[test]
    fn tokens_of_the_wrong_size_or_shape_are_refused_before_anything_else() {
        assert_eq!(AuthToken::parse("").unwrap_err().web_eid_name(), "AuthTokenParseException");
        assert!(AuthToken::parse(&"x".repeat(10_001)).unwrap_err().to_string().contains("too long"));
        let array = format!("[{}]", "1,".repeat(60) + "1");
        assert!(AuthToken::parse(&array).unwrap_err().to_string().contains("error parsing"));
    }

    #[test]
    fn a_token_written_is_read_back() {
        let token = AuthToken::new(&[1, 2, 3], Algorithm::Es384, &[9; 96], "https://pietura.lv/desk/0.1.0");
        assert_eq!(AuthToken::parse(&token.to_json()).unwrap(), token);
    }
}
