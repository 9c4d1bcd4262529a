//! Admin: channels — support addresses, the sender and acknowledgement (the SMTP relay
//! itself is the operator's `--smtp-relay`), IMAP mailboxes, provider channels (Twilio,
//! Telegram, Meta) and webhook signing secrets. Secrets are shown once, in the answer to
//! the form that created them, and only masked afterwards. Every form calls the same
//! validation as the API (`kairos_http::admin`).

use super::canned::Empty;
use super::{AdminFrame, Refusal, admin, admin_form, refusal, unprocessable};
use crate::error::{OrPage, PageError};
use crate::forms::StaffForm;
use crate::i18n::Lang;
use crate::pages::{Layout, render};
use crate::time::{When, when};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kairos_core::mail::{AutoReply, MailSettings};
use kairos_http::admin as ops;
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

const SECTION: &str = "/admin/channels";

/// One IMAP mailbox as listed (never its password).
struct Mailbox {
    id: String,
    host: String,
    port: u16,
    security: String,
    username: String,
    mailbox: String,
    last_uid: u32,
    polled: Option<When>,
    last_error: String,
}

/// One provider channel as listed: its settings with secrets masked.
struct Provider {
    id: String,
    name: String,
    provider: String,
    webhook_url: String,
    settings: Vec<(String, String)>,
}

/// A secret shown this once: what it is, and its values.
pub(crate) struct Revealed {
    title: String,
    values: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin/channels.html")]
struct ChannelsPage {
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    addresses: Vec<String>,
    mail: MailSettings,
    auto_subject: String,
    auto_text: String,
    mailboxes: Vec<Mailbox>,
    providers: Vec<Provider>,
    secrets: Vec<(String, When)>,
    /// The form a refusal belongs to (`address`, `mail`, `imap`, `provider`, `secret`).
    refused_form: &'static str,
    refusal: Refusal,
    revealed: Option<Revealed>,
    saved: bool,
}

impl ChannelsPage {
    /// The refusal's text if it belongs to `form` and names `field` (or, with `""`, any
    /// field not shown separately).
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.refused_form != form {
            return None;
        }
        self.refusal.about(field)
    }

    /// The refusal's text if it belongs to `form`.
    fn form_error(&self, form: &str) -> Option<&str> {
        (self.refused_form == form && !self.refusal.text.is_empty())
            .then_some(self.refusal.text.as_str())
    }
}

/// The page's query.
#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

fn pairs(v: &serde_json::Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let text = v
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    p: &Principal,
    l: Lang,
    layout: Layout,
    frame: AdminFrame,
    refused: (&'static str, Refusal),
    revealed: Option<Revealed>,
    saved: bool,
) -> Result<Response, PageError> {
    let t = p.tenant_id;
    let addresses = state.store.mail_addresses(t).await.or_page(l)?;
    let mail = ops::mail_settings(state, p).await.or_page(l)?;
    let mailboxes = state
        .store
        .imap_accounts(Some(t))
        .await
        .or_page(l)?
        .into_iter()
        .map(|a| Mailbox {
            id: a.id.to_string(),
            host: a.host,
            port: a.port,
            security: a.security,
            username: a.username,
            mailbox: a.mailbox,
            last_uid: a.last_uid,
            polled: a.last_polled_at.map(|at| when(at, l)),
            last_error: a.last_error.unwrap_or_default(),
        })
        .collect();
    let mut providers = Vec::new();
    for ch in state.store.provider_channels(t).await.or_page(l)? {
        let cfg = ops::stored_config(&ch).or_page(l)?;
        providers.push(Provider {
            id: ch.id.to_string(),
            webhook_url: ops::webhook_url(state, ch.id, &cfg).unwrap_or_default(),
            name: ch.name,
            provider: ch.provider,
            settings: pairs(&cfg.redacted()),
        });
    }
    let secrets = state
        .store
        .webhook_secrets(t)
        .await
        .or_page(l)?
        .into_iter()
        .map(|s| (s.name, when(s.created_at, l)))
        .collect();
    let (refused_form, refusal) = refused;
    let failed = !refusal.text.is_empty();
    let (auto_subject, auto_text) = mail
        .auto_reply
        .as_ref()
        .map(|a| (a.subject.clone(), a.text.clone()))
        .unwrap_or_default();
    let page = ChannelsPage {
        l,
        layout,
        frame,
        addresses,
        mail,
        auto_subject,
        auto_text,
        mailboxes,
        providers,
        secrets,
        refused_form,
        refusal,
        revealed,
        saved,
    };
    Ok(unprocessable(render(&page), failed))
}

/// `GET /admin/channels`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let (p, layout, frame) = admin(&state, principal, l, SECTION).await?;
    let none = ("", Refusal::default());
    show(&state, &p, l, layout, frame, none, None, q.saved.is_some()).await
}

/// Back to the page after a change, or the page again with the refusal.
async fn answer<T>(
    state: &AppState,
    posted: (Principal, Lang, Layout, AdminFrame),
    form: &'static str,
    result: Result<T, ApiError>,
) -> Result<Response, PageError> {
    let (p, l, layout, frame) = posted;
    match refusal(l, result)? {
        Ok(_) => Ok(Redirect::to("/admin/channels?saved=1").into_response()),
        Err(why) => show(state, &p, l, layout, frame, (form, why), None, false).await,
    }
}

/// The support-address form.
#[derive(Deserialize)]
pub(crate) struct AddressForm {
    #[serde(default)]
    address: String,
}

/// `POST /admin/channels/addresses`.
pub(crate) async fn add_address(
    State(state): State<AppState>,
    posted: StaffForm<AddressForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let result = ops::add_mail_address(&state, &p, &form.address).await;
    answer(&state, (p, l, layout, frame), "address", result).await
}

/// `POST /admin/channels/addresses/remove`.
pub(crate) async fn remove_address(
    State(state): State<AppState>,
    posted: StaffForm<AddressForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let result = ops::remove_mail_address(&state, &p, &form.address).await;
    answer(&state, (p, l, layout, frame), "address", result).await
}

/// The sender and acknowledgement form.
#[derive(Deserialize)]
pub(crate) struct MailForm {
    #[serde(default)]
    from_address: String,
    #[serde(default)]
    from_name: String,
    #[serde(default)]
    auto_subject: String,
    #[serde(default)]
    auto_text: String,
}

fn some(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `POST /admin/channels/mail`.
pub(crate) async fn save_mail(
    State(state): State<AppState>,
    posted: StaffForm<MailForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let auto_reply = match (some(form.auto_subject), some(form.auto_text)) {
        (None, None) => None,
        (subject, text) => Some(AutoReply {
            subject: subject.unwrap_or_default(),
            text: text.unwrap_or_default(),
        }),
    };
    let settings = MailSettings {
        from_address: some(form.from_address),
        from_name: some(form.from_name),
        auto_reply,
    };
    let result = ops::save_mail_settings(&state, &p, settings).await;
    answer(&state, (p, l, layout, frame), "mail", result).await
}

/// The IMAP form.
#[derive(Deserialize)]
pub(crate) struct ImapForm {
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    mailbox: String,
}

/// `POST /admin/channels/imap`.
pub(crate) async fn add_imap(
    State(state): State<AppState>,
    posted: StaffForm<ImapForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let port = match form.port.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<u16>()
            .map(Some)
            .map_err(|_| ApiError::invalid("port", "1–65535")),
    };
    let result = match port {
        Ok(port) => {
            let input = ops::ImapInput {
                host: form.host,
                port,
                security: some(form.security),
                username: form.username,
                password: form.password,
                mailbox: some(form.mailbox),
            };
            ops::add_imap(&state, &p, input).await
        }
        Err(e) => Err(e),
    };
    answer(&state, (p, l, layout, frame), "imap", result).await
}

/// `POST /admin/channels/imap/{id}/delete`.
pub(crate) async fn remove_imap(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, _, _) = admin_form(&state, posted, SECTION).await?;
    let id = uuid::Uuid::try_parse(&id)
        .map_err(|_| PageError::new(l, ApiError::not_found("IMAP mailbox")))?;
    if !state
        .store
        .delete_imap_account(p.tenant_id, id)
        .await
        .or_page(l)?
    {
        return Err(PageError::new(l, ApiError::not_found("IMAP mailbox")));
    }
    Ok(Redirect::to("/admin/channels?saved=1").into_response())
}

/// The provider-channel form: the provider, a name, and that provider's settings.
#[derive(Deserialize)]
pub(crate) struct ProviderForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

/// Each provider's settings fields (the form's names are `<provider>_<field>`).
const PROVIDER_FIELDS: [(&str, &[&str]); 3] = [
    (
        "twilio",
        &["account_sid", "auth_token", "phone_number", "webhook_url"],
    ),
    ("telegram", &["bot_token", "secret_token"]),
    (
        "meta",
        &[
            "app_secret",
            "verify_token",
            "access_token",
            "phone_number_id",
        ],
    ),
];

/// `POST /admin/channels/providers`: shows the page with the new channel's settings,
/// secrets included, this once.
pub(crate) async fn add_provider(
    State(state): State<AppState>,
    posted: StaffForm<ProviderForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let fields = PROVIDER_FIELDS
        .iter()
        .find(|(name, _)| *name == form.provider)
        .map(|(_, f)| *f)
        .unwrap_or_default();
    let mut config = serde_json::Map::new();
    for field in fields {
        let key = format!("{}_{field}", form.provider);
        if let Some(v) = form.fields.get(&key).and_then(|v| some(v.clone())) {
            config.insert((*field).to_owned(), serde_json::Value::String(v));
        }
    }
    let result = ops::create_channel(
        &state,
        &p,
        &form.provider,
        &form.name,
        serde_json::Value::Object(config),
    )
    .await;
    match refusal(l, result)? {
        Ok((ch, cfg)) => {
            let mut values = pairs(&cfg.to_json());
            if let Some(url) = ops::webhook_url(&state, ch.id, &cfg) {
                values.push(("webhook_url".into(), url));
            }
            let revealed = Revealed {
                title: ch.name,
                values,
            };
            let none = ("", Refusal::default());
            show(&state, &p, l, layout, frame, none, Some(revealed), true).await
        }
        Err(why) => show(&state, &p, l, layout, frame, ("provider", why), None, false).await,
    }
}

/// `POST /admin/channels/providers/{id}/delete`.
pub(crate) async fn remove_provider(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: StaffForm<Empty>,
) -> Result<Response, PageError> {
    let (p, l, _, _, _) = admin_form(&state, posted, SECTION).await?;
    if let Ok(id) = uuid::Uuid::try_parse(&id) {
        state
            .store
            .delete_provider_channel(p.tenant_id, id)
            .await
            .or_page(l)?;
    }
    Ok(Redirect::to("/admin/channels?saved=1").into_response())
}

/// The webhook-secret form.
#[derive(Deserialize)]
pub(crate) struct SecretForm {
    #[serde(default)]
    name: String,
}

/// `POST /admin/channels/secrets`: creates or rotates a signing secret and shows its value
/// this once.
pub(crate) async fn rotate_secret(
    State(state): State<AppState>,
    posted: StaffForm<SecretForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let name = form.name.trim().to_owned();
    let result = state
        .store
        .rotate_webhook_secret(p.tenant_id, &name, &p.actor())
        .await
        .map_err(ApiError::from);
    match refusal(l, result)? {
        Ok(secret) => {
            let revealed = Revealed {
                title: name,
                values: vec![("secret".into(), secret)],
            };
            let none = ("", Refusal::default());
            show(&state, &p, l, layout, frame, none, Some(revealed), true).await
        }
        Err(why) => show(&state, &p, l, layout, frame, ("secret", why), None, false).await,
    }
}

/// `POST /admin/channels/secrets/delete`.
pub(crate) async fn delete_secret(
    State(state): State<AppState>,
    posted: StaffForm<SecretForm>,
) -> Result<Response, PageError> {
    let (p, l, form, layout, frame) = admin_form(&state, posted, SECTION).await?;
    let result = state
        .store
        .delete_webhook_secret(p.tenant_id, form.name.trim(), &p.actor())
        .await
        .map_err(ApiError::from);
    answer(&state, (p, l, layout, frame), "secret", result).await
}
