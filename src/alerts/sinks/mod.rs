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

pub use deliver::{Deliver, Message, SinkError};
pub use sink::{Kind, Sink, SinkConfig, Spec, read_sinks};

/// Declares each sink kind's module (which defines its `Spec`) and lists it in [`KINDS`].
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        $(pub mod $kind;)*

        /// Every sink kind this version can deliver to, in the order messages list them.
        pub static KINDS: &[Kind] = &[$(Kind::of::<$kind::Spec>()),*];
    };
}

kinds! {
    webhook,
    telegram,
    email,
}
