//! What a search asks for and what it returns.

use crate::document::{Kind, Language, State};
use kairos_core::message::Channel;
use serde::Serialize;
use uuid::Uuid;

/// Results per page are capped at this.
pub const MAX_LIMIT: usize = 100;
/// Paging deeper than this is refused silently (the offset is capped).
pub const MAX_OFFSET: usize = 10_000;

/// Facet filters; all given filters must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only these kinds (any of them); empty means every kind.
    pub kinds: Vec<Kind>,
    /// Only this category.
    pub category: Option<String>,
    /// Only documents in this language (the query is then analysed in it alone).
    pub language: Option<Language>,
    /// Only this state.
    pub state: Option<State>,
    /// Only this channel.
    pub channel: Option<Channel>,
}

/// A search: text, filters, a page, and whether to count facets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRequest {
    /// What the person typed: words, "quoted phrases". Empty text browses by filters.
    pub text: String,
    /// Facet filters.
    pub filters: Filters,
    /// Hits per page (capped at [`MAX_LIMIT`]).
    pub limit: usize,
    /// Hits to skip (capped at [`MAX_OFFSET`]).
    pub offset: usize,
    /// Whether to count facets over all matching documents.
    pub facets: bool,
}

impl SearchRequest {
    /// A search for `text`: first 10 hits, no filters, no facets.
    pub fn new(text: impl Into<String>) -> Self {
        SearchRequest {
            text: text.into(),
            filters: Filters::default(),
            limit: 10,
            offset: 0,
            facets: false,
        }
    }

    /// With these filters.
    pub fn filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }

    /// With this page.
    pub fn page(mut self, limit: usize, offset: usize) -> Self {
        self.limit = limit;
        self.offset = offset;
        self
    }

    /// Also count facets.
    pub fn with_facets(mut self) -> Self {
        self.facets = true;
        self
    }
}

/// One value of a facet and how many matching documents have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value (wire name or category).
    pub value: String,
    /// Matching documents with it.
    pub count: u64,
}

/// Facet counts over all documents that match (in scope), most frequent first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// By kind.
    pub kind: Vec<FacetCount>,
    /// By category.
    pub category: Vec<FacetCount>,
    /// By language.
    pub language: Vec<FacetCount>,
    /// By state.
    pub state: Vec<FacetCount>,
    /// By channel.
    pub channel: Vec<FacetCount>,
}

/// One result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    /// The document id.
    pub id: Uuid,
    /// What it is.
    pub kind: Kind,
    /// Its language.
    pub language: Language,
    /// The title, HTML-escaped, matches in `<mark>`.
    pub title_html: String,
    /// A snippet of the body, HTML-escaped, matches in `<mark>`.
    pub snippet_html: String,
    /// Its category.
    pub category: Option<String>,
    /// Its state.
    pub state: State,
    /// Its channel.
    pub channel: Option<Channel>,
    /// The containing object (conversation, thread).
    pub parent: Option<Uuid>,
    /// Relevance (higher is better; 0 when browsing).
    pub score: f32,
    /// Seq of the event the indexed version came from.
    pub seq: u64,
}

/// A page of results.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Results {
    /// Matching documents in scope, in total.
    pub total: u64,
    /// This page, best first.
    pub hits: Vec<Hit>,
    /// Facet counts, when asked for.
    pub facets: Option<Facets>,
}
