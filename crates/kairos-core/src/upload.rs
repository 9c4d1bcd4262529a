//! Files sent in a chat: uploaded on their own first (the body checked by [`crate::files`]),
//! then named by their upload id in the message that carries them. An upload belongs to
//! who sent it — a widget visitor's device, a customer or a staff member — and only they
//! can attach it, so knowing an id (or a file's hash) gives nobody else a file. Uploads
//! nobody attached are forgotten after a day.

use crate::ids::{CustomerId, PartyId};
use uuid::Uuid;

/// Most files one message carries.
pub const MAX_PER_MESSAGE: usize = 10;
/// How long an upload waits to be attached (microseconds): a day.
pub const TTL_MICROS: i64 = 24 * 3600 * 1_000_000;
/// Uploads one sender may make per hour (checklist E05: disk is finite).
pub const MAX_PER_HOUR: u32 = 30;

/// Who uploaded a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uploader {
    /// A widget visitor who has not written yet: their device.
    Device(Uuid),
    /// A customer.
    Customer(CustomerId),
    /// A staff member.
    Party(PartyId),
}

impl Uploader {
    /// The stored form: `device:…`, `customer:…` or `party:…`.
    pub fn key(&self) -> String {
        match self {
            Self::Device(d) => format!("device:{}", d.simple()),
            Self::Customer(c) => format!("customer:{}", c.0.simple()),
            Self::Party(p) => format!("party:{}", p.0.simple()),
        }
    }
}

/// The text of a message that carries files and no words: their names, one per line, so
/// the message reads sensibly on every channel and in search.
pub fn text_for_files<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaders_have_distinct_keys() {
        let id = Uuid::now_v7();
        let keys = [
            Uploader::Device(id).key(),
            Uploader::Customer(CustomerId(id)).key(),
            Uploader::Party(PartyId(id)).key(),
        ];
        assert_eq!(keys[0], format!("device:{}", id.simple()));
        assert!(keys[0] != keys[1] && keys[1] != keys[2]);
    }

    #[test]
    fn a_message_of_files_reads_as_their_names() {
        assert_eq!(text_for_files(["a.pdf", "b.png"]), "a.pdf\nb.png");
    }
}
