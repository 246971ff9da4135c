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
        return Some(Printer { command: custom.into() });
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("lp")).find(|p| p.is_file()).map(|command| Printer { command })
}

impl Printer {
    /// Sends `content` (a PDF or a picture) to the default printer through `lp`'s standard
    /// input: no copy of a customer's document is ever left on disk for printing. Answers the
    /// job id `lp` printed.
    pub fn print(&self, content: &[u8], title: &str) -> Result<String, PrintError> {
        use std::process::Stdio;
        let mut child = Command::new(&self.command)
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
        tracing::info!(bytes = content.len(), answer = %stdout, "sent to the printer");
        Ok(stdout)
    }
}
