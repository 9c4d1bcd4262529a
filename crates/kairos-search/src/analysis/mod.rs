//! Text analysis for German and English, shared by indexing, queries and highlighting so that
//! the three always agree on what a word is.
//!
//! A word is a run of alphanumeric characters. Each word is lowercased and folded (umlauts and
//! other Latin diacritics to ASCII; in German also the spellings *ae*, *oe*, *ue*, so that
//! *Kündigung*, *Kuendigung* and *Kundigung* are one word), stop words are dropped, German
//! compounds are split against a shipped word list ([`decompound`]), and the word and its parts
//! are stemmed with the Snowball stemmer of the language (the one tantivy uses, `frostem`).
//! Two outputs per language: *stemmed* (for ranking, with positions for phrases) and *raw*,
//! folded but unstemmed (for typo-tolerant and prefix matching).

mod decompound;
mod stopwords;
mod tokenizer;

use crate::document::Language;
use decompound::Decompounder;
use std::collections::HashSet;
use std::sync::LazyLock;
pub(crate) use tokenizer::{FieldTokenizer, Output};

/// Words longer than this (in bytes) are skipped: no language has them, attackers do.
pub(crate) const MAX_WORD_BYTES: usize = 64;

/// What the analyzer makes of one lowercase word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WordAnalysis {
    /// A stop word: not indexed, not searched.
    pub stop: bool,
    /// Folded, unstemmed.
    pub raw: String,
    /// Folded and stemmed.
    pub stem: String,
    /// Compound parts, folded, unstemmed (empty if the word is not a compound).
    pub part_raws: Vec<String>,
    /// Compound parts, folded and stemmed, without duplicates of `stem`.
    pub part_stems: Vec<String>,
}

/// The analyzer of one language.
pub(crate) struct Analyzer {
    language: Language,
    stemmer: frostem::Stemmer,
    stopwords: HashSet<String>,
    compounds: Option<Decompounder>,
}

static GERMAN: LazyLock<Analyzer> = LazyLock::new(|| {
    let stemmer = frostem::Stemmer::new(frostem::Algorithm::German);
    Analyzer {
        language: Language::De,
        stemmer,
        stopwords: stopwords::GERMAN.iter().map(|w| fold_german(w)).collect(),
        compounds: Some(Decompounder::from_list(
            include_str!("de-words.txt"),
            fold_german,
        )),
    }
});

static ENGLISH: LazyLock<Analyzer> = LazyLock::new(|| Analyzer {
    language: Language::En,
    stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
    stopwords: stopwords::ENGLISH.iter().map(|w| fold_latin(w)).collect(),
    compounds: None,
});

impl Analyzer {
    /// The analyzer for `language` (built once per process).
    pub(crate) fn get(language: Language) -> &'static Analyzer {
        match language {
            Language::De => &GERMAN,
            Language::En => &ENGLISH,
        }
    }

    /// Folds a lowercase word the way this language does.
    pub(crate) fn fold(&self, lower: &str) -> String {
        match self.language {
            Language::De => fold_german(lower),
            Language::En => fold_latin(lower),
        }
    }

    /// Whether a lowercase word is a stop word in this language.
    pub(crate) fn is_stop(&self, lower: &str) -> bool {
        self.stopwords.contains(&self.fold(lower))
    }

    /// Stems a folded word.
    pub(crate) fn stem(&self, folded: &str) -> String {
        self.stemmer.stem(folded).into_owned()
    }

    /// Analyzes one lowercase word.
    pub(crate) fn analyze(&self, lower: &str) -> WordAnalysis {
        let raw = self.fold(lower);
        let stop = self.stopwords.contains(&raw);
        let stem = self.stem(&raw);
        let part_raws = match (&self.compounds, stop) {
            (Some(d), false) => d.split(&raw),
            _ => Vec::new(),
        };
        let mut part_stems: Vec<String> = Vec::with_capacity(part_raws.len());
        for part in &part_raws {
            let s = self.stem(part);
            if s != stem && !part_stems.contains(&s) {
                part_stems.push(s);
            }
        }
        WordAnalysis {
            stop,
            raw,
            stem,
            part_raws,
            part_stems,
        }
    }
}

/// Byte ranges of the words of `text`: maximal runs of alphanumeric characters.
pub(crate) fn words(text: &str) -> Words<'_> {
    Words { text, at: 0 }
}

/// Iterator over the word ranges of a text; see [`words`].
pub(crate) struct Words<'a> {
    text: &'a str,
    at: usize,
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut start = None;
        let mut i = self.at;
        while i < bytes.len() {
            let b = bytes[i];
            let (alnum, len) = if b.is_ascii() {
                (b.is_ascii_alphanumeric(), 1)
            } else {
                match self.text.get(i..).and_then(|rest| rest.chars().next()) {
                    Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                    None => (false, 1),
                }
            };
            match (start, alnum) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    self.at = i;
                    return Some((s, i));
                }
                _ => {}
            }
            i += len;
        }
        self.at = bytes.len();
        start.map(|s| (s, bytes.len()))
    }
}

/// Lowercases `word` into `out` (cleared first).
pub(crate) fn lowercase_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
        return;
    }
    for c in word.chars() {
        out.extend(c.to_lowercase());
    }
}

/// A hash map with a fast, per-process seeded hash (word caches hold text from documents,
/// so the seed matters: no crafted collisions).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Folds common Latin diacritics to ASCII (lowercase input).
pub(crate) fn fold_latin(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        push_folded(c, &mut out);
    }
    out
}

fn push_folded(c: char, out: &mut String) {
    let f = match c {
        'ä' | 'á' | 'à' | 'â' | 'ã' | 'å' | 'ā' => 'a',
        'ö' | 'ó' | 'ò' | 'ô' | 'õ' | 'ø' | 'ō' => 'o',
        'ü' | 'ú' | 'ù' | 'û' | 'ū' => 'u',
        'é' | 'è' | 'ê' | 'ë' | 'ē' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ç' | 'č' => 'c',
        'ñ' => 'n',
        'š' => 's',
        'ž' => 'z',
        'ý' | 'ÿ' => 'y',
        'ß' => {
            out.push_str("ss");
            return;
        }
        'æ' => {
            out.push_str("ae");
            return;
        }
        'œ' => {
            out.push_str("oe");
            return;
        }
        other => other,
    };
    out.push(f);
}

/// German folding: Latin folding, plus the transcriptions *ae*, *oe*, *ue* (not in *que*)
/// read as the umlaut they stand for, so all three spellings meet in one form.
pub(crate) fn fold_german(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    let mut prev: [char; 2] = ['\0', '\0'];
    for c in lower.chars() {
        let transcribed =
            c == 'e' && (matches!(prev[1], 'a' | 'o') || (prev[1] == 'u' && prev[0] != 'q'));
        if !transcribed {
            push_folded(c, &mut out);
        }
        prev = [prev[1], c];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(lang: Language, word: &str) -> String {
        Analyzer::get(lang).analyze(word).stem
    }

    #[test]
    fn umlauts_and_their_transcriptions_meet() {
        assert_eq!(fold_german("kündigung"), "kundigung");
        assert_eq!(fold_german("kuendigung"), "kundigung");
        assert_eq!(fold_german("straße"), "strasse");
        assert_eq!(fold_german("quelle"), "quelle");
        assert_eq!(
            stem(Language::De, "kündigung"),
            stem(Language::De, "kuendigung")
        );
        assert_eq!(fold_latin("café"), "cafe");
    }

    #[test]
    fn stems_inflections_together() {
        let de = |w| stem(Language::De, w);
        assert_eq!(de("kündigung"), de("kündigungen"));
        assert_eq!(de("kündige"), de("kündigung"));
        assert_eq!(de("verträge"), de("vertrag"));
        let en = |w| stem(Language::En, w);
        assert_eq!(en("cancellation"), en("cancellations"));
        assert_eq!(en("cancel"), en("cancelled"));
    }

    #[test]
    fn compounds_yield_their_parts() {
        let a = Analyzer::get(Language::De).analyze("kündigungsfrist");
        assert_eq!(a.part_raws, ["kundigung", "frist"]);
        assert!(a.part_stems.contains(&stem(Language::De, "frist")));
        assert!(Analyzer::get(Language::De).analyze("wie").stop);
    }

    #[test]
    fn words_are_alphanumeric_runs() {
        let text = "Wie kündige ich\u{0}meinen <Vertrag>? tenant:x";
        let got: Vec<&str> = words(text).map(|(a, b)| &text[a..b]).collect();
        assert_eq!(
            got,
            ["Wie", "kündige", "ich", "meinen", "Vertrag", "tenant", "x"]
        );
        assert_eq!(words("").count(), 0);
        assert_eq!(words("  ").count(), 0);
    }
}
