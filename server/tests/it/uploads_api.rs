//! Attachment uploads over a real socket on both backends: streamed and kept only when the
//! content matches its digest, each uploader held to a quota of content no message names,
//! content about to be collected refused in a message, and the collector removing exactly the
//! content no message named within a day.

use std::io::{Read, Write};

use domain::{DeviceKind, eaddress::AccountKind};
use protocol::{DeviceCredentials, PROTOCOL_HEADER};
use reqwest::StatusCode;
use server::{
    clock::system_clock,
    devices,
    eaddress::{Attachments, MailboxError, NewMessage, Principal},
    institutions,
    store::Account,
    uploads,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api::{Running, account, start_on_with};
use crate::people::{CITIZEN_BOX, VID, VID_BOX};

const KIB: usize = 1024;
const QUOTA: u64 = 100 * KIB as u64;

/// Content of `size` bytes, different for each `seed`.
fn content(seed: u8, size: usize) -> Vec<u8> {
    (0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn digest(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

struct Uploads {
    base: String,
    http: reqwest::Client,
}

impl Uploads {
    /// PUTs `body` as the content `sha256` with `authorization`; answers the status and error body.
    async fn put(&self, authorization: &str, sha256: &str, body: reqwest::Body) -> (StatusCode, serde_json::Value) {
        let response = self
            .http
            .put(format!("{}v1/eaddress/attachments/{sha256}", self.base))
            .header(PROTOCOL_HEADER, "1")
            .header("authorization", authorization)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let retry_after = response.headers().get("retry-after").is_some();
        let text = response.text().await.unwrap();
        let mut answer = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        if retry_after {
            answer["retry_after"] = true.into();
        }
        (status, answer)
    }

    async fn upload(&self, authorization: &str, content: &[u8]) -> (StatusCode, serde_json::Value) {
        self.put(authorization, &digest(content), content.to_vec().into()).await
    }

    /// The same, sent in chunks without a Content-Length (as a client streaming a file does),
    /// over a plain socket: answers the status and the error body.
    async fn upload_chunked(
        &self,
        authorization: &str,
        sha256: &str,
        content: &[u8],
    ) -> (StatusCode, serde_json::Value) {
        let address = self.base.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let (authorization, sha256, content) = (authorization.to_owned(), sha256.to_owned(), content.to_vec());
        tokio::task::spawn_blocking(move || {
            let mut socket = std::net::TcpStream::connect(address).unwrap();
            let mut request = format!(
                "PUT /v1/eaddress/attachments/{sha256} HTTP/1.1\r\nhost: x\r\n{PROTOCOL_HEADER}: 1\r\n\
                 authorization: {authorization}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            )
            .into_bytes();
            for chunk in content.chunks(16 * KIB) {
                request.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend(chunk);
                request.extend(b"\r\n");
            }
            request.extend(b"0\r\n\r\n");
            // A refusal may come before the whole body is read: what could not be written is moot.
            let _ = socket.write_all(&request);
            let mut answer = Vec::new();
            let _ = socket.read_to_end(&mut answer);
            let answer = String::from_utf8_lossy(&answer).into_owned();
            let status = answer
                .get(9..12)
                .and_then(|s| s.parse::<u16>().ok())
                .unwrap_or_else(|| panic!("no answer: {answer:?}"));
            let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
            (StatusCode::from_u16(status).unwrap(), serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
        })
        .await
        .unwrap()
    }
}

on_both_backends!(backend: uploads_are_streamed_held_to_a_quota_and_unused_content_is_collected);

async fn uploads_are_streamed_held_to_a_quota_and_unused_content_is_collected(backend: crate::backends::Backend) {
    let folder = tempfile::tempdir().unwrap();
    let server: Running =
        start_on_with(backend, |state| state.with_attachment_dir(folder.path()).unwrap().with_upload_quota(QUOTA))
            .await;
    // The same folder, as the collector and the checks here see it.
    let kept = Attachments::in_folder(folder.path()).unwrap();
    let store = server.store.as_ref();
    let now = system_clock()();
    devices::add_centre(store, "Rīgas VPVKAC", "Rīga", Some("RCV"), now).await.unwrap();
    institutions::add_institution(store, VID, "Valsts ieņēmumu dienests", false, now).await.unwrap();
    let vid = format!("ApiKey {}", institutions::issue_key(store, VID, now).await.unwrap());
    store
        .put_account(Account { name: "VID".into(), ..account(VID_BOX, AccountKind::Institution, Some(VID), None) })
        .await
        .unwrap();
    store.put_account(account(CITIZEN_BOX, AccountKind::Natural, None, None)).await.unwrap();
    let desk: DeviceCredentials = crate::api::enrolled(&server, "Rīgas VPVKAC", DeviceKind::Desk, "Galds 1").await;
    let desk = desk.authorization_header();
    let http = Uploads { base: server.url.clone(), http: reqwest::Client::new() };

    // A body that does not match its digest is refused and nothing is kept under that digest.
    let (a, b, c) = (content(1, 60 * KIB), content(2, 60 * KIB), content(3, 30 * KIB));
    let (status, error) = http.upload_chunked(&vid, &digest(&a), &b).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation")), "{error}");
    assert!(!kept.exists(&digest(&a)).await.unwrap(), "a wrong body leaves nothing behind");
    assert!(!kept.exists(&digest(&b)).await.unwrap());

    // Within the quota: kept, streamed in chunks or whole; the same content again changes nothing.
    assert_eq!(http.upload_chunked(&vid, &digest(&a), &a).await.0, StatusCode::NO_CONTENT);
    assert_eq!(kept.get(&digest(&a)).await.unwrap().as_ref(), a.as_slice());
    assert_eq!(http.upload(&vid, &a).await.0, StatusCode::NO_CONTENT, "again: still one 60 KiB");
    // Over it: 429 with a reason and when to try again, with or without a declared length, and
    // nothing kept.
    let (status, error) = http.upload(&vid, &b).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("upload_quota")), "{error}");
    assert!(error["message"].as_str().unwrap().contains("send the messages that use them"), "{error}");
    assert_eq!(error["retry_after"], true);
    let (status, _) = http.upload_chunked(&vid, &digest(&b), &b).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!kept.exists(&digest(&b)).await.unwrap(), "refused content is not kept");
    // The quota is each uploader's own: the desk still has all of its.
    assert_eq!(http.upload(&desk, &b).await.0, StatusCode::NO_CONTENT);

    // Larger than any attachment may be: refused from the declared length, before the body.
    let mut socket =
        std::net::TcpStream::connect(server.url.trim_start_matches("http://").trim_end_matches('/')).unwrap();
    write!(
        socket,
        "PUT /v1/eaddress/attachments/{} HTTP/1.1\r\nhost: x\r\n{PROTOCOL_HEADER}: 1\r\nauthorization: {desk}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        digest(&c),
        domain::eaddress::MAX_ATTACHMENT_BYTES + 1
    )
    .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("at most 10 MB"), "{answer}");

    // A message naming a: a no longer counts, so the institution may upload b too.
    let message = |attachments: &[(&str, &[u8])]| NewMessage {
        id: Uuid::now_v7(),
        recipients: vec![CITIZEN_BOX.into()],
        subject: "Lēmums".into(),
        body: String::new(),
        case_number: None,
        in_reply_to: None,
        attachments: attachments
            .iter()
            .map(|(name, content)| domain::eaddress::AttachmentInfo {
                name: (*name).into(),
                size: content.len() as u64,
                sha256: digest(content),
            })
            .collect(),
    };
    let institution = Principal::Institution { id: VID.into() };
    let calendar = domain::calendar::WorkingCalendar::latvia();
    let send = |message: NewMessage, at: chrono::DateTime<chrono::Utc>| {
        let (kept, calendar, institution) = (&kept, &calendar, &institution);
        async move { server::eaddress::send(store, kept, calendar, institution, VID_BOX, message, at).await }
    };
    send(message(&[("lēmums.pdf", &a)]), now).await.unwrap();
    assert_eq!(http.upload(&vid, &b).await.0, StatusCode::NO_CONTENT);

    // Content no message names may be named until an hour before it may be collected; then the
    // sender must upload it again. Content kept from before uploads were recorded still may be.
    let hours = chrono::Duration::hours;
    assert_eq!(http.upload(&vid, &c).await.0, StatusCode::NO_CONTENT);
    let stale = send(message(&[("c.pdf", &c)]), now + hours(uploads::NAMEABLE_HOURS) + chrono::Duration::minutes(5));
    assert!(matches!(stale.await, Err(MailboxError::MissingAttachment(_))), "about to be collected");
    let legacy = content(4, 10);
    kept.put(&digest(&legacy), legacy.clone().into()).await.unwrap();
    send(message(&[("vecs.pdf", &legacy)]), now + hours(48)).await.unwrap();

    // The collector: nothing within the day; after it, exactly the content no message named
    // (b, uploaded by the desk and the institution; c), never a or the legacy content.
    assert_eq!(uploads::collect(store, &kept, now + hours(1)).await.unwrap(), uploads::Collected::default());
    let collected = uploads::collect(store, &kept, now + hours(uploads::KEPT_UNNAMED_HOURS) + hours(1)).await.unwrap();
    assert_eq!(collected, uploads::Collected { removed: 2, bytes: (60 * KIB + 30 * KIB) as u64 });
    assert!(!kept.exists(&digest(&b)).await.unwrap());
    assert!(!kept.exists(&digest(&c)).await.unwrap());
    assert!(kept.exists(&digest(&a)).await.unwrap(), "named content stays");
    assert!(kept.exists(&digest(&legacy)).await.unwrap());
    // A second run finds nothing more; the uploaders' quotas are free again.
    let later = now + hours(uploads::KEPT_UNNAMED_HOURS) + hours(2);
    assert_eq!(uploads::collect(store, &kept, later).await.unwrap(), uploads::Collected::default());
    let used = store.unnamed_upload_bytes("institution:https://pietura.lv/id/org/vid".into(), now, String::new());
    assert_eq!(used.await.unwrap(), 0);
    drop(server);
}
