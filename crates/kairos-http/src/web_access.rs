//! What the web UI's customer portal (`kairos-web`) reads of the shared state beyond the
//! store: the keyed-pseudonym key, the public base URL, the search index, the blob store.

use crate::AppState;
use std::sync::Arc;

impl AppState {
    /// The server key keyed pseudonyms are made with (the visitor-token key): deflection
    /// and vote marks, and the portal's per-client request counts.
    pub async fn pseudonym_key(
        &self,
    ) -> Result<[u8; kairos_store::keys::SIGNING_KEY_LEN], kairos_store::StoreError> {
        self.visitor_key().await
    }

    /// The base of absolute URLs handed to people (links in mail): the configured public
    /// URL, else the listen address — never the request's `Host`, which the client chooses.
    pub fn public_base_url(&self) -> Option<&str> {
        self.base_url()
    }

    /// The search index, when search is enabled.
    pub fn search_index(&self) -> Option<Arc<kairos_search::SearchIndex>> {
        self.search.clone()
    }

    /// The attachment store, when one is configured.
    pub fn blob_store(&self) -> Option<&kairos_store::blobs::BlobStore> {
        self.blobs.as_ref()
    }
}
