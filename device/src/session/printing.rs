//! Printing at a desk: with preview on (the desk turns it on), what the clerk sends to the
//! printer is first held in memory and shown as pages, with the system's printers to choose
//! from and a number of copies; only "Print" in that preview sends it. Nothing is written to disk
//! for printing either way. Kiosks and tests print at once.

use base64::Engine;
use serde::Serialize;
use uuid::Uuid;

use super::{DeviceSession, SessionError};
use crate::ErrorCode;

/// Pages shown in a preview at most (the rest are counted).
pub const PREVIEW_PAGES: u32 = 10;
/// The longer side of a previewed page, in pixels.
const PREVIEW_PIXELS: u32 = 1000;

/// What a print request made: the PDF kept (saving), the job a printer took (printing), or a
/// preview to confirm first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrintOutcome {
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub pdf: Option<std::path::PathBuf>,
    pub job: Option<String>,
    pub preview: Option<PrintPreview>,
}

impl PrintOutcome {
    pub(super) fn saved(pdf: std::path::PathBuf) -> Self {
        Self { pdf: Some(pdf), job: None, preview: None }
    }

    pub(super) fn printed(job: String) -> Self {
        Self { pdf: None, job: Some(job), preview: None }
    }
}

/// A document held for printing: its pages as pictures and where it can go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrintPreview {
    /// Names the held document in [`DeviceSession::print_held`].
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub token: Uuid,
    pub title: String,
    /// The first pages as `data:` URLs (PNG for a PDF's pages; a picture as it is).
    pub pages: Vec<String>,
    pub total_pages: u32,
    /// The system's printers, the default first; empty when none can be listed.
    pub printers: Vec<Printer>,
    /// Why no printer is listed (`no_printer`, `print_failed`), for the clerk's language.
    pub printers_problem: Option<ErrorCode>,
    pub max_copies: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Printer {
    pub name: String,
    pub default: bool,
}

/// What is done once a held document is printed (e.g. noting it in the customer's visit).
pub(super) type AfterPrint = Box<dyn FnOnce(&DeviceSession) + Send>;

/// A document waiting for the clerk's "Print" in the preview; in memory only.
pub(super) struct HeldPrint {
    token: Uuid,
    title: String,
    content: Vec<u8>,
    after: Option<AfterPrint>,
}

fn failed(error: print::PrintError) -> SessionError {
    SessionError::new(ErrorCode::PrintFailed, error.to_string())
}

impl DeviceSession {
    /// The desk previews before printing; a kiosk (and a test) prints at once.
    pub fn set_print_preview(&self, on: bool) {
        *self.print_preview.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = on;
    }

    fn previews(&self) -> bool {
        *self.print_preview.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Prints `content` (a PDF or a picture) now, or holds it and answers its preview.
    pub(super) fn print_or_hold(
        &self,
        content: &[u8],
        title: &str,
        after: Option<AfterPrint>,
    ) -> Result<PrintOutcome, SessionError> {
        if !self.previews() {
            let printer = self.printer().ok_or_else(|| {
                SessionError::new(ErrorCode::NoPrinter, "no printer is set up on this computer: save the file instead")
            })?;
            let job = printer.print(content, title).map_err(failed)?;
            if let Some(after) = after {
                after(self);
            }
            return Ok(PrintOutcome::printed(job));
        }
        let (pages, total_pages) = preview_pages(content)?;
        let (printers, printers_problem) = match self.printer() {
            None => (Vec::new(), Some(ErrorCode::NoPrinter)),
            Some(printer) => match printer.destinations() {
                Ok(list) if list.is_empty() => (Vec::new(), Some(ErrorCode::NoPrinter)),
                Ok(list) => (list.into_iter().map(|d| Printer { name: d.name, default: d.default }).collect(), None),
                Err(error) => {
                    // `lp` may still reach a default printer: the preview offers it.
                    tracing::warn!(%error, "the printers could not be listed");
                    (Vec::new(), Some(ErrorCode::PrintFailed))
                }
            },
        };
        let token = Uuid::new_v4();
        *self.held_print.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(HeldPrint { token, title: title.to_owned(), content: content.to_vec(), after });
        Ok(PrintOutcome {
            pdf: None,
            job: None,
            preview: Some(PrintPreview {
                token,
                title: title.to_owned(),
                pages,
                total_pages,
                printers,
                printers_problem,
                max_copies: print::MAX_COPIES,
            }),
        })
    }

    /// Sends the held document to `printer` (the system's default when none), `copies` times.
    /// A preview replaced by a newer one, or printed already, is "not found".
    pub fn print_held(&self, token: Uuid, printer: Option<&str>, copies: u32) -> Result<PrintOutcome, SessionError> {
        let mut held = self.held_print.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.as_ref().is_none_or(|h| h.token != token) {
            return Err(SessionError::new(ErrorCode::NotFound, "this preview is no longer open: print again"));
        }
        let system = self.printer().ok_or_else(|| {
            SessionError::new(ErrorCode::NoPrinter, "no printer is set up on this computer: save the file instead")
        })?;
        let document = held.as_ref().expect("checked above");
        let job = system.print_to(&document.content, &document.title, printer, copies).map_err(failed)?;
        // Printed: it is let go (and what follows printing is done) only now, so a refused
        // print can be tried again on another printer.
        let after = held.take().and_then(|h| h.after);
        drop(held);
        if let Some(after) = after {
            after(self);
        }
        Ok(PrintOutcome::printed(job))
    }

    /// The clerk closed the preview without printing: the document is let go.
    pub fn drop_held_print(&self) {
        self.held_print.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    }
}

/// A document's first pages as `data:` URLs and how many pages it has.
fn preview_pages(content: &[u8]) -> Result<(Vec<String>, u32), SessionError> {
    let encode = |media_type: &str, bytes: &[u8]| {
        format!("data:{media_type};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    };
    match domain::case::document_media_type(content) {
        Some("application/pdf") => {
            let pages = print::preview::pdf_pages(content, PREVIEW_PAGES, PREVIEW_PIXELS)
                .map_err(|e| SessionError::new(ErrorCode::DocumentNoPreview, e.to_string()))?;
            Ok((pages.pages.iter().map(|png| encode("image/png", png)).collect(), pages.total))
        }
        // What a web view draws; a TIFF scan it cannot.
        Some(picture @ ("image/png" | "image/jpeg")) => Ok((vec![encode(picture, content)], 1)),
        _ => Err(SessionError::new(ErrorCode::DocumentNoPreview, "only PDFs and pictures are printed")),
    }
}
