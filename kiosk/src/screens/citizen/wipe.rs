//! Overwriting what the kiosk held of a citizen when their session ends: names, codes, letters,
//! delegations, the pictures of their documents and a reply being written. Strings and bytes go
//! through `zeroize` (writes the optimiser may not drop); pixels are overwritten the same way.
//! Best effort by nature: a copy the allocator made earlier while a string grew is not reached,
//! and textures already sent to the graphics card are freed with their handles.

use zeroize::Zeroize;

use super::{CitizenCases, CitizenScreen, Loadable, OwnFormDraft, OwnFormStage, ReplyDraft, ReplyStage, ShownDocument};

/// Overwrites the citizen data a value holds.
pub(crate) trait Wipe {
    fn wipe(&mut self);
}

impl Wipe for String {
    fn wipe(&mut self) {
        self.zeroize();
    }
}

impl<T: Wipe> Wipe for Vec<T> {
    fn wipe(&mut self) {
        self.iter_mut().for_each(Wipe::wipe);
        self.clear();
    }
}

impl<T: Wipe> Wipe for Option<T> {
    fn wipe(&mut self) {
        if let Some(value) = self {
            value.wipe();
        }
        *self = None;
    }
}

impl<T: Wipe> Wipe for Loadable<T> {
    fn wipe(&mut self) {
        match self {
            Loadable::Loaded(value) => value.wipe(),
            Loadable::Failed(text) => text.wipe(),
            Loadable::Loading => {}
        }
    }
}

impl Wipe for egui::ColorImage {
    fn wipe(&mut self) {
        self.pixels.fill(egui::Color32::TRANSPARENT);
        std::hint::black_box(&self.pixels);
        self.pixels.clear();
    }
}

impl Wipe for device::login::Person {
    fn wipe(&mut self) {
        self.personal_code.wipe();
        self.given_name.wipe();
        self.surname.wipe();
    }
}

impl Wipe for device::session::CitizenCaseView {
    fn wipe(&mut self) {
        self.number.wipe();
        self.service_name.wipe();
        self.holder_name.wipe();
        self.company.wipe();
    }
}

impl Wipe for protocol::MessageDto {
    fn wipe(&mut self) {
        for text in [&mut self.sender, &mut self.sender_name, &mut self.subject, &mut self.body] {
            text.wipe();
        }
        self.case_number.wipe();
        for attachment in &mut self.attachments {
            attachment.name.wipe();
            attachment.sha256.wipe();
        }
        for delivery in &mut self.deliveries {
            delivery.recipient.wipe();
            delivery.recipient_name.wipe();
        }
    }
}

impl Wipe for protocol::AccessDto {
    fn wipe(&mut self) {
        for text in [&mut self.actor, &mut self.action, &mut self.detail, &mut self.who, &mut self.basis] {
            text.wipe();
        }
    }
}

impl Wipe for protocol::DelegationDto {
    fn wipe(&mut self) {
        for text in [&mut self.mailbox, &mut self.delegate, &mut self.delegate_name, &mut self.rights] {
            text.wipe();
        }
    }
}

impl Wipe for protocol::MailboxDto {
    fn wipe(&mut self) {
        for text in [&mut self.address, &mut self.name, &mut self.kind, &mut self.rights] {
            text.wipe();
        }
    }
}

impl Wipe for ShownDocument {
    fn wipe(&mut self) {
        self.name.wipe();
        self.pages.wipe();
    }
}

impl Wipe for ReplyDraft {
    fn wipe(&mut self) {
        self.letter.1.wipe();
        self.letter.2.wipe();
        self.body.wipe();
        self.problem.wipe();
        match &mut self.stage {
            ReplyStage::Reading { prepared, pages, .. } | ReplyStage::Sending { prepared, pages, .. } => {
                prepared.pdf.zeroize();
                prepared.pages.iter_mut().for_each(Zeroize::zeroize);
                pages.wipe();
            }
            ReplyStage::Sent(text) => text.wipe(),
            ReplyStage::Writing | ReplyStage::Preparing => {}
        }
        self.stage = ReplyStage::Writing;
    }
}

impl Wipe for serde_json::Value {
    fn wipe(&mut self) {
        match self {
            serde_json::Value::String(text) => text.wipe(),
            serde_json::Value::Array(items) => items.wipe(),
            serde_json::Value::Object(map) => {
                map.values_mut().for_each(Wipe::wipe);
                map.clear();
            }
            _ => {}
        }
        *self = serde_json::Value::Null;
    }
}

impl Wipe for forms::Application {
    fn wipe(&mut self) {
        self.applicant.code.wipe();
        self.applicant.name.wipe();
        self.centre.wipe();
        self.data.wipe();
    }
}

impl Wipe for OwnFormDraft {
    fn wipe(&mut self) {
        self.data.wipe();
        self.texts.values_mut().for_each(Wipe::wipe);
        self.texts.clear();
        self.touched.clear();
        self.problem.wipe();
        match &mut self.stage {
            OwnFormStage::Reading { prepared, pages, .. } | OwnFormStage::Sending { prepared, pages, .. } => {
                prepared.application.wipe();
                prepared.pdf.zeroize();
                prepared.pages.iter_mut().for_each(Zeroize::zeroize);
                pages.wipe();
            }
            OwnFormStage::Sent { institution, subject } => {
                institution.wipe();
                subject.wipe();
            }
            OwnFormStage::Filling | OwnFormStage::Preparing => {}
        }
        self.stage = OwnFormStage::Filling;
        self.textures.clear();
    }
}

impl Wipe for CitizenScreen {
    fn wipe(&mut self) {
        self.person.wipe();
        match &mut self.cases {
            CitizenCases::Loaded(cases) => cases.wipe(),
            CitizenCases::Failed(text) => text.wipe(),
            CitizenCases::Loading => {}
        }
        self.inbox.wipe();
        if let Some(opened) = &mut self.opened {
            opened.wipe();
        }
        self.opened = None;
        if let Some(accesses) = &mut self.accesses {
            accesses.wipe();
        }
        self.accesses = None;
        self.delegations.wipe();
        self.delegate_code.wipe();
        self.mailboxes.wipe();
        self.chosen.wipe();
        self.access_notice.wipe();
        self.notice.wipe();
        self.shown.wipe();
        self.replying.wipe();
        self.filling.wipe();
        self.textures.clear();
    }
}

impl Drop for CitizenScreen {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wiped_citizen_screen_holds_nothing_of_the_citizen() {
        let person = device::login::Person {
            personal_code: "325035-11782".into(),
            given_name: "JĀNIS".into(),
            surname: "BĒRZIŅŠ".into(),
            roles: vec!["citizen".into()],
        };
        let mut screen = CitizenScreen::new(person);
        let letter: protocol::MessageDto = serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::nil(), "sender": "_DEFAULT@90000069281", "sender_name": "VID",
            "subject": "Lēmums par nodokli", "body": "Pielikumā lēmums.", "attachments": [
                {"name": "lēmums.pdf", "size": 3, "sha256": "ab"}
            ], "sent_at": "2026-12-05T10:00:00Z", "deliveries": []
        }))
        .unwrap();
        screen.inbox = Loadable::Loaded(vec![letter.clone()]);
        screen.opened = Some(Loadable::Loaded(letter.clone()));
        screen.delegate_code = "16117519997".into();
        screen.shown = Some(ShownDocument {
            name: "lēmums.pdf".into(),
            pages: vec![egui::ColorImage::new([2, 2], vec![egui::Color32::RED; 4])],
            total: 1,
        });
        let mut reply = ReplyDraft::new((letter.id, letter.subject.clone(), "VID".into()));
        reply.body = "Paldies, saņēmu.".into();
        screen.replying = Some(reply);
        screen.wipe();
        // Wiped documents and replies are gone altogether.
        assert!(screen.shown.is_none() && screen.replying.is_none());
        let left = format!(
            "{:?} {:?} {:?} {:?} {:?}",
            screen.person, screen.inbox, screen.opened, screen.delegate_code, screen.cases
        );
        for secret in ["325035", "BĒRZIŅŠ", "JĀNIS", "Lēmums", "lēmums", "Pielikumā", "16117519997", "Paldies"] {
            assert!(!left.contains(secret), "{secret:?} is left: {left}");
        }
        // What the screen still needs to draw is intact: an empty inbox, not a broken one.
        assert_eq!(screen.inbox, Loadable::Loaded(Vec::new()));
    }
}
