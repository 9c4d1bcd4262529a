//! Domain errors and the one table that gives each a stable code, kind and HTTP status.
//!
//! The core names the status because the status is part of the contract users program
//! against; the HTTP adapter is the only place that turns a [`Code`] into a response.

use thiserror::Error;

/// A stable, machine-readable error class: `(code, status, title)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// snake_case identifier, stable across versions (`customer_not_found`).
    pub code: &'static str,
    /// HTTP status the edge answers with.
    pub status: u16,
    /// Short human title (RFC 9457 `title`).
    pub title: &'static str,
}

impl Code {
    /// The request was malformed or a value failed validation.
    pub const INVALID_INPUT: Code = Code {
        code: "invalid_input",
        status: 422,
        title: "Invalid input",
    };
    /// The object does not exist *for this caller* (also used for other tenants' objects).
    pub const NOT_FOUND: Code = Code {
        code: "not_found",
        status: 404,
        title: "Not found",
    };
    /// The state of the object forbids the change.
    pub const CONFLICT: Code = Code {
        code: "conflict",
        status: 409,
        title: "Conflict",
    };
    /// Authentication missing or invalid.
    pub const UNAUTHENTICATED: Code = Code {
        code: "unauthenticated",
        status: 401,
        title: "Authentication required",
    };
    /// Authenticated, but the role may not do this.
    pub const FORBIDDEN: Code = Code {
        code: "forbidden",
        status: 403,
        title: "Forbidden",
    };
    /// Something on our side failed; details are logged, not shown.
    pub const INTERNAL: Code = Code {
        code: "internal",
        status: 500,
        title: "Internal error",
    };
    /// A dependency (database) is unavailable; retry later.
    pub const UNAVAILABLE: Code = Code {
        code: "unavailable",
        status: 503,
        title: "Service unavailable",
    };
}

/// Every error type that may reach a user knows its [`Code`].
pub trait ErrorCode {
    /// The stable class of this error.
    fn code(&self) -> Code;
}

/// Errors the domain itself raises when a rule is broken.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// A value failed validation; `field` names the offending input.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which input (JSON pointer-ish name, e.g. `from.value`).
        field: &'static str,
        /// What is wrong, in words a user can act on.
        reason: String,
    },
    /// An object was not found (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl ErrorCode for DomainError {
    fn code(&self) -> Code {
        match self {
            DomainError::Invalid { .. } => Code::INVALID_INPUT,
            DomainError::NotFound(_) => Code::NOT_FOUND,
            DomainError::Conflict(_) => Code::CONFLICT,
        }
    }
}
