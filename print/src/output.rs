//! Where a rendered PDF goes: a file the clerk asked for (written atomically, never
//! half-visible), or, where the system has CUPS, the default printer through `lp`'s standard
//! input (no file).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::PrintError;

/// Writes `bytes` to `dir/file_name` through a temporary file and a rename, so a reader never
/// sees half a receipt; an existing file of that name is replaced.
pub fn save_pdf(dir: &Path, file_name: &str, bytes: &[u8]) -> Result<PathBuf, PrintError> {
    let write_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| PrintError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let safe_name: String =
        file_name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    let target = dir.join(safe_name);
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(write_error(dir))?;
    file.write_all(bytes).map_err(write_error(&target))?;
    file.as_file().sync_all().map_err(write_error(&target))?;
    file.persist(&target).map_err(|e| PrintError::Write { path: target.display().to_string(), source: e.error })?;
    Ok(target)
}

/// A printer reached through a CUPS-style `lp` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    pub command: PathBuf,
    /// The CUPS server to ask (`host:port`), when not the system's own (`lp -h`).
    pub server: Option<String>,
}

/// What happened to a receipt or a copy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrintOutcome {
    /// The file saved, when the clerk asked to save it (printing keeps no file).
    pub pdf: Option<PathBuf>,
    /// The print job `lp` named, when sent to a printer.
    pub job: Option<String>,
}

/// The system's `lp` when it is installed (`PIETURA_LP` names another, for tests), else `None`:
/// the desk then offers the saved PDF.
pub fn system_printer() -> Option<Printer> {
    if let Some(custom) = std::env::var_os("PIETURA_LP") {
        return Some(Printer { command: custom.into(), server: None });
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("lp"))
        .find(|p| p.is_file())
        .map(|command| Printer { command, server: None })
}

/// A printer the system offers (a CUPS destination).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Destination {
    pub name: String,
    /// The system's default destination.
    pub default: bool,
}

/// What printing says where CUPS's `lp` is not the way to print (Windows): the desk still saves
/// every document as a PDF, which the clerk prints from a PDF viewer.
const NOT_ON_THIS_SYSTEM: &str = "printing straight from the desk works through CUPS (Linux) and is not built for this system yet: save the PDF and print it from a PDF viewer";

/// The most copies one print asks for (a slip of the finger should not empty the paper tray).
pub const MAX_COPIES: u32 = 20;

impl Printer {
    /// The `lpstat` beside this printer's `lp` (CUPS installs both in one folder).
    fn lpstat(&self) -> PathBuf {
        self.command.with_file_name("lpstat")
    }

    /// The printers the system offers, the default first. No `lpstat`, or CUPS not answering:
    /// an error saying so (printing to the default printer may still work).
    pub fn destinations(&self) -> Result<Vec<Destination>, PrintError> {
        if cfg!(not(unix)) {
            return Err(PrintError::Printer(NOT_ON_THIS_SYSTEM.into()));
        }
        let lpstat = self.lpstat();
        let run = |args: &[&str]| -> Result<String, PrintError> {
            let mut command = Command::new(&lpstat);
            // Its answers are read, not shown: in English, whatever the desk's locale.
            command.env("LC_ALL", "C.UTF-8");
            if let Some(server) = &self.server {
                command.arg("-h").arg(server);
            }
            let output = command
                .args(args)
                .output()
                .map_err(|e| PrintError::Printer(format!("{} could not be started: {e}", lpstat.display())))?;
            if !output.status.success() {
                let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
                return Err(PrintError::Printer(format!("{} {}: {stderr}", lpstat.display(), args.join(" "))));
            }
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        };
        // lpstat answers 0 whether or not CUPS is there: ask it first.
        let scheduler = run(&["-r"])?;
        if !scheduler.contains("is running") {
            return Err(PrintError::Printer(format!("the print system (CUPS) does not answer: {}", scheduler.trim())));
        }
        let names = run(&["-e"])?;
        // "system default destination: NAME", or "no system default destination" (exit 0).
        let default = run(&["-d"]).ok().and_then(|text| {
            text.lines().find_map(|line| line.split_once("destination:").map(|(_, name)| name.trim().to_owned()))
        });
        Ok(parse_destinations(&names, default.as_deref()))
    }

    /// Sends `content` (a PDF or a picture) to the default printer through `lp`'s standard
    /// input: no copy of a customer's document is ever left on disk for printing. Answers the
    /// job id `lp` printed.
    pub fn print(&self, content: &[u8], title: &str) -> Result<String, PrintError> {
        self.print_to(content, title, None, 1)
    }

    /// [`Printer::print`] to `destination` (the default when none), `copies` times.
    pub fn print_to(
        &self,
        content: &[u8],
        title: &str,
        destination: Option<&str>,
        copies: u32,
    ) -> Result<String, PrintError> {
        use std::process::Stdio;
        if cfg!(not(unix)) {
            return Err(PrintError::Printer(NOT_ON_THIS_SYSTEM.into()));
        }
        if !(1..=MAX_COPIES).contains(&copies) {
            return Err(PrintError::Printer(format!("between 1 and {MAX_COPIES} copies, not {copies}")));
        }
        let mut command = Command::new(&self.command);
        if let Some(server) = &self.server {
            command.arg("-h").arg(server);
        }
        if let Some(destination) = destination {
            // A name as lpstat gave it: refuse anything that could be read as an option.
            if destination.is_empty() || destination.starts_with('-') || destination.chars().any(char::is_whitespace) {
                return Err(PrintError::Printer(format!("{destination:?} is not a printer's name")));
            }
            command.arg("-d").arg(destination);
        }
        if copies > 1 {
            command.arg("-n").arg(copies.to_string());
        }
        let mut child = command
            .arg("-t")
            .arg(title)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| PrintError::Printer(format!("{} could not be started: {e}", self.command.display())))?;
        let mut stdin = child.stdin.take().expect("piped");
        // Written on a thread of its own: `lp` may answer before it has read everything.
        let written = std::thread::scope(|scope| {
            let writer = scope.spawn(move || stdin.write_all(content));
            let output = child.wait_with_output();
            (writer.join(), output)
        });
        let output = written.1.map_err(|e| PrintError::Printer(format!("{}: {e}", self.command.display())))?;
        let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            return Err(PrintError::Printer(if stderr.is_empty() { stdout } else { stderr }));
        }
        if !matches!(written.0, Ok(Ok(()))) {
            return Err(PrintError::Printer(format!("{} did not take the whole document", self.command.display())));
        }
        tracing::info!(bytes = content.len(), ?destination, copies, answer = %stdout, "sent to the printer");
        Ok(stdout)
    }
}

/// `lpstat -e` (one destination a line) with the default named by `lpstat -d`: the default
/// first, then by name.
pub fn parse_destinations(names: &str, default: Option<&str>) -> Vec<Destination> {
    let mut list: Vec<Destination> = names
        .lines()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| Destination { name: name.to_owned(), default: Some(name) == default })
        .collect();
    list.sort_by(|a, b| b.default.cmp(&a.default).then_with(|| a.name.cmp(&b.name)));
    list.dedup();
    list
}

#[cfg(test)]
mod destination_tests {
    use super::*;

    #[test]
    fn destinations_put_the_default_first_and_ignore_blank_lines() {
        let list = parse_destinations("Zale_HP\nKopetajs\n\n  Kase \n", Some("Kopetajs"));
        let names: Vec<(&str, bool)> = list.iter().map(|d| (d.name.as_str(), d.default)).collect();
        assert_eq!(names, [("Kopetajs", true), ("Kase", false), ("Zale_HP", false)]);
        assert!(parse_destinations("", None).is_empty());
    }

    #[test]
    fn copies_and_destinations_are_checked_before_lp_runs() {
        let printer = Printer { command: "/nonexistent/lp".into(), server: None };
        for (destination, copies) in [(None, 0), (None, MAX_COPIES + 1), (Some("-o evil"), 1), (Some("a b"), 1)] {
            let refused = printer.print_to(b"%PDF-1.7", "t", destination, copies).unwrap_err().to_string();
            assert!(!refused.contains("could not be started"), "{destination:?} {copies}: {refused}");
        }
    }
}
