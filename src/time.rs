//! Time helpers shared by every stage: durations as users write them ("15m", "1h30m", "1d"),
//! the fixed UTC text form the database stores, lenient parsing of the dates feeds carry
//! (including Indonesian month names and WIB/WITA/WIT), and dates shown in the local zone.

use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp, ToSpan};

/// Parses a duration as users write it in config files: `90s`, `15m`, `1h30m`, `2 hours`, `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let signed = match text.parse::<SignedDuration>() {
        Ok(d) => d,
        // Days are calendar units for jiff; for an interval a day is simply 24 hours.
        Err(_) => text
            .parse::<Span>()
            .and_then(|span| span.to_duration(SpanRelativeTo::days_are_24_hours()))
            .map_err(|_| format!("durasi \"{text}\" tidak dikenali"))?,
    };
    Duration::try_from(signed).map_err(|_| format!("durasi \"{text}\" tidak boleh negatif"))
}

/// Formats a duration compactly for people: `15m`, `1h 30m`.
pub fn format_duration(d: Duration) -> String {
    match SignedDuration::try_from(d) {
        Ok(d) => format!("{d:#}"),
        Err(_) => format!("{}s", d.as_secs()),
    }
}

/// The database's text form of an instant: fixed width, UTC, whole seconds, so that text order
/// is time order and `sqlite3` users can read it and use SQLite's date functions on it.
pub fn to_db(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads [`to_db`]'s form (and any RFC 3339 instant).
pub fn from_db(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// The start of the UTC hour holding `ts`: the bucket of the hourly rollups.
pub fn hour_bucket(ts: Timestamp) -> Timestamp {
    let s = ts.as_second();
    Timestamp::from_second(s - s.rem_euclid(3600)).expect("an hour start lies inside the range")
}

/// The end of the window that holds `now`: `now` itself when it is on the hour (so `--at
/// 07:00`, or a briefing's midnight, ends there), else the start of the next hour. The hour in
/// progress then counts with what it has so far, against full hours on the previous days: the
/// count can only be biased low, never high, and a rise is heard within the hour it starts.
pub fn window_end(now: Timestamp) -> Timestamp {
    let start = hour_bucket(now);
    if start == now {
        now
    } else {
        start
            .checked_add(jiff::SignedDuration::from_hours(1))
            .unwrap_or(start)
    }
}
/// A local time `YYYY-MM-DDTHH:MM` (or a date, meaning its midnight) in `tz`, or an RFC 3339
/// instant.
pub fn parse_local(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok().or_else(|| {
        text.parse::<Date>()
            .ok()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    })?;
    civil
        .to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The end of a period as users write it (`--until`, `until=`): a date means the end of that
/// local day in `tz`, so that `--until 2026-11-27` includes the 27th; a local time or an
/// RFC 3339 instant is that instant (as [`parse_local`]).
pub fn parse_local_end(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    // jiff reads a date out of a datetime too; only a bare date means a whole day.
    if !text.contains(['T', 't', ' '])
        && let Ok(date) = text.parse::<Date>()
    {
        return Some(day_bounds(date, tz).1);
    }
    parse_local(text, tz)
}

/// The province's zone, WITA (`Asia/Makassar`): the default of `[schedule] timezone`.
pub fn default_zone() -> TimeZone {
    TimeZone::get("Asia/Makassar").expect("the bundled tzdb has Asia/Makassar")
}

/// Start and end (exclusive) of a local calendar day, as UTC instants.
pub fn day_bounds(date: Date, tz: &TimeZone) -> (Timestamp, Timestamp) {
    let start = date
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN);
    let end = date
        .checked_add(1.day())
        .ok()
        .and_then(|d| d.to_zoned_datetime(tz.clone()).ok())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX);
    (start, end)
}

/// The local calendar date of an instant.
pub fn local_date(ts: Timestamp, tz: &TimeZone) -> Date {
    ts.to_zoned_datetime(tz.clone()).date()
}

/// The name Indonesians use for a zone (WIB/WITA/WIT), else its abbreviation.
pub fn zone_label(tz: &TimeZone, at: Timestamp) -> String {
    match tz.iana_name() {
        Some("Asia/Makassar") | Some("Asia/Ujung_Pandang") => "WITA".into(),
        Some("Asia/Jakarta") | Some("Asia/Pontianak") => "WIB".into(),
        Some("Asia/Jayapura") => "WIT".into(),
        _ => tz.to_offset_info(at).abbreviation().to_string(),
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Language of what a user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// The language code: `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The language of a code; anything but `en` is Indonesian, the default.
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Id }
    }
}

/// `27 November 2026`
pub fn format_date(date: Date, lang: Lang) -> String {
    let months = match lang {
        Lang::Id => &MONTHS_ID,
        Lang::En => &MONTHS_EN,
    };
    format!(
        "{} {} {}",
        date.day(),
        months[(date.month() - 1) as usize],
        date.year()
    )
}

/// `Jumat, 27 November 2026` / `Friday, 27 November 2026`: the date as a letter carries it.
pub fn format_date_long(date: Date, lang: Lang) -> String {
    const DAYS_ID: [&str; 7] = [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
    ];
    const DAYS_EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let i = date.weekday().to_monday_zero_offset() as usize;
    let day = match lang {
        Lang::Id => DAYS_ID[i],
        Lang::En => DAYS_EN[i],
    };
    format!("{day}, {}", format_date(date, lang))
}

/// `27 November 2026 07.00 WITA` (Indonesian writes times with a dot).
pub fn format_local(ts: Timestamp, tz: &TimeZone, lang: Lang) -> String {
    let z = ts.to_zoned_datetime(tz.clone());
    let sep = if lang == Lang::Id { '.' } else { ':' };
    format!(
        "{} {:02}{sep}{:02} {}",
        format_date(z.date(), lang),
        z.hour(),
        z.minute(),
        zone_label(tz, ts)
    )
}

/// Parses the dates found in feeds, leniently: RFC 3339, RFC 2822 (a wrong weekday is ignored),
/// Indonesian day and month names, and the zones WIB (+07), WITA (+08) and WIT (+09), which
/// generic parsers read as UTC.
pub fn parse_feed_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let english = to_english_date(text);
    // The weekday is redundant and often wrong (or Indonesian); drop it before RFC 2822 parsing.
    let no_weekday = match english.split_once(',') {
        Some((head, rest)) if head.chars().all(char::is_alphabetic) => rest.trim(),
        _ => english.as_str(),
    };
    if let Ok(ts) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(no_weekday) {
        return Some(ts);
    }
    const FORMATS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%d %B %Y %H:%M:%S %z",
        "%d %B %Y %H:%M %z",
        "%d %b %Y %H:%M %z",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d",
    ];
    for fmt in FORMATS {
        if let Ok(ts) = Timestamp::strptime(fmt, no_weekday) {
            return Some(ts);
        }
        // Formats without a zone are taken as UTC.
        if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, no_weekday) {
            return dt
                .to_zoned_datetime(TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
        }
        if let Ok(d) = Date::strptime(fmt, no_weekday) {
            return d
                .to_zoned_datetime(TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
        }
    }
    None
}

/// Replaces month names (Indonesian, or English in full) and Indonesia's zone names with the
/// English abbreviations and numeric offsets the parsers know.
fn to_english_date(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let lower = word.to_lowercase();
            if let Some(month) = month_number(&lower) {
                MONTHS_EN[(month - 1) as usize][..3].to_string()
            } else if let Some(hours) = indonesian_zone_hours(&lower) {
                format!("+{hours:02}00")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A month's number from its Indonesian or English name, full or abbreviated as the
/// province's sites write them (`desember`, `des`, `nop`, `agst`, `sept`, `dec`); `word` in
/// lower case. The one table of feed dates ([`parse_feed_date`]) and page dates
/// ([`crate::sources::dates`]).
pub fn month_number(word: &str) -> Option<i8> {
    const NAMES: &[(&str, i8)] = &[
        ("januari", 1),
        ("january", 1),
        ("jan", 1),
        ("februari", 2),
        ("pebruari", 2),
        ("february", 2),
        ("feb", 2),
        ("peb", 2),
        ("maret", 3),
        ("march", 3),
        ("mar", 3),
        ("april", 4),
        ("apr", 4),
        ("mei", 5),
        ("may", 5),
        ("juni", 6),
        ("june", 6),
        ("jun", 6),
        ("juli", 7),
        ("july", 7),
        ("jul", 7),
        ("agustus", 8),
        ("august", 8),
        ("agu", 8),
        ("agt", 8),
        ("agst", 8),
        ("aug", 8),
        ("september", 9),
        ("sept", 9),
        ("sep", 9),
        ("oktober", 10),
        ("october", 10),
        ("okt", 10),
        ("oct", 10),
        ("november", 11),
        ("nopember", 11),
        ("nov", 11),
        ("nop", 11),
        ("desember", 12),
        ("december", 12),
        ("des", 12),
        ("dec", 12),
    ];
    NAMES.iter().find(|(n, _)| *n == word).map(|&(_, m)| m)
}

/// Hours east of UTC of Indonesia's zones as written after a time: `wib` 7, `wita` 8, `wit`
/// 9; `word` in lower case.
pub fn indonesian_zone_hours(word: &str) -> Option<i8> {
    match word {
        "wib" => Some(7),
        "wita" => Some(8),
        "wit" => Some(9),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_ends_at_the_end_of_a_date_or_at_a_time() {
        let tz = default_zone();
        let end = |t: &str| parse_local_end(t, &tz).map(|ts| ts.to_string());
        assert_eq!(end("2026-11-27").as_deref(), Some("2026-11-27T16:00:00Z"));
        assert_eq!(
            end("2026-11-27T07:00").as_deref(),
            Some("2026-11-26T23:00:00Z")
        );
        assert_eq!(
            end("2026-11-27T07:00:00Z").as_deref(),
            Some("2026-11-27T07:00:00Z")
        );
        assert_eq!(end("kemarin"), None);
    }

    #[test]
    fn a_window_ends_on_the_hour() {
        let on_the_hour: Timestamp = "2026-11-27T23:00:00Z".parse().unwrap();
        assert_eq!(window_end(on_the_hour), on_the_hour);
        let within: Timestamp = "2026-11-27T23:10:00Z".parse().unwrap();
        assert_eq!(window_end(within).to_string(), "2026-11-28T00:00:00Z");
    }

    #[test]
    fn durations_as_users_write_them() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
        assert_eq!(parse_duration(" 90s ").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("sebentar").is_err());
        assert!(parse_duration("-5m").is_err());
    }

    #[test]
    fn feed_dates_in_many_dialects() {
        let want: Timestamp = "2026-11-27T02:00:00Z".parse().unwrap();
        for text in [
            "2026-11-27T10:00:00+08:00",
            "Fri, 27 Nov 2026 10:00:00 +0800",
            "Thu, 27 Nov 2026 10:00:00 +0800", // wrong weekday
            "Jum, 27 Nov 2026 10:00:00 WITA",
            "27 November 2026 10:00:00 WITA",
            "27 Nov 2026 09:00:00 WIB",
            "Fri, 27 Nov 2026 02:00:00 GMT",
            "27 Desember 2026 10:00 +0800",
        ] {
            let got = parse_feed_date(text).unwrap_or_else(|| panic!("{text}"));
            if text.contains("Desember") {
                assert_eq!(got, "2026-12-27T02:00:00Z".parse::<Timestamp>().unwrap());
            } else {
                assert_eq!(got, want, "{text}");
            }
        }
        assert_eq!(parse_feed_date("kemarin sore"), None);
    }

    /// Feed dates read the abbreviations page dates read: one table for both.
    #[test]
    fn feed_dates_know_every_abbreviation() {
        for (text, want) in [
            ("27 Nop 2026 10:00 WITA", "2026-11-27T02:00:00Z"),
            ("6 Agst 2026 10:00 WITA", "2026-08-06T02:00:00Z"),
            ("Sab, 5 Sept 2026 10:00:00 WIB", "2026-09-05T03:00:00Z"),
            ("3 Peb 2026 10:00 WIT", "2026-02-03T01:00:00Z"),
        ] {
            let got = parse_feed_date(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(got, want.parse::<Timestamp>().unwrap(), "{text}");
        }
    }

    #[test]
    fn local_days_and_labels() {
        let tz = TimeZone::get("Asia/Makassar").unwrap();
        let (start, end) = day_bounds(jiff::civil::date(2026, 11, 27), &tz);
        assert_eq!(to_db(start), "2026-11-26T16:00:00Z");
        assert_eq!(to_db(end), "2026-11-27T16:00:00Z");
        assert_eq!(
            format_local(start, &tz, Lang::Id),
            "27 November 2026 00.00 WITA"
        );
        let ts: Timestamp = "2026-11-27T10:37:12Z".parse().unwrap();
        assert_eq!(to_db(hour_bucket(ts)), "2026-11-27T10:00:00Z");
        assert_eq!(from_db(&to_db(ts)), Some(ts));
        // 4 December 2026 is a Friday.
        let friday = jiff::civil::date(2026, 12, 4);
        assert_eq!(format_date_long(friday, Lang::Id), "Jumat, 4 Desember 2026");
        assert_eq!(
            format_date_long(friday, Lang::En),
            "Friday, 4 December 2026"
        );
        let sunday = jiff::civil::date(2026, 12, 6);
        assert_eq!(
            format_date_long(sunday, Lang::Id),
            "Minggu, 6 Desember 2026"
        );
    }
}
