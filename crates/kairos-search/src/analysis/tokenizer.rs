//! The analyzers as tantivy tokenizers. Each clone keeps its own bounded cache of analysed
//! words: text follows Zipf's law, so most words are looked up rather than stemmed and split
//! again, which is what makes indexing fast enough.

use super::{Analyzer, FastMap, MAX_WORD_BYTES, WordAnalysis, lowercase_into, words};
use crate::document::Language;
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Cached words per tokenizer clone before the cache is emptied.
const CACHE_WORDS: usize = 200_000;

/// Which form of a word a field indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// Stemmed word and stemmed compound parts.
    Stemmed,
    /// Folded, unstemmed word and compound parts.
    Raw,
}

/// A tantivy tokenizer for one language and output.
pub(crate) struct FieldTokenizer {
    analyzer: &'static Analyzer,
    output: Output,
    cache: FastMap<String, Arc<WordAnalysis>>,
}

impl FieldTokenizer {
    /// A tokenizer for `language` producing `output`.
    pub(crate) fn new(language: Language, output: Output) -> Self {
        FieldTokenizer {
            analyzer: Analyzer::get(language),
            output,
            cache: FastMap::default(),
        }
    }

    fn lookup(&mut self, lower: &str) -> Arc<WordAnalysis> {
        if let Some(found) = self.cache.get(lower) {
            return found.clone();
        }
        if self.cache.len() >= CACHE_WORDS {
            self.cache.clear();
        }
        let analysis = Arc::new(self.analyzer.analyze(lower));
        self.cache.insert(lower.to_owned(), analysis.clone());
        analysis
    }
}

impl Clone for FieldTokenizer {
    fn clone(&self) -> Self {
        // A fresh cache: clones go to other indexing threads.
        FieldTokenizer::new(self.analyzer.language, self.output)
    }
}

impl Tokenizer for FieldTokenizer {
    type TokenStream<'a> = FieldTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FieldTokenStream<'a> {
        FieldTokenStream {
            text,
            words: words(text),
            tokenizer: self,
            token: Token::default(),
            current: None,
            next_extra: 0,
            position: 0,
            lower: String::new(),
        }
    }
}

/// The token stream of [`FieldTokenizer`]: each word, then its compound parts at the same
/// position (so phrases still match across a split compound).
pub(crate) struct FieldTokenStream<'a> {
    text: &'a str,
    words: super::Words<'a>,
    tokenizer: &'a mut FieldTokenizer,
    token: Token,
    current: Option<Arc<WordAnalysis>>,
    next_extra: usize,
    position: usize,
    lower: String,
}

impl TokenStream for FieldTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(current) = &self.current {
            let extras = match self.tokenizer.output {
                Output::Stemmed => &current.part_stems,
                Output::Raw => &current.part_raws,
            };
            if let Some(extra) = extras.get(self.next_extra) {
                self.next_extra += 1;
                self.token.text.clear();
                self.token.text.push_str(extra);
                return true;
            }
            self.current = None;
        }
        for (from, to) in self.words.by_ref() {
            let position = self.position;
            self.position += 1;
            if to - from > MAX_WORD_BYTES {
                continue;
            }
            lowercase_into(&self.text[from..to], &mut self.lower);
            let analysis = self.tokenizer.lookup(&self.lower);
            if analysis.stop {
                continue;
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.token.position = position;
            self.token.text.clear();
            self.token.text.push_str(match self.tokenizer.output {
                Output::Stemmed => &analysis.stem,
                Output::Raw => &analysis.raw,
            });
            self.current = Some(analysis);
            self.next_extra = 0;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(language: Language, output: Output, text: &str) -> Vec<(String, usize)> {
        let mut t = FieldTokenizer::new(language, output);
        let mut stream = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = stream.next() {
            out.push((tok.text.clone(), tok.position));
        }
        out
    }

    #[test]
    fn compound_parts_share_the_position_of_the_word() {
        let raw = tokens(Language::De, Output::Raw, "Die Kündigungsfrist beträgt");
        assert_eq!(
            raw,
            [
                ("kundigungsfrist".to_owned(), 1),
                ("kundigung".to_owned(), 1),
                ("frist".to_owned(), 1),
                ("betragt".to_owned(), 2)
            ]
        );
        let stemmed = tokens(Language::De, Output::Stemmed, "Kündigungsfrist");
        assert!(stemmed.iter().all(|(_, p)| *p == 0));
        assert_eq!(stemmed.len(), 3);
    }
}
