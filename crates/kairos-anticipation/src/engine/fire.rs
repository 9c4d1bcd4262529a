//! A match completed: the policy stage (cooldown, caps, quiet hours in the customer's
//! time zone) and turning the rule's actions into [`Firing`]s with their explanation.

use super::matcher::{bound_values, schedule_sweep};
use super::state::{KeyState, Run};
use super::{Ctx, Held};
use crate::ast::Quiet;
use crate::compile::{CAction, CStepKind, Rule};
use crate::event::{Attributes, ContextEvent};
use crate::expr::Scope;
use crate::firing::{Action, Firing, Reason, Suppression};
use crate::value::{Value, ValueRef};
use jiff::tz::TimeZone;
use kairos_core::Timestamp;
use std::collections::BTreeMap;

/// Applies the policies to a completed match and emits its firings.
pub(crate) fn complete(ctx: &mut Ctx<'_>, ks: &mut KeyState, run: Run) {
    let rule = &ctx.set.rules[usize::from(run.rule)];
    let at = run.last;
    let place = run.place.as_deref();
    let subject = ks.subject.to_string();
    let suppress = |ctx: &mut Ctx<'_>, action: Option<&str>, reason: Reason| {
        ctx.stats.suppressed += 1;
        ctx.out.suppressed.push(Suppression {
            subject: subject.clone(),
            rule: rule.name.clone(),
            rule_version: rule.version,
            at,
            action: action.map(str::to_owned),
            reason,
        });
    };
    if let Some(c) = ks
        .cooldowns
        .iter()
        .find(|c| c.0 == run.rule && c.1.as_deref() == place && c.2 > at)
    {
        let until = c.2;
        suppress(ctx, None, Reason::Cooldown { until });
        return;
    }
    if let Some(cd) = rule.cooldown {
        let until = Timestamp::from_micros(at.as_micros() + cd);
        ks.cooldowns
            .retain(|c| !(c.0 == run.rule && c.1.as_deref() == place));
        ks.cooldowns.push((run.rule, run.place.clone(), until));
        schedule_sweep(ctx, ks, slot_of(ks), until);
    }
    let tz = ctx
        .history
        .time_zone(ctx.tenant, &ks.subject)
        .unwrap_or_else(|| ctx.default_tz.clone());
    let scope = Scope {
        cur: None,
        steps: &run.recs,
    };
    let bindings = bindings(rule, &run);
    let explanation = explain(rule, &run);
    let cap_window = rule
        .cap
        .map_or(0, |c| c.per)
        .max(ctx.set.cap.map_or(0, |c| c.per));
    for (i, action) in rule.actions.iter().enumerate() {
        let mut due = at;
        let mut policy = Vec::new();
        if action.customer_facing() {
            let since = |w: i64| Timestamp::from_micros(at.as_micros() - w);
            if let Some(cap) = rule.cap {
                let n = ks
                    .sent
                    .iter()
                    .filter(|(r, t)| *r == run.rule && *t > since(cap.per))
                    .count();
                if n >= cap.count as usize {
                    let reason = Reason::RuleCap {
                        count: cap.count,
                        per_s: cap.per / 1_000_000,
                    };
                    suppress(ctx, Some(action_kind(action)), reason);
                    continue;
                }
            }
            if let Some(cap) = ctx.set.cap {
                let n = ks.sent.iter().filter(|(_, t)| *t > since(cap.per)).count();
                if n >= cap.count as usize {
                    let reason = Reason::Cap {
                        count: cap.count,
                        per_s: cap.per / 1_000_000,
                    };
                    suppress(ctx, Some(action_kind(action)), reason);
                    continue;
                }
            }
            if let Some(q) = rule.quiet
                && let Some(end) = quiet_end(at, q, &tz)
            {
                if q.hold_up_to
                    .is_some_and(|h| end.as_micros() - at.as_micros() > h)
                {
                    suppress(
                        ctx,
                        Some(action_kind(action)),
                        Reason::QuietHours { until: end },
                    );
                    continue;
                }
                if ctx.held.map.len() >= ctx.set.limits.max_held {
                    suppress(ctx, Some(action_kind(action)), Reason::HeldQueueFull);
                    continue;
                }
                due = end;
                policy.push(format!("quiet hours in {}: held until {end}", tz_name(&tz)));
            }
            if cap_window > 0 {
                ks.sent.push((run.rule, at));
                schedule_sweep(
                    ctx,
                    ks,
                    slot_of(ks),
                    Timestamp::from_micros(at.as_micros() + cap_window),
                );
            }
        }
        let action = render(ctx, ks, action, scope, &tz, at, due);
        if let Action::Emit { event } = &action {
            ctx.emits.push(event.clone());
        }
        let mut explanation = explanation.clone();
        if let Some(cd) = rule.cooldown {
            explanation.push(format!("cooldown {}s starts", cd / 1_000_000));
        }
        explanation.extend(policy);
        let firing = Firing {
            key: format!(
                "{}@{}/{}/{}/{i}",
                rule.name,
                rule.version,
                ks.subject,
                at.as_micros()
            ),
            tenant: ctx.tenant,
            subject: ks.subject.to_string(),
            rule: rule.name.clone(),
            rule_version: rule.version,
            action,
            matched_at: at,
            due,
            bindings: bindings.clone(),
            explanation,
        };
        if due > at {
            hold(ctx.held, firing);
        } else {
            ctx.stats.firings += 1;
            ctx.out.firings.push(firing);
        }
    }
}

fn slot_of(ks: &KeyState) -> u32 {
    ks.slot
}

fn hold(held: &mut Held, f: Firing) {
    held.seq += 1;
    held.map.insert((f.due, held.seq), f);
}

fn action_kind(a: &CAction) -> &'static str {
    match a {
        CAction::Notify { .. } => "notify",
        CAction::Coupon { .. } => "coupon",
        CAction::OpenConversation(_) => "open_conversation",
        CAction::Touchpoint(_) => "touchpoint",
        CAction::Webhook { .. } => "webhook",
        CAction::Emit { .. } => "emit",
    }
}

fn render(
    ctx: &Ctx<'_>,
    ks: &KeyState,
    action: &CAction,
    scope: Scope<'_>,
    tz: &TimeZone,
    at: Timestamp,
    due: Timestamp,
) -> Action {
    match action {
        CAction::Notify { channels, template } => Action::Notify {
            channels: channels.clone(),
            text: template.render(scope, tz),
            template: template.source.clone(),
        },
        CAction::Coupon {
            offer,
            value_minor,
            currency,
            expires_in,
            channels,
            template,
        } => Action::Coupon {
            offer: offer.clone(),
            value_minor: *value_minor,
            currency: currency.clone(),
            expires_at: Timestamp::from_micros(due.as_micros() + expires_in),
            single_use: true,
            channels: channels.clone(),
            text: template.render(scope, tz),
        },
        CAction::OpenConversation(t) => Action::OpenConversation {
            subject: t.render(scope, tz),
        },
        CAction::Touchpoint(t) => Action::Touchpoint {
            text: t.render(scope, tz),
        },
        CAction::Webhook { url, secret } => Action::Webhook {
            url: url.clone(),
            secret: secret.clone(),
        },
        CAction::Emit { ty, place, fields } => {
            let mut attributes = Attributes::new();
            for (k, e) in fields {
                attributes.set(k, e.eval(scope).to_owned_value());
            }
            let place = place.as_ref().and_then(|p| match p.eval(scope) {
                ValueRef::Null => None,
                v => Some(v.to_string()),
            });
            Action::Emit {
                event: ContextEvent {
                    id: format!("emit:{}/{}/{}", ty, ks.subject, at.as_micros()),
                    tenant: ctx.tenant,
                    subject: ks.subject.to_string(),
                    event_type: ty.clone(),
                    time: at,
                    place,
                    attributes,
                },
            }
        }
    }
}

fn bindings(rule: &Rule, run: &Run) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (step, rec) in rule.steps.iter().zip(&run.recs) {
        let Some(alias) = &step.alias else { continue };
        out.insert(format!("{alias}.time"), Value::Time(rec.time));
        for (name, v) in bound_values(step, rec) {
            out.insert(format!("{alias}.{name}"), v.clone());
        }
    }
    out
}

fn explain(rule: &Rule, run: &Run) -> Vec<String> {
    let mut lines = Vec::with_capacity(rule.steps.len());
    for (i, (step, rec)) in rule.steps.iter().zip(&run.recs).enumerate() {
        let what = match step.kind {
            CStepKind::Absent { .. } => format!("nothing of that kind until {}", rec.time),
            CStepKind::History { .. } => format!("found in history at {}", rec.time),
            CStepKind::Table { .. } => format!("table row as of {}", rec.time),
            CStepKind::Event { .. } => format!("at {}", rec.time),
        };
        let mut line = format!("{}. `{}` — {what}", i + 1, step.text);
        let vals: Vec<String> = bound_values(step, rec)
            .map(|(k, v)| match &step.alias {
                Some(a) => format!("{a}.{k}={v}"),
                None => format!("{k}={v}"),
            })
            .collect();
        if !vals.is_empty() {
            line.push_str(&format!(" ({})", vals.join(", ")));
        }
        lines.push(line);
    }
    lines
}

/// If `at` falls in quiet hours in `tz`, the instant they end.
pub(crate) fn quiet_end(at: Timestamp, q: Quiet, tz: &TimeZone) -> Option<Timestamp> {
    let z = jiff::Timestamp::from_microsecond(at.as_micros())
        .ok()?
        .to_zoned(tz.clone());
    let m = z.hour() as u32 * 60 + z.minute() as u32;
    let inside = if q.start < q.end {
        m >= q.start && m < q.end
    } else {
        m >= q.start || m < q.end
    };
    if !inside {
        return None;
    }
    let mut date = z.date();
    if q.start > q.end && m >= q.start {
        date = date.tomorrow().ok()?;
    }
    let end = date
        .at((q.end / 60) as i8, (q.end % 60) as i8, 0, 0)
        .to_zoned(tz.clone())
        .ok()?;
    Some(Timestamp::from_micros(end.timestamp().as_microsecond()))
}

fn tz_name(tz: &TimeZone) -> String {
    tz.iana_name().unwrap_or("UTC").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_wrap_midnight_in_the_customers_zone() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let q = Quiet {
            start: 22 * 60,
            end: 7 * 60,
            hold_up_to: None,
        };
        let t = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
        // 23:30 in Berlin (CET, UTC+1) → held until 07:00 the next morning.
        assert_eq!(
            quiet_end(t("2026-12-01T22:30:00Z"), q, &berlin),
            Some(t("2026-12-02T06:00:00Z"))
        );
        // 05:00 in Berlin → until 07:00 the same day.
        assert_eq!(
            quiet_end(t("2026-12-02T04:00:00Z"), q, &berlin),
            Some(t("2026-12-02T06:00:00Z"))
        );
        // 15:00 in Berlin is not quiet; 15:00 UTC would be in Tokyo (00:00).
        assert_eq!(quiet_end(t("2026-12-01T14:00:00Z"), q, &berlin), None);
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            quiet_end(t("2026-12-01T15:00:00Z"), q, &tokyo),
            Some(t("2026-12-01T22:00:00Z"))
        );
    }
}
