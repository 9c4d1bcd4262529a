//! The live event stream resumes from any `seq` and misses nothing.

use crate::helpers::spawn;
use axum::body::Body;
use futures::StreamExt;
use http::Request;
use http_body_util::BodyStream;
use kairos_core::party::Role;
use tower::ServiceExt;

/// Reads SSE frames until `n` events with ids have arrived; returns their ids.
async fn read_ids(body: Body, n: usize) -> Vec<i64> {
    let mut stream = BodyStream::new(body);
    let mut text = String::new();
    let mut ids = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while ids.len() < n {
        let frame = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events arrive in time")
            .expect("stream open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        ids = text
            .lines()
            .filter_map(|l| l.strip_prefix("id: ").or_else(|| l.strip_prefix("id:")))
            .map(|v| v.trim().parse().unwrap())
            .collect();
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_delivers_live_events_and_resumes_from_last_event_id() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    app.inbound(&admin, "email", "email", "a@example.org", "before", None)
        .await; // seqs 2..=5
    let open = |last: Option<&str>| {
        let mut b = Request::builder()
            .uri("/api/v1/events/stream?after=0")
            .header("authorization", format!("Bearer {admin}"));
        if let Some(l) = last {
            b = b.header("last-event-id", l);
        }
        b.body(Body::empty()).unwrap()
    };
    let response = app.router.clone().oneshot(open(None)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = response.into_body();
    let writer = {
        let admin = admin.clone();
        let router = app.router.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let req = Request::builder()
                .method("POST")
                .uri("/api/v1/inbound")
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .body(Body::from(r#"{"channel":"chat","from":{"kind":"email","value":"a@example.org"},"body":"live"}"#))
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        })
    };
    let ids = read_ids(body, 6).await;
    assert_eq!(writer.await.unwrap(), 201);
    assert_eq!(
        ids,
        vec![1, 2, 3, 4, 5, 6],
        "history, then the live event, in order"
    );
    // Reconnecting with Last-Event-ID resumes right after it.
    let resumed = app.router.clone().oneshot(open(Some("4"))).await.unwrap();
    assert_eq!(read_ids(resumed.into_body(), 2).await, vec![5, 6]);
    // Customers may not read the tenant log.
    let customer_id = app
        .store
        .events(t, 0, 10)
        .await
        .unwrap()
        .iter()
        .find_map(|e| e.data.customer())
        .unwrap();
    let customer = app.token(t, Role::Customer, Some(customer_id)).await;
    assert_eq!(
        app.head_only("GET", "/api/v1/events/stream", Some(&customer))
            .await
            .0,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_end_when_the_server_shuts_down() {
    let app = spawn().await;
    let t = app.tenant("acme").await;
    let admin = app.token(t, Role::Admin, None).await;
    let req = Request::builder()
        .uri("/api/v1/events/stream")
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(req).await.unwrap();
    let mut body = BodyStream::new(response.into_body());
    // The history arrives, then the stream waits for news.
    assert!(body.next().await.is_some());
    app.state.begin_shutdown();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(frame) = body.next().await {
            frame.unwrap();
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream ends promptly so draining does not wait 30 s"
    );
}
