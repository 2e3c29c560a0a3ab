//! `pantau sources`: every source with its health, and the node polling it.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use super::health::Service;
use crate::engine::Config;
use crate::model::{Cursor, SourceId};
use crate::sources::Budget;
use crate::store::briefings::BriefingDelivery;
use crate::store::leases::leased_source;
use crate::store::meta::KeywordsState;
use crate::store::{Browse, Leases, SourceHealth, Status, Store};
use crate::time::format_local;

/// How long `pantau sources` waits for the service's `/healthz` (which gives its writer 5 s).
const SERVICE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(6);

pub fn sources(path: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let config = super::load(path)?;
    let settings = &config.settings;
    super::init_logging(Some(settings), "warn");
    let (rows, keywords) = health_rows(&config)?;
    let budgets = budgets(&config)?;
    let undelivered = briefing_failures(&config)?;
    let nodes = holders(&config)?;
    // The running service's own word: a full disk or a hung writer shows only there, since
    // the failed writes cannot be recorded in the database.
    let url = super::health::healthz_url(settings.http.bind);
    let service = super::health::probe(&url, SERVICE_PATIENCE);
    if json {
        let shown = Shown {
            url: &url,
            service: &service,
            nodes: &nodes,
        };
        print_json(&rows, &budgets, &keywords, &shown, &undelivered)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &service {
        Service::Healthy => outln!("Layanan `pantau run`: sehat ({url})"),
        Service::Unhealthy(why) => outln!("Layanan `pantau run`: TIDAK SEHAT: {why} ({url})"),
        Service::Unreachable(_) => {
            outln!("Layanan `pantau run`: tidak menjawab di {url} (tidak berjalan?)")
        }
    }
    outln!();
    if rows.is_empty() {
        outln!(
            "Belum ada sumber. Tambahkan [[sources]] di {}.",
            settings
                .files
                .first()
                .map_or("config/default.toml".into(), |f| f.display().to_string())
        );
        print_briefing_failures(&undelivered)?;
        return Ok(ExitCode::SUCCESS);
    }
    let tz = &settings.schedule.timezone;
    let lang = settings.briefing.language;
    let when = |t: Option<jiff::Timestamp>| {
        t.map_or_else(|| "-".to_string(), |t| format_local(t, tz, lang))
    };
    print_health(&config, &rows, &nodes, &when)?;
    print_budgets(&budgets, &when)?;
    print_keywords(&keywords, &when)?;
    print_briefing_failures(&undelivered)?;
    Ok(ExitCode::SUCCESS)
}

/// Which node polls each source: on a shared database the holder of its lease (while the
/// lease binds); on SQLite this node, for every configured source.
fn holders(config: &Config) -> anyhow::Result<HashMap<SourceId, String>> {
    let storage = &config.settings.storage;
    if storage.url.is_none() {
        let node = storage.node_name();
        return Ok(config
            .sources
            .iter()
            .map(|s| (s.id.clone(), node.clone()))
            .collect());
    }
    let store = match Store::connect_read_only(storage) {
        Ok(store) => store,
        // No node has started yet: none holds a lease.
        Err(e) if e.is_missing() => return Ok(HashMap::new()),
        Err(e) => return Err(e.into()),
    };
    let now = jiff::Timestamp::now();
    Ok(store
        .leases()?
        .into_iter()
        .filter(|l| l.live(now))
        .filter_map(|l| {
            let id = SourceId::new(leased_source(&l.name)?);
            Some((id, l.node))
        })
        .collect())
}

/// The recipients the most recent briefing did not reach, after every try.
fn briefing_failures(config: &Config) -> anyhow::Result<Vec<BriefingDelivery>> {
    match Store::connect_read_only(&config.settings.storage) {
        Ok(store) => Ok(store.failed_briefing_deliveries()?),
        Err(e) if e.is_missing() => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

fn print_briefing_failures(failed: &[BriefingDelivery]) -> anyhow::Result<()> {
    for f in failed {
        outln!(
            "\nPengiriman telaahan {}: gagal ke {} ({}) setelah {} percobaan: {}",
            f.date,
            f.sink,
            f.recipient,
            f.attempt,
            f.error.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

/// The stored health of every source, in the config's order, and the keyword lists' state.
/// Configured sources that never ran yet still show, so the list is complete.
fn health_rows(config: &Config) -> anyhow::Result<(Vec<SourceHealth>, KeywordsState)> {
    let order: Vec<_> = config.sources.iter().map(|s| s.id.clone()).collect();
    let (mut rows, keywords) = match Store::connect_read_only(&config.settings.storage) {
        Ok(store) => (store.sources_health(&order)?, store.keywords_state()?),
        Err(e) if e.is_missing() => (Vec::new(), Default::default()),
        Err(e) => return Err(e.into()),
    };
    for s in &config.sources {
        if !rows.iter().any(|r| r.id == s.id) {
            rows.push(SourceHealth {
                id: s.id.clone(),
                kind: s.kind().to_string(),
                name: s.name.clone(),
                url: s.location(),
                last_attempt: None,
                last_success: None,
                consecutive_failures: 0,
                last_error_class: None,
                last_error: None,
                next_attempt: None,
                items_seen: 0,
            });
        }
    }
    Ok((rows, keywords))
}

/// The quota each configured source that spends one has used, as its stored cursor counts it
/// (a source that never ran has used nothing).
fn budgets(config: &Config) -> anyhow::Result<Vec<(SourceId, Budget)>> {
    let store = match Store::connect_read_only(&config.settings.storage) {
        Ok(store) => Some(store),
        Err(e) if e.is_missing() => None,
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for s in &config.sources {
        let cursor = match &store {
            Some(store) => store.source_state(&s.id)?.cursor,
            None => Cursor::Start,
        };
        if let Some(budget) = s.spec.budget(&cursor) {
            out.push((s.id.clone(), budget));
        }
    }
    Ok(out)
}

/// One line per source with a quota: "x-kaltim: 1234 dari 10000 pos terpakai pada 2026-12
/// (UTC); pulih …".
fn print_budgets(
    budgets: &[(SourceId, Budget)],
    when: &dyn Fn(Option<jiff::Timestamp>) -> String,
) -> std::io::Result<()> {
    if budgets.is_empty() {
        return Ok(());
    }
    outln!("\nAnggaran baca:");
    for (id, b) in budgets {
        let spent = if b.used >= b.limit { "; HABIS" } else { "" };
        outln!(
            "  {id}: {} dari {} {} terpakai pada {}{spent}; pulih {}",
            b.used,
            b.limit,
            b.unit,
            b.period,
            when(Some(b.renews))
        );
    }
    Ok(())
}

/// The service as `pantau sources --json` reports it.
struct Shown<'a> {
    url: &'a str,
    service: &'a Service,
    nodes: &'a HashMap<SourceId, String>,
}

fn print_json(
    rows: &[SourceHealth],
    budgets: &[(SourceId, Budget)],
    keywords: &KeywordsState,
    shown: &Shown<'_>,
    undelivered: &[BriefingDelivery],
) -> anyhow::Result<()> {
    let Shown {
        url,
        service,
        nodes,
    } = *shown;
    let (state, detail) = match service {
        Service::Healthy => ("ok", None),
        Service::Unhealthy(why) => ("unhealthy", Some(why.as_str())),
        Service::Unreachable(e) => ("unreachable", Some(e.as_str())),
    };
    // Each row as stored, plus `budget` (null for sources that spend none) and `node` (the
    // node polling it; null when none does).
    let mut sources = Vec::with_capacity(rows.len());
    for row in rows {
        let mut value = serde_json::to_value(row)?;
        let budget = budgets.iter().find(|(id, _)| *id == row.id).map(|(_, b)| b);
        if let Some(fields) = value.as_object_mut() {
            fields.insert("budget".into(), serde_json::to_value(budget)?);
            fields.insert("node".into(), serde_json::to_value(nodes.get(&row.id))?);
        }
        sources.push(value);
    }
    let out = serde_json::json!({
        "sources": sources,
        "keywords": keywords,
        "service": {"url": url, "state": state, "detail": detail},
        "briefing_deliveries_failed": undelivered.iter().map(|f| serde_json::json!({
            "date": f.date, "sink": f.sink, "recipient": f.recipient,
            "attempts": f.attempt, "error": f.error, "at": f.at,
        })).collect::<Vec<_>>(),
    });
    outln!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// The table of sources, then a `saran:` line for each failing one.
fn print_health(
    config: &Config,
    rows: &[SourceHealth],
    nodes: &HashMap<SourceId, String>,
    when: &dyn Fn(Option<jiff::Timestamp>) -> String,
) -> std::io::Result<()> {
    let table: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let configured = config.sources.iter().any(|s| s.id == r.id);
            [
                r.id.to_string(),
                r.kind.clone(),
                status(r, configured),
                when(r.last_success),
                r.consecutive_failures.to_string(),
                r.items_seen.to_string(),
                nodes.get(&r.id).cloned().unwrap_or_else(|| "-".into()),
                r.last_error.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "ID",
        "JENIS",
        "STATUS",
        "TERAKHIR BERHASIL",
        "GAGAL BERUNTUN",
        "POS",
        "NODE",
        "GALAT TERAKHIR",
    ];
    super::print_table(&header, &table)?;
    for r in rows.iter().filter(|r| r.consecutive_failures > 0) {
        if let Some(class) = &r.last_error_class {
            outln!(
                "saran untuk {}: {}",
                r.id,
                crate::sources::hint_for_class(class)
            );
        }
    }
    Ok(())
}

/// The STATUS column: where a source's posts come from when it is not configured, else its
/// health.
fn status(r: &SourceHealth, configured: bool) -> String {
    if !configured && r.kind == "import" {
        "impor".to_string()
    } else if !configured && r.kind == "ingest" {
        "kiriman API".to_string()
    } else if !configured {
        "tidak dikonfigurasi".to_string()
    } else if r.last_attempt.is_none() {
        "belum dipoll".to_string()
    } else if r.consecutive_failures == 0 {
        "sehat".to_string()
    } else {
        format!("gagal ({})", r.last_error_class.as_deref().unwrap_or("?"))
    }
}

/// The keyword lists in force, and a rejected edit with its errors.
fn print_keywords(
    keywords: &KeywordsState,
    when: &dyn Fn(Option<jiff::Timestamp>) -> String,
) -> std::io::Result<()> {
    if let Some(version) = &keywords.version {
        outln!(
            "\nDaftar kata kunci yang berlaku: versi {version} (sejak {})",
            when(keywords.loaded_at)
        );
    }
    if let Some(rejected) = &keywords.rejected {
        outln!(
            "Perubahan kata kunci ditolak pada {}; versi sebelumnya tetap berlaku:",
            when(keywords.rejected_at)
        );
        for line in rejected.lines() {
            outln!("  {line}");
        }
    }
    Ok(())
}

/// Sources checked at once; the fetcher's `per_host` still limits each site.
const CHECKS_AT_ONCE: usize = 8;

/// `pantau sources --check`: fetches where each source reads from, once, and reports what
/// answered (see [`crate::sources::check`]); exit 1 when any failed.
pub fn check(path: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    use futures_util::StreamExt as _;
    use std::io::IsTerminal as _;

    let config = super::load(path)?;
    super::init_logging(Some(&config.settings), "warn");
    if config.sources.is_empty() {
        return Err(super::user_error(
            "belum ada sumber yang dikonfigurasi",
            "tambahkan [[sources]] dengan id, kind dan url di config/default.toml",
        ));
    }
    let shared = crate::sources::http::Fetcher::new(&config.settings.fetch)?;
    let total = config.sources.len();
    let progress = std::io::stderr().is_terminal() && !json;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let results: Vec<Checked<'_>> = runtime.block_on(async {
        let mut done = 0usize;
        let mut out = Vec::with_capacity(total);
        let mut checks = futures_util::stream::iter(&config.sources)
            .map(|source| {
                let shared = shared.clone();
                async move { check_one(source, &shared).await }
            })
            .buffered(CHECKS_AT_ONCE);
        while let Some(result) = checks.next().await {
            done += 1;
            if progress {
                eprint!("\r\x1b[2K[{done}/{total}] {}", result.0.id);
            }
            out.push(result);
        }
        if progress {
            eprint!("\r\x1b[2K");
        }
        out
    });
    let failed = results
        .iter()
        .filter(|(_, p)| p.as_ref().is_ok_and(|p| !p.ok()))
        .count();
    let skipped = results.iter().filter(|(_, p)| p.is_err()).count();
    if json {
        print_check_json(&results, failed, skipped)?;
    } else {
        print_check(&results)?;
        outln!(
            "{total} sumber: {} menjawab, {failed} gagal{}",
            total - failed - skipped,
            if skipped > 0 {
                format!(", {skipped} tidak diperiksa")
            } else {
                String::new()
            }
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks one source: its address fetched once with its own `allow_private`, or why it is
/// not checked.
async fn check_one<'a>(
    source: &'a crate::sources::source::SourceConfig,
    shared: &crate::sources::http::Fetcher,
) -> Checked<'a> {
    use crate::sources::check::{Probe, address, probe};
    let spec = source.spec.as_ref();
    let url = match address(spec) {
        Ok(url) => url,
        Err(skip) => return (source, Err(skip)),
    };
    let probed = match shared.allowing(&source.allow_private) {
        Ok(fetcher) => probe(&fetcher, spec, &url).await,
        Err(error) => Probe::failed(error),
    };
    (source, Ok(probed))
}

/// A source and what its check found, or why it was not checked.
type Checked<'a> = (
    &'a crate::sources::source::SourceConfig,
    Result<crate::sources::check::Probe, crate::sources::check::Skip>,
);

fn print_check(results: &[Checked<'_>]) -> anyhow::Result<()> {
    let rows: Vec<[String; 6]> = results
        .iter()
        .map(|(source, probe)| {
            let p = match probe {
                Ok(p) => p,
                Err(skip) => {
                    return [
                        source.id.to_string(),
                        source.kind().to_string(),
                        "-".into(),
                        "-".into(),
                        skip.describe().into(),
                        "-".into(),
                    ];
                }
            };
            [
                source.id.to_string(),
                source.kind().to_string(),
                p.status.map_or_else(|| "-".into(), |s| s.to_string()),
                p.content_type.clone().unwrap_or_else(|| "-".into()),
                match (&p.looks, &p.error) {
                    (_, Some(e)) => format!("GAGAL: {e}"),
                    (Some(looks), None) => looks.describe(),
                    (None, None) => "-".into(),
                },
                format!("{:.1}s", p.elapsed.as_secs_f64()),
            ]
        })
        .collect();
    super::print_table(
        &["SUMBER", "JENIS", "HTTP", "TIPE ISI", "HASIL", "WAKTU"],
        &rows,
    )?;
    for (source, probe) in results {
        if let Some(error) = probe.as_ref().ok().and_then(|p| p.error.as_ref()) {
            outln!("saran untuk {}: {}", source.id, error.hint());
        }
    }
    Ok(())
}

fn print_check_json(results: &[Checked<'_>], failed: usize, skipped: usize) -> anyhow::Result<()> {
    let sources: Vec<serde_json::Value> = results
        .iter()
        .map(|(source, probe)| {
            let mut row = serde_json::json!({
                "id": source.id.as_str(),
                "kind": source.kind(),
                "url": source.location(),
                "checked": probe.is_ok(),
            });
            if let Err(skip) = probe {
                row["skipped"] = skip.name().into();
            }
            if let Ok(p) = probe {
                row["ok"] = p.ok().into();
                row["status"] = p.status.into();
                row["content_type"] = p.content_type.clone().into();
                row["looks"] = p.looks.as_ref().map(|l| l.name()).into();
                row["count"] = p.looks.as_ref().and_then(|l| l.count()).into();
                row["elapsed_ms"] = (p.elapsed.as_millis() as u64).into();
                row["error"] = p.error.as_ref().map(|e| e.to_string()).into();
                row["class"] = p.error.as_ref().map(|e| e.class()).into();
                row["hint"] = p.error.as_ref().map(|e| e.hint()).into();
            }
            row
        })
        .collect();
    let out = serde_json::json!({
        "sources": sources,
        "summary": {
            "total": results.len(),
            "ok": results.len() - failed - skipped,
            "failed": failed,
            "skipped": skipped,
        },
    });
    outln!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
