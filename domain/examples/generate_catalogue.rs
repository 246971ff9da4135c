//! Writes a benchmark-scale catalogue as `.pietura.json` for `pietura-server catalogue import`.
//!
//! `cargo run --release -p domain --features generate --example generate_catalogue -- OUT SERVICES ARTICLES [CHANGED]`
//! With CHANGED, writes instead CHANGED services of the same catalogue with new descriptions
//! (an institution's day of edits, for the incremental sync measurement).

use domain::catalogue_gen;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, services, articles, rest @ ..] = args.as_slice() else {
        eprintln!("usage: generate_catalogue OUT SERVICES ARTICLES [CHANGED]");
        std::process::exit(2);
    };
    let number = |s: &str| s.parse::<usize>().unwrap_or_else(|_| panic!("{s} is not a number"));
    let mut generated = catalogue_gen::catalogue(0x5049_4554_5552_4131, number(services), number(articles));
    let json = match rest.first() {
        Some(changed) => {
            let mut services: Vec<_> = generated.services.drain(..number(changed)).collect();
            for service in &mut services {
                service.description.set("lv", "Apraksts atjaunināts: iesniegumu var iesniegt arī e-adresē.");
            }
            serde_json::json!({ "services": services })
        }
        None => serde_json::json!({
            "organisations": generated.organisations,
            "services": generated.services,
            "articles": generated.articles,
        }),
    };
    std::fs::write(out, json.to_string()).expect("the output file can be written");
}
