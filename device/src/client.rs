//! The HTTP side of the protocol: enrollment, hello, login, the catalogue feed.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url, header};
use serde::de::DeserializeOwned;

use crate::protocol::{
    ATTACHMENT_PATH, CASE_FEED_PATH, CATALOGUE_FEED_PATH, CATALOGUE_SNAPSHOT_PATH, CITIZEN_CASES_PATH, CasePage,
    CataloguePage, ChallengeResponse, CitizenCases, DIRECTORY_PATH, DeviceCredentials, ENROLL_PATH, EnrollRequest,
    EnrollResponse, ErrorBody, FlagRequest, HELLO_PATH, HelloResponse, LOGIN_CHALLENGE_PATH, LOGIN_PATH, LOGOUT_PATH,
    LoginRequest, LoginResponse, MESSAGE_STATES_PATH, MessageStates, MessageStatesRequest, OUTBOX_PATH, OutboxEntryDto,
    OutboxPush, OutboxReply, PROTOCOL_HEADER, PROTOCOL_VERSION, SESSION_HEADER, SESSION_PATH, SNAPSHOT_POSITION_HEADER,
    SNAPSHOT_RECORDS_HEADER, SessionDto, VersionError, check_version, error_codes,
};

/// Why a call to the server failed. [`ClientError::code`] gives a stable code the user
/// interfaces translate.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    InvalidUrl(String),
    #[error("the server at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(transparent)]
    Protocol(#[from] VersionError),
    /// The server answered with an error it named.
    #[error("the server refused the request ({status}): {message}")]
    Rejected { status: u16, code: String, message: String },
    #[error("the server's answer could not be read: {0}")]
    BadResponse(String),
    /// The server serves the other side of the line between the real service and training.
    #[error("{0}")]
    Environment(String),
}

impl ClientError {
    pub fn code(&self) -> &str {
        match self {
            ClientError::InvalidUrl(_) => "invalid_url",
            ClientError::Unreachable { .. } => "unreachable",
            ClientError::Protocol(_) => error_codes::PROTOCOL_MISMATCH,
            ClientError::Rejected { code, .. } => code,
            ClientError::BadResponse(_) => "bad_response",
            ClientError::Environment(_) => error_codes::ENVIRONMENT_CROSSING,
        }
    }

    /// The server could not be reached (or failed): the next round tries again.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }

    /// Whether the failure is about this device's credentials rather than the network.
    pub fn is_unauthorised(&self) -> bool {
        matches!(self, ClientError::Rejected { status, .. } if *status == 401 || *status == 403)
    }
}

/// Parses and checks a server address typed by a person: `http` or `https`, a host, nothing
/// after the path. A missing scheme is taken as `https://`.
pub fn parse_server_url(typed: &str) -> Result<Url, ClientError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(ClientError::InvalidUrl("the server address is empty".into()));
    }
    let with_scheme = if typed.contains("://") { typed.to_owned() } else { format!("https://{typed}") };
    let mut url = Url::parse(&with_scheme)
        .map_err(|e| ClientError::InvalidUrl(format!("{typed:?} is not a web address: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ClientError::InvalidUrl(format!(
            "the server address must start with https:// or http://, not {}://",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ClientError::InvalidUrl(format!("{typed:?} has no host name")));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(ClientError::InvalidUrl(format!(
            "{typed:?} must be only the server's address, without ?, # or a user name"
        )));
    }
    if url.scheme() == "http" && !is_loopback(&url) && !plain_http_allowed() {
        return Err(ClientError::InvalidUrl(format!(
            "{typed:?}: the server must be reached over https:// (plain http:// only to this computer, or on a trusted network with {PLAIN_HTTP_SETTING}=1)"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The setting that lets a device talk plain HTTP to a server on another machine (a test
/// network, or behind a VPN the centre trusts). Off by default: device secrets and session
/// tokens travel in every request.
pub const PLAIN_HTTP_SETTING: &str = "PIETURA_ALLOW_PLAIN_HTTP";

fn plain_http_allowed() -> bool {
    std::env::var(PLAIN_HTTP_SETTING).is_ok_and(|v| v.trim() == "1")
}

/// Whether the address is this computer (`localhost`, 127.0.0.0/8, `::1`).
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A client for one server.
#[derive(Debug, Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: Url,
    /// How the outbox stood when last counted, sent with each call the device makes as itself
    /// (for the centre's administrator): shared by the clones the engine and the session hold.
    outbox: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// A training device's client: it talks to training servers only, and others never do.
    training: bool,
}

impl SyncClient {
    pub fn new(base: Url) -> Result<Self, ClientError> {
        // reqwest is built without a bundled crypto provider; use ring, as the server does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .user_agent(format!("pietura-sync/{}", crate::update::running_version()))
            .build()
            .map_err(|e| {
                // reqwest's own text is only "builder error": the cause (typically no trusted
                // certificates on the system: Debian's ca-certificates) is in its sources.
                let mut said = format!("could not set up HTTP: {e}");
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    said.push_str(&format!(": {cause}"));
                    source = cause.source();
                }
                ClientError::BadResponse(said)
            })?;
        Ok(Self { http, base, outbox: Default::default(), training: false })
    }

    /// A client for a device in training mode: only a training server's answers are taken.
    pub fn in_training(mut self) -> Self {
        self.training = true;
        self
    }

    /// From now on, calls the device makes as itself say that its outbox stands as `report`.
    pub fn report_outbox(&self, report: &crate::protocol::OutboxReport) {
        *self.outbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report.to_header());
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub async fn enroll(&self, code: &str) -> Result<EnrollResponse, ClientError> {
        let body = EnrollRequest { enrollment_code: code.to_owned() };
        self.call(Method::POST, ENROLL_PATH, None, Some(&body)).await
    }

    pub async fn hello(&self, creds: &DeviceCredentials) -> Result<HelloResponse, ClientError> {
        self.call::<(), _>(Method::GET, HELLO_PATH, Some(creds), None).await
    }

    /// A release's package, by the digest the hello's update offer gives (issue 19). A package is
    /// megabytes: it may take minutes where other calls take seconds.
    pub async fn download_release(&self, creds: &DeviceCredentials, sha256: &str) -> Result<Vec<u8>, ClientError> {
        let path = crate::protocol::RELEASE_PATH.replace("{sha256}", sha256);
        let url = self.base.join(path.trim_start_matches('/')).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: describe_transport_error(&e),
        };
        let response = self
            .http
            .get(url)
            .timeout(Duration::from_secs(15 * 60))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(header::AUTHORIZATION, creds.authorization_header())
            .send()
            .await
            .map_err(unreachable)?;
        self.content_or_refusal(response).await
    }

    /// A response's content when it succeeded, else the server's refusal.
    async fn content_or_refusal(&self, response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: describe_transport_error(&e),
        })?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let error: ErrorBody = serde_json::from_slice(&bytes)
            .map_err(|_| ClientError::BadResponse(format!("HTTP {status} with an unreadable error body")))?;
        Err(ClientError::Rejected { status: status.as_u16(), code: error.code, message: error.message })
    }

    /// A training person's card from a training server, for this desk's in-process reader.
    pub async fn training_card(
        &self,
        creds: &DeviceCredentials,
        personal_code: &str,
    ) -> Result<crate::protocol::TrainingCard, ClientError> {
        let body = crate::protocol::TrainingCardRequest { personal_code: personal_code.to_owned() };
        self.call(Method::POST, crate::protocol::TRAINING_CARDS_PATH, Some(creds), Some(&body)).await
    }

    /// A clerk's flag on an article, for its owner institution.
    pub async fn flag_article(
        &self,
        creds: &DeviceCredentials,
        session_token: &str,
        article_id: &str,
        reason: &str,
        note: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let encoded: String = article_id
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let body = FlagRequest { reason: reason.to_owned(), note: note.to_owned() };
        let path = format!("/v1/catalogue/articles/{encoded}/flags");
        Ok(self.call_counted(Method::POST, &path, Some(creds), Some(session_token), Some(&body)).await?.0)
    }

    /// One page of the catalogue feed after `after`, and its size in bytes (uncompressed).
    pub async fn catalogue_page(
        &self,
        creds: &DeviceCredentials,
        after: i64,
        limit: u32,
    ) -> Result<(CataloguePage, u64), ClientError> {
        let path = format!("{CATALOGUE_FEED_PATH}?after={after}&limit={limit}");
        self.call_counted::<(), _>(Method::GET, &path, Some(creds), None, None).await
    }

    /// Uploads an e-address attachment's content under its SHA-256 (before the message that
    /// names it is pushed).
    pub async fn upload_attachment(
        &self,
        creds: &DeviceCredentials,
        sha256: &str,
        content: Vec<u8>,
    ) -> Result<(), ClientError> {
        let path = format!("{ATTACHMENT_PATH}/{sha256}");
        let url = self.base.join(path.trim_start_matches('/')).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let request = self
            .http
            .put(url)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(header::AUTHORIZATION, creds.authorization_header())
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(content);
        self.finish::<()>(request).await.map(|_| ())
    }

    /// A `GET` as the person logged in with `session_token` (e-address mailboxes and messages).
    pub async fn get_as_person<T: DeserializeOwned>(
        &self,
        creds: &DeviceCredentials,
        session_token: &str,
        path: &str,
    ) -> Result<T, ClientError> {
        Ok(self.call_counted::<(), T>(Method::GET, path, Some(creds), Some(session_token), None).await?.0)
    }

    /// How messages this desk's centre sent stand.
    pub async fn message_states(
        &self,
        creds: &DeviceCredentials,
        ids: Vec<uuid::Uuid>,
    ) -> Result<MessageStates, ClientError> {
        let body = MessageStatesRequest { ids };
        self.call(Method::POST, MESSAGE_STATES_PATH, Some(creds), Some(&body)).await
    }

    /// A `POST` (or `DELETE` without a body) as the person logged in with `session_token`.
    pub async fn send_as_person<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        creds: &DeviceCredentials,
        session_token: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        Ok(self.call_counted::<B, T>(method, path, Some(creds), Some(session_token), body).await?.0)
    }

    /// A file (an e-address attachment) as the person logged in with `session_token`.
    pub async fn download_as_person(
        &self,
        creds: &DeviceCredentials,
        session_token: &str,
        path: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let url = self.base.join(path.trim_start_matches('/')).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let response = self
            .http
            .get(url)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(header::AUTHORIZATION, creds.authorization_header())
            .header(SESSION_HEADER, session_token)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable {
                url: self.base.to_string(),
                reason: describe_transport_error(&e),
            })?;
        self.content_or_refusal(response).await
    }

    /// The e-address catalogue: (address, name) of every active institution mailbox.
    pub async fn directory(&self) -> Result<Vec<(String, String)>, ClientError> {
        let entries: Vec<serde_json::Value> = self.call::<(), _>(Method::GET, DIRECTORY_PATH, None, None).await?;
        Ok(entries
            .into_iter()
            .filter_map(|e| Some((e["address"].as_str()?.to_owned(), e["name"].as_str()?.to_owned())))
            .collect())
    }

    /// A page of the case feed: this desk's centre's cases written after `after`.
    pub async fn case_page(&self, creds: &DeviceCredentials, after: i64, limit: u32) -> Result<CasePage, ClientError> {
        let path = format!("{CASE_FEED_PATH}?after={after}&limit={limit}");
        self.call::<(), _>(Method::GET, &path, Some(creds), None).await
    }

    /// The cases of the citizen logged in with `session_token` (a kiosk).
    pub async fn citizen_cases(
        &self,
        creds: &DeviceCredentials,
        session_token: &str,
    ) -> Result<CitizenCases, ClientError> {
        Ok(self.call_counted::<(), _>(Method::GET, CITIZEN_CASES_PATH, Some(creds), Some(session_token), None).await?.0)
    }

    /// Downloads the catalogue snapshot into `part`, continuing a download an earlier call left
    /// there when the server still offers the same snapshot (`part` + ".etag" remembers which).
    /// A download from the file's start also hands each piece to `tee` as it comes (so it can
    /// be unpacked meanwhile), waiting while `tee` is full; a resumed one hands nothing over.
    pub async fn catalogue_snapshot(
        &self,
        creds: &DeviceCredentials,
        part: &std::path::Path,
        tee: Option<tokio::sync::mpsc::Sender<Vec<u8>>>,
    ) -> Result<SnapshotDownload, ClientError> {
        use tokio::io::AsyncWriteExt;
        let tag_file = std::path::PathBuf::from(format!("{}.etag", part.display()));
        let local = |e: std::io::Error| ClientError::BadResponse(format!("writing {}: {e}", part.display()));
        let have = tokio::fs::metadata(part).await.map(|m| m.len()).unwrap_or(0);
        let tag = tokio::fs::read_to_string(&tag_file).await.ok();
        let url = self
            .base
            .join(CATALOGUE_SNAPSHOT_PATH.trim_start_matches('/'))
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let mut request = self
            .http
            .get(url)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(header::AUTHORIZATION, creds.authorization_header())
            // The file is gzip'd already: no second compression on the way.
            .header(header::ACCEPT_ENCODING, "identity")
            .timeout(Duration::from_secs(600));
        if let (true, Some(tag)) = (have > 0, &tag) {
            request = request.header(header::RANGE, format!("bytes={have}-")).header(header::IF_RANGE, tag.trim());
        }
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: describe_transport_error(&e),
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.bytes().await.map_err(unreachable)?;
            let error: Option<ErrorBody> = serde_json::from_slice(&body).ok();
            return Err(ClientError::Rejected {
                status: status.as_u16(),
                code: error.as_ref().map_or_else(|| "snapshot_unavailable".into(), |e| e.code.clone()),
                message: error.map_or_else(|| format!("HTTP {status}"), |e| e.message),
            });
        }
        let header_number =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i64>().ok());
        let position = header_number(SNAPSHOT_POSITION_HEADER)
            .ok_or_else(|| ClientError::BadResponse("the snapshot has no position".into()))?;
        let records = header_number(SNAPSHOT_RECORDS_HEADER).unwrap_or(0).max(0) as u64;
        let etag = response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let resumed = status == StatusCode::PARTIAL_CONTENT;
        let expected = response.content_length().map(|n| n + if resumed { have } else { 0 });
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(part)
            .await
            .map_err(local)?;
        tokio::fs::write(&tag_file, &etag).await.map_err(local)?;
        let mut received = if resumed { have } else { 0 };
        let mut tee = tee.filter(|_| !resumed);
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            file.write_all(&chunk).await.map_err(local)?;
            received += chunk.len() as u64;
            if let Some(sender) = &tee
                && sender.send(chunk.to_vec()).await.is_err()
            {
                // Whoever unpacked it stopped; the file is complete all the same.
                tee = None;
            }
        }
        // Not synced to disk: the file only serves a resumed download, and a piece lost in a
        // power cut fails the gzip check when it is unpacked (then it is downloaded again).
        file.flush().await.map_err(local)?;
        if expected.is_some_and(|n| n != received) {
            return Err(ClientError::Unreachable {
                url: self.base.to_string(),
                reason: format!("the snapshot download stopped at {received} bytes; it continues next time"),
            });
        }
        Ok(SnapshotDownload { position, records, bytes: received, resumed_from: if resumed { have } else { 0 } })
    }

    /// Pushes outbox entries; the answer has one result per entry, in order.
    pub async fn push_outbox(
        &self,
        creds: &DeviceCredentials,
        entries: Vec<OutboxEntryDto>,
    ) -> Result<OutboxReply, ClientError> {
        self.call(Method::POST, OUTBOX_PATH, Some(creds), Some(&OutboxPush { entries })).await
    }

    /// A login challenge for this device.
    pub async fn login_challenge(&self, creds: &DeviceCredentials) -> Result<ChallengeResponse, ClientError> {
        self.call::<(), _>(Method::POST, LOGIN_CHALLENGE_PATH, Some(creds), None).await
    }

    /// Logs in with a Web eID token (its JSON text) answering `nonce`.
    pub async fn log_in(
        &self,
        creds: &DeviceCredentials,
        token: &str,
        nonce: &str,
    ) -> Result<LoginResponse, ClientError> {
        let body = LoginRequest { token: token.to_owned(), nonce: nonce.to_owned() };
        self.call(Method::POST, LOGIN_PATH, Some(creds), Some(&body)).await
    }

    /// Who is logged in with `session_token` on this device.
    pub async fn session(&self, creds: &DeviceCredentials, session_token: &str) -> Result<SessionDto, ClientError> {
        Ok(self.call_counted::<(), _>(Method::GET, SESSION_PATH, Some(creds), Some(session_token), None).await?.0)
    }

    pub async fn log_out(&self, creds: &DeviceCredentials, session_token: &str) -> Result<(), ClientError> {
        self.call_counted::<(), ()>(Method::POST, LOGOUT_PATH, Some(creds), Some(session_token), None).await?;
        Ok(())
    }

    async fn call<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        creds: Option<&DeviceCredentials>,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        Ok(self.call_counted(method, path, creds, None, body).await?.0)
    }

    async fn call_counted<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        creds: Option<&DeviceCredentials>,
        session_token: Option<&str>,
        body: Option<&B>,
    ) -> Result<(T, u64), ClientError> {
        let url = self.base.join(path.trim_start_matches('/')).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let mut request = self.http.request(method, url.clone()).header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(creds) = creds {
            request = request.header(header::AUTHORIZATION, creds.authorization_header());
            let outbox = self.outbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            if let Some(outbox) = outbox {
                request = request.header(crate::protocol::OUTBOX_HEADER, outbox);
            }
        }
        if let Some(token) = session_token {
            request = request.header(SESSION_HEADER, token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.finish(request).await
    }

    /// Sends a prepared request and reads its answer: the JSON on success, a typed error
    /// otherwise.
    async fn finish<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<(T, u64), ClientError> {
        let response = request.send().await.map_err(|e| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: describe_transport_error(&e),
        })?;
        let status = response.status();
        let version = response.headers().get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // A proxy or another program may answer without the header; a gateway error means the
        // server is down behind it, which is "offline", not "incompatible".
        if version.is_none() && (status.is_server_error() || status == StatusCode::NOT_FOUND) {
            return Err(ClientError::Unreachable {
                url: self.base.to_string(),
                reason: format!("HTTP {status} from something that is not a Pietura server"),
            });
        }
        check_version(version.as_deref())?;
        // Which side of the training line the server is on; a server from before the line is a
        // real one.
        let training = response.headers().get(crate::protocol::ENVIRONMENT_HEADER).is_some_and(|v| v == "training");
        if training != self.training {
            return Err(ClientError::Environment(if training {
                format!("{} is a training server: a device in normal use never talks to one", self.base)
            } else {
                format!(
                    "{} is not a training server: a device in training mode talks to training servers only",
                    self.base
                )
            }));
        }
        let bytes = response.bytes().await.map_err(|e| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: describe_transport_error(&e),
        })?;
        if status.is_success() {
            // 204 No Content reads as JSON null (the unit type).
            let json: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            let parsed = serde_json::from_slice(json).map_err(|e| ClientError::BadResponse(e.to_string()))?;
            return Ok((parsed, bytes.len() as u64));
        }
        let error: ErrorBody = serde_json::from_slice(&bytes)
            .map_err(|_| ClientError::BadResponse(format!("HTTP {status} with an unreadable error body")))?;
        if status.is_server_error() {
            return Err(ClientError::Unreachable {
                url: self.base.to_string(),
                reason: format!("server error {}: {}", error.code, error.message),
            });
        }
        Err(ClientError::Rejected { status: status.as_u16(), code: error.code, message: error.message })
    }
}

/// A complete snapshot download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDownload {
    /// The feed position it covers.
    pub position: i64,
    pub records: u64,
    /// Its size (gzip'd).
    pub bytes: u64,
    /// Where this download continued an earlier one (0: from the start).
    pub resumed_from: u64,
}

fn describe_transport_error(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".into()
    } else if error.is_connect() {
        "connection refused or no route to the server".into()
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked_and_normalised() {
        assert_eq!(parse_server_url("https://pietura.gov.lv").unwrap().as_str(), "https://pietura.gov.lv/");
        assert_eq!(parse_server_url(" pietura.gov.lv ").unwrap().as_str(), "https://pietura.gov.lv/");
        assert_eq!(parse_server_url("http://127.0.0.1:8080/api").unwrap().as_str(), "http://127.0.0.1:8080/api/");
        assert!(parse_server_url("http://localhost:8470").is_ok());
        assert!(parse_server_url("http://[::1]:8470").is_ok());
        for bad in [
            "",
            "ftp://x",
            "https://",
            "https://x/?a=1",
            "https://u@x",
            "http://[::1",
            "http://pietura.gov.lv",
            "http://10.0.0.5:8470",
        ] {
            let err = parse_server_url(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_url", "{bad}");
        }
    }
}
