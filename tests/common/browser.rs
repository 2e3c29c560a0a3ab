//! A small Chrome DevTools Protocol client for tests: opens a page in headless Chromium and
//! reports what a person would notice (console errors, requests to elsewhere, the text) with
//! a full-page screenshot.
//!
//! Chromium is started fresh for each page (its own temporary profile, no network services,
//! `--remote-debugging-port=0`), driven over one WebSocket with flattened target sessions, and
//! killed with its whole process group when the [`Browser`] is dropped, also when a test
//! panics. Where Chromium is missing, [`open_page`] prints a notice and returns `None`, unless
//! `PANTAU_REQUIRE_CHROMIUM` is set (CI sets it), which makes a missing Chromium a failure.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The longest any one step (start, a command, a page load) may take.
const STEP: Duration = Duration::from_secs(60);

/// What a page did when it was opened.
#[derive(Debug, Clone)]
pub struct PageReport {
    /// Console errors and warnings, uncaught exceptions and browser log errors, as text.
    pub console_errors: Vec<String>,
    /// Every URL the page requested other than its own (and `data:` URLs).
    pub requests: Vec<String>,
    /// `document.body.innerText`.
    pub text: String,
    /// Where the full-page PNG was written.
    pub screenshot: PathBuf,
}

/// None (after printing a notice) when chromium is missing and PANTAU_REQUIRE_CHROMIUM is unset; panics when it is set and chromium is missing.
pub async fn open_page(url: &str, width: u32, screenshot: &Path) -> Option<PageReport> {
    let mut browser = Browser::launch().await?;
    let mut page = browser.page(width).await;
    page.goto(url).await;
    let text = page.text().await;
    page.screenshot(screenshot).await;
    let (console_errors, requests) = page.report(url);
    Some(PageReport {
        console_errors,
        requests,
        text,
        screenshot: screenshot.to_path_buf(),
    })
}

/// Prints `url` to a PDF at `pdf` on A4 (the page's own `@page` size wins, as in a browser's
/// print dialog) and returns its number of pages; `None` as [`open_page`] when Chromium is
/// missing.
pub async fn print_pdf(url: &str, pdf: &Path) -> Option<usize> {
    let mut browser = Browser::launch().await?;
    let mut page = browser.page(1100).await;
    page.goto(url).await;
    let result = page
        .call(
            "Page.printToPDF",
            json!({
                "paperWidth": 8.27,
                "paperHeight": 11.69,
                "preferCSSPageSize": true,
                "printBackground": true,
            }),
        )
        .await;
    let bytes = base64_decode(result["data"].as_str().expect("printToPDF returns data"));
    std::fs::write(pdf, &bytes).expect("the PDF is written");
    Some(pdf_pages(&bytes))
}

/// Where tests keep artefacts: $CARGO_TARGET_TMPDIR/../artefacts (created), so CI can keep them.
pub fn artefact_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../artefacts");
    std::fs::create_dir_all(&dir).expect("the artefact folder can be created");
    dir.canonicalize().unwrap_or(dir)
}

/// The Chromium binary: `$PANTAU_CHROMIUM`, else the first of the usual names on `PATH`.
fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PANTAU_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running headless Chromium and the WebSocket to it. Dropping it kills Chromium.
pub struct Browser {
    child: Child,
    socket: Socket,
    next_id: u64,
    /// Events read while waiting for a reply, kept for whoever asks next.
    events: VecDeque<Value>,
    /// The throw-away profile; removed after Chromium is gone (field order matters only in
    /// that `Drop::drop` runs before fields are dropped).
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium, or returns `None` (see [`open_page`]) when there is none.
    pub async fn launch() -> Option<Browser> {
        let Some(binary) = find_chromium() else {
            if std::env::var_os("PANTAU_REQUIRE_CHROMIUM").is_some() {
                panic!(
                    "PANTAU_REQUIRE_CHROMIUM is set but no chromium was found on PATH \
                     (install Debian's chromium package)"
                );
            }
            println!("CATATAN: chromium tidak ditemukan; uji peramban ini dilewati");
            return None;
        };
        let profile = tempfile::tempdir().expect("a temporary profile folder");
        let mut command = Command::new(&binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--hide-scrollbars",
                "--font-render-hinting=none",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--remote-debugging-port=0", "about:blank"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Its own process group, so that the renderer and helper processes go with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
        // Chromium says where it listens on stderr; the rest of stderr is read (and dropped)
        // by the same thread, so that a chatty Chromium never blocks on a full pipe.
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut guard = KillOnDrop(Some(child));
        let (found, endpoint) = std::sync::mpsc::channel::<Result<String, String>>();
        std::thread::spawn(move || {
            let mut seen = String::new();
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(at) = line.find("ws://") {
                        let _ = found.send(Ok(line[at..].trim().to_string()));
                        sent = true;
                    } else {
                        seen.push_str(&line);
                        seen.push('\n');
                    }
                }
            }
            if !sent {
                let _ = found.send(Err(seen));
            }
        });
        let endpoint = tokio::task::spawn_blocking(move || endpoint.recv_timeout(STEP))
            .await
            .expect("the stderr reader does not panic");
        let ws = match endpoint {
            Ok(Ok(ws)) => ws,
            Ok(Err(stderr)) => panic!("chromium stopped before listening:\n{stderr}"),
            Err(_) => panic!("chromium did not say where it listens within {STEP:?}"),
        };
        let (socket, _) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(ws.as_str()))
            .await
            .expect("the DevTools socket connects in time")
            .expect("the DevTools socket connects");
        Some(Browser {
            child: guard.0.take().expect("the child is still held"),
            socket,
            next_id: 0,
            events: VecDeque::new(),
            _profile: profile,
        })
    }

    /// A new tab `width` CSS pixels wide, with the console, log, network and page events on.
    pub async fn page(&mut self, width: u32) -> Page<'_> {
        let target = self
            .call("Target.createTarget", json!({"url": "about:blank"}), None)
            .await;
        let target = target["targetId"]
            .as_str()
            .expect("a target id")
            .to_string();
        let attached = self
            .call(
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
                None,
            )
            .await;
        let session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        let mut page = Page {
            browser: self,
            session,
            width,
            events: Vec::new(),
        };
        for domain in ["Runtime", "Log", "Network", "Page"] {
            page.call(&format!("{domain}.enable"), json!({})).await;
        }
        page.set_size(width, 800).await;
        page
    }

    /// Sends a command (to a page session when `session` is given) and waits for its reply,
    /// keeping the events that arrive meanwhile.
    async fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{method}: the DevTools socket is closed: {e}"));
        loop {
            let reply = self.read(method).await;
            if reply["id"].as_u64() == Some(id) {
                if let Some(error) = reply.get("error") {
                    panic!("{method} failed: {error}");
                }
                return reply["result"].clone();
            }
            if reply.get("method").is_some() {
                self.events.push_back(reply);
            }
        }
    }

    /// The next message from Chromium.
    async fn read(&mut self, waiting_for: &str) -> Value {
        loop {
            let message = tokio::time::timeout(STEP, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer from chromium to {waiting_for} in {STEP:?}"))
                .unwrap_or_else(|| panic!("chromium closed the socket during {waiting_for}"))
                .unwrap_or_else(|e| panic!("DevTools socket failed during {waiting_for}: {e}"));
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("DevTools sends JSON");
                }
                Message::Close(_) => panic!("chromium closed the socket during {waiting_for}"),
                _ => {}
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// Holds the child while Chromium starts, so that a panic there does not leave it running.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

/// Kills Chromium's process group (its own, see [`Browser::launch`]) and reaps the browser.
fn kill_group(child: &mut Child) {
    let pgid = child.id() as libc::pid_t;
    // SAFETY: kill(2) with a negative pid signals the process group we created for Chromium.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// One tab of a [`Browser`].
pub struct Page<'b> {
    browser: &'b mut Browser,
    session: String,
    width: u32,
    /// Every event of this tab so far.
    events: Vec<Value>,
}

impl Page<'_> {
    /// Sends a command to this tab and returns its result.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        let result = self.browser.call(method, params, Some(&session)).await;
        self.take_events();
        result
    }

    /// Moves this tab's kept events into `self.events`.
    fn take_events(&mut self) {
        let (mine, others): (Vec<Value>, Vec<Value>) = self
            .browser
            .events
            .drain(..)
            .partition(|e| e["sessionId"].as_str() == Some(self.session.as_str()));
        self.events.extend(mine);
        self.browser.events.extend(others);
    }

    async fn set_size(&mut self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": width < 600,
            }),
        )
        .await;
    }

    /// Navigates to `url` and waits for its load event.
    pub async fn goto(&mut self, url: &str) {
        let result = self.call("Page.navigate", json!({"url": url})).await;
        if let Some(error) = result.get("errorText").and_then(Value::as_str) {
            panic!("{url} does not open: {error}");
        }
        self.wait_for_load().await;
    }

    /// Evaluates `expression`, which navigates (submits a form, follows a link), and waits
    /// for the next page's load event.
    pub async fn navigate_by(&mut self, expression: &str) {
        self.take_events();
        self.events.retain(|e| !is_load(e));
        self.eval(expression).await;
        self.wait_for_load().await;
    }

    async fn wait_for_load(&mut self) {
        // Events kept while waiting for replies have been taken by `call`; the load event may
        // be among them, else it is still to come on the socket.
        if self.events.iter().any(is_load) {
            return;
        }
        loop {
            let event = self.browser.read("Page.loadEventFired").await;
            if event["sessionId"].as_str() == Some(self.session.as_str()) {
                let loaded = is_load(&event);
                self.events.push(event);
                if loaded {
                    return;
                }
            }
        }
    }

    /// Evaluates `expression` in the page and returns its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true}),
            )
            .await;
        if let Some(details) = result.get("exceptionDetails") {
            panic!("{expression} threw: {details}");
        }
        result["result"]["value"].clone()
    }

    /// `document.body.innerText`.
    pub async fn text(&mut self) -> String {
        self.eval("document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Writes a PNG of the whole page (not just the viewport) to `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let height = size["height"].as_f64().unwrap_or(800.0).ceil().max(1.0);
        let width = f64::from(self.width);
        // The viewport as tall as the page, so that nothing positioned against it moves.
        self.set_size(self.width, height as u32).await;
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                }),
            )
            .await;
        let bytes = base64_decode(shot["data"].as_str().expect("a screenshot holds data"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot folder can be created");
        }
        std::fs::write(path, bytes).expect("the screenshot is written");
    }

    /// Console errors and warnings, exceptions and log errors; and the URLs requested other
    /// than `own` and `data:` URLs.
    pub fn report(&mut self, own: &str) -> (Vec<String>, Vec<String>) {
        self.take_events();
        let own = own.split('#').next().unwrap_or(own);
        let mut errors = Vec::new();
        let mut requests = Vec::new();
        for event in &self.events {
            let params = &event["params"];
            match event["method"].as_str().unwrap_or_default() {
                "Runtime.consoleAPICalled" => {
                    let kind = params["type"].as_str().unwrap_or_default();
                    if kind == "error" || kind == "warning" {
                        let args: Vec<String> = params["args"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|a| match &a["value"] {
                                Value::String(s) => s.clone(),
                                Value::Null => a["description"].as_str().unwrap_or("").to_string(),
                                v => v.to_string(),
                            })
                            .collect();
                        errors.push(format!("console.{kind}: {}", args.join(" ")));
                    }
                }
                "Runtime.exceptionThrown" => {
                    let details = &params["exceptionDetails"];
                    let description = details["exception"]["description"]
                        .as_str()
                        .or(details["text"].as_str())
                        .unwrap_or("exception");
                    errors.push(format!("exception: {description}"));
                }
                "Log.entryAdded" => {
                    let entry = &params["entry"];
                    if entry["level"].as_str() == Some("error") {
                        errors.push(format!(
                            "log: {} {}",
                            entry["text"].as_str().unwrap_or_default(),
                            entry["url"].as_str().unwrap_or_default()
                        ));
                    }
                }
                "Network.requestWillBeSent" => {
                    let url = params["request"]["url"].as_str().unwrap_or_default();
                    let bare = url.split('#').next().unwrap_or(url);
                    if bare != own && !url.starts_with("data:") {
                        requests.push(url.to_string());
                    }
                }
                _ => {}
            }
        }
        (errors, requests)
    }
}

fn is_load(event: &Value) -> bool {
    event["method"].as_str() == Some("Page.loadEventFired")
}

/// Standard base64 (what DevTools sends screenshots and PDFs in).
fn base64_decode(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | d << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len().max(1)]);
    }
    out
}

/// Pages in a PDF as Chromium writes it: the `/Count` of its page tree's root (the largest).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Count ")
        .filter_map(|(at, _)| {
            text[at + 7..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .unwrap_or(0)
}
