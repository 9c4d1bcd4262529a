//! A provider channel's settings, secrets included, as an admin gives them and Kairos stores
//! them: validated per provider, redacted for listing.
//!
//! Why here: the HTTP edge (verifying webhooks) and the outbound worker (sending) both need
//! the same settings; keeping their shape and validation beside the provider code means one
//! definition, still pure data.

use crate::{Provider, ProviderError};
use serde::{Deserialize, Serialize};

/// Twilio's API base URL.
pub const TWILIO_API: &str = "https://api.twilio.com";
/// Telegram's Bot API base URL.
pub const TELEGRAM_API: &str = "https://api.telegram.org";
/// Meta's Graph API base URL.
pub const META_API: &str = "https://graph.facebook.com";
/// What a secret is shown as in listings.
pub const REDACTED: &str = "********";

/// Twilio settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    /// The account SID (`AC…`).
    pub account_sid: String,
    /// The auth token: signs webhooks and authenticates sending (secret).
    pub auth_token: String,
    /// The Twilio number replies are sent from (E.164).
    pub phone_number: String,
    /// The exact webhook URL configured at Twilio (it is signed); default: the server's
    /// public URL followed by `/api/v1/hooks/{channel id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// API base URL (default [`TWILIO_API`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base_url: Option<String>,
}

/// Telegram settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// The bot token from BotFather (secret).
    pub bot_token: String,
    /// The `secret_token` given to `setWebhook` (secret; 1–256 of `A-Za-z0-9_-`).
    pub secret_token: String,
    /// API base URL (default [`TELEGRAM_API`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base_url: Option<String>,
}

/// Meta (WhatsApp Cloud API, Messenger) settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaConfig {
    /// The app secret: signs webhooks (secret).
    pub app_secret: String,
    /// The verify token of the subscription handshake (secret).
    pub verify_token: String,
    /// The access token for sending (secret).
    pub access_token: String,
    /// The WhatsApp business phone number id replies are sent from.
    pub phone_number_id: String,
    /// API base URL (default [`META_API`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base_url: Option<String>,
}

/// One channel's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelConfig {
    /// Twilio.
    Twilio(TwilioConfig),
    /// Telegram.
    Telegram(TelegramConfig),
    /// Meta.
    Meta(MetaConfig),
}

fn secret(field: &str, v: &str) -> Result<(), ProviderError> {
    if v.is_empty() || v.len() > 512 || v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ProviderError::malformed(format!(
            "{field}: 1–512 characters without spaces"
        )));
    }
    Ok(())
}

fn url(field: &str, v: Option<&str>) -> Result<(), ProviderError> {
    match v {
        None => Ok(()),
        Some(u)
            if (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 2048
                && !u.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            Ok(())
        }
        Some(_) => Err(ProviderError::malformed(format!("{field}: an http(s) URL"))),
    }
}

impl ChannelConfig {
    /// Reads and validates `json` as `provider`'s settings (unknown fields are refused).
    pub fn parse(provider: Provider, json: serde_json::Value) -> Result<Self, ProviderError> {
        let bad = |e: serde_json::Error| ProviderError::malformed(format!("config: {e}"));
        let cfg = match provider {
            Provider::Twilio => {
                let c: TwilioConfig = serde_json::from_value(json).map_err(bad)?;
                crate::check_path_segment("account_sid", &c.account_sid)?;
                secret("auth_token", &c.auth_token)?;
                if !c.phone_number.starts_with('+')
                    || !(7..=16).contains(&c.phone_number.len())
                    || !c.phone_number[1..].bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(ProviderError::malformed(
                        "phone_number: E.164, such as +15005550006",
                    ));
                }
                url("webhook_url", c.webhook_url.as_deref())?;
                url("api_base_url", c.api_base_url.as_deref())?;
                Self::Twilio(c)
            }
            Provider::Telegram => {
                let c: TelegramConfig = serde_json::from_value(json).map_err(bad)?;
                crate::check_path_segment("bot_token", &c.bot_token)?;
                if c.secret_token.is_empty()
                    || c.secret_token.len() > 256
                    || !c
                        .secret_token
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    return Err(ProviderError::malformed(
                        "secret_token: 1–256 characters A-Z, a-z, 0-9, '_', '-'",
                    ));
                }
                url("api_base_url", c.api_base_url.as_deref())?;
                Self::Telegram(c)
            }
            Provider::Meta => {
                let c: MetaConfig = serde_json::from_value(json).map_err(bad)?;
                secret("app_secret", &c.app_secret)?;
                secret("verify_token", &c.verify_token)?;
                secret("access_token", &c.access_token)?;
                crate::check_path_segment("phone_number_id", &c.phone_number_id)?;
                url("api_base_url", c.api_base_url.as_deref())?;
                Self::Meta(c)
            }
        };
        Ok(cfg)
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        match self {
            Self::Twilio(_) => Provider::Twilio,
            Self::Telegram(_) => Provider::Telegram,
            Self::Meta(_) => Provider::Meta,
        }
    }

    /// The settings as JSON, secrets included (for storing, and for the one answer to create).
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            Self::Twilio(c) => serde_json::to_value(c),
            Self::Telegram(c) => serde_json::to_value(c),
            Self::Meta(c) => serde_json::to_value(c),
        };
        v.unwrap_or(serde_json::Value::Null)
    }

    /// The settings as JSON with every secret replaced by [`REDACTED`] (for listing).
    pub fn redacted(&self) -> serde_json::Value {
        let mut c = self.clone();
        let r = || REDACTED.to_owned();
        match &mut c {
            Self::Twilio(c) => c.auth_token = r(),
            Self::Telegram(c) => {
                c.bot_token = r();
                c.secret_token = r();
            }
            Self::Meta(c) => {
                c.app_secret = r();
                c.verify_token = r();
                c.access_token = r();
            }
        }
        c.to_json()
    }

    /// The API base URL requests go to, without a trailing `/`.
    pub fn api_base_url(&self) -> &str {
        let (set, default) = match self {
            Self::Twilio(c) => (c.api_base_url.as_deref(), TWILIO_API),
            Self::Telegram(c) => (c.api_base_url.as_deref(), TELEGRAM_API),
            Self::Meta(c) => (c.api_base_url.as_deref(), META_API),
        };
        set.unwrap_or(default).trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configs_validate_and_redact_their_secrets() {
        let c = ChannelConfig::parse(
            Provider::Meta,
            json!({"app_secret": "s", "verify_token": "v", "access_token": "EAAB", "phone_number_id": "106540352242922"}),
        )
        .unwrap();
        let r = c.redacted().to_string();
        assert!(!r.contains("EAAB") && r.contains("106540352242922"), "{r}");
        assert_eq!(c.api_base_url(), META_API);
        assert!(
            ChannelConfig::parse(
                Provider::Twilio,
                json!({"account_sid": "AC1", "auth_token": "t", "phone_number": "+1555", "x": 1})
            )
            .is_err()
        );
        assert!(
            ChannelConfig::parse(
                Provider::Telegram,
                json!({"bot_token": "1:a/b", "secret_token": "s"})
            )
            .is_err()
        );
    }
}
