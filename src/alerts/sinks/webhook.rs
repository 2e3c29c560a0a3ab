//! The `webhook` sink: the alert as JSON, `POST`ed to a URL; any 2xx answer is success, a
//! redirect is not followed. A bearer token may go with it, never over plain HTTP to another
//! machine.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use reqwest::header;
use serde::Deserialize;
use url::Url;

use super::deliver::{
    Deliver, Message, SinkError, excerpt, http_client, read_capped, request_error, shown_url,
};
use super::sink;
use crate::config::value::{self, Secret};
use crate::config::Invalid;

/// `[[alerts.sinks]] kind = "webhook"`.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(deserialize_with = "value::http_url")]
    pub url: Url,
    /// Sent as `Authorization: Bearer TOKEN`.
    #[serde(default, deserialize_with = "value::opt_secret_nonblank")]
    pub token: Option<Secret>,
}

/// Services such as Slack and Discord put their secret in the path: only the scheme and host
/// are shown.
impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("url", &shown_url(&self.url))
            .field("token", &self.token)
            .finish()
    }
}

impl sink::Spec for Spec {
    const KIND: &'static str = "webhook";
    const EXAMPLE: &'static str = "url = \"https://hooks.contoh.id/pantau\"\ntoken = \"…\"";

    /// A bearer token over plain HTTP travels readable, as a password would over SMTP without
    /// TLS (refused there too); only a receiver on this machine is exempt.
    fn settle(&mut self) -> Result<(), Invalid> {
        let loopback = matches!(self.url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if self.token.is_some() && self.url.scheme() == "http" && !loopback {
            return Err(Invalid::new(
                "token",
                "token akan terkirim tanpa enkripsi lewat http://",
                Some("pakai alamat https://, atau hapus token".into()),
            ));
        }
        Ok(())
    }

    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError> {
        Ok(Box::new(Webhook {
            client: http_client(user_agent)?,
            url: self.url.clone(),
            token: self.token.clone(),
        }))
    }
}

struct Webhook {
    client: reqwest::Client,
    url: Url,
    token: Option<Secret>,
}

impl Deliver for Webhook {
    fn target(&self) -> String {
        format!("webhook {}", shown_url(&self.url))
    }

    fn send<'a>(&'a self, msg: &'a Message) -> BoxFuture<'a, Result<(), SinkError>> {
        self.post(&msg.payload).boxed()
    }
}

impl Webhook {
    async fn post(&self, payload: &serde_json::Value) -> Result<(), SinkError> {
        let mut request = self
            .client
            .post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(payload.to_string());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| request_error(self.target(), e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_capped(response).await.unwrap_or_default();
        Err(SinkError::Status {
            target: self.target(),
            status: status.as_u16(),
            excerpt: excerpt(&body),
        })
    }
}
