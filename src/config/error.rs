//! [`ConfigError`]: a configuration problem, in words a person can act on — the file and line,
//! the table and key, what is wrong, and (for the `saran:` line) what to write instead.

use std::path::PathBuf;

/// A configuration problem, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // `error` rather than `source`: the message already holds it, and a source would make
    // the error chain print it twice.
    #[error("{}: tidak dapat dibaca: {error}", crate::error::shown(path))]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{}:{line}:{col}: TOML tidak valid: {message}",
        crate::error::shown(path)
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    /// A value or key that is wrong; `origin` is the file or environment variable it came from.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
        hint: Option<String>,
    },
    /// Each error on its own line, with its own advice under it.
    #[error("{}", many(.0))]
    Many(Vec<ConfigError>),
}

impl ConfigError {
    /// Advice for the `saran:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Read { .. } => Some(
                "periksa jalur --config, atau jalankan tanpa --config untuk memakai config/default.toml"
                    .into(),
            ),
            ConfigError::Syntax { .. } => {
                Some("perbaiki baris itu; contoh lengkap ada di config/default.toml".into())
            }
            ConfigError::Invalid { hint, .. } => hint.clone(),
            // Each error's advice is shown under it.
            ConfigError::Many(_) => None,
        }
    }
}

fn many(all: &[ConfigError]) -> String {
    let mut out = Vec::new();
    for e in all {
        out.push(e.to_string());
        if let Some(hint) = e.hint() {
            out.push(format!("  saran: {hint}"));
        }
    }
    out.join("\n")
}

impl ConfigError {
    /// `Ok` when `errors` is empty; the one error, or all of them together, otherwise.
    pub fn check(mut errors: Vec<ConfigError>) -> Result<(), ConfigError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.pop().expect("one error")),
            _ => Err(ConfigError::Many(errors)),
        }
    }

    /// Every single error this one holds, in order.
    pub fn into_all(self) -> Vec<ConfigError> {
        match self {
            ConfigError::Many(all) => all,
            one => vec![one],
        }
    }
}
