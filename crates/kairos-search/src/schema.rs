//! The tantivy schema and the tokenizers it names.
//!
//! Text goes into per-language fields (`title_de`, `body_de`, `title_en`, `body_en`: stemmed,
//! with positions for phrases; `raw_de`, `raw_en`: folded but unstemmed, documents only, for
//! typo-tolerant and prefix matching). Filters are exact terms (`tenant`, `audience`, `key`,
//! `owner`); facets are facet fields; the document itself is stored once, as JSON.

use crate::analysis::{FieldTokenizer, Output};
use crate::document::Language;
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TokenizerManager;

/// The fields of one language.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LangFields {
    /// Stemmed title, with positions.
    pub title: Field,
    /// Stemmed body, with positions.
    pub body: Field,
    /// Folded, unstemmed title and body, documents only.
    pub raw: Field,
}

/// Every field of the index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    /// `tenant/id`: the unit of replacement and deletion.
    pub key: Field,
    /// The tenant id.
    pub tenant: Field,
    /// `tenant/customer` of the owner, for erasure.
    pub owner: Field,
    /// `tenant/parent` (a message's conversation, a post's thread), for deleting with it.
    pub parent: Field,
    /// Audience tokens ([`crate::Document::audiences`]).
    pub audience: Field,
    /// Facet: kind.
    pub kind: Field,
    /// Facet: category.
    pub category: Field,
    /// Facet: language.
    pub language: Field,
    /// Facet: state.
    pub state: Field,
    /// Facet: channel.
    pub channel: Field,
    /// The document as JSON (stored only).
    pub source: Field,
    /// German text fields.
    pub de: LangFields,
    /// English text fields.
    pub en: LangFields,
}

impl Fields {
    /// The text fields of `language`.
    pub(crate) fn lang(&self, language: Language) -> LangFields {
        match language {
            Language::De => self.de,
            Language::En => self.en,
        }
    }
}

fn tokenizer_name(language: Language, output: Output) -> String {
    let out = match output {
        Output::Stemmed => "stem",
        Output::Raw => "raw",
    };
    format!("kairos_{}_{out}", language.as_str())
}

fn text(language: Language, output: Output) -> TextOptions {
    let record = match output {
        Output::Stemmed => IndexRecordOption::WithFreqsAndPositions,
        Output::Raw => IndexRecordOption::Basic,
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(&tokenizer_name(language, output))
            .set_index_option(record)
            .set_fieldnorms(output == Output::Stemmed),
    )
}

/// Builds the schema.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let mut lang = |l: Language| LangFields {
        title: b.add_text_field(&format!("title_{}", l.as_str()), text(l, Output::Stemmed)),
        body: b.add_text_field(&format!("body_{}", l.as_str()), text(l, Output::Stemmed)),
        raw: b.add_text_field(&format!("raw_{}", l.as_str()), text(l, Output::Raw)),
    };
    let de = lang(Language::De);
    let en = lang(Language::En);
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        tenant: b.add_text_field("tenant", STRING),
        owner: b.add_text_field("owner", STRING),
        parent: b.add_text_field("parent", STRING),
        audience: b.add_text_field("audience", STRING),
        kind: b.add_facet_field("kind", FacetOptions::default()),
        category: b.add_facet_field("category", FacetOptions::default()),
        language: b.add_facet_field("language", FacetOptions::default()),
        state: b.add_facet_field("state", FacetOptions::default()),
        channel: b.add_facet_field("channel", FacetOptions::default()),
        source: b.add_text_field("source", STORED),
        de,
        en,
    };
    (b.build(), fields)
}

/// Registers the analyzers under the names the schema uses.
pub(crate) fn register_tokenizers(manager: &TokenizerManager) {
    for language in Language::ALL {
        for output in [Output::Stemmed, Output::Raw] {
            manager.register(
                &tokenizer_name(*language, output),
                FieldTokenizer::new(*language, output),
            );
        }
    }
}
