//! The HTML briefing: one self-contained file (inline CSS and SVG, no script, nothing fetched
//! from the network), readable on a phone and printing cleanly on A4. The template environment
//! escapes every value; only our own SVG charts and maps are inserted as-is (and they escape their text).

use std::collections::HashMap;

use minijinja::value::{Serde, Value};

use super::{Briefing, DigestError, labels, templates};

pub fn render(b: &Briefing) -> Result<String, DigestError> {
    let env = templates();
    let tmpl = env.get_template("briefing.html")?;
    // The charts are not part of the JSON; they reach the template as trusted markup.
    let charts: HashMap<&str, Value> = b
        .issues
        .iter()
        .map(|i| {
            (
                i.topic.as_str(),
                Value::from_safe_string(i.chart_svg.clone()),
            )
        })
        .collect();
    let sentiments: HashMap<&str, Value> = b
        .issues
        .iter()
        .map(|i| {
            (
                i.topic.as_str(),
                Value::from_safe_string(i.sentiment_svg.clone()),
            )
        })
        .collect();
    let maps: HashMap<&str, Value> = b
        .issues
        .iter()
        .map(|i| (i.topic.as_str(), Value::from_safe_string(i.map_svg.clone())))
        .collect();
    // The reference number in the printed page footer sits in CSS, where HTML escaping does
    // not apply: only the characters a number is made of are kept.
    let number_css: String = b
        .number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.'))
        .collect();
    Ok(tmpl.render(minijinja::context! {
        b => Serde(b),
        t => Serde(labels(b.language)),
        lang => b.language.code(),
        charts => charts,
        sentiments => sentiments,
        number_css => Value::from_safe_string(number_css),
        areas_svg => Value::from_safe_string(b.areas_svg.clone()),
        maps => maps,
        map_html => Value::from_safe_string(b.map_html.clone()),
        logo => b.logo.as_deref().filter(|uri| is_image_data_uri(uri)).map(|uri| Value::from_safe_string(uri.to_string())),
    })?)
}

/// Whether `uri` is the base64 image `data:` URI config builds, and nothing an attribute
/// could be broken out of: it is inserted unescaped.
fn is_image_data_uri(uri: &str) -> bool {
    let Some((head, data)) = uri.split_once(";base64,") else {
        return false;
    };
    matches!(
        head,
        "data:image/png" | "data:image/jpeg" | "data:image/svg+xml"
    ) && data
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
}
