//! Files people upload — knowledge-base attachments and files sent in a chat: which types
//! are accepted, how the content must begin for its declared type (magic bytes), how a file
//! name is cleaned, and how a file is named and typed again on download. Pure: the HTTP edge
//! asks here before storing a byte, and again before serving one.
//!
//! Nothing a browser would run is accepted (checklist E01, D04): no HTML, SVG or XML, and a
//! file must start the way its declared type does, so an HTML page sent as `image/png` is
//! refused rather than stored. Files that arrived otherwise (e-mail attachments) are served
//! back as downloads of `application/octet-stream` unless they pass the same checks.

use crate::error::DomainError;

/// Largest upload accepted (bytes): big enough for a short video.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;
/// Longest file name kept (characters).
pub const MAX_FILENAME_CHARS: usize = 200;

/// The media types accepted, each with the check its content must pass.
const ALLOWED: [(&str, Magic); 11] = [
    ("application/pdf", Magic::Pdf),
    ("image/png", Magic::Png),
    ("image/jpeg", Magic::Jpeg),
    ("image/gif", Magic::Gif),
    ("image/webp", Magic::Webp),
    ("video/mp4", Magic::Mp4),
    ("video/webm", Magic::Webm),
    ("text/plain", Magic::Text),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Zip,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Magic::Zip,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Magic::Zip,
    ),
];

#[derive(Clone, Copy, Debug)]
enum Magic {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Mp4,
    Webm,
    Text,
    Zip,
}

/// The accepted media types, for documentation and error messages.
pub fn allowed_types() -> impl Iterator<Item = &'static str> {
    ALLOWED.iter().map(|(t, _)| *t)
}

/// The accepted type a declared `Content-Type` names (parameters such as `charset` dropped,
/// case ignored), or `None` if it is not accepted.
pub fn content_type(declared: &str) -> Option<&'static str> {
    let essence = declared.split(';').next().unwrap_or_default().trim();
    ALLOWED
        .iter()
        .map(|(t, _)| *t)
        .find(|t| t.eq_ignore_ascii_case(essence))
}

/// Whether `bytes` begin the way files of the accepted type `ct` do. Text must be UTF-8
/// without NUL and must not begin with markup (`<`): nothing a browser would take for HTML,
/// SVG or XML even without our headers.
pub fn content_matches(ct: &str, bytes: &[u8]) -> bool {
    let Some((_, magic)) = ALLOWED.iter().find(|(t, _)| *t == ct) else {
        return false;
    };
    match magic {
        Magic::Pdf => bytes.starts_with(b"%PDF-"),
        Magic::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        Magic::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        Magic::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        Magic::Webp => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        Magic::Mp4 => bytes.len() >= 12 && &bytes[4..8] == b"ftyp",
        Magic::Webm => bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]),
        Magic::Zip => bytes.starts_with(b"PK\x03\x04"),
        Magic::Text => match std::str::from_utf8(bytes) {
            Ok(s) => {
                let start = s.trim_start_matches('\u{FEFF}').trim_start();
                !s.contains('\0') && !start.starts_with('<')
            }
            Err(_) => false,
        },
    }
}

/// Cleans a file name from outside: the last path segment only, no control or bidi-override
/// characters (RTLO), none of `<>:"|?*;\`, no leading dots, at most
/// [`MAX_FILENAME_CHARS`] characters (checklist E04, B10). Never used as a path.
pub fn filename(raw: &str) -> Result<String, DomainError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | ';')
                && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name: String = trimmed.chars().take(MAX_FILENAME_CHARS).collect();
    if name.is_empty() {
        return Err(DomainError::invalid(
            "filename",
            "a file name is required (its last path segment, without control characters)",
        ));
    }
    Ok(name)
}

/// Whether browsers may show the type in place: images and videos. Everything else
/// (PDF, text, office documents) is downloaded (checklist E01).
pub fn inline(ct: &str) -> bool {
    ct.starts_with("image/") || ct.starts_with("video/")
}

/// How a stored file is served back: its `Content-Type` header and whether it may show in
/// place. Only a file whose declared type is accepted and whose bytes begin like that type
/// keeps it (text as UTF-8); anything else — an e-mail's `text/html` attachment, a PNG that
/// is really a page — is `application/octet-stream`, downloaded (E01).
pub fn served_as(declared: &str, bytes: &[u8]) -> (&'static str, bool) {
    match content_type(declared) {
        Some(ct) if content_matches(ct, bytes) => match ct {
            "text/plain" => ("text/plain; charset=utf-8", false),
            ct => (ct, inline(ct)),
        },
        _ => ("application/octet-stream", false),
    }
}

/// The `Content-Disposition` value for a download (RFC 6266 with an RFC 5987 `filename*`):
/// an ASCII fallback with anything unsafe replaced by `_`, and the name percent-encoded.
pub fn content_disposition(inline: bool, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_types_are_named() {
        assert_eq!(content_type("IMAGE/PNG"), Some("image/png"));
        assert_eq!(
            content_type("text/plain; charset=utf-8"),
            Some("text/plain")
        );
        for bad in [
            "image/svg+xml",
            "text/html",
            "application/xhtml+xml",
            "text/xml",
            "application/octet-stream",
            "",
            "image/png2",
        ] {
            assert_eq!(content_type(bad), None, "{bad}");
        }
    }

    #[test]
    fn e01_content_must_begin_like_its_type() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(content_matches("image/png", png));
        assert!(!content_matches(
            "image/png",
            b"<html><script>alert(1)</script>"
        ));
        assert!(!content_matches("image/jpeg", png));
        assert!(content_matches("application/pdf", b"%PDF-1.7\n"));
        assert!(content_matches("video/mp4", b"\0\0\0\x18ftypmp42\0\0\0\0"));
        assert!(content_matches("image/webp", b"RIFF\x10\0\0\0WEBPVP8 "));
        assert!(content_matches(
            "text/plain",
            "Zählerstand: 42\n".as_bytes()
        ));
        for markup in [
            "<html>",
            "  <svg onload=alert(1)>",
            "\u{FEFF}<?xml version=\"1.0\"?>",
        ] {
            assert!(
                !content_matches("text/plain", markup.as_bytes()),
                "{markup}"
            );
        }
        assert!(!content_matches("text/plain", b"a\0b"));
        assert!(!content_matches("text/plain", b"\xff\xfe"));
        assert!(!content_matches("image/svg+xml", b"<svg/>"));
    }

    #[test]
    fn e04_filenames_are_cleaned_and_never_paths() {
        assert_eq!(filename("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(filename("C:\\Windows\\evil.exe").unwrap(), "evil.exe");
        assert_eq!(filename(".htaccess").unwrap(), "htaccess");
        assert_eq!(filename("a\r\nb\0\"c;.pdf").unwrap(), "abc.pdf");
        assert_eq!(filename("rech\u{202E}fdp.exe").unwrap(), "rechfdp.exe");
        assert_eq!(
            filename(&"x".repeat(1000)).unwrap().chars().count(),
            MAX_FILENAME_CHARS
        );
        for bad in ["", "../", "..", "\r\n", "dir/"] {
            assert!(filename(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn b10_dispositions_are_encoded() {
        assert_eq!(
            content_disposition(false, "Zähler stand.pdf"),
            "attachment; filename=\"Z_hler stand.pdf\"; filename*=UTF-8''Z%C3%A4hler%20stand.pdf"
        );
        assert!(content_disposition(true, "a.png").starts_with("inline;"));
        assert!(inline("video/mp4") && !inline("application/pdf") && !inline("text/plain"));
    }

    #[test]
    fn e01_files_are_served_as_what_they_are_or_as_downloads() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(served_as("image/png", png), ("image/png", true));
        assert_eq!(
            served_as("image/png", b"<html><script>alert(1)</script>"),
            ("application/octet-stream", false)
        );
        assert_eq!(
            served_as("text/html", b"<p>hi</p>"),
            ("application/octet-stream", false)
        );
        assert_eq!(
            served_as("text/plain", b"hello"),
            ("text/plain; charset=utf-8", false)
        );
        assert_eq!(
            served_as("application/pdf", b"%PDF-1.4"),
            ("application/pdf", false)
        );
    }
}
