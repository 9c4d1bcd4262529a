//! Business hours: a weekly schedule and holidays in the tenant's time zone, and the two
//! questions SLA clocks ask of it — "when is `start` plus N business seconds?" and "how many
//! business seconds lie between two instants?". Daylight-saving changes follow the time zone
//! database bundled into the binary (no system files read).

use crate::error::DomainError;
use crate::timestamp::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How far ahead a clock looks for open hours before giving up (a schedule that is open
/// at least once a week always finds them long before).
const MAX_DAYS: usize = 3_700;
const MICROS: i64 = 1_000_000;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The schedule as configured (what the API and settings carry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Open intervals per weekday (`mon` … `sun`), e.g. `["09:00-12:00", "13:00-17:00"]`;
    /// a missing day is closed. Absent altogether: open around the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<BTreeMap<String, Vec<String>>>,
    /// Closed dates (`YYYY-MM-DD`, in the time zone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<String>,
}

/// A validated calendar.
#[derive(Clone, Debug)]
pub struct BusinessHours {
    tz: TimeZone,
    /// Per weekday (Monday first), sorted disjoint `[start, end)` in seconds after midnight;
    /// `None`: open around the clock.
    week: Option<[Vec<(i32, i32)>; 7]>,
    holidays: BTreeSet<Date>,
}

fn parse_clock(s: &str) -> Option<i32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let secs = h * 3600 + m * 60;
    ((0..=24).contains(&h) && (0..60).contains(&m) && secs <= 86_400).then_some(secs)
}

impl BusinessHours {
    /// Open around the clock in UTC.
    pub fn always() -> Self {
        Self {
            tz: TimeZone::UTC,
            week: None,
            holidays: BTreeSet::new(),
        }
    }

    /// Validates a schedule.
    pub fn parse(spec: &HoursSpec) -> Result<Self, DomainError> {
        let tz = TimeZone::get(spec.time_zone.trim()).map_err(|_| {
            DomainError::invalid("time_zone", "an IANA time zone such as Europe/Berlin")
        })?;
        let week = match &spec.week {
            None => None,
            Some(days) => {
                let mut week: [Vec<(i32, i32)>; 7] = Default::default();
                for (day, intervals) in days {
                    let i = DAYS.iter().position(|d| d == day).ok_or_else(|| {
                        DomainError::invalid("week", format!("unknown day {day:?}; use mon … sun"))
                    })?;
                    for interval in intervals {
                        let bad = || {
                            DomainError::invalid(
                                "week",
                                format!("{interval:?}: use HH:MM-HH:MM with start before end"),
                            )
                        };
                        let (a, b) = interval.split_once('-').ok_or_else(bad)?;
                        let (a, b) = (
                            parse_clock(a.trim()).ok_or_else(bad)?,
                            parse_clock(b.trim()).ok_or_else(bad)?,
                        );
                        if a >= b {
                            return Err(bad());
                        }
                        week[i].push((a, b));
                    }
                    week[i].sort_unstable();
                    if week[i].windows(2).any(|w| w[0].1 > w[1].0) {
                        return Err(DomainError::invalid(
                            "week",
                            format!("{day}: intervals overlap"),
                        ));
                    }
                }
                if week.iter().all(Vec::is_empty) {
                    return Err(DomainError::invalid("week", "open at least once a week"));
                }
                Some(week)
            }
        };
        let holidays = spec
            .holidays
            .iter()
            .map(|d| {
                d.parse::<Date>()
                    .map_err(|_| DomainError::invalid("holidays", format!("{d:?}: use YYYY-MM-DD")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { tz, week, holidays })
    }

    fn micros_at(&self, date: Date, secs: i32) -> i64 {
        let (date, secs) = if secs >= 86_400 {
            (date.tomorrow().unwrap_or(date), secs - 86_400)
        } else {
            (date, secs)
        };
        let time = Time::new((secs / 3600) as i8, ((secs % 3600) / 60) as i8, 0, 0)
            .unwrap_or(Time::midnight());
        // A time inside a DST gap resolves forwards ("compatible"), as clocks do.
        date.to_datetime(time)
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp().as_microsecond())
            .unwrap_or(i64::MAX)
    }

    fn date_of(&self, micros: i64) -> Option<Date> {
        let ts = jiff::Timestamp::from_microsecond(micros).ok()?;
        Some(ts.to_zoned(self.tz.clone()).date())
    }

    /// Walks open intervals from `from` on, calling `visit(start, end)` (micros, clipped to
    /// `from`) until it returns `false`.
    fn walk(&self, from: i64, mut visit: impl FnMut(i64, i64) -> bool) {
        let Some(week) = &self.week else {
            visit(from, i64::MAX);
            return;
        };
        let Some(mut date) = self.date_of(from) else {
            return;
        };
        for _ in 0..MAX_DAYS {
            if !self.holidays.contains(&date) {
                let day = date.weekday().to_monday_zero_offset() as usize;
                for &(a, b) in &week[day] {
                    let (start, end) = (self.micros_at(date, a), self.micros_at(date, b));
                    if end <= from {
                        continue;
                    }
                    if !visit(start.max(from), end) {
                        return;
                    }
                }
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => return,
            }
        }
    }

    /// The instant `secs` business seconds after `start` (a clock started outside business
    /// hours begins to run when they open). `None` if the schedule never opens again.
    pub fn add(&self, start: Timestamp, secs: i64) -> Option<Timestamp> {
        let mut remaining = secs.max(0).saturating_mul(MICROS);
        let mut found = None;
        self.walk(start.as_micros(), |a, b| {
            if remaining <= b.saturating_sub(a) {
                found = Some(Timestamp::from_micros(a + remaining));
                false
            } else {
                remaining -= b - a;
                true
            }
        });
        found
    }

    /// Business seconds between `from` and `to` (0 if `to` is not after `from`).
    pub fn between(&self, from: Timestamp, to: Timestamp) -> i64 {
        let (from, to) = (from.as_micros(), to.as_micros());
        if to <= from {
            return 0;
        }
        let mut total = 0i64;
        self.walk(from, |a, b| {
            if a >= to {
                return false;
            }
            total += b.min(to) - a;
            b < to
        });
        total / MICROS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin_office() -> BusinessHours {
        let week = ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|d| {
                (
                    d.to_string(),
                    vec!["09:00-12:00".to_string(), "13:00-17:00".to_string()],
                )
            })
            .collect();
        BusinessHours::parse(&HoursSpec {
            time_zone: "Europe/Berlin".into(),
            week: Some(week),
            holidays: vec!["2026-12-24".into(), "2026-12-25".into()],
        })
        .unwrap()
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn time_runs_only_in_open_hours() {
        let cal = berlin_office();
        // Friday 16:00 CET + 2 h: one hour on Friday, the second on Monday from 09:00.
        assert_eq!(
            cal.add(at("2026-11-27T15:00:00Z"), 7200).unwrap(),
            at("2026-11-30T09:00:00Z")
        );
        // Started at night: the clock begins at 09:00; the lunch break does not count.
        assert_eq!(
            cal.add(at("2026-11-24T02:00:00Z"), 4 * 3600).unwrap(),
            at("2026-11-24T13:00:00Z")
        );
        assert_eq!(
            cal.between(at("2026-11-24T07:00:00Z"), at("2026-11-24T13:00:00Z")),
            4 * 3600
        );
    }

    #[test]
    fn holidays_and_daylight_saving_are_respected() {
        let cal = berlin_office();
        // Wed 23 Dec 16:30 CET + 1 h: 30 min left that day, 24/25 Dec closed, Sat/Sun too.
        assert_eq!(
            cal.add(at("2026-12-23T15:30:00Z"), 3600).unwrap(),
            at("2026-12-28T08:30:00Z")
        );
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
        assert_eq!(
            cal.add(at("2026-03-30T00:00:00Z"), 0).unwrap(),
            at("2026-03-30T07:00:00Z")
        );
    }

    #[test]
    fn around_the_clock_is_plain_addition() {
        let cal = BusinessHours::always();
        assert_eq!(
            cal.add(at("2026-11-24T02:00:00Z"), 90).unwrap(),
            at("2026-11-24T02:01:30Z")
        );
        assert_eq!(
            cal.between(at("2026-11-24T02:00:00Z"), at("2026-11-24T03:00:00Z")),
            3600
        );
    }

    #[test]
    fn bad_schedules_are_refused_with_the_field() {
        let bad = |week: &[(&str, &str)], tz: &str| {
            BusinessHours::parse(&HoursSpec {
                time_zone: tz.into(),
                week: Some(
                    week.iter()
                        .map(|(d, i)| (d.to_string(), vec![i.to_string()]))
                        .collect(),
                ),
                holidays: vec![],
            })
            .is_err()
        };
        assert!(bad(&[("mon", "09:00-17:00")], "Mars/Olympus"));
        assert!(bad(&[("moon", "09:00-17:00")], "UTC"));
        assert!(bad(&[("mon", "17:00-09:00")], "UTC"));
        assert!(bad(&[("mon", "25:00-26:00")], "UTC"));
        assert!(bad(&[], "UTC"), "never open");
        assert!(!bad(&[("sun", "00:00-24:00")], "UTC"));
    }
}
