//! One table of the configuration as written — a section (`[fetch]`), a source, an alert sink —
//! and where it came from. [`Table::read`] turns it into a typed struct through serde
//! ([`super::de`]) and reports *every* wrong key of the table, each at its file and line, with
//! what is expected; an unknown key gets the nearest known one as a hint.
//!
//! Families of plug-ins (source kinds, alert sinks) get their entries as [`Table`]s from
//! [`entries`] and pick a kind with [`pick_kind`]; this module knows none of them.

use std::fmt;
use std::path::Path;

use config::{Map, Value, ValueKind};
use serde::de::DeserializeOwned;

use super::ConfigError;
use super::de::{DeError, Entries, fields_of};
use crate::error::suggest;

/// A problem found after every key was read (two keys that exclude each other), placed at the
/// key a user should look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
    /// Further problems found by the same check, reported after this one.
    more: Vec<Invalid>,
}

impl Invalid {
    pub fn new(
        key: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Invalid {
        Invalid {
            key: key.into(),
            message: message.into(),
            hint,
            more: Vec::new(),
        }
    }

    /// This problem and `other`, reported together.
    pub fn and(mut self, other: Invalid) -> Invalid {
        self.more.extend(other.all());
        self
    }

    /// Every problem this one holds, in order.
    pub fn all(mut self) -> Vec<Invalid> {
        let more = std::mem::take(&mut self.more);
        std::iter::once(self).chain(more).collect()
    }
}

/// What reading a table gave.
#[derive(Debug)]
pub struct Read<T> {
    /// The value read; keys that were wrong took their default (or the example's value).
    /// `None` when the table could not be read at all.
    pub value: Option<T>,
    /// No key was wrong.
    pub clean: bool,
    /// The keys reported wrong.
    pub reported: Vec<String>,
}

impl<T> Read<T> {
    fn failed(reported: Vec<String>) -> Read<T> {
        Read {
            value: None,
            clean: false,
            reported,
        }
    }

    /// The value, when nothing was wrong.
    pub fn clean(self) -> Option<T> {
        if self.clean { self.value } else { None }
    }
}

/// The values of an example table (TOML), by key: stand-ins for required keys that are
/// missing or wrong, so that the keys after them are read too.
fn example_values(example: &str) -> Map<String, Value> {
    config::Config::builder()
        .add_source(config::File::from_str(example, config::FileFormat::Toml))
        .build()
        .ok()
        .and_then(|c| c.cache.into_table().ok())
        .unwrap_or_default()
}

/// One table of the merged configuration.
#[derive(Clone)]
pub struct Table {
    /// How messages name it: `[fetch]`, `[[sources]] ke-2 (id "b")`.
    label: String,
    map: Map<String, Value>,
    /// Where it came from, for a key whose own origin is unknown.
    origin: String,
    /// The file its keys were read from, if any (kept when keys are set apart), so that an
    /// absent key is placed at the table's header.
    file: Option<String>,
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may hold secrets (tokens, passwords): never print them.
        let mut keys: Vec<&String> = self.map.keys().collect();
        keys.sort();
        f.debug_struct("Table")
            .field("label", &self.label)
            .field("keys", &keys)
            .finish()
    }
}

impl Table {
    pub(crate) fn new(label: String, map: Map<String, Value>, origin: String) -> Table {
        let file = map
            .values()
            .filter_map(Value::origin)
            .find(|o| *o != "the environment")
            .map(str::to_owned);
        Table {
            label,
            map,
            origin,
            file,
        }
    }

    /// An empty table named `label` (a section the files do not write).
    pub fn empty(label: &str) -> Table {
        Table::new(label.to_string(), Map::new(), "konfigurasi".into())
    }

    /// The text of `key`, without reading it (an entry's `id` and `kind`).
    pub fn text(&self, key: &str) -> Option<String> {
        self.map.get(key).and_then(|v| v.clone().into_string().ok())
    }

    /// Takes the array of tables under `key` out of the table, to be read on its own
    /// (`[alerts] sinks`).
    pub fn take_array(&mut self, key: &str) -> Option<TableArray> {
        let value = self.map.remove(key)?;
        let origin = self.origin_of(&value);
        Some(TableArray::new(value, origin))
    }

    /// The table without `keys` (the keys every entry of a family shares, read apart).
    pub fn without(&self, keys: &[&str]) -> Table {
        let mut rest = self.clone();
        rest.map.retain(|k, _| !keys.contains(&k.as_str()));
        rest
    }

    /// The table with only `keys` (kept to report a problem found later at its line).
    pub fn only(&self, keys: &[&str]) -> Table {
        let mut kept = self.clone();
        kept.map.retain(|k, _| keys.contains(&k.as_str()));
        kept
    }

    /// Reads the table into `T` strictly (see [`Table::read_as`]).
    pub fn read<T: DeserializeOwned>(&self, errors: &mut Vec<ConfigError>) -> Read<T> {
        self.read_as(&[], None, errors)
    }

    /// Reads the table into `T`, reporting every wrong key, not only the first: after an error
    /// its key is set aside — taking its default, or the `example`'s value for a required key —
    /// and the rest read again, so the value comes back even when keys were wrong (a section
    /// keeps what was right). `also_known` are keys of the same table read elsewhere (a
    /// source's common keys), offered in the hint for an unknown one; `example` is TOML text
    /// whose line for a key shows what to write.
    pub fn read_as<T: DeserializeOwned>(
        &self,
        also_known: &[&str],
        example: Option<&str>,
        errors: &mut Vec<ConfigError>,
    ) -> Read<T> {
        let stand_ins = example.map(example_values).unwrap_or_default();
        let mut map = self.map.clone();
        let mut reported: Vec<String> = Vec::new();
        let mut filled: Vec<String> = Vec::new();
        // Each round succeeds, or takes a key of the table out, or puts a stand-in in for a
        // key that has had none: there are finitely many of either, so this ends.
        loop {
            let entries = Entries::new(map.clone(), fields_of::<T>());
            let e = match T::deserialize(serde::de::value::MapAccessDeserializer::new(entries)) {
                Ok(value) => {
                    let clean = reported.is_empty();
                    return Read {
                        value: Some(value),
                        clean,
                        reported,
                    };
                }
                Err(e) => e,
            };
            let key = e.key.clone();
            let unknown = e.known.is_some();
            if key.as_ref().is_none_or(|k| !reported.contains(k)) {
                errors.push(self.placed(e, also_known, example));
            }
            let Some(key) = key else {
                return Read::failed(reported);
            };
            let had = map.remove(&key).is_some();
            let stand_in = (!unknown && !filled.contains(&key))
                .then(|| stand_ins.get(&key).cloned())
                .flatten();
            if !reported.contains(&key) {
                reported.push(key.clone());
            }
            match stand_in {
                Some(value) => {
                    map.insert(key.clone(), value);
                    filled.push(key);
                }
                None if had => {}
                None => return Read::failed(reported),
            }
        }
    }

    /// Reads one plug-in's keys (a source kind's, a sink's): [`Table::read_as`] with the
    /// plug-in's example, then `settle`, its rules between keys. Their problems are placed at
    /// the keys they name, except keys already reported wrong (a rule about a stand-in would
    /// only repeat that). `None` when anything was wrong.
    pub fn read_plugin<T: DeserializeOwned>(
        &self,
        common: &[&str],
        example: &str,
        settle: impl FnOnce(&mut T) -> Result<(), Invalid>,
        errors: &mut Vec<ConfigError>,
    ) -> Option<T> {
        let read: Read<T> = self.read_as(common, Some(example), errors);
        let mut keys = read.value?;
        match settle(&mut keys) {
            Ok(()) => read.clean.then_some(keys),
            Err(invalid) => {
                for problem in invalid.all() {
                    if !read.reported.contains(&problem.key) {
                        errors.push(self.invalid(problem));
                    }
                }
                None
            }
        }
    }

    /// A problem found after reading, placed at its key.
    pub fn invalid(&self, invalid: Invalid) -> ConfigError {
        let (origin, key) = self.locate(&invalid.key);
        ConfigError::Invalid {
            origin,
            key,
            message: invalid.message,
            hint: invalid.hint,
        }
    }

    /// A read error placed at its file, line and key, with its hint completed.
    fn placed(&self, e: DeError, also_known: &[&str], example: Option<&str>) -> ConfigError {
        let Some(key) = e.key.as_deref() else {
            return ConfigError::Invalid {
                origin: self.origin.clone(),
                key: self.label.clone(),
                message: e.message,
                hint: e.hint,
            };
        };
        if let Some(known) = e.known {
            let known: Vec<&str> = known.iter().chain(also_known).copied().collect();
            let hint = match suggest(key, &known) {
                Some(k) => format!("mungkin maksud Anda `{k}`"),
                None => format!("kunci yang dikenal di sini: {}", known.join(", ")),
            };
            let (origin, _) = self.locate(key);
            return ConfigError::Invalid {
                origin,
                key: self.label.clone(),
                message: e.message,
                hint: Some(hint),
            };
        }
        let line = example.and_then(|text| example_line(text, key));
        let hint = match (e.hint, line) {
            (_, Some(line)) if e.missing => Some(format!("tambahkan, misalnya {}", line.shown())),
            (None, _) if e.missing => Some(format!("tambahkan kunci {key}")),
            // A reader's general advice, with this key's own example.
            (Some(hint), Some(line)) if !hint.contains("misalnya") => {
                Some(format!("{hint}, misalnya {}", line.value))
            }
            (Some(hint), _) => Some(hint),
            (None, line) => line.map(|l| format!("contoh: {}", l.shown())),
        };
        self.invalid(Invalid::new(key, e.message, hint))
    }

    fn origin_of(&self, value: &Value) -> String {
        origin_of(value, &self.origin)
    }

    /// The environment variable that would set `key`, for messages about values from it.
    fn env_name(&self, key: &str) -> String {
        let section = self.label.trim_matches(|c| c == '[' || c == ']');
        format!("PANTAU__{}__{}", section.to_uppercase(), key.to_uppercase())
    }

    /// Where `key`'s value came from (file:line, or the environment), and how to name the key
    /// there (an environment variable's name, or `[section] key` in a file).
    fn locate(&self, key: &str) -> (String, String) {
        let value = self.map.get(key);
        let origin = value.map_or_else(|| self.origin.clone(), |v| self.origin_of(v));
        match value.and_then(Value::origin) {
            Some("the environment") => (origin, self.env_name(key)),
            Some(file) => {
                // file:line, so an editor jumps to it; the text is read again only on error.
                let line = std::fs::read_to_string(file)
                    .ok()
                    .and_then(|text| key_line(&text, &self.label, key));
                let origin = line.map_or(origin.clone(), |l| format!("{origin}:{l}"));
                (origin, format!("{} {key}", self.label))
            }
            None => {
                // An absent key: point at its table's header, in the file its other keys
                // came from.
                let line = self
                    .file
                    .as_ref()
                    .and_then(|file| std::fs::read_to_string(file).ok())
                    .and_then(|text| header_line(&text, &self.label));
                let origin = line.map_or(origin.clone(), |l| format!("{origin}:{l}"));
                (origin, format!("{} {key}", self.label))
            }
        }
    }
}

/// A key's line in an example table: `url = "https://contoh.id/rss"`, and its comment.
struct ExampleLine {
    /// `url = "https://contoh.id/rss"`.
    line: String,
    /// `"https://contoh.id/rss"`.
    value: String,
    /// `dari @BotFather`.
    note: Option<String>,
}

impl ExampleLine {
    fn shown(&self) -> String {
        match &self.note {
            Some(note) => format!("{} ({note})", self.line),
            None => self.line.clone(),
        }
    }
}

/// `key`'s own line in an example table. A key the example writes commented out (one of two
/// that exclude each other) counts too.
fn example_line(example: &str, key: &str) -> Option<ExampleLine> {
    example.lines().find_map(|line| {
        let line = line.trim().trim_start_matches('#').trim();
        let (line, note) = match line.split_once(" #") {
            Some((line, note)) => (line.trim(), Some(note.trim().to_string())),
            None => (line, None),
        };
        let (lhs, rhs) = line.split_once('=')?;
        (lhs.trim() == key).then(|| ExampleLine {
            line: line.to_string(),
            value: rhs.trim().to_string(),
            note,
        })
    })
}

pub(crate) fn origin_of(value: &Value, fallback: &str) -> String {
    match value.origin() {
        Some("the environment") => "variabel lingkungan".into(),
        Some(o) => crate::error::shown(Path::new(o)),
        None => fallback.to_string(),
    }
}

/// An array of tables as written (`[[sources]]`, `[[alerts.sinks]]`), for its family to read
/// with [`entries`].
#[derive(Clone)]
pub struct TableArray {
    value: Value,
    /// Where the array came from, for an entry whose own origin is unknown.
    origin: String,
}

impl TableArray {
    pub(crate) fn new(value: Value, origin: String) -> TableArray {
        TableArray { value, origin }
    }
}

impl fmt::Debug for TableArray {
    /// Values may hold secrets (tokens, passwords): never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = match &self.value.kind {
            ValueKind::Array(items) => items.len(),
            _ => 0,
        };
        f.debug_struct("TableArray")
            .field("origin", &self.origin)
            .field("entries", &entries)
            .finish()
    }
}

/// How a family's array of tables is named in messages.
#[derive(Debug, Clone, Copy)]
pub struct ListNames {
    /// The key the array sits under, for the error when it is not an array.
    pub key: &'static str,
    /// How an entry is named: `[[sources]]` → `[[sources]] ke-2 (id "x")`.
    pub label: &'static str,
    pub hint: &'static str,
    /// What an entry is called ("sumber"), and the hint when two share an id.
    pub duplicate: (&'static str, &'static str),
}

/// The entries of an array of tables (`[[sources]]`, `[[alerts.sinks]]`) read by `read`, which
/// returns each entry's id beside it. An entry with an error, or with an id an earlier entry
/// has, is reported and left out.
pub fn entries<T>(
    TableArray { value, origin }: TableArray,
    names: ListNames,
    errors: &mut Vec<ConfigError>,
    mut read: impl FnMut(&Table, &mut Vec<ConfigError>) -> Option<(String, T)>,
) -> Vec<T> {
    let ValueKind::Array(items) = value.kind else {
        errors.push(ConfigError::Invalid {
            origin,
            key: names.key.into(),
            message: format!("harus berupa daftar {}", names.label),
            hint: Some(names.hint.into()),
        });
        return Vec::new();
    };
    let mut ids: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let item_origin = origin_of(&item, &origin);
        let ValueKind::Table(map) = item.kind else {
            errors.push(ConfigError::Invalid {
                origin: item_origin,
                key: format!("{} ke-{}", names.label, i + 1),
                message: "harus berupa tabel".into(),
                hint: None,
            });
            continue;
        };
        let id_hint = map
            .get("id")
            .and_then(|v| v.clone().into_string().ok())
            .map(|id| format!(" (id \"{id}\")"))
            .unwrap_or_default();
        let table = Table::new(
            format!("{} ke-{}{id_hint}", names.label, i + 1),
            map,
            item_origin,
        );
        let before = errors.len();
        match read(&table, errors) {
            Some((id, entry)) if errors.len() == before => {
                if ids.contains(&id) {
                    errors.push(table.invalid(Invalid::new(
                        "id",
                        format!(
                            "id \"{id}\" dipakai oleh lebih dari satu {}",
                            names.duplicate.0
                        ),
                        Some(names.duplicate.1.into()),
                    )));
                } else {
                    ids.push(id);
                    out.push(entry);
                }
            }
            _ => {}
        }
    }
    out
}

/// The entry of `kinds` that `kind` names; an error with the nearest name otherwise. `what`
/// names the family in the message ("sumber", "tujuan").
pub fn pick_kind<'k, K>(
    table: &Table,
    kind: &str,
    kinds: &'k [K],
    name: impl Fn(&K) -> &'static str,
    what: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<&'k K> {
    if let Some(found) = kinds.iter().find(|k| name(k) == kind) {
        return Some(found);
    }
    let names: Vec<&str> = kinds.iter().map(&name).collect();
    let hint = match suggest(kind, &names) {
        Some(k) if k != kind => format!("mungkin maksud Anda kind = \"{k}\""),
        _ => format!("jenis yang tersedia: {}", names.join(", ")),
    };
    errors.push(table.invalid(Invalid::new(
        "kind",
        format!("jenis {what} \"{kind}\" tidak dikenal"),
        Some(hint),
    )));
    None
}

/// The 1-based line of `key` in the table a [`Table`] label names, in a TOML file's text:
/// `[fetch]` for a section, `[[sources]] ke-3 …` for the third entry of an array of tables.
/// Best effort (a key in an inline table or a dotted key is not found): `None` then, and the
/// message names the file alone.
fn key_line(text: &str, label: &str, key: &str) -> Option<usize> {
    find_line(text, label, Some(key))
}

/// The line of the header of the table `label` names (as [`key_line`]).
fn header_line(text: &str, label: &str) -> Option<usize> {
    find_line(text, label, None)
}

/// `key`'s line inside the table `label` names, or with no key the table's header line.
fn find_line(text: &str, label: &str, key: Option<&str>) -> Option<usize> {
    let (name, nth) = match label.strip_prefix("[[") {
        Some(rest) => {
            let (name, rest) = rest.split_once("]]")?;
            let nth: usize = rest
                .trim_start()
                .strip_prefix("ke-")?
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()?;
            (name, Some(nth))
        }
        None => (label.strip_prefix('[')?.strip_suffix(']')?, None),
    };
    let mut inside = false;
    let mut seen = 0;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(header) = t.strip_prefix("[[") {
            let header = header.split("]]").next().unwrap_or("").trim();
            if nth.is_some() && header == name {
                seen += 1;
                inside = Some(seen) == nth;
                if inside && key.is_none() {
                    return Some(i + 1);
                }
            } else {
                inside = false;
            }
        } else if let Some(header) = t.strip_prefix('[') {
            let header = header.split(']').next().unwrap_or("").trim();
            inside = nth.is_none() && header == name;
            if inside && key.is_none() {
                return Some(i + 1);
            }
        } else if let (true, Some(key)) = (inside, key) {
            let lhs = t.split('=').next().unwrap_or("").trim().trim_matches('"');
            if t.contains('=') && lhs == key {
                return Some(i + 1);
            }
        }
    }
    None
}
