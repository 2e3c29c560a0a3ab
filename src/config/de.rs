//! A serde deserializer over the merged configuration tree (the `config` crate's [`Value`]s),
//! so that every section, source kind and alert sink is a plain `#[derive(Deserialize)]` struct
//! with `deny_unknown_fields` while each error still says, in Indonesian, which key is wrong
//! and what is expected.
//!
//! Values are read as a person writes them in TOML or in an environment variable: a number or a
//! boolean where text is expected is taken as its text (`chat_id = -100123`), text where a
//! number or a boolean is expected is parsed (`PANTAU__FETCH__PER_HOST=4`), and one string
//! where a list is expected is a list of one (`to = "humas@contoh.id"`). [`super::table`] drives
//! it one table at a time and turns a [`DeError`] into a located
//! [`ConfigError`](super::ConfigError).

use std::fmt;

use config::{Map, Value, ValueKind};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};

/// Why a value could not be read, before it is placed in a file and a table.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// The key the error is about, when known: the table reader fills it in for value errors.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    /// Set for an unknown key: the keys the table does know, for the suggestion.
    pub known: Option<&'static [&'static str]>,
    /// Set for a required key that is absent.
    pub missing: bool,
}

impl DeError {
    pub fn new(message: impl Into<String>, hint: Option<String>) -> DeError {
        DeError {
            key: None,
            message: message.into(),
            hint,
            known: None,
            missing: false,
        }
    }

    /// Places the error at `key` unless a deeper reader already placed it.
    fn at(mut self, key: &str) -> DeError {
        self.key.get_or_insert_with(|| key.to_string());
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError::new(msg.to_string(), None)
    }

    /// A field reader rejects a value with `invalid_value(Unexpected::Other(why), &hint)`: the
    /// "expected" half is what the user should write, so it becomes the hint.
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> DeError {
        DeError::new(describe(&unexp), Some(exp.to_string()))
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> DeError {
        DeError::new(
            format!("{} tidak sesuai", describe(&unexp)),
            Some(format!("yang diharapkan: {exp}")),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> DeError {
        DeError::new(
            format!("\"{variant}\" tidak dikenal"),
            Some(format!("pilih salah satu: {}", quoted(expected))),
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> DeError {
        DeError {
            key: Some(field.to_string()),
            known: Some(expected),
            ..DeError::new(format!("kunci tidak dikenal \"{field}\""), None)
        }
    }

    fn missing_field(field: &'static str) -> DeError {
        DeError {
            key: Some(field.to_string()),
            missing: true,
            ..DeError::new(format!("kunci \"{field}\" wajib diisi"), None)
        }
    }
}

/// A value as a message names it: `Unexpected::Other` carries a reader's own sentence.
fn describe(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Other(text) => text.to_string(),
        Unexpected::Str(s) => format!("teks \"{s}\""),
        Unexpected::Signed(n) => format!("bilangan {n}"),
        Unexpected::Unsigned(n) => format!("bilangan {n}"),
        Unexpected::Float(n) => format!("bilangan {n}"),
        Unexpected::Bool(b) => format!("nilai {b}"),
        Unexpected::Seq => "daftar".into(),
        Unexpected::Map => "tabel".into(),
        other => other.to_string(),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deserializes one value of the tree.
pub struct ValueDe(pub Value);

impl ValueDe {
    fn wrong(&self, what: &str) -> DeError {
        DeError::new(what.to_string(), None)
    }

    /// The value as text, numbers and booleans included; `None` for tables and lists.
    fn text(&self) -> Option<String> {
        match &self.0.kind {
            ValueKind::String(s) => Some(s.clone()),
            ValueKind::I64(n) => Some(n.to_string()),
            ValueKind::I128(n) => Some(n.to_string()),
            ValueKind::U64(n) => Some(n.to_string()),
            ValueKind::U128(n) => Some(n.to_string()),
            ValueKind::Float(n) => Some(n.to_string()),
            ValueKind::Boolean(b) => Some(b.to_string()),
            ValueKind::Nil | ValueKind::Table(_) | ValueKind::Array(_) => None,
        }
    }

    /// The value as a whole number, when it is one (or text of one).
    fn integer(&self) -> Option<i128> {
        match &self.0.kind {
            ValueKind::I64(n) => Some(i128::from(*n)),
            ValueKind::I128(n) => Some(*n),
            ValueKind::U64(n) => Some(i128::from(*n)),
            ValueKind::U128(n) => i128::try_from(*n).ok(),
            ValueKind::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

macro_rules! integers {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.integer().and_then(|n| <$ty>::try_from(n).ok()) {
                Some(n) => visitor.$visit(n),
                None => Err(self.wrong("harus bilangan bulat")),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDe {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.kind {
            ValueKind::Nil => visitor.visit_unit(),
            ValueKind::Boolean(b) => visitor.visit_bool(b),
            ValueKind::I64(n) => visitor.visit_i64(n),
            ValueKind::I128(n) => visitor.visit_i128(n),
            ValueKind::U64(n) => visitor.visit_u64(n),
            ValueKind::U128(n) => visitor.visit_u128(n),
            ValueKind::Float(n) => visitor.visit_f64(n),
            ValueKind::String(s) => visitor.visit_string(s),
            ValueKind::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            ValueKind::Table(map) => visitor.visit_map(Entries::new(map, &[])),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.kind {
            ValueKind::Boolean(b) => visitor.visit_bool(*b),
            ValueKind::String(s) if s.trim() == "true" => visitor.visit_bool(true),
            ValueKind::String(s) if s.trim() == "false" => visitor.visit_bool(false),
            _ => Err(self.wrong("harus true atau false")),
        }
    }

    integers! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32, deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let n = match &self.0.kind {
            ValueKind::Float(n) => Some(*n),
            ValueKind::String(s) => s.trim().parse().ok(),
            _ => self.integer().map(|n| n as f64),
        };
        match n {
            Some(n) => visitor.visit_f64(n),
            None => Err(self.wrong("harus berupa angka")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.text() {
            Some(text) => visitor.visit_string(text),
            None => Err(self.wrong("harus berupa teks")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.kind {
            ValueKind::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    /// A list; one string stands for a list of one.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.kind {
            ValueKind::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            ValueKind::String(_) => visitor.visit_seq(Items(vec![self.0].into_iter())),
            _ => Err(self.wrong("harus berupa daftar teks")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_struct("", &[], visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0.kind {
            ValueKind::Table(map) => visitor.visit_map(Entries::new(map, fields)),
            _ => Err(self.wrong("harus berupa tabel")),
        }
    }

    /// Unit variants are written as their name (`tls = "starttls"`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.text() {
            Some(text) => visitor.visit_enum(text.trim().to_string().into_deserializer()),
            None => Err(self.wrong("harus berupa teks")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// The items of a list.
struct Items(std::vec::IntoIter<Value>);

impl<'de> de::SeqAccess<'de> for Items {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        // An item of the wrong kind says what the whole key should be.
        let list_of_text = |e: DeError| match e.message.as_str() {
            "harus berupa teks" => DeError::new("harus berupa daftar teks", e.hint),
            _ => e,
        };
        self.0
            .next()
            .map(|value| seed.deserialize(ValueDe(value)).map_err(list_of_text))
            .transpose()
    }
}

/// The keys of a table, in the order its struct declares them (so errors come out in a stable
/// order, whatever order the tree keeps), then any unknown keys, sorted.
pub struct Entries {
    entries: std::vec::IntoIter<(String, Value)>,
    /// The key whose value is read next, to place a value's error.
    current: Option<String>,
    value: Option<Value>,
}

impl Entries {
    pub fn new(mut map: Map<String, Value>, fields: &[&str]) -> Entries {
        let mut entries: Vec<(String, Value)> =
            fields.iter().filter_map(|f| map.remove_entry(*f)).collect();
        let mut rest: Vec<(String, Value)> = map.into_iter().collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        entries.extend(rest);
        Entries {
            entries: entries.into_iter(),
            current: None,
            value: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some(key.clone());
        self.value = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = self
            .value
            .take()
            .unwrap_or_else(|| Value::new(None, ValueKind::Nil));
        let key = self.current.take().unwrap_or_default();
        seed.deserialize(ValueDe(value)).map_err(|e| e.at(&key))
    }
}

/// The field names of the struct `T` deserializes into, as serde knows them: what a table of
/// it may hold, for the "did you mean" of an unknown key beside it (a source's common keys).
pub fn fields_of<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe;
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl fmt::Display for Found {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("fields")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: fmt::Display>(_: M) -> Found {
            Found(&[])
        }
    }
    impl<'de> de::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    match T::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn value(kind: impl Into<ValueKind>) -> Value {
        Value::new(None, kind)
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Example {
        name: String,
        #[serde(default)]
        count: u32,
        #[serde(default)]
        tags: Vec<String>,
        flag: Option<bool>,
    }

    fn read(pairs: Vec<(&str, Value)>) -> Result<Example, DeError> {
        let map: Map<String, Value> = pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Example::deserialize(ValueDe(value(map)))
    }

    #[test]
    fn values_are_read_as_people_write_them() {
        let e = read(vec![
            ("name", value(-100123i64)),
            ("count", value("4")),
            ("tags", value("satu")),
            ("flag", value("true")),
        ])
        .unwrap();
        assert_eq!(
            e,
            Example {
                name: "-100123".into(),
                count: 4,
                tags: vec!["satu".into()],
                flag: Some(true),
            }
        );
    }

    #[test]
    fn errors_name_their_key() {
        let e = read(vec![("name", value("x")), ("count", value("banyak"))]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("count"));
        assert_eq!(e.message, "harus bilangan bulat");
        let e = read(vec![("name", value("x")), ("cuont", value(1i64))]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("cuont"));
        assert!(e.known.is_some_and(|k| k.contains(&"count")));
        let e = read(vec![("count", value(1i64))]).unwrap_err();
        assert!(e.missing && e.key.as_deref() == Some("name"), "{e:?}");
    }

    #[test]
    fn field_names_are_found_without_a_value() {
        assert_eq!(fields_of::<Example>(), ["name", "count", "tags", "flag"]);
    }
}
