//! Who is on a live socket or behind a chat request: a widget visitor (by visitor token),
//! a customer, or a staff member (by API token or staff session).

use super::hub::Credential;
use super::visitor;
use crate::AppState;
use crate::auth::{Principal, Via};
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use http::request::Parts;
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{CustomerId, PartyId, TenantId};
use kairos_core::party::Role;
use kairos_core::upload::Uploader;
use uuid::Uuid;

/// A widget visitor's device: its id and the identity they write from.
#[derive(Clone, Debug)]
pub(crate) struct Device {
    /// The id in their visitor token.
    pub id: Uuid,
    /// The `device` identity made of it.
    pub identity: Identity,
}

/// Who is calling.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// Their tenant.
    pub tenant: TenantId,
    /// Their role (`customer` for visitors).
    pub role: Role,
    /// The staff member, if one.
    pub party: Option<PartyId>,
    /// The customer, once known (a new visitor has none until they write).
    pub customer: Option<CustomerId>,
    /// A widget visitor's device.
    pub device: Option<Device>,
    /// What authenticated them (sockets are closed when it ends).
    pub credential: Credential,
}

/// Why a visitor token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VisitorRefusal {
    /// Forged, malformed or expired.
    Invalid,
    /// The store or the key could not be read; try again.
    Unavailable,
}

impl Caller {
    /// The caller a principal (API token or staff session) names.
    pub(crate) fn from_principal(p: Principal) -> Self {
        let credential = match p.via {
            Via::Session { hash, .. } => Credential::Session(hash),
            Via::Token(_) => Credential::Bearer,
        };
        Self {
            tenant: p.tenant_id,
            role: p.role,
            party: p.party_id,
            customer: p.customer_id,
            device: None,
            credential,
        }
    }

    /// The visitor a visitor token (`v1.…`) names, with their customer if they wrote before.
    pub(crate) async fn visitor(state: &AppState, token: &str) -> Result<Self, VisitorRefusal> {
        let key = state
            .visitor_key()
            .await
            .map_err(|_| VisitorRefusal::Unavailable)?;
        let v = visitor::verify(&key, token, super::socket::unix_now())
            .ok_or(VisitorRefusal::Invalid)?;
        let identity = Identity::parse(
            IdentityKind::Device,
            &v.device.simple().to_string(),
            None,
            None,
        )
        .map_err(|_| VisitorRefusal::Invalid)?;
        let customer = state
            .store
            .customer_by_identity(v.tenant_id, &identity)
            .await
            .map_err(|_| VisitorRefusal::Unavailable)?;
        Ok(Self {
            tenant: v.tenant_id,
            role: Role::Customer,
            party: None,
            customer,
            device: Some(Device {
                id: v.device,
                identity,
            }),
            credential: Credential::Bearer,
        })
    }

    /// Who they upload as: a staff member, a customer, or a visitor's device until they
    /// become one. `None`: a caller that cannot upload (a token bound to nobody).
    pub(crate) fn uploader(&self) -> Option<Uploader> {
        match (self.role, self.party, self.customer, &self.device) {
            (Role::Admin | Role::Agent, Some(p), _, _) => Some(Uploader::Party(p)),
            (Role::Customer, _, Some(c), _) => Some(Uploader::Customer(c)),
            (Role::Customer, _, None, Some(d)) => Some(Uploader::Device(d.id)),
            _ => None,
        }
    }

    /// Everyone whose uploads this caller may attach: their own, and a visitor's device
    /// uploads made before their first message made them a customer.
    pub(crate) fn uploaders(&self, customer: Option<CustomerId>) -> Vec<Uploader> {
        let mut all = Vec::new();
        if let (Role::Admin | Role::Agent, Some(p)) = (self.role, self.party) {
            all.push(Uploader::Party(p));
        }
        if self.role == Role::Customer {
            if let Some(c) = customer.or(self.customer) {
                all.push(Uploader::Customer(c));
            }
            if let Some(d) = &self.device {
                all.push(Uploader::Device(d.id));
            }
        }
        all
    }

    /// The actor of what they do (`customer`: the customer they are now, if any).
    pub(crate) fn actor(&self, customer: Option<CustomerId>) -> Actor {
        match (self.role, customer) {
            (Role::Customer, Some(id)) => Actor::Customer { id },
            (Role::Customer, None) => Actor::System,
            (role, _) => Actor::Party {
                id: self.party,
                role,
            },
        }
    }
}

/// The caller of an HTTP request: a visitor token or API token as `Authorization: Bearer`,
/// or a staff session cookie (with its CSRF token on a POST). Principals go through the
/// [`Principal`] extractor, so staff requests are audited like any other.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let visitor_token = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| t.starts_with("v1."));
        if let Some(token) = visitor_token {
            return match Self::visitor(state, token).await {
                Ok(c) => Ok(c),
                Err(VisitorRefusal::Invalid) => Err(ApiError::unauthenticated()),
                Err(VisitorRefusal::Unavailable) => {
                    Err(ApiError::internal("the visitor key could not be read"))
                }
            };
        }
        Principal::from_request_parts(parts, state)
            .await
            .map(Self::from_principal)
    }
}
