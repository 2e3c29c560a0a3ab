//! Dates as Indonesian news pages write them, read into UTC instants: "Sabtu, 6 Desember 2025
//! 09:15 WITA", "06/12/2025 09:15", "6 Des 2025", "2 jam lalu", "5 menit yang lalu", "kemarin",
//! "baru saja", English months and "3 hours ago" too. A date without a zone is a wall-clock
//! time in the source's zone ([`Zone`], WITA unless the source says otherwise); WIB, WITA and
//! WIT (UTC+7/+8/+9) written after it win. Relative dates count back from the fetch time.
//!
//! The `html` and `news_sitemap` kinds read dates through [`parse`]; a text it cannot read is
//! `None`, and the caller then takes the fetch time and says so in the log.

use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use regex::Regex;

/// The zone a source's dates are written in when they carry none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    tz: TimeZone,
}

impl Default for Zone {
    fn default() -> Self {
        Zone {
            tz: crate::time::default_zone(),
        }
    }
}

impl Zone {
    /// `WIB`, `WITA`, `WIT`, `UTC` or an IANA name such as `Asia/Makassar`.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let name = text.trim();
        let iana = match name.to_ascii_uppercase().as_str() {
            "WIB" => "Asia/Jakarta",
            "WITA" => "Asia/Makassar",
            "WIT" => "Asia/Jayapura",
            "UTC" | "GMT" => "UTC",
            _ => name,
        };
        TimeZone::get(iana)
            .map(|tz| Zone { tz })
            .map_err(|_| format!("zona waktu \"{name}\" tidak dikenal"))
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }
}

/// Reads a `timezone` key: `WIB`, `WITA`, `WIT` or an IANA name.
pub fn zone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
    crate::config::value::parsed(
        d,
        "\"WITA\", \"WIB\", \"WIT\" atau nama IANA seperti \"Asia/Makassar\"",
        Zone::parse,
    )
}

/// The instant `text` names, read in `zone` unless it carries its own, relative forms counted
/// back from `now`; `None` when it is not a date this reader knows.
pub fn parse(text: &str, now: Timestamp, zone: &Zone) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.len() > 200 {
        return None;
    }
    if let Some(ts) = crate::time::parse_local(text, zone.tz()) {
        return Some(ts);
    }
    let lower = text.to_lowercase();
    relative(&lower, now, zone.tz()).or_else(|| absolute(&lower, zone.tz()))
}

/// A wall-clock time in `tz` as an instant (the earlier one of a repeated hour).
fn in_zone(dt: DateTime, tz: &TimeZone) -> Option<Timestamp> {
    dt.to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp())
}

static AGO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:sekitar\s+)?(\d{1,4}|se|a|an|one)\s*(detik|dtk|menit|mnt|jam|hari|minggu|pekan|bulan|tahun|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s*(?:yang\s+)?(?:lalu|yg\s+lalu|ago)$",
    )
    .expect("a static pattern compiles")
});

static DAY_AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(baru saja|just now|sekarang|hari ini|today|kemarin|yesterday)(?:[\s,]+(?:pukul|jam|at)?\s*(\d{1,2})[:.](\d{2}))?(?:\s*(wib|wita|wit))?$")
        .expect("a static pattern compiles")
});

/// "2 jam lalu", "5 menit yang lalu", "3 hours ago", "kemarin 14.30", "baru saja".
fn relative(text: &str, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
    let text = text.trim_end_matches('.').trim();
    if let Some(caps) = AGO.captures(text) {
        let n: i64 = match &caps[1] {
            "se" | "a" | "an" | "one" => 1,
            digits => digits.parse().ok()?,
        };
        let unit = &caps[2];
        let secs: i64 = match unit.chars().next()? {
            'd' if unit.starts_with("day") => 86_400,
            'd' => 1,
            's' => 1,
            'm' if unit.starts_with("mon") => 30 * 86_400,
            'm' if unit.starts_with("minggu") => 7 * 86_400,
            'm' => 60,
            'j' | 'h' if unit.starts_with("hari") => 86_400,
            'j' | 'h' => 3600,
            'p' | 'w' => 7 * 86_400,
            'b' => 30 * 86_400,
            't' | 'y' => 365 * 86_400,
            _ => return None,
        };
        return now
            .checked_sub(SignedDuration::from_secs(n.checked_mul(secs)?))
            .ok();
    }
    let caps = DAY_AT.captures(text)?;
    let days_back = match &caps[1] {
        "kemarin" | "yesterday" => 1,
        "hari ini" | "today" => 0,
        _ => return Some(now),
    };
    let zone = caps
        .get(4)
        .and_then(|z| zone_offset(z.as_str()))
        .map_or_else(|| tz.clone(), TimeZone::fixed);
    let date = now
        .to_zoned_datetime(zone.clone())
        .date()
        .checked_sub(days_back.days())
        .ok()?;
    match (caps.get(2), caps.get(3)) {
        (Some(h), Some(m)) => {
            let time = Time::new(h.as_str().parse().ok()?, m.as_str().parse().ok()?, 0, 0).ok()?;
            in_zone(date.to_datetime(time), &zone)
        }
        // "kemarin" alone: a day ago, the best a day without an hour allows.
        _ if days_back == 1 => now.checked_sub(SignedDuration::from_hours(24)).ok(),
        _ => Some(now),
    }
}

/// WIB, WITA, WIT and the like as an offset.
fn zone_offset(word: &str) -> Option<Offset> {
    let hours = match word {
        "utc" | "gmt" | "z" => 0,
        _ => crate::time::indonesian_zone_hours(word)?,
    };
    Offset::from_hours(hours).ok()
}

/// What [`absolute`] has found so far.
#[derive(Debug, Default)]
struct Parts {
    year: Option<i16>,
    month: Option<i8>,
    day: Option<i8>,
    time: Option<(i8, i8, i8)>,
    pm: Option<bool>,
    offset: Option<Offset>,
}

/// "Sabtu, 6 Desember 2025 09:15 WITA", "06/12/2025 09.15", "6 Des 2025", "Dec 6, 2025
/// 9:15 AM", "2025-12-06 09:15:00 +0800": words it does not know (weekdays, "pukul", "|") are
/// passed over; a day, a month and a year are required.
fn absolute(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let mut parts = Parts::default();
    let cleaned: String = text
        .chars()
        .map(|c| {
            if matches!(c, ',' | '|' | '(' | ')' | '[' | ']') {
                ' '
            } else {
                c
            }
        })
        .collect();
    for token in cleaned.split_whitespace() {
        read_token(token.trim_end_matches('.'), &mut parts);
    }
    let date = Date::new(parts.year?, parts.month?, parts.day?).ok()?;
    let (mut h, m, s) = parts.time.unwrap_or((0, 0, 0));
    match parts.pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let dt = date.to_datetime(Time::new(h, m, s, 0).ok()?);
    match parts.offset {
        Some(offset) => in_zone(dt, &TimeZone::fixed(offset)),
        None => in_zone(dt, tz),
    }
}

/// Reads one word of an absolute date into `parts`.
fn read_token(token: &str, parts: &mut Parts) {
    if let Some(m) = crate::time::month_number(token) {
        parts.month.get_or_insert(m);
    } else if let Some(offset) = zone_offset(token).or_else(|| numeric_offset(token)) {
        parts.offset = Some(offset);
    } else if token == "am" || token == "pm" {
        parts.pm = Some(token == "pm");
    } else if let Some(time) = clock(token) {
        parts.time.get_or_insert(time);
    } else if let Some((y, m, d)) = numeric_date(token) {
        parts.year.get_or_insert(y);
        parts.month.get_or_insert(m);
        parts.day.get_or_insert(d);
    } else if let Ok(n) = token.parse::<u16>() {
        match n {
            1000..=9999 => {
                parts.year.get_or_insert(n as i16);
            }
            1..=31 if parts.day.is_none() => parts.day = Some(n as i8),
            _ => {}
        }
    } else if let Some((date, time)) = token.split_once('t')
        && let Some((y, m, d)) = numeric_date(date)
    {
        // "2025-12-06t09:15" (lower-cased ISO without seconds or zone).
        parts.year.get_or_insert(y);
        parts.month.get_or_insert(m);
        parts.day.get_or_insert(d);
        // "09:15+08:00", "09:15z": the clock, then its offset.
        let (clock_part, offset) = match time.find(['+', '-', 'z']) {
            Some(i) => (
                &time[..i],
                zone_offset(&time[i..]).or_else(|| numeric_offset(&time[i..])),
            ),
            None => (time, None),
        };
        if let Some(t) = clock(clock_part) {
            parts.time.get_or_insert(t);
        }
        if offset.is_some() {
            parts.offset = offset;
        }
    }
}

/// `+0800`, `+08:00`, `-05`.
fn numeric_offset(token: &str) -> Option<Offset> {
    let sign = match token.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = token[1..].chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits
        .get(2..)
        .filter(|s| !s.is_empty())
        .map_or(Some(0), |s| s.parse().ok())?;
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

/// `09:15`, `9.15`, `09:15:30`: hours then minutes (and seconds), with `:` or `.`.
fn clock(token: &str) -> Option<(i8, i8, i8)> {
    let sep = if token.contains(':') { ':' } else { '.' };
    let fields: Vec<&str> = token.split(sep).collect();
    if !(2..=3).contains(&fields.len())
        || fields
            .iter()
            .any(|f| f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()))
        || fields[1].len() != 2
    {
        return None;
    }
    let h: i8 = fields[0].parse().ok()?;
    let m: i8 = fields[1].parse().ok()?;
    let s: i8 = fields.get(2).map_or(Some(0), |s| s.parse().ok())?;
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

/// `06/12/2025`, `6-12-2025`, `06.12.2025` (day first, as Indonesia writes), `2025-12-06`
/// and `2025/12/06` (year first); a two-digit year is this century's.
fn numeric_date(token: &str) -> Option<(i16, i8, i8)> {
    let fields: Vec<&str> = token.split(['/', '-', '.']).collect();
    if fields.len() != 3
        || fields
            .iter()
            .any(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (y, m, d) = if fields[0].len() == 4 {
        (fields[0], fields[1], fields[2])
    } else {
        (fields[2], fields[1], fields[0])
    };
    let mut year: i16 = y.parse().ok()?;
    if y.len() == 2 {
        year += 2000;
    } else if y.len() != 4 {
        return None;
    }
    Some((year, m.parse().ok()?, d.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Saturday 6 December 2025, 12:00 WITA.
    fn now() -> Timestamp {
        "2025-12-06T04:00:00Z".parse().unwrap()
    }

    fn read(text: &str) -> Option<String> {
        parse(text, now(), &Zone::default()).map(|ts| ts.to_string())
    }

    #[test]
    fn long_indonesian_dates_with_a_zone() {
        assert_eq!(
            read("Sabtu, 6 Desember 2025 09:15 WITA").unwrap(),
            "2025-12-06T01:15:00Z"
        );
        assert_eq!(
            read("Sabtu, 6 Desember 2025 09:15 WIB").unwrap(),
            "2025-12-06T02:15:00Z"
        );
        assert_eq!(
            read("Sabtu, 6 Desember 2025 - 09:15 WIT").unwrap(),
            "2025-12-06T00:15:00Z"
        );
        assert_eq!(
            read("Sabtu, 06 Des 2025 | 09.15 WITA").unwrap(),
            "2025-12-06T01:15:00Z"
        );
        assert_eq!(
            read("Jumat, 5 Desember 2025 pukul 21.40 WITA").unwrap(),
            "2025-12-05T13:40:00Z"
        );
        assert_eq!(read("Selasa (2/12/2025)").unwrap(), "2025-12-01T16:00:00Z");
    }

    #[test]
    fn numeric_dates_are_day_first_and_wita_by_default() {
        assert_eq!(read("06/12/2025 09:15").unwrap(), "2025-12-06T01:15:00Z");
        assert_eq!(
            read("06-12-2025, 09:15:30").unwrap(),
            "2025-12-06T01:15:30Z"
        );
        assert_eq!(read("2025-12-06 09:15:00").unwrap(), "2025-12-06T01:15:00Z");
        assert_eq!(read("2025-12-06T09:15:00").unwrap(), "2025-12-06T01:15:00Z");
        assert_eq!(read("2025/12/06").unwrap(), "2025-12-05T16:00:00Z");
        assert_eq!(read("06.12.2025").unwrap(), "2025-12-05T16:00:00Z");
        // The source's own zone, when it is not WITA.
        let wib = Zone::parse("WIB").unwrap();
        assert_eq!(
            parse("06/12/2025 09:15", now(), &wib).unwrap().to_string(),
            "2025-12-06T02:15:00Z"
        );
    }

    #[test]
    fn dates_without_a_time_are_local_midnight() {
        assert_eq!(read("6 Des 2025").unwrap(), "2025-12-05T16:00:00Z");
        assert_eq!(read("6 Desember 2025").unwrap(), "2025-12-05T16:00:00Z");
        assert_eq!(read("6 Agt 2025").unwrap(), "2025-08-05T16:00:00Z");
        assert_eq!(read("12 Mei 2025").unwrap(), "2025-05-11T16:00:00Z");
    }

    #[test]
    fn english_months_and_clock() {
        assert_eq!(read("Dec 6, 2025").unwrap(), "2025-12-05T16:00:00Z");
        assert_eq!(
            read("Saturday, December 6, 2025 9:15 AM").unwrap(),
            "2025-12-06T01:15:00Z"
        );
        assert_eq!(
            read("December 6, 2025 9:15 pm").unwrap(),
            "2025-12-06T13:15:00Z"
        );
        assert_eq!(
            read("6 Dec 2025 09:15 +0700").unwrap(),
            "2025-12-06T02:15:00Z"
        );
    }

    #[test]
    fn offsets_and_instants_win() {
        assert_eq!(
            read("2025-12-05T19:05+08:00").unwrap(),
            "2025-12-05T11:05:00Z"
        );
        assert_eq!(
            read("2025-12-06T09:15:00+07:00").unwrap(),
            "2025-12-06T02:15:00Z"
        );
        assert_eq!(
            read("2025-12-06T01:15:00Z").unwrap(),
            "2025-12-06T01:15:00Z"
        );
    }

    #[test]
    fn relative_dates_count_back_from_the_fetch() {
        assert_eq!(read("2 jam lalu").unwrap(), "2025-12-06T02:00:00Z");
        assert_eq!(read("2 jam yang lalu").unwrap(), "2025-12-06T02:00:00Z");
        assert_eq!(read("5 menit yang lalu").unwrap(), "2025-12-06T03:55:00Z");
        assert_eq!(read("30 detik lalu").unwrap(), "2025-12-06T03:59:30Z");
        assert_eq!(read("3 hari lalu").unwrap(), "2025-12-03T04:00:00Z");
        assert_eq!(read("1 minggu lalu").unwrap(), "2025-11-29T04:00:00Z");
        assert_eq!(read("sejam lalu").unwrap(), "2025-12-06T03:00:00Z");
        assert_eq!(read("3 hours ago").unwrap(), "2025-12-06T01:00:00Z");
        assert_eq!(read("an hour ago").unwrap(), "2025-12-06T03:00:00Z");
        assert_eq!(read("10 mins ago").unwrap(), "2025-12-06T03:50:00Z");
        assert_eq!(read("Baru saja").unwrap(), "2025-12-06T04:00:00Z");
        assert_eq!(read("just now").unwrap(), "2025-12-06T04:00:00Z");
        assert_eq!(read("kemarin").unwrap(), "2025-12-05T04:00:00Z");
        assert_eq!(read("Kemarin, 14.30").unwrap(), "2025-12-05T06:30:00Z");
        assert_eq!(
            read("kemarin pukul 14:30 WIB").unwrap(),
            "2025-12-05T07:30:00Z"
        );
        assert_eq!(read("hari ini 09:15").unwrap(), "2025-12-06T01:15:00Z");
    }

    #[test]
    fn what_is_not_a_date_is_none_and_never_panics() {
        for text in [
            "",
            "kemarin sore",
            "Halaman 2",
            "Desember",
            "6 Desember",
            "32/13/2025",
            "31 Februari 2025",
            "99:99",
            "9999999999 jam lalu",
            "-5 menit lalu",
            "25:00 6 Des 2025",
            "+99999 6 Des 2025",
            "🙂 6 Des 2025 ✓",
        ] {
            let got = parse(text, now(), &Zone::default());
            if text.contains("Des 2025") {
                assert!(got.is_some(), "{text}");
            } else {
                assert_eq!(got, None, "{text}");
            }
        }
    }

    #[test]
    fn zones_by_their_indonesian_names() {
        assert_eq!(
            Zone::parse("wita").unwrap().tz().iana_name(),
            Some("Asia/Makassar")
        );
        assert_eq!(
            Zone::parse("WIB").unwrap().tz().iana_name(),
            Some("Asia/Jakarta")
        );
        assert_eq!(
            Zone::parse("Asia/Jayapura").unwrap().tz().iana_name(),
            Some("Asia/Jayapura")
        );
        assert!(Zone::parse("Mars/Olympus").is_err());
    }
}
