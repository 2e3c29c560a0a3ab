//! Full-text search over stored posts (SQLite FTS5, see migration 5; PostgreSQL's `tsquery`,
//! see `pg::schema`), for `pantau search` and the API. The user's words are parsed once and
//! turned into an FTS5 query by [`fts_query`] or a `tsquery` by [`ts_query`], so that no input
//! can be a syntax error or reach a column it should not, and both backends search alike.
//! `lang:en` (outside quotes) keeps the posts in that language, as stated by the source or
//! detected ([`split_filters`]).

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::StoreError;
use super::rows::{ListedPost, POST_COLUMNS, TAG_COLUMNS, read_listed};
use crate::time::to_db;

/// A search: the words, and the period of publication (half-open).
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: usize,
}

/// The analyst's query in FTS5 syntax. Words must all occur (`AND` may be written, and is
/// the default); `"a phrase"` stays a phrase; `word*` is a prefix; `OR` between two terms and
/// `-word` (or `NOT word`) work as people expect. Every term is quoted, so punctuation, column
/// names and FTS5 operators typed by accident are only text. `None` when nothing searchable is
/// left.
pub fn fts_query(input: &str) -> Option<String> {
    Query::parse(input).map(|q| q.fts5())
}

/// The same query as a PostgreSQL `tsquery` text, for `to_tsquery('pantau', …)`: the terms
/// [`fts_query`] would give, with `&`, `|`, `& !`, phrases joined by `<->` and `:*` on a
/// prefix. Every word is a quoted lexeme, so nothing typed is tsquery syntax. `None` when
/// nothing searchable is left.
pub fn ts_query(input: &str) -> Option<String> {
    Query::parse(input).map(|q| q.tsquery())
}

/// A parsed query: terms that must all match. Both query languages are rendered from it, so
/// that the two backends search for the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Query<'a>(Vec<Node<'a>>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node<'a> {
    /// Consecutive words (one word, or a phrase); with `prefix`, the last is a prefix.
    Term {
        words: Vec<&'a str>,
        prefix: bool,
    },
    Or(Box<Node<'a>>, Box<Node<'a>>),
    /// The left without the right (both backends' NOT needs something on its left).
    Not(Box<Node<'a>>, Box<Node<'a>>),
}

impl<'a> Query<'a> {
    fn parse(input: &'a str) -> Option<Query<'a>> {
        let mut out: Vec<Node<'a>> = Vec::new();
        let mut negate_next = false;
        let mut or_next = false;
        let mut rest = input.trim();
        while !rest.is_empty() {
            let (token, quoted, after) = next_token(rest);
            rest = after.trim_start();
            if !quoted && token == "AND" {
                continue;
            }
            if !quoted && token == "OR" {
                or_next = !out.is_empty();
                continue;
            }
            if !quoted && (token == "NOT" || token == "-") {
                negate_next = true;
                continue;
            }
            let (negated, token) = match token.strip_prefix('-') {
                Some(t) if !quoted && !t.is_empty() => (true, t),
                _ => (negate_next, token),
            };
            let (prefix, token) = match token.strip_suffix('*') {
                Some(t) if !quoted => (true, t),
                _ => (false, token),
            };
            let words: Vec<&str> = token
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            negate_next = false;
            if words.is_empty() {
                continue;
            }
            let term = Node::Term { words, prefix };
            if negated {
                if let Some(last) = out.pop() {
                    out.push(Node::Not(Box::new(last), Box::new(term)));
                }
                continue;
            }
            if or_next && let Some(last) = out.pop() {
                out.push(Node::Or(Box::new(last), Box::new(term)));
            } else {
                out.push(term);
            }
            or_next = false;
        }
        (!out.is_empty()).then_some(Query(out))
    }

    fn fts5(&self) -> String {
        let terms: Vec<String> = self.0.iter().map(Node::fts5).collect();
        terms.join(" AND ")
    }

    fn tsquery(&self) -> String {
        let terms: Vec<String> = self.0.iter().map(Node::tsquery).collect();
        terms.join(" & ")
    }
}

/// The first token of `rest` (which starts with no space): a quoted phrase (to its closing
/// quote, or the end), or a run of non-space characters; whether it was quoted; what follows.
fn next_token(rest: &str) -> (&str, bool, &str) {
    if let Some(r) = rest.strip_prefix('"') {
        match r.find('"') {
            Some(end) => (&r[..end], true, &r[end + 1..]),
            None => (r, true, ""),
        }
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (&rest[..end], false, &rest[end..])
    }
}

impl Node<'_> {
    fn fts5(&self) -> String {
        match self {
            Node::Term { words, prefix } => {
                let star = if *prefix { "*" } else { "" };
                format!("\"{}\"{star}", words.join(" "))
            }
            Node::Or(a, b) => format!("({} OR {})", a.fts5(), b.fts5()),
            Node::Not(a, b) => format!("({} NOT {})", a.fts5(), b.fts5()),
        }
    }

    fn tsquery(&self) -> String {
        match self {
            Node::Term { words, prefix } => {
                let mut lexemes: Vec<String> = words.iter().map(|w| lexeme(w)).collect();
                if *prefix && let Some(last) = lexemes.last_mut() {
                    // Only the last word is a prefix, as in FTS5's `"a b"*` (a quoted operand
                    // with `:*` would make every word of it one).
                    last.push_str(":*");
                }
                match lexemes.len() {
                    1 => lexemes.remove(0),
                    _ => format!("({})", lexemes.join(" <-> ")),
                }
            }
            Node::Or(a, b) => format!("({} | {})", a.tsquery(), b.tsquery()),
            Node::Not(a, b) => format!("({} & !{})", a.tsquery(), b.tsquery()),
        }
    }
}

/// One word as a quoted tsquery lexeme. Words are letters and digits only, but quotes and
/// backslashes are escaped all the same: whatever a word holds stays one lexeme's text.
fn lexeme(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A query's words apart from its `lang:` filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filtered {
    /// The words, for [`fts_query`].
    pub words: String,
    /// The languages asked for (primary subtags, lower case); empty: any.
    pub langs: Vec<String>,
}

impl Filtered {
    /// Whether anything is asked for: words to search, or a language.
    pub fn is_empty(&self) -> bool {
        fts_query(&self.words).is_none() && self.langs.is_empty()
    }
}

/// Takes the `lang:CODE` filters (outside quotes) out of `input`; a `lang:` whose value is
/// not a language code stays a word.
pub fn split_filters(input: &str) -> Filtered {
    let mut out = Filtered::default();
    let mut quoted = false;
    let mut words: Vec<&str> = Vec::new();
    for token in input.split_whitespace() {
        let value = token
            .get(..5)
            .filter(|head| !quoted && head.eq_ignore_ascii_case("lang:"))
            .and_then(|_| crate::model::primary_language(&token[5..]));
        match value {
            Some(lang) => out.langs.push(lang),
            None => words.push(token),
        }
        quoted ^= token.matches('"').count() % 2 == 1;
    }
    out.words = words.join(" ");
    out
}

/// Posts matching `search`, newest first.
pub(super) fn search(conn: &Connection, search: &Search) -> Result<Vec<ListedPost>, StoreError> {
    let filtered = split_filters(&search.query);
    let query = fts_query(&filtered.words);
    if query.is_none() && filtered.langs.is_empty() {
        return Ok(Vec::new());
    }
    // Languages go in as one JSON array; a stored tag matches by its primary subtag.
    let lang_clause = if filtered.langs.is_empty() {
        ""
    } else {
        "AND EXISTS (SELECT 1 FROM json_each(?5) j
                     WHERE lower(p.lang) = j.value OR lower(p.lang) LIKE j.value || '-%')"
    };
    let sql = match query {
        Some(_) => format!(
            "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM posts_fts f JOIN posts p ON p.id = f.rowid
             WHERE posts_fts MATCH ?1 AND p.published_at >= ?2 AND p.published_at < ?3 {lang_clause}
             ORDER BY p.published_at DESC, p.id DESC LIMIT ?4"
        ),
        None => format!(
            "SELECT {POST_COLUMNS}, {TAG_COLUMNS} FROM posts p
             WHERE ?1 IS NULL AND p.published_at >= ?2 AND p.published_at < ?3 {lang_clause}
             ORDER BY p.published_at DESC, p.id DESC LIMIT ?4"
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let since = search.since.map_or_else(|| "0000".to_string(), to_db);
    let until = search.until.map_or_else(|| "9999".to_string(), to_db);
    let limit = search.limit.max(1) as i64;
    let rows = if filtered.langs.is_empty() {
        stmt.query_map(params![query, since, until, limit], read_listed)?
            .collect::<Result<_, _>>()?
    } else {
        let langs = serde_json::to_string(&filtered.langs).unwrap_or_default();
        stmt.query_map(params![query, since, until, limit, langs], read_listed)?
            .collect::<Result<_, _>>()?
    };
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_safe_fts5() {
        assert_eq!(
            fts_query("banjir samarinda").unwrap(),
            "\"banjir\" AND \"samarinda\""
        );
        assert_eq!(
            fts_query("banjir AND samarinda").unwrap(),
            "\"banjir\" AND \"samarinda\""
        );
        assert_eq!(fts_query("\"tanggul jebol\"").unwrap(), "\"tanggul jebol\"");
        assert_eq!(fts_query("banj*").unwrap(), "\"banj\"*");
        assert_eq!(
            fts_query("banjir OR genangan").unwrap(),
            "(\"banjir\" OR \"genangan\")"
        );
        assert_eq!(
            fts_query("banjir -diskon").unwrap(),
            "(\"banjir\" NOT \"diskon\")"
        );
        assert_eq!(
            fts_query("banjir NOT diskon").unwrap(),
            "(\"banjir\" NOT \"diskon\")"
        );
        // Operators, columns and quotes typed by accident are only text.
        assert_eq!(
            fts_query("title:banjir) AND (\"x").unwrap(),
            "\"title banjir\" AND \"x\""
        );
        assert_eq!(fts_query(" -- ** \"\" "), None);
        assert_eq!(fts_query("OR"), None);
    }

    #[test]
    fn queries_become_safe_tsqueries() {
        let cases = [
            ("banjir samarinda", "'banjir' & 'samarinda'"),
            ("banjir AND samarinda", "'banjir' & 'samarinda'"),
            ("\"tanggul jebol\"", "('tanggul' <-> 'jebol')"),
            ("banj*", "'banj':*"),
            ("jalan-rus*", "('jalan' <-> 'rus':*)"),
            ("banjir OR genangan", "('banjir' | 'genangan')"),
            ("banjir -diskon", "('banjir' & !'diskon')"),
            ("banjir NOT diskon", "('banjir' & !'diskon')"),
            ("a OR b -c d", "(('a' | 'b') & !'c') & 'd'"),
            ("Samarindá", "'Samarindá'"),
            // tsquery's own syntax typed by accident is only text.
            ("a'b", "('a' <-> 'b')"),
            ("x:* & y | !z <-> (w) \\", "'x':* & 'y' & 'z' & 'w'"),
            ("title:banjir) AND (\"x", "('title' <-> 'banjir') & 'x'"),
        ];
        for (input, want) in cases {
            assert_eq!(ts_query(input).as_deref(), Some(want), "{input}");
        }
        for nothing in [" -- ** \"\" ", "OR", "&|!", "((", ":*", "'", "\\"] {
            assert_eq!(ts_query(nothing), None, "{nothing}");
        }
        assert_eq!(lexeme("it's\\"), "'it\\'s\\\\'");
    }

    #[test]
    fn lang_filters_are_taken_out_of_the_words() {
        let f = split_filters("banjir LANG:en-GB samarinda lang:jv");
        assert_eq!(f.words, "banjir samarinda");
        assert_eq!(f.langs, ["en", "jv"]);
        // Inside quotes, or with no code after it, it is only text.
        let f = split_filters("\"kata lang:en di sini\" lang: lang:!!");
        assert_eq!(f.words, "\"kata lang:en di sini\" lang: lang:!!");
        assert!(f.langs.is_empty());
        assert!(split_filters("lang:en").langs == ["en"] && !split_filters("lang:en").is_empty());
        assert!(split_filters(" -- ").is_empty());
    }
}
