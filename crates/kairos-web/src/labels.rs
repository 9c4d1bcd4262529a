//! Names of the domain's codes (status, channel, …) in the reader's language. Unknown codes
//! show as they are.

use crate::i18n::Lang;

impl Lang {
    /// A conversation status (`open`, …; `any` for the filter's "all").
    pub fn status(self, code: &str) -> String {
        match code {
            "open" => self.msg("status-open"),
            "pending" => self.msg("status-pending"),
            "resolved" => self.msg("status-resolved"),
            "closed" => self.msg("status-closed"),
            "any" => self.msg("filter-any"),
            other => other.to_owned(),
        }
    }

    /// A priority.
    pub fn priority(self, code: &str) -> String {
        match code {
            "low" => self.msg("priority-low"),
            "normal" => self.msg("priority-normal"),
            "high" => self.msg("priority-high"),
            "urgent" => self.msg("priority-urgent"),
            other => other.to_owned(),
        }
    }

    /// A channel (`""` for the filter's "all").
    pub fn channel(self, code: &str) -> String {
        match code {
            "email" => self.msg("channel-email"),
            "chat" => self.msg("channel-chat"),
            "sms" => self.msg("channel-sms"),
            "voice" => self.msg("channel-voice"),
            "social" => self.msg("channel-social"),
            "portal" => self.msg("channel-portal"),
            "api" => self.msg("channel-api"),
            "" => self.msg("filter-any"),
            other => other.to_owned(),
        }
    }

    /// A message's direction.
    pub fn direction(self, code: &str) -> String {
        match code {
            "inbound" => self.msg("direction-inbound"),
            "outbound" => self.msg("direction-outbound"),
            "note" => self.msg("direction-note"),
            other => other.to_owned(),
        }
    }

    /// An inbox view.
    pub fn view(self, code: &str) -> String {
        match code {
            "mine" => self.msg("view-mine"),
            "unassigned" => self.msg("view-unassigned"),
            "all" => self.msg("view-all"),
            "sla" => self.msg("view-sla"),
            "tier" => self.msg("view-tier"),
            other => other.to_owned(),
        }
    }

    /// An identity kind.
    pub fn identity(self, code: &str) -> String {
        match code {
            "email" => self.msg("identity-email"),
            "phone" => self.msg("identity-phone"),
            "social" => self.msg("identity-social"),
            "device" => self.msg("identity-device"),
            other => other.to_owned(),
        }
    }

    /// An SLA metric.
    pub fn sla_metric(self, code: &str) -> String {
        match code {
            "first_response" => self.msg("sla-first-response"),
            "next_response" => self.msg("sla-next-response"),
            "resolution" => self.msg("sla-resolution"),
            other => other.to_owned(),
        }
    }

    /// Where an SLA clock stands.
    pub fn sla_state(self, code: &str) -> String {
        match code {
            "running" => self.msg("sla-due"),
            "paused" => self.msg("sla-paused"),
            "met" => self.msg("sla-met"),
            "stopped" => self.msg("sla-stopped"),
            other => other.to_owned(),
        }
    }

    /// A staff role.
    pub fn role(self, code: &str) -> String {
        match code {
            "admin" => self.msg("role-admin"),
            "agent" => self.msg("role-agent"),
            other => other.to_owned(),
        }
    }

    /// A day of the week (`mon` … `sun`).
    pub fn weekday(self, code: &str) -> String {
        match code {
            "mon" => self.msg("day-mon"),
            "tue" => self.msg("day-tue"),
            "wed" => self.msg("day-wed"),
            "thu" => self.msg("day-thu"),
            "fri" => self.msg("day-fri"),
            "sat" => self.msg("day-sat"),
            "sun" => self.msg("day-sun"),
            other => other.to_owned(),
        }
    }

    /// A consent record's action.
    pub fn consent_action(self, code: &str) -> String {
        match code {
            "grant" => self.msg("consent-grant"),
            "withdraw" => self.msg("consent-withdrawn"),
            other => other.to_owned(),
        }
    }
}
