//! Which addresses a fetch may reach. A source names a public site; an address of this machine
//! or of the network it sits in (loopback, RFC 1918, unique local, link-local, CGNAT,
//! unspecified, multicast, broadcast) is refused unless `[fetch] allow_private` or the source's
//! own `allow_private` lists it, so that a URL in the configuration — or a redirect, or a name
//! whose DNS answer points inward — cannot make Pantau read the office's own network or a
//! cloud metadata address.
//!
//! The check is on addresses, never on names: [`Resolver`] is the HTTP client's DNS resolver
//! and drops every refused address from an answer before a connection is tried, and
//! [`Guard::check_url`] judges the hosts written as IP addresses, which the client connects to
//! without asking a resolver. [`Guard::resolve`] does both for connections the client does not
//! make (the Jetstream WebSocket). IPv4 inside IPv6 (`::ffff:127.0.0.1`, `::127.0.0.1`,
//! `64:ff9b::7f00:1`) is judged as the IPv4 address it carries.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::Url;

use crate::config::value::{IpRanges, normalise_ip as normalise};

/// An address refused because it is not on the public internet. Display names it (and the
/// name it came from): "alamat privat/lokal 127.0.0.1 (loopback)", "intranet.kantor (alamat
/// privat/lokal 10.0.0.5, jaringan privat)"; the caller says what was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateAddress {
    /// The address as judged (IPv4 inside IPv6 already taken out).
    pub address: IpAddr,
    /// The kind of range, for people: "loopback", "jaringan privat", ….
    pub range: &'static str,
    /// The name that resolved to it; `None` when the URL held the address itself.
    pub host: Option<String>,
}

impl std::fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let PrivateAddress {
            address,
            range,
            host,
        } = self;
        match host {
            Some(host) => write!(f, "{host} (alamat privat/lokal {address}, {range})"),
            None => write!(f, "alamat privat/lokal {address} ({range})"),
        }
    }
}

impl std::error::Error for PrivateAddress {}

/// The kind of non-public range `ip` is in (after [`normalise`]), or `None` for a public
/// unicast address. std's `is_global` is unstable, so the ranges are spelt out: the ones an
/// attacker aims at (this machine, the LAN, the cloud metadata service at 169.254.169.254,
/// a carrier's NAT) and the ones no feed lives at (unspecified, multicast, broadcast and
/// 240.0.0.0/4). Documentation and benchmarking ranges are left alone: nothing routes them.
pub(crate) fn non_public(ip: IpAddr) -> Option<&'static str> {
    match normalise(ip) {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(if ip.is_loopback() {
        "loopback"
    } else if ip.is_private() {
        "jaringan privat"
    } else if ip.is_link_local() {
        "link-local"
    } else if a == 100 && (b & 0xc0) == 64 {
        "CGNAT"
    } else if a == 0 {
        "alamat tak tertentu"
    } else if ip.is_multicast() {
        "multicast"
    } else if a >= 240 {
        "siaran/cadangan"
    } else {
        return None;
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    Some(if ip.is_loopback() {
        "loopback"
    } else if ip.is_unspecified() {
        "alamat tak tertentu"
    } else if (first & 0xfe00) == 0xfc00 {
        "jaringan privat"
    } else if (first & 0xffc0) == 0xfe80 || (first & 0xffc0) == 0xfec0 {
        // fec0::/10 (site-local) is deprecated, but old stacks still route it inside a site.
        "link-local"
    } else if ip.is_multicast() {
        "multicast"
    } else {
        return None;
    })
}

/// Judges addresses against what the configuration allows; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allowed: Arc<IpRanges>,
    lookup: Lookup,
}

/// Where names are resolved. Tests pin names to addresses without touching the system's
/// resolver (reqwest's own `ClientBuilder::resolve` overrides would bypass [`Resolver`]).
#[derive(Debug, Clone, Default)]
enum Lookup {
    #[default]
    System,
    Fixed(Arc<HashMap<String, Vec<IpAddr>>>),
}

impl Guard {
    pub fn new(allowed: IpRanges) -> Guard {
        Guard {
            allowed: Arc::new(allowed),
            lookup: Lookup::System,
        }
    }

    /// The same guard, resolving each name of `hosts` to its addresses instead of asking the
    /// system (names not in it fail to resolve): for tests that need a name pointing inward.
    pub fn with_hosts(mut self, hosts: HashMap<String, Vec<IpAddr>>) -> Guard {
        self.lookup = Lookup::Fixed(Arc::new(hosts));
        self
    }

    /// This guard, also letting `extra` through.
    pub fn allowing(&self, extra: &IpRanges) -> Guard {
        Guard {
            allowed: Arc::new(self.allowed.union(extra)),
            lookup: self.lookup.clone(),
        }
    }

    /// The addresses and ranges this guard lets through.
    pub fn allowed(&self) -> &IpRanges {
        &self.allowed
    }

    /// `ip` may be reached: it is public, or allowed (judged after [`normalise`], so allowing
    /// `127.0.0.1` allows `::ffff:127.0.0.1` too).
    pub fn check(&self, ip: IpAddr, host: Option<&str>) -> Result<(), PrivateAddress> {
        let ip = normalise(ip);
        match non_public(ip) {
            Some(range) if !self.allowed.contains(ip) => Err(PrivateAddress {
                address: ip,
                range,
                host: host.map(str::to_string),
            }),
            _ => Ok(()),
        }
    }

    /// Judges a URL whose host is an IP address (the client connects to it without a
    /// resolver); a name is left to [`Resolver`].
    pub fn check_url(&self, url: &Url) -> Result<(), PrivateAddress> {
        match url.host() {
            Some(url::Host::Ipv4(ip)) => self.check(IpAddr::V4(ip), None),
            Some(url::Host::Ipv6(ip)) => self.check(IpAddr::V6(ip), None),
            Some(url::Host::Domain(_)) | None => Ok(()),
        }
    }

    /// The addresses of `host` (a name or an IP address) that may be reached, with `port`.
    /// Refused ones are dropped; when none is left, the first refusal is the error.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            self.check(ip, None)?;
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let found = self.lookup(bare, port).await?;
        self.keep_reachable(bare, found)
    }

    async fn lookup(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let found: Vec<SocketAddr> = match &self.lookup {
            Lookup::System => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| ResolveError::Lookup(format!("{host}: {e}")))?
                .collect(),
            Lookup::Fixed(hosts) => hosts
                .get(host)
                .into_iter()
                .flatten()
                .map(|ip| SocketAddr::new(*ip, port))
                .collect(),
        };
        if found.is_empty() {
            return Err(ResolveError::Lookup(format!(
                "{host}: nama tidak ditemukan"
            )));
        }
        Ok(found)
    }

    fn keep_reachable(
        &self,
        host: &str,
        found: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, ResolveError> {
        let mut refused = None;
        let kept: Vec<SocketAddr> = found
            .into_iter()
            .filter(|a| match self.check(a.ip(), Some(host)) {
                Ok(()) => true,
                Err(e) => {
                    refused.get_or_insert(e);
                    false
                }
            })
            .collect();
        match refused {
            Some(e) if kept.is_empty() => Err(e.into()),
            _ => Ok(kept),
        }
    }
}

/// Why a name gave no address to connect to.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Private(#[from] PrivateAddress),
    #[error("nama host tidak dapat dicari: {0}")]
    Lookup(String),
}

/// The HTTP client's DNS resolver: the [`Guard`]'s answer, so a name that points inward is
/// refused before any connection, and one that also has public addresses keeps only those.
#[derive(Debug, Clone)]
pub struct Resolver(pub Guard);

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: the client puts the URL's port in.
            match guard.resolve(&host, 0).await {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(ResolveError::Private(p)) => Err(Box::new(p) as _),
                Err(e) => Err(Box::new(e) as _),
            }
        })
    }
}

/// The [`PrivateAddress`] somewhere in `error`'s chain of causes: a refusal by [`Resolver`]
/// or by the redirect policy reaches the caller wrapped in the client's own errors.
pub fn private_in_chain(error: &(dyn std::error::Error + 'static)) -> Option<PrivateAddress> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(p) = e.downcast_ref::<PrivateAddress>() {
            return Some(p.clone());
        }
        cause = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn inward_ranges_are_named_and_public_ones_pass() {
        for (addr, range) in [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("::1", "loopback"),
            ("10.1.2.3", "jaringan privat"),
            ("172.16.0.1", "jaringan privat"),
            ("192.168.1.1", "jaringan privat"),
            ("fd12::1", "jaringan privat"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("100.64.0.1", "CGNAT"),
            ("100.127.255.254", "CGNAT"),
            ("0.0.0.0", "alamat tak tertentu"),
            ("::", "alamat tak tertentu"),
            ("224.0.0.1", "multicast"),
            ("ff02::1", "multicast"),
            ("255.255.255.255", "siaran/cadangan"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "jaringan privat"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
        ] {
            assert_eq!(non_public(ip(addr)), Some(range), "{addr}");
        }
        for addr in [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(non_public(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn an_allowance_lets_its_addresses_through_also_inside_ipv6() {
        let allowed: IpRanges = "127.0.0.1, 10.20.0.0/16".parse().unwrap();
        let guard = Guard::new(allowed);
        assert!(guard.check(ip("127.0.0.1"), None).is_ok());
        assert!(guard.check(ip("::ffff:127.0.0.1"), None).is_ok());
        assert!(guard.check(ip("10.20.200.1"), None).is_ok());
        let refused = guard
            .check(ip("10.21.0.1"), Some("intranet.kantor"))
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "intranet.kantor (alamat privat/lokal 10.21.0.1, jaringan privat)"
        );
        let refused = guard.check(ip("::ffff:127.0.0.2"), None).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "alamat privat/lokal 127.0.0.2 (loopback)"
        );
    }

    #[tokio::test]
    async fn a_name_keeps_its_public_addresses_and_fails_on_inward_ones_alone() {
        let hosts = HashMap::from([
            (
                "campur.test".to_string(),
                vec![ip("10.0.0.5"), ip("8.8.8.8")],
            ),
            ("dalam.test".to_string(), vec![ip("127.0.0.1"), ip("::1")]),
        ]);
        let guard = Guard::default().with_hosts(hosts);
        let kept = guard.resolve("campur.test", 443).await.unwrap();
        assert_eq!(kept, vec!["8.8.8.8:443".parse().unwrap()]);
        match guard.resolve("dalam.test", 80).await {
            Err(ResolveError::Private(p)) => {
                assert_eq!(p.address, ip("127.0.0.1"));
                assert_eq!(p.host.as_deref(), Some("dalam.test"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            guard.resolve("[::1]", 80).await,
            Err(ResolveError::Private(_))
        ));
        assert!(matches!(
            guard.resolve("tidak-ada.test", 80).await,
            Err(ResolveError::Lookup(_))
        ));
    }
}
