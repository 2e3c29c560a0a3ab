//! Readers for values a person writes as text — durations ("15m"), whole numbers within bounds,
//! addresses with the schemes a key allows, ids — for `#[serde(deserialize_with = "…")]` on the
//! fields of sections, source kinds and sinks. Each rejects a value with what was wrong and
//! what to write instead, the hint of the `saran:` line.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{Deserializer, Error, Unexpected};
use url::Url;

use crate::model::SourceId;
use crate::time::parse_duration;

/// Longest duration a setting may have: beyond it, schedule arithmetic stops making sense.
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The error of a value that is wrong: `why` is the message, `expected` the hint.
pub fn rejected<E: Error>(why: impl Display, expected: impl Display) -> E {
    E::invalid_value(
        Unexpected::Other(&why.to_string()),
        &expected.to_string().as_str(),
    )
}

/// A value written as text (a number is taken as its text), parsed by `parse`; on failure the
/// hint is "yang diharapkan: `expected`".
pub fn parsed<'de, D, T>(
    d: D,
    expected: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = String::deserialize(d)?;
    parse(text.trim()).map_err(|why| rejected(why, format!("yang diharapkan: {expected}")))
}

/// A duration such as "90s", "15m", "1h30m", "1d": not zero, at most 30 days.
pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parsed(
        d,
        "durasi seperti \"90s\", \"15m\", \"1h30m\", \"1d\"",
        |s| match parse_duration(s) {
            Ok(d) if d.is_zero() => Err("durasi tidak boleh nol".into()),
            Ok(d) if d > MAX_DURATION => Err(format!("durasi \"{s}\" lebih dari 30 hari")),
            other => other,
        },
    )
}

/// [`duration`], for an optional key.
pub fn opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

/// A whole number from `MIN` to `MAX` (also written as text, as environment variables are).
pub fn uint<'de, D, T, const MIN: u64, const MAX: u64>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let wrong = || D::Error::custom(format!("harus bilangan bulat antara {MIN} dan {MAX}"));
    let n = d
        .deserialize_any(WholeNumber)
        .map_err(|_: D::Error| wrong())?;
    match n {
        Some(n) if (MIN..=MAX).contains(&n) => T::try_from(n).map_err(|_| wrong()),
        _ => Err(wrong()),
    }
}

/// Any value, as a non-negative whole number when it is one.
struct WholeNumber;

impl<'de> serde::de::Visitor<'de> for WholeNumber {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bilangan bulat")
    }
    fn visit_u64<E: Error>(self, n: u64) -> Result<Option<u64>, E> {
        Ok(Some(n))
    }
    fn visit_i64<E: Error>(self, n: i64) -> Result<Option<u64>, E> {
        Ok(u64::try_from(n).ok())
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Option<u64>, E> {
        Ok(s.trim().parse().ok())
    }
    fn visit_bool<E: Error>(self, _: bool) -> Result<Option<u64>, E> {
        Ok(None)
    }
    fn visit_f64<E: Error>(self, _: f64) -> Result<Option<u64>, E> {
        Ok(None)
    }
    fn visit_unit<E: Error>(self) -> Result<Option<u64>, E> {
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Option<u64>, A::Error> {
        Ok(None)
    }
}

/// Text that means nothing when empty (a token left as `token = ""`): `None` then; trimmed.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// Text that means nothing when empty (`token = ""`): `None` then; kept as written otherwise.
pub fn opt_nonempty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    Ok((!text.is_empty()).then_some(text))
}

/// An id such as a source's or a sink's: lower case, digits, `-` and `_`.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let id = String::deserialize(d)?;
    if SourceId::is_valid(&id) {
        Ok(id)
    } else {
        Err(rejected(
            format!("id \"{id}\" tidak valid"),
            "pakai huruf kecil, angka, - dan _",
        ))
    }
}

/// A value parsed by its `FromStr` whose error is already a sentence for the user.
pub fn from_str<'de, D, T>(d: D, expected: &str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    parsed(d, expected, T::from_str)
}

/// An absolute URL with one of `schemes`. A malformed one is shown only as far as its host: a
/// webhook's path can hold its secret.
pub fn url<'de, D: Deserializer<'de>>(d: D, schemes: &[&str]) -> Result<Url, D::Error> {
    let raw = String::deserialize(d)?;
    let allowed = schemes.join("/");
    match Url::parse(raw.trim()) {
        Ok(url) if schemes.contains(&url.scheme()) => Ok(url),
        Ok(url) => Err(rejected(
            format!("skema \"{}\" tidak didukung", url.scheme()),
            format!("pakai alamat {allowed}"),
        )),
        Err(e) => Err(rejected(
            format!("alamat \"{}\" tidak valid: {e}", without_path(raw.trim())),
            "tulis alamat lengkap",
        )),
    }
}

/// An http(s) URL.
pub fn http_url<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    url(d, &["http", "https"])
}

/// [`http_url`], for an optional key.
pub fn opt_http_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    http_url(d).map(Some)
}

/// An address as far as its host, for messages: a webhook's path can hold its secret.
pub fn without_path(raw: &str) -> String {
    let after_scheme = raw.find("://").map_or(0, |i| i + 3);
    match raw[after_scheme..].find('/') {
        Some(i) => format!("{}/…", &raw[..after_scheme + i]),
        None => raw.to_string(),
    }
}

/// A URL constant of the code (a service's default address).
pub fn fixed_url(text: &str) -> Url {
    Url::parse(text).expect("a built-in address parses")
}

/// Text that must never be shown — a password, a token: its `Debug` is `***`, so a spec that
/// holds one can derive `Debug` and still be logged.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A secret key that means nothing when empty (`password = ""`): `None` then; as written
/// otherwise.
pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    Ok(opt_nonempty(d)?.map(Secret))
}

/// A token key that means nothing when blank (`token = "  "`): `None` then; trimmed
/// otherwise (an API token never holds spaces).
pub fn opt_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    Ok(opt_text(d)?.map(Secret))
}

/// A secret key that means nothing when blank (`token = "  "`): `None` then; as written
/// otherwise.
pub fn opt_secret_nonblank<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let text = String::deserialize(d)?;
    Ok((!text.trim().is_empty()).then_some(Secret(text)))
}

/// The address an IPv6 address stands for when it carries an IPv4 one: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some
/// stacks) and the NAT64 well-known prefix (`64:ff9b::/96`, which a NAT64 gateway forwards
/// to the IPv4 address). Anything else is returned as it is.
pub fn normalise_ip(ip: std::net::IpAddr) -> std::net::IpAddr {
    let std::net::IpAddr::V6(v6) = ip else {
        return ip;
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return std::net::IpAddr::V4(v4);
    }
    let s = v6.segments();
    let low = std::net::Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4-compatible.
    let compatible = s[..6] == [0; 6]
        && v6 != std::net::Ipv6Addr::UNSPECIFIED
        && v6 != std::net::Ipv6Addr::LOCALHOST;
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if compatible || nat64 {
        std::net::IpAddr::V4(low)
    } else {
        ip
    }
}

/// Addresses and CIDR ranges (`"127.0.0.1"`, `"10.20.0.0/16"`, `"::1"`), as `allow_private`
/// lists them. A single address is a range of one; an IPv6 address carrying an IPv4 one
/// (`"::ffff:10.0.0.5"`, see [`normalise_ip`]) is kept as the IPv4 address it is. Sorted and without repeats, so two
/// lists that allow the same compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IpRanges(Vec<ipnet::IpNet>);

impl IpRanges {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` lies in one of the ranges (judged as [`normalise_ip`] reads it).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = normalise_ip(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Both lists in one.
    pub fn union(&self, other: &IpRanges) -> IpRanges {
        IpRanges::from_nets(self.0.iter().chain(&other.0).copied())
    }

    fn from_nets(nets: impl IntoIterator<Item = ipnet::IpNet>) -> IpRanges {
        let mut nets: Vec<ipnet::IpNet> = nets.into_iter().map(|n| n.trunc()).collect();
        nets.sort();
        nets.dedup();
        IpRanges(nets)
    }

    /// One entry: an address or a range.
    fn entry(text: &str) -> Result<ipnet::IpNet, String> {
        if let Ok(ip) = text.parse::<std::net::IpAddr>() {
            return Ok(ipnet::IpNet::from(normalise_ip(ip)));
        }
        text.parse::<ipnet::IpNet>().map_err(|_| {
            if text.contains('/') {
                format!("rentang \"{text}\" tidak valid")
            } else {
                format!("\"{text}\" bukan alamat IP")
            }
        })
    }
}

impl FromStr for IpRanges {
    type Err = String;

    /// Entries separated by commas (an environment variable holds a list so).
    fn from_str(text: &str) -> Result<IpRanges, String> {
        let nets = text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(IpRanges::entry)
            .collect::<Result<Vec<_>, String>>()?;
        Ok(IpRanges::from_nets(nets))
    }
}

impl std::fmt::Display for IpRanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for net in &self.0 {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            // A range of one is shown as the address written.
            if net.prefix_len() == net.max_prefix_len() {
                write!(f, "{}", net.addr())?;
            } else {
                write!(f, "{net}")?;
            }
        }
        Ok(())
    }
}

/// A list of addresses and CIDR ranges ([`IpRanges`]); one text is a list of one, and may
/// hold several separated by commas.
pub fn ip_ranges<'de, D: Deserializer<'de>>(d: D) -> Result<IpRanges, D::Error> {
    let entries = Vec::<String>::deserialize(d)?;
    let mut all = IpRanges::default();
    for entry in &entries {
        let ranges: IpRanges = entry.parse().map_err(|why| {
            rejected(
                why,
                "tulis alamat IP atau rentang CIDR, misalnya [\"127.0.0.1\", \"10.20.0.0/16\", \"::1\"]",
            )
        })?;
        all = all.union(&ranges);
    }
    Ok(all)
}

/// One language code (BCP 47), reduced to its primary subtag (`"id-ID"` → `"id"`).
pub fn opt_language<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    crate::model::primary_language(&raw)
        .map(Some)
        .ok_or_else(|| {
            rejected(
                format!("kode bahasa \"{raw}\" tidak valid"),
                "pakai kode seperti \"id\", \"en\" atau \"jv\"",
            )
        })
}

/// A non-empty list of language codes (BCP 47), each reduced to its primary subtag
/// (`"id-ID"` → `"id"`).
pub fn languages<'de, D: Deserializer<'de>>(d: D) -> Result<crate::model::Languages, D::Error> {
    let raw = Vec::<String>::deserialize(d)?;
    if raw.is_empty() {
        return Err(rejected(
            "daftar bahasa kosong",
            "tulis paling sedikit satu kode, misalnya languages = [\"id\"]",
        ));
    }
    crate::model::Languages::new(&raw).map_err(|tag| {
        rejected(
            format!("kode bahasa \"{tag}\" tidak valid"),
            "pakai kode seperti \"id\", \"en\" atau \"jv\"",
        )
    })
}

/// A PostgreSQL connection URL. Shown (in logs, errors, `Debug`) without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl(String);

impl DbUrl {
    pub fn new(text: impl Into<String>) -> DbUrl {
        DbUrl(text.into())
    }

    /// The whole URL, password included: for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        match Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) => "(URL PostgreSQL)".into(),
        }
    }
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Display for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A `postgres://` or `postgresql://` URL that the driver can use (host, user, database).
/// `[storage] node`: a name of at most 64 characters without spaces or control characters
/// (it is shown in a table and stored in every lease); empty for the host name.
pub fn node_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    let expected = "nama node tanpa spasi, paling banyak 64 karakter, mis. \"pantau-1\"";
    if text.chars().count() > 64 {
        return Err(rejected("terlalu panjang", expected));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(rejected("berisi spasi atau karakter kendali", expected));
    }
    Ok(text.to_string())
}

pub fn opt_postgres_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DbUrl>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let expected = "URL PostgreSQL, mis. \"postgres://pantau:sandi@db.lokal/pantau\"";
    postgres_url(&text)
        .map(Some)
        .map_err(|why| rejected(why, expected))
}

/// Checks a PostgreSQL URL as the driver reads it, so that what passes connects as written.
/// The driver's own message is not passed on: it may quote the password.
pub fn postgres_url(text: &str) -> Result<DbUrl, &'static str> {
    let text = text.trim();
    if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
        return Err("bukan URL postgres://");
    }
    if text.parse::<postgres::Config>().is_err() {
        return Err("URL PostgreSQL tidak sah");
    }
    Ok(DbUrl(text.to_string()))
}
