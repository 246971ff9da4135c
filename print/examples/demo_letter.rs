//! Writes the demo letter's attachment (`server/demo/suna-registracija.pdf`), a decision in the
//! receipts' layout: `cargo run -p print --example demo_letter`.

use print::{Block, Document, render};

fn main() {
    let document = Document {
        title: "Atgādinājums par suņa reģistrāciju".into(),
        blocks: vec![
            Block::Paragraph("Rīgā, 2026. gada 20. novembrī".into()),
            Block::Fields(vec![
                ("Adresāts".into(), "JĀNIS BĒRZIŅŠ".into()),
                ("E-adrese".into(), "_PRIVATE@32503511782".into()),
                ("Lietas Nr.".into(), "RD-2026-11-4417".into()),
            ]),
            Block::Heading("Kas jādara".into()),
            Block::Paragraph(
                "Pašvaldības rīcībā ir ziņas, ka Jūsu īpašumā ir suns, kas nav reģistrēts Lauksaimniecības datu \
                 centra Mājas (istabas) dzīvnieku reģistrā. Suns jāreģistrē 14 dienu laikā pēc šī atgādinājuma \
                 saņemšanas."
                    .into(),
            ),
            Block::Items(vec![
                "Dodieties pie praktizējoša veterinārārsta, kas suni apzīmēs ar mikroshēmu un reģistrēs.".into(),
                "Samaksājiet suņa nodevu pašvaldībai (par suni, kas reģistrēts pirmo reizi, — atlaide).".into(),
                "Ja suns Jums vairs nepieder, atbildiet uz šo vēstuli savā e-adresē.".into(),
            ]),
            Block::Heading("Kur saņemt palīdzību".into()),
            Block::Paragraph(
                "Valsts un pašvaldību vienotajos klientu apkalpošanas centros un bibliotēkās Jums palīdzēs \
                 pieteikt pakalpojumu un atbildēt uz šo vēstuli."
                    .into(),
            ),
        ],
        footer: "Rīgas valstspilsētas pašvaldība · demo vēstule, nav īsta".into(),
    };
    let pdf = render(&document).expect("the demo letter renders");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/suna-registracija.pdf");
    std::fs::write(&path, pdf).expect("server/demo is writable");
    println!("{}", path.display());
}
