//! The invariants of ARCHITECTURE.md that a machine can check, checked: which crate may depend on
//! which, and that every crate keeps the workspace's lints (`unsafe_code = "forbid"` among them).
//! Each failure names the crate, the dependency and the reason the rule exists.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

struct Workspace {
    /// Package name → its direct normal (not dev, not build) dependencies' names.
    direct: BTreeMap<String, BTreeSet<String>>,
    /// Package name → every package its normal dependencies pull in, transitively.
    reachable: BTreeMap<String, BTreeSet<String>>,
    manifests: BTreeMap<String, String>,
}

fn workspace() -> Workspace {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(&root)
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let members: BTreeSet<&str> =
        metadata["workspace_members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    let name_of: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut manifests = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        if members.contains(package["id"].as_str().unwrap()) {
            let path = package["manifest_path"].as_str().unwrap();
            manifests.insert(package["name"].as_str().unwrap().to_owned(), std::fs::read_to_string(path).unwrap());
        }
    }
    // The resolved graph, normal dependencies only (what ships in the crate, not its tests).
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap();
        let normal = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dep| dep["dep_kinds"].as_array().unwrap().iter().any(|kind| kind["kind"].is_null()));
        edges.insert(id, normal.map(|dep| dep["pkg"].as_str().unwrap()).collect());
    }
    let mut direct = BTreeMap::new();
    let mut reachable = BTreeMap::new();
    for member in &members {
        let name = name_of[member].to_owned();
        direct.insert(name.clone(), edges[member].iter().map(|d| name_of[d].to_owned()).collect());
        let mut seen = BTreeSet::new();
        let mut todo = vec![*member];
        while let Some(id) = todo.pop() {
            for dep in &edges[id] {
                if seen.insert(name_of[dep].to_owned()) {
                    todo.push(dep);
                }
            }
        }
        reachable.insert(name, seen);
    }
    Workspace { direct, reachable, manifests }
}

/// Crates that do I/O (network, database, files, processes, windows), which pure crates must not
/// pull in even indirectly.
const IO_CRATES: &[&str] =
    &["tokio", "mio", "reqwest", "hyper", "axum", "rusqlite", "tokio-postgres", "tauri", "eframe", "pcsc", "keyring"];

#[test]
fn the_pure_crates_do_no_io() {
    let workspace = workspace();
    for (krate, why) in [
        ("domain", "the rules are tested without a database, network or window, and run the same everywhere"),
        ("protocol", "the wire contract is shared by the server and every device and must not drag either's I/O in"),
        ("forms", "the one validator runs the same on a desk offline and on the server, and fetches nothing"),
    ] {
        let found: Vec<&&str> = IO_CRATES.iter().filter(|io| workspace.reachable[krate].contains(**io)).collect();
        assert!(found.is_empty(), "{krate} depends on {found:?}: {why}");
    }
}

#[test]
fn the_server_never_depends_on_the_device_layer() {
    let workspace = workspace();
    assert!(
        !workspace.reachable["server"].contains("device"),
        "server depends on device: the server speaks the protocol only (`protocol`); the device layer is the \
         desk's and the kiosk's"
    );
    assert!(workspace.direct["server"].contains("protocol"));
    assert!(workspace.reachable["server"].contains("tokio"), "the graph is walked through (axum → tokio)");
}

#[test]
fn the_user_interfaces_reach_data_and_network_only_through_the_device_layer() {
    let workspace = workspace();
    for krate in ["desk", "kiosk"] {
        for forbidden in ["rusqlite", "reqwest", "tokio-postgres", "offline-store"] {
            assert!(
                !workspace.direct[krate].contains(forbidden),
                "{krate} depends on {forbidden} directly: the desk and the kiosk are thin adapters; SQL and HTTP \
                 live in `device` (and `offline-store` under it), where they are tested without a window"
            );
        }
        assert!(workspace.direct[krate].contains("device"), "{krate} should use the device layer");
    }
}

#[test]
fn every_crate_keeps_the_workspace_lints_so_none_may_use_unsafe() {
    let workspace = workspace();
    for (krate, manifest) in &workspace.manifests {
        let lints = manifest.split("[lints]").nth(1).and_then(|rest| rest.lines().find(|l| !l.trim().is_empty()));
        assert_eq!(
            lints.map(str::trim),
            Some("workspace = true"),
            "{krate} does not take the workspace's lints: `unsafe_code = \"forbid\"` and the clock ban hold only \
             where they are inherited"
        );
    }
}

/// The names in `text` between `open` and the next `close`, one per match.
fn names_between(text: &str, open: &str, close: char) -> BTreeSet<String> {
    text.split(open).skip(1).filter_map(|rest| rest.split(close).next()).map(str::to_owned).collect()
}

/// The desk's commands are named in five places that must agree: the build script (which makes
/// the permissions), the handler list, the window's capability, the UI's `api.ts`, and the
/// Playwright flows' fake backend. One missing is a command the UI calls and the app refuses, or
/// one the flows test that does not exist.
#[test]
fn the_desks_command_lists_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let build = read("src-tauri/build.rs");
    let listed = build.split("let commands = &[").nth(1).and_then(|rest| rest.split("];").next()).unwrap();
    let build_names: BTreeSet<String> = listed.split('"').skip(1).step_by(2).map(str::to_owned).collect();
    let lib = read("src-tauri/src/lib.rs");
    let handlers = lib.split("generate_handler![").nth(1).and_then(|rest| rest.split(']').next()).unwrap();
    let handler_names: BTreeSet<String> = handlers
        .split(',')
        .map(|path| path.trim().rsplit("::").next().unwrap_or_default().to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    let capability = read("src-tauri/capabilities/main.json");
    let capability_names: BTreeSet<String> =
        names_between(&capability, "\"allow-", '"').into_iter().map(|name| name.replace('-', "_")).collect();
    let api = read("ui/src/api.ts");
    // Every call goes through `call`, typed by the `Answers` map (the type checker holds the two together).
    let api_names = names_between(&api, "call(\"", '"');
    let fake = read("ui/flows/fake-backend.ts");
    let fake_names = names_between(&fake, "case \"", '"');
    assert!(build_names.len() > 40, "the build script's list was read: {build_names:?}");
    for (place, names) in [
        ("the handler list (src-tauri/src/lib.rs)", &handler_names),
        ("the capability (src-tauri/capabilities/main.json)", &capability_names),
        ("the UI (ui/src/api.ts)", &api_names),
        ("the flows' fake backend (ui/flows/fake-backend.ts)", &fake_names),
    ] {
        let missing: Vec<&String> = build_names.difference(names).collect();
        let extra: Vec<&String> = names.difference(&build_names).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{place} disagrees with src-tauri/build.rs: missing {missing:?}, not in build.rs {extra:?}"
        );
    }
}

/// Every reason the server may give for refusing an outbox entry (`protocol::rejection_codes`)
/// has words in Latvian and English under `cases.rejection.<code>`: the status bar, the case
/// page and the message list show it to the clerk.
#[test]
fn every_outbox_rejection_code_is_translated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let protocol = std::fs::read_to_string(root.join("protocol/src/lib.rs")).unwrap();
    let module = protocol.split("pub mod rejection_codes {").nth(1).unwrap().split("\n}").next().unwrap();
    let codes: Vec<&str> =
        module.lines().filter_map(|line| line.trim().strip_prefix("pub const ")?.split('"').nth(1)).collect();
    assert!(codes.len() >= 15 && codes.contains(&"form_invalid"), "the codes were found: {codes:?}");
    for language in ["lv", "en"] {
        let table: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("ui/src/locales/{language}.json"))).unwrap(),
        )
        .unwrap();
        let missing: Vec<&&str> = codes.iter().filter(|code| table["cases"]["rejection"][**code].is_null()).collect();
        assert!(missing.is_empty(), "ui/src/locales/{language}.json has no cases.rejection.<code> for {missing:?}");
    }
}

/// Every error code the device layer and the desk's commands make (`device::ErrorCode`, as its
/// generated declaration `ui/src/bindings/ErrorCode.ts` lists them) has a message in Latvian and
/// in English in the desk's translations: a code without one reaches the clerk as "unknown
/// error", which tells them nothing about what to do. And no code is made from a bare string
/// literal any more, which would bypass the enum.
#[test]
fn every_error_code_the_desk_can_show_is_translated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let declaration = std::fs::read_to_string(root.join("ui/src/bindings/ErrorCode.ts")).unwrap();
    let codes: BTreeSet<String> = declaration.split('"').skip(1).step_by(2).map(str::to_owned).collect();
    assert!(codes.len() > 40 && codes.contains("not_logged_in"), "the codes were found: {codes:?}");
    for language in ["lv", "en"] {
        let table: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("ui/src/locales/{language}.json"))).unwrap(),
        )
        .unwrap();
        let missing: Vec<&String> = codes.iter().filter(|code| table["errors"][code.as_str()].is_null()).collect();
        assert!(missing.is_empty(), "ui/src/locales/{language}.json has no errors.<code> for {missing:?}");
    }
    let mut sources = vec![root.join("device/src"), root.join("src-tauri/src"), root.join("kiosk/src")];
    while let Some(path) = sources.pop() {
        if path.is_dir() {
            sources.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("error_code.rs") {
            let text = std::fs::read_to_string(&path).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
            for opening in ["invalid(\"", "Error::new(\"", "Failure::new(\"", "Error { code: \"", "ErrorCode::named(\""]
            {
                let found = names_between(&text, opening, '"');
                assert!(
                    found.is_empty(),
                    "{}: error codes as strings {found:?}: use device::ErrorCode",
                    path.display()
                );
            }
        }
    }
}
