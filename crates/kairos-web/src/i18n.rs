//! German and English: the Fluent catalogues (embedded), and which language a request gets
//! (`?lang=`, else the `kairos_lang` cookie, else `Accept-Language`, else English).

use axum::extract::FromRequestParts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use http::request::Parts;
use std::convert::Infallible;
use std::sync::LazyLock;

/// A language the UI speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// German.
    De,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Lang; 2] = [Lang::De, Lang::En];

    /// The BCP 47 tag (`lang` attribute, cookie value).
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::De => "Deutsch",
            Lang::En => "English",
        }
    }

    /// Parses a code: `de`, `en` (any case, with a region such as `de-AT`).
    pub fn parse(raw: &str) -> Option<Lang> {
        let primary = raw.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The message `id`, without arguments.
    pub fn msg(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with one argument (`{ $name }` in the catalogue).
    pub fn msg_with(self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.format(id, Some(&args))
    }

    /// The message `id` with a count (`{ $count }`, chooses the plural form).
    pub fn msg_count(self, id: &str, count: usize) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        self.format(id, Some(&args))
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = &BUNDLES[self as usize];
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            // A missing message is a bug the catalogue test catches; show the id, not a panic.
            tracing::warn!(id, lang = self.code(), "missing UI message");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// The catalogues, in [`Lang`] order.
pub(crate) const SOURCES: [&str; 2] = [
    include_str!("../locales/de.ftl"),
    include_str!("../locales/en.ftl"),
];

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| [bundle(Lang::De), bundle(Lang::En)]);

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = match lang {
        Lang::De => unic_langid::langid!("de"),
        Lang::En => unic_langid::langid!("en"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: they would end up inside form values.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(SOURCES[lang as usize].to_owned()) {
        Ok(r) => r,
        // The catalogue test fails on any syntax error; keep what parsed.
        Err((r, _)) => r,
    };
    if bundle.add_resource(resource).is_err() {
        tracing::error!(lang = lang.code(), "UI catalogue has duplicate messages");
    }
    bundle
}

/// `lang=xx` in a query string, if it names a language the UI speaks.
pub(crate) fn lang_from_query(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The best language of an `Accept-Language` header (by q-value, first wins ties).
pub(crate) fn negotiate(accept: &str) -> Option<Lang> {
    let mut best: Option<(Lang, f32)> = None;
    // Bounded: a hostile header with thousands of entries costs no more than 32 of them.
    for item in accept.split(',').take(32) {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(Lang::parse) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .filter(|q| q.is_finite())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((lang, q));
        }
    }
    best.map(|(l, _)| l)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let from_query = parts.uri.query().and_then(lang_from_query);
        let from_cookie =
            || kairos_http::auth::cookie(&parts.headers, "kairos_lang").and_then(Lang::parse);
        let from_header = || {
            parts
                .headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(negotiate)
        };
        Ok(from_query
            .or_else(from_cookie)
            .or_else(from_header)
            .unwrap_or(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message id the templates and the Rust sources ask for: the string after
    /// `msg("`, `msg_with("` or `msg_count("`.
    fn used_message_ids() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path != root.join("src/i18n.rs") {
                    files.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut ids = Vec::new();
        for text in files {
            for opener in ["msg(\"", "msg_with(\"", "msg_count(\""] {
                for (at, _) in text.match_indices(opener) {
                    let rest = &text[at + opener.len()..];
                    let id = &rest[..rest.find('"').unwrap()];
                    ids.push(id.to_owned());
                }
            }
        }
        ids.sort();
        ids.dedup();
        ids
    }

    #[test]
    fn accept_language_picks_the_highest_q() {
        assert_eq!(negotiate("de-DE,de;q=0.9,en;q=0.8"), Some(Lang::De));
        assert_eq!(negotiate("fr, en;q=0.5, de;q=0.4"), Some(Lang::En));
        assert_eq!(negotiate("en;q=0.2, de-AT;q=0.7"), Some(Lang::De));
        assert_eq!(negotiate("fr, it"), None);
        assert_eq!(negotiate("de;q=0, en;q=NaN"), Some(Lang::En));
        assert_eq!(negotiate(&"x,".repeat(100_000)), None);
    }

    #[test]
    fn query_lang_is_read_only_from_its_own_parameter() {
        assert_eq!(lang_from_query("view=mine&lang=de"), Some(Lang::De));
        assert_eq!(lang_from_query("slang=de"), None);
        assert_eq!(lang_from_query("lang=xx"), None);
    }

    /// Both catalogues parse, hold the same messages, and hold every message a template or
    /// handler asks for (so no page shows a bare message id).
    #[test]
    fn catalogues_are_complete_and_alike() {
        let mut keys = Vec::new();
        for source in SOURCES {
            let resource = FluentResource::try_new(source.to_owned())
                .unwrap_or_else(|(_, e)| panic!("catalogue syntax: {e:?}"));
            let mut ids: Vec<String> = resource
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect();
            ids.sort();
            keys.push(ids);
        }
        assert_eq!(
            keys[0], keys[1],
            "de.ftl and en.ftl hold different messages"
        );
        let used = used_message_ids();
        assert!(used.len() > 20, "the scan found the messages in use");
        for id in used {
            assert!(
                keys[0].contains(&id),
                "message {id} is used but not in the catalogues"
            );
        }
    }
}
