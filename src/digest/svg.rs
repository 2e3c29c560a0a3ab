//! Charts as inline SVG for the HTML briefing: no script, no fonts to fetch, prints cleanly.
//! Text in a chart (dates, region names) is escaped here, because the template inserts the
//! SVG as-is.

use std::fmt::Write as _;

use super::{DayCount, RegionCount, SentimentCounts};
use crate::time::Lang;

/// Escapes text for SVG/XML content and attributes.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Vertical bars, one per day, the last (the briefing's day) highlighted.
pub fn daily_bars(days: &[DayCount], lang: Lang) -> String {
    daily_bars_with_average(days, None, lang)
}

/// [`daily_bars`] with a dashed line at `average` (the mean of the days before).
pub fn daily_bars_with_average(days: &[DayCount], average: Option<f64>, lang: Lang) -> String {
    let title = match lang {
        Lang::Id => "Unggahan per hari, 7 hari terakhir",
        Lang::En => "Posts per day, last 7 days",
    };
    bars(days, average, title, lang)
}

/// Posts per day over a weekly or monthly briefing's period, with a dashed line at the period
/// before's mean per day.
pub fn period_bars(days: &[DayCount], average: f64, lang: Lang) -> String {
    let title = match lang {
        Lang::Id => "Unggahan per hari dalam periode (garis: rata-rata harian periode sebelumnya)",
        Lang::En => "Posts per day in the period (line: the period before's daily mean)",
    };
    bars(days, Some(average), title, lang)
}

fn bars(days: &[DayCount], average: Option<f64>, title: &str, lang: Lang) -> String {
    let (w, h, left, top, bottom) = (360.0, 150.0, 8.0, 18.0, 24.0);
    let plot_w = w - 2.0 * left;
    let plot_h = h - top - bottom;
    let highest = days.iter().map(|d| d.posts).max().unwrap_or(0) as f64;
    let max = highest.max(average.unwrap_or(0.0)).max(1.0);
    let slot = plot_w / days.len().max(1) as f64;
    let bar = slot * 0.58;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    for (i, d) in days.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let bh = plot_h * d.posts as f64 / max;
        let y = h - bottom - bh;
        let class = if i + 1 == days.len() {
            "bar now"
        } else {
            "bar"
        };
        // A month's 30 bars leave no room for every number: label each week's first day and
        // the last (each bar's own title still holds its count).
        if days.len() > 10 && i % 7 != 0 && i + 1 != days.len() {
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" rx=\"1.5\"><title>{}: {}</title></rect>",
                esc(&d.date),
                d.posts
            );
            continue;
        }
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" rx=\"1.5\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"val\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\">{}</text>",
            esc(&d.date),
            d.posts,
            x + bar / 2.0,
            y - 4.0,
            d.posts,
            x + bar / 2.0,
            h - 7.0,
            esc(&d.label)
        );
    }
    let base = h - bottom + 0.5;
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>",
        w - left
    );
    if let Some(avg) = average.filter(|a| *a > 0.0) {
        let y = h - bottom - plot_h * avg / max;
        let _ = write!(
            svg,
            "<line class=\"avg\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"><title>{}</title></line>",
            w - left,
            esc(&crate::format::format_decimal(avg, lang))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One stacked bar of the four sentiment classes (the legend is in the page).
pub fn sentiment_bar(s: &SentimentCounts) -> String {
    let total = s.positif + s.netral + s.berpotensi_negatif + s.negatif;
    let (w, h) = (400.0, 14.0);
    let mut svg = format!(
        "<svg class=\"chart sentiment\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"none\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    if total == 0 {
        let _ = write!(
            svg,
            "<rect class=\"s-netral\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\"/>"
        );
    }
    let mut x = 0.0;
    for (class, n) in [
        ("positif", s.positif),
        ("netral", s.netral),
        ("berpotensi_negatif", s.berpotensi_negatif),
        ("negatif", s.negatif),
    ] {
        if n == 0 || total == 0 {
            continue;
        }
        let bw = w * n as f64 / total as f64;
        let _ = write!(
            svg,
            "<rect class=\"s-{class}\" x=\"{x:.2}\" y=\"0\" width=\"{bw:.2}\" height=\"{h}\"><title>{class}: {n}</title></rect>"
        );
        x += bw;
    }
    svg.push_str("</svg>");
    svg
}

/// A region's name as a chart label: "Kabupaten" shortened to "Kab." as Indonesian tables do.
fn short_region(name: &str) -> String {
    match name.strip_prefix("Kabupaten ") {
        Some(rest) => format!("Kab. {rest}"),
        None => name.to_string(),
    }
}

/// Horizontal bars, one per kabupaten/kota, each split by issue: one segment per series (class
/// `c0`, `c1`, … in order, so the page's legend can match) and the rest of the region's posts
/// as `c-other`.
pub fn region_bars(areas: &[RegionCount], series: &[Vec<(String, u64)>]) -> String {
    if areas.is_empty() {
        return String::new();
    }
    let row = 20.0;
    let (w, label_w) = (400.0, 150.0);
    let h = row * areas.len() as f64 + 4.0;
    let max = areas.iter().map(|a| a.posts).max().unwrap_or(1).max(1) as f64;
    let scale = (w - label_w - 36.0) / max;
    let mut svg = format!(
        "<svg class=\"chart regions\" viewBox=\"0 0 {w} {h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, a) in areas.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"rlbl\">{}</text>",
            label_w - 8.0,
            y + row * 0.66,
            esc(&short_region(&a.name)),
        );
        let mut x = label_w;
        let mut rest = a.posts;
        for (k, s) in series.iter().enumerate() {
            let n = s
                .iter()
                .find(|(id, _)| *id == a.id)
                .map_or(0, |(_, n)| *n)
                .min(rest);
            if n == 0 {
                continue;
            }
            rest -= n;
            let bw = n as f64 * scale;
            let _ = write!(
                svg,
                "<rect class=\"c{k}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\"><title>{}: {n}</title></rect>",
                row - 7.0,
                esc(&a.name)
            );
            x += bw;
        }
        if rest > 0 {
            let bw = rest as f64 * scale;
            let _ = write!(
                svg,
                "<rect class=\"c-other\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\"/>",
                row - 7.0
            );
            x += bw;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"rval\">{}</text>",
            x + 5.0,
            y + row * 0.66,
            a.posts
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_text_is_escaped() {
        let areas = vec![RegionCount {
            id: "x".into(),
            name: "<script>alert(1)</script>".into(),
            posts: 3,
            rising: false,
        }];
        let svg = region_bars(&areas, &[vec![("x".to_string(), 2)]]);
        assert!(svg.contains("class=\"c0\"") && svg.contains("class=\"c-other\""));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        let days = vec![DayCount {
            date: "2026-11-27".into(),
            label: "27/11".into(),
            posts: 4,
        }];
        assert!(daily_bars(&days, Lang::Id).contains(">4</text>"));
    }
}
