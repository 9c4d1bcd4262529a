//! Checklist A01–A07: every route × every role × own/other tenant × own/other object, built
//! as a table. Only the allowed cells succeed; every refused cell answers 401/403/404 (or 400
//! for smuggled fields, 422 for foreign references) with a problem document and changes
//! nothing; a 404 for another tenant's object is byte-identical to the 404 for an id that
//! does not exist; no response carries secrets, other callers' tokens or tenant B's ids.

mod checks;
mod fixtures;
mod forum;
mod run;
mod table;

use crate::helpers::{Backend, spawn_with_search};
use run::run_matrix;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_role_tenant_and_object_cell_allows_only_what_it_should() {
    let (app, _index) = spawn_with_search(Backend::Sqlite).await.expect("sqlite");
    run_matrix(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_role_tenant_and_object_cell_allows_only_what_it_should_on_postgres() {
    let Some((app, _index)) = spawn_with_search(Backend::Postgres).await else {
        return;
    };
    run_matrix(&app).await;
}
