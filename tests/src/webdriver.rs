//! Just enough of the W3C WebDriver protocol to drive the desk app through tauri-driver.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::screen::Screen;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    http: Http,
    base: String,
    /// The X screen the app is on, which its pictures are taken from.
    screen: Arc<Screen>,
}

/// Async reqwest on a small runtime of its own, so tests read top to bottom.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Session {
    /// Opens a session in which tauri-driver (at `driver_url`) launches `application` on `screen`
    /// (the display tauri-driver was given).
    pub fn start(driver_url: &str, application: &std::path::Path, screen: Arc<Screen>) -> Result<Self> {
        // reqwest is built without a bundled crypto provider; the workspace uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?;
        let http = Http { runtime, client };
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "wry",
                "tauri:options": { "application": application.to_string_lossy() }
            }}
        });
        let created = call(&http, "POST", &format!("{driver_url}/session"), Some(capabilities))?;
        let id = created["sessionId"].as_str().context("no session id")?.to_owned();
        Ok(Self { http, base: format!("{driver_url}/session/{id}"), screen })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        call(&self.http, method, &format!("{}{path}", self.base), body)
    }

    /// The first element matching a CSS selector, if any.
    pub fn find(&self, css: &str) -> Result<Option<String>> {
        let found = self.call("POST", "/elements", Some(json!({ "using": "css selector", "value": css })))?;
        Ok(found.as_array().and_then(|a| a.first()).and_then(|e| e[ELEMENT_KEY].as_str()).map(str::to_owned))
    }

    pub fn element(&self, css: &str) -> Result<String> {
        self.find(css)?.with_context(|| format!("no element matches {css}"))
    }

    pub fn text(&self, css: &str) -> Result<String> {
        let id = self.element(css)?;
        Ok(self.call("GET", &format!("/element/{id}/text"), None)?.as_str().unwrap_or_default().to_owned())
    }

    pub fn attribute(&self, css: &str, name: &str) -> Result<Option<String>> {
        let id = self.element(css)?;
        Ok(self.call("GET", &format!("/element/{id}/attribute/{name}"), None)?.as_str().map(str::to_owned))
    }

    pub fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let id = self.element(css)?;
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})))?;
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })))?;
        Ok(())
    }

    /// Chooses a file for an `<input type=file>` (which may be visually hidden behind its label).
    pub fn choose_file(&self, css: &str, path: &std::path::Path) -> Result<()> {
        let id = self.element(css)?;
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": path.display().to_string() })))?;
        Ok(())
    }

    /// Sends keys to an element without clearing it first (WebDriver key codes, e.g. Enter = \u{E007}).
    pub fn press(&self, css: &str, keys: &str) -> Result<()> {
        let id = self.element(css)?;
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": keys })))?;
        Ok(())
    }

    /// Runs a script in the page and returns its result.
    /// Waits until `check` holds, like [`crate::processes::wait_until`]; when it does not, the
    /// error also says what the window showed (its text), so a failure far away (CI) can be read.
    pub fn wait(
        &self,
        what: &str,
        timeout: std::time::Duration,
        check: impl FnMut() -> Result<bool>,
    ) -> Result<std::time::Duration> {
        crate::processes::wait_until(what, timeout, check).map_err(|error| {
            let shown = self
                .execute("return document.body ? document.body.innerText : ''")
                .ok()
                .and_then(|text| text.as_str().map(|t| t.chars().take(1500).collect::<String>()))
                .unwrap_or_else(|| "(the window could not be read)".into());
            anyhow::anyhow!("{error:#}\nthe window showed:\n{shown}")
        })
    }

    pub fn execute(&self, script: &str) -> Result<Value> {
        self.call("POST", "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    /// Clicks an element, first scrolled to the middle of the window: WebKitWebDriver misses
    /// elements at the window's bottom edge (it scrolls them only just into view).
    pub fn click(&self, css: &str) -> Result<()> {
        let id = self.element(css)?;
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].scrollIntoView({ block: 'center' })",
                "args": [{ "element-6066-11e4-a52e-4f735466cecf": id }]
            })),
        )?;
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})))?;
        Ok(())
    }

    /// Sets the window's size (WebDriver's Set Window Rect), as a clerk would drag it.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.call("POST", "/window/rect", Some(json!({ "width": width, "height": height })))?;
        Ok(())
    }

    /// The window's size, as WebDriver's Get Window Rect says.
    pub fn window_size(&self) -> Result<(u64, u64)> {
        let rect = self.call("GET", "/window/rect", None)?;
        Ok((rect["width"].as_u64().context("no width")?, rect["height"].as_u64().context("no height")?))
    }

    /// Saves a PNG of the window as the screen shows it. Not WebDriver's own screenshot: the
    /// desk's web view is drawn without the GPU, and WebKitWebDriver's snapshot of such a view
    /// now and then never answers (WebKitGTK 2.50).
    pub fn screenshot(&self, path: &std::path::Path) -> Result<()> {
        let rect = self.call("GET", "/window/rect", None)?;
        let number = |name: &str| -> Result<u32> {
            let value = rect[name].as_f64().with_context(|| format!("the window's {name}"))?;
            Ok(value.max(0.0) as u32)
        };
        self.screen.screenshot_area(path, (number("x")?, number("y")?, number("width")?, number("height")?))
    }

    /// Ends the session, which closes the app.
    pub fn end(self) -> Result<()> {
        call(&self.http, "DELETE", &self.base, None)?;
        Ok(())
    }
}

fn call(http: &Http, method: &str, url: &str, body: Option<Value>) -> Result<Value> {
    let method: reqwest::Method = method.parse()?;
    let mut request = http.client.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response: Value = http.runtime.block_on(async { request.send().await?.json::<Value>().await })?;
    if let Some(error) = response["value"]["error"].as_str() {
        bail!("WebDriver {url}: {error}: {}", response["value"]["message"]);
    }
    Ok(response["value"].clone())
}
