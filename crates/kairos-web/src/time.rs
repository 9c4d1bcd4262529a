//! Dates and times as people read them: `2. Dez. 2026, 09:15` or `2 Dec 2026, 09:15`.
//!
//! The server renders UTC (it does not know the reader's zone) inside a `<time>` element
//! whose `datetime` attribute carries the instant; the page's script re-renders it in the
//! browser's own time zone with `Intl.DateTimeFormat`.

use crate::i18n::Lang;
use kairos_core::Timestamp;

const MONTHS_DE: [&str; 12] = [
    "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An instant for display and for the `datetime` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct When {
    /// RFC 3339 (UTC), for `<time datetime>`.
    pub iso: String,
    /// In the reader's language, UTC.
    pub text: String,
}

/// Formats `at` for `lang`.
pub(crate) fn when(at: Timestamp, lang: Lang) -> When {
    let dt = at.to_datetime();
    let month = usize::from(u8::from(dt.month())) - 1;
    let (day, year, hour, minute) = (dt.day(), dt.year(), dt.hour(), dt.minute());
    let text = match lang {
        Lang::De => format!(
            "{day}. {} {year}, {hour:02}:{minute:02} UTC",
            MONTHS_DE[month]
        ),
        Lang::En => format!(
            "{day} {} {year}, {hour:02}:{minute:02} UTC",
            MONTHS_EN[month]
        ),
    };
    When {
        iso: at.to_rfc3339(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let at = Timestamp::parse_rfc3339("2026-12-02T09:05:00Z").unwrap();
        assert_eq!(when(at, Lang::De).text, "2. Dez. 2026, 09:05 UTC");
        assert_eq!(when(at, Lang::En).text, "2 Dec 2026, 09:05 UTC");
        assert!(when(at, Lang::En).iso.starts_with("2026-12-02T09:05:00"));
    }
}
