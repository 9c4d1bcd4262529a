//! Expressions: `or` < `and` < `not` < comparison < `+`/`-` < primary.

use super::Parser;
use crate::ast::{CmpOp, Expr, ExprKind};
use crate::error::RuleError;
use crate::lexer::Tok;
use crate::value::Value;

/// Words that end an expression and so cannot be bare field names (write `alias.then`).
const RESERVED: [&str; 11] = [
    "then", "end", "when", "where", "within", "followed", "between", "and", "or", "was", "ago",
];

impl Parser<'_> {
    // ---- expressions: or < and < not < comparison < additive < primary ----

    pub(super) fn expr(&mut self) -> Result<Expr, RuleError> {
        self.depth += 1;
        if self.depth > self.limits.max_expr_depth {
            return self.err(format!(
                "expression nested too deeply (at most {} levels)",
                self.limits.max_expr_depth
            ));
        }
        let r = self.or();
        self.depth -= 1;
        r
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut l = self.and()?;
        while self.is_kw("or") {
            let pos = self.pos();
            self.next();
            let r = self.and()?;
            l = Expr {
                pos,
                kind: ExprKind::Or(Box::new(l), Box::new(r)),
            };
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut l = self.not()?;
        // `and` followed by a step keyword ends the condition: it joins the next step.
        while self.is_kw("and") && !self.and_starts_step() {
            let pos = self.pos();
            self.next();
            let r = self.not()?;
            l = Expr {
                pos,
                kind: ExprKind::And(Box::new(l), Box::new(r)),
            };
        }
        Ok(l)
    }

    /// After `and`: does a step follow (`was …`, `A = TABLE[…]`, `TABLE[…]`)?
    fn and_starts_step(&self) -> bool {
        match (self.peek_at(1), self.peek_at(2), self.peek_at(3)) {
            (Tok::Ident(w), _, _) if w == "was" => true,
            (Tok::Ident(_), Tok::Sym("["), _) => true,
            (Tok::Ident(_), Tok::Sym("="), Tok::Ident(_)) => {
                matches!(
                    self.toks.get(self.i + 4).map(|t| &t.tok),
                    Some(Tok::Sym("["))
                )
            }
            _ => false,
        }
    }

    fn not(&mut self) -> Result<Expr, RuleError> {
        if self.is_kw("not") {
            let pos = self.pos();
            self.next();
            self.depth += 1;
            if self.depth > self.limits.max_expr_depth {
                return self.err("expression nested too deeply");
            }
            let e = self.not();
            self.depth -= 1;
            return Ok(Expr {
                pos,
                kind: ExprKind::Not(Box::new(e?)),
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, RuleError> {
        let l = self.additive()?;
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Sym("=") => CmpOp::Eq,
            Tok::Sym("!=") => CmpOp::Ne,
            Tok::Sym("<") => CmpOp::Lt,
            Tok::Sym("<=") => CmpOp::Le,
            Tok::Sym(">") => CmpOp::Gt,
            Tok::Sym(">=") => CmpOp::Ge,
            Tok::Ident(s) if s == "in" => {
                self.next();
                self.expect_sym("[")?;
                let mut items = vec![self.additive()?];
                while self.eat_sym(",") {
                    items.push(self.additive()?);
                }
                self.expect_sym("]")?;
                return Ok(Expr {
                    pos,
                    kind: ExprKind::In(Box::new(l), items),
                });
            }
            _ => return Ok(l),
        };
        self.next();
        let r = self.additive()?;
        Ok(Expr {
            pos,
            kind: ExprKind::Cmp(op, Box::new(l), Box::new(r)),
        })
    }

    pub(super) fn additive(&mut self) -> Result<Expr, RuleError> {
        let mut l = self.primary()?;
        loop {
            let pos = self.pos();
            let add = if self.eat_sym("+") {
                true
            } else if self.eat_sym("-") {
                false
            } else {
                return Ok(l);
            };
            let r = Box::new(self.primary()?);
            let kind = if add {
                ExprKind::Add(Box::new(l), r)
            } else {
                ExprKind::Sub(Box::new(l), r)
            };
            l = Expr { pos, kind };
        }
    }

    fn primary(&mut self) -> Result<Expr, RuleError> {
        let pos = self.pos();
        let kind = match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                ExprKind::Lit(Value::Str(s))
            }
            Tok::Num { value, .. } => {
                self.next();
                ExprKind::Lit(Value::Num(value))
            }
            Tok::Dur(d) => {
                self.next();
                ExprKind::Dur(d)
            }
            Tok::Sym("-") => {
                self.next();
                match self.next() {
                    Tok::Num { value, .. } => ExprKind::Lit(Value::Num(-value)),
                    _ => return Err(RuleError::at(pos, "expected a number after `-`")),
                }
            }
            Tok::Sym("(") => {
                self.next();
                let e = self.expr()?;
                self.expect_sym(")")?;
                return Ok(e);
            }
            Tok::Ident(s) if s == "true" || s == "false" => {
                self.next();
                ExprKind::Lit(Value::Bool(s == "true"))
            }
            Tok::Ident(s) if s == "null" => {
                self.next();
                ExprKind::Lit(Value::Null)
            }
            Tok::Ident(s) if RESERVED.contains(&s.as_str()) => {
                return self.err("expected a value, a field or `(`");
            }
            Tok::Ident(s) => {
                self.next();
                let mut path = vec![s];
                if self.eat_sym(".") {
                    path.push(self.ident("a field name after `.`")?.0);
                }
                ExprKind::Path(path)
            }
            _ => return self.err("expected a value, a field or `(`"),
        };
        Ok(Expr { pos, kind })
    }
}
