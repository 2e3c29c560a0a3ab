//! The alert's text, in Indonesian: the topic and where it rises (a kabupaten/kota, or the
//! province), the trend rule's reason, the top regions (or, for a regional rise, the province's
//! count beside it), three representative posts with links (from that region for a regional
//! rise), and who follows up. Plain text everywhere (e-mail body, Telegram message without
//! markup), so hostile post text shows as the characters it is; the webhook gets the same facts
//! as JSON.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

use crate::classify::Classifier;
use crate::classify::lists::Level;
use crate::format::excerpt;
use crate::store::alerts::NewAlert;
use crate::store::{Reports, Status, StoreError, StoredPost};
use crate::time::{Lang, format_local};
use crate::trends::Trend;

/// Representative posts in an alert.
pub const POSTS: usize = 3;
/// Regions named in an alert.
pub const REGIONS: usize = 3;

/// The alert for `trend` (a topic province-wide, or in one kabupaten/kota); `rows` are the
/// topic's other trend rows (its kabupaten/kota, or its province-wide row), `named` the
/// kabupaten/kota the alert names; `previous` is the count of the episode's last alert for a
/// follow-up, `None` for an episode's first alert. Its sinks are left to the caller.
#[allow(clippy::too_many_arguments)]
pub fn compose(
    store: &(impl Reports + Status),
    classifier: &Classifier,
    trend: &Trend,
    rows: &[&Trend],
    named: &[&Trend],
    previous: Option<u64>,
    tz: &TimeZone,
) -> Result<NewAlert, StoreError> {
    let topic = classifier.topic(&trend.topic.as_str().into());
    let (start, end) = (trend.window_start, trend.window_end);
    let posts = match &trend.region {
        Some(region) => store.topic_region_posts(&trend.topic, region, start, end, POSTS)?,
        None => store.topic_posts(&trend.topic, start, end, POSTS)?,
    };
    let names = store.source_names()?;
    let when = |t: Timestamp| format_local(t, tz, Lang::Id);
    let category = topic.map_or("-", |t| t.category.as_str());
    let place = place(classifier, trend);

    let (subject, mut text) = heading(trend, &place, previous);
    text.push_str(&format!(
        "Prioritas {} · kategori {category}\n{}\nPeriode: {} jam terakhir, {} – {}\n",
        trend.priority,
        trend.reason,
        trend.window_hours,
        when(trend.window_start),
        when(trend.window_end)
    ));
    match trend.region {
        Some(_) => text.push_str(&province_count(rows)),
        None => text.push_str(&top_regions(named)),
    }
    let (post_text, post_json) = representative(&posts, &names, &when);
    text.push_str(&post_text);
    if let Some(t) = topic {
        if let Some(owner) = &t.owner {
            text.push_str(&format!("\nPenanggung jawab: {owner}\n"));
        }
        if let Some(advice) = &t.advice {
            text.push_str(&format!("Saran: {advice}\n"));
        }
    }
    text.push_str("\n— Pantau (pantau trends untuk rincian)\n");

    let payload = json!({
        "type": "pantau.alert",
        "follow_up": previous.is_some(),
        "previous_count": previous,
        "topic": trend.topic,
        "name": trend.name,
        "region": trend.region,
        "region_name": trend.region_name,
        "place": place,
        "category": category,
        "priority": trend.priority,
        "count": trend.count,
        "posts_in_window": trend.posts,
        "baseline": trend.baseline,
        "score": trend.score,
        "new": trend.new,
        "reason": trend.reason,
        "sources": trend.sources,
        "window_hours": trend.window_hours,
        "window_start": trend.window_start,
        "window_end": trend.window_end,
        "regions": named.iter().map(|r| json!({
            "id": r.region, "name": r.region_name, "count": r.count,
        })).collect::<Vec<_>>(),
        "posts": post_json,
        "owner": topic.and_then(|t| t.owner.clone()),
        "advice": topic.and_then(|t| t.advice.clone()),
        "subject": subject,
        "text": text,
    });
    Ok(NewAlert {
        topic: trend.topic.clone(),
        region: trend.region.clone(),
        follow_up: previous.is_some(),
        count: trend.count,
        score: trend.score,
        reason: trend.reason.clone(),
        subject,
        text,
        payload,
        sinks: Vec::new(),
    })
}

/// Where the rise is: the kabupaten/kota's name, or the province's (from the lists).
fn place(classifier: &Classifier, trend: &Trend) -> String {
    match (&trend.region, &trend.region_name) {
        (Some(_), Some(name)) => name.clone(),
        (Some(id), None) => id.clone(),
        (None, _) => classifier
            .regions()
            .iter()
            .find(|r| r.level == Level::Provinsi)
            .map_or_else(|| "Kalimantan Timur".to_string(), |r| r.name.clone()),
    }
}

/// The subject and the text's first line, naming where the topic rises: a first alert, or a
/// follow-up naming the count of the episode's last alert.
fn heading(trend: &Trend, place: &str, previous: Option<u64>) -> (String, String) {
    let name = &trend.name;
    match previous {
        None => (
            format!(
                "[Pantau] {name} naik di {place} (prioritas {})",
                trend.priority
            ),
            format!("PERINGATAN ISU — {name} naik di {place}\n"),
        ),
        Some(before) => (
            format!(
                "[Pantau] Lanjutan: {name} di {place} terus naik ({} cerita)",
                trend.count
            ),
            format!(
                "LANJUTAN — {name} di {place} terus naik: {} cerita (peringatan sebelumnya {before})\n",
                trend.count
            ),
        ),
    }
}

/// For a regional alert, the line with the topic's count over the whole province.
fn province_count(rows: &[&Trend]) -> String {
    rows.iter()
        .find(|r| r.region.is_none())
        .map_or_else(String::new, |p| {
            format!(
                "\nSe-provinsi: {} cerita dalam periode yang sama ({})\n",
                p.count,
                if p.rising { "ikut naik" } else { "tidak naik" }
            )
        })
}

/// The line naming the top regions; empty when the topic was seen in none.
fn top_regions(regions: &[&Trend]) -> String {
    let top: Vec<String> = regions
        .iter()
        .map(|r| {
            format!(
                "{} ({} cerita)",
                r.region_name.as_deref().unwrap_or("-"),
                r.count
            )
        })
        .collect();
    if top.is_empty() {
        String::new()
    } else {
        format!("\nWilayah teratas: {}\n", top.join(", "))
    }
}

/// The representative posts as numbered text lines with their links, and as the webhook's
/// JSON.
fn representative(
    posts: &[StoredPost],
    names: &[(String, String)],
    when: &dyn Fn(Timestamp) -> String,
) -> (String, Vec<serde_json::Value>) {
    let mut text = String::new();
    if !posts.is_empty() {
        text.push_str("\nUnggahan representatif:\n");
    }
    let mut post_json = Vec::new();
    for (i, p) in posts.iter().enumerate() {
        let source = names
            .iter()
            .find(|(id, _)| id == p.source.as_str())
            .map_or(p.source.as_str(), |(_, n)| n.as_str());
        let body = match p.title.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) if !p.text.starts_with(t) => format!("{t} — {}", p.text),
            _ => p.text.clone(),
        };
        let body = excerpt(&body, 200);
        text.push_str(&format!(
            "{}. {source}, {}: {body}\n",
            i + 1,
            when(p.published)
        ));
        let url = p
            .url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        if let Some(u) = url {
            text.push_str(&format!("   {u}\n"));
        }
        post_json.push(json!({
            "source": p.source.as_str(),
            "source_name": source,
            "published": p.published,
            "text": body,
            "url": url,
        }));
    }
    (text, post_json)
}
