//! Reading a test store's tables directly, alike on both backends. The tables are a contract
//! with users (who query them with sqlite3 or psql), so tests check them beside the store's
//! own methods. [`Db`] answers with rusqlite on a SQLite file and with a `postgres` client on a
//! PostgreSQL test database; its calls are shaped as rusqlite's (`query_row`, `prepare` then
//! `query_map`, `row.get(i)`) so a test's SQL and its typed reads are the same on both.
//!
//! The SQL must mean the same on both backends: parameters are written `?1`, `?2` (turned into
//! `$1`, `$2` for PostgreSQL); a PostgreSQL boolean reads as 0 or 1 and a NUMERIC (what `sum`
//! of a BIGINT gives) as an integer when it has no fraction, as SQLite would answer.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pantau::store::Store;
pub use pantau::store::off_runtime;
use postgres::types::{FromSql, Type};

/// One value of a row, whichever backend it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Why a read failed.
#[derive(Debug)]
pub enum Error {
    NoRows,
    Sql(String),
    Column(String),
    Type {
        column: usize,
        wanted: &'static str,
        got: Value,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoRows => write!(f, "the query returned no rows"),
            Error::Sql(e) => write!(f, "{e}"),
            Error::Column(name) => write!(f, "no column {name}"),
            Error::Type {
                column,
                wanted,
                got,
            } => write!(f, "column {column}: {got:?} is not {wanted}"),
        }
    }
}

impl std::error::Error for Error {}

/// A test store's database, opened afresh for each query.
#[derive(Clone)]
pub struct Db {
    target: Target,
}

#[derive(Clone)]
enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Db {
    /// The database behind `store`.
    pub fn of(store: &Store) -> Db {
        match store {
            Store::Sqlite(s) => Db::sqlite(s.path()),
            Store::Postgres(p) => Db::postgres(p.url().expose()),
        }
    }

    pub fn sqlite(path: &Path) -> Db {
        Db {
            target: Target::Sqlite(path.to_path_buf()),
        }
    }

    pub fn postgres(url: &str) -> Db {
        Db {
            target: Target::Postgres(url.to_string()),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.target, Target::Postgres(_))
    }

    /// The first row of `sql` through `f`, as rusqlite's `query_row`.
    pub fn query_row<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        f: impl FnOnce(&Row) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let first = self.fetch(sql, args)?.into_iter().next();
        f(&first.ok_or(Error::NoRows)?)
    }

    /// A statement to run with [`Stmt::query_map`], as rusqlite's `prepare`.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>, Error> {
        Ok(Stmt {
            db: self,
            sql: sql.to_string(),
        })
    }

    /// Every row of `sql`, each as its values.
    pub fn values(&self, sql: &str, args: &[&dyn Arg]) -> Vec<Vec<Value>> {
        self.fetch(sql, args)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|r| r.values)
            .collect()
    }

    /// Runs a statement that writes (a test ageing or breaking rows), returning the rows it
    /// changed.
    pub fn execute(&self, sql: &str, args: &[&dyn Arg]) -> Result<usize, Error> {
        let args: Vec<Value> = args.iter().map(|a| a.value()).collect();
        match &self.target {
            Target::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).map_err(sql_error)?;
                conn.execute(sql, rusqlite::params_from_iter(args.iter().map(to_sqlite)))
                    .map_err(sql_error)
            }
            Target::Postgres(url) => off_runtime(|| {
                let mut client = pg_connect(url)?;
                let stmt = client.prepare(&dollar_params(sql)).map_err(pg_error)?;
                let params = pg_params(stmt.params(), &args)?;
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p.as_ref()).collect();
                client
                    .execute(&stmt, &refs)
                    .map(|n| n as usize)
                    .map_err(pg_error)
            }),
        }
    }

    /// Runs statements without parameters, each in a transaction of its own where the backend
    /// wants one (PostgreSQL's `VACUUM` runs outside any).
    pub fn batch(&self, sql: &str) {
        match &self.target {
            Target::Sqlite(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.execute_batch(sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Target::Postgres(url) => off_runtime(|| {
                pg_connect(url)
                    .and_then(|mut c| c.batch_execute(sql).map_err(pg_error))
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }),
        }
    }

    fn fetch(&self, sql: &str, args: &[&dyn Arg]) -> Result<Vec<Row>, Error> {
        let args: Vec<Value> = args.iter().map(|a| a.value()).collect();
        match &self.target {
            Target::Sqlite(path) => sqlite_fetch(path, sql, &args),
            Target::Postgres(url) => off_runtime(|| pg_fetch(url, sql, &args)),
        }
    }
}

/// A statement of a [`Db`].
pub struct Stmt<'a> {
    db: &'a Db,
    sql: String,
}

impl Stmt<'_> {
    /// Every row through `f`, as rusqlite's `query_map`.
    pub fn query_map<T>(
        &mut self,
        args: &[&dyn Arg],
        f: impl FnMut(&Row) -> Result<T, Error>,
    ) -> Result<std::vec::IntoIter<Result<T, Error>>, Error> {
        let rows = self.db.fetch(&self.sql, args)?;
        Ok(rows.iter().map(f).collect::<Vec<_>>().into_iter())
    }
}

/// One row of a result.
pub struct Row {
    names: Arc<Vec<String>>,
    values: Vec<Value>,
}

impl Row {
    /// The value of column `index` (a number from 0, or a name) as `T`.
    pub fn get<I: RowIndex, T: FromValue>(&self, index: I) -> Result<T, Error> {
        let i = index.index(&self.names)?;
        let value = self
            .values
            .get(i)
            .ok_or_else(|| Error::Column(i.to_string()))?;
        T::from_value(value).ok_or_else(|| Error::Type {
            column: i,
            wanted: std::any::type_name::<T>(),
            got: value.clone(),
        })
    }
}

/// A column of a row: its number or its name.
pub trait RowIndex {
    fn index(&self, names: &[String]) -> Result<usize, Error>;
}

impl RowIndex for usize {
    fn index(&self, _: &[String]) -> Result<usize, Error> {
        Ok(*self)
    }
}

impl RowIndex for &str {
    fn index(&self, names: &[String]) -> Result<usize, Error> {
        names
            .iter()
            .position(|n| n == self)
            .ok_or_else(|| Error::Column(self.to_string()))
    }
}

/// What a column's value reads as.
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Option<Self> {
        Some(value.clone())
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl FromValue for u64 {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).and_then(|n| u64::try_from(n).ok())
    }
}

impl FromValue for u32 {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).and_then(|n| u32::try_from(n).ok())
    }
}

impl FromValue for usize {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).and_then(|n| usize::try_from(n).ok())
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|n| n != 0)
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Real(x) => Some(*x),
            Value::Int(n) => Some(*n as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A query parameter.
pub trait Arg {
    fn value(&self) -> Value;
}

impl Arg for &str {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl Arg for String {
    fn value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl Arg for &String {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl Arg for i64 {
    fn value(&self) -> Value {
        Value::Int(*self)
    }
}

impl<T: Arg> Arg for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Arg::value)
    }
}

// ---- SQLite ------------------------------------------------------------------------------

fn sqlite_fetch(path: &Path, sql: &str, args: &[Value]) -> Result<Vec<Row>, Error> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sql_error)?;
    let mut stmt = conn.prepare(sql).map_err(sql_error)?;
    let names: Arc<Vec<String>> = Arc::new(stmt.column_names().map(str::to_string).collect());
    let n = names.len();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(args.iter().map(to_sqlite)))
        .map_err(sql_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql_error)? {
        let values = (0..n)
            .map(|i| row.get_ref(i).map(from_sqlite))
            .collect::<Result<_, _>>()
            .map_err(sql_error)?;
        out.push(Row {
            names: names.clone(),
            values,
        });
    }
    Ok(out)
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Int(n) => V::Integer(*n),
        Value::Real(x) => V::Real(*x),
        Value::Text(s) => V::Text(s.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

fn sql_error(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
        e => Error::Sql(e.to_string()),
    }
}

// ---- PostgreSQL --------------------------------------------------------------------------

fn pg_connect(url: &str) -> Result<postgres::Client, Error> {
    postgres::Client::connect(url, postgres::NoTls).map_err(pg_error)
}

fn pg_fetch(url: &str, sql: &str, args: &[Value]) -> Result<Vec<Row>, Error> {
    let mut client = pg_connect(url)?;
    let stmt = client.prepare(&dollar_params(sql)).map_err(pg_error)?;
    let params = pg_params(stmt.params(), args)?;
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
        params.iter().map(|p| p.as_ref()).collect();
    let names: Arc<Vec<String>> = Arc::new(
        stmt.columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
    );
    client
        .query(&stmt, &refs)
        .map_err(pg_error)?
        .iter()
        .map(|row| {
            let values = (0..row.len())
                .map(|i| from_pg(row, i))
                .collect::<Result<_, _>>()?;
            Ok(Row {
                names: names.clone(),
                values,
            })
        })
        .collect()
}

/// `args` as the types the server inferred for the statement's parameters.
fn pg_params(
    types: &[Type],
    args: &[Value],
) -> Result<Vec<Box<dyn postgres::types::ToSql + Sync>>, Error> {
    if types.len() != args.len() {
        return Err(Error::Sql(format!(
            "{} parameters given, {} wanted",
            args.len(),
            types.len()
        )));
    }
    types
        .iter()
        .zip(args)
        .map(
            |(ty, arg)| -> Result<Box<dyn postgres::types::ToSql + Sync>, Error> {
                let bad = || Error::Sql(format!("parameter {arg:?} for a {ty}"));
                Ok(match (arg, ty) {
                    (Value::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
                    (Value::Null, _) => Box::new(None::<String>),
                    (Value::Int(n), t) if *t == Type::INT8 => Box::new(*n),
                    (Value::Int(n), t) if *t == Type::INT4 => {
                        Box::new(i32::try_from(*n).map_err(|_| bad())?)
                    }
                    (Value::Int(n), t) if *t == Type::FLOAT8 => Box::new(*n as f64),
                    (Value::Int(n), t) if *t == Type::BOOL => Box::new(*n != 0),
                    (Value::Int(n), t) if *t == Type::TEXT => Box::new(n.to_string()),
                    (Value::Real(x), t) if *t == Type::FLOAT8 => Box::new(*x),
                    (Value::Text(s), t) if *t == Type::TEXT || *t == Type::VARCHAR => {
                        Box::new(s.clone())
                    }
                    (Value::Blob(b), t) if *t == Type::BYTEA => Box::new(b.clone()),
                    _ => return Err(bad()),
                })
            },
        )
        .collect()
}

fn from_pg(row: &postgres::Row, i: usize) -> Result<Value, Error> {
    let ty = row.columns()[i].type_().clone();
    let get = |e: postgres::Error| Error::Sql(format!("column {i} ({ty}): {e}"));
    let value = match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)
            .map_err(get)?
            .map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(get)?
            .map(|n| Value::Int(n.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(get)?
            .map(|n| Value::Int(n.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(get)?
            .map(|b| Value::Int(b.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(get)?
            .map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(get)?
            .map(|x| Value::Real(x.into())),
        Type::NUMERIC => row
            .try_get::<_, Option<Numeric>>(i)
            .map_err(get)?
            .map(|n| n.0),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(get)?
            .map(Value::Blob),
        _ => row
            .try_get::<_, Option<String>>(i)
            .map_err(get)?
            .map(Value::Text),
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A NUMERIC (what `sum` of a BIGINT gives): an integer when it has no fraction, as SQLite's
/// `sum` of integers is.
struct Numeric(Value);

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        // The binary form: digit count, weight (of the first base-10000 digit), sign, display
        // scale, then the base-10000 digits.
        let word = |i: usize| -> Result<u16, Box<dyn std::error::Error + Sync + Send>> {
            raw.get(2 * i..2 * i + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "short NUMERIC".into())
        };
        let (ndigits, weight, sign, scale) = (word(0)?, word(1)? as i16, word(2)?, word(3)?);
        if sign == 0xC000 {
            return Ok(Numeric(Value::Real(f64::NAN)));
        }
        let negative = sign == 0x4000;
        let mut value = 0f64;
        let mut whole: i128 = 0;
        for d in 0..ndigits as usize {
            let digit = word(4 + d)?;
            let power = i32::from(weight) - d as i32;
            value += f64::from(digit) * 10000f64.powi(power);
            if power >= 0 {
                whole += i128::from(digit) * 10000i128.pow(power as u32);
            }
        }
        let sign = if negative { -1 } else { 1 };
        Ok(Numeric(if scale == 0 {
            Value::Int(i64::try_from(sign * whole)?)
        } else {
            Value::Real(if negative { -value } else { value })
        }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// `sql` with rusqlite's `?1` (or bare `?`) parameters written as PostgreSQL's `$1`, leaving
/// quoted text alone.
pub fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut next = 0;
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                let mut number = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    number.push(*d);
                    chars.next();
                }
                if number.is_empty() {
                    next += 1;
                    number = next.to_string();
                }
                out.push('$');
                out.push_str(&number);
            }
            _ => out.push(c),
        }
    }
    out
}

fn pg_error(e: postgres::Error) -> Error {
    Error::Sql(
        e.as_db_error()
            .map_or_else(|| e.to_string(), |d| d.to_string()),
    )
}
