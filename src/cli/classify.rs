//! `pantau classify [--explain] [--json] [TEXT]`: tags TEXT, or each line of stdin.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::classify::{Document, explain};

pub fn classify(
    path: Option<&Path>,
    explain_rules: bool,
    json: bool,
    text: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let classifier = super::classifier(&config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let one = |line: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let result = classifier.classify(&Document::text(line), None);
        if json {
            let mut value = explain::to_json(&classifier, &result);
            value["text"] = line.into();
            writeln!(out, "{value}")?;
        } else if explain_rules {
            writeln!(out, "Teks: {line}")?;
            write!(out, "{}", explain::explain(&classifier, &result))?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", explain::summary(&classifier, &result))?;
        }
        Ok(())
    };
    match text {
        Some(text) => one(text, &mut out)?,
        None => {
            for line in std::io::stdin().lock().lines() {
                one(&line?, &mut out)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
