//! What desks send and ask: their outbox's messages, unread counts and message states.

use super::*;

/// Applies a desk's `message_send` outbox entry made by `author` (proven, staff at the desk's
/// centre): the message goes from the centre's mailbox, or from a citizen's under a consent that
/// citizen signed at this very device and that is still in force — never from the author's own
/// mailbox, a company's they represent or one delegated to them: those are for the person, not
/// for a desk's outbox. Sent under the entry's id, once. Store failures fail the push (the desk
/// sends it again); everything else is answered.
pub async fn apply_message_entry(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    device: &crate::store::Device,
    author: &crate::authorship::ProvenAuthor,
    entry: protocol::OutboxEntryDto,
    now: DateTime<Utc>,
) -> Result<protocol::OutboxResult, StoreError> {
    use protocol::{OutboxResult, rejection_codes as codes};
    let rejected = |code: &str, reason: String| OutboxResult {
        id: entry.id,
        outcome: "rejected".into(),
        reason: Some(reason),
        code: Some(code.to_owned()),
    };
    let message: protocol::MessageEntry = match serde_json::from_value(entry.payload.clone()) {
        Ok(message) => message,
        Err(error) => return Ok(rejected(codes::UNREADABLE, format!("the message cannot be read: {error}"))),
    };
    if message.composed_by != author.personal_code {
        return Ok(rejected(
            codes::AUTHOR_UNPROVEN,
            "the message names another composer than the person whose login made it".into(),
        ));
    }
    let new = NewMessage {
        id: entry.id,
        recipients: message.recipients,
        subject: message.subject,
        body: message.body,
        case_number: message.case_number,
        in_reply_to: message.in_reply_to,
        attachments: message.attachments,
    };
    send_as_desk(store, attachments, calendar, device, author, &message.from, new, now).await
}

/// Sends `new` for a desk's proven `author`: from the centre's mailbox when `from` is empty, or
/// from a citizen's under their consent at this desk; answered as an outbox result (applied,
/// duplicate, or rejected with a code). Store failures are the caller's to retry.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn send_as_desk(
    store: &dyn Store,
    attachments: &Attachments,
    calendar: &domain::calendar::WorkingCalendar,
    device: &crate::store::Device,
    author: &crate::authorship::ProvenAuthor,
    from: &str,
    new: NewMessage,
    now: DateTime<Utc>,
) -> Result<protocol::OutboxResult, StoreError> {
    use protocol::{OutboxResult, rejection_codes as codes};
    let id = new.id;
    let rejected = |code: &str, reason: String| OutboxResult {
        id,
        outcome: "rejected".into(),
        reason: Some(reason),
        code: Some(code.to_owned()),
    };
    let principal = Principal::Person {
        personal_code: author.personal_code.clone(),
        device_id: device.id,
        centre_id: device.centre.id,
        roles: author.roles.clone(),
        kiosk: false,
    };
    // No mailbox named: the desk's centre's own.
    let from = if from.trim().is_empty() {
        match centre_mailbox(store, device).await? {
            Some(mailbox) => mailbox,
            None => return Ok(rejected(codes::NOT_ALLOWED, "this centre has no e-address mailbox yet".into())),
        }
    } else {
        from.to_owned()
    };
    match authorise(store, &principal, &from, Right::Communicate, now).await {
        Ok(sender) => {
            let centres = sender.via == Via::Own && sender.mailbox.centre_id == Some(device.centre.id);
            if !centres && !matches!(sender.via, Via::Consent(_)) {
                return Ok(rejected(
                    codes::NOT_ALLOWED,
                    format!(
                        "a desk sends from its centre's mailbox, or in a citizen's name under their consent at this desk; not from {from}"
                    ),
                ));
            }
        }
        Err(MailboxError::Store(error)) => return Err(error),
        Err(error) => return Ok(rejected(codes::NOT_ALLOWED, error.to_string())),
    }
    let outcome = match send(store, attachments, calendar, &principal, &from, new, now).await {
        Ok((_, true)) => OutboxResult { id, outcome: "applied".into(), reason: None, code: None },
        Ok((_, false)) => OutboxResult { id, outcome: "duplicate".into(), reason: None, code: None },
        Err(MailboxError::Store(error)) => return Err(error),
        Err(MailboxError::Storage(error)) => return Err(StoreError::Unavailable(error)),
        Err(error @ (MailboxError::NotFound(_) | MailboxError::Forbidden(_) | MailboxError::NotOwner)) => {
            rejected(codes::NOT_ALLOWED, error.to_string())
        }
        Err(error @ (MailboxError::UnknownRecipient(_) | MailboxError::Address(_))) => {
            rejected(codes::UNKNOWN_RECIPIENT, error.to_string())
        }
        Err(error @ (MailboxError::MissingAttachment(_) | MailboxError::Digest(_))) => {
            rejected(codes::MISSING_ATTACHMENT, error.to_string())
        }
        Err(error) => rejected(codes::MESSAGE_INVALID, error.to_string()),
    };
    Ok(outcome)
}

/// The e-address of the device's centre, if it has one.
pub(crate) async fn centre_mailbox(
    store: &dyn Store,
    device: &crate::store::Device,
) -> Result<Option<String>, StoreError> {
    Ok(store.operated_accounts(None, Some(device.centre.id)).await?.into_iter().next().map(|a| a.address))
}

/// How many messages wait unread in the mailboxes of the device's centre (a count only: no
/// sender, subject or content reaches a device this way).
pub async fn unread_for_device(store: &dyn Store, device: &crate::store::Device) -> Result<u64, StoreError> {
    let centre_boxes: Vec<String> =
        store.operated_accounts(None, Some(device.centre.id)).await?.into_iter().map(|a| a.address).collect();
    if centre_boxes.is_empty() {
        return Ok(0);
    }
    store.unread_count(centre_boxes).await
}

/// How messages the device's centre sent stand: each recipient's state. Ids of other messages
/// are left out of the answer.
pub async fn states_for_device(
    store: &dyn Store,
    device: &crate::store::Device,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<protocol::MessageStateDto>, StoreError> {
    let today = domain::calendar::riga_date(now);
    let centre_boxes: Vec<String> =
        store.operated_accounts(None, Some(device.centre.id)).await?.into_iter().map(|a| a.address).collect();
    let mut states = Vec::new();
    for id in ids {
        let Some((message, deliveries)) = store.message(*id).await? else { continue };
        if !centre_boxes.contains(&message.sender) {
            continue;
        }
        states.push(protocol::MessageStateDto {
            id: *id,
            deliveries: deliveries
                .iter()
                .map(|d| {
                    let view = delivery_view(d, today);
                    protocol::DeliveryStateDto {
                        recipient: view.recipient,
                        recipient_name: String::new(),
                        state: view.state,
                        notified_on: view.notified_on,
                        read_at: view.read_at,
                    }
                })
                .collect(),
        });
    }
    Ok(states)
}
