//! Charts as inline SVG for the HTML briefing: no script, no fonts to fetch, prints cleanly.
//! Text in a chart (dates, region names) is escaped here, because the template inserts the
//! SVG as-is.

use std::fmt::Write as _;

use super::{DayCount, RegionCount};
use crate::time::Lang;

/// Escapes text for SVG/XML content and attributes.
fn esc(s: &str) -> String {
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
    let (w, h, top, bottom) = (320.0, 120.0, 16.0, 22.0);
    let max = days.iter().map(|d| d.posts).max().unwrap_or(0).max(1) as f64;
    let slot = w / days.len().max(1) as f64;
    let bar = slot * 0.62;
    let title = match lang {
        Lang::Id => "Unggahan per hari, 7 hari terakhir",
        Lang::En => "Posts per day, last 7 days",
    };
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    for (i, d) in days.iter().enumerate() {
        let x = i as f64 * slot + (slot - bar) / 2.0;
        let bh = (h - top - bottom) * d.posts as f64 / max;
        let y = h - bottom - bh;
        let class = if i + 1 == days.len() {
            "bar now"
        } else {
            "bar"
        };
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"val\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"lbl\">{}</text>",
            esc(&d.date),
            d.posts,
            x + bar / 2.0,
            y - 3.0,
            d.posts,
            x + bar / 2.0,
            h - 6.0,
            esc(&d.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, one per kabupaten/kota.
pub fn region_bars(areas: &[RegionCount]) -> String {
    if areas.is_empty() {
        return String::new();
    }
    let row = 22.0;
    let (w, label_w) = (520.0, 190.0);
    let h = row * areas.len() as f64 + 4.0;
    let max = areas.iter().map(|a| a.posts).max().unwrap_or(1).max(1) as f64;
    let mut svg = format!(
        "<svg class=\"chart regions\" viewBox=\"0 0 {w} {h}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, a) in areas.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let bw = (w - label_w - 50.0) * a.posts as f64 / max;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"rlbl\">{}</text>\
             <rect class=\"bar\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"rval\">{}</text>",
            label_w - 8.0,
            y + row * 0.68,
            esc(&a.name),
            row - 6.0,
            label_w + bw + 6.0,
            y + row * 0.68,
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
        }];
        let svg = region_bars(&areas);
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
