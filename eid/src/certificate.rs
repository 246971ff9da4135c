//! What Pietura reads from an X.509 certificate: the holder's identity, its validity, key usage
//! and policies, and signatures made with its key (both a CA's signature over a certificate and
//! a card's signature over a login challenge). Parsing is `x509-cert`'s; the arithmetic is
//! RustCrypto's (`rsa`, `p256`, `p384`, `p521`).

use chrono::{DateTime, Utc};
use const_oid::{ObjectIdentifier, db::rfc4519, db::rfc5280, db::rfc5912};
use der::{
    Decode, Encode,
    asn1::{AnyRef, BitStringRef, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef},
};
use sha2::Digest;
use spki::AlgorithmIdentifierRef;
use x509_cert::{
    Certificate,
    ext::pkix::{CertificatePolicies, ExtendedKeyUsage, KeyUsage, KeyUsages},
};

/// Client authentication, the extended key usage an authentication certificate must allow.
pub const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CertificateError(pub String);

/// A parsed certificate with the DER it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCertificate {
    pub der: Vec<u8>,
    pub certificate: Certificate,
}

impl ParsedCertificate {
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let certificate = Certificate::from_der(der).map_err(|e| CertificateError(e.to_string()))?;
        Ok(Self { der: der.to_vec(), certificate })
    }

    /// Every certificate in a PEM text (a trust list may hold several).
    pub fn all_from_pem(pem: &str) -> Result<Vec<Self>, CertificateError> {
        let certificates = Certificate::load_pem_chain(pem.as_bytes())
            .map_err(|e| CertificateError(format!("not a PEM certificate: {e}")))?;
        certificates
            .into_iter()
            .map(|certificate| {
                let der = certificate.to_der().map_err(|e| CertificateError(e.to_string()))?;
                Ok(Self { der, certificate })
            })
            .collect()
    }

    pub fn subject(&self) -> String {
        self.certificate.tbs_certificate.subject.to_string()
    }

    pub fn issuer(&self) -> String {
        self.certificate.tbs_certificate.issuer.to_string()
    }

    pub fn not_before(&self) -> DateTime<Utc> {
        to_datetime(self.certificate.tbs_certificate.validity.not_before)
    }

    pub fn not_after(&self) -> DateTime<Utc> {
        to_datetime(self.certificate.tbs_certificate.validity.not_after)
    }

    /// Where `at` falls against the validity period (both ends inclusive, as in Java's
    /// `checkValidity`).
    pub fn validity_at(&self, at: DateTime<Utc>) -> Validity {
        if at < self.not_before() {
            Validity::NotYetValid
        } else if at > self.not_after() {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    fn extension<T: for<'a> Decode<'a>>(&self, oid: ObjectIdentifier) -> Result<Option<T>, CertificateError> {
        let Some(extensions) = &self.certificate.tbs_certificate.extensions else { return Ok(None) };
        extensions
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| {
                T::from_der(e.extn_value.as_bytes()).map_err(|err| CertificateError(format!("extension {oid}: {err}")))
            })
            .transpose()
    }

    pub fn key_usage(&self) -> Result<Option<KeyUsage>, CertificateError> {
        self.extension(rfc5280::ID_CE_KEY_USAGE)
    }

    /// Whether the key usage allows non-repudiation (content commitment): a signing key's.
    pub fn has_non_repudiation(&self) -> Result<Option<bool>, CertificateError> {
        Ok(self.key_usage()?.map(|usage| usage.non_repudiation()))
    }

    pub fn has_digital_signature(&self) -> Result<Option<bool>, CertificateError> {
        Ok(self.key_usage()?.map(|usage| usage.0.contains(KeyUsages::DigitalSignature)))
    }

    pub fn extended_key_usage(&self) -> Result<Option<Vec<ObjectIdentifier>>, CertificateError> {
        Ok(self.extension::<ExtendedKeyUsage>(rfc5280::ID_CE_EXT_KEY_USAGE)?.map(|e| e.0))
    }

    pub fn policies(&self) -> Result<Vec<ObjectIdentifier>, CertificateError> {
        Ok(self
            .extension::<CertificatePolicies>(rfc5280::ID_CE_CERTIFICATE_POLICIES)?
            .map(|p| p.0.into_iter().map(|info| info.policy_identifier).collect())
            .unwrap_or_default())
    }

    /// Whether `issuer` signed this certificate: names match and the signature verifies.
    pub fn is_signed_by(&self, issuer: &ParsedCertificate) -> bool {
        if self.certificate.tbs_certificate.issuer != issuer.certificate.tbs_certificate.subject {
            return false;
        }
        let Ok(parts) = SignedParts::from_der(&self.der) else { return false };
        let Ok(tbs) = parts.tbs.to_der() else { return false };
        let Some(signature) = parts.signature.as_bytes() else { return false };
        issuer.verifies(&parts.algorithm, &tbs, signature)
    }

    /// Whether `signature` (as X.509 and OCSP carry it, under `algorithm`) over `data` was made
    /// with this certificate's key.
    pub fn verifies(&self, algorithm: &AlgorithmIdentifierRef<'_>, data: &[u8], signature: &[u8]) -> bool {
        let Some(scheme) = CertificateSignature::from_algorithm(algorithm) else {
            tracing::debug!(algorithm = %algorithm.oid, "signature algorithm not supported");
            return false;
        };
        let digest = scheme.hash.digest(data);
        self.public_key()
            .is_ok_and(|key| key.verify_prehashed(scheme.padding, &digest, signature, SignatureEncoding::Der))
    }

    /// The OCSP responder URLs from the Authority Information Access extension.
    pub fn ocsp_urls(&self) -> Result<Vec<String>, CertificateError> {
        use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, name::GeneralName};
        const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
        let Some(access) = self.extension::<AuthorityInfoAccessSyntax>(rfc5280::ID_PE_AUTHORITY_INFO_ACCESS)? else {
            return Ok(Vec::new());
        };
        Ok(access
            .0
            .into_iter()
            .filter(|a| a.access_method == ID_AD_OCSP)
            .filter_map(|a| match a.access_location {
                GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
                _ => None,
            })
            .collect())
    }

    pub fn public_key(&self) -> Result<PublicKey, CertificateError> {
        PublicKey::from_spki(&self.certificate.tbs_certificate.subject_public_key_info)
    }

    /// The holder as the certificate names them.
    pub fn identity(&self) -> Identity {
        let mut identity = Identity::default();
        for rdn in self.certificate.tbs_certificate.subject.0.iter() {
            for attribute in rdn.0.iter() {
                let Some(value) = attribute_text((&attribute.value).into()) else { continue };
                match attribute.oid {
                    oid if oid == rfc4519::CN => identity.common_name = Some(value),
                    oid if oid == rfc4519::GIVEN_NAME => identity.given_name = Some(value),
                    oid if oid == rfc4519::SN => identity.surname = Some(value),
                    oid if oid == rfc4519::SERIAL_NUMBER => identity.serial_number = Some(value),
                    oid if oid == rfc4519::C => identity.country = Some(value),
                    _ => {}
                }
            }
        }
        identity
    }
}

fn attribute_text(value: AnyRef<'_>) -> Option<String> {
    Utf8StringRef::try_from(value)
        .map(|s| s.as_str().to_owned())
        .or_else(|_| PrintableStringRef::try_from(value).map(|s| s.as_str().to_owned()))
        .or_else(|_| Ia5StringRef::try_from(value).map(|s| s.as_str().to_owned()))
        .or_else(|_| TeletexStringRef::try_from(value).map(|s| s.as_str().to_owned()))
        .ok()
}

fn to_datetime(time: x509_cert::time::Time) -> DateTime<Utc> {
    let seconds = time.to_unix_duration().as_secs();
    DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(i64::MAX), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYetValid,
    Valid,
    Expired,
}

/// The subject of a certificate, as its attributes say it. On eID cards `serial_number` is the
/// ETSI semantic identifier: `PNOLV-` and the Latvian personal code.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub common_name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub serial_number: Option<String>,
    pub country: Option<String>,
}

impl Identity {
    /// The national identifier from a `PNO` semantic identifier (`PNOLV-010101-12345` →
    /// country `LV`, `010101-12345`); `None` for other forms (some countries put the bare code).
    pub fn personal_code(&self) -> Option<(&str, &str)> {
        let serial = self.serial_number.as_deref()?;
        let rest = serial.strip_prefix("PNO")?;
        let (country, code) = rest.split_once('-')?;
        (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) && !code.is_empty())
            .then_some((country, code))
    }
}

/// The three parts of a signed X.509 structure, with the to-be-signed part kept as raw DER.
#[derive(der::Sequence)]
struct SignedParts<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        match oid {
            o if o == rfc5912::ID_SHA_256 => Some(Self::Sha256),
            o if o == rfc5912::ID_SHA_384 => Some(Self::Sha384),
            o if o == rfc5912::ID_SHA_512 => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// How the hash is turned into a signature: ECDSA, or RSA with PKCS#1 v1.5 or PSS padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Ecdsa,
    RsaPkcs1(HashAlgorithm),
    RsaPss { hash: HashAlgorithm, salt_len: usize },
}

/// ECDSA signatures come as DER in certificates and as raw `r‖s` from cards and in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    Der,
    Raw,
}

struct CertificateSignature {
    hash: HashAlgorithm,
    padding: Padding,
}

impl CertificateSignature {
    fn from_algorithm(algorithm: &AlgorithmIdentifierRef<'_>) -> Option<Self> {
        use HashAlgorithm::*;
        let ecdsa = |hash| Some(Self { hash, padding: Padding::Ecdsa });
        let pkcs1 = |hash| Some(Self { hash, padding: Padding::RsaPkcs1(hash) });
        match algorithm.oid {
            o if o == rfc5912::ECDSA_WITH_SHA_256 => ecdsa(Sha256),
            o if o == rfc5912::ECDSA_WITH_SHA_384 => ecdsa(Sha384),
            o if o == rfc5912::ECDSA_WITH_SHA_512 => ecdsa(Sha512),
            o if o == rfc5912::SHA_256_WITH_RSA_ENCRYPTION => pkcs1(Sha256),
            o if o == rfc5912::SHA_384_WITH_RSA_ENCRYPTION => pkcs1(Sha384),
            o if o == rfc5912::SHA_512_WITH_RSA_ENCRYPTION => pkcs1(Sha512),
            o if o == rfc5912::ID_RSASSA_PSS => {
                let params = algorithm.parameters?.decode_as::<rsa::pkcs1::RsaPssParams<'_>>().ok()?;
                let hash = HashAlgorithm::from_oid(params.hash.oid)?;
                Some(Self { hash, padding: Padding::RsaPss { hash, salt_len: usize::from(params.salt_len) } })
            }
            _ => None,
        }
    }
}

/// A certificate's public key, ready to verify.
#[derive(Clone)]
pub enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "PublicKey::Rsa",
            Self::P256(_) => "PublicKey::P256",
            Self::P384(_) => "PublicKey::P384",
            Self::P521(_) => "PublicKey::P521",
        })
    }
}

impl PublicKey {
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<Self, CertificateError> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| CertificateError("the public key has unused bits".into()))?;
        let bad = |e: &dyn std::fmt::Display| CertificateError(format!("unreadable public key: {e}"));
        match spki.algorithm.oid {
            o if o == rfc5912::RSA_ENCRYPTION => {
                Ok(Self::Rsa(rsa::RsaPublicKey::from_pkcs1_der(bits).map_err(|e| bad(&e))?))
            }
            o if o == rfc5912::ID_EC_PUBLIC_KEY => {
                let curve: ObjectIdentifier = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .ok_or_else(|| CertificateError("an EC key without its curve".into()))?
                    .decode_as()
                    .map_err(|e| bad(&e))?;
                match curve {
                    c if c == SECP256R1 => {
                        Ok(Self::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(|e| bad(&e))?))
                    }
                    c if c == SECP384R1 => {
                        Ok(Self::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(|e| bad(&e))?))
                    }
                    c if c == SECP521R1 => {
                        Ok(Self::P521(p521::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(|e| bad(&e))?))
                    }
                    other => Err(CertificateError(format!("EC curve {other} is not supported"))),
                }
            }
            other => Err(CertificateError(format!("public key algorithm {other} is not supported"))),
        }
    }

    pub fn is_rsa(&self) -> bool {
        matches!(self, Self::Rsa(_))
    }

    /// Verifies `signature` over a message whose hash is `digest`.
    pub fn verify_prehashed(
        &self,
        padding: Padding,
        digest: &[u8],
        signature: &[u8],
        encoding: SignatureEncoding,
    ) -> bool {
        use signature::hazmat::PrehashVerifier;
        match (self, padding) {
            (Self::Rsa(key), Padding::RsaPkcs1(hash)) => {
                let scheme = match hash {
                    HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                key.verify(scheme, digest, signature).is_ok()
            }
            (Self::Rsa(key), Padding::RsaPss { hash, salt_len }) => {
                let scheme = match hash {
                    HashAlgorithm::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt_len),
                    HashAlgorithm::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt_len),
                    HashAlgorithm::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt_len),
                };
                key.verify(scheme, digest, signature).is_ok()
            }
            (Self::P256(key), Padding::Ecdsa) => {
                let signature = match encoding {
                    SignatureEncoding::Der => p256::ecdsa::Signature::from_der(signature),
                    SignatureEncoding::Raw => p256::ecdsa::Signature::from_slice(signature),
                };
                signature.is_ok_and(|s| key.verify_prehash(digest, &s).is_ok())
            }
            (Self::P384(key), Padding::Ecdsa) => {
                let signature = match encoding {
                    SignatureEncoding::Der => p384::ecdsa::Signature::from_der(signature),
                    SignatureEncoding::Raw => p384::ecdsa::Signature::from_slice(signature),
                };
                signature.is_ok_and(|s| key.verify_prehash(digest, &s).is_ok())
            }
            (Self::P521(key), Padding::Ecdsa) => {
                let signature = match encoding {
                    SignatureEncoding::Der => p521::ecdsa::Signature::from_der(signature),
                    SignatureEncoding::Raw => p521::ecdsa::Signature::from_slice(signature),
                };
                signature.is_ok_and(|s| key.verify_prehash(digest, &s).is_ok())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_code_comes_from_the_pno_semantic_identifier() {
        let with = |serial: &str| Identity { serial_number: Some(serial.to_owned()), ..Identity::default() };
        assert_eq!(with("PNOLV-210860-10528").personal_code(), Some(("LV", "210860-10528")));
        assert_eq!(with("PNOEE-38001085718").personal_code(), Some(("EE", "38001085718")));
        assert_eq!(with("01050399864").personal_code(), None);
        assert_eq!(with("PNOLV-").personal_code(), None);
        assert_eq!(with("PNOlv-1").personal_code(), None);
    }
}
