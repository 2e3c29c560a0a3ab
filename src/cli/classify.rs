//! `pantau classify [--explain] [--json] [TEXT]`: tags TEXT, or each line of stdin. The text's
//! language is detected as the pipeline detects it for a post whose source states none, so
//! `lang:` in the lists sees it; `--json` shows it as `lang` (null when too short to tell) and
//! whether `[keywords] languages` counts it (`counted`). A text in a language not counted gets
//! no issue, as the pipeline stores it.

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
    let languages = &settings.keywords.languages;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let one = |line: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let lang = language::detect(line);
        let mut doc = Document::text(line);
        doc.lang = lang.as_deref();
        let mut result = classifier.classify(&doc, None);
        let counted = languages.counts(lang.as_deref());
        if !counted {
            result.topics.clear();
        }
        if json {
            let mut value = explain::to_json(&classifier, &result);
            value["text"] = line.into();
            value["lang"] = lang.as_deref().into();
            value["counted"] = counted.into();
            writeln!(out, "{value}")?;
        } else if explain_rules {
            writeln!(out, "Teks: {line}")?;
            write!(out, "{}", explain::explain(&classifier, &result))?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", explain::summary(&classifier, &result))?;
        }
        if !counted && !json {
            writeln!(
                out,
                "  (bahasa {} tidak dihitung: tanpa isu, seperti pipeline menyimpannya; \
                 tambahkan ke [keywords] languages bila perlu dihitung)",
                lang.as_deref().unwrap_or("?")
            )?;
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
