//! `pantau search QUERY [--since DATE] [--until DATE] [--limit N] [--json]`: full-text search
//! over stored posts, newest first.

use std::path::Path;
use std::process::ExitCode;

use crate::store::search::{Search, split_filters};
use crate::store::{Browse, Store};
use crate::time::{day_bounds, format_local};

pub fn search(
    path: Option<&Path>,
    query: &str,
    since: Option<&str>,
    until: Option<&str>,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let tz = &settings.schedule.timezone;
    if split_filters(query).is_empty() {
        return Err(super::user_error(
            format!("kueri \"{query}\" tidak memuat kata yang bisa dicari"),
            "tulis satu kata atau lebih, misalnya: pantau search \"banjir sempaja\" \
             (tambahkan lang:en untuk unggahan berbahasa Inggris saja)",
        ));
    }
    let since = since
        .map(|d| super::parse_date(d, "--since").map(|d| day_bounds(d, tz).0))
        .transpose()?;
    let until = until
        .map(|d| super::parse_date(d, "--until").map(|d| day_bounds(d, tz).1))
        .transpose()?;
    let store = Store::connect_read_only(&settings.storage)?;
    let posts = store.search(&Search {
        query: query.to_string(),
        since,
        until,
        limit,
    })?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&posts)?);
        return Ok(ExitCode::SUCCESS);
    }
    if posts.is_empty() {
        outln!("Tidak ada unggahan yang cocok dengan \"{}\".", plain(query));
        return Ok(ExitCode::SUCCESS);
    }
    let lang = settings.briefing.language;
    for listed in &posts {
        let p = &listed.post;
        let head = p.title.as_deref().filter(|t| !t.trim().is_empty());
        outln!(
            "{} · {}{}",
            format_local(p.published, tz, lang),
            plain(p.source.as_str()),
            p.url
                .as_deref()
                .map(|u| format!(" · {}", plain(u)))
                .unwrap_or_default()
        );
        if let Some(t) = head {
            outln!("  {}", plain(&crate::format::excerpt(t, 160)));
        }
        outln!("  {}", plain(&crate::format::excerpt(&p.text, 240)));
        outln!("{}\n", tags_line(listed));
    }
    outln!(
        "{} unggahan{} (terbaru dahulu).",
        posts.len(),
        if posts.len() == limit {
            format!("; mungkin ada lebih, pakai --limit lebih dari {limit}")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Post text is hostile: control characters (terminal escape sequences) are dropped before
/// it reaches the operator's terminal.
/// `  isu: banjir · wilayah: samarinda · hanya disebut: drainase, balikpapan`: what the post
/// is about (counted) and what it only names (not counted).
fn tags_line(p: &crate::store::browse::ListedPost) -> String {
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "-".to_string()
        } else {
            ids.join(", ")
        }
    };
    let mut line = format!("  isu: {} · wilayah: {}", list(&p.topics), list(&p.regions));
    let named: Vec<String> = p
        .mentioned_topics
        .iter()
        .chain(&p.mentioned_regions)
        .cloned()
        .collect();
    if !named.is_empty() {
        line.push_str(&format!(" · hanya disebut: {}", named.join(", ")));
    }
    plain(&line)
}

fn plain(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}
