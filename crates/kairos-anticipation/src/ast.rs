//! The syntax tree of a rule file, as the parser produces it (see `docs/anticipation.md`
//! for the grammar).

use crate::lexer::Pos;
use crate::value::Value;

/// A whole rule file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleFile {
    /// Reference tables, in file order.
    pub tables: Vec<TableDef>,
    /// Rules, in file order.
    pub rules: Vec<RuleDef>,
    /// A cap over all rules per subject (`cap N per D` at top level).
    pub cap: Option<Cap>,
    /// Quiet hours for every rule that does not set its own.
    pub quiet: Option<Quiet>,
}

/// Which event types a pattern accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypePat {
    /// Any type (`*`).
    Any,
    /// Exactly this type.
    Exact(String),
    /// Types starting with this prefix (`presence.*` is the prefix `presence.`).
    Prefix(String),
}

impl TypePat {
    /// Whether `ty` is accepted.
    pub fn matches(&self, ty: &str) -> bool {
        match self {
            TypePat::Any => true,
            TypePat::Exact(t) => t == ty,
            TypePat::Prefix(p) => ty.starts_with(p.as_str()),
        }
    }
}

impl std::fmt::Display for TypePat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypePat::Any => f.write_str("*"),
            TypePat::Exact(t) => f.write_str(t),
            TypePat::Prefix(p) => write!(f, "{p}*"),
        }
    }
}

/// `table NAME key F1, F2 from TYPE [where COND] keep D`
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    /// Its name.
    pub name: String,
    /// Where it is declared.
    pub pos: Pos,
    /// The key fields of the feeding event, in order.
    pub key: Vec<(String, Pos)>,
    /// Which events feed it.
    pub from: TypePat,
    /// Which of those events count.
    pub cond: Option<Expr>,
    /// How long a row lives after its last update, in µs.
    pub keep: i64,
}

/// `cap N per D`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// At most this many customer-facing messages …
    pub count: u32,
    /// … per this rolling window, in µs.
    pub per: i64,
}

/// `quiet hours HH:MM to HH:MM [hold up to D]`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quiet {
    /// Start, minutes after local midnight.
    pub start: u32,
    /// End, minutes after local midnight (may be before `start`: the window wraps midnight).
    pub end: u32,
    /// Held messages older than this when the window ends are dropped, in µs.
    pub hold_up_to: Option<i64>,
}

/// `rule NAME [version N] options when STEP … then ACTION … end`
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    /// Its name.
    pub name: String,
    /// Where it starts.
    pub pos: Pos,
    /// Its version (1 unless given).
    pub version: u32,
    /// `partition by subject, place`.
    pub by_place: bool,
    /// `cooldown D`, in µs.
    pub cooldown: Option<i64>,
    /// `cap N per D` for this rule.
    pub cap: Option<Cap>,
    /// `quiet hours …` for this rule.
    pub quiet: Option<Quiet>,
    /// `within D`: the whole match must complete within D of its first event.
    pub within: Option<i64>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The actions, in order.
    pub actions: Vec<ActionDef>,
}

/// How a step is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joiner {
    /// The first step (`when`).
    When,
    /// `and`: checked at once (history, table lookups).
    And,
    /// `followed by`: waits for something later.
    FollowedBy,
}

/// One step of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Where it starts.
    pub pos: Pos,
    /// How it is joined.
    pub joiner: Joiner,
    /// Character span in the source, for explanations.
    pub span: (usize, usize),
    /// What it matches.
    pub kind: StepKind,
}

/// The kinds of step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// `[A =] TYPE [where C] [within D]`, or `N times [A =] TYPE [where C] within D`.
    Event {
        /// Name to refer to the event later.
        alias: Option<(String, Pos)>,
        /// Accepted types.
        ty: TypePat,
        /// Condition.
        cond: Option<Expr>,
        /// Window, in µs.
        within: Option<i64>,
        /// `N times`.
        times: Option<u32>,
    },
    /// `not TYPE [where C] within D`: nothing matching for D.
    Absent {
        /// Types that break the absence.
        ty: TypePat,
        /// Condition.
        cond: Option<Expr>,
        /// How long, in µs.
        within: i64,
    },
    /// `was [first|last] [A =] [TYPE] [of any subject] [at E] [where C] between X and Y [ago]`
    History {
        /// Name for the found event.
        alias: Option<(String, Pos)>,
        /// Take the oldest match instead of the newest.
        first: bool,
        /// Accepted types.
        ty: TypePat,
        /// Search every subject (reference data), not only the match's subject.
        any_subject: bool,
        /// Place the event must have.
        at: Option<Expr>,
        /// Condition.
        cond: Option<Expr>,
        /// Range bounds (durations with `ago`, else instants).
        from: Expr,
        /// Other bound.
        to: Expr,
        /// Whether the bounds are durations before the previous step.
        ago: bool,
    },
    /// `[A =] TABLE[K1, K2] [where C] [within D]`
    Table {
        /// Name for the row.
        alias: Option<(String, Pos)>,
        /// The table.
        table: (String, Pos),
        /// Key expressions, one per key field.
        keys: Vec<Expr>,
        /// Condition on the row.
        cond: Option<Expr>,
        /// Wait for a matching update up to D (else: only look now).
        within: Option<i64>,
    },
}

/// An expression with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Where it starts.
    pub pos: Pos,
    /// What it is.
    pub kind: ExprKind,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Lit(Value),
    /// A duration literal, in µs.
    Dur(i64),
    /// `field` (of the current event) or `alias.field`.
    Path(Vec<String>),
    /// `not E`
    Not(Box<Expr>),
    /// `A and B`
    And(Box<Expr>, Box<Expr>),
    /// `A or B`
    Or(Box<Expr>, Box<Expr>),
    /// `A op B`
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `A in [B, C]`
    In(Box<Expr>, Vec<Expr>),
    /// `A + B` (time plus duration)
    Add(Box<Expr>, Box<Expr>),
    /// `A - B` (time minus duration)
    Sub(Box<Expr>, Box<Expr>),
}

/// An action, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionDef {
    /// `notify [via C1, C2] "template"`
    Notify {
        /// Channels in order of preference (`preferred` = the customer's own choice).
        channels: Vec<String>,
        /// The message template.
        template: (String, Pos),
    },
    /// `coupon "offer" value 3.50 EUR expires in 2h [via …] "template"`
    Coupon {
        /// Offer name.
        offer: String,
        /// Value in minor units.
        value_minor: i64,
        /// ISO 4217 code.
        currency: String,
        /// Validity after issue, in µs.
        expires_in: i64,
        /// Delivery channels.
        channels: Vec<String>,
        /// Delivery message template.
        template: (String, Pos),
    },
    /// `open conversation "subject"`
    OpenConversation {
        /// Subject line template.
        subject: (String, Pos),
    },
    /// `touchpoint "text"`
    Touchpoint {
        /// Text template.
        text: (String, Pos),
    },
    /// `webhook "url" signed with "secret-name"`
    Webhook {
        /// Target URL.
        url: String,
        /// Name of the tenant secret the caller signs with.
        secret: String,
    },
    /// `emit TYPE { name: expr, … }`
    Emit {
        /// Type of the derived event.
        ty: String,
        /// Its place and attributes.
        fields: Vec<(String, Expr)>,
    },
}
