//! Where alerts are delivered: a webhook (JSON POST), a Telegram chat through a bot, or e-mail
//! over SMTP. A [`Sink`] sends one [`Message`] and says whether it arrived; deciding when to
//! alert, composing the text, recording deliveries and retrying belong to the alert engine.
//!
//! A sink kind is one file that declares its keys and how it delivers ([`sink::Spec`]); the
//! list below is the only place that names them all, so a new sink is one new file and one
//! line there. Secrets (a webhook's token, a bot token, an SMTP password) never appear in
//! `Debug` output or in a [`SinkError`]; webhook addresses are shown as scheme and host only,
//! because services such as Slack and Discord put their secret in the path.

pub mod deliver;
pub mod sink;

pub use deliver::{Attachment, Deliver, Message, Parcel, SinkError};
pub use sink::{Kind, Sink, SinkConfig, Spec, kind, read_sinks};

// Each sink kind's module, and the family's list of them (`KINDS`): a new sink is one line
// here.
crate::config::kinds! {
    webhook,
    telegram,
    email,
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
    use crate::config::ConfigError;
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

    fn all_subscribed(text: &str) -> Vec<crate::alerts::Subscription> {
        sinks(text).into_iter().map(|s| s.subscription).collect()
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
        assert_eq!(kinds, ["webhook", "telegram", "telegram", "email"]);
        let bpbd = &all_subscribed(&example)[2];
        assert_eq!(
            bpbd.categories.as_deref(),
            Some(&["bencana".to_string()][..])
        );
        assert_eq!(bpbd.regions.as_deref(), Some(&["berau".to_string()][..]));
        assert_eq!(bpbd.min_priority, Some(crate::model::Priority::Sedang));
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

    /// Subscriptions read beside any kind; a wrong value is reported at its key, and an empty
    /// list (which would take nothing) is refused.
    #[test]
    fn subscriptions_are_read_and_checked() {
        let base = "[[alerts.sinks]]\nid = \"a\"\nkind = \"webhook\"\nurl = \"https://x.id/\"\n";
        let all = all_subscribed(base);
        assert_eq!(all[0], crate::alerts::Subscription::default());
        let one = all_subscribed(&format!(
            "{base}regions = \"berau\"\ntopics = [\"banjir\", \"karhutla\"]\n"
        ));
        assert_eq!(one[0].regions.as_deref(), Some(&["berau".to_string()][..]));
        assert_eq!(one[0].topics.as_ref().map(Vec::len), Some(2));
        let e = err(&format!("{base}min_priority = \"penting\"\n"));
        assert!(
            e.to_string()
                .contains("[[alerts.sinks]] ke-1 (id \"a\") min_priority:"),
            "{e}"
        );
        let e = err(&format!("{base}regions = []\n"));
        assert!(
            e.to_string().contains("(id \"a\") regions: daftar kosong"),
            "{e}"
        );
        let e = err(&format!("{base}region = [\"berau\"]\n"));
        assert_eq!(e.hint().as_deref(), Some("mungkin maksud Anda `regions`"));
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
