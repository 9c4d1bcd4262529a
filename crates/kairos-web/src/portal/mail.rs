//! The sign-in mail: a plain-text message in the reader's language, from the tenant's
//! support address, queued in the mail outbox like every other mail (the outbox worker
//! relays it and retries).

use crate::i18n::Lang;
use kairos_core::tenant::Tenant;
use kairos_http::AppState;
use kairos_mail::outbound::compose::{Draft, render};
use kairos_store::mail::OutboxMail;

/// Why a link could not be queued (logged; the person sees the same page either way).
#[derive(Debug, thiserror::Error)]
pub(crate) enum LinkMailError {
    /// The tenant has no support address to send from.
    #[error("the tenant has no support address to send from")]
    NoSender,
    /// The server does not know its public URL.
    #[error("no public URL is configured (KAIROS_PUBLIC_URL)")]
    NoBaseUrl,
    /// The mail could not be built.
    #[error(transparent)]
    Compose(#[from] kairos_mail::outbound::compose::ComposeError),
    /// The store refused.
    #[error(transparent)]
    Store(#[from] kairos_store::StoreError),
}

/// The text of the mail: greeting, the link, how long it works, what to do if unasked.
pub(crate) fn text(l: Lang, tenant: &str, link: &str, minutes: i64) -> String {
    format!(
        "{}\n\n{}\n\n{link}\n\n{}\n\n{}\n",
        l.msg("portal-mail-hello"),
        l.msg_with("portal-mail-intro", "tenant", tenant),
        l.msg_with("portal-mail-expiry", "minutes", minutes),
        l.msg("portal-mail-ignore"),
    )
}

/// Composes the sign-in mail for `to` with `token` and queues it.
pub(crate) async fn send_link(
    state: &AppState,
    tenant: &Tenant,
    to: &str,
    token: &str,
    l: Lang,
) -> Result<(), LinkMailError> {
    let (from, from_name) = kairos_mail::outbound::worker::sender(&state.store, tenant.id).await?;
    let from = from.ok_or(LinkMailError::NoSender)?;
    let base = state.public_base_url().ok_or(LinkMailError::NoBaseUrl)?;
    let link = format!(
        "{base}/portal/{}/link?token={token}&lang={}",
        tenant.slug.as_str(),
        l.code()
    );
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let draft = Draft {
        from: from.clone(),
        from_name: from_name.or_else(|| Some(tenant.name.clone())),
        to: to.to_owned(),
        subject: l.msg_with("portal-mail-subject", "tenant", &tenant.name),
        text: text(l, &tenant.name, &link, super::signin::LINK_MINUTES),
        html: None,
        message_id: format!("kairos.portal.{}@{domain}", uuid::Uuid::now_v7().simple()),
        thread: Vec::new(),
        automatic: false,
    };
    let mail = OutboxMail {
        id: uuid::Uuid::now_v7(),
        tenant_id: tenant.id,
        message_id: None,
        mail_from: from,
        recipient: to.to_owned(),
        raw: render(&draft)?,
        attempts: 0,
    };
    state
        .store
        .outbox_enqueue(&mail, kairos_store::now())
        .await?;
    Ok(())
}
