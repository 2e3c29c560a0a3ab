//! `pantau keywords check`: validates every keyword file and runs the examples inside them.
//! Errors print as `file:line:col: message`, then one `saran:` and a count; exit 1 on any.

use std::path::Path;
use std::process::ExitCode;

use crate::classify::{Classifier, lists};

pub fn check(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = super::settings(config)?;
    super::init_logging(Some(&settings), "warn");
    let dir = &settings.keywords.dir;
    let errors = match lists::load_dir(dir).and_then(Classifier::from_lists) {
        Ok(classifier) => {
            let errors = classifier.check_examples();
            if errors.is_empty() {
                let examples: usize = classifier
                    .topics()
                    .iter()
                    .map(|t| t.examples_match.len() + t.examples_no_match.len())
                    .sum();
                println!(
                    "{}: {} topik, {} wilayah, {} contoh — semua valid (versi {})",
                    crate::error::shown(dir),
                    classifier.topics().len(),
                    classifier.regions().len(),
                    examples,
                    classifier.version()
                );
                return Ok(ExitCode::SUCCESS);
            }
            errors
        }
        Err(e) => e.0,
    };
    for e in &errors {
        eprintln!("{e}");
    }
    if let Some(hint) = errors.iter().find_map(|e| e.hint.clone()) {
        eprintln!("\nsaran: {hint}");
    }
    let mut files: Vec<_> = errors.iter().map(|e| &e.path).collect();
    files.sort();
    files.dedup();
    eprintln!("{} galat di {} berkas", errors.len(), files.len());
    Ok(ExitCode::from(1))
}
