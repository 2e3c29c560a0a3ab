//! Writing a briefing's three files atomically: each is written to a temporary file in the same
//! folder, flushed to disk, then renamed over the final name, so a reader (a leader opening the
//! file, a sync tool) never sees half a briefing. The folder's `index.html` ([`index`]) is
//! rewritten the same way after each briefing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{Briefing, DigestError, Request, build, html, index, json, markdown};
use crate::classify::Classifier;
use crate::store::briefings::BriefingRecord;
use crate::store::{Browse, Reports, Status};
use crate::time::Lang;

/// The files written and the row to record in `briefings`.
#[derive(Debug, Clone)]
pub struct Written {
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub json: PathBuf,
    /// `index.html` in the same folder, listing every briefing there.
    pub index: PathBuf,
    pub record: BriefingRecord,
    pub briefing: Briefing,
}

/// Builds the briefing of `req` and writes `DATE.md`, `DATE.html` and `DATE.json` into
/// `req.out_dir`, then rewrites the folder's `index.html`.
pub fn write(
    store: &(impl Reports + Browse + Status),
    classifier: &Classifier,
    req: &Request,
) -> Result<Written, DigestError> {
    let briefing = build(store, classifier, req)?;
    let dir = &req.out_dir;
    std::fs::create_dir_all(dir).map_err(|source| DigestError::Write {
        path: dir.clone(),
        source,
    })?;
    let stem = &briefing.date;
    let md_path = dir.join(format!("{stem}.md"));
    let html_path = dir.join(format!("{stem}.html"));
    let json_path = dir.join(format!("{stem}.json"));
    write_atomic(&md_path, markdown::render(&briefing)?.as_bytes())?;
    write_atomic(&html_path, html::render(&briefing)?.as_bytes())?;
    write_atomic(&json_path, json::render(&briefing).as_bytes())?;
    let index = write_index(dir, req.lang, &req.office)?;
    let record = BriefingRecord {
        date: briefing.date.clone(),
        generated_at: briefing.generated_at,
        period_start: briefing.period.start,
        period_end: briefing.period.end,
        dir: dir.display().to_string(),
        issues: briefing.issues.len() as u64,
        posts: briefing.totals.posts,
        keywords_version: briefing.keywords_version.clone(),
    };
    Ok(Written {
        markdown: md_path,
        html: html_path,
        json: json_path,
        index,
        record,
        briefing,
    })
}

/// Writes `dir/index.html` (atomically) listing the briefings in `dir`.
fn write_index(dir: &Path, lang: Lang, office: &str) -> Result<PathBuf, DigestError> {
    let list = index::entries(dir, lang)?;
    let path = dir.join("index.html");
    write_atomic(&path, index::render(&list, lang, office)?.as_bytes())?;
    Ok(path)
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DigestError> {
    let err = |source| DigestError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}
