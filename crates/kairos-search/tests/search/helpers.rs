//! Document builders and a small search helper.

use kairos_core::ids::{CustomerId, TenantId};
use kairos_search::{
    Document, Kind, Language, Scope, SearchIndex, SearchRequest, State, Visibility,
};
use uuid::Uuid;

/// A published public German article.
pub fn article(tenant: TenantId, title: &str, body: &str) -> Document {
    Document {
        tenant,
        id: Uuid::now_v7(),
        kind: Kind::Article,
        language: Language::De,
        title: title.to_owned(),
        body: body.to_owned(),
        category: Some("vertrag".into()),
        state: State::Published,
        channel: None,
        visibility: Visibility::Public,
        owner: None,
        parent: None,
        seq: 1,
    }
}

/// An English version of [`article`].
pub fn article_en(tenant: TenantId, title: &str, body: &str) -> Document {
    Document {
        language: Language::En,
        ..article(tenant, title, body)
    }
}

/// A message of a customer's conversation.
pub fn message(tenant: TenantId, owner: CustomerId, body: &str) -> Document {
    Document {
        kind: Kind::Message,
        title: String::new(),
        category: None,
        state: State::Open,
        channel: Some(kairos_core::message::Channel::Email),
        visibility: Visibility::Customers,
        owner: Some(owner),
        parent: Some(Uuid::now_v7()),
        ..article(tenant, "", body)
    }
}

/// An index holding `docs`, committed.
pub fn index_with(docs: &[Document]) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(docs).unwrap();
    index.commit().unwrap();
    index
}

/// Ids of the hits for `text` in `scope`.
pub fn ids(index: &SearchIndex, text: &str, scope: &Scope) -> Vec<Uuid> {
    index
        .search(&SearchRequest::new(text), scope)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}
