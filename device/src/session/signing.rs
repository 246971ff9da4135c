//! A citizen's signature on a PDF with their own eID card and PIN2 (PAdES B-B, the `pades`
//! crate): an application at a desk (the customer's card in the second reader) or a reply at a
//! kiosk (the logged-in citizen's card). The machine-readable part goes inside the signed PDF.

use chrono::{DateTime, Utc};

use super::{DeviceSession, Pin2, SessionError};
use crate::ErrorCode;

/// Who a signing certificate names, and the key it certifies.
pub(super) struct CertifiedSigner {
    pub name: String,
    pub personal_code: Option<String>,
    key: pades::KeyAlgorithm,
}

/// The holder and key of a card's signing certificate.
pub(super) fn signer_of(certificate: &[u8]) -> Result<CertifiedSigner, SessionError> {
    let parsed = eid::ParsedCertificate::from_der(certificate).map_err(|e| {
        SessionError::new(ErrorCode::UnsupportedCard, format!("the card's signing certificate cannot be read: {e}"))
    })?;
    let key = match parsed.public_key() {
        Ok(key) if key.is_rsa() => pades::KeyAlgorithm::Rsa,
        Ok(_) => pades::KeyAlgorithm::EcP384,
        Err(e) => return Err(SessionError::new(ErrorCode::UnsupportedCard, e.to_string())),
    };
    let identity = parsed.identity();
    Ok(CertifiedSigner {
        personal_code: identity.personal_code().map(|(_, code)| code.to_owned()),
        name: identity.common_name.unwrap_or_default(),
        key,
    })
}

impl DeviceSession {
    /// `pdf` with `embedded` (name, bytes) attached, signed by the card in `reader` (whose signing
    /// certificate is `certificate`) with PIN2: the card signs the hash; nothing else leaves here.
    #[allow(clippy::too_many_arguments)] // each is a different fact about one signature
    pub(super) fn sign_pdf(
        &self,
        reader: &str,
        certificate: &[u8],
        signer: &CertifiedSigner,
        pdf: &[u8],
        (name, bytes): (&str, &[u8]),
        reason: &str,
        at: DateTime<Utc>,
        pin2: Pin2<'_>,
    ) -> Result<Vec<u8>, SessionError> {
        let failed = |e: pades::PadesError| {
            SessionError::new(ErrorCode::Internal, format!("the signature could not be made: {e}"))
        };
        let seal = pades::Signer { name: signer.name.clone(), reason: reason.to_owned(), at };
        let prepared = pades::prepare(pdf, (name, bytes, "application/json"), &seal).map_err(failed)?;
        let digest = signer.key.digest();
        let attributes =
            pades::SignedAttributes::new(&prepared.document_digest(digest), certificate, digest).map_err(failed)?;
        let signature = self.login.sign_with_pin2(reader, pin2.typed(), &attributes.digest().map_err(failed)?)?;
        pades::finish(prepared, attributes, certificate, signer.key, &signature).map_err(failed)
    }
}
