//! Reading the files: `config/default.toml` (or the `--config` file), `config/local.toml`
//! beside it, then `PANTAU__SECTION__KEY` environment variables, merged by the `config` crate
//! into one tree that [`Settings::read`] walks. A file that is not valid TOML stops here with
//! its line and column.

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};

use super::{ConfigError, DEFAULT_CONFIG, Settings};
use crate::error::line_col;

/// Loads `path` (or `config/default.toml` when it exists), `local.toml` beside it and the
/// environment. Without any file the defaults apply, with paths relative to the working folder.
pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
    let (settings, errors) = load_lenient(path)?;
    ConfigError::check(errors).map(|()| settings)
}

/// Resolves settings from TOML text alone (no files, no environment): for tests and defaults.
pub fn load_str(text: &str, base_dir: &Path) -> Result<Settings, ConfigError> {
    let (settings, errors) = load_str_lenient(text, base_dir)?;
    ConfigError::check(errors).map(|()| settings)
}

/// [`load`], keeping the defaults where a value is wrong and returning the errors beside the
/// settings, so that the families read after them report theirs in the same run. Fails
/// outright only when the files cannot be read or are not TOML.
pub fn load_lenient(path: Option<&Path>) -> Result<(Settings, Vec<ConfigError>), ConfigError> {
    let main = match path {
        Some(p) => {
            if !p.is_file() {
                return Err(ConfigError::Read {
                    path: p.to_path_buf(),
                    error: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "berkas tidak ditemukan",
                    ),
                });
            }
            absolute(p)
        }
        None => absolute(Path::new(DEFAULT_CONFIG)),
    };
    // The config folder's parent is the project (or installation) root.
    let base_dir = main
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let local = main.with_file_name("local.toml");
    let files: Vec<PathBuf> = [main, local].into_iter().filter(|p| p.is_file()).collect();

    let mut builder = Config::builder();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|error| ConfigError::Read {
            path: file.clone(),
            error,
        })?;
        check_syntax(file, &text)?;
        builder = builder.add_source(File::from(file.as_path()).format(FileFormat::Toml));
    }
    builder = builder.add_source(
        Environment::with_prefix("PANTAU")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true),
    );
    let merged = builder.build().map_err(|e| ConfigError::Invalid {
        origin: files
            .last()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "konfigurasi".into()),
        key: "-".into(),
        message: e.to_string(),
        hint: None,
    })?;
    Ok(Settings::read(merged.cache, base_dir, files))
}

/// [`load_str`], as [`load_lenient`] reads.
pub fn load_str_lenient(
    text: &str,
    base_dir: &Path,
) -> Result<(Settings, Vec<ConfigError>), ConfigError> {
    check_syntax(Path::new("<konfigurasi>"), text)?;
    let merged = Config::builder()
        .add_source(File::from_str(text, FileFormat::Toml))
        .build()
        .map_err(|e| ConfigError::Invalid {
            origin: "<konfigurasi>".into(),
            key: "-".into(),
            message: e.to_string(),
            hint: None,
        })?;
    Ok(Settings::read(
        merged.cache,
        base_dir.to_path_buf(),
        Vec::new(),
    ))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn check_syntax(path: &Path, text: &str) -> Result<(), ConfigError> {
    match text.parse::<toml::Table>() {
        Ok(_) => Ok(()),
        Err(e) => {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            Err(ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                col,
                message: e.message().trim().to_string(),
            })
        }
    }
}
