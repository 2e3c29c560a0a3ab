//! `pantau health`: asks the running service's `/healthz` and exits 0 when it answers healthy.
//! The container's HEALTHCHECK and monitoring scripts use it (the image has no curl).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How long to wait for the answer: `/healthz` itself gives the writer 5 s.
const TIMEOUT: Duration = Duration::from_secs(8);

pub fn health(path: Option<&Path>, url: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    let url = url.map_or_else(|| healthz_url(settings.http.bind), str::to_string);
    Ok(match probe(&url, TIMEOUT) {
        Service::Healthy => {
            outln!("sehat: {url} menjawab ok");
            ExitCode::SUCCESS
        }
        Service::Unhealthy(why) => {
            eprintln!("tidak sehat: {url}: {why}");
            ExitCode::from(1)
        }
        Service::Unreachable(e) => {
            eprintln!(
                "tidak sehat: {url} tidak menjawab ({e}); apakah `pantau run` berjalan dan [http] bind benar?"
            );
            ExitCode::from(1)
        }
    })
}

/// What the running service says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Service {
    Healthy,
    /// It answered, unhealthy, with this reason (`/healthz`'s message).
    Unhealthy(String),
    /// Nothing answered (not running, or elsewhere): the error.
    Unreachable(String),
}

/// `/healthz` of a server bound to `bind`.
pub(crate) fn healthz_url(bind: SocketAddr) -> String {
    format!("http://{}/healthz", probe_addr(bind))
}

/// Asks `url` (a `/healthz`) and reads the answer.
pub(crate) fn probe(url: &str, timeout: Duration) -> Service {
    let answer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|runtime| {
            runtime.block_on(async {
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .build()
                    .map_err(|e| e.to_string())?;
                let response = client.get(url).send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                Ok((status, response.text().await.unwrap_or_default()))
            })
        });
    match answer {
        Ok((status, _)) if status.is_success() => Service::Healthy,
        Ok((status, body)) => {
            // 503 carries {"error": "…"}; anything else is shown as it came.
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{status}: {}", body.trim()));
            Service::Unhealthy(message)
        }
        Err(e) => Service::Unreachable(e),
    }
}

/// Where to reach a server bound to `bind`: an unspecified address (0.0.0.0, ::) is reached
/// through loopback.
fn probe_addr(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_binds_are_probed_on_loopback() {
        assert_eq!(
            probe_addr("0.0.0.0:8080".parse().unwrap()).to_string(),
            "127.0.0.1:8080"
        );
        assert_eq!(
            probe_addr("[::]:9000".parse().unwrap()).to_string(),
            "[::1]:9000"
        );
        assert_eq!(
            probe_addr("10.0.0.5:8080".parse().unwrap()).to_string(),
            "10.0.0.5:8080"
        );
    }
}
