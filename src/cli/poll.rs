//! `pantau poll --once [--source ID]`: one polling round through the same pipeline the daemon
//! uses, then a per-source summary.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::engine::{self, SharedClassifier};

pub fn poll_once(path: Option<&Path>, only: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let classifier = super::classifier(&config)?;
    let mut sources = config.sources.clone();
    if let Some(id) = only {
        sources.retain(|s| s.id.as_str() == id);
        if sources.is_empty() {
            let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
            return Err(super::user_error(
                format!("tidak ada sumber dengan id \"{id}\""),
                if ids.is_empty() {
                    "tambahkan [[sources]] di konfigurasi".to_string()
                } else {
                    format!("id yang ada: {}", ids.join(", "))
                },
            ));
        }
    }
    if sources.is_empty() {
        return Err(super::user_error(
            "belum ada sumber yang dikonfigurasi",
            "tambahkan [[sources]] dengan id, kind = \"feed\" dan url di config/default.toml",
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let classifier = SharedClassifier::new(Arc::new(classifier));
    let results = runtime.block_on(engine::poll_round(&config, &sources, classifier))?;
    let rows: Vec<[String; 5]> = results
        .iter()
        .map(|r| {
            [
                r.source.to_string(),
                r.status.clone(),
                r.items_found.to_string(),
                r.new_posts.to_string(),
                format!("{:.1}s", r.duration.as_secs_f64()),
            ]
        })
        .collect();
    super::print_table(&["SUMBER", "HASIL", "ITEM", "BARU", "WAKTU"], &rows)?;
    for r in results.iter().filter(|r| r.failed) {
        if let Some(hint) = r.hint {
            outln!("saran untuk {}: {hint}", r.source);
        }
    }
    let failed = results.iter().filter(|r| r.failed).count();
    let new: usize = results.iter().map(|r| r.new_posts).sum();
    outln!(
        "{} sumber, {} gagal, {} pos baru",
        results.len(),
        failed,
        new
    );
    Ok(if failed == results.len() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
