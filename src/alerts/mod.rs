//! Alerts on rising issues; [`sinks`] delivers them (webhook, Telegram, e-mail).

pub mod sinks;
