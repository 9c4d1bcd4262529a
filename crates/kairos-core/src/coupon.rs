//! Single-use coupons (anticipation issue 7): what a coupon is, what may be issued, and
//! whether one can be redeemed now. The redemption token and its derivation live in the
//! store (`kairos_store::coupons`); here is only the token's outward shape, so that the HTTP
//! edge can refuse a malformed one before any database access.

use crate::DomainError;
use crate::ids::{CouponId, CustomerId};
use crate::timestamp::Timestamp;

/// Length of a redemption token: 24 random-looking bytes (192 bits) in unpadded base64url.
pub const TOKEN_LEN: usize = 32;
/// Longest firing key accepted (the anticipation engine's keys are far shorter).
pub const MAX_FIRING_KEY: usize = 512;
/// Longest offer name.
pub const MAX_OFFER: usize = 200;
/// Longest `by` (who redeemed: a till, a counter).
pub const MAX_BY: usize = 200;

/// Whether `token` has the shape of a redemption token: exactly [`TOKEN_LEN`] characters
/// of the base64url alphabet. Anything else is refused without a look-up.
pub fn token_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The redemption path of a token, `/r/{token}`: prefix it with the server's public URL for
/// the link in a message (the QR codes at `/r/{token}/qr.png` and `.svg` encode exactly that).
pub fn redemption_path(token: &str) -> String {
    format!("/r/{token}")
}

/// A coupon to issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCoupon {
    /// Whose it is (followed through merges).
    pub customer_id: CustomerId,
    /// What it offers, e.g. `lounge-voucher`.
    pub offer: String,
    /// Value in minor units of `currency` (cents); 0 for a free item.
    pub value_minor: i64,
    /// ISO 4217 code: three uppercase letters.
    pub currency: String,
    /// When it stops being redeemable.
    pub expires_at: Timestamp,
    /// The firing that issues it: issuing twice with one key issues once.
    pub firing_key: String,
}

impl NewCoupon {
    /// Checks every field (offer and firing key non-empty, printable and bounded, value not
    /// negative, currency `[A-Z]{3}`).
    pub fn validate(&self) -> Result<(), DomainError> {
        let printable = |s: &str| !s.trim().is_empty() && !s.chars().any(char::is_control);
        if !printable(&self.offer) || self.offer.len() > MAX_OFFER {
            return Err(DomainError::invalid(
                "offer",
                format!("1–{MAX_OFFER} bytes of printable text"),
            ));
        }
        if !printable(&self.firing_key) || self.firing_key.len() > MAX_FIRING_KEY {
            return Err(DomainError::invalid(
                "firing_key",
                format!("1–{MAX_FIRING_KEY} bytes of printable text"),
            ));
        }
        if self.value_minor < 0 {
            return Err(DomainError::invalid("value_minor", "0 or more"));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(DomainError::invalid(
                "currency",
                "an ISO 4217 code (three uppercase letters)",
            ));
        }
        Ok(())
    }
}

/// Checks a redeemer's `by` (optional free text, e.g. `till 3`).
pub fn validate_by(by: Option<&str>) -> Result<(), DomainError> {
    match by {
        Some(b) if b.len() > MAX_BY || b.chars().any(char::is_control) => Err(
            DomainError::invalid("by", format!("at most {MAX_BY} bytes of printable text")),
        ),
        _ => Ok(()),
    }
}

/// Digits after the decimal point of an ISO 4217 currency's minor unit (2 unless listed).
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// The value for people: `15.00 EUR`, `500 JPY`.
pub fn format_value(value_minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    if digits == 0 {
        return format!("{value_minor} {currency}");
    }
    let unit = 10i64.pow(digits);
    let (whole, frac) = (value_minor / unit, (value_minor % unit).abs());
    format!("{whole}.{frac:0width$} {currency}", width = digits as usize)
}

/// A stored coupon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    /// Its id.
    pub id: CouponId,
    /// Whose it is.
    pub customer_id: CustomerId,
    /// What it offers.
    pub offer: String,
    /// Value in minor units of `currency`.
    pub value_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it stops being redeemable.
    pub expires_at: Timestamp,
    /// The firing that issued it.
    pub firing_key: String,
    /// When it was redeemed, if it was.
    pub redeemed_at: Option<Timestamp>,
    /// Who redeemed it, as they said.
    pub redeemed_by: Option<String>,
}

/// Where a coupon stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouponStatus {
    /// Redeemable now.
    Valid,
    /// Already redeemed.
    Redeemed,
    /// Past its expiry, never redeemed.
    Expired,
}

impl CouponStatus {
    /// `valid`, `redeemed` or `expired`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CouponStatus::Valid => "valid",
            CouponStatus::Redeemed => "redeemed",
            CouponStatus::Expired => "expired",
        }
    }
}

/// Why a redemption was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    /// It was redeemed before, at `at`.
    #[error("this coupon was already redeemed")]
    AlreadyRedeemed {
        /// When.
        at: Timestamp,
    },
    /// It expired at `at`.
    #[error("this coupon has expired")]
    Expired {
        /// When.
        at: Timestamp,
    },
    /// No coupon has this token.
    #[error("coupon not found")]
    NotFound,
}

impl Coupon {
    /// Its status at `now` (expiry is exclusive: at `expires_at` it is expired).
    pub fn status(&self, now: Timestamp) -> CouponStatus {
        if self.redeemed_at.is_some() {
            CouponStatus::Redeemed
        } else if now >= self.expires_at {
            CouponStatus::Expired
        } else {
            CouponStatus::Valid
        }
    }

    /// Whether it may be redeemed at `now`, and if not, why.
    pub fn redeemable(&self, now: Timestamp) -> Result<(), RedeemError> {
        match (self.redeemed_at, self.status(now)) {
            (Some(at), _) => Err(RedeemError::AlreadyRedeemed { at }),
            (None, CouponStatus::Expired) => Err(RedeemError::Expired {
                at: self.expires_at,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new() -> NewCoupon {
        NewCoupon {
            customer_id: CustomerId::new(),
            offer: "lounge-voucher".into(),
            value_minor: 1500,
            currency: "EUR".into(),
            expires_at: Timestamp::from_micros(2_000),
            firing_key: "rule:lounge:c1:2026-12-02".into(),
        }
    }

    #[test]
    fn validation_refuses_bad_fields() {
        assert!(new().validate().is_ok());
        for bad in [
            NewCoupon {
                currency: "eur".into(),
                ..new()
            },
            NewCoupon {
                currency: "EURO".into(),
                ..new()
            },
            NewCoupon {
                value_minor: -1,
                ..new()
            },
            NewCoupon {
                offer: " ".into(),
                ..new()
            },
            NewCoupon {
                offer: "a\nb".into(),
                ..new()
            },
            NewCoupon {
                firing_key: "k".repeat(MAX_FIRING_KEY + 1),
                ..new()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!(validate_by(Some("till\r\n3")).is_err());
        assert!(validate_by(Some("till 3")).is_ok() && validate_by(None).is_ok());
    }

    #[test]
    fn status_and_redeemability() {
        let n = new();
        let mut c = Coupon {
            id: CouponId::new(),
            customer_id: n.customer_id,
            offer: n.offer,
            value_minor: n.value_minor,
            currency: n.currency,
            issued_at: Timestamp::from_micros(1_000),
            expires_at: n.expires_at,
            firing_key: n.firing_key,
            redeemed_at: None,
            redeemed_by: None,
        };
        assert_eq!(c.status(Timestamp::from_micros(1_999)), CouponStatus::Valid);
        assert_eq!(
            c.status(Timestamp::from_micros(2_000)),
            CouponStatus::Expired
        );
        assert!(matches!(
            c.redeemable(Timestamp::from_micros(2_000)),
            Err(RedeemError::Expired { .. })
        ));
        c.redeemed_at = Some(Timestamp::from_micros(1_500));
        assert_eq!(
            c.redeemable(Timestamp::from_micros(1_600)),
            Err(RedeemError::AlreadyRedeemed {
                at: Timestamp::from_micros(1_500)
            })
        );
    }

    #[test]
    fn values_read_in_the_currency_s_minor_unit() {
        assert_eq!(format_value(1500, "EUR"), "15.00 EUR");
        assert_eq!(format_value(5, "EUR"), "0.05 EUR");
        assert_eq!(format_value(500, "JPY"), "500 JPY");
        assert_eq!(format_value(1234, "KWD"), "1.234 KWD");
    }

    #[test]
    fn token_shape() {
        assert!(token_well_formed(&"A".repeat(TOKEN_LEN)));
        assert!(token_well_formed("abcdefghijklmnopqrstuvwxyz012-_9"));
        for bad in [
            "",
            "short",
            &"A".repeat(TOKEN_LEN + 1),
            "abcdefghijklmnopqrstuvwxyz012+/9",
            "abcdefghijklmnopqrstuvwxyz01%2F9",
            "ábcdefghijklmnopqrstuvwxyz01239",
        ] {
            assert!(!token_well_formed(bad), "{bad}");
        }
    }
}
