//! The analysts' query language, in a topic file's `query` — the boolean language of
//! social-listening tools:
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := near (["AND"] near)*          two operands side by side are ANDed
//! near    := unary (("NEAR/n" | "ONEAR/n") unary)*
//! unary   := "NOT" unary | field ":" unary | atom
//! atom    := "(" or ")" | "\"exact phrase\"" | word | word* | word~ | /regex/
//! field   := title | text | source | author | lang | mention | link
//! ```
//!
//! Operators are only recognised in capitals: `and`, `or`, `not`, `near` are ordinary words.
//! `word*` matches words starting with `word`; `word~` matches every word with the same
//! Indonesian stem (kebanjiran, dibanjiri → banjir); `"a b"` matches the words in that order;
//! `A NEAR/n B` matches when A and B occur within n words of each other (in either order;
//! `ONEAR/n`: A first), also between groups: `(a OR b) NEAR/5 (c OR d)`. `title:` and `text:`
//! restrict the terms below them to that field; `source:`, `author:` and `lang:` test the
//! post's source id, author and language, `mention:` its @mentions and `link:` the links in its
//! text (a trailing `*` matches a prefix; for `link:`, the value is looked for anywhere in the
//! link).
//! Precedence, tightest first: NOT and field filters, NEAR, AND, OR.

use std::fmt;

/// Where a query part stands in the query text (byte offsets), for error messages.
pub type Pos = usize;

/// A term of the query (or of `any`/`exclude`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// As the analyst wrote it, without quotes.
    pub written: String,
    /// Words as written, split on spaces (folded later, with the lists' slang).
    pub words: Vec<String>,
    /// `word*`: the last word is a prefix.
    pub prefix: bool,
    /// `word~`: match on Indonesian stems.
    pub stem: bool,
}

/// A post field a query can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldName {
    Title,
    Text,
    Source,
    Author,
    Lang,
    /// An @mention in the post (taken out of the text when it is folded).
    Mention,
    /// A link in the post's text.
    Link,
}

impl FieldName {
    fn parse(name: &str) -> Option<FieldName> {
        Some(match name {
            "title" => FieldName::Title,
            "text" => FieldName::Text,
            "source" => FieldName::Source,
            "author" => FieldName::Author,
            "lang" => FieldName::Lang,
            "mention" => FieldName::Mention,
            "link" => FieldName::Link,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::Title => "title",
            FieldName::Text => "text",
            FieldName::Source => "source",
            FieldName::Author => "author",
            FieldName::Lang => "lang",
            FieldName::Mention => "mention",
            FieldName::Link => "link",
        }
    }
}

/// A parsed query. Leaves are terms and regexes; `source:`/`author:`/`lang:` are predicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Term(Term, Pos),
    Regex(String, Pos),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Near {
        left: Box<Expr>,
        right: Box<Expr>,
        within: u32,
        ordered: bool,
    },
    /// `title:` or `text:` over a sub-expression.
    InField(FieldName, Box<Expr>),
    /// `source:`, `author:` or `lang:` compared with a value (folded; `*` at the end = prefix).
    Meta(FieldName, String),
}

impl Expr {
    /// The query with every position zeroed: what a reprint (`Display`, as `--explain` shows
    /// it) must read back as, since reprinting moves terms about and nothing else.
    pub fn without_positions(&self) -> Expr {
        let b = |x: &Expr| Box::new(x.without_positions());
        match self {
            Expr::Term(t, _) => Expr::Term(t.clone(), 0),
            Expr::Regex(r, _) => Expr::Regex(r.clone(), 0),
            Expr::And(xs) => Expr::And(xs.iter().map(Expr::without_positions).collect()),
            Expr::Or(xs) => Expr::Or(xs.iter().map(Expr::without_positions).collect()),
            Expr::Not(x) => Expr::Not(b(x)),
            Expr::Near {
                left,
                right,
                within,
                ordered,
            } => Expr::Near {
                left: b(left),
                right: b(right),
                within: *within,
                ordered: *ordered,
            },
            Expr::InField(n, x) => Expr::InField(*n, b(x)),
            Expr::Meta(n, v) => Expr::Meta(*n, v.clone()),
        }
    }

    /// Whether the expression can match by containing something (not only by absence).
    pub fn has_positive(&self) -> bool {
        match self {
            Expr::Term(..) | Expr::Regex(..) | Expr::Meta(..) => true,
            Expr::And(xs) | Expr::Or(xs) => xs.iter().any(Expr::has_positive),
            Expr::Not(_) => false,
            Expr::Near { .. } => true,
            Expr::InField(_, x) => x.has_positive(),
        }
    }

    /// Whether the expression contains a term or regex (something with a position).
    pub fn has_terms(&self) -> bool {
        !self.leaves().is_empty()
    }

    /// Whether the expression can hold without any term or regex occurring (through field
    /// filters or NOT alone): such a topic must be looked at for every post.
    pub fn holds_without_terms(&self) -> bool {
        match self {
            Expr::Term(..) | Expr::Regex(..) | Expr::Near { .. } => false,
            Expr::Meta(..) | Expr::Not(_) => true,
            Expr::And(xs) => xs.iter().all(Expr::holds_without_terms),
            Expr::Or(xs) => xs.iter().any(Expr::holds_without_terms),
            Expr::InField(_, x) => x.holds_without_terms(),
        }
    }

    /// Every term and regex, in order.
    pub fn leaves(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if matches!(e, Expr::Term(..) | Expr::Regex(..)) {
                out.push(e);
            }
        });
        out
    }

    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| x.walk(f)),
            Expr::Not(x) | Expr::InField(_, x) => x.walk(f),
            Expr::Near { left, right, .. } => {
                left.walk(f);
                right.walk(f);
            }
            _ => {}
        }
    }
}

/// Prints a query in the query language, so that the print parses back to the same query:
/// `--explain` shows it and an analyst may copy it into a topic file.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(t, _) => {
                let mark = if t.prefix {
                    "*"
                } else if t.stem {
                    "~"
                } else {
                    ""
                };
                if t.words.len() > 1 || needs_quotes(&t.written) {
                    write!(f, "\"{}\"{mark}", t.written)
                } else {
                    write!(f, "{}{mark}", t.written)
                }
            }
            // The lexer reads `\/` as a slash inside a regex; any other slash would end it.
            Expr::Regex(r, _) => write!(f, "/{}/", r.replace('/', "\\/")),
            Expr::And(xs) => join(f, xs, " AND "),
            Expr::Or(xs) => join(f, xs, " OR "),
            Expr::Not(x) => {
                f.write_str("NOT ")?;
                operand(f, x)
            }
            Expr::Near {
                left,
                right,
                within,
                ordered,
            } => {
                // NEAR groups to the left, so a left NEAR needs no brackets; a right one does.
                write!(
                    f,
                    "{left} {}NEAR/{within} ",
                    if *ordered { "O" } else { "" }
                )?;
                operand(f, right)
            }
            Expr::InField(name, x) => {
                write!(f, "{}:", name.as_str())?;
                operand(f, x)
            }
            Expr::Meta(name, v) => {
                // A value read from a phrase may hold spaces or be empty: quote it back.
                let bare = v.strip_suffix('*').unwrap_or(v);
                if bare.is_empty() || needs_quotes(bare) || bare.contains(['*', '~']) {
                    write!(f, "{}:\"{v}\"", name.as_str())
                } else {
                    write!(f, "{}:{v}", name.as_str())
                }
            }
        }
    }
}

/// An operand of NOT, a field or the right side of NEAR: a NEAR there needs brackets, as the
/// operators bind tighter than NEAR (And and Or bring their own).
fn operand(f: &mut fmt::Formatter<'_>, x: &Expr) -> fmt::Result {
    if matches!(x, Expr::Near { .. }) {
        write!(f, "({x})")
    } else {
        write!(f, "{x}")
    }
}

/// Whether a one-word term printed bare would be read as something else: an operator, a
/// field (`x:`), a regex (`/…/`), or brackets splitting it.
fn needs_quotes(word: &str) -> bool {
    matches!(word, "AND" | "OR" | "NOT" | "NEAR" | "ONEAR")
        || word.starts_with("NEAR/")
        || word.starts_with("ONEAR/")
        || word.starts_with('/')
        || word.contains(['(', ')', ':'])
        || word.contains(char::is_whitespace)
}

fn join(f: &mut fmt::Formatter<'_>, xs: &[Expr], sep: &str) -> fmt::Result {
    f.write_str("(")?;
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{x}")?;
    }
    f.write_str(")")
}

/// A syntax error: where, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub at: Pos,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Near(u32, bool),
    Phrase(String),
    Word(String),
    Regex(String),
    Field(String),
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::And => "AND".into(),
        Tok::Or => "OR".into(),
        Tok::Not => "NOT".into(),
        Tok::Near(n, o) => format!("{}NEAR/{n}", if *o { "O" } else { "" }),
        Tok::Phrase(p) => format!("\"{p}\""),
        Tok::Word(w) => w.clone(),
        Tok::Regex(r) => format!("/{r}/"),
        Tok::Field(f) => format!("{f}:"),
    }
}

fn err(at: Pos, message: impl Into<String>, hint: impl Into<String>) -> QueryError {
    QueryError {
        at,
        message: message.into(),
        hint: hint.into(),
    }
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn lex(q: &str) -> Result<Vec<(Tok, Pos)>, QueryError> {
    let mut out = Vec::new();
    let mut chars = q.char_indices().peekable();
    while let Some(&(pos, c)) = chars.peek() {
        let tok = match c {
            c if c.is_whitespace() => {
                chars.next();
                continue;
            }
            '(' => {
                chars.next();
                Tok::LParen
            }
            ')' => {
                chars.next();
                Tok::RParen
            }
            '"' | '\u{201c}' | '\u{201d}' => lex_phrase(&mut chars, pos)?,
            '/' => lex_regex(&mut chars, pos)?,
            _ => lex_word(&mut chars, pos)?,
        };
        out.push((tok, pos));
    }
    Ok(out)
}

/// A quoted phrase, straight or curly quotes, with a `*` or `~` right after it.
fn lex_phrase(chars: &mut Chars<'_>, pos: Pos) -> Result<Tok, QueryError> {
    chars.next();
    let mut phrase = String::new();
    let mut closed = false;
    for (_, ch) in chars.by_ref() {
        if ch == '"' || ch == '\u{201d}' || ch == '\u{201c}' {
            closed = true;
            break;
        }
        phrase.push(ch);
    }
    if !closed {
        return Err(err(
            pos,
            "tanda kutip tidak ditutup",
            "tutup frasa dengan \" di akhirnya",
        ));
    }
    // A trailing * or ~ after the closing quote applies to the phrase.
    let mut suffix = String::new();
    while let Some(&(_, ch)) = chars.peek() {
        if ch == '*' || ch == '~' {
            suffix.push(ch);
            chars.next();
        } else {
            break;
        }
    }
    Ok(Tok::Phrase(phrase + &suffix))
}

/// A `/regex/`; `\/` inside it is a slash.
fn lex_regex(chars: &mut Chars<'_>, pos: Pos) -> Result<Tok, QueryError> {
    chars.next();
    let mut re = String::new();
    let mut closed = false;
    while let Some((_, ch)) = chars.next() {
        if ch == '\\' {
            if let Some(&(_, next)) = chars.peek()
                && next == '/'
            {
                re.push('/');
                chars.next();
                continue;
            }
            re.push(ch);
        } else if ch == '/' {
            closed = true;
            break;
        } else {
            re.push(ch);
        }
    }
    if !closed {
        return Err(err(
            pos,
            "regex tidak ditutup",
            "tulis regex di antara dua garis miring: /pola/",
        ));
    }
    Ok(Tok::Regex(re))
}

/// A word: a field filter (`name:`), an operator (capitals only) or a term.
fn lex_word(chars: &mut Chars<'_>, pos: Pos) -> Result<Tok, QueryError> {
    let mut word = String::new();
    while let Some(&(_, ch)) = chars.peek() {
        if ch.is_whitespace() || matches!(ch, '(' | ')' | '"' | '\u{201c}' | '\u{201d}') {
            break;
        }
        // `name:` starts a field filter (known or not: an unknown one is an error, not a
        // silent literal).
        if ch == ':' && !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic()) {
            break;
        }
        word.push(ch);
        chars.next();
    }
    if let Some(&(_, ':')) = chars.peek() {
        chars.next();
        return Ok(Tok::Field(word.to_lowercase()));
    }
    Ok(match word.as_str() {
        "AND" => Tok::And,
        "OR" => Tok::Or,
        "NOT" => Tok::Not,
        w if w.starts_with("NEAR/") || w.starts_with("ONEAR/") => near_token(w, pos)?,
        "NEAR" | "ONEAR" => {
            return Err(err(
                pos,
                format!("{word} tanpa jarak"),
                "tulis jaraknya dalam kata, misalnya NEAR/5",
            ));
        }
        _ => Tok::Word(word),
    })
}

/// `NEAR/n` or `ONEAR/n`, n words at most 100.
fn near_token(w: &str, pos: Pos) -> Result<Tok, QueryError> {
    let ordered = w.starts_with('O');
    let n = w.split_once('/').map(|(_, n)| n).unwrap_or("");
    match n.parse::<u32>() {
        Ok(n) if n <= 100 => Ok(Tok::Near(n, ordered)),
        _ => Err(err(
            pos,
            format!(
                "jarak \"{n}\" pada {} tidak valid",
                &w[..w.find('/').unwrap_or(w.len())]
            ),
            "tulis jarak dalam kata, 0 sampai 100, misalnya NEAR/5",
        )),
    }
}

/// Deepest nesting of parentheses and NOT a query may have.
const MAX_DEPTH: u32 = 64;

struct Parser {
    toks: Vec<(Tok, Pos)>,
    i: usize,
    end: Pos,
    /// Current nesting, so a hostile or mistaken query cannot exhaust the stack.
    depth: u32,
    /// Depth of NEAR operands being parsed: NOT is not allowed there.
    in_near: u32,
}

/// Parses a query.
pub fn parse(q: &str) -> Result<Expr, QueryError> {
    let toks = lex(q)?;
    if toks.is_empty() {
        return Err(err(
            0,
            "query kosong",
            "hapus kunci query, atau tulis istilahnya, misalnya query = 'banjir AND samarinda'",
        ));
    }
    let mut p = Parser {
        toks,
        i: 0,
        end: q.len(),
        depth: 0,
        in_near: 0,
    };
    let expr = p.or()?;
    if let Some((t, pos)) = p.peek() {
        let (t, pos) = (t.clone(), pos);
        return Err(match t {
            Tok::RParen => err(
                pos,
                "\")\" tanpa pasangan \"(\"",
                "hapus \")\" ini atau tambahkan \"(\" sebelumnya",
            ),
            other => err(
                pos,
                format!("{} tidak diharapkan di sini", describe(&other)),
                "periksa operator dan tanda kurung di sekitarnya",
            ),
        });
    }
    if !expr.has_positive() {
        return Err(err(
            0,
            "query hanya berisi NOT",
            "NOT hanya menyaring; gabungkan dengan istilah, misalnya 'banjir AND NOT diskon'",
        ));
    }
    Ok(expr)
}

impl Parser {
    fn peek(&self) -> Option<(&Tok, Pos)> {
        self.toks.get(self.i).map(|(t, p)| (t, *p))
    }

    fn pos(&self) -> Pos {
        self.peek().map_or(self.end, |(_, p)| p)
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and()?];
        while let Some((Tok::Or, _)) = self.peek() {
            self.i += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Expr::Or(parts)
        })
    }

    fn starts_operand(&self) -> bool {
        matches!(
            self.peek(),
            Some((
                Tok::LParen
                    | Tok::Not
                    | Tok::Phrase(_)
                    | Tok::Word(_)
                    | Tok::Regex(_)
                    | Tok::Field(_),
                _
            ))
        )
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.near()?];
        loop {
            match self.peek() {
                Some((Tok::And, _)) => {
                    self.i += 1;
                    parts.push(self.near()?);
                }
                _ if self.starts_operand() => parts.push(self.near()?),
                _ => break,
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Expr::And(parts)
        })
    }

    fn near(&mut self) -> Result<Expr, QueryError> {
        let start = self.pos();
        let mut left = self.unary()?;
        while let Some((Tok::Near(n, ordered), pos)) = self.peek() {
            let (within, ordered) = (*n, *ordered);
            self.i += 1;
            if matches!(left, Expr::Not(_)) {
                return Err(err(
                    start,
                    "NOT tidak bisa menjadi sisi NEAR",
                    "letakkan NOT di luar: '(a NEAR/3 b) AND NOT c'",
                ));
            }
            self.in_near += 1;
            let right_pos = self.pos();
            let right = self.unary();
            self.in_near -= 1;
            let right = right?;
            if matches!(right, Expr::Not(_)) {
                return Err(err(
                    right_pos,
                    "NOT tidak bisa menjadi sisi NEAR",
                    "letakkan NOT di luar: '(a NEAR/3 b) AND NOT c'",
                ));
            }
            if !right.has_terms() || !left.has_terms() {
                return Err(err(
                    pos,
                    "NEAR membutuhkan istilah di kedua sisi",
                    "tulis istilah di kiri dan kanan NEAR; filter seperti source: tidak punya posisi kata",
                ));
            }
            left = Expr::Near {
                left: Box::new(left),
                right: Box::new(right),
                within,
                ordered,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        self.depth += 1;
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Expr, QueryError> {
        if self.depth > MAX_DEPTH {
            return Err(err(
                self.pos(),
                format!("query bersarang lebih dari {MAX_DEPTH} tingkat"),
                "sederhanakan tanda kurungnya",
            ));
        }
        let Some((tok, pos)) = self.peek() else {
            return Err(err(
                self.end,
                "query berakhir sebelum operand",
                "tambahkan istilah setelah operator terakhir",
            ));
        };
        let tok = tok.clone();
        match tok {
            Tok::Not => {
                self.i += 1;
                if self.in_near > 0 {
                    return Err(err(
                        pos,
                        "NOT tidak bisa di dalam NEAR",
                        "letakkan NOT di luar: '(a NEAR/3 b) AND NOT c'",
                    ));
                }
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Tok::Field(name) => {
                self.i += 1;
                self.field(&name, pos)
            }
            Tok::LParen => {
                self.i += 1;
                self.group(pos)
            }
            Tok::Phrase(p) => {
                self.i += 1;
                term(&p, pos)
            }
            Tok::Word(w) => {
                self.i += 1;
                term(&w, pos)
            }
            Tok::Regex(r) => {
                self.i += 1;
                if r.is_empty() {
                    return Err(err(
                        pos,
                        "regex kosong",
                        "tulis pola di antara garis miring, misalnya /\\d+ cm/",
                    ));
                }
                Ok(Expr::Regex(r, pos))
            }
            Tok::RParen => Err(err(
                pos,
                "\")\" tanpa pasangan \"(\"",
                "hapus \")\" ini atau tambahkan \"(\" sebelumnya",
            )),
            other => Err(err(
                pos,
                format!("{} tanpa istilah di kirinya", describe(&other)),
                "operator AND, OR, NEAR berada di antara dua istilah; untuk kata biasa tulis huruf kecil (and, or)",
            )),
        }
    }

    /// What follows `name:` (at `pos`): a sub-expression for `title:` and `text:`, a value
    /// for the others.
    fn field(&mut self, name: &str, pos: Pos) -> Result<Expr, QueryError> {
        let field = FieldName::parse(name).ok_or_else(|| unknown_field(name, pos))?;
        if let FieldName::Title | FieldName::Text = field {
            return Ok(Expr::InField(field, Box::new(self.unary()?)));
        }
        match self.peek() {
            Some((Tok::Word(v) | Tok::Phrase(v), _)) => {
                let v = v.clone();
                self.i += 1;
                Ok(Expr::Meta(field, v.to_lowercase()))
            }
            _ => Err(err(
                self.pos(),
                format!("{name}: membutuhkan nilai"),
                format!(
                    "tulis nilainya langsung setelah titik dua, misalnya {name}:{}",
                    example_value(field)
                ),
            )),
        }
    }

    /// A bracketed group, its `(` at `pos` already read.
    fn group(&mut self, pos: Pos) -> Result<Expr, QueryError> {
        if let Some((Tok::RParen, p)) = self.peek() {
            return Err(err(
                p,
                "kurung kosong",
                "tulis istilah di dalam kurung atau hapus kurungnya",
            ));
        }
        let inner = self.or()?;
        match self.peek() {
            Some((Tok::RParen, _)) => {
                self.i += 1;
                Ok(inner)
            }
            _ => Err(err(
                pos,
                "tanda kurung tidak ditutup",
                "tambahkan \")\" di akhir kelompok ini",
            )),
        }
    }
}

/// An unknown `name:`, with the field meant when the name is an Indonesian one or close to one.
fn unknown_field(name: &str, pos: Pos) -> QueryError {
    let known = [
        "title", "text", "source", "author", "lang", "mention", "link",
    ];
    let hint = match name {
        "judul" => "mungkin maksud Anda title:".to_string(),
        "teks" | "isi" => "mungkin maksud Anda text:".to_string(),
        "sumber" => "mungkin maksud Anda source:".to_string(),
        "penulis" => "mungkin maksud Anda author:".to_string(),
        "bahasa" => "mungkin maksud Anda lang:".to_string(),
        _ => match crate::error::suggest(name, &known) {
            Some(k) => format!("mungkin maksud Anda {k}:"),
            None => "bidang yang ada: title:, text:, source:, author:, lang:, mention:, link:"
                .to_string(),
        },
    };
    err(pos, format!("bidang \"{name}:\" tidak dikenal"), hint)
}

fn example_value(field: FieldName) -> &'static str {
    match field {
        FieldName::Source => "tribun-kaltim",
        FieldName::Author => "humas*",
        FieldName::Lang => "id",
        FieldName::Mention => "bpbd_kaltim",
        FieldName::Link => "instagram.com",
        _ => "banjir",
    }
}

/// A term as written: `word`, `word*`, `word~`, or a phrase with the same marks at its end.
pub fn term(written: &str, pos: Pos) -> Result<Expr, QueryError> {
    let t = parse_term(written).map_err(|(message, hint)| err(pos, message, hint))?;
    Ok(Expr::Term(t, pos))
}

/// Reads the marks of a term; also used for `any` and `exclude` entries.
pub fn parse_term(written: &str) -> Result<Term, (String, String)> {
    let mut text = written.trim();
    let mut prefix = false;
    let mut stem = false;
    loop {
        if let Some(t) = text.strip_suffix('*') {
            prefix = true;
            text = t;
        } else if let Some(t) = text.strip_suffix('~') {
            stem = true;
            text = t;
        } else {
            break;
        }
    }
    if prefix && stem {
        return Err((
            format!("istilah \"{written}\" memakai * dan ~ sekaligus"),
            "pilih salah satu: banjir* (awalan kata) atau banjir~ (kata dasar)".into(),
        ));
    }
    if text.contains(['*', '~']) {
        return Err((
            format!("istilah \"{written}\": * dan ~ hanya boleh di akhir"),
            "tulis banjir* atau banjir~".into(),
        ));
    }
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if words.is_empty() {
        return Err((
            format!("istilah \"{written}\" kosong"),
            "tulis kata yang hendak dicari".into(),
        ));
    }
    if prefix
        && words
            .last()
            .is_some_and(|w| w.chars().filter(|c| c.is_alphanumeric()).count() < 3)
    {
        return Err((
            format!("awalan \"{written}\" terlalu pendek"),
            "tulis sedikitnya 3 huruf sebelum *, agar tidak cocok dengan terlalu banyak kata"
                .into(),
        ));
    }
    Ok(Term {
        written: text.to_string(),
        words,
        prefix,
        stem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> String {
        parse(q).unwrap().to_string()
    }

    fn e(q: &str) -> (usize, String) {
        let e = parse(q).unwrap_err();
        (e.at, e.message)
    }

    #[test]
    fn precedence_and_implicit_and() {
        assert_eq!(
            p("banjir OR longsor AND samarinda"),
            "(banjir OR (longsor AND samarinda))"
        );
        assert_eq!(p("banjir samarinda"), "(banjir AND samarinda)");
        assert_eq!(
            p("(banjir OR longsor) samarinda"),
            "((banjir OR longsor) AND samarinda)"
        );
        assert_eq!(p("banjir AND NOT diskon"), "(banjir AND NOT diskon)");
        assert_eq!(
            p("jalan and rusak or parah"),
            "(jalan AND and AND rusak AND or AND parah)"
        );
    }

    #[test]
    fn near_phrases_fields_and_marks() {
        assert_eq!(
            p("\"air meluap\" NEAR/5 (sungai OR parit)"),
            "\"air meluap\" NEAR/5 (sungai OR parit)"
        );
        assert_eq!(p("a ONEAR/2 b NEAR/3 c"), "a ONEAR/2 b NEAR/3 c");
        assert_eq!(
            p("title:banjir source:warta*"),
            "(title:banjir AND source:warta*)"
        );
        assert_eq!(
            p("title:(banjir OR rob) lang:id"),
            "(title:(banjir OR rob) AND lang:id)"
        );
        assert_eq!(
            p("banjir~ OR genang* OR /tinggi air \\d+/"),
            "(banjir~ OR genang* OR /tinggi air \\d+/)"
        );
        match parse("banjir~").unwrap() {
            Expr::Term(t, _) => assert!(t.stem && !t.prefix && t.written == "banjir"),
            other => panic!("{other:?}"),
        }
        match parse("\"jalan rus\"*").unwrap() {
            Expr::Term(t, _) => assert!(t.prefix && t.words == ["jalan", "rus"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(p("a/b"), "a/b");
    }

    #[test]
    fn errors_point_at_the_spot() {
        assert_eq!(
            e("(banjir OR rob"),
            (0, "tanda kurung tidak ditutup".into())
        );
        assert_eq!(e("banjir OR"), (9, "query berakhir sebelum operand".into()));
        assert_eq!(
            e("\"air meluap NEAR/5 x"),
            (0, "tanda kutip tidak ditutup".into())
        );
        assert_eq!(e("banjir NEAR/x rob").0, 7);
        assert_eq!(e("banjir NEAR rob"), (7, "NEAR tanpa jarak".into()));
        assert_eq!(e("NOT diskon"), (0, "query hanya berisi NOT".into()));
        assert_eq!(
            e("banjir NEAR/3 NOT rob"),
            (14, "NOT tidak bisa di dalam NEAR".into())
        );
        assert_eq!(e("AND banjir"), (0, "AND tanpa istilah di kirinya".into()));
        assert_eq!(e("banjir )"), (7, "\")\" tanpa pasangan \"(\"".into()));
        assert_eq!(
            e("judul:banjir"),
            (0, "bidang \"judul:\" tidak dikenal".into())
        );
        assert_eq!(
            e("banjir source:"),
            (14, "source: membutuhkan nilai".into())
        );
        assert_eq!(e("() banjir"), (1, "kurung kosong".into()));
        assert!(
            e(&("(".repeat(5000) + "banjir" + &")".repeat(5000)))
                .1
                .contains("bersarang")
        );
        assert!(
            e("source:warta NEAR/3 banjir")
                .1
                .contains("NEAR membutuhkan istilah")
        );
    }

    /// The round-trip check of fuzz/fuzz_targets/query.rs: the print `--explain` shows read back as a
    /// different query, or not at all — a quoted one-word phrase that is an operator, a field
    /// or a regex; a slash inside a regex; a NEAR under NOT, a field or a right-hand NEAR; a
    /// quoted field value.
    #[test]
    fn prints_parse_back_to_the_same_query() {
        for q in [
            "\"AND\" banjir",
            "\"NEAR/3\" banjir",
            "\"x:y\" OR \"a(b\"",
            "\"/tmp\" banjir",
            "/a\\/b/",
            "/a\\\\/b/",
            "banjir AND NOT (rob NEAR/3 diskon)",
            "title:(banjir NEAR/2 rob)",
            "a NEAR/3 (b ONEAR/2 c)",
            "banjir source:\"warga kota\"",
            "banjir source:\"\"",
            "banjir author:\"a*b\"",
        ] {
            let expr = parse(q).unwrap_or_else(|e| panic!("{q}: {e:?}"));
            let printed = expr.to_string();
            let again =
                parse(&printed).unwrap_or_else(|e| panic!("{q} printed as {printed}: {e:?}"));
            assert_eq!(
                again.without_positions(),
                expr.without_positions(),
                "{q} printed as {printed}"
            );
        }
        assert_eq!(p("/a\\/b/"), "/a\\/b/");
        assert_eq!(p("\"AND\" banjir"), "(\"AND\" AND banjir)");
        assert_eq!(p("title:(a NEAR/2 b)"), "title:(a NEAR/2 b)");
    }
}
