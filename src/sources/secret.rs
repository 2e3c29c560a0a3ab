//! Which `[secrets]` entry a source uses: a source's `secret = "name"` key ([`SecretName`])
//! and the lookup that turns a missing entry into that source's auth failure, with the key
//! and the environment variable to fill, rather than a configuration error that would stop
//! the whole daemon for one source.

use serde::{Deserialize, Deserializer};

use super::context::PollCtx;
use super::error::SourceError;
use crate::config::value::{self, Secret};

/// The name of a `[secrets]` entry: lower-case letters, digits and `_`, so that the same
/// name works as a TOML key and in `PANTAU__SECRETS__<NAME>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretName(String);

impl SecretName {
    /// `name` lower-cased, when it is 1 to 64 letters, digits or `_`.
    pub fn parse(name: &str) -> Result<SecretName, String> {
        let name = name.trim().to_ascii_lowercase();
        let fits = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if fits {
            Ok(SecretName(name))
        } else {
            Err(format!(
                "nama rahasia \"{name}\" hanya boleh huruf kecil, angka dan _ (paling panjang 64)"
            ))
        }
    }

    /// A name of the code (a kind's default).
    pub fn fixed(name: &str) -> SecretName {
        SecretName::parse(name).expect("a built-in secret name is valid")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The environment variable that sets it.
    pub fn variable(&self) -> String {
        format!("PANTAU__SECRETS__{}", self.0.to_ascii_uppercase())
    }

    /// The secret's value from `cx`; unset or empty is this source's auth failure, saying
    /// where to write it.
    pub fn lookup<'a>(&self, cx: &'a PollCtx) -> Result<&'a Secret, SourceError> {
        cx.secrets.get(&self.0).ok_or_else(|| {
            SourceError::Auth(format!(
                "rahasia \"{name}\" belum diisi; tulis {name} = \"…\" di bagian [secrets] \
                 config/local.toml, atau isi variabel {var}",
                name = self.0,
                var = self.variable()
            ))
        })
    }

    /// [`SecretName::lookup`], its failure followed by `advice`: how to get a new secret from
    /// the platform's console, which a person needs before writing it anywhere.
    pub fn lookup_advised<'a>(
        &self,
        cx: &'a PollCtx,
        advice: &str,
    ) -> Result<&'a Secret, SourceError> {
        self.lookup(cx).map_err(|e| match e {
            SourceError::Auth(message) => SourceError::Auth(format!("{message}; {advice}")),
            other => other,
        })
    }
}

impl<'de> Deserialize<'de> for SecretName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SecretName, D::Error> {
        value::parsed(
            d,
            "nama entri [secrets], misalnya secret = \"vendor_tiktok\"",
            SecretName::parse,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_toml_keys_and_variables() {
        let name = SecretName::parse(" Vendor_TikTok2 ").unwrap();
        assert_eq!(name.as_str(), "vendor_tiktok2");
        assert_eq!(name.variable(), "PANTAU__SECRETS__VENDOR_TIKTOK2");
        for bad in ["", "vendor-tiktok", "kunci rahasia", "ü", &"a".repeat(65)] {
            assert!(SecretName::parse(bad).is_err(), "{bad}");
        }
    }
}
