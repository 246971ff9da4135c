//! A PDF's pages as pictures, for screens that cannot show a PDF themselves (the kiosk).
//!
//! Poppler's `pdfinfo` and `pdftoppm` (Debian `poppler-utils`) do the reading; the document goes
//! to them through a pipe and the pictures come back the same way, so no copy of a citizen's
//! letter is ever written to disk. Each run is bounded in time and the pages in number: a
//! damaged or hostile file costs a few seconds at most and is then refused.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::PrintError;

/// How long one poppler run may take before it is stopped.
const RUN_LIMIT: Duration = Duration::from_secs(15);

/// The first pages of a PDF as PNG pictures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfPages {
    /// How many pages the document has (more than `pages` holds when it was cut short).
    pub total: u32,
    /// PNG pictures of pages 1, 2, … up to the limit asked for.
    pub pages: Vec<Vec<u8>>,
}

/// Renders the first `max_pages` pages of `pdf`, each scaled so its longer side is
/// `long_side_px` pixels. Not a PDF, damaged, or poppler missing: an error saying which.
pub fn pdf_pages(pdf: &[u8], max_pages: u32, long_side_px: u32) -> Result<PdfPages, PrintError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(PrintError::Preview("this is not a PDF file".into()));
    }
    let info = run("pdfinfo", &["-"], pdf, RUN_LIMIT)?;
    let total = String::from_utf8_lossy(&info)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:").and_then(|n| n.trim().parse::<u32>().ok()))
        .ok_or_else(|| PrintError::Preview("the PDF names no pages".into()))?;
    let scale = long_side_px.to_string();
    let pages = (1..=total.min(max_pages))
        .map(|page| {
            let page = page.to_string();
            let args = ["-png", "-scale-to", &scale, "-f", &page, "-l", &page, "-singlefile", "-"];
            let png = run("pdftoppm", &args, pdf, RUN_LIMIT)?;
            if !png.starts_with(b"\x89PNG") {
                return Err(PrintError::Preview(format!("page {page} could not be drawn")));
            }
            Ok(png)
        })
        .collect::<Result<Vec<_>, _>>()?;
    tracing::debug!(total, shown = pages.len(), "PDF pages drawn");
    Ok(PdfPages { total, pages })
}

/// Runs `program` with `input` on its standard input and answers its standard output; a run
/// that fails or outlasts `limit` is an error (the process is killed).
fn run(program: &str, args: &[&str], input: &[u8], limit: Duration) -> Result<Vec<u8>, PrintError> {
    if cfg!(not(unix)) {
        return Err(PrintError::Preview(
            "the print preview draws pages with poppler-utils (Linux) and is not built for this system yet: save the PDF to look at it".into(),
        ));
    }
    let mut command = confined(program);
    // Its own process group, so a timeout stops whatever it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child =
        command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(
            |e| PrintError::Preview(format!("{program} could not be started (is poppler-utils installed?): {e}")),
        )?;
    let (mut stdin, mut stdout, mut stderr) =
        (child.stdin.take().expect("piped"), child.stdout.take().expect("piped"), child.stderr.take().expect("piped"));
    // Writing and reading at once: a page's picture is bigger than a pipe holds.
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            // A reader that stops early (a damaged file) closes the pipe: not an error here.
            let _ = stdin.write_all(input);
        });
        let reader = scope.spawn(move || {
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).map(|_| out)
        });
        let errors = scope.spawn(move || {
            let mut out = String::new();
            let _ = stderr.read_to_string(&mut out);
            out
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if started.elapsed() > limit => {
                    if cfg!(unix) {
                        let group = format!("-{}", child.id());
                        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(PrintError::Preview(format!("{program} took longer than {} ms", limit.as_millis())));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => break Err(PrintError::Preview(format!("{program}: {e}"))),
            }
        };
        let _ = writer.join();
        let output = reader.join().expect("the reader does not panic");
        let errors = errors.join().expect("the reader does not panic");
        let status = status?;
        if !status.success() {
            let why = errors.lines().find(|l| l.contains("Error")).unwrap_or(errors.trim()).to_owned();
            return Err(PrintError::Preview(format!("the PDF could not be read: {why}")));
        }
        output.map_err(|e| PrintError::Preview(format!("{program}: {e}")))
    })
}

/// poppler parses files from strangers: it runs with a clean environment (nothing of the
/// app's, no session or display variables), and under `prlimit` where there is one, with
/// memory, CPU time, file size and open files limited, so a crafted PDF cannot take the
/// machine down or reach what the environment would have told it.
fn confined(program: &str) -> Command {
    const LIMITS: [&str; 4] = ["--as=1073741824", "--cpu=20", "--fsize=268435456", "--nofile=64"];
    let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].into_iter().find(|p| std::path::Path::new(p).exists());
    // A program that is not there is reported as missing, not as prlimit's failure.
    let installed =
        ["/usr/local/bin", "/usr/bin", "/bin"].iter().any(|dir| std::path::Path::new(dir).join(program).exists());
    let mut command = match prlimit.filter(|_| installed) {
        Some(prlimit) => {
            let mut command = Command::new(prlimit);
            command.args(LIMITS).arg("--").arg(program);
            command
        }
        None => Command::new(program),
    };
    command.env_clear().env("PATH", "/usr/local/bin:/usr/bin:/bin").env("LC_ALL", "C.UTF-8");
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Document, render};

    #[test]
    fn poppler_runs_with_a_clean_environment_and_limits() {
        // SAFETY of the check: the variable is read from the child's environment only.
        let seen = run("sh", &["-c", "env; ulimit -v; ulimit -n"], b"", Duration::from_secs(5)).unwrap();
        let seen = String::from_utf8(seen).unwrap();
        assert!(!seen.contains("HOME=") && !seen.contains("CARGO"), "the environment leaks in:\n{seen}");
        if std::path::Path::new("/usr/bin/prlimit").exists() {
            assert!(seen.contains("1048576\n64\n"), "limits not set:\n{seen}");
        }
    }

    fn letter(paragraphs: usize) -> Vec<u8> {
        render(&Document {
            title: "Lēmums par nekustamā īpašuma nodokli".into(),
            blocks: (0..paragraphs)
                .map(|i| Block::Paragraph(format!("{i}. rindkopa. {}", "Teksts ".repeat(60))))
                .collect(),
            footer: "Valsts ieņēmumu dienests".into(),
        })
        .unwrap()
    }

    fn png_size(png: &[u8]) -> (u32, u32) {
        // The IHDR chunk: width and height right after the signature and the chunk header.
        let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        (be(16), be(20))
    }

    #[test]
    fn a_letters_pages_come_back_as_pictures_of_the_asked_size() {
        let pdf = letter(2);
        let pages = pdf_pages(&pdf, 10, 800).unwrap();
        assert_eq!((pages.total, pages.pages.len()), (1, 1));
        let (width, height) = png_size(&pages.pages[0]);
        assert_eq!(height, 800, "an A4 page stands: its height is the long side");
        assert!((560..570).contains(&width), "A4 proportions: {width}");
    }

    #[test]
    fn a_long_document_is_cut_at_the_limit_and_says_how_long_it_is() {
        let pdf = letter(40);
        let pages = pdf_pages(&pdf, 2, 300).unwrap();
        assert!(pages.total > 2, "{}", pages.total);
        assert_eq!(pages.pages.len(), 2);
        assert_ne!(pages.pages[0], pages.pages[1]);
    }

    #[test]
    fn what_is_not_a_readable_pdf_is_refused_with_the_reason() {
        let not_pdf = pdf_pages(b"GIF89a", 10, 300).unwrap_err().to_string();
        assert!(not_pdf.contains("not a PDF"), "{not_pdf}");
        let damaged = pdf_pages(b"%PDF-1.7\nthis is no PDF at all\n", 10, 300).unwrap_err().to_string();
        assert!(damaged.contains("could not be read"), "{damaged}");
        let mut cut = letter(2);
        cut.truncate(cut.len() / 3);
        assert!(pdf_pages(&cut, 10, 300).is_err(), "a PDF cut short is not shown as if whole");
    }

    #[test]
    fn a_run_that_takes_too_long_is_stopped() {
        let started = Instant::now();
        let error = run("sh", &["-c", "sleep 30"], b"", Duration::from_millis(200)).unwrap_err().to_string();
        assert!(error.contains("took longer than 200 ms"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10), "killed, not waited for");
        let missing = run("pietura-no-such-program", &[], b"", RUN_LIMIT).unwrap_err().to_string();
        assert!(missing.contains("poppler-utils"), "{missing}");
    }
}
