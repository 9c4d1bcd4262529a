//! A deterministic generator of mixed German/English service documents: articles, forum
//! threads and posts, conversations and messages, with Zipf-distributed vocabulary, inflected
//! verbs and German compounds built from the analyzer's word list (so compound splitting is
//! exercised on realistic words, and on compounds the list does not cover).

use kairos_core::ids::{CustomerId, TenantId};
use kairos_core::message::Channel;
use kairos_search::{Document, Kind, Language, State, Visibility};
use uuid::Uuid;

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    /// A generator for document `i` of run `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// Zipf-like rank in 0..n (probability falls with the rank).
    pub fn zipf(&mut self, n: usize) -> usize {
        // Inverse of a continuous 1/x law over 1..=n.
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let r = ((n as f64 + 1.0).powf(u) - 1.0) as usize;
        r.min(n - 1)
    }
    /// True with probability p.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

const DE_VERBS: &[&str] = &[
    "kündigen",
    "kündige",
    "kündigt",
    "gekündigt",
    "bestellen",
    "bestellt",
    "zahlen",
    "bezahlt",
    "erhalten",
    "erhielt",
    "senden",
    "geschickt",
    "ändern",
    "geändert",
    "prüfen",
    "geprüft",
    "erstatten",
    "erstattet",
    "buchen",
    "gebucht",
    "stornieren",
    "storniert",
    "melden",
    "gemeldet",
    "verlängern",
    "verlängert",
    "wechseln",
    "gewechselt",
    "funktioniert",
    "fehlt",
    "brauche",
    "möchte",
    "warte",
    "bekomme",
    "liefern",
    "geliefert",
    "aktivieren",
    "sperren",
    "entsperren",
    "zurücksenden",
    "reklamieren",
    "beantragen",
    "bestätigen",
    "anrufen",
];
const DE_ADJ: &[&str] = &[
    "neue",
    "alten",
    "monatliche",
    "falsche",
    "defekte",
    "offene",
    "schnelle",
    "teuer",
    "kostenlos",
    "dringend",
    "letzten",
    "nächsten",
    "digitale",
    "schriftlich",
    "online",
    "persönlichen",
    "gültige",
    "abgelaufene",
    "doppelte",
    "fehlerhafte",
];
const DE_FUNCTION: &[&str] = &[
    "der", "die", "das", "und", "ich", "mein", "meine", "meinen", "ist", "nicht", "bitte", "zum",
    "mit", "für", "von", "auf", "wie", "warum", "wann", "seit", "noch", "schon", "kein", "Sie",
    "Ihr", "Ihre", "wir", "uns", "einen", "eine", "im", "am", "bei", "nach",
];
const EN_NOUNS: &[&str] = &[
    "contract",
    "invoice",
    "bill",
    "payment",
    "refund",
    "order",
    "delivery",
    "parcel",
    "account",
    "password",
    "subscription",
    "plan",
    "tariff",
    "cancellation",
    "notice",
    "period",
    "deadline",
    "fee",
    "charge",
    "credit",
    "card",
    "bank",
    "transfer",
    "address",
    "phone",
    "number",
    "router",
    "internet",
    "connection",
    "outage",
    "network",
    "signal",
    "device",
    "warranty",
    "repair",
    "return",
    "exchange",
    "voucher",
    "discount",
    "price",
    "customer",
    "service",
    "support",
    "agent",
    "ticket",
    "booking",
    "flight",
    "hotel",
    "train",
    "delay",
    "compensation",
    "insurance",
    "claim",
    "policy",
    "damage",
    "doctor",
    "appointment",
    "prescription",
    "meter",
    "reading",
    "electricity",
    "gas",
    "water",
    "statement",
    "balance",
    "limit",
    "login",
    "email",
    "message",
    "portal",
    "app",
    "update",
    "data",
    "privacy",
    "consent",
    "complaint",
    "feedback",
    "manager",
    "shipment",
    "tracking",
    "package",
    "store",
    "branch",
    "upgrade",
    "downgrade",
    "renewal",
    "term",
    "month",
    "year",
];
const EN_VERBS: &[&str] = &[
    "cancel",
    "cancelled",
    "cancelling",
    "order",
    "ordered",
    "pay",
    "paid",
    "receive",
    "received",
    "send",
    "sent",
    "change",
    "changed",
    "check",
    "checked",
    "refund",
    "refunded",
    "book",
    "booked",
    "report",
    "reported",
    "extend",
    "extended",
    "switch",
    "switched",
    "works",
    "missing",
    "need",
    "want",
    "waiting",
    "get",
    "deliver",
    "delivered",
    "activate",
    "block",
    "unblock",
    "return",
    "returned",
    "complain",
    "apply",
    "confirm",
    "call",
];
const EN_ADJ: &[&str] = &[
    "new",
    "old",
    "monthly",
    "wrong",
    "broken",
    "open",
    "fast",
    "expensive",
    "free",
    "urgent",
    "last",
    "next",
    "digital",
    "written",
    "online",
    "personal",
    "valid",
    "expired",
    "double",
    "faulty",
];
const EN_FUNCTION: &[&str] = &[
    "the", "a", "and", "i", "my", "is", "not", "please", "to", "with", "for", "of", "on", "how",
    "why", "when", "since", "still", "already", "no", "you", "your", "we", "us", "an", "in", "at",
    "after", "can", "do",
];
const CATEGORIES: &[&str] = &[
    "vertrag",
    "rechnung",
    "lieferung",
    "technik",
    "konto",
    "tarife",
    "reisen",
    "versicherung",
    "datenschutz",
    "partner-geraete",
    "partner-reisen",
    "intern",
];

/// The vocabulary, built once.
pub struct Vocab {
    de_nouns: Vec<String>,
    de_compounds: Vec<String>,
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Vocab {
    /// German nouns from the analyzer's word list, and compounds of them (~20 % with a head
    /// the list does not know, so some compounds stay whole).
    pub fn new() -> Self {
        let list = include_str!("../../src/analysis/de-words.txt");
        let de_nouns: Vec<String> = list
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|w| w.len() >= 4)
            .map(capitalise)
            .collect();
        let mut rng = Rng::new(7);
        let extra_heads = ["schein", "wesen", "kram", "dings", "zettel", "sache"];
        let mut de_compounds = Vec::new();
        for _ in 0..4000 {
            let a = &de_nouns[rng.below(de_nouns.len())];
            let head = if rng.chance(0.2) {
                extra_heads[rng.below(extra_heads.len())].to_owned()
            } else {
                de_nouns[rng.below(de_nouns.len())].to_lowercase()
            };
            let suffix_wants_s = ["ung", "heit", "keit"].iter().any(|s| a.ends_with(s));
            let link = if suffix_wants_s || rng.chance(0.3) {
                "s"
            } else {
                ""
            };
            de_compounds.push(format!("{a}{link}{head}"));
        }
        Vocab {
            de_nouns,
            de_compounds,
        }
    }

    fn word(&self, rng: &mut Rng, language: Language) -> String {
        let roll = rng.below(100);
        match language {
            Language::De => match roll {
                0..=29 => DE_FUNCTION[rng.zipf(DE_FUNCTION.len())].to_owned(),
                30..=59 => self.de_nouns[rng.zipf(self.de_nouns.len())].clone(),
                60..=71 => self.de_compounds[rng.zipf(self.de_compounds.len())].clone(),
                72..=89 => DE_VERBS[rng.zipf(DE_VERBS.len())].to_owned(),
                _ => DE_ADJ[rng.zipf(DE_ADJ.len())].to_owned(),
            },
            Language::En => match roll {
                0..=34 => EN_FUNCTION[rng.zipf(EN_FUNCTION.len())].to_owned(),
                35..=69 => EN_NOUNS[rng.zipf(EN_NOUNS.len())].to_owned(),
                70..=87 => EN_VERBS[rng.zipf(EN_VERBS.len())].to_owned(),
                _ => EN_ADJ[rng.zipf(EN_ADJ.len())].to_owned(),
            },
        }
    }

    fn text(&self, rng: &mut Rng, language: Language, words: usize) -> String {
        let mut out = String::with_capacity(words * 9);
        let mut sentence = 0;
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            let w = self.word(rng, language);
            if sentence == 0 {
                out.push_str(&capitalise(&w));
            } else {
                out.push_str(&w);
            }
            sentence += 1;
            if sentence > 6 && rng.chance(0.15) {
                out.push(if rng.chance(0.2) { '?' } else { '.' });
                sentence = 0;
            }
        }
        out.push('.');
        out
    }
}

/// The bench tenants: the big one holds 90 % of the documents.
pub fn tenants() -> [TenantId; 2] {
    [
        TenantId::from(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)),
        TenantId::from(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002)),
    ]
}

/// Customers of the big tenant (owners of conversations).
pub fn customer(n: u64) -> CustomerId {
    CustomerId::from(Uuid::from_u128(
        0x0190_0000_0000_7000_9000_0000_0000_0000 | u128::from(n),
    ))
}

/// Number of distinct customers.
pub const CUSTOMERS: u64 = 20_000;

/// Document `i` (deterministic).
pub fn document(vocab: &Vocab, i: u64) -> Document {
    let mut rng = Rng::new(i);
    let tenant = tenants()[usize::from(rng.below(10) == 0)];
    let language = if rng.below(10) < 6 {
        Language::De
    } else {
        Language::En
    };
    let (kind, title_words, body_words) = match rng.below(100) {
        0..=4 => (Kind::Article, 3 + rng.below(5), 80 + rng.below(150)),
        5..=7 => (Kind::ForumThread, 4 + rng.below(6), 30 + rng.below(80)),
        8..=14 => (Kind::ForumPost, 0, 20 + rng.below(60)),
        15..=34 => (Kind::Conversation, 3 + rng.below(5), 15 + rng.below(30)),
        _ => (Kind::Message, 0, 10 + rng.below(60)),
    };
    let knowledge = matches!(kind, Kind::Article | Kind::ForumThread | Kind::ForumPost);
    let category = knowledge.then(|| CATEGORIES[rng.zipf(CATEGORIES.len())].to_owned());
    let (state, visibility) = if knowledge {
        let state = match rng.below(20) {
            0 => State::Draft,
            1 => State::InReview,
            2 => State::Archived,
            _ => State::Published,
        };
        let visibility = match (category.as_deref(), rng.below(10)) {
            (Some("intern"), _) | (_, 0) => Visibility::Internal,
            (_, 1..=2) => Visibility::Customers,
            _ => Visibility::Public,
        };
        (state, visibility)
    } else {
        let state = [State::Open, State::Pending, State::Resolved, State::Closed][rng.below(4)];
        let note = kind == Kind::Message && rng.below(10) == 0;
        (
            state,
            if note {
                Visibility::Internal
            } else {
                Visibility::Customers
            },
        )
    };
    let channel = (!knowledge).then(|| Channel::ALL[rng.zipf(Channel::ALL.len())]);
    let owner = matches!(kind, Kind::Conversation | Kind::Message | Kind::ForumPost)
        .then(|| customer(rng.next() % CUSTOMERS));
    let title = if title_words > 0 {
        vocab.text(&mut rng, language, title_words)
    } else {
        String::new()
    };
    let body = vocab.text(&mut rng, language, body_words);
    Document {
        tenant,
        id: Uuid::from_u128(0x0190_0000_0000_7000_a000_0000_0000_0000 | u128::from(i)),
        kind,
        language,
        title,
        body,
        category,
        state,
        channel,
        visibility,
        owner,
        parent: None,
        seq: i + 1,
    }
}
