//! The index: writing (upsert, delete, erasure, checkpoints, compaction) and searching.
//!
//! Writes are buffered until [`SearchIndex::commit`], which also stores the per-tenant
//! checkpoints in the same commit (tantivy's commit payload), so the index and "indexed up to
//! seq N" can never disagree after a crash. All calls block; async callers wrap them in
//! `spawn_blocking` (commits and merges take a while).

use crate::document::{Document, Kind, Language};
use crate::error::{Error, Result};
use crate::highlight;
use crate::query::{self, Marks, Mode};
use crate::request::{
    FacetCount, Facets, Filters, Hit, MAX_LIMIT, MAX_OFFSET, Results, SearchRequest,
};
use crate::schema::{self, Fields};
use crate::scope::Scope;
use kairos_core::ids::{CustomerId, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;

/// How the writer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexOptions {
    /// Indexing threads (default: available cores, at most 4).
    pub threads: usize,
    /// Memory for buffered documents, all threads together, in bytes (default 256 MiB).
    pub memory_bytes: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        IndexOptions {
            threads: cores.clamp(1, 4),
            memory_bytes: 256 << 20,
        }
    }
}

/// What is stored with each commit.
#[derive(Default, Serialize, Deserialize)]
struct Payload {
    /// Highest seq applied per tenant.
    checkpoints: BTreeMap<TenantId, u64>,
}

struct Writer {
    writer: IndexWriter,
    /// Checkpoints including uncommitted progress.
    pending: BTreeMap<TenantId, u64>,
}

/// A full-text index over the documents of every tenant; every search is confined to a
/// [`Scope`].
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<Writer>,
    committed: Mutex<BTreeMap<TenantId, u64>>,
}

fn key(tenant: TenantId, id: Uuid) -> String {
    format!("{tenant}/{id}")
}

fn owner_key(tenant: TenantId, customer: CustomerId) -> String {
    format!("{tenant}/{customer}")
}

fn facet(value: &str) -> Facet {
    Facet::from_path([value])
}

fn filter(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

fn exact(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the directory) if needed.
    pub fn open(dir: &Path) -> Result<Self> {
        Self::open_with(dir, IndexOptions::default())
    }

    /// Opens the index in `dir` with writer options.
    pub fn open_with(dir: &Path, options: IndexOptions) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Directory(dir.to_owned(), e.to_string()))?;
        let directory = MmapDirectory::open(dir)
            .map_err(|e| Error::Directory(dir.to_owned(), e.to_string()))?;
        let (schema, fields) = schema::build();
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            tantivy::TantivyError::SchemaError(_) => Error::Incompatible(dir.to_owned()),
            e => Error::index(e),
        })?;
        Self::with_index(index, fields, options)
    }

    /// A fresh index in memory (tests, tools).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        Self::with_index(
            index,
            fields,
            IndexOptions {
                threads: 1,
                memory_bytes: 32 << 20,
            },
        )
    }

    fn with_index(index: Index, fields: Fields, options: IndexOptions) -> Result<Self> {
        schema::register_tokenizers(index.tokenizers());
        let writer = index
            .writer_with_num_threads(options.threads.max(1), options.memory_bytes.max(16 << 20))
            .map_err(Error::index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(Error::index)?;
        let payload: Payload = match index.load_metas().map_err(Error::index)?.payload {
            Some(p) => serde_json::from_str(&p).map_err(|e| Error::Corrupt(e.to_string()))?,
            None => Payload::default(),
        };
        Ok(SearchIndex {
            index,
            fields,
            reader,
            writer: Mutex::new(Writer {
                writer,
                pending: payload.checkpoints.clone(),
            }),
            committed: Mutex::new(payload.checkpoints),
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn to_tantivy(&self, doc: &Document) -> Result<TantivyDocument> {
        let f = &self.fields;
        let mut d = TantivyDocument::new();
        d.add_text(f.key, key(doc.tenant, doc.id));
        d.add_text(f.tenant, doc.tenant.to_string());
        if let Some(owner) = doc.owner {
            d.add_text(f.owner, owner_key(doc.tenant, owner));
        }
        if let Some(parent) = doc.parent {
            d.add_text(f.parent, key(doc.tenant, parent));
        }
        for audience in doc.audiences() {
            d.add_text(f.audience, audience);
        }
        d.add_facet(f.kind, facet(doc.kind.as_str()));
        d.add_facet(f.language, facet(doc.language.as_str()));
        d.add_facet(f.state, facet(doc.state.as_str()));
        if let Some(category) = &doc.category {
            d.add_facet(f.category, facet(category));
        }
        if let Some(channel) = doc.channel {
            d.add_facet(f.channel, facet(channel.as_str()));
        }
        let lf = f.lang(doc.language);
        d.add_text(lf.title, &doc.title);
        d.add_text(lf.body, &doc.body);
        d.add_text(lf.raw, &doc.title);
        d.add_text(lf.raw, &doc.body);
        let source = serde_json::to_string(doc).map_err(|e| Error::Corrupt(e.to_string()))?;
        d.add_text(f.source, source);
        Ok(d)
    }

    /// Adds or replaces documents (by tenant and id) and advances each tenant's checkpoint
    /// to the highest `seq` seen. Visible after [`commit`](Self::commit).
    pub fn upsert(&self, docs: &[Document]) -> Result<()> {
        let mut w = self.writer();
        for doc in docs {
            let tdoc = self.to_tantivy(doc)?;
            w.writer.delete_term(Term::from_field_text(
                self.fields.key,
                &key(doc.tenant, doc.id),
            ));
            w.writer.add_document(tdoc).map_err(Error::index)?;
            let seq = w.pending.entry(doc.tenant).or_insert(0);
            *seq = (*seq).max(doc.seq);
        }
        Ok(())
    }

    /// Removes one document. Takes effect at the next commit.
    pub fn delete(&self, tenant: TenantId, id: Uuid) -> Result<()> {
        let w = self.writer();
        w.writer
            .delete_term(Term::from_field_text(self.fields.key, &key(tenant, id)));
        Ok(())
    }

    /// Removes every document a customer owns in a tenant (conversations, messages, forum
    /// posts). Unfindable after the next commit; gone from the index files after
    /// [`compact`](Self::compact). [`erase_customer`](Self::erase_customer) does all three.
    pub fn delete_by_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<()> {
        let w = self.writer();
        w.writer.delete_term(Term::from_field_text(
            self.fields.owner,
            &owner_key(tenant, customer),
        ));
        Ok(())
    }

    /// Removes every document whose parent is `parent` (a conversation's messages, a
    /// thread's posts). Takes effect at the next commit.
    pub fn delete_by_parent(&self, tenant: TenantId, parent: Uuid) -> Result<()> {
        let w = self.writer();
        w.writer.delete_term(Term::from_field_text(
            self.fields.parent,
            &key(tenant, parent),
        ));
        Ok(())
    }

    /// Removes every document of a tenant. Takes effect at the next commit.
    pub fn delete_tenant(&self, tenant: TenantId) -> Result<()> {
        let mut w = self.writer();
        w.writer.delete_term(Term::from_field_text(
            self.fields.tenant,
            &tenant.to_string(),
        ));
        w.pending.remove(&tenant);
        Ok(())
    }

    /// Erasure: deletes a customer's documents, commits, and compacts so that no index file
    /// holds their data any more.
    pub fn erase_customer(&self, tenant: TenantId, customer: CustomerId) -> Result<()> {
        self.delete_by_customer(tenant, customer)?;
        self.commit()?;
        self.compact()
    }

    /// Records that a tenant's events up to `seq` have been applied (also those that changed
    /// nothing searchable), so that a restart resumes after them.
    pub fn advance(&self, tenant: TenantId, seq: u64) {
        let mut w = self.writer();
        let s = w.pending.entry(tenant).or_insert(0);
        *s = (*s).max(seq);
    }

    /// Commits buffered changes and checkpoints atomically and makes them searchable.
    pub fn commit(&self) -> Result<()> {
        let mut w = self.writer();
        let payload = Payload {
            checkpoints: w.pending.clone(),
        };
        let payload = serde_json::to_string(&payload).map_err(|e| Error::Corrupt(e.to_string()))?;
        let mut prepared = w.writer.prepare_commit().map_err(Error::index)?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(Error::index)?;
        *self.committed.lock().unwrap_or_else(|p| p.into_inner()) = w.pending.clone();
        drop(w);
        self.reader.reload().map_err(Error::index)
    }

    /// The highest seq of `tenant` that is committed to the index (0: nothing yet). A feeder
    /// resumes reading the tenant's log after it.
    pub fn last_indexed_seq(&self, tenant: TenantId) -> u64 {
        let committed = self.committed.lock().unwrap_or_else(|p| p.into_inner());
        committed.get(&tenant).copied().unwrap_or(0)
    }

    /// Merges all segments into one (dropping deleted documents) and removes unused files.
    /// Call after erasure; it rewrites the whole index, so not after every change.
    pub fn compact(&self) -> Result<()> {
        let mut w = self.writer();
        // A commit may have started one of tantivy's own background merges; a merge that
        // names a segment already being merged fails. Once that merge is done the segment
        // list is current again, so the merge is retried with the list read anew.
        let mut tries = 0;
        loop {
            let segments = self.index.searchable_segment_ids().map_err(Error::index)?;
            if segments.is_empty() {
                break;
            }
            match w.writer.merge(&segments).wait() {
                Ok(_) => break,
                Err(_) if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(Error::index(e)),
            }
        }
        w.writer
            .garbage_collect_files()
            .wait()
            .map_err(Error::index)?;
        drop(w);
        self.reader.reload().map_err(Error::index)
    }

    /// Committed documents, all tenants.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Searches within `scope`: the tenant and what the asker may see are always applied.
    pub fn search(&self, request: &SearchRequest, scope: &Scope) -> Result<Results> {
        self.run(request, scope, Mode::Search, false)
    }

    /// Article suggestions while a customer types a question (or for the messages of a
    /// conversation, for staff): any word may match, the last one also as a prefix unless the
    /// text ends in a space.
    pub fn suggest(&self, text: &str, scope: &Scope, limit: usize) -> Result<Vec<Hit>> {
        let request = SearchRequest::new(text)
            .filters(Filters {
                kinds: vec![Kind::Article],
                ..Filters::default()
            })
            .page(limit, 0);
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let prefix_last = !text.ends_with(char::is_whitespace);
        Ok(self.run(&request, scope, Mode::Suggest, prefix_last)?.hits)
    }

    fn run(
        &self,
        request: &SearchRequest,
        scope: &Scope,
        mode: Mode,
        prefix_last: bool,
    ) -> Result<Results> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let languages: Vec<Language> = match request.filters.language {
            Some(l) => vec![l],
            None => Language::ALL.to_vec(),
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut marks = Marks::default();
        if !request.text.trim().is_empty() {
            let parsed = query::parse(&request.text);
            let built = query::build(&parsed, &languages, f, &searcher, mode, prefix_last);
            let Some((text_query, m)) = built else {
                return Ok(Results::default());
            };
            clauses.push((Occur::Must, text_query));
            marks = m;
        }
        // The scope: always.
        clauses.push(filter(exact(f.tenant, &scope.tenant.to_string())));
        if let Some(audiences) = scope.audience_terms() {
            let terms = audiences
                .iter()
                .map(|a| Term::from_field_text(f.audience, a));
            clauses.push(filter(Box::new(TermSetQuery::new(terms))));
        }
        let fl = &request.filters;
        if !fl.kinds.is_empty() {
            let terms = fl
                .kinds
                .iter()
                .map(|k| Term::from_facet(f.kind, &facet(k.as_str())));
            clauses.push(filter(Box::new(TermSetQuery::new(terms))));
        }
        let facet_filters = [
            (f.category, fl.category.as_deref()),
            (f.language, fl.language.map(|l| l.as_str())),
            (f.state, fl.state.map(|s| s.as_str())),
            (f.channel, fl.channel.map(|c| c.as_str())),
        ];
        for (field, value) in facet_filters {
            if let Some(value) = value {
                let term = Term::from_facet(field, &facet(value));
                clauses.push(filter(Box::new(TermQuery::new(
                    term,
                    IndexRecordOption::Basic,
                ))));
            }
        }
        let query = BooleanQuery::new(clauses);
        let limit = request.limit.clamp(1, MAX_LIMIT);
        let top = TopDocs::with_limit(limit)
            .and_offset(request.offset.min(MAX_OFFSET))
            .order_by_score();
        let (docs, total, facets) = if request.facets {
            let fc = |name: &str| {
                let mut c = FacetCollector::for_field(name);
                c.add_facet(Facet::root());
                c
            };
            let collectors = (
                top,
                Count,
                (fc("kind"), fc("category"), fc("language"), fc("state")),
                fc("channel"),
            );
            let (docs, total, (kind, category, language, state), channel) =
                searcher.search(&query, &collectors).map_err(Error::index)?;
            let counts = |c: tantivy::collector::FacetCounts| -> Vec<FacetCount> {
                let mut v: Vec<FacetCount> = c
                    .get(Facet::root())
                    .map(|(facet, count)| FacetCount {
                        value: facet
                            .to_path()
                            .last()
                            .map(|s| s.to_string())
                            .unwrap_or_default(),
                        count,
                    })
                    .collect();
                v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                v
            };
            let facets = Facets {
                kind: counts(kind),
                category: counts(category),
                language: counts(language),
                state: counts(state),
                channel: counts(channel),
            };
            (docs, total, Some(facets))
        } else {
            let (docs, total) = searcher
                .search(&query, &(top, Count))
                .map_err(Error::index)?;
            (docs, total, None)
        };
        let mut hits = Vec::with_capacity(docs.len());
        for (score, address) in docs {
            hits.push(self.hit(&searcher, address, score, &marks)?);
        }
        Ok(Results {
            total: total as u64,
            hits,
            facets,
        })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: f32,
        marks: &Marks,
    ) -> Result<Hit> {
        let stored: TantivyDocument = searcher.doc(address).map_err(Error::index)?;
        let source = stored
            .get_first(self.fields.source)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Corrupt("document without source".into()))?;
        let doc: Document =
            serde_json::from_str(source).map_err(|e| Error::Corrupt(e.to_string()))?;
        Ok(Hit {
            id: doc.id,
            kind: doc.kind,
            language: doc.language,
            title_html: highlight::title(&doc.title, doc.language, marks),
            snippet_html: highlight::snippet(&doc.body, doc.language, marks),
            category: doc.category,
            state: doc.state,
            channel: doc.channel,
            parent: doc.parent,
            score,
            seq: doc.seq,
        })
    }
}
