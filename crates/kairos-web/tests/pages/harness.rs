//! The UI mounted on the real HTTP application over SQLite, driven in process.

use axum::body::Body;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use kairos_core::event::Actor;
use kairos_core::party::Role;
use kairos_core::tenant::TenantSlug;
use kairos_http::{AppState, auth};
use kairos_store::Store;
use std::sync::Arc;
use tower::ServiceExt;

/// The agent's password in every test tenant.
pub const PASSWORD: &str = "correct horse battery staple";
/// The payload that must show as text wherever it appears.
pub const XSS: &str = "<img src=x onerror=alert(1)>";

pub struct App {
    pub router: axum::Router,
    pub store: Store,
    /// The knowledge-base index, when the app was made with one.
    pub search: Option<Arc<kairos_search::SearchIndex>>,
    /// The attachment store, when the app was made with one.
    pub blobs: Option<kairos_store::blobs::BlobStore>,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// `name=value` of each `Set-Cookie`.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect()
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        self.body[at..at + self.body[at..].find('"').unwrap()].to_owned()
    }
}

/// A tenant with an agent and an admin token.
pub struct Tenant {
    pub slug: String,
    pub email: String,
    pub token: String,
}

impl App {
    pub async fn new() -> App {
        App::with_cookies(false).await
    }

    /// The app with `Secure`, `__Host-` cookies (HTTPS deployments) or without.
    pub async fn with_cookies(secure: bool) -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(dir.path()).await.unwrap();
        let blobs = kairos_store::blobs::BlobStore::open(dir.path().join("blobs")).unwrap();
        let state = AppState::new(store.clone(), Arc::new(String::new), secure)
            .with_public_url(Some("https://help.example"))
            .with_blobs(blobs.clone())
            .with_invitation_text(kairos_web::invitation_text);
        App {
            router: kairos_http::app_with(state, kairos_web::router()),
            store,
            search: None,
            blobs: Some(blobs),
            _dir: dir,
        }
    }

    /// The app with an in-memory search index, at the public address `http://kairos.test`.
    pub async fn with_search() -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(dir.path()).await.unwrap();
        let index = Arc::new(kairos_search::SearchIndex::in_memory().unwrap());
        let state = AppState::new(store.clone(), Arc::new(String::new), false)
            .with_search(index.clone())
            .with_public_url(Some("http://kairos.test"));
        App {
            router: kairos_http::app_with(state, kairos_web::router()),
            store,
            search: Some(index),
            blobs: None,
            _dir: dir,
        }
    }

    pub async fn tenant(&self, slug: &str) -> Tenant {
        let id = self
            .store
            .create_tenant(&TenantSlug::parse(slug).unwrap(), slug)
            .await
            .unwrap()
            .id;
        let email = format!("agent@{slug}.example");
        let hash = auth::hash_password(PASSWORD).unwrap();
        self.store
            .create_party(
                id,
                Role::Agent,
                Some(&email),
                "Ada Agent",
                Some(&hash),
                &Actor::System,
            )
            .await
            .unwrap();
        let (token, hash) = auth::new_token();
        self.store
            .create_token(id, Role::Admin, None, None, &hash, &Actor::System)
            .await
            .unwrap();
        Tenant {
            slug: slug.to_owned(),
            email,
            token,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `GET path` with `cookies` (`a=b; c=d`) and extra headers.
    pub async fn get(&self, path: &str, cookies: &str, extra: &[(&str, &str)]) -> Reply {
        let mut req = Request::get(path).header("cookie", cookies);
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A form post of `fields` with `cookies` and extra headers.
    pub async fn post(
        &self,
        path: &str,
        cookies: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req = Request::post(path)
            .header("cookie", cookies)
            .header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A JSON call to the API with the tenant's admin token.
    pub async fn api(
        &self,
        t: &Tenant,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", t.token))
            .header("content-type", "application/json");
        let body = if body.is_null() {
            Body::empty()
        } else {
            Body::from(body.to_string())
        };
        self.send(req.body(body).unwrap()).await
    }

    /// A customer e-mail whose name, subject and body are the XSS payload; returns the
    /// conversation id.
    pub async fn hostile_conversation(&self, t: &Tenant) -> String {
        let reply = self
            .api(
                t,
                "POST",
                "/api/v1/inbound",
                serde_json::json!({"channel": "email",
                    "from": {"kind": "email", "value": "eve@example.org"},
                    "display_name": XSS, "subject": XSS, "body": XSS}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        v["conversation_id"].as_str().unwrap().to_owned()
    }

    /// Adds an admin `admin@<slug>.example` to the tenant and signs them in; the cookies.
    pub async fn sign_in_admin(&self, t: &Tenant) -> String {
        let tenant = self
            .store
            .tenant_by_slug(&t.slug)
            .await
            .unwrap()
            .unwrap()
            .id;
        let email = format!("admin@{}.example", t.slug);
        let hash = auth::hash_password(PASSWORD).unwrap();
        self.store
            .create_party(
                tenant,
                Role::Admin,
                Some(&email),
                "Ann Admin",
                Some(&hash),
                &Actor::System,
            )
            .await
            .unwrap();
        let admin = Tenant {
            slug: t.slug.clone(),
            email,
            token: t.token.clone(),
        };
        self.sign_in(&admin).await
    }

    /// Signs the tenant's agent in through the form; returns the cookies to send.
    pub async fn sign_in(&self, t: &Tenant) -> String {
        let form = self.get("/login", "", &[]).await;
        let pre = form.cookies().join("; ");
        let csrf = form.csrf();
        let reply = self
            .post(
                "/login",
                &pre,
                &[
                    ("tenant", &t.slug),
                    ("email", &t.email),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
                &[],
            )
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), "/inbox");
        reply
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("kairos_session=") || c.starts_with("__Host-kairos_session="))
            .expect("a session cookie")
    }
}
