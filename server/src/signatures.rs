//! A citizen's signature on a PDF (PAdES B-B, made with their eID card and PIN2): the one check
//! the server makes of every signed document desks and kiosks send — the signature over the
//! whole file, the document's embedded machine-readable part, and a trusted eID signing
//! certificate valid now and, when the server uses OCSP, not revoked.

use chrono::{DateTime, Utc};
use protocol::rejection_codes as codes;

/// Why a signature is not accepted: for good (with a code the device translates), or not yet
/// (the certificate's revocation status could not be learnt: the device tries again later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    Refused(&'static str, String),
    Unknown(String),
}

impl From<(&'static str, String)> for SignatureProblem {
    fn from((code, reason): (&'static str, String)) -> Self {
        Self::Refused(code, reason)
    }
}

/// A signature that passed: the signer's Latvian personal code (as their certificate names it),
/// and the embedded file's bytes.
#[derive(Debug)]
pub struct Signed {
    pub personal_code: Option<String>,
    pub embedded: Vec<u8>,
}

/// Verifies `pdf`'s signature, finds the embedded file `embedded_name`, and checks the signer's
/// certificate at `now` (not at the claimed signing time: a B-B signature's `/M` is the signer's
/// word, and a backdated claim must not revive an expired certificate).
pub async fn check(
    login: Option<&crate::login::Login>,
    pdf: &[u8],
    embedded_name: &str,
    now: DateTime<Utc>,
) -> Result<Signed, SignatureProblem> {
    let Some(login) = login else {
        return Err((
            codes::SIGNATURE_UNTRUSTED,
            "this server has no eID trust anchors to check signatures with".into(),
        )
            .into());
    };
    let verified = pades::verify(pdf).map_err(|e| (codes::SIGNATURE_INVALID, format!("the signed PDF: {e}")))?;
    let embedded = verified
        .files
        .into_iter()
        .find(|(name, _)| name == embedded_name)
        .map(|(_, bytes)| bytes)
        .ok_or_else(|| (codes::SIGNATURE_INVALID, format!("the signed PDF carries no {embedded_name}")))?;
    let signer = eid::ParsedCertificate::from_der(&verified.signer_certificate)
        .map_err(|e| (codes::SIGNATURE_INVALID, format!("the signer's certificate cannot be read: {}", e.0)))?;
    match login.check_signing_certificate(&signer, now).await {
        Ok(()) => {
            let personal_code = match signer.identity().personal_code() {
                Some(("LV", code)) => Some(code.to_owned()),
                _ => None,
            };
            Ok(Signed { personal_code, embedded })
        }
        Err(eid::TokenError::Revoked(reason)) => {
            Err((codes::SIGNATURE_REVOKED, format!("the signer's certificate is revoked: {reason}")).into())
        }
        Err(eid::TokenError::RevocationUnknown(reason)) => {
            tracing::warn!(%reason, "a signed document waits: the certificate's revocation status is unknown");
            Err(SignatureProblem::Unknown(format!("the signer's certificate status could not be learnt: {reason}")))
        }
        Err(e) => Err((codes::SIGNATURE_UNTRUSTED, format!("the signer's certificate: {e}")).into()),
    }
}
