//! Who made an outbox entry, as the server can prove it. A desk's payload names people (a case's
//! actor, a message's composer); those names are claims. An entry counts only when it carries a
//! proof of its author — the person's session on that very device, or the desk's record of the
//! card unlock it was made under offline — and that person holds a staff role at the device's
//! centre when the entry arrives. A desk can therefore never vouch for anyone who did not log in
//! at it, nor for anyone outside its centre.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::Role;
use protocol::{EntryAuthor, offline_unlock_nonce, rejection_codes as codes};

use crate::{
    login::Login,
    store::{Device, Store, StoreError},
};

/// The longest a desk may stay offline after an unlock (or hold work made in a session) and
/// still have its entries believed (the desks' own offline-unlock limit is at most 90 days).
pub const OFFLINE_RECORD_MAX_AGE_DAYS: i64 = 90;
/// How far ahead of the server's clock an unlock may claim to be (desks' clocks drift).
const CLOCK_SKEW_MINUTES: i64 = 10;

/// A person proven to have made entries at the pushing device, with their roles at its centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenAuthor {
    pub personal_code: String,
    pub roles: Vec<Role>,
    /// `session` or `offline_unlock`.
    pub proof: &'static str,
}

/// Why an entry's author was not believed: the rejection code and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unproven {
    pub code: &'static str,
    pub reason: String,
}

impl Unproven {
    fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self { code, reason: reason.into() }
    }
}

/// Checks the authors of one push, each distinct proof once.
pub struct AuthorCheck<'a> {
    store: &'a dyn Store,
    login: Option<&'a Login>,
    device: &'a Device,
    now: DateTime<Utc>,
    seen: HashMap<EntryAuthor, Result<ProvenAuthor, Unproven>>,
}

impl<'a> AuthorCheck<'a> {
    pub fn new(store: &'a dyn Store, login: Option<&'a Login>, device: &'a Device, now: DateTime<Utc>) -> Self {
        Self { store, login, device, now, seen: HashMap::new() }
    }

    /// The entry's author, or why it is not believed. Store failures fail the push.
    pub async fn prove(&mut self, author: Option<&EntryAuthor>) -> Result<Result<ProvenAuthor, Unproven>, StoreError> {
        let Some(author) = author else {
            return Ok(Err(Unproven::new(
                codes::AUTHOR_UNPROVEN,
                "the entry does not say whose login it was made in: update the desk",
            )));
        };
        if let Some(known) = self.seen.get(author) {
            return Ok(known.clone());
        }
        let proven = match self.person(author).await? {
            Ok((personal_code, proof)) => self.staff(personal_code, proof).await?,
            Err(unproven) => Err(unproven),
        };
        if let Err(unproven) = &proven {
            tracing::warn!(device = %self.device.id, code = unproven.code, reason = %unproven.reason, "outbox author refused");
        }
        self.seen.insert(author.clone(), proven.clone());
        Ok(proven)
    }

    /// The person the proof names, before their roles are looked at.
    async fn person(&self, author: &EntryAuthor) -> Result<Result<(String, &'static str), Unproven>, StoreError> {
        let unproven = |reason: &str| Ok(Err(Unproven::new(codes::AUTHOR_UNPROVEN, reason)));
        match author {
            EntryAuthor::Session { session } => {
                let Some(hash) = decode_reference(session) else {
                    return unproven("the session reference is not 64 hexadecimal digits");
                };
                // Ended and expired sessions still prove who worked here: entries made online
                // may reach the server after the logout (the network went, the desk restarted);
                // but no longer than an offline unlock would.
                let oldest = self.now - Duration::days(OFFLINE_RECORD_MAX_AGE_DAYS);
                match self.store.session(hash).await? {
                    Some(session) if session.device_id == self.device.id && session.issued_at >= oldest => {
                        Ok(Ok((session.personal_code, "session")))
                    }
                    Some(session) if session.device_id == self.device.id => {
                        unproven("the session that made it is older than the server accepts")
                    }
                    _ => unproven("no session of this device has that reference"),
                }
            }
            EntryAuthor::OfflineUnlock { token, unlocked_at, salt } => {
                let Some(login) = self.login else {
                    return unproven(
                        "eID login is not configured on this server, so offline unlocks cannot be checked",
                    );
                };
                if salt.len() < 32 || salt.len() > 128 || !salt.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return unproven("the offline unlock's salt is not 32 to 128 hexadecimal digits");
                }
                if *unlocked_at > self.now + Duration::minutes(CLOCK_SKEW_MINUTES)
                    || *unlocked_at < self.now - Duration::days(OFFLINE_RECORD_MAX_AGE_DAYS)
                {
                    return unproven("the offline unlock is dated in the future or too long ago");
                }
                let nonce = offline_unlock_nonce(self.device.id, *unlocked_at, salt);
                match login.verify_offline_unlock(token, &nonce, *unlocked_at) {
                    Ok(code) => {
                        self.report_unlock(code.as_str(), *unlocked_at, &nonce).await?;
                        Ok(Ok((code.to_string(), "offline_unlock")))
                    }
                    Err(crate::login::LoginError::Store(error)) => Err(error),
                    Err(error) => Ok(Err(Unproven::new(
                        codes::AUTHOR_UNPROVEN,
                        format!("the offline unlock does not verify for this device: {error}"),
                    ))),
                }
            }
        }
    }

    /// An offline unlock reaches the audit log when the desk's entries first bring it (once:
    /// the unlock's own subject is looked up by the audit index).
    async fn report_unlock(
        &self,
        personal_code: &str,
        unlocked_at: DateTime<Utc>,
        nonce: &str,
    ) -> Result<(), StoreError> {
        let subject = format!("offline-unlock:{nonce}");
        if !self.store.audit_entries_about(subject.clone(), None, 1).await?.is_empty() {
            return Ok(());
        }
        let detail = format!(
            "{personal_code} unlocked desk {} ({}) offline at {}",
            self.device.id,
            self.device.name,
            unlocked_at.to_rfc3339()
        );
        let entry = crate::audit::NewAuditEntry::new(
            self.now,
            format!("person:{personal_code}"),
            "offline_unlock",
            subject,
            detail,
        );
        self.store.append_audit(entry).await.map(|_| ())
    }

    /// The person's staff roles at the device's centre, as the server holds them now.
    async fn staff(
        &self,
        personal_code: String,
        proof: &'static str,
    ) -> Result<Result<ProvenAuthor, Unproven>, StoreError> {
        let mut roles: Vec<Role> = self
            .store
            .role_grants(Some(&personal_code))
            .await?
            .into_iter()
            .filter(|grant| grant.centre.id == self.device.centre.id && Role::STAFF.contains(&grant.role))
            .map(|grant| grant.role)
            .collect();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Ok(Err(Unproven::new(
                codes::NOT_STAFF,
                format!("the person who made it holds no staff role at {}", self.device.centre.name),
            )));
        }
        Ok(Ok(ProvenAuthor { personal_code, roles, proof }))
    }
}

fn decode_reference(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_the_hex_of_the_session_hash() {
        let reference = protocol::session_reference("s.token");
        assert_eq!(decode_reference(&reference), Some(protocol::session_token_hash("s.token")));
        assert_eq!(decode_reference(&reference[..62]), None);
        assert_eq!(decode_reference(&format!("{}zz", &reference[..62])), None);
    }
}
