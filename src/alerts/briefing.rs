//! Sending a written briefing to the leaders: through each `[briefing] deliver` sink, to each
//! of its recipients (an e-mail address, a Telegram chat), retried a few times with a growing
//! wait, every try recorded (`briefing_deliveries`). The daemon sends at `briefing_at` right
//! after writing; `pantau digest --send` sends a day again.
//!
//! The parcel is read back from the files just written, so a resend carries exactly what the
//! folder holds.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;

#[cfg(doc)]
use super::sinks::SinkError;
use super::sinks::{Attachment, Parcel, Sink};
use crate::digest::DigestError;
use crate::store::briefings::BriefingDelivery;
use crate::time::Lang;

/// How many issues the short summary names.
const SUMMARY_ISSUES: usize = 5;

/// How often a recipient is tried, and the wait before the second try (doubling after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub attempts: u32,
    pub first_wait: Duration,
}

impl Default for Retry {
    /// Three tries over about a minute and a half: a mail server's greylisting or a brief
    /// outage passes; a longer one is for `pantau digest --send`.
    fn default() -> Self {
        Retry {
            attempts: 3,
            first_wait: Duration::from_secs(30),
        }
    }
}

impl Retry {
    /// The wait after failed try number `attempt` (1-based).
    fn wait(&self, attempt: u32) -> Duration {
        self.first_wait
            .saturating_mul(1 << attempt.saturating_sub(1).min(10))
    }
}

/// The last try of one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub sink: String,
    pub recipient: String,
    pub attempts: u32,
    /// `None` when it arrived.
    pub error: Option<String>,
}

/// The files of the briefing named `date` (`2026-12-06`, `2026-W49`, `2026-11`) in `dir`, read
/// into what a sink sends.
pub fn parcel(dir: &Path, date: &str, lang: Lang) -> Result<Parcel, DigestError> {
    let read = |ext: &str| {
        let path = dir.join(format!("{date}.{ext}"));
        std::fs::read(&path).map_err(|source| DigestError::Read { path, source })
    };
    let (md, html, json) = (read("md")?, read("html")?, read("json")?);
    let facts: serde_json::Value = serde_json::from_slice(&json).unwrap_or_default();
    let date_label = facts["date_label"].as_str().unwrap_or(date).to_string();
    let subject = match (lang, facts["period"]["kind"].as_str()) {
        (Lang::Id, Some("week")) => format!("Telaahan mingguan Pantau — {date_label}"),
        (Lang::Id, Some("month")) => format!("Telaahan bulanan Pantau — {date_label}"),
        (Lang::Id, _) => format!("Telaahan harian Pantau — {date_label}"),
        (Lang::En, Some("week")) => format!("Pantau weekly briefing — {date_label}"),
        (Lang::En, Some("month")) => format!("Pantau monthly briefing — {date_label}"),
        (Lang::En, _) => format!("Pantau daily briefing — {date_label}"),
    };
    let file = |ext: &str, kind: &str, bytes: Vec<u8>| Attachment {
        filename: format!("{date}.{ext}"),
        content_type: format!("{kind}; charset=utf-8"),
        bytes,
    };
    Ok(Parcel {
        summary: summary(&subject, &facts, lang),
        text: String::from_utf8_lossy(&md).into_owned(),
        html: file("html", "text/html", html),
        attachments: vec![
            file("md", "text/markdown", md),
            file("json", "application/json", json),
        ],
        subject,
    })
}

/// The subject, the totals and the first issues with their trend, as plain text: Telegram
/// shows it as written (no parse mode), so post-derived names need no escaping.
fn summary(subject: &str, facts: &serde_json::Value, lang: Lang) -> String {
    let posts = facts["totals"]["posts"].as_u64().unwrap_or(0);
    let issues = facts["issues"].as_array().map_or(&[][..], Vec::as_slice);
    let mut text = match lang {
        Lang::Id => format!("{subject}\n{} isu, {posts} unggahan.", issues.len()),
        Lang::En => format!("{subject}\n{} issues, {posts} posts.", issues.len()),
    };
    for (i, issue) in issues.iter().take(SUMMARY_ISSUES).enumerate() {
        let name = issue["name"].as_str().unwrap_or("?");
        let posts = issue["posts"].as_u64().unwrap_or(0);
        let trend = issue["trend_label"].as_str().unwrap_or("");
        let unit = if lang == Lang::En {
            "posts"
        } else {
            "unggahan"
        };
        text.push_str(&format!("\n{}. {name}: {posts} {unit}", i + 1));
        if !trend.is_empty() {
            text.push_str(&format!(" ({trend})"));
        }
    }
    if issues.len() > SUMMARY_ISSUES {
        text.push_str(match lang {
            Lang::Id => "\nSelengkapnya di berkas terlampir.",
            Lang::En => "\nThe full briefing is in the attached file.",
        });
    }
    text
}

/// Sends `parcel` (the briefing of `date`) to every recipient of every sink, each retried
/// per `retry` unless refused for good ([`SinkError::is_permanent`]); `record` is handed every try as it ends. Recipients are served one after the
/// other: a handful of leaders, and one SMTP connection at a time is what relays like.
pub async fn deliver<F, Fut>(
    date: &str,
    parcel: &Parcel,
    sinks: &[Sink],
    retry: Retry,
    mut record: F,
) -> Vec<Outcome>
where
    F: FnMut(BriefingDelivery) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut outcomes = Vec::new();
    for sink in sinks {
        for recipient in sink.briefing_recipients() {
            let mut attempt = 0;
            let error = loop {
                attempt += 1;
                let result = sink.send_briefing(parcel, &recipient).await;
                let permanent = result.as_ref().is_err_and(|e| e.is_permanent());
                let error = result.err().map(|e| e.to_string());
                record(BriefingDelivery {
                    date: date.to_string(),
                    sink: sink.id().to_string(),
                    recipient: recipient.clone(),
                    attempt,
                    error: error.clone(),
                    at: Timestamp::now(),
                })
                .await;
                match error {
                    Some(e) if !permanent && attempt < retry.attempts.max(1) => {
                        tracing::warn!(sink = sink.id(), recipient, attempt, error = %e, "telaahan belum terkirim; dicoba lagi");
                        tokio::time::sleep(retry.wait(attempt)).await;
                    }
                    other => break other,
                }
            };
            match &error {
                None => tracing::info!(sink = sink.id(), recipient, date, "telaahan terkirim"),
                Some(e) => {
                    tracing::error!(sink = sink.id(), recipient, date, error = %e, "telaahan gagal dikirim")
                }
            }
            outcomes.push(Outcome {
                sink: sink.id().to_string(),
                recipient,
                attempts: attempt,
                error,
            });
        }
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double() {
        let r = Retry {
            attempts: 4,
            first_wait: Duration::from_secs(30),
        };
        assert_eq!(r.wait(1), Duration::from_secs(30));
        assert_eq!(r.wait(2), Duration::from_secs(60));
        assert_eq!(r.wait(3), Duration::from_secs(120));
    }

    #[test]
    fn the_summary_names_the_top_issues() {
        let facts = serde_json::json!({
            "totals": {"posts": 42},
            "issues": [
                {"name": "Banjir <b>", "posts": 30, "trend_label": "naik 4,2×"},
                {"name": "Jalan rusak", "posts": 12, "trend_label": ""},
            ]
        });
        let text = summary(
            "Telaahan harian Pantau — Senin, 7 Desember 2026",
            &facts,
            Lang::Id,
        );
        assert_eq!(
            text,
            "Telaahan harian Pantau — Senin, 7 Desember 2026\n2 isu, 42 unggahan.\n\
             1. Banjir <b>: 30 unggahan (naik 4,2×)\n2. Jalan rusak: 12 unggahan"
        );
    }
}
