//! Highlighting: titles and a snippet of the body with the matched words in `<mark>`, every
//! other byte HTML-escaped, so a stored `<img src=x onerror=…>` comes back as text.
//!
//! A word is marked when the analyzer of the document's language turns it into a stem the
//! query searched (also through a compound part), or when it is within the allowed edit
//! distance of a typo-tolerant query word.

use crate::analysis::{self, Analyzer, FastMap, MAX_WORD_BYTES, WordAnalysis};
use crate::document::Language;
use crate::query::Marks;
use std::sync::{Arc, LazyLock, Mutex};

/// Length of a body snippet, in bytes of source text.
pub const SNIPPET_BYTES: usize = 200;
/// Titles are cut at this many bytes.
const TITLE_BYTES: usize = 300;
/// Matches are looked for in this many bytes at the start of a body.
const SCAN_BYTES: usize = 16 * 1024;
/// Context before the first match in a snippet.
const LEAD_BYTES: usize = 40;
/// Cached analyses of words, per language, before the cache is emptied.
const CACHE_WORDS: usize = 100_000;

type Cache = [FastMap<String, Arc<WordAnalysis>>; 2];
static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(Default::default()));

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Levenshtein distance between `query` and the closest prefix of `word` (bytes).
fn prefix_distance(query: &[u8], word: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=word.len()).map(|_| 0).collect();
    // prev[j]: distance between the first i query bytes and the first j word bytes.
    for (j, slot) in prev.iter_mut().enumerate() {
        *slot = j;
    }
    let mut cur = vec![0; word.len() + 1];
    for (i, &q) in query.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &w) in word.iter().enumerate() {
            let cost = usize::from(q != w);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.into_iter().min().unwrap_or(usize::MAX)
}

fn matches(a: &WordAnalysis, marks: &Marks, li: usize) -> bool {
    if marks.stems[li].contains(&a.stem) || a.part_stems.iter().any(|s| marks.stems[li].contains(s))
    {
        return true;
    }
    marks.fuzzy[li].iter().any(|(q, d)| {
        std::iter::once(&a.raw)
            .chain(&a.part_raws)
            .any(|raw| prefix_distance(q.as_bytes(), raw.as_bytes()) <= usize::from(*d))
    })
}

/// Byte ranges of the marked words in `text`.
fn marked(text: &str, language: Language, marks: &Marks) -> Vec<(usize, usize)> {
    let li = usize::from(language == Language::En);
    let analyzer = Analyzer::get(language);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cache = &mut cache[li];
    let mut lower = String::new();
    let mut out = Vec::new();
    for (from, to) in analysis::words(text) {
        if to - from > MAX_WORD_BYTES {
            continue;
        }
        analysis::lowercase_into(&text[from..to], &mut lower);
        let a = match cache.get(&lower) {
            Some(a) => a.clone(),
            None => {
                if cache.len() >= CACHE_WORDS {
                    cache.clear();
                }
                let a = Arc::new(analyzer.analyze(&lower));
                cache.insert(lower.clone(), a.clone());
                a
            }
        };
        if !a.stop && matches(&a, marks, li) {
            out.push((from, to));
        }
    }
    out
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders `text[from..to]` escaped, with `ranges` (sorted, inside) in `<mark>`.
fn render(text: &str, from: usize, to: usize, ranges: &[(usize, usize)], out: &mut String) {
    let mut at = from;
    for &(a, b) in ranges.iter().filter(|(a, b)| *a >= from && *b <= to) {
        escape_into(&text[at..a], out);
        out.push_str("<mark>");
        escape_into(&text[a..b], out);
        out.push_str("</mark>");
        at = b;
    }
    escape_into(&text[at..to], out);
}

/// The title, escaped, with matches marked.
pub(crate) fn title(text: &str, language: Language, marks: &Marks) -> String {
    let end = floor_boundary(text, TITLE_BYTES);
    let ranges = marked(&text[..end], language, marks);
    let mut out = String::with_capacity(end + 16);
    render(text, 0, end, &ranges, &mut out);
    if end < text.len() {
        out.push('…');
    }
    out
}

/// A snippet of about [`SNIPPET_BYTES`] of `text` around the densest run of matches, escaped,
/// with matches marked and `…` where text was cut.
pub(crate) fn snippet(text: &str, language: Language, marks: &Marks) -> String {
    let scan_end = floor_boundary(text, SCAN_BYTES);
    let ranges = marked(&text[..scan_end], language, marks);
    // The window starting shortly before a match that holds the most matches.
    let mut best = (0usize, 0usize); // (matches, start)
    let mut hi = 0;
    for (lo, &(start, _)) in ranges.iter().enumerate() {
        hi = hi.max(lo);
        while hi < ranges.len() && ranges[hi].1 <= start + SNIPPET_BYTES - LEAD_BYTES {
            hi += 1;
        }
        if hi - lo > best.0 {
            best = (hi - lo, start);
        }
    }
    let mut from = floor_boundary(text, best.1.saturating_sub(LEAD_BYTES));
    if from > 0 {
        // Start at a word: after the first space within the lead.
        if let Some(space) = text[from..best.1].find(char::is_whitespace) {
            from += space + 1;
        }
    }
    let mut to = floor_boundary(text, from + SNIPPET_BYTES);
    if to < text.len()
        && let Some(space) = text[from..to].rfind(char::is_whitespace)
        && space > 0
    {
        to = from + space;
    }
    let mut out = String::with_capacity(to - from + 32);
    if from > 0 {
        out.push('…');
    }
    render(text, from, to, &ranges, &mut out);
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(stems: &[&str], fuzzy: &[(&str, u8)]) -> Marks {
        let mut m = Marks::default();
        m.stems[0] = stems.iter().map(|s| (*s).to_owned()).collect();
        m.fuzzy[0] = fuzzy.iter().map(|(s, d)| ((*s).to_owned(), *d)).collect();
        m
    }

    #[test]
    fn marks_stems_parts_and_typos_and_escapes_the_rest() {
        let stem = |w| Analyzer::get(Language::De).analyze(w).stem;
        let m = marks(&[&stem("frist")], &[("kundigng", 1)]);
        let out = title("<b>Kündigungsfrist</b> & Kündigungen", Language::De, &m);
        assert_eq!(
            out,
            "&lt;b&gt;<mark>Kündigungsfrist</mark>&lt;/b&gt; &amp; <mark>Kündigungen</mark>"
        );
    }

    #[test]
    fn snippets_centre_on_matches() {
        let stem = |w| Analyzer::get(Language::De).analyze(w).stem;
        let text = format!(
            "{} Die Frist beträgt drei Monate. {}",
            "Vorwort ".repeat(60),
            "Ende ".repeat(60)
        );
        let s = snippet(&text, Language::De, &marks(&[&stem("frist")], &[]));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>Frist</mark>"), "{s}");
        assert!(s.len() < SNIPPET_BYTES + 40, "{s}");
        let short = snippet("kurz", Language::De, &Marks::default());
        assert_eq!(short, "kurz");
    }

    #[test]
    fn prefix_distance_counts_edits_to_the_closest_prefix() {
        assert_eq!(prefix_distance(b"kundigng", b"kundigungen"), 1);
        assert_eq!(prefix_distance(b"vertrag", b"vertragsende"), 0);
        assert_eq!(prefix_distance(b"abc", b""), 3);
    }
}
