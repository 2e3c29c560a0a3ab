//! Identity of an item: the canonical URL (tracking parameters and fragment removed) and the
//! external id (the source's own id, else the canonical URL, else a hash of the text).

use url::Url;

/// Query parameters that only track a click and never change the page.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "igsh",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "s_cid", "spm",
];

fn is_tracking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// The canonical form of a link: absolute (resolved against `base`), http(s) only, host
/// lower-cased (the url crate does that), default port and fragment dropped, tracking
/// parameters removed, an emptied query removed.
pub fn canonical_url(raw: &str, base: Option<&Url>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut url = match Url::parse(raw) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(raw).ok()?,
        Err(_) => return None,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(url.to_string())
}

/// The id under which an item is stored for its source. `text_hash` is called only for an item
/// with neither a guid nor a link (hashing the text is most of the cost of an id).
pub fn external_id(
    guid: &str,
    canonical: Option<&str>,
    text_hash: impl FnOnce() -> String,
) -> String {
    let guid = guid.trim();
    if !guid.is_empty() {
        // A hostile feed may send a megabyte of "guid"; an id needs no more than this.
        return guid.chars().take(512).collect();
    }
    match canonical {
        Some(url) => url.to_string(),
        None => format!("h:{}", text_hash()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_fragments_go() {
        assert_eq!(
            canonical_url(
                "https://Warta.Example/berita/banjir?utm_source=fb&id=7&fbclid=x#komentar",
                None
            )
            .as_deref(),
            Some("https://warta.example/berita/banjir?id=7")
        );
        assert_eq!(
            canonical_url("https://warta.example:443/a?utm_medium=rss", None).as_deref(),
            Some("https://warta.example/a")
        );
        let base = Url::parse("https://warta.example/rss/").unwrap();
        assert_eq!(
            canonical_url("../berita/1", Some(&base)).as_deref(),
            Some("https://warta.example/berita/1")
        );
        assert_eq!(canonical_url("javascript:alert(1)", None), None);
        assert_eq!(canonical_url("  ", None), None);
    }

    #[test]
    fn ids_fall_back_in_order() {
        assert_eq!(external_id(" g1 ", Some("https://a/"), || "h".into()), "g1");
        assert_eq!(
            external_id("", Some("https://a/"), || "h".into()),
            "https://a/"
        );
        assert_eq!(external_id("", None, || "abc".into()), "h:abc");
    }
}
