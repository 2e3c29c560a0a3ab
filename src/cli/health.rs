//! `pantau health`: asks the running service's `/healthz` and exits 0 when it answers healthy.
//! The container's HEALTHCHECK and monitoring scripts use it (the image has no curl).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How long to wait for the answer: `/healthz` itself gives the writer 5 s.
const TIMEOUT: Duration = Duration::from_secs(8);

pub fn health(config: Option<&Path>, url: Option<&str>) -> anyhow::Result<ExitCode> {
    let settings = super::settings(config)?;
    let url = match url {
        Some(u) => u.to_string(),
        None => format!("http://{}/healthz", probe_addr(settings.http.bind)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answer = runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        let response = client.get(&url).send().await?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Ok::<_, reqwest::Error>((status, body))
    });
    match answer {
        Ok((status, body)) if status.is_success() => {
            println!("sehat: {url} menjawab {}", body.trim());
            Ok(ExitCode::SUCCESS)
        }
        Ok((status, body)) => {
            eprintln!("tidak sehat: {url} menjawab {status}: {}", body.trim());
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!(
                "tidak sehat: {url} tidak menjawab ({e}); apakah `pantau run` berjalan dan [http] bind benar?"
            );
            Ok(ExitCode::from(1))
        }
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
