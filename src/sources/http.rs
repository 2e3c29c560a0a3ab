//! Fetching for every poller: conditional GET (ETag, Last-Modified), gzip and brotli, connect
//! and total timeouts, a body size cap that also stops decompression bombs, a descriptive
//! User-Agent, a limit on requests in flight per host, no address outside the public internet
//! unless allowed ([`Guard`]: the client's DNS resolver, a check of IP-literal hosts before a
//! request and on every redirect), and failures mapped to [`SourceError`] classes with
//! Retry-After kept. `file://` URLs are read from disk with the file's modification
//! time standing in for Last-Modified, so a replayed file that did not change costs nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use super::error::SourceError;
use super::guard::{self, Guard, PrivateAddress, Resolver};
use crate::config::FetchSettings;
use crate::config::value::IpRanges;
use crate::error::error_chain;

/// Validators from the last successful fetch, sent back to ask "changed since?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Document {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// The URL after redirects, the base for relative links.
    pub url: Url,
    pub validators: Validators,
}

/// An API answer: any status from [`Fetcher::get_api_answer`], a 2xx one from the others.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// All headers: `Link` for Mastodon's paging, rate-limit headers for Reddit.
    pub headers: HeaderMap,
    /// The URL after redirects.
    pub url: Url,
}

impl ApiResponse {
    /// The body as JSON of type `T`; a mismatch is a parse error naming what was expected.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, SourceError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            SourceError::Parse(format!("jawaban {what} bukan JSON yang diharapkan: {e}"))
        })
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// This answer when its status is 2xx; otherwise the HTTP error, with the server's
    /// Retry-After.
    pub fn success(self) -> Result<ApiResponse, SourceError> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            Err(SourceError::Http {
                status: self.status,
                retry_after: retry_after(&self.headers),
            })
        }
    }
}

#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304, or the same ETag as last time: nothing to parse.
    NotModified,
    Changed(Document),
}

/// The shared HTTP client with its per-host limits; cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// Which addresses `client` may reach; its resolver and redirect policy hold the same.
    guard: Guard,
    /// Its limits, and what builds a client for another allowance ([`Fetcher::allowing`]).
    settings: Arc<FetchSettings>,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("per_host", &self.settings.per_host)
            .field("max_body", &self.settings.max_body_bytes)
            .field("allow_private", &self.guard.allowed().to_string())
            .finish()
    }
}

const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
                      application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

impl Fetcher {
    /// A fetcher for `settings`, allowing the private addresses of `[fetch] allow_private`.
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, SourceError> {
        Fetcher::guarded(settings, Guard::new(settings.allow_private.clone()))
    }

    /// A fetcher for `settings` whose `guard` decides which addresses may be reached (a test
    /// pins names to addresses with [`Guard::with_hosts`]).
    pub fn guarded(settings: &FetchSettings, guard: Guard) -> Result<Fetcher, SourceError> {
        Ok(Fetcher {
            client: client(settings, &guard)?,
            guard,
            settings: Arc::new(settings.clone()),
            hosts: Arc::default(),
        })
    }

    /// This fetcher, also allowing `extra` (a source's own `allow_private`). It gets a client
    /// of its own: the resolver's answer is part of a pooled connection, so a connection
    /// opened under one allowance must never serve a source under another. The per-host
    /// limits stay shared, as they are about the remote site.
    pub fn allowing(&self, extra: &IpRanges) -> Result<Fetcher, SourceError> {
        let guard = self.guard.allowing(extra);
        if guard.allowed() == self.guard.allowed() {
            return Ok(self.clone());
        }
        Ok(Fetcher {
            client: client(&self.settings, &guard)?,
            guard,
            ..self.clone()
        })
    }

    /// The largest body a fetch may bring, after decompression: also the cap of a body a
    /// poller decompresses itself (a `.xml.gz` sitemap served as a file, not as an encoding).
    pub fn max_body_bytes(&self) -> u64 {
        self.settings.max_body_bytes
    }

    /// The User-Agent every request carries; robots.txt is matched against its name.
    pub fn user_agent(&self) -> &str {
        &self.settings.user_agent
    }

    /// Which addresses this fetcher may reach: for connections made outside its HTTP client
    /// (the Jetstream WebSocket).
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// GETs `url`, conditionally when `validators` hold anything.
    pub async fn get(&self, url: &Url, validators: &Validators) -> Result<Fetched, SourceError> {
        match url.scheme() {
            "http" | "https" => self.get_http(url, validators).await,
            "file" => self.get_file(url, validators).await,
            other => Err(SourceError::Unsupported(format!(
                "skema \"{other}\" (yang didukung: http, https, file)"
            ))),
        }
    }

    /// Waits for a free slot for `url`'s host: politeness toward one site, whatever the number
    /// of sources pointing at it.
    async fn host_permit(&self, url: &Url) -> OwnedSemaphorePermit {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let semaphore = {
            let mut hosts = self.hosts.lock().expect("host map lock is never poisoned");
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_host)))
                .clone()
        };
        semaphore
            .acquire_owned()
            .await
            .expect("host semaphores are never closed")
    }

    async fn get_http(&self, url: &Url, validators: &Validators) -> Result<Fetched, SourceError> {
        self.guard.check_url(url)?;
        let _permit = self.host_permit(url).await;
        let mut request = self.client.get(url.clone()).header(header::ACCEPT, ACCEPT);
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| self.map_error(e, Some(url)))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        unfollowed_redirect(&response, &self.guard)?;
        if !status.is_success() {
            return Err(SourceError::Http {
                status: status.as_u16(),
                retry_after: retry_after(response.headers()),
            });
        }
        let headers = response.headers();
        let new_validators = Validators {
            etag: header_string(headers, header::ETAG),
            last_modified: header_string(headers, header::LAST_MODIFIED),
        };
        // A server that ignores If-None-Match but sends the same ETag has not changed either.
        if new_validators.etag.is_some() && new_validators.etag == validators.etag {
            return Ok(Fetched::NotModified);
        }
        let content_type = header_string(headers, header::CONTENT_TYPE);
        // With compression the length header is the compressed size; the streamed check below
        // counts decompressed bytes, which is what stops a decompression bomb.
        if let Some(len) = response.content_length()
            && len > self.settings.max_body_bytes
            && headers.get(header::CONTENT_ENCODING).is_none()
        {
            return Err(SourceError::TooLarge {
                limit: self.settings.max_body_bytes,
            });
        }
        let final_url = response.url().clone();
        let body = self.read_capped(&mut response).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(SourceError::Empty);
        }
        Ok(Fetched::Changed(Document {
            body,
            content_type,
            url: final_url,
            validators: new_validators,
        }))
    }

    /// GETs an API resource (JSON, or an HTML page such as Telegram's web preview) with the
    /// same politeness, timeouts and body cap as a feed, optionally with a bearer token.
    /// Any status other than 2xx is an error carrying the server's Retry-After.
    pub async fn get_api(
        &self,
        url: &Url,
        accept: &str,
        bearer: Option<&str>,
    ) -> Result<ApiResponse, SourceError> {
        let mut request = self.client.get(url.clone()).header(header::ACCEPT, accept);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        self.send_api(url, request).await
    }

    /// GETs an API resource with `headers` added (a credential from [`secret_header`]) and
    /// returns the answer whatever its status, body included: APIs that explain a refusal in
    /// their body or headers (the Graph API's error codes, X's `usage-capped` 429 and rate-limit
    /// headers) are judged by their poller, and
    /// [`ApiResponse::success`] turns any other status into the usual error.
    pub async fn get_api_answer(
        &self,
        url: &Url,
        accept: &str,
        headers: HeaderMap,
    ) -> Result<ApiResponse, SourceError> {
        let request = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, accept)
            .headers(headers);
        self.send_raw(url, request).await
    }

    /// POSTs a JSON body (a login such as Bluesky's createSession) and reads the answer like
    /// [`Fetcher::get_api`].
    pub async fn post_json(
        &self,
        url: &Url,
        body: &serde_json::Value,
    ) -> Result<ApiResponse, SourceError> {
        let request = self
            .client
            .post(url.clone())
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send_api(url, request).await
    }

    /// Sends an API request; a status other than 2xx is an error carrying its Retry-After.
    async fn send_api(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
    ) -> Result<ApiResponse, SourceError> {
        self.send_raw(url, request).await?.success()
    }

    /// Sends `request` with the politeness and caps of every fetch; any status is an answer.
    async fn send_raw(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
    ) -> Result<ApiResponse, SourceError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SourceError::Unsupported(format!(
                "skema \"{}\" (yang didukung: http, https)",
                url.scheme()
            )));
        }
        self.guard.check_url(url)?;
        let _permit = self.host_permit(url).await;
        let mut response = request
            .send()
            .await
            .map_err(|e| self.map_error(e, Some(url)))?;
        let status = response.status();
        unfollowed_redirect(&response, &self.guard)?;
        let too_large = response.content_length().is_some_and(|len| {
            len > self.settings.max_body_bytes
                && response.headers().get(header::CONTENT_ENCODING).is_none()
        });
        let headers = response.headers().clone();
        let final_url = response.url().clone();
        let body = if status.is_success() {
            if too_large {
                return Err(SourceError::TooLarge {
                    limit: self.settings.max_body_bytes,
                });
            }
            self.read_capped(&mut response).await?
        } else if too_large {
            // A refusal's status is what counts: an explanation too large to read is dropped.
            Vec::new()
        } else {
            self.read_capped(&mut response).await.unwrap_or_default()
        };
        Ok(ApiResponse {
            status: status.as_u16(),
            body,
            headers,
            url: final_url,
        })
    }

    /// Reads a body, stopping at the cap (decompressed bytes, so a gzip bomb stops too).
    async fn read_capped(&self, response: &mut reqwest::Response) -> Result<Vec<u8>, SourceError> {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.map_error(e, None))?
        {
            if body.len() as u64 + chunk.len() as u64 > self.settings.max_body_bytes {
                return Err(SourceError::TooLarge {
                    limit: self.settings.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn get_file(&self, url: &Url, validators: &Validators) -> Result<Fetched, SourceError> {
        let path = url
            .to_file_path()
            .map_err(|_| SourceError::Unsupported(format!("jalur berkas tidak valid: {url}")))?;
        let io = |e: std::io::Error| SourceError::Io(format!("{}: {e}", path.display()));
        let meta = tokio::fs::metadata(&path).await.map_err(io)?;
        if meta.len() > self.settings.max_body_bytes {
            return Err(SourceError::TooLarge {
                limit: self.settings.max_body_bytes,
            });
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| jiff::Timestamp::try_from(t).ok())
            .map(http_date);
        if modified.is_some() && modified == validators.last_modified {
            return Ok(Fetched::NotModified);
        }
        let body = tokio::fs::read(&path).await.map_err(io)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(SourceError::Empty);
        }
        Ok(Fetched::Changed(Document {
            body,
            content_type: None,
            url: url.clone(),
            validators: Validators {
                etag: None,
                last_modified: modified,
            },
        }))
    }

    /// `e` as a [`SourceError`]; `requested` is the URL asked for, to tell a refusal of the
    /// configured address from one of a redirect's target.
    fn map_error(&self, e: reqwest::Error, requested: Option<&Url>) -> SourceError {
        // A refusal by the resolver arrives as a connect error, one by the redirect policy as
        // a redirect error. Refused after a redirect, the redirect is what went wrong (the
        // configured address was fine), and it is classed as one.
        if let Some(refused) = guard::private_in_chain(&e) {
            if is_requested_host(&refused, requested) {
                SourceError::Private(refused)
            } else {
                SourceError::Redirect(format!("ke {refused}"))
            }
        } else if e.is_timeout() {
            SourceError::Timeout(self.settings.timeout)
        } else if e.is_redirect() {
            SourceError::Redirect(error_chain(&e))
        } else if e.is_connect() {
            SourceError::Connect(error_chain(&e))
        } else {
            SourceError::Network(error_chain(&e))
        }
    }
}

/// The HTTP client of a fetcher: its resolver and redirect policy judge addresses by `guard`.
fn client(settings: &FetchSettings, guard: &Guard) -> Result<reqwest::Client, SourceError> {
    reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.timeout)
        .dns_resolver(Resolver(guard.clone()))
        .redirect(redirect_policy(guard.clone()))
        // Keep-alive connections left idle per host are capped like the requests in flight:
        // after a stall, hyper's pool kept every connection it had raced open meanwhile
        // (the soak saw 100 sockets to its one feed host with `per_host` 64).
        .pool_max_idle_per_host(settings.per_host)
        .gzip(true)
        .brotli(true)
        .build()
        .map_err(|e| SourceError::Network(error_chain(&e)))
}

/// Whether `refused` is the host that was asked for rather than a redirect's target. An
/// address written in the URL is judged before the request, so one refused later came from
/// a redirect; a name is the requested one when it is the URL's. (The client's errors carry
/// the first URL even after a redirect, so they cannot tell.)
fn is_requested_host(refused: &PrivateAddress, requested: Option<&Url>) -> bool {
    match (&refused.host, requested.and_then(Url::host_str)) {
        (Some(name), Some(host)) => name
            .trim_end_matches('.')
            .eq_ignore_ascii_case(host.trim_end_matches('.')),
        _ => false,
    }
}

/// Redirects followed before a fetch fails.
const MAX_REDIRECTS: usize = 5;

/// Why a redirect is not followed.
#[derive(Debug)]
enum Refusal {
    /// Into an address outside the public internet that is not allowed.
    Private(PrivateAddress),
    /// A loop, too many hops, another scheme.
    Other(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Private(p) => write!(f, "ke {p}"),
            Refusal::Other(why) => f.write_str(why),
        }
    }
}

/// Which redirects are followed: at most [`MAX_REDIRECTS`], never in a loop, only to http(s),
/// and never to an address outside the public internet that `guard` does not allow. A feed
/// is public; a server that redirects into the office's own network (or the cloud metadata
/// address 169.254.169.254) is trying to make Pantau fetch what it should not. A redirect to
/// a name is judged again by the resolver when the next hop connects.
fn redirect_policy(guard: Guard) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        match redirect_check(attempt.url(), attempt.previous(), &guard) {
            Ok(()) => attempt.follow(),
            Err(Refusal::Private(p)) => attempt.error(p),
            Err(Refusal::Other(why)) => attempt.error(why),
        }
    })
}

/// Whether a redirect to `next` after the URLs `previous` (the original first) is followed.
fn redirect_check(next: &Url, previous: &[Url], guard: &Guard) -> Result<(), Refusal> {
    if previous.len() > MAX_REDIRECTS {
        return Err(Refusal::Other(format!(
            "lebih dari {MAX_REDIRECTS} kali berturut-turut"
        )));
    }
    if previous.contains(next) {
        return Err(Refusal::Other(format!("berputar kembali ke {next}")));
    }
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Refusal::Other(format!(
            "ke skema \"{}\" (hanya http dan https yang diikuti)",
            next.scheme()
        )));
    }
    guard.check_url(next).map_err(Refusal::Private)?;
    local_name_check(next, guard).map_err(Refusal::Private)
}

/// `localhost` and `*.localhost` are this machine by definition (RFC 6761): a redirect to
/// one is refused by its name, unless loopback is allowed, without waiting for the resolver.
fn local_name_check(url: &Url, guard: &Guard) -> Result<(), PrivateAddress> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name != "localhost" && !name.ends_with(".localhost") {
        return Ok(());
    }
    let v4 = guard.check(IpAddr::V4(Ipv4Addr::LOCALHOST), Some(&name));
    match guard.check(IpAddr::V6(Ipv6Addr::LOCALHOST), Some(&name)) {
        Ok(()) => Ok(()),
        Err(_) => v4,
    }
}

/// Why a redirect to `next` after the URLs `previous` (the original first) is refused.
#[cfg(test)]
fn redirect_refusal(next: &Url, previous: &[Url], guard: &Guard) -> Option<String> {
    redirect_check(next, previous, guard)
        .err()
        .map(|r| r.to_string())
}

/// A 3xx that reached us is a redirect reqwest would not follow: a `Location` it could not
/// parse or, more often, one to a scheme it does not speak (`file:`, `gopher:`), which never
/// reaches [`redirect_policy`]. Said as a refused redirect rather than a bare "HTTP 302".
fn unfollowed_redirect(response: &reqwest::Response, guard: &Guard) -> Result<(), SourceError> {
    if !response.status().is_redirection() {
        return Ok(());
    }
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let why = match location.as_deref().map(|l| response.url().join(l)) {
        None => format!("HTTP {} tanpa Location", response.status().as_u16()),
        Some(Err(_)) => format!("Location tidak valid: {}", location.unwrap_or_default()),
        Some(Ok(next)) => {
            match redirect_check(&next, std::slice::from_ref(response.url()), guard) {
                Err(refusal) => refusal.to_string(),
                Ok(()) => format!("ke {next} tidak diikuti"),
            }
        }
    };
    Err(SourceError::Redirect(why))
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A header carrying a credential (`Authorization: Bearer …`, a vendor's key header), marked
/// sensitive so that no debug output of a request shows it; `None` when `value` holds
/// characters a header cannot.
pub fn secret_header(name: HeaderName, value: &str) -> Option<HeaderMap> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    Some(headers)
}

/// Retry-After as seconds or an HTTP date, capped at a day so a hostile value cannot park a
/// source forever.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = jiff::fmt::rfc2822::DateTimeParser::new()
                .parse_timestamp(value)
                .ok()?;
            let secs = at.duration_since(jiff::Timestamp::now()).as_secs().max(0);
            Duration::from_secs(secs as u64)
        }
    };
    Some(wait.min(Duration::from_secs(24 * 3600)))
}

/// An instant as an HTTP date (IMF-fixdate), the form of Last-Modified.
pub fn http_date(ts: jiff::Timestamp) -> String {
    ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn redirects_are_refused_into_private_networks_loops_and_other_schemes() {
        let u = |s: &str| Url::parse(s).unwrap();
        let public = [u("https://warta.example/rss")];
        let nothing_allowed = Guard::default();
        for (next, why) in [
            ("http://10.0.0.7/rss", "alamat privat"),
            ("http://169.254.169.254/latest/meta-data/", "alamat privat"),
            ("http://127.0.0.1:8080/", "alamat privat"),
            ("http://[::1]/", "alamat privat"),
            ("http://[::ffff:192.168.1.1]/", "alamat privat"),
            ("http://[fd00::1]/", "alamat privat"),
            ("http://100.64.0.1/", "alamat privat"),
            ("http://LOCALHOST./", "alamat privat"),
            ("file:///etc/passwd", "skema \"file\""),
            ("ftp://warta.example/rss", "skema \"ftp\""),
            ("https://warta.example/rss", "berputar"),
        ] {
            let refusal = redirect_refusal(&u(next), &public, &nothing_allowed);
            assert!(
                refusal.as_deref().is_some_and(|r| r.contains(why)),
                "{next}: {refusal:?}"
            );
        }
        for next in [
            "https://www.warta.example/feed",
            "http://8.8.8.8/rss",
            "http://[2001:db8::1]/",
        ] {
            assert_eq!(
                redirect_refusal(&u(next), &public, &nothing_allowed),
                None,
                "{next}"
            );
        }
        // On an allowed private host a move is fine (a LAN feed changing path).
        let lan = [u("http://192.168.1.5/old")];
        let lan_allowed = Guard::new("192.168.1.5".parse().unwrap());
        assert_eq!(
            redirect_refusal(&u("http://192.168.1.5/new"), &lan, &lan_allowed),
            None
        );
        let chain: Vec<Url> = (0..6)
            .map(|i| u(&format!("https://a.example/{i}")))
            .collect();
        assert!(redirect_refusal(&u("https://a.example/x"), &chain, &nothing_allowed).is_some());
    }

    #[test]
    fn retry_after_as_seconds_or_date() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("999999999"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(86400)));
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(600);
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&http_date(later)).unwrap(),
        );
        let got = retry_after(&h).unwrap().as_secs();
        assert!((590..=600).contains(&got), "{got}");
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("besok"));
        assert_eq!(retry_after(&h), None);
    }

    /// A listener on `ip` that must never see a connection, and its port.
    fn untouched(ip: &str) -> (std::net::TcpListener, u16) {
        let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        (listener, port)
    }

    fn assert_no_connection(listener: &std::net::TcpListener) {
        let accepted = listener.accept();
        assert!(
            matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "{accepted:?}"
        );
    }

    /// A fetcher whose resolver knows `names`, allowing `allowed`.
    fn pinned(names: &[(&str, &str)], allowed: &str) -> Fetcher {
        let hosts = names
            .iter()
            .map(|(name, ip)| (name.to_string(), vec![ip.parse().unwrap()]))
            .collect();
        let guard = Guard::new(allowed.parse().unwrap()).with_hosts(hosts);
        Fetcher::guarded(&FetchSettings::default(), guard).unwrap()
    }

    /// The check is on the address a name resolves to, not on the name: a harmless-looking
    /// name that the resolver maps to 127.0.0.1 is refused before any connection, and the same
    /// name is fetched once 127.0.0.1 is allowed.
    #[tokio::test]
    async fn a_name_is_judged_by_the_address_it_resolves_to() {
        let (listener, port) = untouched("127.0.0.1");
        let url = Url::parse(&format!("http://warta-mahakam.test:{port}/rss")).unwrap();
        let fetcher = pinned(&[("warta-mahakam.test", "127.0.0.1")], "");
        let err = fetcher.get(&url, &Validators::default()).await.unwrap_err();
        assert_eq!(err.class(), "private_address");
        assert_eq!(
            err.to_string(),
            "warta-mahakam.test (alamat privat/lokal 127.0.0.1, loopback) ditolak"
        );
        assert_no_connection(&listener);

        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("<rss/>"))
            .mount(&server)
            .await;
        let url = Url::parse(&format!(
            "http://warta-mahakam.test:{}/rss",
            server.address().port()
        ))
        .unwrap();
        let fetcher = pinned(&[("warta-mahakam.test", "127.0.0.1")], "127.0.0.1");
        assert!(fetcher.get(&url, &Validators::default()).await.is_ok());
        let api = fetcher.get_api(&url, "application/json", None).await;
        assert!(api.is_ok(), "{api:?}");
    }

    /// A redirect to a name that resolves to an address not allowed is refused when the next
    /// hop resolves, before it connects; it is the redirect that failed.
    #[tokio::test]
    async fn a_redirect_to_a_name_pointing_inward_is_refused() {
        let (listener, port) = untouched("127.0.0.2");
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(
                wiremock::ResponseTemplate::new(301)
                    .insert_header("Location", format!("http://dalam.test:{port}/rss")),
            )
            .mount(&server)
            .await;
        let fetcher = pinned(&[("dalam.test", "127.0.0.2")], "127.0.0.1/32");
        let url = Url::parse(&format!("{}/rss", server.uri())).unwrap();
        let err = fetcher.get(&url, &Validators::default()).await.unwrap_err();
        assert_eq!(err.class(), "redirect", "{err}");
        assert_eq!(
            err.to_string(),
            "pengalihan (redirect) ditolak: ke dalam.test (alamat privat/lokal 127.0.0.2, loopback)"
        );
        assert_no_connection(&listener);
    }

    /// A source's own allowance is a client of its own; the fetcher it came from still refuses.
    #[tokio::test]
    async fn an_allowance_added_for_one_source_stays_with_it() {
        let (listener, port) = untouched("127.0.0.1");
        let url = Url::parse(&format!("http://127.0.0.1:{port}/rss")).unwrap();
        let shared = Fetcher::new(&FetchSettings::default()).unwrap();
        let own = shared.allowing(&"127.0.0.0/8".parse().unwrap()).unwrap();
        assert!(
            own.guard()
                .check("127.0.0.1".parse().unwrap(), None)
                .is_ok()
        );
        let err = shared.get(&url, &Validators::default()).await.unwrap_err();
        assert_eq!(err.class(), "private_address");
        let err = shared
            .post_json(&url, &serde_json::json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.class(), "private_address");
        assert_no_connection(&listener);
    }
}
