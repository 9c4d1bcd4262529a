//! Test harness: the real router over a real store, driven in-process with `oneshot`.

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use kairos_core::event::Actor;
use kairos_core::ids::TenantId;
use kairos_core::party::Role;
use kairos_core::tenant::TenantSlug;
use kairos_http::{AppState, app, auth};
use kairos_store::Store;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// Which store a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The app under test.
pub struct TestApp {
    pub store: Store,
    pub state: AppState,
    pub router: axum::Router,
    /// The attachment store the app writes to.
    pub blobs: kairos_store::blobs::BlobStore,
    _dir: Option<tempfile::TempDir>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The app on SQLite.
pub async fn spawn() -> TestApp {
    spawn_on(Backend::Sqlite)
        .await
        .expect("sqlite is always available")
}

/// The app on `backend`; `None` (with a loud notice) for PostgreSQL without `KAIROS_TEST_PG_URL`.
pub async fn spawn_on(backend: Backend) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let store = match backend {
        Backend::Sqlite => Store::open_sqlite(dir.path()).await.unwrap(),
        Backend::Postgres => kairos_store::testing::fresh_postgres("API").await?,
    };
    let blobs = kairos_store::blobs::BlobStore::open(dir.path().join("blobs")).unwrap();
    let state = AppState::new(store.clone(), Arc::new(|| "# metrics\n".to_owned()), false)
        .with_blobs(blobs.clone());
    let dir = Some(dir);
    Some(TestApp {
        store,
        blobs,
        router: app(state.clone()),
        state,
        _dir: dir,
    })
}

/// The app on `backend` with an in-memory knowledge-base search index, at the public
/// address `http://kairos.test`.
pub async fn spawn_with_search(
    backend: Backend,
) -> Option<(TestApp, Arc<kairos_search::SearchIndex>)> {
    let mut t = spawn_on(backend).await?;
    let index = Arc::new(kairos_search::SearchIndex::in_memory().unwrap());
    t.state = t
        .state
        .clone()
        .with_search(index.clone())
        .with_public_url(Some("http://kairos.test"));
    t.router = app(t.state.clone());
    Some((t, index))
}

impl TestApp {
    pub async fn tenant(&self, slug: &str) -> TenantId {
        self.store
            .create_tenant(&TenantSlug::parse(slug).unwrap(), slug)
            .await
            .unwrap()
            .id
    }

    /// A token of `role` in `tenant` (customer tokens need `customer`).
    pub async fn token(
        &self,
        tenant: TenantId,
        role: Role,
        customer: Option<kairos_core::ids::CustomerId>,
    ) -> String {
        let (token, hash) = auth::new_token();
        self.store
            .create_token(tenant, role, None, customer, &hash, &Actor::System)
            .await
            .unwrap();
        token
    }

    /// Sends a request; `token` as bearer, `body` as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a request and returns only the status and headers (for streams).
    pub async fn head_only(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, http::HeaderMap) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let response = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        (response.status(), response.headers().clone())
    }

    /// Posts an inbound touchpoint as `token`; returns the JSON answer.
    pub async fn inbound(
        &self,
        token: &str,
        channel: &str,
        kind: &str,
        value: &str,
        body: &str,
        external_id: Option<&str>,
    ) -> Reply {
        let mut v = serde_json::json!({"channel": channel, "from": {"kind": kind, "value": value}, "subject": "Hello", "body": body});
        if let Some(e) = external_id {
            v["external_id"] = Value::String(e.to_owned());
        }
        self.call("POST", "/api/v1/inbound", Some(token), Some(v))
            .await
    }

    /// The number of events on a tenant's log.
    pub async fn log_len(&self, tenant: TenantId) -> usize {
        self.store.events(tenant, 0, 100_000).await.unwrap().len()
    }
}

impl TestApp {
    /// Serves the app on a loopback port (for WebSocket tests); returns its address.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = self.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        addr
    }
}
