//! The formal parts of the briefing as a *telaahan staf* (tata naskah dinas): the head under
//! the letterhead (Kepada, Dari, Tanggal, Nomor, Sifat, Lampiran, Hal) and the signature
//! block. Their values come from `[briefing]` (see [`Letter`]); the templates print them with
//! every value escaped, like post text, since a config file is no more trusted than that.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::PeriodKind;
pub use crate::config::letter::{
    DEFAULT_DARI, DEFAULT_KEPADA, DEFAULT_SIFAT, DEFAULT_TEMPAT, Letter, parse_nip,
};
use crate::time::{Lang, format_date, local_date};

/// The head of the telaahan: what the JSON's `head` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub kepada: String,
    pub dari: String,
    /// The local date it was written, in words: "7 Desember 2026".
    pub tanggal: String,
    pub nomor: String,
    pub sifat: String,
    pub lampiran: String,
    pub hal: String,
}

/// The signature block: what the JSON's `signature` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Signature {
    pub jabatan: String,
    pub nama: String,
    pub nip: String,
    /// "Samarinda, 7 Desember 2026".
    pub tempat_tanggal: String,
}

/// The head of a briefing numbered `nomor` over the period of `kind` called `date_label`,
/// written at `now`.
pub fn head(
    letter: &Letter,
    kind: PeriodKind,
    date_label: &str,
    nomor: &str,
    now: Timestamp,
    tz: &TimeZone,
    lang: Lang,
) -> Head {
    let lampiran = match lang {
        Lang::Id => "1 (satu) berkas: ringkasan eksekutif dan rincian isu",
        Lang::En => "1 (one) file: executive summary and issue details",
    };
    let hal = match (lang, kind) {
        (Lang::Id, PeriodKind::Day) => format!("Telaahan isu publik harian {date_label}"),
        (Lang::Id, PeriodKind::Week) => format!("Telaahan isu publik mingguan {date_label}"),
        (Lang::Id, PeriodKind::Month) => format!("Telaahan isu publik bulanan {date_label}"),
        (Lang::En, PeriodKind::Day) => format!("Daily review of public issues, {date_label}"),
        (Lang::En, PeriodKind::Week) => format!("Weekly review of public issues, {date_label}"),
        (Lang::En, PeriodKind::Month) => format!("Monthly review of public issues, {date_label}"),
    };
    Head {
        kepada: letter.kepada.clone(),
        dari: letter.dari.clone(),
        tanggal: format_date(local_date(now, tz), lang),
        nomor: nomor.to_string(),
        sifat: letter.sifat.clone(),
        lampiran: lampiran.to_string(),
        hal,
    }
}

/// The signature block of a letter dated `tanggal` ("7 Desember 2026"), signed at the
/// letter's `tempat` (`[briefing] tempat`, Samarinda by default).
pub fn signature(letter: &Letter, tanggal: &str) -> Signature {
    Signature {
        jabatan: letter.jabatan.clone(),
        nama: letter.nama.clone(),
        nip: letter.nip.clone(),
        tempat_tanggal: format!("{}, {tanggal}", letter.tempat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nips_are_eighteen_digits() {
        assert_eq!(
            parse_nip(" 19700101 199001 1 001 ").unwrap(),
            "197001011990011001"
        );
        assert_eq!(parse_nip("").unwrap(), "");
        for bad in [
            "1970010119900110",
            "19700101199001100a",
            "1970010119900110011",
        ] {
            let e = parse_nip(bad).unwrap_err();
            assert!(e.contains("18 angka"), "{e}");
        }
    }

    #[test]
    fn the_head_names_the_period_and_the_local_date() {
        let tz = TimeZone::get("Asia/Makassar").unwrap();
        // 23:30 UTC on 6 December is 07:30 on 7 December in WITA.
        let now: Timestamp = "2026-12-06T23:30:00Z".parse().unwrap();
        let letter = Letter::default();
        let h = head(
            &letter,
            PeriodKind::Day,
            "Minggu, 6 Desember 2026",
            "N/1",
            now,
            &tz,
            Lang::Id,
        );
        assert_eq!(h.tanggal, "7 Desember 2026");
        assert_eq!(h.hal, "Telaahan isu publik harian Minggu, 6 Desember 2026");
        assert_eq!(h.sifat, "Biasa");
        assert_eq!(h.kepada, DEFAULT_KEPADA);
        let w = head(
            &letter,
            PeriodKind::Week,
            "Minggu ke-49 2026",
            "N/2",
            now,
            &tz,
            Lang::Id,
        );
        assert_eq!(w.hal, "Telaahan isu publik mingguan Minggu ke-49 2026");
        let m = head(
            &letter,
            PeriodKind::Month,
            "November 2026",
            "N/3",
            now,
            &tz,
            Lang::En,
        );
        assert_eq!(m.hal, "Monthly review of public issues, November 2026");
        assert_eq!(m.tanggal, "7 December 2026");
        assert_eq!(
            signature(&letter, &h.tanggal).tempat_tanggal,
            "Samarinda, 7 Desember 2026"
        );
    }

    /// A briefing with no posts under `letter`, rendered to (HTML, Markdown, JSON).
    fn rendered(letter: &Letter, lang: Lang) -> (String, String, serde_json::Value) {
        use super::super::{Briefing, Period, Totals};
        let tz = TimeZone::get("Asia/Makassar").unwrap();
        let now: Timestamp = "2026-12-06T23:30:00Z".parse().unwrap();
        let number = "PANTAU/TELAAH/20261206";
        let head = head(
            letter,
            PeriodKind::Day,
            "Minggu, 6 Desember 2026",
            number,
            now,
            &tz,
            lang,
        );
        let mut b = Briefing {
            office: "Diskominfo <b>Kaltim</b>".into(),
            title: "Telaahan".into(),
            number: number.into(),
            date: "2026-12-06".into(),
            date_label: "Minggu, 6 Desember 2026".into(),
            signature: signature(letter, &head.tanggal),
            head,
            logo: letter.logo.clone(),
            language: lang,
            timezone: "Asia/Makassar".into(),
            timezone_label: "WITA".into(),
            period: Period {
                kind: PeriodKind::Day,
                start: now,
                end: now,
                label: "x".into(),
            },
            generated_at: now,
            generated_label: "7 Desember 2026 07.30 WITA".into(),
            keywords_version: "1".into(),
            totals: Totals {
                posts: 0,
                tagged_posts: 0,
                issues: 0,
                sources: 0,
                sources_failed: 0,
            },
            summary: vec![],
            issues: vec![],
            areas: vec![],
            sources: vec![],
            method: vec![],
            comparison: None,
            areas_svg: String::new(),
            map_html: String::new(),
            telaahan: Default::default(),
        };
        b.telaahan = super::super::telaahan::build(&b, &[]);
        let json = serde_json::from_str(&super::super::json::render(&b)).unwrap();
        (
            super::super::html::render(&b).unwrap(),
            super::super::markdown::render(&b).unwrap(),
            json,
        )
    }

    #[test]
    fn the_head_and_signature_are_rendered_in_every_format() {
        let letter = Letter {
            nama: "Dr. Siti Rahmah, S.Kom., M.Si.".into(),
            nip: "197001011990011001".into(),
            jabatan: "Kepala Bidang Informasi Publik".into(),
            ..Letter::default()
        };
        let (html, md, json) = rendered(&letter, Lang::Id);
        assert!(html.contains("<h1>Telaahan Staf</h1>"), "{html}");
        for (label, value) in [
            ("Kepada", DEFAULT_KEPADA),
            ("Dari", DEFAULT_DARI),
            ("Tanggal", "7 Desember 2026"),
            ("Nomor", "PANTAU/TELAAH/20261206"),
            ("Sifat", "Biasa"),
            (
                "Lampiran",
                "1 (satu) berkas: ringkasan eksekutif dan rincian isu",
            ),
            ("Hal", "Telaahan isu publik harian Minggu, 6 Desember 2026"),
        ] {
            let row = format!(
                "<tr><th>{label}</th><td>{}</td></tr>",
                value.replace('/', "&#x2f;")
            );
            assert!(html.contains(&row), "HTML lacks {row}");
            assert!(
                md.contains(&format!("| {label} | {value} |")),
                "Markdown lacks {label}"
            );
            let key = label.to_lowercase();
            assert_eq!(json["head"][&key], value, "JSON head.{key}");
        }
        for want in [
            "Samarinda, 7 Desember 2026",
            "Kepala Bidang Informasi Publik",
            "Dr. Siti Rahmah, S.Kom., M.Si.",
            "NIP. 197001011990011001",
        ] {
            assert!(html.contains(want), "HTML lacks {want}");
            assert!(md.contains(want), "Markdown lacks {want}");
        }
        // The signature comes after the body's six sections and before the attachment.
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(at("id=\"bagian-saran\"") < at("id=\"tanda-tangan\""));
        assert!(at("id=\"tanda-tangan\"") < at("id=\"lampiran\""));
        assert!(at("id=\"lampiran\"") < at("id=\"ringkasan\""));
        let md_at = |needle: &str| md.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(md_at("## VI. Saran/Tindak") < md_at("NIP. 1970"));
        assert!(md_at("NIP. 1970") < md_at("# Lampiran"));
        assert!(md_at("# Lampiran") < md_at("## Ringkasan Eksekutif"));
        // The head carries the date and number: no second "Hari, tanggal" or "Nomor" line.
        assert!(!html.contains("Hari, tanggal") && !md.contains("Hari, tanggal"));
        assert_eq!(html.matches("<th>Nomor</th>").count(), 1, "{html}");
        assert!(!md.contains("Nomor:"), "{md}");
        assert_eq!(
            md.matches("PANTAU/TELAAH/20261206").count(),
            2,
            "head and Lampiran"
        );
        assert_eq!(json["telaahan"]["persoalan"][0]["rule"], "sepi");
        assert_eq!(json["signature"]["nip"], "197001011990011001");
        assert_eq!(json["signature"]["nama"], "Dr. Siti Rahmah, S.Kom., M.Si.");
        // No name: a line to sign on, under the jabatan.
        let (html, md, _) = rendered(&Letter::default(), Lang::Id);
        assert!(html.contains("<div class=\"nama blank\">"), "{html}");
        assert!(md.contains("(……………………………………)"));
    }

    #[test]
    fn hostile_config_values_stay_text() {
        let evil = "<script>alert(1)</script> [x](javascript:alert(1)) | ![i](http://e)";
        let letter = Letter {
            kepada: evil.into(),
            dari: evil.into(),
            sifat: evil.into(),
            jabatan: evil.into(),
            nama: evil.into(),
            // Not a data URI config builds: dropped, never inserted.
            logo: Some("data:image/png;base64,AA\"><script>alert(1)</script>".into()),
            nip: String::new(),
            tempat: evil.into(),
        };
        let (html, md, json) = rendered(&letter, Lang::En);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "a broken logo is left out");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(
            !md.contains("<script>") && !md.contains("[x](javascript"),
            "{md}"
        );
        assert!(md.contains("\\<script\\>"));
        // The table's cells stay seven rows of two: a `|` in a value is escaped.
        assert!(md.contains("| Kepada | \\<script"), "{md}");
        assert_eq!(json["head"]["kepada"], evil);
        // English keeps the official field names and translates the helper texts.
        assert!(
            html.contains("<tr><th>Lampiran</th><td>1 (one) file"),
            "{html}"
        );
        assert!(html.contains("&#x2f;e), 7 December 2026"), "{html}");
        assert_eq!(
            json["signature"]["tempat_tanggal"],
            format!("{evil}, 7 December 2026")
        );
    }

    #[test]
    fn a_configured_logo_is_inlined() {
        let letter = Letter {
            logo: Some("data:image/svg+xml;base64,PHN2Zy8+".into()),
            ..Letter::default()
        };
        let (html, _, json) = rendered(&letter, Lang::Id);
        assert!(
            html.contains("<img class=\"seal logo\" src=\"data:image/svg+xml;base64,PHN2Zy8+\"")
        );
        assert!(json.get("logo").is_none(), "the logo is HTML only");
    }
}
