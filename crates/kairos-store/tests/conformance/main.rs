//! One conformance suite, run against every store: SQLite always, PostgreSQL when
//! `KAIROS_TEST_PG_URL` is set (each test gets a fresh database). `.ci/run` always sets it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conversations;
mod coupons;
mod credentials;
mod customers;
mod dashboard;
mod forum;
mod hooks;
mod hostile;
mod invitations;
mod knowledge;
mod log;
mod portal;
mod receipts;
mod tenants;

use conversations::{
    conversations_filter_and_paginate, notes_are_hidden_from_customer_reads,
    patch_changes_and_no_op_patch_writes_nothing,
};
use coupons::{
    coupons_expire_follow_merges_and_go_with_erasure,
    coupons_issue_idempotently_with_the_same_token, coupons_redeem_once_even_concurrently,
};
use credentials::{
    idempotency_records_replay_and_detect_mismatch, tokens_and_sessions_are_found_by_hash,
};
use customers::{
    identity_of_another_customer_is_refused, inbound_resolves_identities_across_channels,
    merge_joins_timelines_and_is_an_event, same_external_id_concurrently_gives_one_message,
};
use dashboard::dashboard_and_workspace_reads_count_only_their_tenant;
use forum::forum_threads_filter_moderate_convert_and_stay_in_their_tenant;
use hooks::{
    h02_webhook_inbox_accepts_an_event_once_even_concurrently,
    h03_sends_queue_once_and_receipts_converge,
    h05_purge_forgets_only_done_rows_older_than_the_cutoff, provider_channels_belong_to_one_tenant,
};
use hostile::hostile_values_are_stored_verbatim_and_queries_stay_parameterised;
use invitations::invitations_are_single_use_renewable_revocable_and_tenant_bound;
use kairos_core::identity::Identity;
use kairos_core::inbound::InboundCommand;
use kairos_core::message::{Body, Channel};
use kairos_core::tenant::TenantSlug;
use kairos_store::Store;
use knowledge::knowledge_base_revisions_states_translations_votes_and_grants;
use log::{event_log_is_gap_free_and_resumable, failing_writes_in_a_batch_roll_back_alone};
use portal::{
    portal_links_are_limited_used_once_and_open_sessions,
    portal_requests_follow_merges_and_erasure_takes_the_portal_rows,
};
use receipts::customer_receipts_are_the_newest_of_each_kind_after_a_position;
use tenants::{tenant_log_starts_at_one_and_slugs_are_unique, tenants_never_see_each_other};

/// A store under test plus what keeps it alive (temp dir or database name).
struct Harness {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    Harness {
        store,
        _dir: Some(dir),
    }
}

/// A fresh PostgreSQL database for one test, or `None` (with a loud notice) when no server
/// is configured.
async fn postgres() -> Option<Harness> {
    let Ok(url) = std::env::var("KAIROS_TEST_PG_URL") else {
        eprintln!(
            "\n*** NOTICE: KAIROS_TEST_PG_URL is not set: PostgreSQL conformance tests did NOT run ***\n"
        );
        return None;
    };
    let name = format!("kairos_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx_admin(&url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let db_url = replace_db(&url, &name);
    let store = Store::open_postgres(&db_url).await.unwrap();
    Some(Harness { store, _dir: None })
}

async fn sqlx_admin(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("KAIROS_TEST_PG_URL is set but PostgreSQL is unreachable")
}

fn replace_db(url: &str, db: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a postgres URL with a database name");
    format!("{base}/{db}")
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::sqlite().await.store).await; })*
        }
        mod postgres_backend {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(h) = super::postgres().await { super::$name(h.store).await; }
            })*
        }
    };
}

conformance!(
    tenant_log_starts_at_one_and_slugs_are_unique,
    inbound_resolves_identities_across_channels,
    same_external_id_concurrently_gives_one_message,
    merge_joins_timelines_and_is_an_event,
    identity_of_another_customer_is_refused,
    conversations_filter_and_paginate,
    patch_changes_and_no_op_patch_writes_nothing,
    notes_are_hidden_from_customer_reads,
    tenants_never_see_each_other,
    event_log_is_gap_free_and_resumable,
    failing_writes_in_a_batch_roll_back_alone,
    idempotency_records_replay_and_detect_mismatch,
    tokens_and_sessions_are_found_by_hash,
    hostile_values_are_stored_verbatim_and_queries_stay_parameterised,
    provider_channels_belong_to_one_tenant,
    h02_webhook_inbox_accepts_an_event_once_even_concurrently,
    h05_purge_forgets_only_done_rows_older_than_the_cutoff,
    h03_sends_queue_once_and_receipts_converge,
    coupons_issue_idempotently_with_the_same_token,
    coupons_redeem_once_even_concurrently,
    coupons_expire_follow_merges_and_go_with_erasure,
    knowledge_base_revisions_states_translations_votes_and_grants,
    forum_threads_filter_moderate_convert_and_stay_in_their_tenant,
    portal_links_are_limited_used_once_and_open_sessions,
    portal_requests_follow_merges_and_erasure_takes_the_portal_rows,
    dashboard_and_workspace_reads_count_only_their_tenant,
    invitations_are_single_use_renewable_revocable_and_tenant_bound,
    customer_receipts_are_the_newest_of_each_kind_after_a_position,
);

fn email_in(from: &str, body: &str, ext: Option<&str>) -> InboundCommand {
    InboundCommand {
        channel: Channel::Email,
        from: Identity::email(from).unwrap(),
        display_name: None,
        subject: Some("Hello".into()),
        body: Body::new(body, None).unwrap(),
        attachments: vec![],
        external_id: ext.map(str::to_owned),
        conversation_id: None,
    }
}

async fn tenant(store: &Store, slug: &str) -> kairos_core::ids::TenantId {
    store
        .create_tenant(&TenantSlug::parse(slug).unwrap(), slug)
        .await
        .unwrap()
        .id
}
