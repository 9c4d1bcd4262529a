//! Parties and their roles.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a party may do in a tenant. A token or session carries exactly one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the tenant: settings, staff, tokens, everything an agent may do.
    Admin,
    /// Works conversations and customers.
    Agent,
    /// A customer, acting on their own data only.
    Customer,
    /// A community expert (answers questions in the commons).
    Expert,
    /// A partner organisation with scoped rights (knowledge contributions).
    Partner,
    /// Acts for a customer under a mandate.
    Concierge,
}

impl Role {
    /// All roles, in a stable order (used by the authorization matrix).
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Agent,
        Role::Customer,
        Role::Expert,
        Role::Partner,
        Role::Concierge,
    ];

    /// The lowercase wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Customer => "customer",
            Role::Expert => "expert",
            Role::Partner => "partner",
            Role::Concierge => "concierge",
        }
    }

    /// Staff roles work the tenant's inbox (admin, agent).
    pub fn is_staff(&self) -> bool {
        matches!(self, Role::Admin | Role::Agent)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                DomainError::invalid(
                    "role",
                    "expected one of admin, agent, customer, expert, partner, concierge",
                )
            })
    }
}

/// Validates a display name: trimmed, 1–200 characters, no control characters.
pub fn parse_display_name(field: &'static str, raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if name.chars().count() > 200 {
        return Err(DomainError::invalid(field, "at most 200 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn display_names_refuse_control_characters() {
        assert!(parse_display_name("name", "Anna\r\nBcc: x").is_err());
        assert_eq!(parse_display_name("name", "  Anna  ").unwrap(), "Anna");
    }
}
