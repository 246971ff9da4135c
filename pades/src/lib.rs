//! PAdES baseline B-B signatures (ETSI EN 319 142-1) of an application: one PDF a person can open
//! anywhere, with the machine-readable `application.json` embedded as an associated file, signed
//! with a CMS `ETSI.CAdES.detached` signature whose byte range covers the whole file but the
//! signature itself.
//!
//! The card signs; this crate never holds a key. Signing is three steps so that the PIN entry
//! and the card's APDUs stay with the caller:
//! 1. [`prepare`] writes the PDF with the file embedded and an empty signature (a placeholder of
//!    fixed size) and answers the digest of the bytes the signature covers;
//! 2. [`SignedAttributes::new`] makes the CMS signed attributes (content type, message digest,
//!    the signing certificate's hash) and the digest the card signs;
//! 3. [`finish`] puts the card's signature and certificate into the CMS and the CMS into the
//!    placeholder.
//!
//! The signing time is the signature dictionary's `/M` (PAdES B-B forbids the CMS signing-time
//! attribute). No I/O, no clock: the time is given.

pub mod fuzzing;

use chrono::{DateTime, Utc};
use cms::{
    cert::{CertificateChoices, IssuerAndSerialNumber},
    content_info::ContentInfo,
    signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos},
};
use const_oid::{ObjectIdentifier, db::rfc5911, db::rfc5912};
use der::{
    Decode, Encode,
    asn1::{OctetString, SetOfVec},
};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::{Certificate, attr::Attribute};

/// Bytes kept for the CMS in the PDF (hex doubles them): a card certificate, the signature and
/// the attributes need about 3 KB.
const CONTENTS_BYTES: usize = 12_288;
/// Placeholders of the byte range, ten digits each, replaced by the real offsets (space-padded).
const BYTE_RANGE_MARK: [i64; 3] = [1_000_000_001, 1_000_000_002, 1_000_000_003];

const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    #[error("the PDF cannot be read: {0}")]
    Pdf(String),
    #[error("the signing certificate cannot be read: {0}")]
    Certificate(String),
    #[error("the CMS signature cannot be made: {0}")]
    Cms(String),
    #[error("the signature is larger than the room kept for it ({0} bytes)")]
    TooLarge(usize),
}

/// The digest the signature is made with: SHA-256 for RSA cards, SHA-384 for EC (P-384) cards,
/// as their keys sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha256,
    Sha384,
}

impl DigestAlgorithm {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
        }
    }

    fn identifier(self) -> AlgorithmIdentifierOwned {
        let oid = match self {
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
        };
        AlgorithmIdentifierOwned { oid, parameters: None }
    }
}

/// How the card's key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// PKCS#1 v1.5 over SHA-256.
    Rsa,
    /// ECDSA P-384 over SHA-384; the card answers raw r‖s.
    EcP384,
}

impl KeyAlgorithm {
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            Self::Rsa => DigestAlgorithm::Sha256,
            Self::EcP384 => DigestAlgorithm::Sha384,
        }
    }
}

/// Who signs and when, as the signature dictionary says it.
#[derive(Debug, Clone)]
pub struct Signer {
    pub name: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A PDF ready for its signature: the file written with the placeholder, and where it is.
#[derive(Debug, Clone)]
pub struct Prepared {
    pdf: Vec<u8>,
    /// Offset of the `<` that opens the placeholder, and of the byte after its `>`.
    contents: (usize, usize),
}

impl Prepared {
    /// The digest of the bytes the signature covers.
    pub fn document_digest(&self, algorithm: DigestAlgorithm) -> Vec<u8> {
        let (start, end) = self.contents;
        let mut covered = Vec::with_capacity(self.pdf.len() - (end - start));
        covered.extend_from_slice(&self.pdf[..start]);
        covered.extend_from_slice(&self.pdf[end..]);
        algorithm.digest(&covered)
    }
}

/// Writes `pdf` again with `attachment` (name, content, media type) embedded as the document's
/// associated data file and an empty signature by `signer`, its byte range already final.
pub fn prepare(pdf: &[u8], attachment: (&str, &[u8], &str), signer: &Signer) -> Result<Prepared, PadesError> {
    let pdf_error = |e: lopdf::Error| PadesError::Pdf(e.to_string());
    let mut document = Document::load_mem(pdf).map_err(pdf_error)?;
    let (name, content, media_type) = attachment;
    let embedded = document.add_object(Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => Object::Name(media_type.as_bytes().to_vec()),
            "Params" => dictionary! { "Size" => content.len() as i64 },
        },
        content.to_vec(),
    ));
    let file_spec = document.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => Object::string_literal(name),
        "UF" => Object::string_literal(name),
        "Desc" => Object::string_literal("Pieteikuma dati mašīnlasāmā formā / The application's data, machine-readable"),
        "AFRelationship" => "Data",
        "EF" => dictionary! { "F" => embedded, "UF" => embedded },
    });
    let first_page =
        *document.get_pages().values().next().ok_or_else(|| PadesError::Pdf("the document has no page".into()))?;
    let signature = document.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
        "ByteRange" => vec![0.into(), BYTE_RANGE_MARK[0].into(), BYTE_RANGE_MARK[1].into(), BYTE_RANGE_MARK[2].into()],
        "Contents" => Object::String(vec![0; CONTENTS_BYTES], StringFormat::Hexadecimal),
        "M" => Object::string_literal(signer.at.format("D:%Y%m%d%H%M%SZ").to_string()),
        "Name" => Object::String(text_string(&signer.name), StringFormat::Literal),
        "Reason" => Object::String(text_string(&signer.reason), StringFormat::Literal),
    });
    let field = document.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal("Iesniedzeja paraksts"),
        "V" => signature,
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "F" => 132,
        "P" => first_page,
    });
    let page = document.get_dictionary_mut(first_page).map_err(pdf_error)?;
    let mut annotations = match page.get(b"Annots") {
        Ok(Object::Array(existing)) => existing.clone(),
        _ => Vec::new(),
    };
    annotations.push(field.into());
    page.set("Annots", annotations);
    let catalog = document.catalog_mut().map_err(pdf_error)?;
    catalog.set("AcroForm", dictionary! { "Fields" => vec![field.into()], "SigFlags" => 3 });
    catalog.set("AF", vec![file_spec.into()]);
    catalog.set(
        "Names",
        dictionary! { "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal(name), file_spec.into()] } },
    );
    let mut written = Vec::new();
    document.save_to(&mut written).map_err(|e| PadesError::Pdf(e.to_string()))?;
    place_byte_range(written)
}

/// Finds the placeholder in the written file and fills the byte range in place (same length).
fn place_byte_range(mut pdf: Vec<u8>) -> Result<Prepared, PadesError> {
    let find = |haystack: &[u8], needle: &[u8], from: usize| {
        haystack[from..].windows(needle.len()).position(|w| w == needle).map(|at| at + from)
    };
    let mark = format!("0 {} {} {}", BYTE_RANGE_MARK[0], BYTE_RANGE_MARK[1], BYTE_RANGE_MARK[2]);
    let range_at =
        find(&pdf, mark.as_bytes(), 0).ok_or_else(|| PadesError::Pdf("the byte range was not written".into()))?;
    let placeholder = format!("<{}>", "00".repeat(CONTENTS_BYTES));
    let start = find(&pdf, placeholder.as_bytes(), 0)
        .ok_or_else(|| PadesError::Pdf("the signature room was not written".into()))?;
    let end = start + placeholder.len();
    let range = format!("0 {} {} {}", start, end, pdf.len() - end);
    let padded = format!("{range:<width$}", width = mark.len());
    pdf[range_at..range_at + mark.len()].copy_from_slice(padded.as_bytes());
    Ok(Prepared { pdf, contents: (start, end) })
}

/// PDF text strings: ASCII as it is, anything else as UTF-16BE with its byte-order mark.
fn text_string(text: &str) -> Vec<u8> {
    if text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    bytes
}

/// The CMS signed attributes and the digest the card signs over them.
#[derive(Debug, Clone)]
pub struct SignedAttributes {
    attributes: SetOfVec<Attribute>,
    algorithm: DigestAlgorithm,
}

impl SignedAttributes {
    /// Content type `data`, the message digest of the document, and `signing-certificate-v2`
    /// naming the certificate by its SHA-256 (what PAdES B-B asks for).
    pub fn new(document_digest: &[u8], certificate_der: &[u8], algorithm: DigestAlgorithm) -> Result<Self, PadesError> {
        let cms_error = |e: der::Error| PadesError::Cms(e.to_string());
        let certificate = Certificate::from_der(certificate_der).map_err(|e| PadesError::Certificate(e.to_string()))?;
        let attribute = |oid: ObjectIdentifier, value: der::Any| -> Result<Attribute, PadesError> {
            let mut values = SetOfVec::new();
            values.insert(value).map_err(cms_error)?;
            Ok(Attribute { oid, values })
        };
        let any = |encoded: Vec<u8>| der::Any::from_der(&encoded).map_err(cms_error);
        let signing_certificate = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(sha2::Sha256::digest(certificate_der).to_vec()).map_err(cms_error)?,
                issuer_serial: IssuerSerial {
                    issuer: vec![x509_cert::ext::pkix::name::GeneralName::DirectoryName(
                        certificate.tbs_certificate.issuer.clone(),
                    )],
                    serial_number: certificate.tbs_certificate.serial_number.clone(),
                },
            }],
        };
        let mut attributes = SetOfVec::new();
        for item in [
            attribute(rfc5911::ID_CONTENT_TYPE, any(rfc5911::ID_DATA.to_der().map_err(cms_error)?)?)?,
            attribute(
                rfc5911::ID_MESSAGE_DIGEST,
                any(OctetString::new(document_digest.to_vec()).map_err(cms_error)?.to_der().map_err(cms_error)?)?,
            )?,
            attribute(ID_SIGNING_CERTIFICATE_V2, any(signing_certificate.to_der().map_err(cms_error)?)?)?,
        ] {
            attributes.insert(item).map_err(cms_error)?;
        }
        Ok(Self { attributes, algorithm })
    }

    /// The digest of the attributes' DER (as a SET): what the card signs.
    pub fn digest(&self) -> Result<Vec<u8>, PadesError> {
        let der = self.attributes.to_der().map_err(|e| PadesError::Cms(e.to_string()))?;
        Ok(self.algorithm.digest(&der))
    }
}

/// `SigningCertificateV2` (RFC 5035): the certificate the signer used, by its hash.
#[derive(Debug, Clone, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// `ESSCertIDv2` with the default hash algorithm (SHA-256, so left out).
#[derive(Debug, Clone, der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

#[derive(Debug, Clone, der::Sequence)]
struct IssuerSerial {
    issuer: Vec<x509_cert::ext::pkix::name::GeneralName>,
    serial_number: x509_cert::serial_number::SerialNumber,
}

/// The signed PDF: the CMS `SignedData` (the certificate, the attributes, the card's
/// `signature`) hex-encoded into the placeholder. An EC signature comes from the card as raw
/// r‖s and goes into the CMS as DER.
pub fn finish(
    prepared: Prepared,
    attributes: SignedAttributes,
    certificate_der: &[u8],
    key: KeyAlgorithm,
    signature: &[u8],
) -> Result<Vec<u8>, PadesError> {
    let cms_error = |e: der::Error| PadesError::Cms(e.to_string());
    let certificate = Certificate::from_der(certificate_der).map_err(|e| PadesError::Certificate(e.to_string()))?;
    let (signature_algorithm, signature) = match key {
        KeyAlgorithm::Rsa => {
            (AlgorithmIdentifierOwned { oid: rfc5912::RSA_ENCRYPTION, parameters: None }, signature.to_vec())
        }
        KeyAlgorithm::EcP384 => {
            let half = signature.len() / 2;
            if signature.len() != 96 {
                return Err(PadesError::Cms(format!("an ECDSA P-384 signature is 96 bytes, not {}", signature.len())));
            }
            let der = ecdsa_der(&signature[..half], &signature[half..]).map_err(cms_error)?;
            (AlgorithmIdentifierOwned { oid: rfc5912::ECDSA_WITH_SHA_384, parameters: None }, der)
        }
    };
    let digest_algorithm = attributes.algorithm.identifier();
    let signer = SignerInfo {
        version: cms::content_info::CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: certificate.tbs_certificate.issuer.clone(),
            serial_number: certificate.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: digest_algorithm.clone(),
        signed_attrs: Some(attributes.attributes),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(cms_error)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(digest_algorithm).map_err(cms_error)?;
    let mut certificates = SetOfVec::new();
    certificates.insert(CertificateChoices::Certificate(certificate)).map_err(cms_error)?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer).map_err(cms_error)?;
    let signed_data = SignedData {
        version: cms::content_info::CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo { econtent_type: rfc5911::ID_DATA, econtent: None },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let content = ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: der::Any::encode_from(&signed_data).map_err(cms_error)?,
    };
    let cms = content.to_der().map_err(cms_error)?;
    if cms.len() > CONTENTS_BYTES {
        return Err(PadesError::TooLarge(cms.len()));
    }
    let (start, _) = prepared.contents;
    let mut pdf = prepared.pdf;
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    pdf[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(pdf)
}

/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
fn ecdsa_der(r: &[u8], s: &[u8]) -> der::Result<Vec<u8>> {
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    EcdsaSigValue { r: der::asn1::UintRef::new(r)?, s: der::asn1::UintRef::new(s)? }.to_der()
}

/// The dictionary of the first signature in `pdf`, for tests and checks: its `/ByteRange` and the
/// CMS bytes.
pub fn signature_of(pdf: &[u8]) -> Result<([usize; 4], Vec<u8>), PadesError> {
    let document = Document::load_mem(pdf).map_err(|e| PadesError::Pdf(e.to_string()))?;
    for object in document.objects.values() {
        let Object::Dictionary(dictionary) = object else { continue };
        if dictionary.get(b"Type").and_then(Object::as_name).is_ok_and(|n| n == b"Sig") {
            return read_signature(dictionary);
        }
    }
    Err(PadesError::Pdf("the document has no signature".into()))
}

fn read_signature(dictionary: &Dictionary) -> Result<([usize; 4], Vec<u8>), PadesError> {
    let missing = |what: &str| PadesError::Pdf(format!("the signature has no {what}"));
    let range = dictionary.get(b"ByteRange").and_then(Object::as_array).map_err(|_| missing("byte range"))?;
    let numbers: Vec<usize> =
        range.iter().filter_map(|n| n.as_i64().ok()).filter_map(|n| usize::try_from(n).ok()).collect();
    let range: [usize; 4] = numbers.try_into().map_err(|_| missing("byte range of four numbers"))?;
    let contents = dictionary.get(b"Contents").and_then(Object::as_str).map_err(|_| missing("contents"))?;
    // The placeholder's zeros after the DER are not part of the CMS.
    let length = der::SliceReader::new(contents)
        .ok()
        .and_then(|mut reader| {
            <der::Any as der::Decode>::decode(&mut reader).ok()?;
            usize::try_from(u32::from(der::Reader::position(&reader))).ok()
        })
        .unwrap_or(contents.len());
    Ok((range, contents[..length.min(contents.len())].to_vec()))
}

/// What a valid signature says: who signed (their certificate, to be judged by the caller:
/// trust, validity, key usage, the person), when they claim to have signed (`/M`), and the files
/// the PDF carries.
#[derive(Debug, Clone)]
pub struct Verified {
    pub signer_certificate: Vec<u8>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// Embedded files by name.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Why a signed PDF is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the PDF cannot be read: {0}")]
    Unreadable(String),
    #[error("the PDF carries no signature, or more than one")]
    NotOneSignature,
    #[error("the signature does not cover the whole file: something was added or left out")]
    PartialCoverage,
    #[error("the CMS signature is malformed or not PAdES: {0}")]
    Malformed(String),
    #[error("the document was changed after it was signed")]
    DigestMismatch,
    #[error("the signature does not verify with the signer's certificate")]
    SignatureInvalid,
}

/// Checks a PAdES signature made by [`finish`] (or anyone's `ETSI.CAdES.detached` of one signer
/// with a SHA-256/384 digest): the byte range covers the whole file but the signature, the
/// message digest is the covered bytes', the signing certificate attribute names the certificate
/// carried, and the signature verifies with it. Trust in the certificate is the caller's.
pub fn verify(pdf: &[u8]) -> Result<Verified, VerifyError> {
    let document = Document::load_mem(pdf).map_err(|e| VerifyError::Unreadable(e.to_string()))?;
    let signatures: Vec<&Dictionary> = document
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(Object::as_name).is_ok_and(|n| n == b"Sig"))
        .collect();
    let [dictionary] = signatures.as_slice() else { return Err(VerifyError::NotOneSignature) };
    let (range, cms) = read_signature(dictionary).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    // The gap is exactly the hex string of /Contents: `<` at range[1], `>` just before range[2].
    let [start, first, second, rest] = range;
    let whole = start == 0
        && first < second
        && second.checked_add(rest) == Some(pdf.len())
        && pdf.get(first) == Some(&b'<')
        && pdf.get(second - 1) == Some(&b'>');
    if !whole {
        return Err(VerifyError::PartialCoverage);
    }
    let malformed = |what: &str| VerifyError::Malformed(what.to_owned());
    let content = ContentInfo::from_der(&cms).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if content.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(malformed("not SignedData"));
    }
    let signed: SignedData = content.content.decode_as().map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let [signer] = signed.signer_infos.0.as_slice() else { return Err(malformed("not exactly one signer")) };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(malformed("the signer is not named by issuer and serial number"));
    };
    let certificate = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|choice| match choice {
                CertificateChoices::Certificate(c)
                    if c.tbs_certificate.issuer == sid.issuer
                        && c.tbs_certificate.serial_number == sid.serial_number =>
                {
                    Some(c.clone())
                }
                _ => None,
            })
        })
        .ok_or_else(|| malformed("the signer's certificate is not in the signature"))?;
    let certificate_der = certificate.to_der().map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let algorithm = match signer.digest_alg.oid {
        oid if oid == rfc5912::ID_SHA_256 => DigestAlgorithm::Sha256,
        oid if oid == rfc5912::ID_SHA_384 => DigestAlgorithm::Sha384,
        _ => return Err(malformed("a digest algorithm other than SHA-256 or SHA-384")),
    };
    let attributes = signer.signed_attrs.as_ref().ok_or_else(|| malformed("no signed attributes"))?;
    let value =
        |oid: ObjectIdentifier| attributes.iter().find(|a| a.oid == oid).and_then(|a| a.values.iter().next().cloned());
    let message_digest: OctetString = value(rfc5911::ID_MESSAGE_DIGEST)
        .ok_or_else(|| malformed("no message digest"))?
        .decode_as()
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let mut covered = Vec::with_capacity(first + rest);
    covered.extend_from_slice(&pdf[..first]);
    covered.extend_from_slice(&pdf[second..]);
    if message_digest.as_bytes() != algorithm.digest(&covered).as_slice() {
        return Err(VerifyError::DigestMismatch);
    }
    let named: SigningCertificateV2 = value(ID_SIGNING_CERTIFICATE_V2)
        .ok_or_else(|| malformed("no signing-certificate-v2 attribute (PAdES B-B needs it)"))?
        .decode_as()
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if !named.certs.iter().any(|id| id.cert_hash.as_bytes() == sha2::Sha256::digest(&certificate_der).as_slice()) {
        return Err(malformed("the signing-certificate-v2 attribute names another certificate"));
    }
    let signed_attributes = attributes.to_der().map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let key = eid::ParsedCertificate::from_der(&certificate_der)
        .and_then(|c| c.public_key())
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    use eid::certificate::{HashAlgorithm, Padding, SignatureEncoding};
    let padding = if key.is_rsa() {
        Padding::RsaPkcs1(match algorithm {
            DigestAlgorithm::Sha256 => HashAlgorithm::Sha256,
            DigestAlgorithm::Sha384 => HashAlgorithm::Sha384,
        })
    } else {
        Padding::Ecdsa
    };
    let digest = algorithm.digest(&signed_attributes);
    if !key.verify_prehashed(padding, &digest, signer.signature.as_bytes(), SignatureEncoding::Der) {
        return Err(VerifyError::SignatureInvalid);
    }
    let claimed_at = dictionary
        .get(b"M")
        .and_then(Object::as_str)
        .ok()
        .and_then(|m| std::str::from_utf8(m).ok())
        .and_then(|m| {
            chrono::NaiveDateTime::parse_from_str(m.trim_start_matches("D:").trim_end_matches('Z'), "%Y%m%d%H%M%S").ok()
        })
        .map(|t| t.and_utc());
    Ok(Verified { signer_certificate: certificate_der, claimed_at, files: embedded_files(&document) })
}

/// The files in the document's `EmbeddedFiles` name tree (one level, as [`prepare`] writes it).
fn embedded_files(document: &Document) -> Vec<(String, Vec<u8>)> {
    let resolve = |object: &Object| -> Option<Object> {
        match object {
            Object::Reference(id) => document.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let Some(names) = document
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Names").ok())
        .and_then(resolve)
        .and_then(|n| n.as_dict().ok().and_then(|d| d.get(b"EmbeddedFiles").ok()).cloned())
        .and_then(|e| resolve(&e))
        .and_then(|e| e.as_dict().ok().and_then(|d| d.get(b"Names").ok()).cloned())
        .and_then(|n| resolve(&n))
        .and_then(|n| n.as_array().ok().cloned())
    else {
        return Vec::new();
    };
    names
        .chunks(2)
        .filter_map(|pair| {
            let [name, spec] = pair else { return None };
            let name = String::from_utf8(name.as_str().ok()?.to_vec()).ok()?;
            let spec = resolve(spec)?;
            let file = spec.as_dict().ok()?.get(b"EF").ok().and_then(resolve)?;
            let stream = file.as_dict().ok()?.get(b"F").ok().and_then(resolve)?;
            let stream = stream.as_stream().ok()?;
            let content = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
            Some((name, content))
        })
        .collect()
}
