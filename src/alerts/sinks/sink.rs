//! What an alert sink declares, in one place — its kind name, its keys (a strict serde
//! [`Spec`] with their defaults), an example table, the rules between its keys, and how it is
//! built into something that delivers — and the configured [`Sink`]s read from
//! `[[alerts.sinks]]`.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::KINDS;
use super::deliver::{Deliver, Message, SinkError};
use crate::config::{ConfigError, Invalid, ListNames, ReadPlugin, Table, TableArray};
use crate::config::{entries, fields_of};
use crate::config::{pick_kind, value};

/// The keys of one sink kind, as an `[[alerts.sinks]]` table writes them beside `id` and
/// `kind`. Derive `Deserialize` with `deny_unknown_fields`; a secret is a
/// [`value::Secret`], so the derived `Debug` never shows it.
pub trait Spec: DeserializeOwned + fmt::Debug + Clone + PartialEq + Send + Sync + 'static {
    /// The `kind = "…"` that selects it.
    const KIND: &'static str;
    /// A table of its keys as a user writes them (TOML, without `id` and `kind`).
    const EXAMPLE: &'static str;

    /// Rules between keys that serde cannot state, and values tidied once every key is read.
    fn settle(&mut self) -> Result<(), Invalid> {
        Ok(())
    }

    /// Builds what delivers: its client, its connection settings. Checks again what the
    /// config file's reading checks, for a spec written in code.
    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError>;
}

/// A [`Spec`] of any kind, behind one type.
pub trait AnySpec: fmt::Debug + Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError>;
    fn as_any(&self) -> &dyn Any;
    fn same_as(&self, other: &dyn AnySpec) -> bool;
}

impl<S: Spec> AnySpec for S {
    fn kind(&self) -> &'static str {
        S::KIND
    }
    fn connect(&self, user_agent: &str) -> Result<Box<dyn Deliver>, SinkError> {
        Spec::connect(self, user_agent)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same_as(&self, other: &dyn AnySpec) -> bool {
        other.as_any().downcast_ref::<S>() == Some(self)
    }
}

/// One entry of the family's list: a sink kind's name and how to read its table.
pub struct Kind {
    pub name: &'static str,
    pub example: &'static str,
    read: ReadPlugin<Arc<dyn AnySpec>>,
}

impl Kind {
    /// The entry for the sink kind whose keys are `S`.
    pub const fn of<S: Spec>() -> Kind {
        Kind {
            name: S::KIND,
            example: S::EXAMPLE,
            read: read::<S>,
        }
    }
}

fn read<S: Spec>(
    table: &Table,
    common: &[&str],
    errors: &mut Vec<ConfigError>,
) -> Option<Arc<dyn AnySpec>> {
    let spec: S = table.read_plugin(common, S::EXAMPLE, S::settle, errors)?;
    Some(Arc::new(spec))
}

/// One `[[alerts.sinks]]` entry.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Unique: lower case, digits, `-` and `_` ("tim-humas").
    pub id: String,
    pub spec: Arc<dyn AnySpec>,
}

impl SinkConfig {
    pub fn new(id: impl Into<String>, spec: impl Spec) -> SinkConfig {
        SinkConfig {
            id: id.into(),
            spec: Arc::new(spec),
        }
    }

    /// The spec, when it is of kind `S`.
    pub fn spec_as<S: Spec>(&self) -> Option<&S> {
        self.spec.as_any().downcast_ref()
    }
}

impl PartialEq for SinkConfig {
    fn eq(&self, other: &SinkConfig) -> bool {
        self.id == other.id && self.spec.same_as(other.spec.as_ref())
    }
}

/// A configured destination, ready to send; cheap to share behind an `Arc`.
pub struct Sink {
    id: String,
    kind: &'static str,
    transport: Box<dyn Deliver>,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("target", &self.transport.target())
            .finish()
    }
}

impl Sink {
    /// Builds the client a sink needs.
    pub fn new(config: SinkConfig, user_agent: &str) -> Result<Sink, SinkError> {
        Ok(Sink {
            kind: config.spec.kind(),
            transport: config.spec.connect(user_agent)?,
            id: config.id,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The sink's kind name ("webhook", "telegram", "email").
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Delivers `msg` once; retrying is the caller's decision.
    pub async fn send(&self, msg: &Message) -> Result<(), SinkError> {
        self.transport.send(msg).await
    }
}

/// The keys every `[[alerts.sinks]]` table has; the rest belong to its kind.
#[derive(Debug, Deserialize)]
struct Common {
    /// The same rule as source ids: it shows up in logs and delivery records.
    #[serde(deserialize_with = "value::id")]
    id: String,
    kind: String,
}

const COMMON_EXAMPLE: &str = "id = \"tim-humas\"\nkind = \"telegram\"";

const NAMES: ListNames = ListNames {
    key: "[alerts] sinks",
    label: "[[alerts.sinks]]",
    hint: "tulis setiap tujuan sebagai tabel [[alerts.sinks]] dengan id dan kind",
    duplicate: ("tujuan", "setiap tujuan peringatan perlu id yang unik"),
};

/// Every `[[alerts.sinks]]` entry, in file order; a sink with an error is reported and left
/// out.
pub fn read_sinks(array: Option<TableArray>, errors: &mut Vec<ConfigError>) -> Vec<SinkConfig> {
    let Some(array) = array else {
        return Vec::new();
    };
    entries(array, NAMES, errors, |table, errors| {
        let common_keys = fields_of::<Common>();
        let common: Option<Common> = table.read_as(&[], Some(COMMON_EXAMPLE), errors);
        let kind_name = common
            .as_ref()
            .map(|c| c.kind.clone())
            .or_else(|| table.text("kind"))?;
        let kind = pick_kind(
            table,
            &kind_name,
            KINDS,
            |k: &Kind| k.name,
            "tujuan",
            errors,
        )?;
        let spec = (kind.read)(&table.without(common_keys), common_keys, errors)?;
        let id = common?.id;
        Some((id.clone(), SinkConfig { id, spec }))
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use url::Url;

    use super::*;
    use crate::alerts::AlertSettings;
    use crate::alerts::sinks::email::{self, Tls};
    use crate::alerts::sinks::telegram::{self, DEFAULT_TELEGRAM_API};
    use crate::alerts::sinks::webhook;
    use crate::config::load_str;
    use crate::config::value::Secret;

    /// The settings' `[alerts]` read as `pantau run` reads them.
    fn read(text: &str) -> Result<AlertSettings, ConfigError> {
        let settings = load_str(text, Path::new("/srv/pantau"))?;
        let mut errors = Vec::new();
        let alerts = AlertSettings::read(&settings, &mut errors);
        ConfigError::check(errors).map(|()| alerts)
    }

    fn sinks(text: &str) -> Vec<SinkConfig> {
        read(text).unwrap().sinks
    }

    fn err(text: &str) -> ConfigError {
        read(text).unwrap_err()
    }

    const TELEGRAM: &str = "[[alerts.sinks]]\nid = \"tim-humas\"\nkind = \"telegram\"\nbot_token = \"123:ABC-def_9\"\nchat_id = -100123\n";

    /// Each sink's example table, with an id, is a sink as it stands.
    #[test]
    fn every_kinds_example_reads() {
        for kind in KINDS {
            let text = format!(
                "[[alerts.sinks]]\nid = \"contoh\"\nkind = \"{}\"\n{}\n",
                kind.name, kind.example
            );
            let all = sinks(&text);
            assert_eq!(all[0].spec.kind(), kind.name);
        }
    }

    #[test]
    fn no_sinks_by_default() {
        assert!(sinks("").is_empty());
        assert!(sinks("[alerts]\n").is_empty());
    }

    #[test]
    fn every_kind_reads_with_its_defaults() {
        let text = format!(
            "{TELEGRAM}\n[[alerts.sinks]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"https://hooks.contoh.id/x\"\ntoken = \"rahasia\"\n\
             [[alerts.sinks]]\nid = \"surel\"\nkind = \"email\"\nhost = \"smtp.contoh.id\"\nfrom = \"Pantau <pantau@contoh.id>\"\nto = \"humas@contoh.id\"\n"
        );
        let all = sinks(&text);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].id, "tim-humas");
        assert_eq!(
            all[0].spec_as(),
            Some(&telegram::Spec {
                bot_token: Secret::new("123:ABC-def_9"),
                chat_id: "-100123".into(),
                api_url: Url::parse(DEFAULT_TELEGRAM_API).unwrap(),
            })
        );
        assert!(
            matches!(all[1].spec_as::<webhook::Spec>(), Some(webhook::Spec { url, token: Some(t) }) if url.as_str() == "https://hooks.contoh.id/x" && t.expose() == "rahasia")
        );
        assert_eq!(
            all[2].spec_as(),
            Some(&email::Spec {
                host: "smtp.contoh.id".into(),
                port: 587,
                tls: Tls::StartTls,
                username: None,
                password: None,
                from: "Pantau <pantau@contoh.id>".into(),
                to: vec!["humas@contoh.id".into()],
            })
        );
        let tls = sinks(
            "[[alerts.sinks]]\nid = \"s\"\nkind = \"email\"\nhost = \"h\"\ntls = \"tls\"\nfrom = \"a@b.id\"\nto = [\"c@d.id\", \"e@f.id\"]\n",
        );
        assert!(
            matches!(tls[0].spec_as::<email::Spec>(), Some(email::Spec { port: 465, tls: Tls::Tls, to, .. }) if to.len() == 2)
        );
    }

    /// A webhook's secret lives in its path: a malformed address is not echoed past the host,
    /// and a bearer token is refused over plain HTTP (except to this machine).
    #[test]
    fn webhook_secrets_stay_out_of_errors_and_off_plain_http() {
        let e = err(
            "[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"hooks.slack.com/services/T0/B0/RAHASIA\"\n",
        )
        .to_string();
        assert!(
            !e.contains("RAHASIA") && e.contains("hooks.slack.com/…"),
            "{e}"
        );
        let e = err(
            "[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"http://hooks.contoh.id/x\"\ntoken = \"t\"\n",
        )
        .to_string();
        assert!(e.contains("tanpa enkripsi"), "{e}");
        assert_eq!(
            sinks("[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\ntoken = \"t\"\n").len(),
            1
        );
    }

    /// The commented example in config/default.toml, uncommented, is a valid configuration.
    #[test]
    fn the_shipped_example_is_valid() {
        let shipped = include_str!("../../../config/default.toml");
        let start = shipped
            .find("# [[alerts.sinks]]")
            .expect("an [[alerts.sinks]] example");
        let end = start + shipped[start..].find("\n\n").expect("the example ends");
        let example: String = shipped[start..end]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
            .collect::<Vec<_>>()
            .join("\n");
        let all = sinks(&example);
        let kinds: Vec<_> = all
            .into_iter()
            .map(|s| Sink::new(s, "Pantau/test").unwrap().kind())
            .collect();
        assert_eq!(kinds, ["webhook", "telegram", "email"]);
        // And shipped as it is, no sink is active.
        assert!(sinks(shipped).is_empty());
    }

    /// Secrets live in local.toml: its sinks replace the shipped file's, they do not add up.
    #[test]
    fn local_toml_replaces_the_sinks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        std::fs::write(
            dir.path().join("config/default.toml"),
            "[[alerts.sinks]]\nid = \"contoh\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("config/local.toml"), TELEGRAM).unwrap();
        let settings = crate::config::load(Some(&dir.path().join("config/default.toml"))).unwrap();
        let alerts = AlertSettings::read(&settings, &mut Vec::new());
        let ids: Vec<_> = alerts.sinks.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["tim-humas"]);
    }

    #[test]
    fn mistakes_name_the_sink_and_key() {
        let e = err("[[alerts.sinks]]\nid = \"a\"\nkind = \"telegarm\"\n");
        assert!(
            e.to_string().contains(
                "[[alerts.sinks]] ke-1 (id \"a\") kind: jenis tujuan \"telegarm\" tidak dikenal"
            ),
            "{e}"
        );
        assert_eq!(
            e.hint().as_deref(),
            Some("mungkin maksud Anda kind = \"telegram\"")
        );
        let e = err("[[alerts.sinks]]\nid = \"a\"\nkind = \"pigeon\"\n");
        assert_eq!(
            e.hint().as_deref(),
            Some("jenis yang tersedia: webhook, telegram, email")
        );

        let e = err(&TELEGRAM.replace("chat_id", "chatid"));
        let text = e.to_string();
        assert!(text.contains("kunci tidak dikenal \"chatid\""), "{text}");
        assert!(text.contains("kunci \"chat_id\" wajib diisi"), "{text}");
        let ConfigError::Many(all) = e else {
            panic!("two errors expected")
        };
        assert!(
            all.iter()
                .any(|e| e.hint().as_deref() == Some("mungkin maksud Anda `chat_id`"))
        );

        let e = err(&format!("{TELEGRAM}{TELEGRAM}")).to_string();
        assert!(
            e.contains("[[alerts.sinks]] ke-2 (id \"tim-humas\") id: id \"tim-humas\" dipakai oleh lebih dari satu tujuan"),
            "{e}"
        );
        let e = err(
            "[[alerts.sinks]]\nid = \"Tim Humas\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n",
        );
        assert!(
            e.to_string().contains("id \"Tim Humas\" tidak valid"),
            "{e}"
        );
        let e = err("[[alerts.sinks]]\nid = \"w\"\nkind = \"webhook\"\n");
        assert!(e.to_string().contains("kunci \"url\" wajib diisi"), "{e}");
        let e = err("[[alerts.sinks]]\nid = \"w\"\nkind = \"webhook\"\nurl = \"ftp://x.id/\"\n");
        assert!(
            e.to_string().contains("skema \"ftp\" tidak didukung"),
            "{e}"
        );
    }

    #[test]
    fn the_alerts_section_is_checked_too() {
        let e = err("[alerts]\nsink = []\n");
        assert!(
            e.to_string()
                .contains("[alerts]: kunci tidak dikenal \"sink\""),
            "{e}"
        );
        assert_eq!(e.hint().as_deref(), Some("mungkin maksud Anda `sinks`"));
        let e = err("[alerts]\nsinks = \"telegram\"\n");
        assert!(
            e.to_string()
                .contains("harus berupa daftar [[alerts.sinks]]"),
            "{e}"
        );
        let e = err("[alert]\n");
        assert_eq!(e.hint().as_deref(), Some("mungkin maksud Anda [alerts]"));
    }

    #[test]
    fn a_bad_bot_token_is_refused_without_repeating_it() {
        let e = err(&TELEGRAM.replace("123:ABC-def_9", "rahasia/sekali"));
        let text = e.to_string();
        assert!(
            text.contains("bot_token: bukan token bot Telegram"),
            "{text}"
        );
        assert!(!text.contains("rahasia"), "{text}");
        let e = err(&TELEGRAM.replace("-100123", "\"humas kaltim\""));
        assert!(
            e.to_string()
                .contains("chat_id \"humas kaltim\" tidak valid"),
            "{e}"
        );
        assert_eq!(
            sinks(&TELEGRAM.replace("-100123", "\"@humaskaltim\""))[0].id,
            "tim-humas"
        );
    }

    #[test]
    fn email_addresses_and_logins_are_checked() {
        let base = "[[alerts.sinks]]\nid = \"s\"\nkind = \"email\"\nhost = \"smtp.contoh.id\"\n";
        let e = err(&format!(
            "{base}from = \"pantau\"\nto = \"humas@contoh.id\"\n"
        ))
        .to_string();
        assert!(
            e.contains(
                "[[alerts.sinks]] ke-1 (id \"s\") from: alamat e-mail \"pantau\" tidak valid"
            ),
            "{e}"
        );
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = [\"humas@contoh.id\", \"bukan alamat\"]\n"
        ));
        assert!(
            e.to_string()
                .contains("to: alamat e-mail \"bukan alamat\" tidak valid"),
            "{e}"
        );
        let e = err(&format!("{base}from = \"a@b.id\"\n"));
        assert!(e.to_string().contains("kunci \"to\" wajib diisi"), "{e}");
        let e = err(&format!("{base}from = \"a@b.id\"\nto = []\n"));
        assert!(e.to_string().contains("daftar penerima kosong"), "{e}");
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\nusername = \"u\"\n"
        ));
        assert!(e.to_string().contains("\"password\" kosong"), "{e}");
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\nusername = \"u\"\npassword = \"p\"\ntls = \"none\"\n"
        ));
        assert!(e.to_string().contains("tanpa enkripsi"), "{e}");
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\ntls = \"ssl\"\n"
        ));
        assert!(
            e.to_string().contains("mode TLS \"ssl\" tidak dikenal"),
            "{e}"
        );
        let e = err(&format!(
            "{base}from = \"a@b.id\"\nto = \"c@d.id\"\nport = 70000\n"
        ));
        assert!(
            e.to_string()
                .contains("port: harus bilangan bulat antara 1 dan 65535"),
            "{e}"
        );
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let specs = [
            SinkConfig::new(
                "x",
                webhook::Spec {
                    url: Url::parse("https://discord.example/api/webhooks/1/SECRETPATH?k=SECRETQ")
                        .unwrap(),
                    token: Some(Secret::new("SECRETTOKEN")),
                },
            ),
            SinkConfig::new(
                "x",
                telegram::Spec {
                    bot_token: Secret::new("123:SECRETBOT"),
                    chat_id: "-100".into(),
                    api_url: Url::parse(DEFAULT_TELEGRAM_API).unwrap(),
                },
            ),
            SinkConfig::new(
                "x",
                email::Spec {
                    host: "smtp.contoh.id".into(),
                    port: 587,
                    tls: Tls::StartTls,
                    username: Some("pantau".into()),
                    password: Some(Secret::new("SECRETPASS")),
                    from: "a@b.id".into(),
                    to: vec!["c@d.id".into()],
                },
            ),
        ];
        for config in specs {
            let shown = format!("{config:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
            let sink = Sink::new(config, "Pantau/test").unwrap();
            let shown = format!("{sink:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
        }
    }
}
