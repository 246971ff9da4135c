// Included (`include!`) by each crate's `fuzz_regressions` test: every input the fuzzers start
// from or ever found for `target` (`fuzz/seeds/`, `fuzz/regressions/`), with its path.

/// Runs `target`'s fuzz function on each input, naming the input first (so a panic says which).
fn replay(target: &str, fuzz: impl Fn(&[u8])) {
    for (path, data) in inputs(target) {
        eprintln!("{}", path.display());
        fuzz(&data);
    }
}

fn inputs(target: &str) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut found = Vec::new();
    for folder in ["seeds", "regressions"] {
        let dir = fuzz.join(folder).join(target);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n != "README") {
                found.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(!found.is_empty(), "no seeds for {target}");
    found
}
