//! OCSP revocation checks (RFC 6960) as Web eID's validators make them: a request for the user
//! certificate with a nonce, and a response that must be successful, signed by the issuing CA
//! or a responder it authorised (extended key usage OCSPSigning), hold exactly one answer for
//! this certificate, echo the nonce, and be fresh. Formats are `x509-ocsp`'s; the HTTP round
//! trip is the caller's (the server has the async HTTP client).

use chrono::{DateTime, Duration, Utc};
use const_oid::{ObjectIdentifier, db::rfc5912};
use der::{
    Decode, Encode,
    asn1::{Null, OctetString},
    referenced::OwnedToRef,
};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request, TbsRequest,
    ext::Nonce,
};

use crate::{certificate::ParsedCertificate, token::TokenError};

const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// Clock differences tolerated between this server and the responder (Web eID's default).
pub const ALLOWED_TIME_SKEW_MINUTES: i64 = 15;
/// How old a response's `thisUpdate` may be (Web eID's default), beyond the skew.
pub const MAX_THIS_UPDATE_AGE_MINUTES: i64 = 2;

/// The request to send, and what the response must match.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    pub der: Vec<u8>,
    cert_id: CertId,
    nonce: Vec<u8>,
}

fn unknown(reason: impl Into<String>) -> TokenError {
    TokenError::RevocationUnknown(reason.into())
}

/// The CertID of `certificate` under `issuer` (SHA-256 of the issuer's name and key).
fn cert_id(certificate: &ParsedCertificate, issuer: &ParsedCertificate) -> Result<CertId, TokenError> {
    let issuer_tbs = &issuer.certificate.tbs_certificate;
    let name = issuer_tbs.subject.to_der().map_err(|e| unknown(e.to_string()))?;
    let key = issuer_tbs.subject_public_key_info.subject_public_key.raw_bytes();
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned { oid: rfc5912::ID_SHA_256, parameters: Some(Null.into()) },
        issuer_name_hash: OctetString::new(sha2::Sha256::digest(name).to_vec()).map_err(|e| unknown(e.to_string()))?,
        issuer_key_hash: OctetString::new(sha2::Sha256::digest(key).to_vec()).map_err(|e| unknown(e.to_string()))?,
        serial_number: certificate.certificate.tbs_certificate.serial_number.clone(),
    })
}

/// An OCSP request for `certificate` with a fresh 32-byte `nonce`.
pub fn request(
    certificate: &ParsedCertificate,
    issuer: &ParsedCertificate,
    nonce: [u8; 32],
) -> Result<PreparedRequest, TokenError> {
    let cert_id = cert_id(certificate, issuer)?;
    let nonce_extension = x509_cert::ext::Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(
            Nonce::new(nonce.to_vec()).and_then(|n| n.to_der()).map_err(|e| unknown(e.to_string()))?,
        )
        .map_err(|e| unknown(e.to_string()))?,
    };
    let request = OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request { req_cert: cert_id.clone(), single_request_extensions: None }],
            request_extensions: Some(vec![nonce_extension]),
            ..TbsRequest::default()
        },
        optional_signature: None,
    };
    Ok(PreparedRequest { der: request.to_der().map_err(|e| unknown(e.to_string()))?, cert_id, nonce: nonce.to_vec() })
}

fn to_datetime(time: &x509_ocsp::OcspGeneralizedTime) -> DateTime<Utc> {
    let seconds = time.0.to_unix_duration().as_secs();
    DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(i64::MAX), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Checks the responder's answer to `request` at time `now`: `Ok` only for a good status.
pub fn check_response(
    request: &PreparedRequest,
    response: &[u8],
    issuer: &ParsedCertificate,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    let response =
        OcspResponse::from_der(response).map_err(|e| unknown(format!("an unreadable OCSP response: {e}")))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(unknown(format!("the OCSP responder answered {:?}", response.response_status)));
    }
    let bytes = response.response_bytes.ok_or_else(|| unknown("the OCSP response is empty"))?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(unknown(format!("the OCSP response type {} is not supported", bytes.response_type)));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| unknown(format!("an unreadable OCSP basic response: {e}")))?;

    // Who signed it: the issuing CA itself, or a responder certificate the CA issued for OCSP.
    let tbs = basic.tbs_response_data.to_der().map_err(|e| unknown(e.to_string()))?;
    let signature = basic.signature.as_bytes().ok_or_else(|| unknown("the OCSP signature has unused bits"))?;
    let algorithm = basic.signature_algorithm.owned_to_ref();
    let signed_by_issuer = issuer.verifies(&algorithm, &tbs, signature);
    let signed_by_responder = || {
        basic.certs.iter().flatten().any(|certificate| {
            let Ok(der) = certificate.to_der() else { return false };
            let Ok(responder) = ParsedCertificate::from_der(&der) else { return false };
            let authorised = responder.is_signed_by(issuer)
                && responder.extended_key_usage().ok().flatten().is_some_and(|usages| usages.contains(&OCSP_SIGNING))
                && responder.validity_at(now) == crate::certificate::Validity::Valid;
            authorised && responder.verifies(&algorithm, &tbs, signature)
        })
    };
    if !signed_by_issuer && !signed_by_responder() {
        return Err(unknown("the OCSP response is not signed by the CA or a responder it authorised"));
    }

    let answers: Vec<_> = basic.tbs_response_data.responses.iter().collect();
    let [answer] = answers.as_slice() else {
        return Err(unknown(format!("the OCSP response holds {} answers, not one", answers.len())));
    };
    if answer.cert_id != request.cert_id {
        return Err(unknown("the OCSP response is about another certificate"));
    }
    match basic.nonce() {
        Some(nonce) if nonce.0.as_bytes() == request.nonce.as_slice() => {}
        Some(_) => return Err(unknown("the OCSP response's nonce does not match the request's")),
        None => return Err(unknown("the OCSP response carries no nonce")),
    }
    let skew = Duration::minutes(ALLOWED_TIME_SKEW_MINUTES);
    let this_update = to_datetime(&answer.this_update);
    if this_update > now + skew {
        return Err(unknown("the OCSP response is from the future: check the clocks"));
    }
    if this_update < now - skew - Duration::minutes(MAX_THIS_UPDATE_AGE_MINUTES) {
        return Err(unknown("the OCSP response is too old"));
    }
    if let Some(next_update) = &answer.next_update
        && to_datetime(next_update) < now - skew
    {
        return Err(unknown("the OCSP response has expired"));
    }
    match &answer.cert_status {
        CertStatus::Good(_) => Ok(()),
        CertStatus::Revoked(info) => Err(TokenError::Revoked(format!(
            "revoked on {}",
            to_datetime(&info.revocation_time).format("%Y-%m-%d %H:%M")
        ))),
        CertStatus::Unknown(_) => Err(TokenError::Revoked("the OCSP responder does not know this certificate".into())),
    }
}
