//! What the store does, by area. Each area is one trait; [`Store`] is all of them, and both
//! backends implement every one (`sqlite/<area>.rs` and `postgres/<area>.rs` side by side).

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::Centre;
use uuid::Uuid;

use super::*;

/// The whole store: every area, and the schema they share.
#[async_trait]
pub trait Store:
    DeviceStore
    + CatalogueStore
    + LoginStore
    + CaseStore
    + AuditStore
    + MailStore
    + StatisticsStore
    + TrainingStore
    + ThrottleStore
    + Send
    + Sync
    + fmt::Debug
{
    /// Applies the migrations this build has and the database lacks. Safe to run concurrently.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// The schema version (number of the last applied migration).
    async fn schema_version(&self) -> Result<i64, StoreError>;
    /// A cheap round trip, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Claims the database for `environment` (`production` or `training`) unless a server
    /// claimed it before; answers the environment it belongs to (the first claim's).
    async fn claim_environment(&self, environment: &str) -> Result<String, StoreError>;
}

/// Centres and their devices: enrollment, authentication, revocation.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    async fn add_centre(&self, centre: NewCentre) -> Result<Centre, StoreError>;
    async fn list_centres(&self) -> Result<Vec<Centre>, StoreError>;
    async fn find_centre_by_name(&self, name: &str) -> Result<Option<Centre>, StoreError>;
    async fn add_device(&self, device: NewDevice) -> Result<Device, StoreError>;
    async fn list_devices(&self) -> Result<Vec<Device>, StoreError>;
    /// One centre's devices, in the order of [`Self::list_devices`].
    async fn centre_devices(&self, centre: Uuid) -> Result<Vec<Device>, StoreError>;
    /// The versions devices in use (enrolled, not revoked) last reported, each once: the fleet.
    async fn reported_versions(&self) -> Result<Vec<String>, StoreError>;
    /// Publishes a release; a kind's version, and a kind's package, are published once
    /// ([`StoreError::Conflict`] otherwise).
    async fn publish_release(&self, release: NewRelease) -> Result<ReleaseInfo, StoreError>;
    /// Every published release, without content, by kind then newest published first.
    async fn list_releases(&self) -> Result<Vec<ReleaseInfo>, StoreError>;
    /// A release's package, by its kind and digest.
    async fn release_content(&self, kind: &str, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Revokes a device and ends every session opened on it, in one transaction; revoking twice
    /// keeps the first time.
    async fn revoke_device(&self, id: Uuid, at: DateTime<Utc>) -> Result<Device, StoreError>;
    /// Atomically trades an unused, unexpired code for a device secret (stored as its hash).
    async fn redeem_enrollment_code(
        &self,
        code_hash: [u8; 32],
        secret_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Device, StoreError>;
    /// Gives a device that has not enrolled yet a new code (the old one stops working).
    async fn renew_enrollment_code(
        &self,
        id: Uuid,
        code_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> Result<Device, StoreError>;
    async fn device_auth_record(&self, id: Uuid) -> Result<Option<DeviceAuthRecord>, StoreError>;
    /// Notes a device's request: when, the version it says it runs and how it says its outbox
    /// stands (each kept when it says none).
    async fn record_device_seen(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        version: Option<String>,
        outbox: Option<protocol::OutboxReport>,
    ) -> Result<(), StoreError>;
}

/// Institutions and their API keys, and the catalogue they own: versioned records, the change feed, article flags.
#[async_trait]
pub trait CatalogueStore: Send + Sync {
    async fn add_institution(&self, institution: Institution) -> Result<Institution, StoreError>;
    async fn list_institutions(&self) -> Result<Vec<Institution>, StoreError>;
    /// Gives an institution the code its own channels' case numbers start with; a code another
    /// institution has is a [`StoreError::Conflict`], an unknown institution
    /// [`StoreError::NotFound`].
    async fn set_institution_case_code(&self, id: &str, code: &str) -> Result<(), StoreError>;
    async fn institution_case_code(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Registers a case of an institution's own channel with the next number of its channel
    /// and year, and its audit entry, in one transaction — or answers the case already
    /// registered under the same own id (`false`).
    async fn register_institution_case(
        &self,
        case: NewInstitutionCase,
    ) -> Result<(InstitutionCaseRow, bool), StoreError>;
    /// Adds a key (valid until `expires_at`, when given) with its audit entry, in one transaction.
    async fn add_institution_key(
        &self,
        key_id: Uuid,
        institution_id: &str,
        secret_hash: [u8; 32],
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError>;
    async fn institution_key_record(&self, key_id: Uuid) -> Result<Option<InstitutionKeyRecord>, StoreError>;
    /// Keys (of one institution, or all), oldest first, revoked and expired ones too.
    async fn institution_keys(&self, institution_id: Option<String>) -> Result<Vec<InstitutionKeyRecord>, StoreError>;
    /// Revokes a key with its audit entry, in one transaction; revoking twice keeps the first time
    /// (and writes no second entry). `None` when there is no such key.
    async fn revoke_institution_key(
        &self,
        key_id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<Option<InstitutionKeyRecord>, StoreError>;
    /// Applies all changes or none, each at the next position of the change feed. A change whose
    /// `expected_version` is not the stored one fails the whole batch with `VersionConflict`.
    async fn apply_catalogue_changes(
        &self,
        changes: Vec<RecordChange>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredRecord>, StoreError>;
    async fn catalogue_record(&self, kind: RecordKind, id: &str) -> Result<Option<StoredRecord>, StoreError>;
    /// Every record of a kind, retired ones too, by id.
    async fn catalogue_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError>;
    /// Articles that name `service_id` among their linked services.
    async fn articles_linked_to(&self, service_id: &str) -> Result<Vec<StoredRecord>, StoreError>;
    /// Records whose latest change is after `after`, oldest change first, at most `limit`.
    async fn catalogue_changes(&self, after: i64, limit: u32) -> Result<Vec<StoredRecord>, StoreError>;
    /// The newest position in the change feed (0 when empty).
    async fn catalogue_head(&self) -> Result<i64, StoreError>;
    async fn add_article_flag(&self, flag: ArticleFlag) -> Result<(), StoreError>;
    async fn article_flags(&self, owner: Option<&str>) -> Result<Vec<ArticleFlag>, StoreError>;
}

/// Card logins: challenges, staff roles, sessions and the log of authentication events.
#[async_trait]
pub trait LoginStore: Send + Sync {
    /// Stores a challenge and removes those that expired before `now`.
    async fn add_login_nonce(&self, nonce: LoginNonce, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Removes and returns a challenge: whatever the outcome, it never works twice.
    async fn take_login_nonce(&self, nonce_hash: [u8; 32]) -> Result<Option<LoginNonce>, StoreError>;
    /// Grants a role (granting it again keeps the first time).
    async fn grant_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Revokes a grant and ends, in the same transaction, the person's sessions on the centre's
    /// devices (they carried the role; a person with other roles there logs in again). Whether
    /// there was such a grant to revoke.
    async fn revoke_role(
        &self,
        personal_code: &str,
        role: domain::Role,
        centre_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Every grant, or one person's.
    async fn role_grants(&self, personal_code: Option<&str>) -> Result<Vec<RoleGrant>, StoreError>;
    /// The grants at one centre, in the order of [`Self::role_grants`].
    async fn centre_role_grants(&self, centre: Uuid) -> Result<Vec<RoleGrant>, StoreError>;
    async fn add_session(&self, session: UserSession) -> Result<(), StoreError>;
    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<UserSession>, StoreError>;
    /// Ends a session; ending it twice keeps the first time.
    async fn end_session(&self, token_hash: [u8; 32], at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn add_auth_event(&self, event: AuthEvent) -> Result<(), StoreError>;
    /// The newest events first.
    async fn auth_events(&self, limit: u32) -> Result<Vec<AuthEvent>, StoreError>;
    /// The newest events on a centre's devices, the newest first, at most `limit`.
    async fn centre_auth_events(&self, centre: Uuid, limit: u32) -> Result<Vec<AuthEvent>, StoreError>;
    /// Each of these people's name as their card last gave it and when they last logged in
    /// (people who never did are missing).
    async fn last_logins(&self, personal_codes: Vec<String>) -> Result<Vec<LastLogin>, StoreError>;
}

/// Service cases: outbox entries applied once, the case feed, look-ups.
#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Applies a push's case writes in one transaction, each in a savepoint of its own: each
    /// records its entry id and, the first time only, makes its change; one that fails (a
    /// taken number, a case that moved on) is rolled back alone and reported in its place.
    async fn apply_case_writes(
        &self,
        device_id: Uuid,
        writes: Vec<CaseWrite>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<EntryEffect, StoreError>>, StoreError>;
    /// One insert (see [`Store::apply_case_writes`]).
    async fn insert_case(
        &self,
        entry_id: Uuid,
        device_id: Uuid,
        case: StoredCase,
        at: DateTime<Utc>,
    ) -> Result<EntryEffect, StoreError> {
        let mut results = self.apply_case_writes(device_id, vec![CaseWrite::Insert { entry_id, case }], at).await?;
        results.pop().unwrap_or(Err(StoreError::Corrupt("no result for the write".into())))
    }
    /// One update (see [`Store::apply_case_writes`]).
    #[allow(clippy::too_many_arguments)]
    async fn update_case(
        &self,
        entry_id: Uuid,
        device_id: Uuid,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<EntryEffect, StoreError> {
        let write = CaseWrite::Update {
            entry_id,
            case_id,
            expected_status: expected_status.to_owned(),
            status: status.to_owned(),
            document,
        };
        let mut results = self.apply_case_writes(device_id, vec![write], at).await?;
        results.pop().unwrap_or(Err(StoreError::Corrupt("no result for the write".into())))
    }
    /// Replaces a case's document and status if it is still at `expected_status` (an
    /// institution's change), at the next feed position, which it answers.
    async fn change_case(
        &self,
        case_id: Uuid,
        expected_status: &str,
        status: &str,
        document: String,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn case(&self, id: Uuid) -> Result<Option<StoredCase>, StoreError>;
    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError>;
    /// Cases in `scope` written after feed position `after`, oldest write first, at most `limit`.
    async fn case_changes(&self, scope: CaseScope, after: i64, limit: u32) -> Result<Vec<StoredCase>, StoreError>;
    /// The newest position of the case feed (0 when empty).
    async fn case_head(&self) -> Result<i64, StoreError>;
    /// A customer's cases, the newest served first, at most `limit`.
    async fn customer_cases(&self, customer_code: &str, limit: u32) -> Result<Vec<StoredCase>, StoreError>;
    /// A centre's cases served at or after `since`, the earliest first (its administrator's figures).
    async fn centre_cases_since(&self, centre: Uuid, since: DateTime<Utc>) -> Result<Vec<StoredCase>, StoreError>;
    /// Whether an outbox entry was applied already.
    async fn entry_applied(&self, entry_id: Uuid) -> Result<bool, StoreError>;
    async fn case_count(&self) -> Result<u64, StoreError>;
    /// Records an e-form submission once; answers whether it was new (a second record under the
    /// same id changes nothing).
    async fn record_form_submission(&self, submission: FormSubmissionRow) -> Result<bool, StoreError>;
    /// A form's submissions after feed position `after`, oldest first, at most `limit`, and the
    /// form's newest position (0 when it has none).
    async fn form_submissions(
        &self,
        form_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<FormSubmissionRow>, i64), StoreError>;
}

/// The hash-chained audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry to the audit log at the next place, chained to the one before.
    async fn append_audit(&self, entry: crate::audit::NewAuditEntry) -> Result<crate::audit::AuditEntry, StoreError>;
    /// Entries after `after_seq`, in order, at most `limit`.
    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::audit::AuditEntry>, StoreError>;
    /// Entries about `subject` before `before_seq` (all when `None`), newest first, at most
    /// `limit` (the `(subject, seq)` index: the log's size does not matter).
    async fn audit_entries_about(
        &self,
        subject: String,
        before_seq: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::audit::AuditEntry>, StoreError>;
    /// The log's head: the last sequence number and hash (0 and zeros when empty).
    async fn audit_head(&self) -> Result<(i64, [u8; 32]), StoreError>;
}

/// E-address: mailboxes, messages and deliveries, attachment uploads, delegations, representatives and consents.
#[async_trait]
pub trait MailStore: Send + Sync {
    /// Adds a mailbox or changes one (by address).
    async fn put_account(&self, account: Account) -> Result<(), StoreError>;
    /// The mailboxes among `addresses` that exist.
    async fn accounts(&self, addresses: Vec<String>) -> Result<Vec<Account>, StoreError>;
    /// How many messages delivered to `recipients` are neither read nor deleted.
    async fn unread_count(&self, recipients: Vec<String>) -> Result<u64, StoreError>;
    /// Mailboxes an institution operates, or a centre's staff work.
    async fn operated_accounts(
        &self,
        institution: Option<String>,
        centre: Option<Uuid>,
    ) -> Result<Vec<Account>, StoreError>;
    /// The e-address catalogue: active institutions' mailboxes, by address.
    async fn institution_directory(&self) -> Result<Vec<Account>, StoreError>;
    /// Sends a message once (its id is the idempotency key): the message, every recipient's
    /// delivery and the audit entry in one transaction.
    async fn send_message(
        &self,
        message: StoredMessage,
        deliveries: Vec<Delivery>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<EntryEffect, StoreError>;
    /// Records an upload of attachment content (the same uploader again: the new time).
    async fn record_upload(&self, upload: Upload) -> Result<(), StoreError>;
    /// The bytes `uploader` uploaded since `since` that no message names, `except` that content.
    async fn unnamed_upload_bytes(
        &self,
        uploader: String,
        since: DateTime<Utc>,
        except: String,
    ) -> Result<u64, StoreError>;
    /// Whether a message names the content, and when anyone last uploaded it.
    async fn content_standing(&self, sha256: String) -> Result<ContentStanding, StoreError>;
    /// Content no message names whose last upload was before `before` (the collector's
    /// candidates), with its size, at most `limit`.
    async fn unnamed_uploads_before(&self, before: DateTime<Utc>, limit: u32)
    -> Result<Vec<(String, u64)>, StoreError>;
    /// Forgets the uploads made before `before`: of the content `sha256` (once it is removed),
    /// or, without one, of all content a message names (they hold nothing any more).
    async fn forget_uploads(&self, sha256: Option<String>, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// A mailbox's messages, newest first, before `(delivered_at, message id)` when given.
    async fn inbox(
        &self,
        recipient: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(StoredMessage, Delivery)>, StoreError>;
    /// Messages a mailbox sent, newest first.
    async fn sent_messages(
        &self,
        sender: String,
        before: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;
    async fn message(&self, id: Uuid) -> Result<Option<(StoredMessage, Vec<Delivery>)>, StoreError>;
    /// Marks a delivery read (the first time only; answers whether it was), with its audit entry.
    async fn mark_read(
        &self,
        id: Uuid,
        recipient: String,
        by: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Removes a received message from the recipient's mailbox (kept for the sender and the
    /// audit; the first time only; answers whether it was), with its audit entry.
    async fn delete_delivery(
        &self,
        id: Uuid,
        recipient: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    async fn add_delegation(
        &self,
        delegation: Delegation,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError>;
    /// Ends a delegation now (answers whether it was in force).
    async fn revoke_delegation(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Records that `person` represents a legal entity's mailbox (again, if it had ended: the
    /// new source replaces the old), with its audit entry.
    async fn put_representative(
        &self,
        representative: Representative,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<(), StoreError>;
    /// Ends a representation in force; `false` when there was none.
    async fn end_representative(
        &self,
        mailbox: String,
        person: String,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Representations of a mailbox, or held by a person (ended ones too).
    async fn representatives(
        &self,
        mailbox: Option<String>,
        person: Option<String>,
    ) -> Result<Vec<Representative>, StoreError>;
    /// Delegations of a mailbox, or held by a person (revoked and ended ones too).
    async fn delegations(
        &self,
        mailbox: Option<String>,
        delegate: Option<String>,
    ) -> Result<Vec<Delegation>, StoreError>;
    /// Messages sent at or after `since` by any of `senders` (as `sent_by` names them), and how
    /// many of those at least one recipient has read.
    async fn sent_and_read(&self, senders: Vec<String>, since: DateTime<Utc>) -> Result<(u64, u64), StoreError>;
    /// Active mailboxes by kind.
    async fn active_accounts(&self) -> Result<Vec<(String, u64)>, StoreError>;
    async fn add_consent(&self, consent: Consent) -> Result<(), StoreError>;
    async fn consent(&self, id: Uuid) -> Result<Option<Consent>, StoreError>;
    /// Records the citizen's signature (only on a consent not yet signed nor ended), with its
    /// audit entry; answers whether it was.
    async fn sign_consent(
        &self,
        id: Uuid,
        citizen: String,
        signed_at: DateTime<Utc>,
        valid_until: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Ends a consent (the card left, the visit ended); answers whether it was in force.
    async fn end_consent(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
        audit: crate::audit::NewAuditEntry,
    ) -> Result<bool, StoreError>;
    /// Signed consents in force at `at` for an agent.
    async fn active_consents(&self, agent: String, at: DateTime<Utc>) -> Result<Vec<Consent>, StoreError>;
}

/// Counts for the open data and the KPIs: nothing personal leaves these.
#[async_trait]
pub trait StatisticsStore: Send + Sync {
    /// The e-address KPIs, aggregated by the database: by month (UTC) of sending and the sending
    /// mailbox's group (an institution's mailbox name; `legal_persons` or `natural_persons`
    /// otherwise). Nothing about recipients.
    async fn delivery_kpis(&self) -> Result<Vec<DeliveryKpi>, StoreError>;
    /// Cases counted by month (YYYY-MM of `served_at`, UTC), service, holder institution,
    /// channel and kind, in that order. Nothing about people.
    async fn case_statistics(&self) -> Result<Vec<ProvisionCount>, StoreError>;
    /// Every case's waiting and service times with its centre and month, by month and centre.
    async fn case_times(&self) -> Result<Vec<crate::store::CaseTimes>, StoreError>;
}

/// Workshops on a training server.
#[async_trait]
pub trait TrainingStore: Send + Sync {
    /// The highest series a workshop took (0 when none): the next takes one more.
    async fn last_workshop_series(&self) -> Result<u32, StoreError>;
    /// Records a workshop and its seats in one transaction; a series already taken is a
    /// [`StoreError::Conflict`].
    async fn add_workshop(&self, workshop: Workshop, seats: Vec<WorkshopSeat>) -> Result<(), StoreError>;
    async fn workshop(&self, id: Uuid) -> Result<Option<(Workshop, Vec<WorkshopSeat>)>, StoreError>;
    /// A centre's workshops, the newest first.
    async fn centre_workshops(&self, centre: Uuid) -> Result<Vec<Workshop>, StoreError>;
    /// Starts one seat (or every seat) again from `at`; answers how many seats were reset.
    async fn reset_seats(&self, workshop: Uuid, seat: Option<u8>, at: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Throttles' attempts, counted in the database so that every server over it counts the same
/// ones. A throttle is a `scope` (what is limited) and a `key` within it (whom it holds back);
/// at most `max` attempts of a key count within the `window` before an attempt.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts an attempt of `key` at `at` unless `max` of its attempts already count within
    /// `window`: the check and the count are one step for every server, so racing attempts
    /// cannot all pass. The attempt's id (to give it back), or, when refused (not counted), the
    /// time the oldest counting attempt leaves the window. Attempts of the scope that left the
    /// window are removed.
    async fn take_attempt(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        max: u32,
        window: chrono::Duration,
    ) -> Result<Result<i64, DateTime<Utc>>, StoreError>;
    /// Gives back an attempt taken with [`Self::take_attempt`] (it succeeded, or failed on the
    /// server's side); giving one back twice does nothing.
    async fn give_back_attempt(&self, id: i64) -> Result<(), StoreError>;
    /// Whether a refusal of `key` at `at` is the first reported within `window` (and notes it).
    async fn first_refusal(
        &self,
        scope: &str,
        key: &str,
        at: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<bool, StoreError>;
}
