//! Actions: what a rule does when it matches.

use super::Parser;
use crate::ast::{ActionDef, TypePat};
use crate::error::RuleError;
use crate::lexer::Tok;

impl Parser<'_> {
    pub(super) fn action(&mut self) -> Result<ActionDef, RuleError> {
        let channels = |p: &mut Self| -> Result<Vec<String>, RuleError> {
            if !p.eat_kw("via") {
                return Ok(vec!["preferred".to_owned()]);
            }
            let mut v = vec![p.ident("a channel")?.0];
            while p.eat_sym(",") {
                v.push(p.ident("a channel")?.0);
            }
            Ok(v)
        };
        if self.eat_kw("notify") {
            let channels = channels(self)?;
            let template = self.string("the message")?;
            return Ok(ActionDef::Notify { channels, template });
        }
        if self.eat_kw("coupon") {
            let (offer, _) = self.string("the offer name")?;
            self.expect_kw("value")?;
            let value_minor = self.money()?;
            let (currency, cpos) = self.ident("a currency code such as EUR")?;
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(RuleError::at(
                    cpos,
                    "a currency is an ISO 4217 code such as EUR",
                ));
            }
            self.expect_kw("expires")?;
            self.expect_kw("in")?;
            let expires_in = self.window("the coupon's validity")?;
            let channels = channels(self)?;
            let template = self.string("the message that carries the coupon")?;
            return Ok(ActionDef::Coupon {
                offer,
                value_minor,
                currency,
                expires_in,
                channels,
                template,
            });
        }
        if self.eat_kw("open") {
            self.expect_kw("conversation")?;
            let subject = self.string("the conversation's subject")?;
            return Ok(ActionDef::OpenConversation { subject });
        }
        if self.eat_kw("touchpoint") {
            let text = self.string("the touchpoint text")?;
            return Ok(ActionDef::Touchpoint { text });
        }
        if self.eat_kw("webhook") {
            let (url, upos) = self.string("the webhook URL")?;
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(RuleError::at(upos, "a webhook URL starts with https://"));
            }
            self.expect_kw("signed")?;
            self.expect_kw("with")?;
            let (secret, _) = self.string("the name of the signing secret")?;
            return Ok(ActionDef::Webhook { url, secret });
        }
        if self.eat_kw("emit") {
            let ty = match self.type_pat()? {
                TypePat::Exact(t) => t,
                _ => return self.err("`emit` needs one exact event type"),
            };
            let mut fields = Vec::new();
            if self.eat_sym("{") {
                loop {
                    let (k, _) = self.ident("a field name")?;
                    self.expect_sym(":")?;
                    fields.push((k, self.expr()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym("}")?;
            }
            return Ok(ActionDef::Emit { ty, fields });
        }
        self.err("expected an action (notify, coupon, open conversation, touchpoint, webhook, emit) or `end`")
    }

    /// `3.50` → 350 minor units (at most two decimals).
    fn money(&mut self) -> Result<i64, RuleError> {
        let Tok::Num { text, .. } = self.peek().clone() else {
            return self.err("expected an amount such as 3.50");
        };
        let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
        if frac.len() > 2 || whole.len() > 9 {
            return self.err("an amount has at most 9 digits and 2 decimals");
        }
        let frac = format!("{frac:0<2}");
        let (Ok(w), Ok(f)) = (whole.parse::<i64>(), frac.parse::<i64>()) else {
            return self.err("expected an amount such as 3.50");
        };
        self.next();
        Ok(w * 100 + f)
    }
}
