//! Who asks. Every search takes a [`Scope`]; there is no other way to search, so a caller
//! cannot forget the tenant or the asker's rights.

use crate::document::{ANONYMOUS, CUSTOMERS, OWNER_PREFIX, PARTNER_PREFIX};
use kairos_core::ids::{CustomerId, TenantId};

/// Partner grants beyond this many categories are ignored (a guard, not a business rule).
const MAX_GRANTS: usize = 1_000;

/// Who is searching, and what that entitles them to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asker {
    /// A visitor who is not signed in: published public articles and forum content.
    Anonymous,
    /// A signed-in customer: published public and customers-only content, and their own
    /// conversations and messages (without internal notes).
    Customer(CustomerId),
    /// A partner organisation: what anonymous visitors find, plus the non-internal articles
    /// in the categories granted to it, in every state.
    Partner {
        /// The granted categories.
        categories: Vec<String>,
    },
    /// The tenant's staff: everything of the tenant, internal content, conversations and
    /// messages included.
    Staff,
}

/// The tenant searched and who searches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The only tenant whose documents can match.
    pub tenant: TenantId,
    /// Who asks.
    pub asker: Asker,
}

impl Scope {
    /// A scope for `asker` in `tenant`.
    pub fn new(tenant: TenantId, asker: Asker) -> Self {
        Scope { tenant, asker }
    }

    /// The audience tokens a matching document must carry one of, or `None` for staff
    /// (who see every document of the tenant).
    pub fn audience_terms(&self) -> Option<Vec<String>> {
        match &self.asker {
            Asker::Staff => None,
            Asker::Anonymous => Some(vec![ANONYMOUS.to_owned()]),
            Asker::Customer(c) => Some(vec![CUSTOMERS.to_owned(), format!("{OWNER_PREFIX}{c}")]),
            Asker::Partner { categories } => {
                let mut terms = vec![ANONYMOUS.to_owned()];
                terms.extend(
                    categories
                        .iter()
                        .take(MAX_GRANTS)
                        .map(|c| format!("{PARTNER_PREFIX}{c}")),
                );
                Some(terms)
            }
        }
    }
}
