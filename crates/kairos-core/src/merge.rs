//! Customer-level decisions: adding an identity, merging two customers.

use crate::error::DomainError;
use crate::event::{Actor, EventData, NewEvent};
use crate::identity::Identity;
use crate::ids::CustomerId;
use crate::timestamp::Timestamp;

/// What adding an identity does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddIdentity {
    /// The customer already has it: nothing to write.
    AlreadyThere,
    /// Append this event.
    Append(Box<NewEvent>),
}

/// Decides adding `identity` to `customer`, given who owns it now (`owner`, after merges).
/// An identity owned by another customer is refused without naming that customer
/// (checklist C07); staff merge the two customers instead.
pub fn add_identity(
    customer: CustomerId,
    identity: Identity,
    owner: Option<CustomerId>,
    now: Timestamp,
    actor: &Actor,
) -> Result<AddIdentity, DomainError> {
    match owner {
        Some(o) if o == customer => Ok(AddIdentity::AlreadyThere),
        Some(_) => Err(DomainError::Conflict(
            "this identity belongs to another customer; merge the two customers instead".into(),
        )),
        None => Ok(AddIdentity::Append(Box::new(NewEvent::new(
            now,
            actor,
            EventData::IdentityAdded {
                customer_id: customer,
                identity,
            },
        )))),
    }
}

/// Decides merging `from` into `into`. Both must exist and be live (not merged away).
pub fn merge(
    into: CustomerId,
    from: CustomerId,
    now: Timestamp,
    actor: &Actor,
) -> Result<NewEvent, DomainError> {
    if into == from {
        return Err(DomainError::invalid(
            "other",
            "a customer cannot be merged with itself",
        ));
    }
    Ok(NewEvent::new(
        now,
        actor,
        EventData::CustomersMerged { into, from },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_of_another_customer_is_refused_without_naming_them() {
        let (a, b) = (CustomerId::new(), CustomerId::new());
        let err = add_identity(
            a,
            Identity::email("x@example.org").unwrap(),
            Some(b),
            Timestamp::from_micros(0),
            &Actor::System,
        )
        .unwrap_err();
        assert!(!err.to_string().contains(&b.to_string()));
    }

    #[test]
    fn self_merge_is_refused() {
        let a = CustomerId::new();
        assert!(merge(a, a, Timestamp::from_micros(0), &Actor::System).is_err());
    }
}
