//! Files on messages as pages show them: a download link, the (cleaned) name and the size in
//! the reader's language. The bytes come from `kairos_http::files`, which decides how each
//! file is served.

use crate::i18n::Lang;
use kairos_core::message::Message;

/// One file on a message.
pub(crate) struct FileShown {
    /// Where it is downloaded.
    pub href: String,
    /// Its name.
    pub name: String,
    /// Its size, e.g. "1,2 MB".
    pub size: String,
}

/// The files of `m`, linked by `href(index)`.
pub(crate) fn files_of(m: &Message, l: Lang, href: impl Fn(usize) -> String) -> Vec<FileShown> {
    m.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| FileShown {
            href: href(i),
            name: kairos_core::files::filename(&a.filename).unwrap_or_else(|_| "file".to_owned()),
            size: size(a.size, l),
        })
        .collect()
}

/// A size in KB (whole) or MB (one decimal), with the language's decimal mark.
pub(crate) fn size(bytes: u64, l: Lang) -> String {
    if bytes < 1024 * 1024 {
        return format!("{} KB", (bytes / 1024).max(1));
    }
    let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
    let mark = if l.code() == "de" { ',' } else { '.' };
    format!("{}{mark}{} MB", tenths / 10, tenths % 10)
}

/// Whether the text of `m` is only its files' names (a chat message of files alone), so
/// a page shows the files without repeating them as text.
pub(crate) fn text_is_file_names(m: &Message) -> bool {
    !m.attachments.is_empty()
        && m.body.text
            == kairos_core::upload::text_for_files(
                m.attachments.iter().map(|a| a.filename.as_str()),
            )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_the_language() {
        assert_eq!(size(10, Lang::En), "1 KB");
        assert_eq!(size(300 * 1024, Lang::De), "300 KB");
        assert_eq!(size(1_258_291, Lang::De), "1,2 MB");
        assert_eq!(size(1_258_291, Lang::En), "1.2 MB");
    }
}
