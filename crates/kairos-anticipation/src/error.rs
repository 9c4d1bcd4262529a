//! Rule errors (always with a line and column) and the limits that keep hostile rule files
//! and event streams from exhausting memory.

use crate::lexer::Pos;

/// A rule file that cannot be used, and where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {message}", pos.line, pos.col)]
pub struct RuleError {
    /// Where (line and column, from 1).
    pub pos: Pos,
    /// What is wrong, for the admin who wrote the rule.
    pub message: String,
}

impl RuleError {
    /// An error at `pos`.
    pub fn at(pos: Pos, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
        }
    }
    /// The line, from 1.
    pub fn line(&self) -> u32 {
        self.pos.line
    }
    /// The column in characters, from 1.
    pub fn col(&self) -> u32 {
        self.pos.col
    }
}

/// Bounds on rule files and on engine state. The defaults suit one tenant on one core;
/// every bound is enforced with a clear error (rules) or a counted drop (state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes in a rule file.
    pub max_file_bytes: usize,
    /// Most tokens in a rule file.
    pub max_tokens: usize,
    /// Most rules in one rule set.
    pub max_rules: usize,
    /// Most reference tables in one rule set.
    pub max_tables: usize,
    /// Most steps in one rule.
    pub max_steps: usize,
    /// Most actions in one rule.
    pub max_actions: usize,
    /// Deepest nesting of an expression.
    pub max_expr_depth: usize,
    /// Most characters in a name.
    pub max_name_len: usize,
    /// Most bytes in a string literal.
    pub max_string_len: usize,
    /// Largest `N` in `N times`.
    pub max_count: u32,
    /// Longest wait window (`within`, `cooldown`, `cap … per`, table `keep`), in µs.
    pub max_window_us: i64,
    /// Furthest look-back into history, in µs.
    pub max_lookback_us: i64,
    /// Most partial matches one rule keeps for one key; the oldest is dropped beyond it.
    pub max_runs_per_key: usize,
    /// Most rows one reference table keeps; the oldest is evicted beyond it.
    pub max_table_rows: usize,
    /// Most firings held back by quiet hours, engine-wide.
    pub max_held: usize,
    /// Most event ids remembered for de-duplication.
    pub max_dedup_ids: usize,
}

impl Default for Limits {
    fn default() -> Self {
        const DAY: i64 = 86_400_000_000;
        Self {
            max_file_bytes: 256 * 1024,
            max_tokens: 50_000,
            max_rules: 256,
            max_tables: 32,
            max_steps: 16,
            max_actions: 16,
            max_expr_depth: 32,
            max_name_len: 64,
            max_string_len: 4096,
            max_count: 1000,
            max_window_us: 31 * DAY,
            max_lookback_us: 400 * DAY,
            max_runs_per_key: 16,
            max_table_rows: 1_000_000,
            max_held: 1_000_000,
            max_dedup_ids: 4_000_000,
        }
    }
}
