//! Sending (once, by the sender's id), inboxes, opening (a read receipt), attachments of a message, deleting.

use super::*;

/// A message as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub sender: String,
    /// The sending mailbox's name (an institution's, a centre's, a person's), as the
    /// e-address accounts hold it; the address when the account is unknown.
    pub sender_name: String,
    pub subject: String,
    pub body: String,
    pub case_number: Option<String>,
    pub in_reply_to: Option<Uuid>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<AttachmentInfo>,
    pub sent_at: DateTime<Utc>,
    /// Each recipient's state (for the sender; a recipient sees only its own).
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub recipient: String,
    /// The recipient mailbox's name, as the accounts hold it (the address when unknown).
    pub recipient_name: String,
    /// `delivered`, `notified` (deemed, from the second working day) or `read`.
    pub state: String,
    pub delivered_at: DateTime<Utc>,
    pub notified_on: NaiveDate,
    pub read_at: Option<DateTime<Utc>>,
}

pub(super) fn delivery_view(delivery: &Delivery, today: NaiveDate) -> DeliveryView {
    let state = if delivery.read_at.is_some() {
        "read"
    } else if today >= delivery.notified_on {
        "notified"
    } else {
        "delivered"
    };
    DeliveryView {
        recipient: delivery.recipient.clone(),
        recipient_name: delivery.recipient.clone(),
        state: state.into(),
        delivered_at: delivery.delivered_at,
        notified_on: delivery.notified_on,
        read_at: delivery.read_at,
    }
}

/// Names each view's sender and recipients from the accounts (one look-up for the page).
pub(super) async fn name_senders(store: &dyn Store, views: Vec<MessageView>) -> Result<Vec<MessageView>, MailboxError> {
    let mut addresses: Vec<String> = views
        .iter()
        .flat_map(|v| std::iter::once(v.sender.clone()).chain(v.deliveries.iter().map(|d| d.recipient.clone())))
        .collect();
    addresses.sort();
    addresses.dedup();
    let accounts = store.accounts(addresses).await?;
    Ok(named_from(&accounts, views))
}

/// Views with the names of the mailboxes in `accounts` (an address stays where none is known).
fn named_from(accounts: &[crate::store::Account], mut views: Vec<MessageView>) -> Vec<MessageView> {
    let names: std::collections::HashMap<&str, &str> =
        accounts.iter().filter(|a| !a.name.trim().is_empty()).map(|a| (a.address.as_str(), a.name.as_str())).collect();
    for view in &mut views {
        if let Some(name) = names.get(view.sender.as_str()) {
            view.sender_name = (*name).to_owned();
        }
        for delivery in &mut view.deliveries {
            if let Some(name) = names.get(delivery.recipient.as_str()) {
                delivery.recipient_name = (*name).to_owned();
            }
        }
    }
    views
}

pub(super) async fn name_sender(store: &dyn Store, view: MessageView) -> Result<MessageView, MailboxError> {
    Ok(name_senders(store, vec![view]).await?.pop().expect("one in, one out"))
}

pub(super) fn message_view(
    message: &StoredMessage,
    deliveries: &[Delivery],
    today: NaiveDate,
) -> Result<MessageView, StoreError> {
    Ok(MessageView {
        id: message.id,
        sender: message.sender.clone(),
        sender_name: message.sender.clone(),
        subject: message.subject.clone(),
        body: message.body.clone(),
        case_number: message.case_number.clone(),
        in_reply_to: message.in_reply_to,
        attachments: serde_json::from_str(&message.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        sent_at: message.sent_at,
        deliveries: deliveries.iter().map(|d| delivery_view(d, today)).collect(),
    })
}

/// A message to send.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// Made by the sender: sending the same id again changes nothing.
    pub id: Uuid,
    pub recipients: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub in_reply_to: Option<Uuid>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<AttachmentInfo>,
}

/// Sends from `from` (the caller must hold `communicate` on it). Recipients must have active
/// mailboxes; attachments must be uploaded. Answers whether it was new.
pub async fn send(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    principal: &Principal,
    from: &str,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<(MessageView, bool), MailboxError> {
    // The sender's and the recipients' accounts in one read (issue 20: a round trip counts at
    // 1,000 messages/s); the sender's right is decided first, so a caller without it learns
    // nothing about the recipients.
    let from = EAddress::parse(from).map_err(|_| MailboxError::NotFound(from.to_owned()))?.to_string();
    let mut wanted: Vec<String> =
        message.recipients.iter().filter_map(|raw| EAddress::parse(raw).ok().map(|a| a.to_string())).collect();
    wanted.push(from.clone());
    let accounts = store.accounts(wanted).await?;
    let sender_account = accounts.iter().find(|a| a.address == from).cloned();
    let sender =
        super::authorise::authorise_read(store, principal, &from, sender_account, Right::Communicate, now).await?;
    deliver(store, attachments, calendar, principal, &sender, message, Some(accounts), now).await
}

/// Delivers `message` from `sender`, a mailbox the caller was found to send from (by its rights,
/// or by the owner's signature on the message).
/// The recipients' accounts may have been read already, among `read` (`None`: read here).
#[allow(clippy::too_many_arguments)]
pub(super) async fn deliver(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    principal: &Principal,
    sender: &Authorised,
    message: NewMessage,
    read: Option<Vec<crate::store::Account>>,
    now: DateTime<Utc>,
) -> Result<(MessageView, bool), MailboxError> {
    // Microseconds, as both databases keep times: the answer given now (not read back) says
    // the same as every later read.
    let now = chrono::SubsecRound::trunc_subsecs(now, 6);
    let today = domain::calendar::riga_date(now);
    let mut recipients = Vec::with_capacity(message.recipients.len());
    for raw in &message.recipients {
        recipients.push(EAddress::parse(raw).map_err(|_| MailboxError::UnknownRecipient(raw.clone()))?.to_string());
    }
    let known = match read {
        Some(accounts) => accounts.into_iter().filter(|a| recipients.contains(&a.address)).collect(),
        None => store.accounts(recipients.clone()).await?,
    };
    let mut kinds = Vec::with_capacity(recipients.len());
    for address in &recipients {
        let account = known
            .iter()
            .find(|a| &a.address == address && a.active)
            .ok_or_else(|| MailboxError::UnknownRecipient(address.clone()))?;
        kinds.push((EAddress::parse(address)?, account.kind));
    }

    check_message(sender.kind, &kinds, &message.subject, &message.body, &message.attachments)?;
    // An answer names a message of this mailbox: never another mailbox's (nothing to probe).
    if let Some(answered) = message.in_reply_to {
        let ours = store.message(answered).await?.is_some_and(|(m, deliveries)| {
            m.sender == sender.address || deliveries.iter().any(|d| d.recipient == sender.address)
        });
        if !ours {
            return Err(MailboxError::UnknownReply(answered));
        }
    }
    for attachment in &message.attachments {
        if !crate::uploads::nameable(store, attachments, &attachment.sha256, now).await? {
            return Err(MailboxError::MissingAttachment(attachment.name.clone()));
        }
    }
    let notified_on = calendar.deemed_notified(now);
    let stored = StoredMessage {
        id: message.id,
        sender: sender.address.clone(),
        sent_by: principal.actor(),
        subject: message.subject.trim().to_owned(),
        body: message.body,
        case_number: message.case_number,
        in_reply_to: message.in_reply_to,
        attachments: serde_json::to_string(&message.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        sent_at: now,
    };
    let mut deliveries: Vec<Delivery> = recipients
        .iter()
        .map(|recipient| Delivery {
            message_id: message.id,
            recipient: recipient.clone(),
            delivered_at: now,
            notified_on,
            read_at: None,
            read_by: None,
            deleted_at: None,
        })
        .collect();
    // In the order every read lists them.
    deliveries.sort_by(|a, b| a.recipient.cmp(&b.recipient));
    let audit = sender.audit(now, principal, "message_sent", format!("{} to {}", message.id, recipients.join(" ")));
    // A new message's answer is what is written, named from the accounts already read (no read
    // back — issue 20: a round trip per statement counts at 1,000 messages/s).
    let written = message_view(&stored, &deliveries, today)?;
    if store.send_message(stored, deliveries, audit).await? == EntryEffect::Applied {
        let mut accounts = known;
        accounts.push(sender.mailbox.clone());
        return Ok((named_from(&accounts, vec![written]).pop().expect("one in, one out"), true));
    }
    let (kept, kept_deliveries) = store.message(message.id).await?.ok_or(MailboxError::NoMessage)?;
    if kept.sender != sender.address {
        // The id was taken by another sender's message: never show it here.
        return Err(MailboxError::NoMessage);
    }
    Ok((name_sender(store, message_view(&kept, &kept_deliveries, today)?).await?, false))
}

/// Which page of a mailbox's list: the items after `before` (the time and id of the previous
/// page's last item), at most `limit` of them (1 to 200).
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: Option<u32>,
}

impl Page {
    fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }
}

/// A mailbox's inbox, newest first.
pub async fn inbox(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    page: Page,
    now: DateTime<Utc>,
) -> Result<Vec<MessageView>, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let items = store.inbox(mailbox.address.clone(), page.before, page.limit()).await?;
    crate::audit::record(store, mailbox.audit(now, principal, "inbox_listed", format!("{} messages", items.len())))
        .await?;
    let views = items
        .iter()
        .map(|(m, d)| message_view(m, std::slice::from_ref(d), today))
        .collect::<Result<Vec<_>, StoreError>>()?;
    name_senders(store, views).await
}

/// Messages a mailbox sent, newest first, with every recipient's state.
pub async fn sent(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    page: Page,
    now: DateTime<Utc>,
) -> Result<Vec<MessageView>, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let mut views = Vec::new();
    for message in store.sent_messages(mailbox.address.clone(), page.before, page.limit()).await? {
        let (_, deliveries) = store.message(message.id).await?.ok_or(MailboxError::NoMessage)?;
        views.push(message_view(&message, &deliveries, today)?);
    }
    crate::audit::record(store, mailbox.audit(now, principal, "sent_listed", format!("{} messages", views.len())))
        .await?;
    name_senders(store, views).await
}

/// Opens a message in a mailbox (as a recipient: marks it read, which the sender sees; as the
/// sender: with every recipient's state).
pub async fn open(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<MessageView, MailboxError> {
    let today = domain::calendar::riga_date(now);
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let (message, deliveries) = store.message(id).await?.ok_or(MailboxError::NoMessage)?;
    if message.sender == mailbox.address {
        crate::audit::record(store, mailbox.audit(now, principal, "message_opened", id.to_string())).await?;
        return name_sender(store, message_view(&message, &deliveries, today)?).await;
    }
    let Some(own) = deliveries.iter().find(|d| d.recipient == mailbox.address && d.deleted_at.is_none()) else {
        return Err(MailboxError::NoMessage);
    };
    let audit = mailbox.audit(now, principal, "message_opened", id.to_string());
    store.mark_read(id, mailbox.address.clone(), principal.actor(), now, audit).await?;
    let mut own = own.clone();
    if own.read_at.is_none() {
        own.read_at = Some(now);
    }
    name_sender(store, message_view(&message, &[own], today)?).await
}

/// An attachment of a message the mailbox sent or received, checked against its digest.
pub async fn attachment(
    store: &dyn Store,
    attachments: &Attachments,
    principal: &Principal,
    address: &str,
    id: Uuid,
    index: usize,
    now: DateTime<Utc>,
) -> Result<(AttachmentInfo, axum::body::Bytes), MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Read, now).await?;
    let (message, deliveries) = store.message(id).await?.ok_or(MailboxError::NoMessage)?;
    let involved = message.sender == mailbox.address
        || deliveries.iter().any(|d| d.recipient == mailbox.address && d.deleted_at.is_none());
    if !involved {
        return Err(MailboxError::NoMessage);
    }
    let described: Vec<AttachmentInfo> =
        serde_json::from_str(&message.attachments).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let info = described.get(index).cloned().ok_or(MailboxError::NoMessage)?;
    let content = attachments.get(&info.sha256).await?;
    crate::audit::record(store, mailbox.audit(now, principal, "attachment_opened", format!("{id} #{index}"))).await?;
    Ok((info, content))
}

/// A recipient (the owner, or a delegate with the right to delete) removes a received message
/// from the mailbox. The sender's copy, the read receipt and the audit stay; a sent message
/// stays in the sender's mailbox. Deleting it again answers as the first time (retry-safe).
pub async fn delete(
    store: &dyn Store,
    principal: &Principal,
    address: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), MailboxError> {
    let mailbox = authorise(store, principal, address, Right::Delete, now).await?;
    let (message, deliveries) = store.message(id).await?.ok_or(MailboxError::NoMessage)?;
    let Some(own) = deliveries.iter().find(|d| d.recipient == mailbox.address) else {
        return Err(if message.sender == mailbox.address { MailboxError::SentStays } else { MailboxError::NoMessage });
    };
    if own.deleted_at.is_some() {
        return Ok(());
    }
    let audit = mailbox.audit(now, principal, "message_deleted", id);
    store.delete_delivery(id, mailbox.address.clone(), now, audit).await?;
    Ok(())
}
