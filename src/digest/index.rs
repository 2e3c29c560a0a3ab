//! `briefings/index.html`: every briefing in the folder, newest first, with links to its HTML,
//! Markdown and JSON files and, read back from its JSON, how many posts and issues it held and
//! which issues led it. [`super::write`] rewrites it after each briefing, so it lists what is
//! on disk, including briefings written before it existed or by another `--out`.

use std::path::Path;

use minijinja::value::Serde;
use serde::Serialize;

use super::{DigestError, PeriodKind, parse_stem, period_label, templates};
use crate::time::Lang;

/// One briefing in the folder.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The file stem: `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM`.
    pub date: String,
    pub kind: PeriodKind,
    /// The period's first local day, and the first day after it (for the order).
    #[serde(skip)]
    first: jiff::civil::Date,
    #[serde(skip)]
    after: jiff::civil::Date,
    /// "Jumat, 4 Desember 2026".
    pub label: String,
    pub markdown: bool,
    pub json: bool,
    /// From the JSON file, when it is there and readable.
    pub posts: Option<u64>,
    pub issues: Option<u64>,
    /// Names of the executive summary's first issues.
    pub top: Vec<String>,
}

/// The briefings in `dir`, newest first: every `YYYY-MM-DD.html`.
pub fn entries(dir: &Path, lang: Lang) -> Result<Vec<Entry>, DigestError> {
    let err = |source| DigestError::Write {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).map_err(err)? {
        let name = item.map_err(err)?.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".html")) else {
            continue;
        };
        // Only the canonical spellings, so that the link is the file's own name.
        let Some((kind, first)) = parse_stem(stem) else {
            continue;
        };
        let json: Option<serde_json::Value> = std::fs::read(dir.join(format!("{stem}.json")))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let top = json
            .as_ref()
            .map(|j| {
                let names: std::collections::HashMap<&str, &str> = j["issues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| Some((i["topic"].as_str()?, i["name"].as_str()?)))
                    .collect();
                j["summary"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| names.get(t.as_str()?).map(|n| n.to_string()))
                    .take(3)
                    .collect()
            })
            .unwrap_or_default();
        out.push(Entry {
            date: stem.to_string(),
            kind,
            first,
            after: kind.next_first(first),
            label: entry_label(kind, first, lang),
            markdown: dir.join(format!("{stem}.md")).is_file(),
            json: json.is_some(),
            posts: json.as_ref().and_then(|j| j["totals"]["posts"].as_u64()),
            issues: json.as_ref().and_then(|j| j["totals"]["issues"].as_u64()),
            top,
        });
    }
    // Newest first by the period's end; a month before the week and the day ending with it.
    out.sort_by(|a, b| {
        b.after
            .cmp(&a.after)
            .then(a.first.cmp(&b.first))
            .then(b.date.cmp(&a.date))
    });
    Ok(out)
}

/// "Jumat, 4 Desember 2026"; "Mingguan: Minggu ke-49 2026 (…)"; "Bulanan: November 2026".
fn entry_label(kind: PeriodKind, first: jiff::civil::Date, lang: Lang) -> String {
    let label = period_label(kind, first, lang);
    let prefix = match (kind, lang) {
        (PeriodKind::Day, _) => return label,
        (PeriodKind::Week, Lang::Id) => "Mingguan",
        (PeriodKind::Week, Lang::En) => "Weekly",
        (PeriodKind::Month, Lang::Id) => "Bulanan",
        (PeriodKind::Month, Lang::En) => "Monthly",
    };
    format!("{prefix}: {label}")
}

/// The index page of `entries`.
pub fn render(entries: &[Entry], lang: Lang, office: &str) -> Result<String, DigestError> {
    let env = templates();
    let tmpl = env.get_template("index.html")?;
    Ok(tmpl.render(minijinja::context! {
        entries => Serde(entries),
        t => Serde(super::labels(lang)),
        lang => lang.code(),
        office => office,
    })?)
}
