//! The DATA phase as a byte-level state machine: dot-unstuffing, the end marker, and the
//! SMTP smuggling defence (checklist L06).
//!
//! Only `CRLF . CRLF` ends the data. A bare LF or a bare CR anywhere marks the message as
//! tainted (it is refused with 554 once its proper end arrives), and never moves the
//! decoder to a line start — so `\n.\n`, `\r\n.\n`, `\n.\r\n`, `\r.\r` and `\r\n.\r` can never
//! end one message and start another.

/// Decodes one message's DATA bytes.
#[derive(Debug)]
pub struct DataDecoder {
    state: State,
    out: Vec<u8>,
    max_bytes: usize,
    too_big: bool,
    bare_newline: bool,
    received: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// After CRLF (or at the start).
    LineStart,
    /// A `.` at a line start.
    Dot,
    /// `.` `CR` at a line start.
    DotCr,
    /// Inside a line.
    Text,
    /// After a CR inside a line.
    Cr,
}

/// How the DATA phase ended.
#[derive(Debug, PartialEq, Eq)]
pub enum DataEnd {
    /// The message, unstuffed, with CRLF line ends.
    Message(Vec<u8>),
    /// Larger than allowed (552).
    TooBig,
    /// Contained a bare CR or LF (554, L06).
    BareNewline,
}

impl DataDecoder {
    /// A decoder that keeps at most `max_bytes` of message.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            state: State::LineStart,
            out: Vec::new(),
            max_bytes,
            too_big: false,
            bare_newline: false,
            received: 0,
        }
    }

    /// Bytes seen so far, including those not kept.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Feeds bytes; returns how many were consumed when the end marker was among them
    /// (what follows belongs to the next command), `None` when more data is needed.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            self.received += 1;
            match (self.state, b) {
                (State::LineStart, b'.') => self.state = State::Dot,
                (State::Dot, b'\r') => self.state = State::DotCr,
                (State::DotCr, b'\n') => return Some(i + 1),
                (State::DotCr, _) => {
                    // `.CR` then not LF: a bare CR. Keep the unstuffed bytes, stay in a line.
                    self.bare_newline = true;
                    self.push(b'\r');
                    self.text(b);
                }
                // A dot-stuffed line: drop the first dot, keep the rest.
                (State::Dot, _) => self.text(b),
                (State::LineStart | State::Text, _) => self.text(b),
                (State::Cr, b'\n') => {
                    self.push(b'\r');
                    self.push(b'\n');
                    self.state = State::LineStart;
                }
                (State::Cr, _) => {
                    self.bare_newline = true;
                    self.push(b'\r');
                    self.text(b);
                }
            }
        }
        None
    }

    /// A byte inside a line.
    fn text(&mut self, b: u8) {
        match b {
            b'\r' => self.state = State::Cr,
            b'\n' => {
                // Bare LF: kept as text, but it does not start a line.
                self.bare_newline = true;
                self.push(b'\n');
                self.state = State::Text;
            }
            _ => {
                self.push(b);
                self.state = State::Text;
            }
        }
    }

    fn push(&mut self, b: u8) {
        if self.out.len() < self.max_bytes {
            self.out.push(b);
        } else {
            self.too_big = true;
        }
    }

    /// The outcome, once [`DataDecoder::feed`] has reported the end.
    pub fn finish(self) -> DataEnd {
        if self.too_big {
            DataEnd::TooBig
        } else if self.bare_newline {
            DataEnd::BareNewline
        } else {
            DataEnd::Message(self.out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &[u8]) -> (Option<usize>, DataEnd) {
        let mut d = DataDecoder::new(1 << 20);
        let end = d.feed(input);
        (end, d.finish())
    }

    #[test]
    fn ends_only_at_crlf_dot_crlf_and_unstuffs() {
        let (end, msg) = decode(b"Subject: x\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n");
        assert_eq!(end, Some(38));
        assert_eq!(
            msg,
            DataEnd::Message(b"Subject: x\r\n\r\n.leading dot\r\nbody\r\n".to_vec())
        );
        assert_eq!(decode(b".\r\n"), (Some(3), DataEnd::Message(Vec::new())));
    }

    #[test]
    fn l06_smuggling_variants_never_end_the_data() {
        for variant in [
            &b"a\n.\nMAIL FROM:<x@y>\r\n"[..],
            b"a\r\n.\nMAIL FROM:<x@y>\r\n",
            b"a\n.\r\nMAIL FROM:<x@y>\r\n",
            b"a\r.\rMAIL FROM:<x@y>\r\n",
            b"a\r\n.\rMAIL FROM:<x@y>\r\n",
        ] {
            let mut d = DataDecoder::new(1 << 20);
            assert_eq!(d.feed(variant), None, "{variant:?} must not end DATA");
            assert_eq!(d.feed(b"\r\n.\r\n"), Some(5));
            assert_eq!(d.finish(), DataEnd::BareNewline, "{variant:?}");
        }
    }

    #[test]
    fn the_end_marker_may_arrive_split_across_reads() {
        let mut d = DataDecoder::new(1 << 20);
        for chunk in [&b"hi\r"[..], b"\n", b".", b"\r", b"\n"] {
            if let Some(n) = d.feed(chunk) {
                assert_eq!(n, 1);
                assert_eq!(d.finish(), DataEnd::Message(b"hi\r\n".to_vec()));
                return;
            }
        }
        panic!("end not found");
    }

    #[test]
    fn l04_oversize_is_reported_after_the_end() {
        let mut d = DataDecoder::new(10);
        assert_eq!(d.feed(&[b'x'; 100]), None);
        assert!(d.feed(b"\r\n.\r\n").is_some());
        assert_eq!(d.received(), 105);
        assert_eq!(d.finish(), DataEnd::TooBig);
    }
}
