//! The analysts' workbench behind the topic editor (`/topics` in `server`): a topic file as a
//! form ([`form`]), the same check as `pantau keywords check` on the text a save would write
//! ([`check`]), a preview of what the edit gains and loses on stored posts ([`preview`]), and
//! saving with a conflict check on the file's version ([`save`]); the words a topic's posts
//! use more than others ([`suggest`]) and the examples analysts' marks on posts suggest
//! ([`candidate_example`]).

pub mod form;
pub mod preview;
pub mod suggest;

use std::path::{Path, PathBuf};

pub use form::{Located, TopicForm};

use crate::classify::{Classifier, ListError, lists};

#[derive(Debug, thiserror::Error)]
pub enum WorkbenchError {
    #[error(
        "id topik \"{0}\" tidak sah: pakai huruf kecil, angka dan tanda minus (misalnya banjir-rob)"
    )]
    BadId(String),
    #[error("topik \"{0}\" tidak ada")]
    NoTopic(String),
    #[error("topik \"{0}\" sudah ada")]
    Exists(String),
    #[error("berkas {path} tidak dapat dibaca atau ditulis: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("berkas topik bukan TOML yang sah: {0}")]
    Toml(#[from] toml_edit::TomlError),
}

/// A topic id a file may be named after: lowercase letters, digits and inner dashes. Anything
/// else (`../../etc/passwd`, `a/b`, `.hidden`) is refused before a path is made from it.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// The file of topic `id` under the keyword folder `dir`.
pub fn topic_path(dir: &Path, id: &str) -> Result<PathBuf, WorkbenchError> {
    if !valid_id(id) {
        return Err(WorkbenchError::BadId(id.to_string()));
    }
    Ok(dir.join("topics").join(format!("{id}.toml")))
}

/// The version of a file's text the form carries: a save is refused when the file no longer
/// has it.
pub fn version_of(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Reads topic `id`'s file.
pub fn read_topic(dir: &Path, id: &str) -> Result<String, WorkbenchError> {
    let path = topic_path(dir, id)?;
    std::fs::read_to_string(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => WorkbenchError::NoTopic(id.to_string()),
        _ => WorkbenchError::Io { path, source },
    })
}

/// The ids of the topic files under `dir`, sorted.
pub fn topic_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir.join("topics"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").map(str::to_string)
        })
        .filter(|id| valid_id(id))
        .collect();
    ids.sort();
    ids
}

/// One problem found by [`check`], placed in the form where it can be.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    #[serde(flatten)]
    pub at: Located,
    pub message: String,
    pub hint: Option<String>,
    /// As `pantau keywords check` prints it (`file:line:col: message`).
    pub shown: String,
}

/// What a check of an edited topic found: the lists built with it, or its problems.
pub struct Checked {
    /// The file text the save would write.
    pub text: String,
    pub result: Result<Classifier, Vec<Problem>>,
}

/// Builds the file text `form` makes of topic `id`'s `original` text and checks every list
/// with it in place of the file on disk, as `pantau keywords check` does (parser, then the
/// examples). Problems in this topic's file are placed in the form; others keep their file.
pub fn check(
    dir: &Path,
    id: &str,
    original: &str,
    form: &TopicForm,
) -> Result<Checked, WorkbenchError> {
    let text = form.write(original)?;
    let path = topic_path(dir, id)?;
    let result = build_with(dir, &path, &text).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| problem(&e, &path, &text, form))
            .collect()
    });
    Ok(Checked { text, result })
}

/// The lists under `dir` with `path` holding `text` (a new file or a changed one).
pub fn build_with(dir: &Path, path: &Path, text: &str) -> Result<Classifier, Vec<ListError>> {
    let mut files = lists::read_dir_files(dir).map_err(|e| e.0)?;
    match files.iter_mut().find(|(p, _)| p == path) {
        Some(f) => f.1 = text.to_string(),
        None => {
            files.push((path.to_path_buf(), text.to_string()));
            files.sort_by(|a, b| a.0.cmp(&b.0));
        }
    }
    let classifier = lists::load_files(&files)
        .and_then(Classifier::from_lists)
        .map_err(|e| e.0)?;
    let errors = classifier.check_examples();
    if errors.is_empty() {
        Ok(classifier)
    } else {
        Err(errors)
    }
}

fn problem(e: &ListError, path: &Path, text: &str, form: &TopicForm) -> Problem {
    let at = if e.path == path {
        form::locate(text, form, e.line, e.col)
    } else {
        Located {
            field: None,
            line: e.line,
            col: e.col,
        }
    };
    Problem {
        at,
        message: e.message.clone(),
        hint: e.hint.clone(),
        shown: e.to_string(),
    }
}

/// A marked post's text as one example line of the form (examples are one a line there):
/// the title and the text, with every run of white space made one space.
pub fn candidate_example(title: Option<&str>, text: &str) -> String {
    let joined = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if !text.trim_start().starts_with(t) => format!("{t}. {text}"),
        _ => text.to_string(),
    };
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The unified diff from `before` to `after`, as a topic file's revision records it.
pub fn diff(id: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("a/topics/{id}.toml"),
            &format!("b/topics/{id}.toml"),
        )
        .to_string()
}

/// Writes `text` to `path` whole: a temporary file beside it, then a rename, so the watcher
/// and a reader never see half a file. The temporary name does not end in `.toml`, so no
/// reload reads it.
pub fn write_file(path: &Path, text: &str) -> Result<(), WorkbenchError> {
    let io = |source| WorkbenchError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("toml.simpan");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// The text of a new topic file: the name, category and first terms (comma- or line-separated;
/// a topic needs one rule) filled in, the rest as commented guidance.
pub fn template(name: &str, category: &str, terms: &str) -> String {
    let any: Vec<String> = terms
        .split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| toml_edit::Value::from(t).to_string())
        .collect();
    let quoted = |s: &str| toml_edit::Value::from(s.trim()).to_string();
    format!(
        "# {name_comment}: what this topic is about, which words mean it, and which look like it\n\
         # but mean something else (see docs/keywords.md).\n\
         name = {name}\n\
         category = {category}\n\
         # rendah, sedang, tinggi or kritis\n\
         priority = \"sedang\"\n\
         # Who acts on it, and what the briefing advises.\n\
         # owner = \"Dinas …\"\n\
         # advice = \"Pastikan …\"\n\
         # Words and phrases any of which tags a post (folded: case and slang do not matter).\n\
         any = [{any}]\n\
         # Phrases that veto the topic for a post (only those with nothing but another sense).\n\
         exclude = []\n\
         # A query for words that only count together: AND, OR, NOT, NEAR/n, \"phrases\".\n\
         # query = '''\n\
         # (jalan OR jembatan) NEAR/4 (rusak OR berlubang)\n\
         # '''\n\
         \n\
         [examples]\n\
         # Posts that must be tagged, and posts that must not: every check and reload runs them.\n\
         match = []\n\
         no_match = []\n",
        name_comment = name.trim().replace(['\n', '\r'], " "),
        name = quoted(name),
        category = quoted(category),
        any = any.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_post_is_one_example_line() {
        assert_eq!(
            candidate_example(Some("Banjir di Sempaja"), "Air  naik\nsetinggi lutut"),
            "Banjir di Sempaja. Air naik setinggi lutut"
        );
        // A text that starts with its title (feeds often repeat it) is not doubled.
        assert_eq!(
            candidate_example(Some("Banjir"), "Banjir lagi\t di sini"),
            "Banjir lagi di sini"
        );
        assert_eq!(candidate_example(Some("  "), " a\r\nb "), "a b");
    }
}
