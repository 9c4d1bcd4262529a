//! The knowledge base: article states and their transitions, visibility, who may read and
//! edit what (staff, partners, customers, anonymous visitors), language tags, Markdown
//! rendering to sanitised HTML, and revision diffs. Pure: the store and HTTP ask here.

use crate::error::DomainError;
use crate::ids::{CategoryId, PartyId};
use crate::message::sanitise_html;
use serde::{Deserialize, Serialize};

/// The tenant setting holding [`KbSettings`].
pub const SETTINGS_KEY: &str = "kb";
/// Longest article body accepted (Markdown source, bytes).
pub const MAX_BODY_BYTES: usize = 200 * 1024;
/// Most languages a tenant may configure.
const MAX_LANGUAGES: usize = 32;

/// The life-cycle state of an article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleState {
    /// Being written; only staff and (in granted categories) partners see it.
    Draft,
    /// Submitted for the company's review.
    InReview,
    /// Live for its audience.
    Published,
    /// Withdrawn; kept for history.
    Archived,
}

impl ArticleState {
    /// Every state, in a stable order.
    pub const ALL: [ArticleState; 4] = [
        ArticleState::Draft,
        ArticleState::InReview,
        ArticleState::Published,
        ArticleState::Archived,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::InReview => "in_review",
            ArticleState::Published => "published",
            ArticleState::Archived => "archived",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Who an article is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleVisibility {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in customers of the tenant.
    Customers,
    /// The tenant's staff only: never customers, visitors or partners.
    Internal,
}

impl ArticleVisibility {
    /// Every value, in a stable order.
    pub const ALL: [ArticleVisibility; 3] = [
        ArticleVisibility::Public,
        ArticleVisibility::Customers,
        ArticleVisibility::Internal,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ArticleVisibility::Public => "public",
            ArticleVisibility::Customers => "customers",
            ArticleVisibility::Internal => "internal",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Who edits: the company's staff, or a partner with drafting rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    /// An admin or agent of the tenant.
    Staff,
    /// A partner principal (drafts in granted categories, never publishes).
    Partner,
}

/// Whether `from → to` is an edge of the state machine at all:
/// draft → in_review | published; in_review → draft | published; published → draft |
/// archived; archived → draft.
pub fn is_edge(from: ArticleState, to: ArticleState) -> bool {
    use ArticleState::*;
    matches!(
        (from, to),
        (Draft, InReview)
            | (Draft, Published)
            | (InReview, Draft)
            | (InReview, Published)
            | (Published, Draft)
            | (Published, Archived)
            | (Archived, Draft)
    )
}

/// Whether `editor` may move an article from `from` to `to`. Partners only submit their
/// drafts for review and take them back; publishing is always the company's decision.
pub fn may_transition(editor: Editor, from: ArticleState, to: ArticleState) -> bool {
    use ArticleState::*;
    is_edge(from, to)
        && match editor {
            Editor::Staff => true,
            Editor::Partner => matches!((from, to), (Draft, InReview) | (InReview, Draft)),
        }
}

/// Checks a requested transition: `Conflict` if it is no edge (a same-state request is
/// answered by the caller as a no-op before asking here).
pub fn transition(from: ArticleState, to: ArticleState) -> Result<ArticleState, DomainError> {
    if is_edge(from, to) {
        Ok(to)
    } else {
        Err(DomainError::Conflict(format!(
            "an article cannot go from {} to {}",
            from.as_str(),
            to.as_str()
        )))
    }
}

/// Who reads the knowledge base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reader {
    /// A visitor who is not signed in.
    Anonymous,
    /// A signed-in customer of the tenant.
    Customer,
    /// A partner principal with its granted categories.
    Partner {
        /// The party the partner token is bound to (its own drafts), if any.
        party: Option<PartyId>,
        /// The categories it may draft in.
        categories: Vec<CategoryId>,
    },
    /// Admins and agents: everything of the tenant.
    Staff,
}

/// The facts about an article the read and edit rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArticleFacts {
    /// Its state.
    pub state: ArticleState,
    /// Its visibility.
    pub visibility: ArticleVisibility,
    /// Its category.
    pub category: CategoryId,
    /// The partner party that created it, if a partner did.
    pub author_party: Option<PartyId>,
}

/// Whether `reader` may see the article. Internal articles reach staff only; customers
/// and visitors see published ones meant for them; partners see the non-internal
/// articles of their granted categories, in every state, and their own drafts.
pub fn may_read(reader: &Reader, a: &ArticleFacts) -> bool {
    use ArticleVisibility::*;
    let published = a.state == ArticleState::Published;
    match reader {
        Reader::Staff => true,
        Reader::Anonymous => published && a.visibility == Public,
        Reader::Customer => published && matches!(a.visibility, Public | Customers),
        Reader::Partner { party, categories } => {
            a.visibility != Internal
                && (categories.contains(&a.category)
                    || (party.is_some() && a.author_party == *party))
        }
    }
}

/// Whether `reader` may change the article's text: staff always; a partner only drafts in
/// a category granted to it.
pub fn may_edit(reader: &Reader, a: &ArticleFacts) -> bool {
    match reader {
        Reader::Staff => true,
        Reader::Partner { categories, .. } => {
            a.visibility != ArticleVisibility::Internal
                && a.state == ArticleState::Draft
                && categories.contains(&a.category)
        }
        Reader::Anonymous | Reader::Customer => false,
    }
}

/// Knowledge-base settings of a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KbSettings {
    /// Languages articles may be written in (BCP 47 tags such as `de`, `en`, `fr-CH`).
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
}

fn default_languages() -> Vec<String> {
    vec!["de".into(), "en".into()]
}

impl Default for KbSettings {
    fn default() -> Self {
        Self {
            languages: default_languages(),
        }
    }
}

impl KbSettings {
    /// Normalises and checks the language list (1–32 distinct valid tags).
    pub fn validate(self) -> Result<Self, DomainError> {
        if self.languages.is_empty() || self.languages.len() > MAX_LANGUAGES {
            return Err(DomainError::invalid("languages", "1–32 language tags"));
        }
        let mut out: Vec<String> = Vec::with_capacity(self.languages.len());
        for raw in &self.languages {
            let tag = language_tag(raw)?;
            if !out.contains(&tag) {
                out.push(tag);
            }
        }
        Ok(Self { languages: out })
    }

    /// The normalised tag if it is one of the tenant's languages.
    pub fn language(&self, raw: &str) -> Result<String, DomainError> {
        let tag = language_tag(raw)?;
        if self.languages.contains(&tag) {
            Ok(tag)
        } else {
            Err(DomainError::invalid(
                "language",
                format!(
                    "not one of this tenant's languages: {}",
                    self.languages.join(", ")
                ),
            ))
        }
    }
}

/// Normalises a language tag of the form `ll`, `lll` or `ll-RR` (ISO 639 language, ISO
/// 3166 region): `DE` → `de`, `de-at` → `de-AT`. Anything else is refused.
pub fn language_tag(raw: &str) -> Result<String, DomainError> {
    let bad = || DomainError::invalid("language", "expected a tag like de, en or de-AT");
    let (lang, region) = match raw.trim().split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (raw.trim(), None),
    };
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad());
    }
    let mut tag = lang.to_ascii_lowercase();
    if let Some(r) = region {
        if r.len() != 2 || !r.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(bad());
        }
        tag.push('-');
        tag.push_str(&r.to_ascii_uppercase());
    }
    Ok(tag)
}

/// Validates a category slug: 1–64 of `a-z`, `0-9`, `-`.
pub fn category_slug(raw: &str) -> Result<String, DomainError> {
    let s = raw.trim();
    if s.is_empty()
        || s.len() > 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(DomainError::invalid("slug", "1–64 of a-z, 0-9 and -"));
    }
    Ok(s.to_owned())
}

/// Validates an article title: trimmed, 1–200 characters, no control characters.
pub fn article_title(raw: &str) -> Result<String, DomainError> {
    crate::party::parse_display_name("title", raw)
}

/// Validates an article body (Markdown source): at most [`MAX_BODY_BYTES`], NUL replaced.
pub fn article_body(raw: &str) -> Result<String, DomainError> {
    if raw.len() > MAX_BODY_BYTES {
        return Err(DomainError::invalid("body", "at most 200 KiB"));
    }
    Ok(raw.replace('\0', "\u{FFFD}"))
}

/// Renders Markdown to HTML that is safe to show: raw HTML in the source, event handlers
/// and `javascript:`/`data:` links are removed by the same allow-list as message HTML.
pub fn render_markdown(source: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut out = String::with_capacity(source.len() + source.len() / 2);
    html::push_html(&mut out, Parser::new_ext(source, options));
    sanitise_html(&out)
}

/// The text a revision diff compares: the title as a heading line, then the body.
fn diff_text(title: &str, body: &str) -> String {
    let mut s = format!("# {title}\n\n{body}");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// A unified diff (3 lines of context) from revision `a` to revision `b`, each given as
/// `(number, title, body)`.
pub fn revision_diff(a: (u32, &str, &str), b: (u32, &str, &str)) -> String {
    let (old, new) = (diff_text(a.1, a.2), diff_text(b.1, b.2));
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("revision {}", a.0), &format!("revision {}", b.0))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: ArticleState, visibility: ArticleVisibility) -> ArticleFacts {
        ArticleFacts {
            state,
            visibility,
            category: CategoryId(uuid::Uuid::nil()),
            author_party: None,
        }
    }

    #[test]
    fn partners_never_publish_staff_follow_the_edges() {
        use ArticleState::*;
        for from in ArticleState::ALL {
            for to in ArticleState::ALL {
                if to == Published {
                    assert!(!may_transition(Editor::Partner, from, to));
                }
                assert_eq!(may_transition(Editor::Staff, from, to), is_edge(from, to));
                assert_eq!(transition(from, to).is_ok(), is_edge(from, to));
            }
        }
        assert!(may_transition(Editor::Partner, Draft, InReview));
        assert!(!may_transition(Editor::Staff, Archived, Published));
    }

    #[test]
    fn internal_articles_reach_staff_only() {
        let granted = Reader::Partner {
            party: None,
            categories: vec![CategoryId(uuid::Uuid::nil())],
        };
        for state in ArticleState::ALL {
            let a = facts(state, ArticleVisibility::Internal);
            assert!(may_read(&Reader::Staff, &a));
            for r in [Reader::Anonymous, Reader::Customer, granted.clone()] {
                assert!(!may_read(&r, &a), "{r:?} {state:?}");
                assert!(!may_edit(&r, &a));
            }
        }
        let draft = facts(ArticleState::Draft, ArticleVisibility::Public);
        assert!(!may_read(&Reader::Customer, &draft) && !may_read(&Reader::Anonymous, &draft));
        assert!(may_read(&granted, &draft) && may_edit(&granted, &draft));
        let customers = facts(ArticleState::Published, ArticleVisibility::Customers);
        assert!(may_read(&Reader::Customer, &customers));
        assert!(!may_read(&Reader::Anonymous, &customers));
        let ungranted = Reader::Partner {
            party: None,
            categories: vec![],
        };
        assert!(!may_read(&ungranted, &customers));
    }

    #[test]
    fn language_tags_are_normalised_and_checked() {
        assert_eq!(language_tag("DE").unwrap(), "de");
        assert_eq!(language_tag("de-at").unwrap(), "de-AT");
        for bad in ["", "d", "deutsch", "de-", "de-AUT", "e1", "de_AT", "<x>"] {
            assert!(language_tag(bad).is_err(), "{bad}");
        }
        let s = KbSettings::default();
        assert_eq!(s.language("EN").unwrap(), "en");
        assert!(s.language("fr").is_err());
        assert!(KbSettings { languages: vec![] }.validate().is_err());
    }

    #[test]
    fn b01_b06_markdown_renders_without_scripts_or_javascript_links() {
        let html = render_markdown(
            "# Hallo\n\n<img src=x onerror=alert(1)>\n\n[klick](javascript:alert(1)) **fett**\n\n<script>alert(1)</script>\n\n<JAVASCRIPT:alert(1)> [y](JaVaScRiPt:alert(1)) [z](data:text/html,x) <svg onload=alert(1)>",
        );
        assert!(html.contains("<h1>Hallo</h1>") && html.contains("<strong>fett</strong>"));
        assert!(!html.contains("onerror"), "{html}");
        // Link text may read "javascript:…"; no link may lead there.
        let lower = html.to_lowercase();
        assert!(
            !lower.contains("href=\"javascript") && !lower.contains("href=\"data:"),
            "{html}"
        );
        assert!(
            !lower.contains("onload") && !lower.contains("<svg"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn revision_diffs_are_unified() {
        let d = revision_diff((1, "T", "a\nb\n"), (2, "T", "a\nc\n"));
        assert!(
            d.contains("--- revision 1") && d.contains("+++ revision 2"),
            "{d}"
        );
        assert!(d.contains("-b\n") && d.contains("+c\n"), "{d}");
    }
}
