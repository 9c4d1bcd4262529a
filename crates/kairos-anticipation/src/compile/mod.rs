//! Checks a parsed rule file and turns it into a [`RuleSet`]: names resolved to slots,
//! windows bounded, templates compiled. Errors carry the line and column.

use crate::ast::{
    ActionDef, Cap, Expr, ExprKind, Joiner, Quiet, RuleDef, RuleFile, StepKind, TableDef,
};
use crate::error::{Limits, RuleError};
use crate::expr::{CExpr, Field};
use crate::lexer::Pos;
use crate::parser::parse;
use crate::template::Template;

mod program;
pub(crate) use program::*;

/// A checked, ready-to-run set of rules and reference tables (one tenant's rule file).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) tables: Vec<Table>,
    pub(crate) cap: Option<Cap>,
    pub(crate) limits: Limits,
    /// The longest time any partial match, cooldown, cap or table row can live, in µs.
    pub(crate) horizon: i64,
}

/// A summary of one rule, for listings (`kairos rules check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// How many steps its pattern has.
    pub steps: usize,
    /// How many actions it fires.
    pub actions: usize,
}

impl RuleSet {
    /// Parses and checks a rule file with the default [`Limits`].
    pub fn parse(src: &str) -> Result<RuleSet, RuleError> {
        Self::parse_with(src, Limits::default())
    }

    /// Parses and checks a rule file with the given limits.
    pub fn parse_with(src: &str, limits: Limits) -> Result<RuleSet, RuleError> {
        let file = parse(src, &limits)?;
        compile(src, file, limits)
    }

    /// The rules, in file order.
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| RuleInfo {
                name: r.name.clone(),
                version: r.version,
                steps: r.steps.len(),
                actions: r.actions.len(),
            })
            .collect()
    }

    /// The names of the reference tables.
    pub fn tables(&self) -> Vec<String> {
        self.tables.iter().map(|t| t.name.clone()).collect()
    }

    /// The limits the set was checked with (the engine uses them for state too).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The longest any state can live (partial match, cooldown, cap window, table row), in µs.
    pub fn horizon_us(&self) -> i64 {
        self.horizon
    }
}

fn compile(src: &str, file: RuleFile, limits: Limits) -> Result<RuleSet, RuleError> {
    let chars: Vec<char> = src.chars().collect();
    let mut tables = Vec::new();
    for t in &file.tables {
        if tables.iter().any(|x: &Table| x.name == t.name) {
            return Err(RuleError::at(
                t.pos,
                format!("table `{}` is declared twice", t.name),
            ));
        }
        tables.push(compile_table(t)?);
    }
    let mut rules: Vec<Rule> = Vec::new();
    let mut horizon = tables.iter().map(|t| t.keep).max().unwrap_or(0);
    horizon = horizon.max(file.cap.map_or(0, |c| c.per));
    for r in &file.rules {
        if rules.iter().any(|x| x.name == r.name) {
            return Err(RuleError::at(
                r.pos,
                format!("rule `{}` is defined twice", r.name),
            ));
        }
        let rule = RuleCompiler {
            def: r,
            tables: &file.tables,
            aliases: Vec::new(),
            captures: Vec::new(),
            lookback: limits.max_lookback_us,
        }
        .compile(&chars, file.quiet)?;
        // An upper bound on a match's life: the sum of its step windows, or the rule's
        // own `within` when that is longer.
        let waits: i64 = rule
            .steps
            .iter()
            .map(|s| match &s.kind {
                CStepKind::Event { within, .. } | CStepKind::Table { within, .. } => {
                    within.unwrap_or(0)
                }
                CStepKind::Absent { within, .. } => *within,
                CStepKind::History { .. } => 0,
            })
            .sum();
        let life = rule.within.unwrap_or(0).max(waits);
        horizon = horizon
            .max(life)
            .max(rule.cooldown.unwrap_or(0))
            .max(rule.cap.map_or(0, |c| c.per));
        rules.push(rule);
    }
    Ok(RuleSet {
        rules,
        tables,
        cap: file.cap,
        limits,
        horizon,
    })
}

fn compile_table(t: &TableDef) -> Result<Table, RuleError> {
    let cond = match &t.cond {
        Some(e) => Some(bare_only(e)?),
        None => None,
    };
    Ok(Table {
        name: t.name.clone(),
        key: t.key.iter().map(|(k, _)| Field::named(k)).collect(),
        from: t.from.clone(),
        cond,
        keep: t.keep,
    })
}

/// A table condition sees only the feeding event.
fn bare_only(e: &Expr) -> Result<CExpr, RuleError> {
    let mut c = RuleCompiler {
        def: &EMPTY_RULE,
        tables: &[],
        aliases: Vec::new(),
        captures: Vec::new(),
        lookback: 0,
    };
    c.expr(e, true)
}

static EMPTY_RULE: RuleDef = RuleDef {
    name: String::new(),
    pos: Pos { line: 0, col: 0 },
    version: 0,
    by_place: false,
    cooldown: None,
    cap: None,
    quiet: None,
    within: None,
    steps: Vec::new(),
    actions: Vec::new(),
};

struct RuleCompiler<'a> {
    def: &'a RuleDef,
    tables: &'a [TableDef],
    /// Alias name → step index, for the steps compiled so far.
    aliases: Vec<(String, u16)>,
    /// Captured fields per step.
    captures: Vec<Vec<Field>>,
    /// Longest look-back allowed, in µs.
    lookback: i64,
}

impl RuleCompiler<'_> {
    fn compile(mut self, chars: &[char], file_quiet: Option<Quiet>) -> Result<Rule, RuleError> {
        let def = self.def;
        let mut steps = Vec::new();
        for (i, s) in def.steps.iter().enumerate() {
            let kind = self.step(i, s.joiner, s.pos, &s.kind)?;
            let alias = match &s.kind {
                StepKind::Event { alias, .. }
                | StepKind::History { alias, .. }
                | StepKind::Table { alias, .. } => alias.clone(),
                StepKind::Absent { .. } => None,
            };
            if let Some((name, pos)) = &alias {
                if self.aliases.iter().any(|(a, _)| a == name) {
                    return Err(RuleError::at(*pos, format!("`{name}` is already bound")));
                }
                self.aliases.push((name.clone(), i as u16));
            }
            self.captures.push(Vec::new());
            let end = s.span.1.min(chars.len());
            steps.push(CStep {
                alias: alias.map(|a| a.0),
                captures: Vec::new(),
                text: chars[s.span.0.min(end)..end]
                    .iter()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                kind,
            });
        }
        let mut actions = Vec::new();
        for a in &def.actions {
            actions.push(self.action(a)?);
        }
        for (step, caps) in steps.iter_mut().zip(self.captures) {
            step.captures = caps;
        }
        Ok(Rule {
            name: def.name.clone(),
            version: def.version,
            by_place: def.by_place,
            cooldown: def.cooldown,
            cap: def.cap,
            quiet: def.quiet.or(file_quiet),
            within: def.within,
            steps,
            actions,
        })
    }

    fn step(
        &mut self,
        i: usize,
        joiner: Joiner,
        pos: Pos,
        kind: &StepKind,
    ) -> Result<CStepKind, RuleError> {
        let rule_within = self.def.within.is_some();
        let bounded = |w: Option<i64>| w.is_some() || rule_within;
        let opt = |c: &mut Self, e: &Option<Expr>, bare: bool| match e {
            Some(e) => c.expr(e, bare).map(Some),
            None => Ok(None),
        };
        Ok(match kind {
            StepKind::Event {
                ty,
                cond,
                within,
                times,
                ..
            } => {
                if i > 0 && joiner != Joiner::FollowedBy {
                    return Err(RuleError::at(
                        pos,
                        "an event step is joined with `followed by`",
                    ));
                }
                if i > 0 && !bounded(*within) {
                    return Err(RuleError::at(
                        pos,
                        "unbounded wait: add `within D` to the step or the rule",
                    ));
                }
                CStepKind::Event {
                    ty: ty.clone(),
                    cond: opt(self, cond, true)?,
                    within: if i == 0 && times.is_none() {
                        None
                    } else {
                        *within
                    },
                    times: times.unwrap_or(1),
                }
            }
            _ if i == 0 => {
                return Err(RuleError::at(
                    pos,
                    "a rule starts with an event (`when A = TYPE …`), not with `not`, `was` or a table",
                ));
            }
            StepKind::Absent { ty, cond, within } => {
                if joiner != Joiner::FollowedBy {
                    return Err(RuleError::at(pos, "`not …` is joined with `followed by`"));
                }
                CStepKind::Absent {
                    ty: ty.clone(),
                    cond: opt(self, cond, true)?,
                    within: *within,
                }
            }
            StepKind::History {
                first,
                ty,
                any_subject,
                at,
                cond,
                from,
                to,
                ago,
                ..
            } => {
                if joiner != Joiner::And {
                    return Err(RuleError::at(
                        pos,
                        "`was …` is joined with `and` (it looks back at once)",
                    ));
                }
                let range = if *ago {
                    match (&from.kind, &to.kind) {
                        (ExprKind::Dur(a), ExprKind::Dur(b)) => {
                            let (min, max) = ((*a).min(*b), (*a).max(*b));
                            if max > self.lookback {
                                return Err(RuleError::at(
                                    from.pos,
                                    format!(
                                        "look-back is longer than the limit of {}d",
                                        self.lookback / 86_400_000_000
                                    ),
                                ));
                            }
                            HistoryRange::Ago { min, max }
                        }
                        _ => {
                            return Err(RuleError::at(
                                from.pos,
                                "`between X and Y ago` takes two durations such as 13d and 15d",
                            ));
                        }
                    }
                } else {
                    HistoryRange::Between(self.expr(from, false)?, self.expr(to, false)?)
                };
                CStepKind::History {
                    first: *first,
                    ty: ty.clone(),
                    any_subject: *any_subject,
                    at: opt(self, at, false)?,
                    cond: opt(self, cond, true)?,
                    range,
                }
            }
            StepKind::Table {
                table,
                keys,
                cond,
                within,
                ..
            } => {
                let Some(t) = self.tables.iter().position(|t| t.name == table.0) else {
                    return Err(RuleError::at(
                        table.1,
                        format!("no table named `{}`", table.0),
                    ));
                };
                let want = self.tables[t].key.len();
                if keys.len() != want {
                    return Err(RuleError::at(
                        table.1,
                        format!(
                            "table `{}` has a key of {want} field(s), given {}",
                            table.0,
                            keys.len()
                        ),
                    ));
                }
                match (joiner, within) {
                    (Joiner::And, Some(_)) => {
                        return Err(RuleError::at(
                            pos,
                            "a table step that waits (`within`) is joined with `followed by`",
                        ));
                    }
                    (Joiner::FollowedBy, None) => {
                        return Err(RuleError::at(
                            pos,
                            "a table step joined with `followed by` needs `within D`; use `and` to look only now",
                        ));
                    }
                    _ => {}
                }
                let keys = keys
                    .iter()
                    .map(|k| self.expr(k, false))
                    .collect::<Result<Vec<_>, _>>()?;
                CStepKind::Table {
                    table: t as u16,
                    keys,
                    cond: opt(self, cond, true)?,
                    within: *within,
                }
            }
        })
    }

    fn action(&mut self, a: &ActionDef) -> Result<CAction, RuleError> {
        let tpl = |c: &mut Self, (s, pos): &(String, Pos)| {
            Template::compile(s, *pos, &mut |path, p| c.path(path, p, false))
        };
        Ok(match a {
            ActionDef::Notify { channels, template } => CAction::Notify {
                channels: channels.clone(),
                template: tpl(self, template)?,
            },
            ActionDef::Coupon {
                offer,
                value_minor,
                currency,
                expires_in,
                channels,
                template,
            } => CAction::Coupon {
                offer: offer.clone(),
                value_minor: *value_minor,
                currency: currency.clone(),
                expires_in: *expires_in,
                channels: channels.clone(),
                template: tpl(self, template)?,
            },
            ActionDef::OpenConversation { subject } => {
                CAction::OpenConversation(tpl(self, subject)?)
            }
            ActionDef::Touchpoint { text } => CAction::Touchpoint(tpl(self, text)?),
            ActionDef::Webhook { url, secret } => CAction::Webhook {
                url: url.clone(),
                secret: secret.clone(),
            },
            ActionDef::Emit { ty, fields } => {
                let mut place = None;
                let mut out = Vec::new();
                for (k, e) in fields {
                    let c = self.expr(e, false)?;
                    if k == "place" {
                        place = Some(c);
                    } else {
                        out.push((k.clone(), c));
                    }
                }
                CAction::Emit {
                    ty: ty.clone(),
                    place,
                    fields: out,
                }
            }
        })
    }

    /// Compiles an expression; `bare` allows plain field names (the current event).
    fn expr(&mut self, e: &Expr, bare: bool) -> Result<CExpr, RuleError> {
        let b = |c: &mut Self, x: &Expr| c.expr(x, bare).map(Box::new);
        Ok(match &e.kind {
            ExprKind::Lit(v) => CExpr::Lit(v.clone()),
            ExprKind::Dur(d) => CExpr::Dur(*d),
            ExprKind::Path(p) => self.path(p, e.pos, bare)?,
            ExprKind::Not(x) => CExpr::Not(b(self, x)?),
            ExprKind::And(x, y) => CExpr::And(b(self, x)?, b(self, y)?),
            ExprKind::Or(x, y) => CExpr::Or(b(self, x)?, b(self, y)?),
            ExprKind::Cmp(op, x, y) => CExpr::Cmp(*op, b(self, x)?, b(self, y)?),
            ExprKind::In(x, items) => CExpr::In(
                b(self, x)?,
                items
                    .iter()
                    .map(|i| self.expr(i, bare))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Add(x, y) => CExpr::Add(b(self, x)?, b(self, y)?),
            ExprKind::Sub(x, y) => CExpr::Sub(b(self, x)?, b(self, y)?),
        })
    }

    fn path(&mut self, p: &[String], pos: Pos, bare: bool) -> Result<CExpr, RuleError> {
        match p {
            [field] if bare => Ok(CExpr::Cur(Field::named(field))),
            [field] => Err(RuleError::at(
                pos,
                format!("`{field}` needs an event: write alias.{field} (e.g. here.{field})"),
            )),
            [alias, field] => {
                let Some(&(_, step)) = self.aliases.iter().find(|(a, _)| a == alias) else {
                    return Err(RuleError::at(
                        pos,
                        format!("`{alias}` is not bound by an earlier step"),
                    ));
                };
                let f = Field::named(field);
                if f == Field::Time {
                    return Ok(CExpr::BoundTime(step));
                }
                let caps = &mut self.captures[usize::from(step)];
                let slot = match caps.iter().position(|c| *c == f) {
                    Some(s) => s,
                    None => {
                        caps.push(f);
                        caps.len() - 1
                    }
                };
                Ok(CExpr::Bound(step, slot as u16))
            }
            _ => Err(RuleError::at(pos, "a name has at most one dot")),
        }
    }
}
