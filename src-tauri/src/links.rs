//! Links out of the app: a web page opens in the system's browser, never in the desk's window
//! (which would leave the app, its state and its login behind, and give a web page the app's
//! window). The web view may only ever show the app itself.

use tauri::{Runtime, Url, plugin::TauriPlugin};

/// An address to hand to the browser: `http` or `https` with a host, nothing else.
pub fn external(url: &str) -> Option<Url> {
    let parsed = Url::parse(url).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some_and(|h| !h.is_empty())).then_some(parsed)
}

/// Whether `url` is the app's own page (Tauri serves it as `tauri://localhost`, or
/// `http(s)://tauri.localhost` where custom schemes go over HTTP).
pub fn is_app(url: &Url) -> bool {
    url.scheme() == "tauri" || url.host_str() == Some("tauri.localhost") || url.scheme() == "about"
}

pub fn open_in_browser(url: &Url) -> std::io::Result<()> {
    tracing::info!(host = url.host_str().unwrap_or_default(), "opening a link in the system browser");
    open::that_detached(url.as_str())
}

/// Stops every navigation away from the app; a web address goes to the system browser instead.
pub fn keep_window_on_app<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("links")
        .on_navigation(|_webview, url| {
            if is_app(url) {
                return true;
            }
            match external(url.as_str()) {
                Some(web) => {
                    if let Err(error) = open_in_browser(&web) {
                        tracing::warn!(%error, "the system browser could not be opened");
                    }
                }
                None => tracing::warn!(scheme = url.scheme(), "a navigation away from the app was stopped"),
            }
            false
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_leave_and_only_the_app_stays() {
        assert!(external("https://www.riga.lv/lv/nodevas").is_some());
        assert!(external("http://latvija.gov.lv").is_some());
        for refused in
            ["file:///etc/passwd", "javascript:alert(1)", "tauri://localhost/", "mailto:a@b.lv", "https://", "nav"]
        {
            assert!(external(refused).is_none(), "{refused}");
        }
        assert!(is_app(&Url::parse("tauri://localhost/index.html").unwrap()));
        assert!(is_app(&Url::parse("http://tauri.localhost/").unwrap()));
        assert!(!is_app(&Url::parse("https://www.riga.lv/").unwrap()));
    }
}
