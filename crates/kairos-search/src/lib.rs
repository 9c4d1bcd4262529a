//! Kairos search: a full-text index (tantivy) over knowledge-base articles, forum threads and
//! posts, conversations and messages, for every tenant.
//!
//! - **Always scoped.** [`SearchIndex::search`] and [`SearchIndex::suggest`] take a [`Scope`]
//!   (tenant + [`Asker`]); the tenant and the asker's rights are applied inside this crate
//!   on every query shape, and user text is never parsed as a query language.
//! - **German and English analysis**: folding (*ä*/*ae*/*a*), Snowball stemming, German
//!   compound splitting against a shipped word list, typo tolerance, phrases, facets and
//!   escaped `<mark>` highlighting. See `docs/search.md`.
//! - **Fed from the event log** by the caller: [`SearchIndex::upsert`], `delete*`, then
//!   [`SearchIndex::commit`], which stores each tenant's last applied seq atomically with
//!   the data ([`SearchIndex::last_indexed_seq`]).
//!
//! Tantivy stays behind this crate: callers never name it. This crate must not depend on
//! the store, HTTP or an async runtime; its calls block.
#![forbid(unsafe_code)]

mod analysis;
mod document;
mod error;
mod highlight;
mod index;
mod query;
mod request;
mod schema;
mod scope;

pub use document::{Document, Kind, Language, State, Visibility};
pub use error::{Error, Result};
pub use highlight::SNIPPET_BYTES;
pub use index::{IndexOptions, SearchIndex};
pub use query::MAX_QUERY_BYTES;
pub use request::{
    FacetCount, Facets, Filters, Hit, MAX_LIMIT, MAX_OFFSET, Results, SearchRequest,
};
pub use scope::{Asker, Scope};
