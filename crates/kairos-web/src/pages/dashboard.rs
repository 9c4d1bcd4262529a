//! The staff dashboard: volume by channel, first-response and resolution times against the
//! SLA, the backlog and agent load over the last 7, 30 or 90 days, as server-rendered SVG
//! charts, each with a table of the same numbers (and that table as CSV, see
//! [`super::dashboard_csv`]).

use super::{Layout, Names, render, staff};
use crate::charts::{self, Bars, Series, Svg};
use crate::error::{OrPage, PageError};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use kairos_core::dashboard::{Dashboard, SlaDay};
use kairos_http::auth::Principal;
use kairos_http::{ApiError, AppState};
use serde::Deserialize;

/// The periods offered, in days.
const PERIODS: [usize; 3] = [7, 30, 90];

/// The page's query.
#[derive(Deserialize, Default)]
pub(crate) struct DashboardQuery {
    days: Option<String>,
}

/// One chart with its table.
struct Chart {
    /// The element id (`volume`, …).
    id: &'static str,
    title: String,
    svg: Svg,
    /// Legend entries: colour index and name.
    legend: Vec<(usize, String)>,
    /// The table's column headings (after the first).
    columns: Vec<String>,
    /// The first column's heading.
    first: String,
    /// Rows: heading cell and values.
    rows: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Lang,
    layout: Layout,
    days: usize,
    /// The periods offered: days and their name.
    periods: Vec<(usize, String)>,
    zone: String,
    charts: Vec<Chart>,
}

/// The time zone days are counted in: the tenant's business-hours zone, else UTC.
async fn zone(state: &AppState, p: &Principal) -> Result<String, ApiError> {
    let sla = state
        .store
        .setting(p.tenant_id, kairos_core::sla::SETTINGS_KEY)
        .await?;
    Ok(sla
        .as_ref()
        .and_then(|v| v.pointer("/business_hours/time_zone"))
        .and_then(|v| v.as_str())
        .unwrap_or("UTC")
        .to_owned())
}

/// The period a query asks for, in days: 7 (default), 30 or 90.
pub(crate) fn period_days(
    query: Result<Query<DashboardQuery>, axum::extract::rejection::QueryRejection>,
    l: Lang,
) -> Result<usize, PageError> {
    let Query(q) = query.map_err(|e| PageError::new(l, ApiError::bad_request(e.body_text())))?;
    match q.days.as_deref() {
        None | Some("") => Ok(7),
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|d| PERIODS.contains(d))
            .ok_or_else(|| PageError::new(l, ApiError::invalid("days", "7, 30 or 90"))),
    }
}

/// The figures of a period, with the agents' names (in `d.agents` order) and the time zone
/// its days are counted in.
pub(crate) struct Figures {
    /// The figures.
    pub d: Dashboard,
    /// Each agent's name (their id when they have none).
    pub agents: Vec<String>,
    /// The zone's name.
    pub zone: String,
}

/// The figures of the last `days` days.
pub(crate) async fn figures(
    state: &AppState,
    p: &Principal,
    l: Lang,
    days: usize,
) -> Result<Figures, PageError> {
    let zone = zone(state, p).await.or_page(l)?;
    let period = kairos_core::dashboard::Period::new(days, &zone, kairos_store::now());
    let zone = period.zone();
    let d = state
        .store
        .dashboard_at(p.tenant_id, period)
        .await
        .or_page(l)?;
    let mut names = Names::default();
    let mut agents = Vec::with_capacity(d.agents.len());
    for a in &d.agents {
        let name = names.get(state, p, a.party_id).await.or_page(l)?;
        agents.push(if name.is_empty() {
            a.party_id.to_string()
        } else {
            name
        });
    }
    Ok(Figures { d, agents, zone })
}

/// `GET /dashboard`.
pub(crate) async fn page(
    State(state): State<AppState>,
    l: Lang,
    principal: Result<Principal, ApiError>,
    query: Result<Query<DashboardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let (p, layout) = staff(&state, principal, l, "/dashboard").await?;
    let days = period_days(query, l)?;
    let Figures { d, agents, zone } = figures(&state, &p, l, days).await?;
    let charts = vec![
        volume(&d, l),
        sla_chart(
            "first-response",
            &d.first_response_sla,
            &d.first_response_median,
            &d,
            l,
        ),
        sla_chart("resolution", &d.resolution_sla, &d.resolution_median, &d, l),
        backlog(&d, l),
        load(&d, &agents, l),
    ];
    Ok(render(&DashboardPage {
        l,
        layout,
        days,
        periods: PERIODS
            .iter()
            .map(|n| (*n, l.msg_count("dash-days", *n)))
            .collect(),
        zone,
        charts,
    }))
}

/// `2026-12-01` as `01.12.` / `12-01` under the axis.
fn short_day(day: &str, l: Lang) -> String {
    let (_, md) = day.split_once('-').unwrap_or(("", day));
    match (l, md.split_once('-')) {
        (Lang::De, Some((m, d))) => format!("{d}.{m}."),
        _ => md.to_owned(),
    }
}

fn short_days(d: &Dashboard, l: Lang) -> Vec<String> {
    d.days.iter().map(|day| short_day(day, l)).collect()
}

/// A duration as people read it: minutes under two hours, hours under two days, else days.
pub(crate) fn duration(secs: i64, l: Lang) -> String {
    let one = |x: f64| {
        let s = format!("{x:.1}");
        if l == Lang::De {
            s.replace('.', ",")
        } else {
            s
        }
    };
    if secs < 7_200 {
        l.msg_with("duration-minutes", "n", (secs + 59) / 60)
    } else if secs < 172_800 {
        l.msg_with("duration-hours", "n", one(secs as f64 / 3_600.0))
    } else {
        l.msg_with("duration-days", "n", one(secs as f64 / 86_400.0))
    }
}

fn volume(d: &Dashboard, l: Lang) -> Chart {
    let title = l.msg("dash-volume");
    let series: Vec<Series> = d
        .volume
        .iter()
        .map(|(ch, values)| Series {
            colour: kairos_core::message::Channel::ALL
                .iter()
                .position(|c| c == ch)
                .unwrap_or(0),
            values: values.clone(),
        })
        .collect();
    let total: u32 = d.volume.iter().flat_map(|(_, v)| v.iter()).sum();
    let desc = l.msg_with("dash-volume-desc", "count", total);
    let svg = charts::bars(
        "volume",
        &title,
        &desc,
        &short_days(d, l),
        &series,
        Bars::Stacked,
    );
    let mut columns: Vec<String> = d
        .volume
        .iter()
        .map(|(ch, _)| l.channel(ch.as_str()))
        .collect();
    columns.push(l.msg("dash-total"));
    let rows = d
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let mut cells: Vec<String> = d.volume.iter().map(|(_, v)| v[i].to_string()).collect();
            cells.push(d.volume.iter().map(|(_, v)| v[i]).sum::<u32>().to_string());
            (day.clone(), cells)
        })
        .collect();
    Chart {
        id: "volume",
        title,
        svg,
        legend: d
            .volume
            .iter()
            .zip(&series)
            .map(|((ch, _), s)| (s.colour, l.channel(ch.as_str())))
            .collect(),
        columns,
        first: l.msg("dash-day"),
        rows,
    }
}

/// Palette slots of met and breached clocks.
const MET: usize = 2;
const BREACHED: usize = 7;

fn sla_chart(
    id: &'static str,
    sla: &[SlaDay],
    medians: &[Option<i64>],
    d: &Dashboard,
    l: Lang,
) -> Chart {
    let title = l.msg(&format!("dash-{id}"));
    let met: u32 = sla.iter().map(|s| s.met).sum();
    let breached: u32 = sla.iter().map(|s| s.breached).sum();
    let mut desc = l.msg_with("dash-sla-desc-met", "count", met);
    desc.push(' ');
    desc.push_str(&l.msg_with("dash-sla-desc-breached", "count", breached));
    let series = [
        Series {
            colour: MET,
            values: sla.iter().map(|s| s.met).collect(),
        },
        Series {
            colour: BREACHED,
            values: sla.iter().map(|s| s.breached).collect(),
        },
    ];
    let svg = charts::bars(id, &title, &desc, &short_days(d, l), &series, Bars::Stacked);
    let rows = d
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let s = sla.get(i).copied().unwrap_or_default();
            let median = medians
                .get(i)
                .copied()
                .flatten()
                .map_or_else(|| "–".to_owned(), |m| duration(m, l));
            (
                day.clone(),
                vec![s.met.to_string(), s.breached.to_string(), median],
            )
        })
        .collect();
    Chart {
        id,
        title,
        svg,
        legend: vec![(MET, l.msg("dash-met")), (BREACHED, l.msg("dash-breached"))],
        columns: vec![
            l.msg("dash-met"),
            l.msg("dash-breached"),
            l.msg("dash-median"),
        ],
        first: l.msg("dash-day"),
        rows,
    }
}

fn backlog(d: &Dashboard, l: Lang) -> Chart {
    let title = l.msg("dash-backlog");
    let now = d.backlog.last().copied().unwrap_or(0);
    let desc = l.msg_with("dash-backlog-desc", "count", now);
    let series = [Series {
        colour: 0,
        values: d.backlog.clone(),
    }];
    let svg = charts::lines("backlog", &title, &desc, &short_days(d, l), &series);
    Chart {
        id: "backlog",
        title,
        svg,
        legend: vec![(0, l.msg("dash-open"))],
        columns: vec![l.msg("dash-open")],
        first: l.msg("dash-day"),
        rows: d
            .days
            .iter()
            .zip(&d.backlog)
            .map(|(day, n)| (day.clone(), vec![n.to_string()]))
            .collect(),
    }
}

fn load(d: &Dashboard, agents: &[String], l: Lang) -> Chart {
    let title = l.msg("dash-load");
    let desc = l.msg_count("dash-load-desc", agents.len());
    let series = [
        Series {
            colour: 0,
            values: d.agents.iter().map(|a| a.open).collect(),
        },
        Series {
            colour: 5,
            values: d.agents.iter().map(|a| a.handled).collect(),
        },
    ];
    let svg = charts::bars("load", &title, &desc, agents, &series, Bars::Grouped);
    Chart {
        id: "load",
        title,
        svg,
        legend: vec![
            (0, l.msg("dash-load-open")),
            (5, l.msg("dash-load-handled")),
        ],
        columns: vec![l.msg("dash-load-open"), l.msg("dash-load-handled")],
        first: l.msg("dash-agent"),
        rows: agents
            .iter()
            .zip(&d.agents)
            .map(|(name, a)| {
                (
                    name.clone(),
                    vec![a.open.to_string(), a.handled.to_string()],
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_days_read_naturally() {
        assert_eq!(duration(59, Lang::En), "1 min");
        assert_eq!(duration(5_400, Lang::En), "90 min");
        assert_eq!(duration(9_000, Lang::De), "2,5 Std.");
        assert_eq!(duration(3 * 86_400, Lang::En), "3.0 d");
        assert_eq!(short_day("2026-12-01", Lang::De), "01.12.");
        assert_eq!(short_day("2026-12-01", Lang::En), "12-01");
    }
}
