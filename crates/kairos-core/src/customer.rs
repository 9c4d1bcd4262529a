//! Customers: one person (or organisation) with many identities.

use crate::identity::Identity;
use crate::ids::CustomerId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A stored customer with its identities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Its id.
    pub id: CustomerId,
    /// How staff see the name (may be empty until known).
    pub display_name: Option<String>,
    /// Every way to reach them, normalised.
    pub identities: Vec<Identity>,
    /// Set when this customer was merged into another; reads follow it.
    pub merged_into: Option<CustomerId>,
    /// When it was created.
    pub created_at: Timestamp,
}
