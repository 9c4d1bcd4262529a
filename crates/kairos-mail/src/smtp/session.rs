//! One SMTP session as a pure state machine: command lines in, replies out. The TCP loop
//! around it (`server.rs`) only reads, writes, times out and looks recipients up.
//!
//! Kairos receives mail for its tenants' support addresses and relays nothing: no AUTH, no
//! relaying, no BDAT; PIPELINING, 8BITMIME, SMTPUTF8 and SIZE are offered.

use std::fmt;

/// Longest command line accepted, CRLF included (RFC 5321 §4.5.3.1.4; checklist L02).
pub const MAX_COMMAND_LINE: usize = 512;
/// Longest local part of an address (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;
/// Longest domain (RFC 5321 §4.5.3.1.2).
const MAX_DOMAIN: usize = 255;
/// Longest reverse or forward path (RFC 5321 §4.5.3.1.3).
const MAX_PATH: usize = 256;

/// Per-session limits.
#[derive(Clone, Debug)]
pub struct SessionLimits {
    /// The name we greet with.
    pub hostname: String,
    /// Recipients per transaction; later ones get 452 (L03).
    pub max_recipients: usize,
    /// Largest message (advertised as SIZE; L04).
    pub max_message_bytes: usize,
    /// Bad commands before the session is closed.
    pub max_errors: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            hostname: "localhost".into(),
            max_recipients: 100,
            max_message_bytes: 25 * 1024 * 1024,
            max_errors: 10,
        }
    }
}

/// One reply: a code and one or more lines of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// Lines (each may start with an enhanced status code).
    pub lines: Vec<String>,
}

impl Reply {
    /// A one-line reply.
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Self {
            code,
            lines: vec![text.into()],
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            write!(f, "{}{sep}{line}\r\n", self.code)?;
        }
        Ok(())
    }
}

/// What the server must do after a command.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this reply and read the next command.
    Reply(Reply),
    /// Send this reply and close the connection.
    Close(Reply),
    /// Look this recipient up, then call [`Session::recipient`] with the answer.
    LookUp(String),
    /// Send this reply (354) and switch to reading message data.
    Data(Reply),
}

/// The envelope of one transaction, handed over with the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// What the client said in HELO/EHLO.
    pub helo: String,
    /// The reverse path; `None` for the null sender `<>` (bounces).
    pub mail_from: Option<String>,
    /// Accepted recipients with what the lookup returned for each.
    pub recipients: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    Fresh,
    Ready,
    Mail,
}

/// A session's state.
#[derive(Debug)]
pub struct Session {
    limits: SessionLimits,
    phase: Phase,
    helo: String,
    mail_from: Option<String>,
    recipients: Vec<String>,
    errors: usize,
}

impl Session {
    /// A new session with these limits.
    pub fn new(limits: SessionLimits) -> Self {
        Self {
            limits,
            phase: Phase::Fresh,
            helo: String::new(),
            mail_from: None,
            recipients: Vec::new(),
            errors: 0,
        }
    }

    /// The 220 greeting.
    pub fn greeting(&self) -> Reply {
        Reply::new(220, format!("{} ESMTP Kairos", self.limits.hostname))
    }

    /// Handles one command line (without its CRLF).
    pub fn command(&mut self, line: &[u8]) -> Step {
        if line.len() + 2 > MAX_COMMAND_LINE {
            return self.error(500, "5.5.2 Line too long");
        }
        let Ok(line) = std::str::from_utf8(line) else {
            return self.error(500, "5.5.2 Command is not UTF-8");
        };
        let (verb, rest) = match line.split_once(' ') {
            Some((v, r)) => (v, r.trim()),
            None => (line.trim(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => self.hello(rest, true),
            "HELO" => self.hello(rest, false),
            "MAIL" => self.mail(rest),
            "RCPT" => self.rcpt(rest),
            "DATA" => self.data(),
            "RSET" => {
                self.reset();
                Step::Reply(Reply::new(250, "2.0.0 OK"))
            }
            "NOOP" => Step::Reply(Reply::new(250, "2.0.0 OK")),
            "QUIT" => Step::Close(Reply::new(221, "2.0.0 Bye")),
            "VRFY" => Step::Reply(Reply::new(252, "2.5.0 Cannot verify; send the mail")),
            "HELP" => Step::Reply(Reply::new(214, "2.0.0 See RFC 5321")),
            "STARTTLS" | "AUTH" | "BDAT" | "EXPN" | "ETRN" | "TURN" => {
                self.error(502, "5.5.1 Command not implemented")
            }
            _ => self.error(500, "5.5.2 Command unrecognised"),
        }
    }

    /// Answers the lookup of a recipient [`Step::LookUp`] asked for.
    pub fn recipient(&mut self, address: String, ours: bool) -> Step {
        if !ours {
            return self.error(550, "5.1.1 No such mailbox here");
        }
        if !self.recipients.contains(&address) {
            self.recipients.push(address);
        }
        Step::Reply(Reply::new(250, "2.1.5 OK"))
    }

    /// The data has ended: takes the envelope (the transaction is over either way).
    pub fn take_envelope(&mut self) -> Envelope {
        let envelope = Envelope {
            helo: self.helo.clone(),
            mail_from: self.mail_from.take(),
            recipients: std::mem::take(&mut self.recipients),
        };
        self.phase = Phase::Ready;
        envelope
    }

    fn hello(&mut self, domain: &str, extended: bool) -> Step {
        if domain.is_empty() || domain.len() > MAX_DOMAIN {
            return self.error(501, "5.5.4 Syntax: EHLO domain");
        }
        self.reset();
        self.helo = domain.to_owned();
        self.phase = Phase::Ready;
        let host = &self.limits.hostname;
        if !extended {
            return Step::Reply(Reply::new(250, host.clone()));
        }
        Step::Reply(Reply {
            code: 250,
            lines: vec![
                host.clone(),
                "PIPELINING".into(),
                format!("SIZE {}", self.limits.max_message_bytes),
                "8BITMIME".into(),
                "SMTPUTF8".into(),
                "ENHANCEDSTATUSCODES".into(),
            ],
        })
    }

    fn mail(&mut self, rest: &str) -> Step {
        match self.phase {
            Phase::Fresh => return self.error(503, "5.5.1 Say EHLO first"),
            Phase::Mail => return self.error(503, "5.5.1 Nested MAIL command"),
            Phase::Ready => {}
        }
        let Some((path, params)) = path_argument(rest, "FROM:") else {
            return self.error(501, "5.5.4 Syntax: MAIL FROM:<address>");
        };
        let from = if path.is_empty() {
            None
        } else {
            match valid_address(path) {
                Ok(a) => Some(a),
                Err(reply) => return self.fail(reply),
            }
        };
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<u64>() {
                    Ok(n) if n > self.limits.max_message_bytes as u64 => {
                        return self.fail(Reply::new(
                            552,
                            "5.3.4 Message size exceeds fixed maximum message size",
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => return self.error(501, "5.5.4 Bad SIZE parameter"),
                },
                "BODY" | "SMTPUTF8" | "RET" | "ENVID" => {}
                _ => return self.error(555, "5.5.4 Unsupported MAIL parameter"),
            }
        }
        self.mail_from = from;
        self.phase = Phase::Mail;
        Step::Reply(Reply::new(250, "2.1.0 OK"))
    }

    fn rcpt(&mut self, rest: &str) -> Step {
        if self.phase != Phase::Mail {
            return self.error(503, "5.5.1 Need MAIL first");
        }
        let Some((path, _params)) = path_argument(rest, "TO:") else {
            return self.error(501, "5.5.4 Syntax: RCPT TO:<address>");
        };
        let address = match valid_address(path) {
            Ok(a) => a,
            Err(reply) => return self.fail(reply),
        };
        if self.recipients.len() >= self.limits.max_recipients {
            // Not an error of the client's: it sends the rest in another transaction.
            return Step::Reply(Reply::new(452, "4.5.3 Too many recipients"));
        }
        Step::LookUp(address)
    }

    fn data(&mut self) -> Step {
        if self.phase != Phase::Mail {
            return self.error(503, "5.5.1 Need MAIL first");
        }
        if self.recipients.is_empty() {
            return self.error(554, "5.5.1 No valid recipients");
        }
        Step::Data(Reply::new(354, "End data with <CR><LF>.<CR><LF>"))
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.recipients.clear();
        if self.phase == Phase::Mail {
            self.phase = Phase::Ready;
        }
    }

    fn error(&mut self, code: u16, text: &str) -> Step {
        self.fail(Reply::new(code, text))
    }

    /// A refused command; too many of them end the session.
    fn fail(&mut self, reply: Reply) -> Step {
        self.errors += 1;
        if self.errors >= self.limits.max_errors {
            return Step::Close(Reply::new(421, "4.7.0 Too many errors, closing"));
        }
        Step::Reply(reply)
    }
}

/// Splits `FROM:<path> params` (case-insensitive keyword, optional space after the colon).
fn path_argument<'a>(rest: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let head = rest.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = rest[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some((&rest[..end], rest[end + 1..].trim()))
}

/// Validates a mailbox and lower-cases its domain (and, for our lookups, its local part).
fn valid_address(path: &str) -> Result<String, Reply> {
    // A source route (`@a,@b:user@c`) is obsolete; RFC 5321 says to ignore it.
    let path = path.rsplit(':').next().unwrap_or(path);
    if path.len() > MAX_PATH {
        return Err(Reply::new(501, "5.1.3 Path too long"));
    }
    let Some((local, domain)) = path.rsplit_once('@') else {
        return Err(Reply::new(501, "5.1.3 Bad address syntax"));
    };
    if local.is_empty() || local.len() > MAX_LOCAL_PART {
        return Err(Reply::new(501, "5.1.3 Local part too long or empty"));
    }
    if domain.is_empty() || domain.len() > MAX_DOMAIN {
        return Err(Reply::new(501, "5.1.2 Domain too long or empty"));
    }
    if path
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
    {
        return Err(Reply::new(501, "5.1.3 Bad address syntax"));
    }
    Ok(path.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready() -> Session {
        let mut s = Session::new(SessionLimits::default());
        assert!(matches!(s.command(b"EHLO client.test"), Step::Reply(r) if r.code == 250));
        s
    }

    fn code(step: Step) -> u16 {
        match step {
            Step::Reply(r) | Step::Close(r) | Step::Data(r) => r.code,
            Step::LookUp(_) => 0,
        }
    }

    #[test]
    fn a_transaction_runs_in_order() {
        let mut s = ready();
        assert_eq!(
            code(s.command(b"MAIL FROM:<Anna@Example.org> SIZE=100")),
            250
        );
        assert_eq!(
            s.command(b"RCPT TO:<Support@Acme.test>"),
            Step::LookUp("support@acme.test".into())
        );
        assert_eq!(code(s.recipient("support@acme.test".into(), true)), 250);
        assert_eq!(code(s.command(b"DATA")), 354);
        let env = s.take_envelope();
        assert_eq!(env.mail_from.as_deref(), Some("anna@example.org"));
        assert_eq!(env.recipients, vec!["support@acme.test".to_owned()]);
        assert_eq!(
            code(s.command(b"MAIL FROM:<>")),
            250,
            "null sender for bounces"
        );
    }

    #[test]
    fn commands_out_of_order_are_refused() {
        let mut s = Session::new(SessionLimits::default());
        assert_eq!(code(s.command(b"MAIL FROM:<a@b.c>")), 503);
        let mut s = ready();
        assert_eq!(code(s.command(b"RCPT TO:<a@b.c>")), 503);
        assert_eq!(code(s.command(b"DATA")), 503);
        assert_eq!(code(s.command(b"MAIL FROM:<a@b.c>")), 250);
        assert_eq!(code(s.command(b"DATA")), 554, "no recipients");
        assert_eq!(code(s.command(b"BDAT 10 LAST")), 502);
    }

    #[test]
    fn l02_long_commands_and_addresses_get_500_series() {
        let mut s = ready();
        let long = format!("NOOP {}", "x".repeat(600));
        assert_eq!(code(s.command(long.as_bytes())), 500);
        let local = format!("MAIL FROM:<{}@b.c>", "a".repeat(65));
        assert_eq!(code(s.command(local.as_bytes())), 501);
        let domain = format!("MAIL FROM:<a@{}>", "d".repeat(256));
        assert_eq!(code(s.command(domain.as_bytes())), 501, "domain > 255");
        assert_eq!(code(s.command("MAIL FROM:<a b@c>".as_bytes())), 501);
    }

    #[test]
    fn l03_recipients_past_the_limit_get_452() {
        let mut s = ready();
        s.command(b"MAIL FROM:<a@b.c>");
        for i in 0..100 {
            let Step::LookUp(a) = s.command(format!("RCPT TO:<u{i}@acme.test>").as_bytes()) else {
                panic!("lookup expected")
            };
            s.recipient(a, true);
        }
        assert_eq!(code(s.command(b"RCPT TO:<u100@acme.test>")), 452);
        assert_eq!(s.take_envelope().recipients.len(), 100);
    }

    #[test]
    fn l04_size_above_the_limit_is_refused_at_mail_from() {
        let mut s = ready();
        let cmd = format!("MAIL FROM:<a@b.c> SIZE={}", 26 * 1024 * 1024);
        assert_eq!(code(s.command(cmd.as_bytes())), 552);
    }

    #[test]
    fn too_many_errors_close_the_session() {
        let mut s = ready();
        for _ in 0..9 {
            assert!(matches!(s.command(b"BOGUS"), Step::Reply(_)));
        }
        assert!(matches!(s.command(b"BOGUS"), Step::Close(r) if r.code == 421));
    }

    #[test]
    fn replies_render_as_multiline() {
        let r = Reply {
            code: 250,
            lines: vec!["a".into(), "b".into()],
        };
        assert_eq!(r.to_string(), "250-a\r\n250 b\r\n");
    }
}
