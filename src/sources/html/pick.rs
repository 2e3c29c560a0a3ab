//! What a listing source's selector keys say: a CSS selector, optionally followed by `@` and
//! an attribute (`h2 a@href`, `time@datetime`), or only `@attribute` for the item element
//! itself — the convention RSS-Bridge's and changedetection.io's users already know. Checked
//! when the configuration is read, so a typo is reported with its file and line.

use std::fmt;

use scraper::{ElementRef, Selector};

/// One selector key's value, compiled.
#[derive(Clone)]
pub struct Pick {
    /// As written, for messages and comparison.
    written: String,
    /// `None` for `@attr`: the element the pick starts from.
    css: Option<Selector>,
    attr: Option<String>,
}

impl PartialEq for Pick {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written
    }
}

impl fmt::Debug for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pick({:?})", self.written)
    }
}

impl fmt::Display for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl Pick {
    /// `css`, `css@attr` or `@attr`.
    pub fn parse(text: &str) -> Result<Pick, String> {
        let written = text.trim();
        if written.is_empty() {
            return Err("pemilih kosong".into());
        }
        let (css, attr) = split_attr(written);
        if let Some(a) = attr
            && !is_attr_name(a)
        {
            return Err(format!("nama atribut \"{a}\" tidak valid"));
        }
        let css = match css.trim() {
            "" if attr.is_some() => None,
            "" => return Err("pemilih kosong".into()),
            css => Some(
                Selector::parse(css)
                    .map_err(|e| format!("pemilih CSS \"{css}\" tidak valid: {e}"))?,
            ),
        };
        Ok(Pick {
            written: written.to_string(),
            css,
            attr: attr.map(str::to_ascii_lowercase),
        })
    }

    /// The attribute named after `@`, if any.
    pub fn attr(&self) -> Option<&str> {
        self.attr.as_deref()
    }

    /// The first element the pick selects inside `scope` (or `scope` itself for `@attr`).
    pub fn element<'a>(&self, scope: ElementRef<'a>) -> Option<ElementRef<'a>> {
        match &self.css {
            None => Some(scope),
            Some(css) => scope.select(css).next(),
        }
    }

    /// Every element the pick selects inside `scope`.
    pub fn elements<'a>(&self, scope: ElementRef<'a>) -> Vec<ElementRef<'a>> {
        match &self.css {
            None => vec![scope],
            Some(css) => scope.select(css).collect(),
        }
    }

    /// The pick's value in `scope`: the attribute when one is named, else the element's text
    /// (white space collapsed); `None` when nothing is there.
    pub fn value(&self, scope: ElementRef<'_>) -> Option<String> {
        let el = self.element(scope)?;
        match &self.attr {
            Some(attr) => el.attr(attr).map(collapse).filter(|v| !v.is_empty()),
            None => Some(text_of(el)).filter(|v| !v.is_empty()),
        }
    }
}

/// `css@attr` → (`css`, `attr`). The `@` that counts is the last one outside brackets and
/// quotes, so `a[href*="@"]` stays a selector.
fn split_attr(text: &str) -> (&str, Option<&str>) {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut at = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth -= 1,
            (None, '@') if depth == 0 => at = Some(i),
            _ => {}
        }
    }
    match at {
        Some(i) => (&text[..i], Some(text[i + 1..].trim())),
        None => (text, None),
    }
}

fn is_attr_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// An element's text, white space collapsed to single spaces.
pub fn text_of(el: ElementRef<'_>) -> String {
    collapse(&el.text().collect::<String>())
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a selector key of a `[[sources]]` table.
pub fn pick<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Pick, D::Error> {
    crate::config::value::parsed(
        d,
        "pemilih CSS, boleh diikuti @atribut: \"h2 a\", \"h2 a@href\", \"time@datetime\"",
        Pick::parse,
    )
}

/// [`pick`], for an optional key.
pub fn opt_pick<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Pick>, D::Error> {
    pick(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_with_and_without_attributes() {
        let p = Pick::parse("h2 a@href").unwrap();
        assert_eq!(p.attr(), Some("href"));
        assert!(p.css.is_some());
        let p = Pick::parse("@data-url").unwrap();
        assert_eq!(p.attr(), Some("data-url"));
        assert!(p.css.is_none());
        let p = Pick::parse("a[href*=\"@\"]").unwrap();
        assert_eq!(p.attr(), None);
        let p = Pick::parse("a[href*='@'] @ href").unwrap();
        assert_eq!(p.attr(), Some("href"));
        for bad in ["", "  ", "h2 >", "@", "a@hr ef", "div[", "a@href\""] {
            assert!(Pick::parse(bad).is_err(), "{bad}");
        }
    }
}
