//! `kairos rules check|test`: an admin's way to try anticipation rules before switching
//! them on. Pure: reads files, runs the engine in memory, prints; no database.

use crate::cli::RulesCommand;
use anyhow::{Context, bail};
use kairos_anticipation::{ContextEvent, MemoryHistory, RuleSet, Simulation, report};
use kairos_core::Timestamp;
use std::io::Write;
use std::path::Path;

/// Most bytes in one event line.
const MAX_LINE: usize = 64 * 1024;

/// Runs a `rules` subcommand.
pub fn run(cmd: RulesCommand) -> anyhow::Result<()> {
    match cmd {
        RulesCommand::Check { file } => {
            let rules = load_rules(&file)?;
            let mut out = format!("ok: {}\n", file.display());
            for r in rules.rules() {
                out.push_str(&format!(
                    "rule {} v{}: {} step(s), {} action(s)\n",
                    r.name, r.version, r.steps, r.actions
                ));
            }
            for t in rules.tables() {
                out.push_str(&format!("table {t}\n"));
            }
            write_stdout(&out)
        }
        RulesCommand::Test {
            file,
            events,
            history,
            time_zone,
            until,
            json,
        } => {
            let rules = load_rules(&file)?;
            let events = load_events(&events)?;
            let zone = jiff::tz::TimeZone::get(&time_zone)
                .with_context(|| format!("unknown time zone {time_zone:?}"))?;
            let mut past = MemoryHistory::new();
            past.set_default_time_zone(zone);
            if let Some(h) = history {
                for e in load_events(&h)? {
                    past.record(&e);
                }
            }
            let until = match until {
                Some(u) => Some(
                    Timestamp::parse_rfc3339(&u)
                        .with_context(|| format!("--until {u:?} is not an RFC 3339 time"))?,
                ),
                None => None,
            };
            let sim = Simulation::run(&rules, &events, &past, until);
            if json {
                let mut out = String::new();
                for f in &sim.firings {
                    out.push_str(&serde_json::to_string(f)?);
                    out.push('\n');
                }
                write_stdout(&out)
            } else {
                write_stdout(&report(&rules, &sim))
            }
        }
    }
}

fn load_rules(path: &Path) -> anyhow::Result<RuleSet> {
    let src =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    RuleSet::parse(&src).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))
}

fn load_events(path: &Path) -> anyhow::Result<Vec<ContextEvent>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.len() > MAX_LINE {
            bail!(
                "{}:{}: event longer than {MAX_LINE} bytes",
                path.display(),
                n + 1
            );
        }
        let ev: ContextEvent = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a context event", path.display(), n + 1))?;
        out.push(ev);
    }
    Ok(out)
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn example(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/anticipation")
            .join(name)
    }

    #[test]
    fn a_syntax_error_is_refused_with_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.rules");
        std::fs::write(
            &bad,
            "rule \"x\"\n  when a = presence.wifi where venue =\nthen\n  touchpoint \"t\"\nend\n",
        )
        .unwrap();
        let err = run(RulesCommand::Check { file: bad.clone() })
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "{}:3:1: expected a value, a field or `(`, found `then`",
                bad.display()
            )
        );
    }

    #[test]
    fn the_shipped_example_checks_and_replays() {
        run(RulesCommand::Check {
            file: example("airport.rules"),
        })
        .unwrap();
        let load = load_events(&example("airport-events.jsonl")).unwrap();
        assert_eq!(load.len(), 22);
        run(RulesCommand::Test {
            file: example("airport.rules"),
            events: example("airport-events.jsonl"),
            history: None,
            time_zone: "Europe/Berlin".into(),
            until: None,
            json: true,
        })
        .unwrap();
    }
}
