//! A test certificate authority made by the tooling: root → intermediate → card certificates with
//! the subject layout, key usage, extended key usage and policies of real Latvian eID cards
//! (the DEMO card in the reference notes is the template). Its keys are generated on the
//! machine that runs the tests or the demo, so nothing committed is trusted anywhere.

use std::{path::Path, str::FromStr, time::Duration};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use const_oid::ObjectIdentifier;
use der::{
    Decode, Encode, EncodePem,
    asn1::{Ia5String, OctetString},
    pem::LineEnding,
};
use p384::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::pkcs8::EncodePublicKey;
use x509_cert::{
    Certificate,
    builder::{Builder, CertificateBuilder, Profile},
    ext::pkix::{
        AuthorityInfoAccessSyntax, BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage, KeyUsages,
        SubjectKeyIdentifier, certpolicy::PolicyInformation, name::GeneralName,
    },
    name::Name,
    serial_number::SerialNumber,
    spki::SubjectPublicKeyInfoOwned,
    time::{Time, Validity},
};

use crate::{apdu::KeyKind, certificate::CLIENT_AUTH};

const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// ETSI QCP-n-qscd-like policy and the issuer's own policy, as on the DEMO card.
pub const CARD_POLICIES: [&str; 2] = ["0.4.0.2042.1.2", "1.3.6.1.4.1.32061.2.1.2.2"];
/// A qualified signing certificate's policies: ETSI EN 319 411-2 QCP-n-qscd, and the issuer's
/// own qualified policy (a test arc beside the DEMO card's).
pub const SIGNING_POLICIES: [&str; 2] = ["0.4.0.194112.1.2", "1.3.6.1.4.1.32061.2.1.1.1"];
/// qcStatements (RFC 3739) and the ETSI EN 319 412-5 statements a qualified signing certificate
/// carries: EU qualified, the key in a QSCD, of type e-signature.
const ID_PE_QC_STATEMENTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.3");
pub const QC_COMPLIANCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.1");
pub const QC_SSCD: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.4");
const QC_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.6");
pub const QC_TYPE_ESIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.1862.1.6.1");

/// One qcStatement: its id and, for some, what it says.
#[derive(Debug, Clone, der::Sequence)]
struct QcStatement {
    statement_id: ObjectIdentifier,
    #[asn1(optional = "true")]
    statement_info: Option<der::Any>,
}

/// The qcStatements extension: a SEQUENCE OF [`QcStatement`].
#[derive(Debug, Clone)]
struct QcStatements(Vec<QcStatement>);

impl const_oid::AssociatedOid for QcStatements {
    const OID: ObjectIdentifier = ID_PE_QC_STATEMENTS;
}

impl der::Encode for QcStatements {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.encoded_len()
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.0.encode(writer)
    }
}

impl x509_cert::ext::AsExtension for QcStatements {
    fn critical(&self, _: &Name, _: &[x509_cert::ext::Extension]) -> bool {
        false
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TestCaError {
    #[error("building a certificate failed: {0}")]
    Build(String),
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
}

fn build_error(e: impl std::fmt::Display) -> TestCaError {
    TestCaError::Build(e.to_string())
}

/// The person a card belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub given_name: String,
    pub surname: String,
    /// A Latvian personal code as printed (`010190-12345` or `32…`).
    pub personal_code: String,
}

/// How a card certificate differs from a good one (for the validation tests).
#[derive(Debug, Clone)]
pub struct CardCertificateOptions {
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub digital_signature: bool,
    pub extended_key_usages: Vec<ObjectIdentifier>,
    pub policies: Vec<ObjectIdentifier>,
    pub ocsp_url: Option<String>,
}

impl CardCertificateOptions {
    /// A five-year certificate from `issued`, as real cards have.
    pub fn valid_from(issued: DateTime<Utc>) -> Self {
        Self {
            not_before: issued,
            not_after: issued + chrono::Duration::days(5 * 365),
            digital_signature: true,
            extended_key_usages: vec![CLIENT_AUTH, EMAIL_PROTECTION],
            policies: CARD_POLICIES.iter().map(|p| ObjectIdentifier::new_unwrap(p)).collect(),
            ocsp_url: None,
        }
    }
}

/// A card's private key.
#[derive(Clone)]
pub enum CardKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p384::ecdsa::SigningKey),
}

impl std::fmt::Debug for CardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "CardKey::Rsa(<private>)",
            Self::Ec(_) => "CardKey::Ec(<private>)",
        })
    }
}

impl CardKey {
    pub fn generate(kind: KeyKind) -> Self {
        match kind {
            KeyKind::Rsa2048 => Self::Rsa(Box::new(
                rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("RSA-2048 key generation"),
            )),
            KeyKind::EcP384 => Self::Ec(p384::ecdsa::SigningKey::random(&mut rand_core::OsRng)),
        }
    }

    pub fn kind(&self) -> KeyKind {
        match self {
            Self::Rsa(_) => KeyKind::Rsa2048,
            Self::Ec(_) => KeyKind::EcP384,
        }
    }

    fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, TestCaError> {
        let der = match self {
            Self::Rsa(key) => key.to_public_key().to_public_key_der().map_err(build_error)?,
            Self::Ec(key) => key.verifying_key().to_public_key_der().map_err(build_error)?,
        };
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(build_error)
    }

    fn to_pkcs8(&self) -> Result<Vec<u8>, TestCaError> {
        Ok(match self {
            Self::Rsa(key) => key.to_pkcs8_der().map_err(build_error)?.as_bytes().to_vec(),
            Self::Ec(key) => key.to_pkcs8_der().map_err(build_error)?.as_bytes().to_vec(),
        })
    }

    fn from_pkcs8(kind: KeyKind, der: &[u8]) -> Result<Self, TestCaError> {
        Ok(match kind {
            KeyKind::Rsa2048 => Self::Rsa(Box::new(rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(build_error)?)),
            KeyKind::EcP384 => Self::Ec(p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(build_error)?),
        })
    }
}

/// Everything a virtual card holds: its keys, certificates and PINs. Test data only.
#[derive(Debug, Clone)]
pub struct CardProfile {
    pub holder: Holder,
    /// The authentication key and certificate (ADF1, PIN1).
    pub key: CardKey,
    pub certificate_der: Vec<u8>,
    /// The qualified signature key and certificate (ADF2, PIN2 for every signature); `None` only
    /// for cards saved before signing keys existed.
    pub signing: Option<SigningSlot>,
    pub pin1: String,
    pub pin2: String,
    pub puk: String,
}

/// The signing application's key and certificate.
#[derive(Debug, Clone)]
pub struct SigningSlot {
    pub key: CardKey,
    pub certificate_der: Vec<u8>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCard {
    holder: Holder,
    key_kind: String,
    key_pkcs8: String,
    certificate: String,
    pin1: String,
    pin2: String,
    puk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_key_pkcs8: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_certificate: Option<String>,
}

impl CardProfile {
    pub fn to_json(&self) -> Result<String, TestCaError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let stored = StoredCard {
            holder: self.holder.clone(),
            key_kind: match self.key.kind() {
                KeyKind::Rsa2048 => "rsa2048".into(),
                KeyKind::EcP384 => "ecp384".into(),
            },
            key_pkcs8: b64.encode(self.key.to_pkcs8()?),
            certificate: b64.encode(&self.certificate_der),
            pin1: self.pin1.clone(),
            pin2: self.pin2.clone(),
            puk: self.puk.clone(),
            signing_key_pkcs8: self
                .signing
                .as_ref()
                .map(|s| s.key.to_pkcs8().map(|der| b64.encode(der)))
                .transpose()?,
            signing_certificate: self.signing.as_ref().map(|s| b64.encode(&s.certificate_der)),
        };
        serde_json::to_string_pretty(&stored).map_err(build_error)
    }

    pub fn from_json(text: &str) -> Result<Self, TestCaError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let stored: StoredCard = serde_json::from_str(text).map_err(build_error)?;
        let kind = match stored.key_kind.as_str() {
            "rsa2048" => KeyKind::Rsa2048,
            "ecp384" => KeyKind::EcP384,
            other => return Err(TestCaError::Build(format!("unknown key kind {other:?}"))),
        };
        // The signing key is of the card's generation, as the authentication key is.
        let signing = match (stored.signing_key_pkcs8, stored.signing_certificate) {
            (Some(key), Some(certificate)) => Some(SigningSlot {
                key: CardKey::from_pkcs8(kind, &b64.decode(key).map_err(build_error)?)?,
                certificate_der: b64.decode(certificate).map_err(build_error)?,
            }),
            _ => None,
        };
        Ok(Self {
            holder: stored.holder,
            key: CardKey::from_pkcs8(kind, &b64.decode(&stored.key_pkcs8).map_err(build_error)?)?,
            certificate_der: b64.decode(&stored.certificate).map_err(build_error)?,
            signing,
            pin1: stored.pin1,
            pin2: stored.pin2,
            puk: stored.puk,
        })
    }
}

/// The root and intermediate CA, with their keys.
#[derive(Debug, Clone)]
pub struct TestCa {
    pub root: Certificate,
    root_key: p384::ecdsa::SigningKey,
    /// The CA that issues card certificates: what the server is told to trust.
    pub intermediate: Certificate,
    intermediate_key: p384::ecdsa::SigningKey,
}

fn validity(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Validity, TestCaError> {
    let time = |t: DateTime<Utc>| {
        let seconds = u64::try_from(t.timestamp()).map_err(build_error)?;
        Time::try_from(std::time::UNIX_EPOCH + Duration::from_secs(seconds)).map_err(build_error)
    };
    Ok(Validity { not_before: time(from)?, not_after: time(to)? })
}

fn serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes[0] &= 0x7F;
    bytes[0] |= 0x40;
    SerialNumber::new(&bytes).expect("a 16-byte positive serial")
}

fn spki_of(key: &p384::ecdsa::SigningKey) -> Result<SubjectPublicKeyInfoOwned, TestCaError> {
    let der = key.verifying_key().to_public_key_der().map_err(build_error)?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(build_error)
}

fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<SubjectKeyIdentifier, TestCaError> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(spki.subject_public_key.raw_bytes());
    Ok(SubjectKeyIdentifier(OctetString::new(&digest[..20]).map_err(build_error)?))
}

impl TestCa {
    /// A new CA valid for 20 years from `now` (minus a day, so clocks a little behind still
    /// accept it).
    pub fn generate(now: DateTime<Utc>) -> Result<Self, TestCaError> {
        let from = now - chrono::Duration::days(1);
        let to = now + chrono::Duration::days(20 * 365);
        let root_key = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let root_name = Name::from_str("CN=Pietura TEST LV eID Root CA,O=Pietura TEST,C=LV").map_err(build_error)?;
        let root_spki = spki_of(&root_key)?;
        let builder = CertificateBuilder::new(
            Profile::Root,
            serial(),
            validity(from, to)?,
            root_name.clone(),
            root_spki,
            &root_key,
        )
        .map_err(build_error)?;
        let root = builder.build::<p384::ecdsa::DerSignature>().map_err(build_error)?;

        let intermediate_key = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let name =
            Name::from_str("CN=Pietura TEST LV eID ICA,organizationIdentifier=NTRLV-00000000000,O=Pietura TEST,C=LV")
                .or_else(|_| Name::from_str("CN=Pietura TEST LV eID ICA,O=Pietura TEST,C=LV"))
                .map_err(build_error)?;
        let builder = CertificateBuilder::new(
            Profile::SubCA { issuer: root_name, path_len_constraint: Some(0) },
            serial(),
            validity(from, to)?,
            name,
            spki_of(&intermediate_key)?,
            &root_key,
        )
        .map_err(build_error)?;
        let intermediate = builder.build::<p384::ecdsa::DerSignature>().map_err(build_error)?;
        Ok(Self { root, root_key, intermediate, intermediate_key })
    }

    /// A card certificate for `holder` over `key`, shaped like a real Latvian eID
    /// authentication certificate unless `options` say otherwise.
    pub fn issue_card_certificate(
        &self,
        holder: &Holder,
        key: &CardKey,
        options: &CardCertificateOptions,
    ) -> Result<Vec<u8>, TestCaError> {
        let subject = holder_name(holder)?;
        let spki = key.public_key_info()?;
        let mut builder = CertificateBuilder::new(
            Profile::Manual { issuer: Some(self.intermediate.tbs_certificate.subject.clone()) },
            serial(),
            validity(options.not_before, options.not_after)?,
            subject,
            spki.clone(),
            &self.intermediate_key,
        )
        .map_err(build_error)?;
        builder.add_extension(&BasicConstraints { ca: false, path_len_constraint: None }).map_err(build_error)?;
        let mut usage = KeyUsages::KeyAgreement.into();
        if key.kind() == KeyKind::Rsa2048 {
            usage = KeyUsages::KeyEncipherment.into();
        }
        if options.digital_signature {
            usage |= KeyUsages::DigitalSignature;
        }
        builder.add_extension(&KeyUsage(usage)).map_err(build_error)?;
        if !options.extended_key_usages.is_empty() {
            builder.add_extension(&ExtendedKeyUsage(options.extended_key_usages.clone())).map_err(build_error)?;
        }
        if !options.policies.is_empty() {
            builder.add_extension(&certificate_policies(&options.policies)).map_err(build_error)?;
        }
        finish_card_certificate(builder, &spki, options)
    }

    /// A qualified signing certificate for `holder` over `key`, shaped like a Latvian eID card's
    /// (ADF2): key usage non-repudiation only, the qualified-certificate statements (EU
    /// qualified, QSCD, e-signature) and policies, the same subject as the authentication
    /// certificate. `options` change the validity, the policies and the OCSP address; with
    /// `digital_signature` set the key usage is the authentication one instead (the wrong-usage
    /// tests).
    pub fn issue_signing_certificate(
        &self,
        holder: &Holder,
        key: &CardKey,
        options: &CardCertificateOptions,
    ) -> Result<Vec<u8>, TestCaError> {
        let spki = key.public_key_info()?;
        let mut builder = CertificateBuilder::new(
            Profile::Manual { issuer: Some(self.intermediate.tbs_certificate.subject.clone()) },
            serial(),
            validity(options.not_before, options.not_after)?,
            holder_name(holder)?,
            spki.clone(),
            &self.intermediate_key,
        )
        .map_err(build_error)?;
        builder.add_extension(&BasicConstraints { ca: false, path_len_constraint: None }).map_err(build_error)?;
        let usage = if options.digital_signature { KeyUsages::DigitalSignature } else { KeyUsages::NonRepudiation };
        builder.add_extension(&KeyUsage(usage.into())).map_err(build_error)?;
        builder.add_extension(&certificate_policies(&options.policies)).map_err(build_error)?;
        let qc_type = der::Any::from_der(&vec![QC_TYPE_ESIGN].to_der().map_err(build_error)?).map_err(build_error)?;
        builder
            .add_extension(&QcStatements(vec![
                QcStatement { statement_id: QC_COMPLIANCE, statement_info: None },
                QcStatement { statement_id: QC_SSCD, statement_info: None },
                QcStatement { statement_id: QC_TYPE, statement_info: Some(qc_type) },
            ]))
            .map_err(build_error)?;
        finish_card_certificate(builder, &spki, options)
    }

    /// A new card: key of `kind`, a good certificate from `issued`, and PINs.
    pub fn issue_card(
        &self,
        holder: Holder,
        kind: KeyKind,
        issued: DateTime<Utc>,
        ocsp_url: Option<String>,
        pin1: &str,
        pin2: &str,
    ) -> Result<CardProfile, TestCaError> {
        let key = CardKey::generate(kind);
        let options = CardCertificateOptions { ocsp_url, ..CardCertificateOptions::valid_from(issued) };
        let certificate_der = self.issue_card_certificate(&holder, &key, &options)?;
        let signing_key = CardKey::generate(kind);
        let signing_options = CardCertificateOptions {
            digital_signature: false,
            extended_key_usages: Vec::new(),
            policies: SIGNING_POLICIES.iter().map(|oid| ObjectIdentifier::new_unwrap(oid)).collect(),
            ..options
        };
        let signing = SigningSlot {
            certificate_der: self.issue_signing_certificate(&holder, &signing_key, &signing_options)?,
            key: signing_key,
        };
        Ok(CardProfile {
            holder,
            key,
            certificate_der,
            signing: Some(signing),
            pin1: pin1.into(),
            pin2: pin2.into(),
            puk: "12345678".into(),
        })
    }

    /// An OCSP responder certificate issued by the intermediate (EKU OCSPSigning), with its key
    /// as PKCS#8 PEM, for `openssl ocsp` in tests.
    pub fn issue_ocsp_responder(&self, now: DateTime<Utc>) -> Result<(String, String), TestCaError> {
        let key = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let mut builder = CertificateBuilder::new(
            Profile::Manual { issuer: Some(self.intermediate.tbs_certificate.subject.clone()) },
            serial(),
            validity(now - chrono::Duration::days(1), now + chrono::Duration::days(365))?,
            Name::from_str("CN=Pietura TEST OCSP,O=Pietura TEST,C=LV").map_err(build_error)?,
            spki_of(&key)?,
            &self.intermediate_key,
        )
        .map_err(build_error)?;
        builder.add_extension(&KeyUsage(KeyUsages::DigitalSignature.into())).map_err(build_error)?;
        builder.add_extension(&ExtendedKeyUsage(vec![OCSP_SIGNING])).map_err(build_error)?;
        let certificate = builder.build::<p384::ecdsa::DerSignature>().map_err(build_error)?;
        let pem = certificate.to_pem(LineEnding::LF).map_err(build_error)?;
        let key_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(build_error)?.to_string();
        Ok((pem, key_pem))
    }

    pub fn intermediate_pem(&self) -> Result<String, TestCaError> {
        self.intermediate.to_pem(LineEnding::LF).map_err(build_error)
    }

    pub fn root_pem(&self) -> Result<String, TestCaError> {
        self.root.to_pem(LineEnding::LF).map_err(build_error)
    }

    /// The intermediate's private key as PKCS#8 PEM (for `openssl ocsp -CA … -rkey` in tests).
    pub fn intermediate_key_pem(&self) -> Result<String, TestCaError> {
        Ok(self.intermediate_key.to_pkcs8_pem(LineEnding::LF).map_err(build_error)?.to_string())
    }

    /// Writes `root.pem`, `ica.pem` and the keys (`*-key.pem`) into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), TestCaError> {
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| TestCaError::File { path: path.display().to_string(), reason: e.to_string() })
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| TestCaError::File { path: dir.display().to_string(), reason: e.to_string() })?;
        write("root.pem", self.root_pem()?)?;
        write("ica.pem", self.intermediate_pem()?)?;
        write("root-key.pem", self.root_key.to_pkcs8_pem(LineEnding::LF).map_err(build_error)?.to_string())?;
        write("ica-key.pem", self.intermediate_key_pem()?)?;
        Ok(())
    }

    pub fn load(dir: &Path) -> Result<Self, TestCaError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map_err(|e| TestCaError::File { path: path.display().to_string(), reason: e.to_string() })
        };
        let certificate = |name: &str| -> Result<Certificate, TestCaError> {
            use der::DecodePem;
            Certificate::from_pem(read(name)?.as_bytes()).map_err(build_error)
        };
        let key = |name: &str| p384::ecdsa::SigningKey::from_pkcs8_pem(&read(name)?).map_err(build_error);
        Ok(Self {
            root: certificate("root.pem")?,
            root_key: key("root-key.pem")?,
            intermediate: certificate("ica.pem")?,
            intermediate_key: key("ica-key.pem")?,
        })
    }
}

/// The certificate policies extension naming `oids`, without qualifiers (as on Latvian cards).
fn certificate_policies(oids: &[ObjectIdentifier]) -> CertificatePolicies {
    CertificatePolicies(
        oids.iter().map(|oid| PolicyInformation { policy_identifier: *oid, policy_qualifiers: None }).collect(),
    )
}

/// The end of a card certificate (either application's): its key identifier, the OCSP address
/// when there is one, and the intermediate's signature.
fn finish_card_certificate(
    mut builder: CertificateBuilder<'_, p384::ecdsa::SigningKey>,
    spki: &SubjectPublicKeyInfoOwned,
    options: &CardCertificateOptions,
) -> Result<Vec<u8>, TestCaError> {
    builder.add_extension(&key_identifier(spki)?).map_err(build_error)?;
    if let Some(url) = &options.ocsp_url {
        let access = x509_cert::ext::pkix::AccessDescription {
            access_method: ID_AD_OCSP,
            access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(url).map_err(build_error)?),
        };
        builder.add_extension(&AuthorityInfoAccessSyntax(vec![access])).map_err(build_error)?;
    }
    let certificate = builder.build::<p384::ecdsa::DerSignature>().map_err(build_error)?;
    certificate.to_der().map_err(build_error)
}

/// A card holder's subject name: `serialNumber=PNOLV-<code>, GN, SN, CN, C=LV`.
fn holder_name(holder: &Holder) -> Result<Name, TestCaError> {
    let common_name = format!("{} {}", holder.given_name, holder.surname);
    Name::from_str(&format!(
        "serialNumber=PNOLV-{},givenName={},SN={},CN={},C=LV",
        holder.personal_code,
        escape(&holder.given_name),
        escape(&holder.surname),
        escape(&common_name)
    ))
    .map_err(build_error)
}

/// RFC 4514 escaping for the few characters names may hold.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
