//! The virtual card through the real stack: the `pietura-virtual-card` binary on vpcd's socket,
//! a real `pcscd`, and the `pcsc` crate, exactly as the desk and kiosk reach a real card. Needs
//! pcscd running with vsmartcard-vpcd (`cargo xtask test` starts it); uses vpcd's second slot
//! (port 35964, reader `Virtual PCD 00 01`), leaving the first to the demo.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, ChildStdin, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use eid::{
    CardError, ParsedCertificate, TokenValidator, ValidatorConfig,
    apdu::{KeyKind, PIN_MIN_LENGTH, Pin},
    reader::Readers,
    test_ca::{Holder, TestCa},
};

const READER: &str = "Virtual PCD 00 01";
const VPCD: &str = "127.0.0.1:35964";
const ORIGIN: &str = "https://pietura.test";
const NONCE: &str = "q3Q2dDeAf1ssG1zBv9P9LDUhXdIJs1FP6fT6oNkkZmI=";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").unwrap().into()
}

/// A card in the reader, driven through the binary's standard input.
struct InsertedCard {
    child: Child,
    stdin: ChildStdin,
    events: mpsc::Receiver<String>,
}

impl InsertedCard {
    fn insert(ca: &TestCa, kind: KeyKind, dir: &std::path::Path) -> Self {
        let holder =
            Holder { given_name: "JĀNIS".into(), surname: "BĒRZIŅŠ".into(), personal_code: "010190-10003".into() };
        let profile = ca.issue_card(holder, kind, now() - chrono::Duration::days(30), None, "1234", "123456").unwrap();
        let file = dir.join(format!("{kind:?}.json"));
        std::fs::write(&file, profile.to_json().unwrap()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pietura-virtual-card"))
            .args(["insert", "--vpcd", VPCD])
            .arg(&file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let mut card = Self { child, stdin, events };
        card.expect("inserted");
        card
    }

    fn expect(&mut self, event: &str) {
        let line = self.events.recv_timeout(Duration::from_secs(25)).unwrap_or_else(|_| {
            panic!("the virtual card did not say {event:?}: is pcscd running with vsmartcard-vpcd? (`pcscd -f`)")
        });
        assert_eq!(line, event);
    }

    fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
    }
}

impl Drop for InsertedCard {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until pcscd reports the reader with (or without) a Latvian eID card.
fn wait_for_reader(readers: &Readers, with_card: bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let snapshot = readers.snapshot().expect("pcscd answers: is it running? (`pcscd -f`)");
        let reader = snapshot.iter().find(|r| r.name == READER);
        assert!(
            reader.is_some() || Instant::now() < deadline,
            "no reader {READER:?} in {snapshot:?}: is vsmartcard-vpcd installed?"
        );
        if reader.is_some_and(|r| r.latvian_eid == with_card && r.card_present == with_card) {
            return;
        }
        assert!(Instant::now() < deadline, "the reader never showed card present = {with_card}: {snapshot:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn validator(ca: &TestCa) -> TokenValidator {
    TokenValidator::new(ValidatorConfig {
        origin: ORIGIN.into(),
        trusted_cas: ParsedCertificate::all_from_pem(&ca.intermediate_pem().unwrap()).unwrap(),
        disallowed_policies: Vec::new(),
    })
    .unwrap()
}

fn pin(digits: &str) -> Pin {
    Pin::new(digits, PIN_MIN_LENGTH).unwrap()
}

/// Issue 15: both generations sign with PIN2 through pcscd; the signature verifies with the
/// card's signing certificate; a wrong PIN2 counts down and a right one restores the count.
/// A transport that times every APDU it passes to the card.
struct Counted<'a> {
    card: &'a pcsc::Card,
    exchanges: Vec<std::time::Duration>,
}

impl eid::session::Transport for Counted<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        let started = Instant::now();
        let answer = eid::session::Transport::transmit(&mut self.card, command);
        self.exchanges.push(started.elapsed());
        answer
    }
}

#[test]
fn both_card_generations_sign_with_pin2_through_pcscd() {
    use eid::certificate::{HashAlgorithm, Padding, SignatureEncoding};
    use eid::session::PinEntry;
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(now()).unwrap();
    let readers = Readers::new().expect("pcscd answers: is it running? (`pcscd -f`)");
    let pin2 = |digits: &str| Pin::new(digits, eid::apdu::PIN2_MIN_LENGTH).unwrap();
    for (kind, hash, padding) in [
        (KeyKind::EcP384, vec![9u8; 48], Padding::Ecdsa),
        (KeyKind::Rsa2048, vec![9u8; 32], Padding::RsaPkcs1(HashAlgorithm::Sha256)),
    ] {
        let mut inserted = InsertedCard::insert(&ca, kind, dir.path());
        wait_for_reader(&readers, true);
        let mut card = readers.connect(READER).unwrap();
        let certificate = card.with(|c| c.signing_certificate()).unwrap();
        let started = Instant::now();
        let (signature, exchanges) = card
            .in_transaction(|transaction| {
                let mut counted = eid::session::EidCard::new(Counted { card: transaction, exchanges: Vec::new() });
                let signature = counted.sign(PinEntry::Typed(&pin2("123456")), &hash)?;
                Ok((signature, counted.into_transport().exchanges))
            })
            .unwrap();
        let total = started.elapsed();
        let slowest = exchanges.iter().max().copied().unwrap_or_default();
        eprintln!(
            "{kind:?}: signed through pcscd in {total:?}: {} APDUs, {:?} each on average, slowest {slowest:?} (key directory, MSE, PIN2, PSO)",
            exchanges.len(),
            total / exchanges.len().max(1) as u32,
        );
        // The signing APDUs a card needs: select, MSE, VERIFY PIN2, PSO, and no more than a few reads.
        assert!((4..=12).contains(&exchanges.len()), "{kind:?}: {} APDUs", exchanges.len());
        let key = ParsedCertificate::from_der(&certificate).unwrap().public_key().unwrap();
        assert!(key.verify_prehashed(padding, &hash, &signature, SignatureEncoding::Raw), "{kind:?}");
        assert_eq!(
            card.with(|c| c.sign(PinEntry::Typed(&pin2("000000")), &hash)),
            Err(CardError::WrongPin { tries_left: 2 })
        );
        assert_eq!(card.with(|c| c.pin2_tries_left()).unwrap(), 2);
        card.with(|c| c.sign(PinEntry::Typed(&pin2("123456")), &hash)).unwrap();
        assert_eq!(card.with(|c| c.pin2_tries_left()).unwrap(), 3);
        // Out before the next card (or the next test's) goes in: pcscd must see it gone.
        inserted.send("remove");
        inserted.expect("removed");
        wait_for_reader(&readers, false);
    }
}

#[test]
fn both_key_types_log_in_through_pcscd_and_a_wrong_pin_counts_down_to_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(now()).unwrap();
    let readers = Readers::new().expect("pcscd answers: is it running? (`pcscd -f`)");
    for kind in [KeyKind::EcP384, KeyKind::Rsa2048] {
        let mut inserted = InsertedCard::insert(&ca, kind, dir.path());
        wait_for_reader(&readers, true);
        let mut card = readers.connect(READER).unwrap();
        let token = card.with(|c| c.sign_login(&pin("1234"), ORIGIN, NONCE, "https://pietura.lv/test")).unwrap();
        let validated = validator(&ca).validate(&token, NONCE, now()).unwrap();
        assert_eq!(validated.identity.personal_code(), Some(("LV", "010190-10003")), "{kind:?}");
        assert_eq!(validated.identity.given_name.as_deref(), Some("JĀNIS"));

        assert_eq!(card.with(|c| c.pin1_tries_left()).unwrap(), 3);
        for left in [2, 1] {
            assert_eq!(
                card.with(|c| c.authenticate(&pin("0000"), &[1; 32])),
                Err(CardError::WrongPin { tries_left: left })
            );
        }
        assert_eq!(card.with(|c| c.authenticate(&pin("0000"), &[1; 32])), Err(CardError::PinBlocked));
        assert_eq!(card.with(|c| c.authenticate(&pin("1234"), &[1; 32])), Err(CardError::PinBlocked));
        assert_eq!(card.with(|c| c.pin1_tries_left()).unwrap(), 0);

        // Taking the card out shows at once, and the open connection says so.
        inserted.send("remove");
        inserted.expect("removed");
        wait_for_reader(&readers, false);
        assert_eq!(card.with(|c| c.pin1_tries_left()), Err(CardError::CardRemoved));
        assert_eq!(readers.connect(READER).err(), Some(CardError::NoCard));
    }
}

#[test]
fn a_reader_watch_sees_the_card_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::generate(now()).unwrap();
    let readers = Readers::new().expect("pcscd answers: is it running? (`pcscd -f`)");
    wait_for_reader(&readers, false);
    let before = readers.snapshot().unwrap();
    let mut inserted = InsertedCard::insert(&ca, KeyKind::EcP384, dir.path());
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = before.clone();
    while !seen.iter().any(|r| r.name == READER && r.latvian_eid) {
        assert!(Instant::now() < deadline, "the watch never saw the card: {seen:?}");
        seen = readers.wait_for_change(&seen, Duration::from_secs(2)).unwrap();
    }
    inserted.send("remove");
    while seen.iter().any(|r| r.name == READER && r.card_present) {
        assert!(Instant::now() < deadline, "the watch never saw the card go: {seen:?}");
        seen = readers.wait_for_change(&seen, Duration::from_secs(2)).unwrap();
    }
}
