//! The Markdown briefing: reads well in a plain editor and pastes well into a chat. Every value
//! from posts or lists goes through [`escape`] (the template environment applies it
//! automatically), so a post holding `<script>`, HTML, `[links](…)` or `![images](…)` shows as
//! text; links go through [`url`].

use minijinja::value::Serde;

use super::{Briefing, DigestError, labels, templates};

/// Escapes text for inline Markdown: every character that could start markup (emphasis, code,
/// links, images, HTML, tables) gets a backslash, an entity-like `&` too, and line breaks
/// become spaces so that a post cannot start a heading or a list of its own.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') =>
            {
                out.push_str("\\&");
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A link target safe inside `[text](…)`: http(s) only (anything else becomes empty), and the
/// characters that could end the target or start another one percent-encoded.
pub fn url(target: String) -> String {
    if !(target.starts_with("https://") || target.starts_with("http://")) {
        return String::new();
    }
    let mut out = String::with_capacity(target.len());
    for c in target.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            ' ' => out.push_str("%20"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            '\\' => out.push_str("%5C"),
            '`' => out.push_str("%60"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            c if c.is_control() || c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(b: &Briefing) -> Result<String, DigestError> {
    let env = templates();
    let tmpl = env.get_template("briefing.md")?;
    Ok(tmpl.render(minijinja::context! {
        b => Serde(b),
        t => Serde(labels(b.language)),
        lang => b.language.code(),
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_posts_stays_text() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            escape("![x](http://evil) [a](b)"),
            "\\!\\[x\\](http://evil) \\[a\\](b)"
        );
        assert_eq!(escape("a\n# judul\n- butir"), "a \\# judul - butir");
        assert_eq!(escape("AT&T &amp; 5 & 6"), "AT\\&T \\&amp; 5 & 6");
        assert_eq!(
            escape("Harga naik 5%, warga kecewa."),
            "Harga naik 5%, warga kecewa."
        );
    }

    #[test]
    fn link_targets_cannot_break_out() {
        assert_eq!(url("javascript:alert(1)".into()), "");
        assert_eq!(
            url("https://a.example/x) [y](z".into()),
            "https://a.example/x%29%20%5By%5D%28z"
        );
    }
}
