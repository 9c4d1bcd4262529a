//! From what a person typed to a tantivy query, without ever handing user text to a query
//! language: the input is capped, split into words and quoted phrases, and every term is built
//! here against a fixed set of fields. `tenant:other` is two words, not a field lookup.
//!
//! Per word and language: the stemmed word in title (boosted) or body. When the stemmed word
//! is unknown to the index in every language it is probably misspelt or a compound: then a
//! compound is matched by all its parts, and the folded word is matched typo-tolerantly
//! (Levenshtein prefix automaton, distance 1 up to 8 letters, 2 from 9). Words are combined
//! so that most must match (all of one or two, all but one of three or four, …) in search,
//! any in suggestions; phrases must match.

use crate::analysis::{self, Analyzer, MAX_WORD_BYTES};
use crate::document::Language;
use crate::schema::{Fields, LangFields};
use std::collections::HashSet;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

/// Longer input is cut (at a character boundary).
pub const MAX_QUERY_BYTES: usize = 512;
/// At most this many words and phrases are used.
pub(crate) const MAX_CLAUSES: usize = 16;
/// At most this many words of one phrase are used.
pub(crate) const MAX_PHRASE_WORDS: usize = 8;
/// Title matches count this much more than body matches.
const TITLE_BOOST: f32 = 2.0;
/// Score of a typo-tolerant match (constant; exact matches score by BM25).
const FUZZY_BOOST: f32 = 0.5;

/// One part of a parsed query, lowercase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Clause {
    /// A word.
    Word(String),
    /// Words in quotes, to be found in this order.
    Phrase(Vec<String>),
}

/// Search (most words must match) or suggest (any word may; the last word is a prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Full search.
    Search,
    /// As-you-type suggestions.
    Suggest,
}

/// Splits user input into words and phrases. Never fails: unbalanced quotes make the open
/// part plain words, control characters and punctuation separate words, overlong words are
/// dropped, and the input, the number of clauses and phrase length are capped.
pub(crate) fn parse(input: &str) -> Vec<Clause> {
    let mut end = input.len().min(MAX_QUERY_BYTES);
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    let input = &input[..end];
    let segments: Vec<&str> = input.split('"').collect();
    let closed = segments.len() % 2 == 1; // an even number of quotes
    let mut clauses = Vec::new();
    let mut lower = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let mut seg_words = Vec::new();
        for (from, to) in analysis::words(segment) {
            if to - from <= MAX_WORD_BYTES {
                analysis::lowercase_into(&segment[from..to], &mut lower);
                seg_words.push(lower.clone());
            }
        }
        let quoted = i % 2 == 1 && (closed || i + 1 < segments.len());
        if quoted && seg_words.len() > 1 {
            seg_words.truncate(MAX_PHRASE_WORDS);
            clauses.push(Clause::Phrase(seg_words));
        } else {
            clauses.extend(seg_words.into_iter().map(Clause::Word));
        }
    }
    clauses.truncate(MAX_CLAUSES);
    clauses
}

/// What to mark in results: per language, the stems searched and the typo-tolerant words.
#[derive(Clone, Debug, Default)]
pub(crate) struct Marks {
    /// Stems (and compound-part stems) per language, indexed like [`Language::ALL`].
    pub stems: [HashSet<String>; 2],
    /// Folded words matched with this edit distance as prefixes, per language.
    pub fuzzy: [Vec<(String, u8)>; 2],
}

fn lang_index(language: Language) -> usize {
    match language {
        Language::De => 0,
        Language::En => 1,
    }
}

fn term_query(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// The stemmed word in title (boosted) or body.
fn title_or_body(f: LangFields, stem: &str) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (
            Occur::Should,
            Box::new(BoostQuery::new(term_query(f.title, stem), TITLE_BOOST)),
        ),
        (Occur::Should, term_query(f.body, stem)),
    ]))
}

fn doc_freq(searcher: &Searcher, f: LangFields, stem: &str) -> u64 {
    [f.title, f.body]
        .iter()
        .map(|field| {
            searcher
                .doc_freq(&Term::from_field_text(*field, stem))
                .unwrap_or(0)
        })
        .sum()
}

/// Edit distance allowed for a misspelt word of this many characters.
pub(crate) fn fuzzy_distance(chars: usize) -> Option<u8> {
    match chars {
        0..=3 => None,
        4..=8 => Some(1),
        _ => Some(2),
    }
}

/// Builds the text part of a query, or `None` when the input has no searchable word.
pub(crate) fn build(
    clauses: &[Clause],
    languages: &[Language],
    fields: &Fields,
    searcher: &Searcher,
    mode: Mode,
    prefix_last: bool,
) -> Option<(Box<dyn Query>, Marks)> {
    let mut marks = Marks::default();
    // Stop words are dropped when a searched language calls them so, unless nothing else is left.
    let is_stop = |w: &str| languages.iter().any(|l| Analyzer::get(*l).is_stop(w));
    let all_stop = clauses.iter().all(|c| match c {
        Clause::Word(w) => is_stop(w),
        Clause::Phrase(ws) => ws.iter().all(|w| is_stop(w)),
    });
    let mut words: Vec<Box<dyn Query>> = Vec::new();
    let mut phrases: Vec<Box<dyn Query>> = Vec::new();
    let last = clauses.len().saturating_sub(1);
    for (i, clause) in clauses.iter().enumerate() {
        match clause {
            Clause::Word(w) if all_stop || !is_stop(w) => {
                let prefix = prefix_last && i == last && mode == Mode::Suggest;
                let q = word_query(w, languages, fields, searcher, prefix, &mut marks);
                words.push(q);
            }
            Clause::Word(_) => {}
            Clause::Phrase(ws) => {
                if let Some(q) = phrase_query(ws, languages, fields, all_stop, &mut marks) {
                    phrases.push(q);
                }
            }
        }
    }
    if words.is_empty() && phrases.is_empty() {
        return None;
    }
    let mut top: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !words.is_empty() {
        let n = words.len();
        let required = match mode {
            Mode::Search => n - n / 3,
            Mode::Suggest => 1,
        };
        let clauses = words.into_iter().map(|q| (Occur::Should, q)).collect();
        top.push((
            Occur::Must,
            Box::new(BooleanQuery::with_minimum_required_clauses(
                clauses, required,
            )),
        ));
    }
    top.extend(phrases.into_iter().map(|q| (Occur::Must, q)));
    Some((Box::new(BooleanQuery::new(top)), marks))
}

fn word_query(
    word: &str,
    languages: &[Language],
    fields: &Fields,
    searcher: &Searcher,
    prefix: bool,
    marks: &mut Marks,
) -> Box<dyn Query> {
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut known = false;
    let mut analysed = Vec::with_capacity(languages.len());
    for &language in languages {
        let f = fields.lang(language);
        let a = Analyzer::get(language).analyze(word);
        let li = lang_index(language);
        marks.stems[li].insert(a.stem.clone());
        alternatives.push((
            Occur::Should,
            Box::new(BoostQuery::new(term_query(f.title, &a.stem), TITLE_BOOST)),
        ));
        alternatives.push((Occur::Should, term_query(f.body, &a.stem)));
        let found = doc_freq(searcher, f, &a.stem) > 0;
        known |= found;
        if !found && !a.part_stems.is_empty() {
            // An unknown compound: all of its parts.
            let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for part in &a.part_stems {
                parts.push((Occur::Must, title_or_body(f, part)));
                marks.stems[li].insert(part.clone());
            }
            alternatives.push((Occur::Should, Box::new(BooleanQuery::new(parts))));
        }
        if prefix && a.raw.chars().count() >= 2 {
            let term = Term::from_field_text(f.raw, &a.raw);
            let q = Box::new(FuzzyTermQuery::new_prefix(term, 0, true));
            alternatives.push((Occur::Should, Box::new(BoostQuery::new(q, FUZZY_BOOST))));
            marks.fuzzy[li].push((a.raw.clone(), 0));
        }
        analysed.push((language, f, a));
    }
    if !known {
        for (language, f, a) in &analysed {
            if let Some(distance) = fuzzy_distance(a.raw.chars().count()) {
                let term = Term::from_field_text(f.raw, &a.raw);
                let q = Box::new(FuzzyTermQuery::new_prefix(term, distance, true));
                alternatives.push((Occur::Should, Box::new(BoostQuery::new(q, FUZZY_BOOST))));
                marks.fuzzy[lang_index(*language)].push((a.raw.clone(), distance));
            }
        }
    }
    Box::new(BooleanQuery::new(alternatives))
}

fn phrase_query(
    words: &[String],
    languages: &[Language],
    fields: &Fields,
    keep_stops: bool,
    marks: &mut Marks,
) -> Option<Box<dyn Query>> {
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for &language in languages {
        let analyzer = Analyzer::get(language);
        let f = fields.lang(language);
        let stems: Vec<(usize, String)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (i, analyzer.analyze(w)))
            .filter(|(_, a)| keep_stops || !a.stop)
            .map(|(i, a)| (i, a.stem))
            .collect();
        marks.stems[lang_index(language)].extend(stems.iter().map(|(_, s)| s.clone()));
        match stems.as_slice() {
            [] => {}
            [(_, one)] => alternatives.push((Occur::Should, title_or_body(f, one))),
            _ => {
                for (field, boost) in [(f.title, TITLE_BOOST), (f.body, 1.0)] {
                    let terms = stems
                        .iter()
                        .map(|(i, s)| (*i, Term::from_field_text(field, s)))
                        .collect();
                    let q = Box::new(PhraseQuery::new_with_offset(terms));
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
                }
            }
        }
    }
    (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<Clause> {
        ws.iter().map(|w| Clause::Word((*w).to_owned())).collect()
    }

    #[test]
    fn words_and_phrases() {
        assert_eq!(
            parse(r#"Kündigung "neuen Vertrag" Frist"#),
            vec![
                Clause::Word("kündigung".into()),
                Clause::Phrase(vec!["neuen".into(), "vertrag".into()]),
                Clause::Word("frist".into()),
            ]
        );
        assert_eq!(parse(r#""Frist""#), words(&["frist"]));
    }

    #[test]
    fn hostile_input_is_words() {
        assert_eq!(parse(r#"a "b c"#), words(&["a", "b", "c"]));
        assert_eq!(
            parse("tenant:other OR kind:message\u{0}\u{1b}[2J"),
            words(&["tenant", "other", "or", "kind", "message", "2j"])
        );
        assert_eq!(parse("\"\"\"\"\""), vec![]);
        assert!(parse(&"wort ".repeat(10_000)).len() <= MAX_CLAUSES);
        assert!(parse(&"ü".repeat(10_000)).is_empty()); // one overlong word, dropped
        let phrase = format!("\"{}\"", "a ".repeat(100));
        assert_eq!(
            parse(&phrase),
            vec![Clause::Phrase(vec!["a".into(); MAX_PHRASE_WORDS])]
        );
    }
}
