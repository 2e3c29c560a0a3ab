//! `pantau classify [--explain] [--json] [TEXT]`: tags TEXT, or each line of stdin. The text's
//! language is detected as the pipeline detects it for a post whose source states none, so
//! `lang:` in the lists sees it; `--json` shows it as `lang` (null when too short to tell).

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::classify::{Document, explain, language};

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
        let lang = language::detect(line);
        let mut doc = Document::text(line);
        doc.lang = lang.as_deref();
        let result = classifier.classify(&doc, None);
        if json {
            let mut value = explain::to_json(&classifier, &result);
            value["text"] = line.into();
            value["lang"] = lang.as_deref().into();
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
