//! The dashboard's tables as CSV downloads, one per chart (`GET /dashboard/{chart}.csv`,
//! same `days` as the page): UTF-8, comma-separated, quoted as RFC 4180 requires (the `csv`
//! crate), headings in the reader's language, plain numbers (median times in whole
//! minutes, rounded up as on the page), days as `YYYY-MM-DD`. Cells a spreadsheet would run
//! as a formula are defused (checklist B09): agent names are typed by people.

use super::dashboard::{DashboardQuery, Figures, figures, period_days};
use super::staff;
use crate::error::PageError;
use crate::i18n::Lang;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::header;
use kairos_core::dashboard::{Dashboard, SlaDay};
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};

/// The charts that have a table, by the name their download carries.
pub(crate) const TABLES: [&str; 5] = ["volume", "first-response", "resolution", "backlog", "load"];

/// A cell as a spreadsheet may safely read it: one starting with `=`, `+`, `-`, `@`, a tab,
/// a carriage return or NUL is prefixed with `'`, so it is shown as text and never run as a
/// formula (checklist B09; CVE-2019-14749).
pub(crate) fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Rows as CSV text (RFC 4180 quoting; every cell defused).
pub(crate) fn to_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|c| defuse(c).into_owned()))
            .map_err(|e| ApiError::internal(format!("csv: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(format!("csv: {e}")))
}

fn minutes(secs: Option<i64>) -> String {
    secs.map(|s| ((s + 59) / 60).to_string())
        .unwrap_or_default()
}

fn sla_rows(d: &Dashboard, sla: &[SlaDay], medians: &[Option<i64>], l: Lang) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        l.msg("dash-day"),
        l.msg("dash-met"),
        l.msg("dash-breached"),
        l.msg("dash-median-minutes"),
    ]];
    rows.extend(d.days.iter().enumerate().map(|(i, day)| {
        let s = sla.get(i).copied().unwrap_or_default();
        vec![
            day.clone(),
            s.met.to_string(),
            s.breached.to_string(),
            minutes(medians.get(i).copied().flatten()),
        ]
    }));
    rows
}

/// The rows (heading first) of chart `table`, or `None` for an unknown one.
pub(crate) fn rows(table: &str, f: &Figures, l: Lang) -> Option<Vec<Vec<String>>> {
    let d = &f.d;
    let rows =
        match table {
            "volume" => {
                let mut head = vec![l.msg("dash-day")];
                head.extend(d.volume.iter().map(|(ch, _)| l.channel(ch.as_str())));
                head.push(l.msg("dash-total"));
                let mut rows = vec![head];
                rows.extend(d.days.iter().enumerate().map(|(i, day)| {
                    let counts: Vec<u32> = d
                        .volume
                        .iter()
                        .map(|(_, v)| v.get(i).copied().unwrap_or(0))
                        .collect();
                    let mut row = vec![day.clone()];
                    row.extend(counts.iter().map(u32::to_string));
                    row.push(counts.iter().sum::<u32>().to_string());
                    row
                }));
                rows
            }
            "first-response" => sla_rows(d, &d.first_response_sla, &d.first_response_median, l),
            "resolution" => sla_rows(d, &d.resolution_sla, &d.resolution_median, l),
            "backlog" => {
                let mut rows = vec![vec![l.msg("dash-day"), l.msg("dash-open")]];
                rows.extend(
                    d.days
                        .iter()
                        .zip(&d.backlog)
                        .map(|(day, n)| vec![day.clone(), n.to_string()]),
                );
                rows
            }
            "load" => {
                let mut rows = vec![vec![
                    l.msg("dash-agent"),
                    l.msg("dash-load-open"),
                    l.msg("dash-load-handled"),
                ]];
                rows.extend(f.agents.iter().zip(&d.agents).map(|(name, a)| {
                    vec![name.clone(), a.open.to_string(), a.handled.to_string()]
                }));
                rows
            }
            _ => return None,
        };
    Some(rows)
}

/// `GET /dashboard/{chart}.csv[?days=7|30|90]` (staff): the chart's table as a download.
pub(crate) async fn download(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    Path(file): Path<String>,
    query: Result<Query<DashboardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let (p, _) = staff(&state, principal, l, "/dashboard").await?;
    let table = file
        .strip_suffix(".csv")
        .filter(|t| TABLES.contains(t))
        .ok_or_else(|| PageError::new(l, ApiError::not_found("table")))?;
    let days = period_days(query, l)?;
    let f = figures(&state, &p, l, days).await?;
    let rows = rows(table, &f, l).ok_or_else(|| PageError::new(l, ApiError::not_found("table")))?;
    let body = to_csv(&rows).map_err(|e| PageError::new(l, e))?;
    let span = match (f.d.days.first(), f.d.days.last()) {
        (Some(first), Some(last)) => format!("-{first}-{last}"),
        _ => String::new(),
    };
    let disposition = format!("attachment; filename=\"kairos-{table}{span}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b09_formula_cells_are_defused_and_quoted() {
        for bad in ["=1+1", "+49 170", "-2", "@SUM(A1)", "\tx", "\rx", "\0x"] {
            assert!(defuse(bad).starts_with('\''), "{bad:?}");
        }
        for fine in ["Ada", "42", "2026-12-01", "", "a=b"] {
            assert_eq!(defuse(fine), fine);
        }
        let rows = vec![
            vec!["Agent".to_owned(), "Open".to_owned()],
            vec!["=HYPERLINK(\"http://x\",\"y\")".to_owned(), "3".to_owned()],
            vec!["Smith, \"Jo\"".to_owned(), "0".to_owned()],
        ];
        let text = String::from_utf8(to_csv(&rows).unwrap()).unwrap();
        assert_eq!(
            text,
            "Agent,Open\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",3\r\n\"Smith, \"\"Jo\"\"\",0\r\n"
        );
    }

    #[test]
    fn medians_are_whole_minutes_rounded_up() {
        assert_eq!(minutes(Some(59)), "1");
        assert_eq!(minutes(Some(5_400)), "90");
        assert_eq!(minutes(None), "");
    }
}
