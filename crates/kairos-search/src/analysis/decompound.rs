//! German compound splitting against a shipped word list (`de-words.txt`).
//!
//! A word is split only when the dictionary covers it completely: parts from the list, joined
//! by the usual linking elements (*Kündigung-s-frist*, *Tag-es-zeit*), the last part optionally
//! inflected (*Kundenkonten* is not covered, *Kündigungsfristen* is: `-en`). Partial matches
//! are never split, which keeps precision: *Verbraucher* is in the list itself and stays whole,
//! and *Frisur* does not yield *frist*. Character n-grams would find more, and far more
//! wrongly (*Arm* in *Warmwasser*), at several times the index size.

use std::collections::HashSet;

/// Linking elements (Fugenelemente) allowed between two parts.
const LINKS: &[&str] = &["", "s", "es", "n", "en", "e", "er", "ens"];
/// Inflection endings allowed after the last part.
const ENDINGS: &[&str] = &["", "e", "en", "n", "s", "es", "er", "ern", "ns"];
/// Parts shorter than this (in bytes) are never taken from the list.
const MIN_PART: usize = 3;
/// Words shorter than this are never split.
const MIN_WORD: usize = 7;

/// One node of the byte trie over the word list.
#[derive(Default)]
struct Node {
    children: Vec<(u8, u32)>,
    terminal: bool,
}

/// The dictionary, as a byte trie (to find every part starting at a position in one walk)
/// and a set (to leave listed words whole).
pub(crate) struct Decompounder {
    nodes: Vec<Node>,
    words: HashSet<String>,
}

impl Decompounder {
    /// Builds the dictionary from a word list (one word per line, `#` comments), folding
    /// each entry with `fold` so that parts compare with folded text.
    pub(crate) fn from_list(list: &str, fold: impl Fn(&str) -> String) -> Self {
        let mut this = Decompounder {
            nodes: vec![Node::default()],
            words: HashSet::new(),
        };
        for line in list.lines() {
            let word = line.split('#').next().unwrap_or("").trim();
            if word.is_empty() {
                continue;
            }
            let folded = fold(&word.to_lowercase());
            if folded.len() >= MIN_PART {
                this.insert(&folded);
            }
        }
        this
    }

    fn insert(&mut self, word: &str) {
        let mut node = 0usize;
        for &b in word.as_bytes() {
            let next = match self.nodes[node].children.iter().find(|(c, _)| *c == b) {
                Some(&(_, n)) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(Node::default());
                    self.nodes[node].children.push((b, n as u32));
                    n
                }
            };
            node = next;
        }
        self.nodes[node].terminal = true;
        self.words.insert(word.to_owned());
    }

    /// Whether `word` (folded) is a listed word, possibly inflected.
    fn is_listed(&self, word: &str) -> bool {
        ENDINGS.iter().any(|e| {
            word.strip_suffix(e)
                .is_some_and(|stem| stem.len() >= MIN_PART && self.words.contains(stem))
        })
    }

    /// Ends (exclusive byte offsets) of the listed words that start at `from` in `word`.
    fn parts_at(&self, word: &[u8], from: usize, out: &mut Vec<usize>) {
        out.clear();
        let mut node = 0usize;
        for (i, &b) in word[from..].iter().enumerate() {
            match self.nodes[node].children.iter().find(|(c, _)| *c == b) {
                Some(&(_, n)) => node = n as usize,
                None => return,
            }
            if self.nodes[node].terminal && i + 1 >= MIN_PART {
                out.push(from + i + 1);
            }
        }
    }

    /// The parts of a folded, lowercase compound, or an empty list when `word` is not a
    /// compound of listed words (or is listed itself). Fewest parts win.
    pub(crate) fn split(&self, word: &str) -> Vec<String> {
        if word.len() < MIN_WORD || self.is_listed(word) {
            return Vec::new();
        }
        let bytes = word.as_bytes();
        let n = bytes.len();
        // best[i]: (parts so far, previous start, end of the previous part) for a part starting at i.
        let mut best: Vec<Option<(u8, usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0, 0));
        let mut finish: Option<(u8, usize, usize)> = None;
        let mut ends = Vec::new();
        for start in 0..n {
            let Some((count, _, _)) = best[start] else {
                continue;
            };
            self.parts_at(bytes, start, &mut ends);
            for &end in &ends {
                let count = count.saturating_add(1);
                let rest = &word[end..];
                if ENDINGS.contains(&rest) && finish.is_none_or(|(c, _, _)| count < c) {
                    finish = Some((count, start, end));
                }
                for link in LINKS {
                    let next = end + link.len();
                    if next < n
                        && rest.starts_with(link)
                        && best[next].is_none_or(|(c, _, _)| count < c)
                    {
                        best[next] = Some((count, start, end));
                    }
                }
            }
        }
        let Some((count, mut start, mut end)) = finish else {
            return Vec::new();
        };
        if count < 2 {
            return Vec::new();
        }
        let mut parts = Vec::with_capacity(count as usize);
        loop {
            parts.push(word[start..end].to_owned());
            if start == 0 {
                break;
            }
            match best[start] {
                Some((_, prev_start, prev_end)) => (start, end) = (prev_start, prev_end),
                None => break,
            }
        }
        parts.reverse();
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict() -> Decompounder {
        Decompounder::from_list(
            "kuendigung\nfrist\nvertrag\nende\nverbraucher\nschutz\ntag\nzeit\nkunde\nkonto\n# x\n",
            |s| s.replace("ue", "u"),
        )
    }

    #[test]
    fn splits_compounds_covered_by_the_list() {
        let d = dict();
        assert_eq!(d.split("kundigungsfrist"), ["kundigung", "frist"]);
        assert_eq!(d.split("kundigungsfristen"), ["kundigung", "frist"]);
        assert_eq!(d.split("vertragsende"), ["vertrag", "ende"]);
        assert_eq!(d.split("tageszeit"), ["tag", "zeit"]);
        assert_eq!(d.split("verbraucherschutz"), ["verbraucher", "schutz"]);
        assert_eq!(d.split("kundenkonto"), ["kunde", "konto"]);
    }

    #[test]
    fn leaves_listed_and_partly_covered_words_whole() {
        let d = dict();
        assert!(d.split("verbraucher").is_empty());
        assert!(d.split("vertrage").is_empty());
        assert!(d.split("fristlosigkeit").is_empty());
        assert!(d.split("widerrufsfrist").is_empty());
        assert!(d.split("frist").is_empty());
    }
}
