//! Words and labels in the two languages the briefing speaks (Bahasa Indonesia and English):
//! the few the briefing's data carries ([`words`]) and the table the templates print as `t`
//! ([`labels`]).

use std::collections::HashMap;

use crate::format::{count, thousands};
use crate::model::Reach;
use crate::time::Lang;
use crate::trends::Direction;

/// Words in the two languages the briefing speaks.
pub(crate) struct Words {
    pub title: &'static str,
    /// The weekly and monthly briefings' titles.
    pub title_week: &'static str,
    pub title_month: &'static str,
    pub trend: fn(Direction) -> &'static str,
}

impl Words {
    /// The title of a briefing of `kind`.
    pub fn title(&self, kind: super::PeriodKind) -> &'static str {
        match kind {
            super::PeriodKind::Day => self.title,
            super::PeriodKind::Week => self.title_week,
            super::PeriodKind::Month => self.title_month,
        }
    }
}

pub(crate) fn words(lang: Lang) -> Words {
    match lang {
        Lang::Id => Words {
            title: "Telaahan Harian Pemantauan Isu Publik",
            title_week: "Telaahan Mingguan Pemantauan Isu Publik",
            title_month: "Telaahan Bulanan Pemantauan Isu Publik",
            trend: |t| match t {
                Direction::Baru => "baru muncul",
                Direction::Naik => "naik",
                Direction::Stabil => "stabil",
                Direction::Turun => "turun",
            },
        },
        Lang::En => Words {
            title: "Daily Public Issue Monitoring Brief",
            title_week: "Weekly Public Issue Monitoring Brief",
            title_month: "Monthly Public Issue Monitoring Brief",
            trend: |t| match t {
                Direction::Baru => "newly appeared",
                Direction::Naik => "rising",
                Direction::Stabil => "steady",
                Direction::Turun => "falling",
            },
        },
    }
}

/// A platform's name for people (`x` → "X", `news` → "Berita" / "News"); a platform this
/// version does not name is shown as it is stored.
pub(crate) fn platform_label(platform: &str, lang: Lang) -> String {
    let name = match (platform, lang) {
        ("news", Lang::Id) => "Berita",
        ("news", Lang::En) => "News",
        ("lain", Lang::Id) => "Tidak disebut",
        ("lain", Lang::En) => "Not stated",
        ("x", _) => "X",
        ("youtube", _) => "YouTube",
        ("instagram", _) => "Instagram",
        ("tiktok", _) => "TikTok",
        ("facebook", _) => "Facebook",
        ("mastodon", _) => "Mastodon",
        ("reddit", _) => "Reddit",
        ("bluesky", _) => "Bluesky",
        ("telegram", _) => "Telegram",
        ("threads", _) => "Threads",
        ("json", _) => "JSON",
        (other, _) => other,
    };
    name.to_string()
}

/// What a platform said of a post's reach, for people: "1.200 suka · 35 dibagikan ·
/// 4 komentar · 10.000 tayangan"; only what it stated (empty when nothing).
pub(crate) fn reach_label(reach: &Reach, lang: Lang) -> String {
    let [likes, shares, comments, views] = match lang {
        Lang::Id => ["suka", "dibagikan", "komentar", "tayangan"],
        Lang::En => ["likes", "shares", "comments", "views"],
    };
    let parts = [
        reach.likes.map(|n| (n, likes)),
        (reach.shares > 0).then_some((reach.shares, shares)),
        reach.comments.map(|n| (n, comments)),
        reach.views.map(|n| (n, views)),
    ];
    parts
        .into_iter()
        .flatten()
        .map(|(n, word)| format!("{} {word}", thousands(n, lang)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An account's reach for people: "300.000 pengikut · keterlibatan 150 · 1 unggahan".
pub(crate) fn account_label(followers: u64, engagement: u64, posts: u64, lang: Lang) -> String {
    let followers = (followers > 0).then(|| match lang {
        Lang::Id => format!("{} pengikut", thousands(followers, lang)),
        Lang::En => format!("{} followers", thousands(followers, lang)),
    });
    let engagement = match lang {
        Lang::Id => format!("keterlibatan {}", thousands(engagement, lang)),
        Lang::En => format!("engagement {}", thousands(engagement, lang)),
    };
    followers
        .into_iter()
        .chain([engagement, count(posts, "posts", lang)])
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Labels in the briefing's language, handed to the templates as `t`.
pub(crate) fn labels(lang: Lang) -> HashMap<&'static str, &'static str> {
    let pairs: &[(&str, &str, &str)] = &[
        (
            "province",
            "Pemerintah Provinsi Kalimantan Timur",
            "Provincial Government of Kalimantan Timur",
        ),
        ("date", "Hari, tanggal", "Date"),
        ("tl_persoalan", "Persoalan", "Problem"),
        ("tl_praanggapan", "Praanggapan", "Assumptions"),
        (
            "tl_fakta",
            "Fakta-fakta yang Mempengaruhi",
            "Facts Bearing on the Problem",
        ),
        ("tl_analisis", "Analisis", "Analysis"),
        ("tl_kesimpulan", "Kesimpulan", "Conclusions"),
        ("tl_saran", "Saran/Tindak", "Recommended Action"),
        ("lampiran", "Lampiran", "Attachment"),
        (
            "lampiran_of",
            "Lampiran Telaahan Staf Nomor",
            "Attachment to Staff Review No.",
        ),
        (
            "system",
            "Pantau · Pemantauan Isu Publik",
            "Pantau · Public Issue Monitoring",
        ),
        ("fig_posts", "unggahan terkumpul", "posts collected"),
        ("fig_issues", "isu terpantau", "issues detected"),
        (
            "fig_rising",
            "isu naik signifikan",
            "issues rising significantly",
        ),
        ("fig_sources", "sumber terjangkau", "sources reached"),
        ("tr_naik", "naik", "rising"),
        ("tr_baru", "baru", "new"),
        ("tr_stabil", "stabil", "steady"),
        ("tr_turun", "turun", "falling"),
        ("p_rendah", "rendah", "low"),
        ("p_sedang", "sedang", "medium"),
        ("p_tinggi", "tinggi", "high"),
        ("p_kritis", "kritis", "critical"),
        ("short_pantau", "pantau", "monitor"),
        ("short_klarifikasi", "klarifikasi", "clarify"),
        ("short_koordinasi", "koordinasi", "coordinate"),
        ("from", "dari", "from"),
        ("platforms", "Sebaran platform", "Share by platform"),
        ("account_col", "Akun", "Account"),
        ("platform_col", "Platform", "Platform"),
        ("followers_col", "Pengikut", "Followers"),
        ("engagement_col", "Keterlibatan", "Engagement"),
        (
            "engaged",
            "Unggahan dengan keterlibatan tertinggi",
            "Posts with the most engagement",
        ),
        (
            "reach_accounts",
            "Akun dengan jangkauan terbesar",
            "Accounts with the widest reach",
        ),
        (
            "reach_rule",
            "peringkat menurut pengikut × keterlibatan (suka + dibagikan + komentar), bukan jumlah unggahan",
            "ranked by followers × engagement (likes + shares + comments), not by number of posts",
        ),
        (
            "no_reach",
            "tidak ada platform yang menyebut jangkauan unggahan isu ini",
            "no platform stated the reach of this issue's posts",
        ),
        ("in_period", "pada periode ini", "in this period"),
        (
            "chart_period_note",
            "Unggahan per hari dalam periode; garis putus-putus = rata-rata harian periode sebelumnya.",
            "Posts per day in the period; dashed line = the period before's daily mean.",
        ),
        (
            "average_periods",
            "rata-rata 7 periode sepanjang ini sebelumnya",
            "average of the 7 periods of this length before",
        ),
        ("rose", "Isu yang naik", "Issues that rose"),
        ("fell", "Isu yang turun", "Issues that fell"),
        (
            "none_rose",
            "Tidak ada isu yang naik menurut aturan perbandingan.",
            "No issue rose by the comparison rule.",
        ),
        (
            "none_fell",
            "Tidak ada isu yang turun menurut aturan perbandingan.",
            "No issue fell by the comparison rule.",
        ),
        ("compared_with", "Dibandingkan dengan", "Compared with"),
        ("per_day", "Per hari dalam periode", "Per day in the period"),
        ("this_period", "periode ini", "this period"),
        ("issue_col", "Isu", "Issue"),
        ("change_col", "Perubahan", "Change"),
        (
            "stories",
            "Cerita (tanpa duplikat)",
            "Stories (copies once)",
        ),
        (
            "chart_daily_note",
            "Unggahan per hari, 7 hari; batang gelap = periode telaahan, garis putus-putus = rata-rata 7 hari sebelumnya.",
            "Posts per day over 7 days; dark bar = this briefing's period, dashed line = the average of the 7 days before.",
        ),
        (
            "chart_regions_note",
            "Jumlah unggahan bertopik yang menyebut tiap kabupaten/kota (satu unggahan dapat menyebut beberapa wilayah).",
            "Posts with an issue naming each regency/city (one post may name several).",
        ),
        ("region_col", "Kabupaten/kota", "Regency/city"),
        ("stories_short", "Cerita", "Stories"),
        ("more", "lainnya", "more"),
        ("archive", "Arsip Telaahan Harian", "Daily Brief Archive"),
        ("archive_empty", "Belum ada telaahan.", "No briefings yet."),
        ("top_issues", "Isu utama", "Leading issues"),
        ("files", "Berkas", "Files"),
        ("other_issues_short", "isu lainnya", "other issues"),
        ("posts_col", "Unggahan", "Posts"),
        ("source_col", "Sumber", "Source"),
        ("kind_col", "Jenis", "Kind"),
        ("issue_col", "Isu", "Issue"),
        ("note_col", "Keterangan", "Summary"),
        ("of", "dari", "of"),
        ("last_error", "Galat terakhir", "Last error"),
        ("failures_col", "Gagal beruntun", "Failures in a row"),
        (
            "unconfirmed",
            "belum terkonfirmasi sumber lain",
            "not yet confirmed by another source",
        ),
        ("accounts", "Akun paling aktif", "Most active accounts"),
        (
            "no_accounts",
            "tidak ada akun perorangan yang menonjol",
            "no individual account stands out",
        ),
        ("period", "Periode", "Period"),
        ("generated", "Dibuat", "Generated"),
        ("sources", "Sumber", "Sources"),
        ("reached", "terjangkau", "reached"),
        ("failed", "gagal", "failed"),
        ("posts_collected", "Unggahan terkumpul", "Posts collected"),
        ("tagged", "bertopik", "with a topic"),
        ("summary", "Ringkasan Eksekutif", "Executive Summary"),
        (
            "no_issues",
            "Tidak ada isu yang terpantau pada periode ini.",
            "No issues were detected in this period.",
        ),
        ("problem", "Persoalan", "Issue"),
        ("facts", "Fakta-fakta", "Facts"),
        ("analysis", "Analisis", "Analysis"),
        ("advice", "Saran Tindak Lanjut", "Recommended Follow-up"),
        ("volume", "Volume", "Volume"),
        ("posts", "unggahan", "posts"),
        ("previous", "periode sebelumnya", "previous period"),
        (
            "average",
            "rata-rata 7 hari sebelumnya",
            "average of the 7 days before",
        ),
        ("last7", "7 hari terakhir", "Last 7 days"),
        ("regions", "Wilayah", "Regions"),
        (
            "no_region",
            "tidak menyebut kabupaten/kota",
            "no kabupaten/kota named",
        ),
        ("sentiment", "Sentimen", "Sentiment"),
        ("positif", "positif", "positive"),
        ("netral", "netral", "neutral"),
        (
            "berpotensi_negatif",
            "berpotensi negatif",
            "potentially negative",
        ),
        ("negatif", "negatif", "negative"),
        (
            "representative",
            "Unggahan representatif",
            "Representative posts",
        ),
        ("category", "Kategori", "Category"),
        ("priority", "prioritas", "priority"),
        ("owner", "Penanggung jawab", "Responsible office"),
        ("trend", "Tren", "Trend"),
        ("spread", "Sebaran", "Spread"),
        ("corroboration", "Konfirmasi lintas sumber", "Corroboration"),
        (
            "who",
            "Yang paling banyak memberitakan",
            "Most active sources",
        ),
        ("kinds", "jenis sumber", "source kinds"),
        ("action", "Rekomendasi", "Recommendation"),
        (
            "act_pantau",
            "terus ikuti perkembangan isu ini",
            "keep following this issue",
        ),
        (
            "act_klarifikasi",
            "siapkan informasi resmi untuk meluruskan pemberitaan",
            "prepare an official statement to set the record straight",
        ),
        (
            "act_koordinasi",
            "koordinasikan segera dengan OPD penanggung jawab",
            "coordinate promptly with the responsible office",
        ),
        ("other_issues", "Isu Lainnya", "Other Issues"),
        ("source_status", "Kondisi Sumber", "Source Status"),
        (
            "all_ok",
            "Semua sumber terjangkau.",
            "All sources were reached.",
        ),
        ("last_success", "terakhir berhasil", "last success"),
        ("never", "belum pernah", "never"),
        ("failures", "kegagalan beruntun", "consecutive failures"),
        ("method", "Metode", "Method"),
        ("regions_count", "kab/kota", "regencies/cities"),
        ("sources_count", "sumber", "sources"),
        ("discussed", "dibicarakan dalam", "was discussed in"),
        ("mentions", "disebut", "mentioned"),
        ("carried", "dimuat", "carried by"),
        (
            "map_title",
            "Peta sebaran per kabupaten/kota",
            "Map by regency/city",
        ),
        (
            "map_note",
            "Warna = jumlah unggahan bertopik yang menyebut tiap kabupaten/kota pada periode ini (unggahan tentang dua isu dihitung pada keduanya); abu-abu = tidak ada; garis merah dan ▲ = ada isu yang naik di wilayah itu. Batas wilayah: wilayah_boundaries (Cahya DSN, lisensi MIT), disederhanakan.",
            "Colour = posts with an issue naming each regency/city in this period (a post about two issues counts for both); grey = none; red outline and ▲ = an issue is rising there. Boundaries: wilayah_boundaries (Cahya DSN, MIT licence), simplified.",
        ),
        (
            "map_issue_note",
            "Sebaran isu ini per kabupaten/kota; angkanya pada tabel Wilayah.",
            "Where this issue is talked about; the numbers are in the Regions table.",
        ),
        (
            "chart_regions",
            "Isu per kabupaten/kota",
            "Issues by regency/city",
        ),
        (
            "footer",
            "Dihasilkan otomatis oleh Pantau dari sumber publik; periksa tautan sebelum dikutip.",
            "Generated automatically by Pantau from public sources; check the links before quoting.",
        ),
    ];
    pairs
        .iter()
        .map(|(k, id, en)| (*k, if lang == Lang::En { *en } else { *id }))
        .collect()
}
