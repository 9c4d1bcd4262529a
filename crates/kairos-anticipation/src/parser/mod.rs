//! The hand-written recursive-descent parser: tokens to a [`RuleFile`]. Every error names
//! the line and column of the token that was not expected.

mod action;
mod expr;

use crate::ast::*;
use crate::error::{Limits, RuleError};
use crate::lexer::{Pos, Tok, Token, lex};

/// Parses a rule file (size and nesting limits from `limits`).
pub fn parse(src: &str, limits: &Limits) -> Result<RuleFile, RuleError> {
    if src.len() > limits.max_file_bytes {
        return Err(RuleError::at(
            Pos { line: 1, col: 1 },
            format!(
                "rule file is {} bytes, more than the limit of {}",
                src.len(),
                limits.max_file_bytes
            ),
        ));
    }
    let toks = lex(src, limits)?;
    let mut p = Parser {
        toks,
        i: 0,
        limits,
        depth: 0,
    };
    p.file()
}

pub(crate) struct Parser<'l> {
    toks: Vec<Token>,
    i: usize,
    limits: &'l Limits,
    depth: usize,
}

const STEP_WORDS: [&str; 4] = ["of", "at", "where", "between"];

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].tok
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.i + n).min(self.toks.len() - 1)].tok
    }
    fn pos(&self) -> Pos {
        self.toks[self.i.min(self.toks.len() - 1)].pos
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, RuleError> {
        let found = match self.peek() {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) => "a string".into(),
            Tok::Num { text, .. } => format!("`{text}`"),
            Tok::Dur(_) => "a duration".into(),
            Tok::Clock(_) => "a clock time".into(),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::Eof => "the end of the file".into(),
        };
        Err(RuleError::at(
            self.pos(),
            format!("{}, found {found}", msg.into()),
        ))
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.next();
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), RuleError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.err(format!("expected `{kw}`"))
        }
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.next();
            true
        } else {
            false
        }
    }
    fn expect_sym(&mut self, s: &str) -> Result<(), RuleError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            self.err(format!("expected `{s}`"))
        }
    }
    fn ident(&mut self, what: &str) -> Result<(String, Pos), RuleError> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.next();
                Ok((s, pos))
            }
            _ => self.err(format!("expected {what}")),
        }
    }
    fn string(&mut self, what: &str) -> Result<(String, Pos), RuleError> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                Ok((s, pos))
            }
            _ => self.err(format!("expected {what} (a double-quoted string)")),
        }
    }
    fn duration(&mut self, what: &str) -> Result<i64, RuleError> {
        match self.peek() {
            Tok::Dur(d) if *d > 0 => {
                let d = *d;
                let max = self.limits.max_window_us.max(self.limits.max_lookback_us);
                if d > max {
                    return self.err(format!("{what} is too long"));
                }
                self.next();
                Ok(d)
            }
            _ => self.err(format!(
                "expected {what} (a duration such as 30m, 2h or 14d)"
            )),
        }
    }
    fn window(&mut self, what: &str) -> Result<i64, RuleError> {
        let pos = self.pos();
        let d = self.duration(what)?;
        if d > self.limits.max_window_us {
            return Err(RuleError::at(
                pos,
                format!(
                    "{what} is longer than the limit of {}d",
                    self.limits.max_window_us / 86_400_000_000
                ),
            ));
        }
        Ok(d)
    }
    fn uint(&mut self, what: &str, max: u32) -> Result<u32, RuleError> {
        match self.peek() {
            Tok::Num { value, text }
                if !text.contains('.') && *value >= 1.0 && *value <= f64::from(max) =>
            {
                let v = *value as u32;
                self.next();
                Ok(v)
            }
            _ => self.err(format!("expected {what} (a whole number from 1 to {max})")),
        }
    }

    fn file(&mut self) -> Result<RuleFile, RuleError> {
        let mut f = RuleFile::default();
        loop {
            let pos = self.pos();
            if matches!(self.peek(), Tok::Eof) {
                return Ok(f);
            }
            if self.eat_kw("table") {
                if f.tables.len() >= self.limits.max_tables {
                    return Err(RuleError::at(
                        pos,
                        format!("too many tables (at most {})", self.limits.max_tables),
                    ));
                }
                f.tables.push(self.table(pos)?);
            } else if self.eat_kw("rule") {
                if f.rules.len() >= self.limits.max_rules {
                    return Err(RuleError::at(
                        pos,
                        format!("too many rules (at most {})", self.limits.max_rules),
                    ));
                }
                f.rules.push(self.rule(pos)?);
            } else if self.eat_kw("cap") {
                if f.cap.is_some() {
                    return Err(RuleError::at(pos, "the file-wide cap is set twice"));
                }
                f.cap = Some(self.cap()?);
            } else if self.eat_kw("quiet") {
                if f.quiet.is_some() {
                    return Err(RuleError::at(pos, "file-wide quiet hours are set twice"));
                }
                f.quiet = Some(self.quiet()?);
            } else {
                return self.err("expected `rule`, `table`, `cap` or `quiet hours`");
            }
        }
    }

    fn table(&mut self, pos: Pos) -> Result<TableDef, RuleError> {
        let (name, _) = self.ident("a table name")?;
        self.expect_kw("key")?;
        let mut key = vec![self.ident("a key field")?];
        while self.eat_sym(",") {
            key.push(self.ident("a key field")?);
        }
        if key.len() > 4 {
            return Err(RuleError::at(pos, "a table key has at most 4 fields"));
        }
        self.expect_kw("from")?;
        let from = self.type_pat()?;
        let cond = if self.eat_kw("where") {
            Some(self.expr()?)
        } else {
            None
        };
        self.expect_kw("keep")?;
        let keep = self.window("the table's `keep`")?;
        Ok(TableDef {
            name,
            pos,
            key,
            from,
            cond,
            keep,
        })
    }

    fn cap(&mut self) -> Result<Cap, RuleError> {
        let count = self.uint("the cap", 10_000)?;
        self.expect_kw("per")?;
        let per = self.window("the cap's window")?;
        Ok(Cap { count, per })
    }

    fn quiet(&mut self) -> Result<Quiet, RuleError> {
        self.expect_kw("hours")?;
        let clock = |p: &mut Self| match p.peek() {
            Tok::Clock(m) => {
                let m = *m;
                p.next();
                Ok(m)
            }
            _ => p.err("expected a clock time such as 22:00"),
        };
        let start = clock(self)?;
        self.expect_kw("to")?;
        let end = clock(self)?;
        if start == end {
            return self.err("quiet hours must not start and end at the same time");
        }
        let hold_up_to = if self.eat_kw("hold") {
            self.expect_kw("up")?;
            self.expect_kw("to")?;
            Some(self.window("the hold limit")?)
        } else {
            None
        };
        Ok(Quiet {
            start,
            end,
            hold_up_to,
        })
    }

    fn rule(&mut self, pos: Pos) -> Result<RuleDef, RuleError> {
        let name = match self.peek().clone() {
            Tok::Str(s) | Tok::Ident(s) => {
                self.next();
                s
            }
            _ => return self.err("expected the rule's name"),
        };
        if name.is_empty() || name.len() > self.limits.max_name_len {
            return Err(RuleError::at(pos, "a rule name must be 1 to 64 characters"));
        }
        let mut r = RuleDef {
            name,
            pos,
            version: 1,
            by_place: false,
            cooldown: None,
            cap: None,
            quiet: None,
            within: None,
            steps: Vec::new(),
            actions: Vec::new(),
        };
        if self.eat_kw("version") {
            r.version = self.uint("the version", 1_000_000)?;
        }
        loop {
            if self.eat_kw("partition") {
                self.expect_kw("by")?;
                self.expect_kw("subject")?;
                r.by_place = self.eat_sym(",") || self.eat_kw("and");
                if r.by_place {
                    self.expect_kw("place")?;
                }
            } else if self.eat_kw("cooldown") {
                r.cooldown = Some(self.window("the cooldown")?);
            } else if self.eat_kw("cap") {
                r.cap = Some(self.cap()?);
            } else if self.eat_kw("quiet") {
                r.quiet = Some(self.quiet()?);
            } else if self.eat_kw("within") {
                r.within = Some(self.window("the rule's window")?);
            } else {
                break;
            }
        }
        if !self.is_kw("when") {
            return self.err(
                "expected `when` (or an option: partition by, cooldown, cap, quiet hours, within)",
            );
        }
        loop {
            let pos = self.pos();
            let joiner = if self.eat_kw("when") {
                if !r.steps.is_empty() {
                    return Err(RuleError::at(pos, "a rule has only one `when`"));
                }
                Joiner::When
            } else if self.eat_kw("and") {
                Joiner::And
            } else if self.eat_kw("followed") {
                self.expect_kw("by")?;
                Joiner::FollowedBy
            } else {
                break;
            };
            if r.steps.len() >= self.limits.max_steps {
                return Err(RuleError::at(
                    pos,
                    format!("too many steps (at most {})", self.limits.max_steps),
                ));
            }
            let start = self.toks[self.i].span.0;
            let kind = self.step()?;
            let end = self.toks[self.i.saturating_sub(1)].span.1;
            r.steps.push(Step {
                pos,
                joiner,
                span: (start, end),
                kind,
            });
        }
        if !self.eat_kw("then") {
            return self.err("expected `and`, `followed by` or `then`");
        }
        while !self.eat_kw("end") {
            if r.actions.len() >= self.limits.max_actions {
                return self.err(format!(
                    "too many actions (at most {})",
                    self.limits.max_actions
                ));
            }
            r.actions.push(self.action()?);
        }
        if r.actions.is_empty() {
            return Err(RuleError::at(pos, "a rule needs at least one action"));
        }
        Ok(r)
    }

    fn alias(&mut self) -> Option<(String, Pos)> {
        if let (Tok::Ident(name), Tok::Sym("=")) = (self.peek(), self.peek_at(1)) {
            let out = (name.clone(), self.pos());
            self.next();
            self.next();
            Some(out)
        } else {
            None
        }
    }

    fn step(&mut self) -> Result<StepKind, RuleError> {
        if self.eat_kw("not") {
            let ty = self.type_pat()?;
            let cond = self.opt_where()?;
            if !self.eat_kw("within") {
                return self.err("`not …` needs `within D` (absence is checked on a timer)");
            }
            let within = self.window("the absence window")?;
            return Ok(StepKind::Absent { ty, cond, within });
        }
        if self.eat_kw("was") {
            return self.history();
        }
        let times = match self.peek() {
            Tok::Num { .. } => {
                let n = self.uint("a count", self.limits.max_count)?;
                self.expect_kw("times")?;
                Some(n)
            }
            _ => None,
        };
        let alias = self.alias();
        if times.is_none()
            && let (Tok::Ident(_), Tok::Sym("[")) = (self.peek(), self.peek_at(1))
        {
            let table = self.ident("a table")?;
            self.expect_sym("[")?;
            let mut keys = vec![self.expr()?];
            while self.eat_sym(",") {
                keys.push(self.expr()?);
            }
            self.expect_sym("]")?;
            let cond = self.opt_where()?;
            let within = if self.eat_kw("within") {
                Some(self.window("the wait")?)
            } else {
                None
            };
            return Ok(StepKind::Table {
                alias,
                table,
                keys,
                cond,
                within,
            });
        }
        let ty = self.type_pat()?;
        let cond = self.opt_where()?;
        let within = if self.eat_kw("within") {
            Some(self.window("the window")?)
        } else {
            None
        };
        if times.is_some() && within.is_none() {
            return self.err("`N times …` needs `within D`");
        }
        Ok(StepKind::Event {
            alias,
            ty,
            cond,
            within,
            times,
        })
    }

    fn history(&mut self) -> Result<StepKind, RuleError> {
        let first = if self.eat_kw("first") {
            true
        } else {
            self.eat_kw("last");
            false
        };
        let alias = self.alias();
        let ty = match self.peek() {
            Tok::Ident(s) if !STEP_WORDS.contains(&s.as_str()) => self.type_pat()?,
            Tok::Str(_) | Tok::Sym("*") => self.type_pat()?,
            _ => TypePat::Any,
        };
        let any_subject = if self.eat_kw("of") {
            self.expect_kw("any")?;
            self.expect_kw("subject")?;
            true
        } else {
            false
        };
        let at = if self.eat_kw("at") {
            Some(self.additive()?)
        } else {
            None
        };
        let cond = self.opt_where()?;
        if !self.eat_kw("between") {
            return self.err("expected `between X and Y [ago]` after `was …`");
        }
        let from = self.additive()?;
        self.expect_kw("and")?;
        let to = self.additive()?;
        let ago = self.eat_kw("ago");
        Ok(StepKind::History {
            alias,
            first,
            ty,
            any_subject,
            at,
            cond,
            from,
            to,
            ago,
        })
    }

    fn opt_where(&mut self) -> Result<Option<Expr>, RuleError> {
        if self.eat_kw("where") {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    fn type_pat(&mut self) -> Result<TypePat, RuleError> {
        if self.eat_sym("*") {
            return Ok(TypePat::Any);
        }
        if let Tok::Str(s) = self.peek().clone() {
            self.next();
            return Ok(match s.strip_suffix('*') {
                Some(p) => TypePat::Prefix(p.to_owned()),
                None => TypePat::Exact(s),
            });
        }
        let (mut name, _) = self.ident("an event type such as presence.wifi")?;
        while self.eat_sym(".") {
            if self.eat_sym("*") {
                name.push('.');
                return Ok(TypePat::Prefix(name));
            }
            let (part, _) = self.ident("the rest of the event type")?;
            name.push('.');
            name.push_str(&part);
        }
        Ok(TypePat::Exact(name))
    }
}
