//! A topic file as the editor's form shows it, and back: [`TopicForm::read`] takes the fields
//! out of the TOML text, [`TopicForm::write`] puts changed fields back with `toml_edit`, so
//! comments and the layout of untouched keys stay as the analyst wrote them, and [`locate`]
//! maps a line:column of the written text back to a form field and its own line:column.

use std::ops::Range;

use toml_edit::{Array, DocumentMut, Item, Value};

/// The form's fields, in the order the page shows them.
pub const FIELDS: &[(&str, &str)] = &[
    ("name", "Nama"),
    ("category", "Kategori"),
    ("priority", "Prioritas"),
    ("owner", "Penanggung jawab"),
    ("advice", "Saran tindak"),
    ("any", "Kata/frasa (satu per baris)"),
    ("query", "Kueri"),
    ("exclude", "Pengecualian (satu per baris)"),
    ("match", "Contoh yang harus cocok (satu per baris)"),
    ("no_match", "Contoh yang tidak boleh cocok (satu per baris)"),
];

/// Fields that are lists, one element a line.
const LISTS: &[&str] = &["any", "exclude", "match", "no_match"];

/// A topic's editable fields as text: lists one element a line.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct TopicForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub advice: String,
    #[serde(default)]
    pub any: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub exclude: String,
    #[serde(default, rename = "match")]
    pub matches: String,
    #[serde(default)]
    pub no_match: String,
}

impl TopicForm {
    /// The field named `name` (one of [`FIELDS`]).
    pub fn field(&self, name: &str) -> &str {
        match name {
            "name" => &self.name,
            "category" => &self.category,
            "priority" => &self.priority,
            "owner" => &self.owner,
            "advice" => &self.advice,
            "any" => &self.any,
            "query" => &self.query,
            "exclude" => &self.exclude,
            "match" => &self.matches,
            "no_match" => &self.no_match,
            _ => "",
        }
    }

    /// The fields of a topic file; what is missing or not text reads as empty. An example
    /// written as a table (`{ title = …, text = … }`) shows its text.
    pub fn read(text: &str) -> TopicForm {
        let doc: DocumentMut = text.parse().unwrap_or_default();
        let s = |k: &str| doc.get(k).and_then(Item::as_str).unwrap_or("").to_string();
        let examples = doc.get("examples");
        let list = |item: Option<&Item>| {
            item.and_then(Item::as_array)
                .map(|a| {
                    a.iter()
                        .map(|v| match v {
                            Value::String(s) => s.value().clone(),
                            Value::InlineTable(t) => t
                                .get("text")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string(),
                            other => other.to_string().trim().to_string(),
                        })
                        .map(|l| l.replace(['\n', '\r'], " "))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default()
        };
        TopicForm {
            name: s("name"),
            category: s("category"),
            priority: s("priority"),
            owner: s("owner"),
            advice: s("advice"),
            any: list(doc.get("any")),
            query: s("query").trim_matches('\n').to_string(),
            exclude: list(doc.get("exclude")),
            matches: list(examples.and_then(|e| e.get("match"))),
            no_match: list(examples.and_then(|e| e.get("no_match"))),
        }
    }

    /// `original` with the fields that differ from what it holds replaced by this form's;
    /// untouched fields keep their text, comments and layout. An empty optional field is
    /// removed. Fails only when `original` is not TOML.
    pub fn write(&self, original: &str) -> Result<String, toml_edit::TomlError> {
        let mut doc: DocumentMut = original.parse()?;
        let before = TopicForm::read(original);
        for (key, _) in FIELDS {
            let new = self.field(key);
            if normalized(new) == normalized(before.field(key)) {
                continue;
            }
            let value = if LISTS.contains(key) {
                list_value(new)
            } else if *key == "query" {
                query_value(new)
            } else {
                (!new.trim().is_empty()).then(|| Value::from(new.trim()))
            };
            set(&mut doc, key, value);
        }
        Ok(doc.to_string())
    }
}

/// Line endings as a browser sends them (`\r\n`) compare equal to the file's.
fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_string()
}

/// A list field: one element a line, blank lines left out.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn list_value(text: &str) -> Option<Value> {
    let mut array = Array::new();
    for (_, line) in lines(text) {
        let mut v = Value::from(line);
        v.decor_mut().set_prefix("\n  ");
        array.push_formatted(v);
    }
    if array.is_empty() {
        return Some(Value::Array(array));
    }
    array.set_trailing_comma(true);
    array.set_trailing("\n");
    Some(Value::Array(array))
}

/// A query as a multi-line literal string, its first line on the line after `'''`, so its
/// lines and columns are the file's (a query holding `'''` falls back to a plain string).
fn query_value(text: &str) -> Option<Value> {
    let q = normalized(text);
    if q.is_empty() {
        return None;
    }
    if !q.contains("'''")
        && !q.ends_with('\'')
        && let Ok(v) = format!("'''\n{q}\n'''").parse::<Value>()
    {
        return Some(v);
    }
    Some(Value::from(q))
}

fn set(doc: &mut DocumentMut, key: &str, value: Option<Value>) {
    let table = if matches!(key, "match" | "no_match") {
        if !doc.contains_key("examples") {
            if value.is_none() {
                return;
            }
            doc.insert("examples", toml_edit::table());
        }
        match doc.get_mut("examples").and_then(Item::as_table_like_mut) {
            Some(t) => t,
            None => return,
        }
    } else {
        doc.as_table_mut() as &mut dyn toml_edit::TableLike
    };
    match value {
        Some(v) => match table.get_mut(key) {
            Some(Item::Value(old)) => {
                let decor = old.decor().clone();
                *old = v;
                *old.decor_mut() = decor;
            }
            _ => {
                table.insert(key, Item::Value(v));
            }
        },
        None => {
            table.remove(key);
        }
    }
}

/// Where a spot of a written topic file is in the form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The form field (one of [`FIELDS`]), or none when the spot is outside every field.
    pub field: Option<&'static str>,
    /// 1-based line and column within the field (within the file when `field` is none).
    pub line: usize,
    pub col: usize,
}

/// Maps `line:col` (1-based, columns in characters) of `text`, a topic file written by
/// [`TopicForm::write`] from `form`, to the form field and the line:column inside it.
pub fn locate(text: &str, form: &TopicForm, line: usize, col: usize) -> Located {
    let outside = Located {
        field: None,
        line,
        col,
    };
    let Some(offset) = offset_of(text, line, col) else {
        return outside;
    };
    let Ok(doc) = toml_edit::Document::parse(text.to_string()) else {
        return outside;
    };
    let root = doc.as_table();
    let examples = root.get("examples");
    for (key, _) in FIELDS {
        let item = if matches!(*key, "match" | "no_match") {
            examples.and_then(|e| e.get(key))
        } else {
            root.get(key)
        };
        let Some(item) = item else { continue };
        let Some(span) = item.span().filter(|s| s.contains(&offset)) else {
            continue;
        };
        if let Some(array) = item.as_array() {
            return in_array(text, array, form.field(key), offset, key).unwrap_or(Located {
                field: Some(key),
                line: 1,
                col: 1,
            });
        }
        return in_string(text, span, offset, key);
    }
    outside
}

/// The spot inside one element of a list field: its line in the form, the column inside it.
fn in_array(
    text: &str,
    array: &Array,
    field_text: &str,
    offset: usize,
    key: &'static str,
) -> Option<Located> {
    let (index, span) = array
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.span().filter(|s| s.contains(&offset)).map(|s| (i, s)))?;
    let (form_line, _) = lines(field_text).nth(index)?;
    // Past the opening quote.
    let col = text
        .get(span.start + 1..offset)
        .map_or(0, |s| s.chars().count())
        + 1;
    Some(Located {
        field: Some(key),
        line: form_line + 1,
        col,
    })
}

/// The spot inside a string field: a multi-line string's content starts after its opening
/// quotes and the newline that follows them.
fn in_string(text: &str, span: Range<usize>, offset: usize, key: &'static str) -> Located {
    let raw = text.get(span.clone()).unwrap_or("");
    let open = ["'''\n", "\"\"\"\n", "'''", "\"\"\"", "'", "\""]
        .iter()
        .find(|q| raw.starts_with(**q))
        .map_or(0, |q| q.len());
    let start = span.start + open;
    let before = text.get(start..offset.max(start)).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Located {
        field: Some(key),
        line,
        col,
    }
}

/// The byte offset of 1-based `line:col` (columns in characters) in `text`.
fn offset_of(text: &str, line: usize, col: usize) -> Option<usize> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let rest = text.get(start..)?;
    let within = rest
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Banjir: a comment kept\nname = \"Banjir\"\ncategory = \"bencana\"\npriority = \"tinggi\"\n# terms\nany = [\"banjir\", \"genangan\"]\nquery = '''\nrob NEAR/5 rumah\n'''\n\n[examples]\nmatch = [\"Banjir di Samarinda\"]\n";

    #[test]
    fn untouched_fields_keep_their_text_and_comments() {
        let mut form = TopicForm::read(FILE);
        assert_eq!(form.any, "banjir\ngenangan");
        assert_eq!(form.query, "rob NEAR/5 rumah");
        form.name = "Banjir besar".into();
        form.exclude = "banjir diskon\n\nbanjir promo".into();
        let out = form.write(FILE).unwrap();
        assert!(out.starts_with("# Banjir: a comment kept\nname = \"Banjir besar\"\n"));
        assert!(out.contains("# terms\nany = [\"banjir\", \"genangan\"]\n"));
        assert!(out.contains("exclude = [\n  \"banjir diskon\",\n  \"banjir promo\",\n]"));
        assert_eq!(TopicForm::read(&out).exclude, "banjir diskon\nbanjir promo");
    }

    #[test]
    fn a_spot_maps_back_to_its_field_line_and_column() {
        let mut form = TopicForm::read(FILE);
        form.query = "rob NEAR/5 rumah\nOR (banjir AND".into();
        form.any = "banjir\n\ngenangan\nair (naik".into();
        let out = form.write(FILE).unwrap();
        let line_of = |needle: &str| out.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let q = line_of("OR (banjir AND");
        assert_eq!(
            locate(&out, &form, q, 12),
            Located {
                field: Some("query"),
                line: 2,
                col: 12
            }
        );
        let a = line_of("air (naik");
        assert_eq!(
            locate(&out, &form, a, 8),
            Located {
                field: Some("any"),
                line: 4,
                col: 5
            }
        );
        assert_eq!(locate(&out, &form, 1, 1).field, None);
    }
}
