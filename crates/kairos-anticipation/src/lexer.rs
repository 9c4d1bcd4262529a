//! The rule-file lexer: text to tokens with line and column (both 1-based, columns in
//! characters). Comments run from `#` to the end of the line.

use crate::error::{Limits, RuleError};

/// A position in the rule file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub col: u32,
}

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A name or keyword (keywords are contextual, so attributes may be called `place`).
    Ident(String),
    /// A double-quoted string with `\"`, `\\`, `\n` escapes.
    Str(String),
    /// A number; `int` is set when it was written without a fraction.
    Num {
        /// The value.
        value: f64,
        /// The text as written (for money amounts).
        text: String,
    },
    /// A duration such as `30m`, in microseconds.
    Dur(i64),
    /// A clock time such as `22:00`, in minutes after midnight.
    Clock(u32),
    /// Punctuation and operators.
    Sym(&'static str),
    /// End of input.
    Eof,
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its first character.
    pub pos: Pos,
    /// Character offsets `[start, end)` in the source (to quote rule text in explanations).
    pub span: (usize, usize),
}

const SYMS: [&str; 18] = [
    "!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", "+", "-", "*",
];

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub fn lex(src: &str, limits: &Limits) -> Result<Vec<Token>, RuleError> {
    let mut out = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    while i < chars.len() {
        let c = chars[i];
        let pos = Pos { line, col };
        if c == '\n' {
            i += 1;
            line += 1;
            col = 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            col += 1;
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if out.len() >= limits.max_tokens {
            return Err(RuleError::at(
                pos,
                format!("too many tokens (at most {})", limits.max_tokens),
            ));
        }
        let start = i;
        let tok = if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            if i - start > limits.max_name_len {
                return Err(RuleError::at(
                    pos,
                    format!("name longer than {} characters", limits.max_name_len),
                ));
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else if c.is_ascii_digit() {
            lex_number(&chars, &mut i, pos)?
        } else if c == '"' {
            lex_string(&chars, &mut i, pos, limits)?
        } else {
            let rest: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            match SYMS.iter().find(|s| rest.starts_with(**s)) {
                Some(s) => {
                    i += s.len();
                    Tok::Sym(s)
                }
                None => {
                    return Err(RuleError::at(pos, format!("unexpected character {c:?}")));
                }
            }
        };
        // Strings may span lines only through `\n` escapes, so the column advances by
        // the characters consumed.
        col += (i - start) as u32;
        out.push(Token {
            tok,
            pos,
            span: (start, i),
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: Pos { line, col },
        span: (chars.len(), chars.len()),
    });
    Ok(out)
}

fn lex_number(chars: &[char], i: &mut usize, pos: Pos) -> Result<Tok, RuleError> {
    let start = *i;
    let digits = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
    };
    digits(i);
    if *i < chars.len() && chars[*i] == ':' {
        let hours: String = chars[start..*i].iter().collect();
        *i += 1;
        let m_start = *i;
        digits(i);
        let minutes: String = chars[m_start..*i].iter().collect();
        let (Ok(h), Ok(m)) = (hours.parse::<u32>(), minutes.parse::<u32>()) else {
            return Err(RuleError::at(pos, "a clock time is written HH:MM"));
        };
        if h > 23 || m > 59 || minutes.len() != 2 {
            return Err(RuleError::at(
                pos,
                "a clock time is written HH:MM (00:00–23:59)",
            ));
        }
        return Ok(Tok::Clock(h * 60 + m));
    }
    if *i + 1 < chars.len() && chars[*i] == '.' && chars[*i + 1].is_ascii_digit() {
        *i += 1;
        digits(i);
    }
    let text: String = chars[start..*i].iter().collect();
    let Ok(value) = text.parse::<f64>() else {
        return Err(RuleError::at(pos, format!("bad number {text:?}")));
    };
    let unit = chars.get(*i).copied();
    let after = chars.get(*i + 1).copied();
    let unit_us: Option<i64> = match unit {
        Some('s') => Some(1_000_000),
        Some('m') => Some(60_000_000),
        Some('h') => Some(3_600_000_000),
        Some('d') => Some(86_400_000_000),
        Some('w') => Some(7 * 86_400_000_000),
        _ => None,
    };
    if let Some(us) = unit_us
        && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        *i += 1;
        if text.contains('.') || value > 10_000.0 {
            return Err(RuleError::at(
                pos,
                "durations are whole numbers up to 10000 of s, m, h, d or w",
            ));
        }
        return Ok(Tok::Dur(value as i64 * us));
    }
    if chars.get(*i).is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err(RuleError::at(
            pos,
            "a number must not run into a name (duration units are s, m, h, d, w)",
        ));
    }
    Ok(Tok::Num { value, text })
}

fn lex_string(chars: &[char], i: &mut usize, pos: Pos, limits: &Limits) -> Result<Tok, RuleError> {
    *i += 1;
    let mut s = String::new();
    loop {
        let Some(&c) = chars.get(*i) else {
            return Err(RuleError::at(pos, "unterminated string"));
        };
        *i += 1;
        match c {
            '"' => break,
            '\n' => {
                return Err(RuleError::at(
                    pos,
                    "unterminated string (strings end on their line)",
                ));
            }
            '\\' => {
                let e = chars.get(*i).copied();
                *i += 1;
                match e {
                    Some('"') => s.push('"'),
                    Some('\\') => s.push('\\'),
                    Some('n') => s.push('\n'),
                    _ => return Err(RuleError::at(pos, "unknown escape (use \\\" \\\\ \\n)")),
                }
            }
            c if c.is_control() => {
                return Err(RuleError::at(pos, "control character in a string"));
            }
            c => s.push(c),
        }
        if s.len() > limits.max_string_len {
            return Err(RuleError::at(
                pos,
                format!("string longer than {} bytes", limits.max_string_len),
            ));
        }
    }
    Ok(Tok::Str(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src, &Limits::default())
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn durations_clocks_numbers_and_positions() {
        assert_eq!(
            toks("30m 22:00 3.50 x!=\"a\\\"b\""),
            vec![
                Tok::Dur(30 * 60_000_000),
                Tok::Clock(22 * 60),
                Tok::Num {
                    value: 3.5,
                    text: "3.50".into()
                },
                Tok::Ident("x".into()),
                Tok::Sym("!="),
                Tok::Str("a\"b".into()),
                Tok::Eof
            ]
        );
        let t = lex("# comment\n  rule x", &Limits::default()).unwrap();
        assert_eq!(t[0].pos, Pos { line: 2, col: 3 });
        assert_eq!(t[1].pos, Pos { line: 2, col: 8 });
    }

    #[test]
    fn bad_input_reports_where() {
        let e = lex("rule\n  x @", &Limits::default()).unwrap_err();
        assert_eq!((e.line(), e.col()), (2, 5));
        let e = lex("\"open", &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("unterminated"), "{e}");
        assert!(lex("3x", &Limits::default()).is_err());
        assert!(lex("25:00", &Limits::default()).is_err());
    }
}
