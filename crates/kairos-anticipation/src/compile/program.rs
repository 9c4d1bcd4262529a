//! The compiled program: rules and tables with names resolved, ready for the engine.

use crate::ast::{Cap, Quiet, TypePat};
use crate::expr::{CExpr, Field};
use crate::template::Template;

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub name: String,
    pub key: Vec<Field>,
    pub from: TypePat,
    pub cond: Option<CExpr>,
    pub keep: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub name: String,
    pub version: u32,
    pub by_place: bool,
    pub cooldown: Option<i64>,
    pub cap: Option<Cap>,
    pub quiet: Option<Quiet>,
    pub within: Option<i64>,
    pub steps: Vec<CStep>,
    pub actions: Vec<CAction>,
}

#[derive(Debug, Clone)]
pub(crate) struct CStep {
    pub alias: Option<String>,
    /// The fields later steps and actions read from this step's event, in slot order.
    pub captures: Vec<Field>,
    /// The step as written, for explanations.
    pub text: String,
    pub kind: CStepKind,
}

#[derive(Debug, Clone)]
pub(crate) enum HistoryRange {
    /// Between `min` and `max` µs before the previous step.
    Ago { min: i64, max: i64 },
    /// Between two instants computed from earlier steps.
    Between(CExpr, CExpr),
}

#[derive(Debug, Clone)]
pub(crate) enum CStepKind {
    Event {
        ty: TypePat,
        cond: Option<CExpr>,
        within: Option<i64>,
        times: u32,
    },
    Absent {
        ty: TypePat,
        cond: Option<CExpr>,
        within: i64,
    },
    History {
        first: bool,
        ty: TypePat,
        any_subject: bool,
        at: Option<CExpr>,
        cond: Option<CExpr>,
        range: HistoryRange,
    },
    Table {
        table: u16,
        keys: Vec<CExpr>,
        cond: Option<CExpr>,
        within: Option<i64>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum CAction {
    Notify {
        channels: Vec<String>,
        template: Template,
    },
    Coupon {
        offer: String,
        value_minor: i64,
        currency: String,
        expires_in: i64,
        channels: Vec<String>,
        template: Template,
    },
    OpenConversation(Template),
    Touchpoint(Template),
    Webhook {
        url: String,
        secret: String,
    },
    Emit {
        ty: String,
        place: Option<CExpr>,
        fields: Vec<(String, CExpr)>,
    },
}

impl CAction {
    /// Whether the customer sees it (caps and quiet hours apply).
    pub(crate) fn customer_facing(&self) -> bool {
        matches!(self, CAction::Notify { .. } | CAction::Coupon { .. })
    }
}
