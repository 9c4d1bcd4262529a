//! "My data": what Kairos holds about the customer (profile, identities), their consents
//! with receipts (given and withdrawn through the consent ledger, one click each way:
//! checklist N09, N10), their restrictions and objections (Art. 18, 21, 22), the export
//! archive (Art. 15, 20) and a request for erasure (Art. 17), which staff carry out.

use super::session::{Me, posted, signed_in};
use super::{OrPortal, PortalError, PortalLayout};
use crate::i18n::Lang;
use crate::pages::render;
use crate::time::{When, when};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, header};
use kairos_core::consent::{
    self, ConsentAction, ConsentCommand, LegalBasis, PrivacySettings, SETTINGS_KEY,
};
use kairos_core::message::Body;
use kairos_core::restriction::RestrictionsCommand;
use kairos_core::tenant::Tenant;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

/// The version of the consent text the portal shows (recorded on every portal consent).
pub(crate) const NOTICE_VERSION: &str = "portal-1";

/// One purpose and where the customer's consent stands.
struct Purpose {
    name: String,
    granted: bool,
}

/// One consent record.
struct Record {
    id: String,
    purpose: String,
    granted: bool,
    at: When,
}

#[derive(Template)]
#[template(path = "portal/data.html")]
struct DataPage {
    l: Lang,
    layout: PortalLayout,
    csrf: String,
    name: String,
    identities: Vec<(&'static str, String)>,
    since: When,
    purposes: Vec<Purpose>,
    records: Vec<Record>,
    profiling: bool,
    proactive: bool,
    automation: bool,
    /// The controller's name and privacy policy, when the tenant configured them.
    controller: Option<(String, String)>,
    /// What just changed (`consent`, `restrictions`), for a confirmation.
    saved: &'static str,
}

async fn privacy(state: &AppState, t: &Tenant) -> Result<PrivacySettings, ApiError> {
    Ok(state
        .store
        .setting(t.id, SETTINGS_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

async fn show(
    state: &AppState,
    l: Lang,
    t: &Tenant,
    me: &Me,
    saved: &'static str,
) -> Result<Response, PortalError> {
    let customer = state
        .store
        .customer(t.id, me.customer)
        .await
        .or_portal(l, t)?
        .ok_or_else(|| PortalError::new(l, Some(t), ApiError::unauthenticated()))?;
    let settings = privacy(state, t).await.or_portal(l, t)?;
    let records = state
        .store
        .consents(t.id, me.customer)
        .await
        .or_portal(l, t)?;
    let standing = consent::current(&records);
    let purposes = settings
        .purposes
        .iter()
        .map(|p| Purpose {
            name: p.clone(),
            granted: standing
                .get(p.as_str())
                .is_some_and(|r| r.command.action == ConsentAction::Grant),
        })
        .collect();
    let restrictions = state
        .store
        .restrictions(t.id, me.customer)
        .await
        .or_portal(l, t)?;
    Ok(render(&DataPage {
        l,
        layout: PortalLayout::new(l, t, "/data", Some(&me.csrf), "data"),
        csrf: me.csrf.clone(),
        name: customer.display_name.clone().unwrap_or_default(),
        identities: customer
            .identities
            .iter()
            .map(|i| (i.kind.as_str(), i.value.clone()))
            .collect(),
        since: when(customer.created_at, l),
        purposes,
        records: records
            .iter()
            .rev()
            .map(|r| Record {
                id: r.id.to_string(),
                purpose: r.command.purpose.clone(),
                granted: r.command.action == ConsentAction::Grant,
                at: when(r.at, l),
            })
            .collect(),
        profiling: restrictions.profiling,
        proactive: restrictions.proactive,
        automation: restrictions.automation,
        controller: settings.controller.map(|c| (c.name, c.policy_url)),
        saved,
    }))
}

/// The page's query: what was just saved.
#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /portal/{t}/data`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: Result<Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    let saved = match query.ok().and_then(|Query(q)| q.saved).as_deref() {
        Some("consent") => "consent",
        Some("restrictions") => "restrictions",
        _ => "",
    };
    show(&state, l, &t, &me, saved).await
}

/// The consent form's fields.
#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    purpose: String,
    /// `grant` or `withdraw`.
    #[serde(default)]
    action: String,
}

/// `POST /portal/{t}/data/consents`: gives or withdraws consent for one purpose (a record
/// with collection method `portal`).
pub(crate) async fn consent(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, form): (_, _, ConsentForm) = posted(&state, &headers, l, &slug, &body).await?;
    let action = match form.action.as_str() {
        "grant" => ConsentAction::Grant,
        "withdraw" => ConsentAction::Withdraw,
        _ => {
            return Err(PortalError::new(
                l,
                Some(&t),
                ApiError::invalid("action", "grant or withdraw"),
            ));
        }
    };
    let command = ConsentCommand {
        purpose: form.purpose,
        action,
        data_categories: Vec::new(),
        legal_basis: LegalBasis::Consent,
        method: "portal".into(),
        notice_version: NOTICE_VERSION.into(),
    }
    .validate(&privacy(&state, &t).await.or_portal(l, &t)?.purposes)
    .or_portal(l, &t)?;
    state
        .store
        .record_consent(t.id, me.customer, command, &me.actor())
        .await
        .or_portal(l, &t)?;
    Ok(Redirect::to(&format!("/portal/{slug}/data?saved=consent#consents")).into_response())
}

/// `GET /portal/{t}/data/consents/{id}/receipt`: one of the customer's own records as a
/// Kantara v1.1 consent receipt (JSON download); any other id is not found.
pub(crate) async fn receipt(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    let missing = || PortalError::new(l, Some(&t), ApiError::not_found("consent record"));
    let id: uuid::Uuid = id.parse().map_err(|_| missing())?;
    let record = state
        .store
        .consent(t.id, id)
        .await
        .or_portal(l, &t)?
        .filter(|r| r.customer_id == me.customer)
        .ok_or_else(missing)?;
    let controller = privacy(&state, &t)
        .await
        .or_portal(l, &t)?
        .controller_or_placeholder();
    let body = consent::receipt(&record, &controller, l.code());
    Ok((
        [
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"consent-receipt-{}.json\"",
                    record.id
                ),
            ),
            (header::CONTENT_TYPE, "application/json".to_owned()),
        ],
        body.to_string(),
    )
        .into_response())
}

/// `GET /portal/{t}/data/export`: the customer's data as the privacy export's zip archive
/// (the same archive as `GET /api/v1/customers/{id}/export`; docs/privacy.md).
pub(crate) async fn export(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PortalError> {
    let (t, me) = signed_in(&state, &headers, l, &slug).await?;
    let failed = |e: kairos_privacy::PrivacyError| match e {
        kairos_privacy::PrivacyError::Store(s) => PortalError::new(l, Some(&t), s),
        other => PortalError::new(l, Some(&t), ApiError::internal(other.to_string())),
    };
    let blobs = state
        .blob_store()
        .cloned()
        .ok_or_else(|| PortalError::new(l, Some(&t), ApiError::internal("no attachment store")))?;
    let document = kairos_privacy::export::gather(&state.store, &t, me.customer)
        .await
        .map_err(failed)?;
    let (zip, missing) = kairos_privacy::archive::write(&document, &blobs)
        .await
        .map_err(failed)?;
    for sha in missing {
        tracing::warn!(%sha, "attachment missing from the blob store; exported without its file");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"kairos-export-{}.zip\"", me.customer),
            ),
        ],
        zip,
    )
        .into_response())
}

/// The restrictions form: a checked box switches the processing off.
#[derive(Deserialize)]
struct RestrictionsForm {
    #[serde(default)]
    profiling: Option<String>,
    #[serde(default)]
    proactive: Option<String>,
    #[serde(default)]
    automation: Option<String>,
}

/// `POST /portal/{t}/data/restrictions`: sets all three switches as the form shows them.
pub(crate) async fn restrictions(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, form): (_, _, RestrictionsForm) = posted(&state, &headers, l, &slug, &body).await?;
    let command = RestrictionsCommand {
        profiling: Some(form.profiling.is_some()),
        proactive: Some(form.proactive.is_some()),
        automation: Some(form.automation.is_some()),
        reason: None,
    };
    state
        .store
        .set_restrictions(t.id, me.customer, command, &me.actor())
        .await
        .or_portal(l, &t)?;
    Ok(Redirect::to(&format!(
        "/portal/{slug}/data?saved=restrictions#restrictions"
    ))
    .into_response())
}

/// `POST /portal/{t}/data/erasure`: asks for erasure — a request (a new conversation) the
/// company answers; staff erase (`POST /api/v1/customers/{id}/erase`) once they have
/// checked for what the law makes them keep.
pub(crate) async fn erasure(
    State(state): State<AppState>,
    l: Lang,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, PortalError> {
    let (t, me, _): (_, _, crate::pages::login::NoFields) =
        posted(&state, &headers, l, &slug, &body).await?;
    let text = Body::new(&l.msg("portal-erasure-body"), None).or_portal(l, &t)?;
    let id = state
        .store
        .portal_new_request(
            t.id,
            me.customer,
            Some(l.msg("portal-erasure-subject")),
            text,
            &me.actor(),
        )
        .await
        .or_portal(l, &t)?;
    Ok(Redirect::to(&format!("/portal/{slug}/conversations/{id}")).into_response())
}
