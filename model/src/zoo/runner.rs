//! Runs each catalogue row through the checkers and judges the outcome: a safety mutant must be
//! caught by the model checker at its bounds (with a trace that replays to it) and by the plain
//! default suite users run; a control must raise no alarm anywhere, its model-checker run must
//! be exhaustive and it must pass the default suite.

use super::catalogue::{rows, Row};
use super::cli::ZooArgs;
use super::fuzz::{self, FuzzResult};
use super::proptest::{self as zoo_proptest, ProptestResult};
use super::table;
use crate::checker::bounds::{RunLimits, Strategy};
use crate::checker::report::Summary;
use crate::checker::suite::{run_suite, suite, SuiteRun};
use raft_core::{Config, Mutant, Trace};
use std::path::Path;
use std::time::Duration;

/// What the model checker said about one mutant.
pub struct ModelResult {
    pub summary: Summary,
    /// A problem with the counterexample (not written, or its replay does not reproduce it).
    pub error: Option<String>,
    /// A counterexample not known to be shortest was shrunk to this many operations.
    pub shrunk: Option<usize>,
}

/// Everything measured for one row.
pub struct Outcome {
    pub row: Row,
    /// `None`: the column was skipped (here and below).
    pub model: Option<ModelResult>,
    /// The plain default suite (no bespoke bounds) on this mutant.
    pub default_check: Option<SuiteRun>,
    pub fuzz: Option<FuzzResult>,
    pub proptest: Option<ProptestResult>,
}

impl Outcome {
    pub fn model_caught(&self) -> bool {
        self.model.as_ref().is_some_and(|m| {
            m.error.is_none()
                && m.summary
                    .counterexample
                    .as_ref()
                    .is_some_and(|c| c.reproduced)
        })
    }

    /// The default suite found a violation whose trace replays to it.
    pub fn default_caught(&self) -> bool {
        self.default_check
            .as_ref()
            .and_then(SuiteRun::caught_by)
            .and_then(|r| r.summary.counterexample.as_ref())
            .is_some_and(|c| c.reproduced && c.error.is_none())
    }

    /// Why this row fails the catalogue, if it does.
    pub fn failure(&self) -> Option<String> {
        if !self.row.mutant.is_control() {
            if let Some(m) = &self.model {
                let s = &m.summary;
                match (&m.error, self.model_caught()) {
                    (Some(e), _) => return Some(format!("model checker: {e}")),
                    (None, true) => {}
                    (None, false) => {
                        return Some(match &s.cut {
                            Some(why) => format!("NOT caught by the model checker ({why})"),
                            None => {
                                "NOT caught by the model checker (exhaustive at its bounds)".into()
                            }
                        })
                    }
                }
            }
            if self.default_check.is_some() && !self.default_caught() {
                return Some("NOT caught by the default check".into());
            }
            return None;
        }
        if let Some(m) = &self.model {
            let s = &m.summary;
            if s.violated() {
                return Some("FALSE ALARM: the model checker found a violation".into());
            }
            if let Some(why) = &s.cut {
                return Some(format!(
                    "control not verified: model-checker run cut ({why})"
                ));
            }
        }
        if let Some(run) = &self.default_check {
            if let Some(r) = run.caught_by() {
                return Some(format!(
                    "FALSE ALARM: the default check's {} found a violation",
                    r.entry.name
                ));
            }
            if !run.passed() {
                return Some("control not verified: the default check did not pass".into());
            }
        }
        if let Some(FuzzResult::Found { property, .. }) = &self.fuzz {
            return Some(format!("FALSE ALARM: the fuzzer found {property}"));
        }
        if let Some(ProptestResult::Found { property, .. }) = &self.proptest {
            return Some(format!("FALSE ALARM: proptest found {property}"));
        }
        None
    }
}

fn model_run(row: &Row, args: &ZooArgs, out: &Path) -> ModelResult {
    let mut config = Config::new(row.bounds.servers);
    config.mutant = Some(row.mutant);
    let limits = RunLimits {
        strategy: row.search,
        symmetry: row.search == Strategy::Dfs,
        threads: match row.search {
            Strategy::Dfs => args.dfs_threads,
            _ => args.threads,
        },
        timeout: Some(Duration::from_secs(args.timeout)),
        max_states: Some(args.max_states),
        ..RunLimits::default()
    };
    let summary = crate::checker::check(&config, &row.bounds, &limits, out);
    let mut error = summary
        .counterexample
        .as_ref()
        .and_then(|c| c.error.clone());
    let mut shrunk = None;
    if let Some(c) = summary.counterexample.as_ref().filter(|c| !c.shortest) {
        if let Some(file) = &c.file {
            match shrink_file(file) {
                Ok(n) => shrunk = Some(n),
                Err(e) => error = Some(e),
            }
        }
    }
    ModelResult {
        summary,
        error,
        shrunk,
    }
}

/// The mutant through the plain default suite (`args.suite`), stopping at its first violation.
fn default_check_run(row: &Row, args: &ZooArgs, out: &Path) -> SuiteRun {
    let mut config = Config::new(row.bounds.servers);
    config.mutant = Some(row.mutant);
    let limits = RunLimits {
        threads: args.suite_threads,
        ..RunLimits::default()
    };
    run_suite(suite(args.suite), &config, &limits, out, false, true)
}

/// Shrink the trace in `file` in place (see `shrink`); its new length.
fn shrink_file(file: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let trace = Trace::from_json(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut shrunk = super::shrink::shrink(&trace);
    shrunk.origin = "model (depth-first, shrunk)".into();
    std::fs::write(file, shrunk.to_json() + "\n")
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(shrunk.ops.len())
}

/// Copy the mutant's counterexample trace to `DIR/<mutant>.json`.
fn write_regression(o: &Outcome, dir: &Path) -> Result<(), String> {
    let Some(file) = o
        .model
        .as_ref()
        .and_then(|m| m.summary.counterexample.as_ref())
        .and_then(|c| c.file.as_ref())
    else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let to = dir.join(format!("{}.json", o.row.mutant.name()));
    std::fs::copy(file, &to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    println!("regression trace written to {}", to.display());
    Ok(())
}

fn selected(args: &ZooArgs) -> Result<Vec<Row>, String> {
    match &args.only {
        None => Ok(rows()),
        Some(name) => match Mutant::from_name(name) {
            Some(m) => Ok(vec![super::catalogue::row(m)]),
            None => Err(format!(
                "unknown mutant '{name}' (expected one of: {})",
                Mutant::ALL.map(|m| m.name()).join(", ")
            )),
        },
    }
}

pub fn run(args: &ZooArgs) -> i32 {
    let counts = [
        args.threads,
        args.dfs_threads,
        args.max_states,
        args.suite_threads,
    ];
    if counts.contains(&0) || args.timeout == 0 || args.fuzz_seconds == 0 {
        return crate::checker::cli::usage_error(
            "--threads, --dfs-threads, --suite-threads, --timeout, --max-states and --fuzz-seconds \
             must be at least 1",
        );
    }
    let rows = match selected(args) {
        Ok(r) => r,
        Err(e) => return crate::checker::cli::usage_error(&e),
    };
    let mut notes = Vec::new();
    let only_default = args.only_default_check;
    let (skip_model, skip_fuzz, skip_proptest) = (
        only_default,
        args.skip_fuzz || only_default,
        args.skip_proptest || only_default,
    );
    if args.skip_default_check && only_default {
        return crate::checker::cli::usage_error(
            "--skip-default-check and --only-default-check leave nothing to run",
        );
    }
    let fuzzing = !skip_fuzz
        && match fuzz::unavailable() {
            None => true,
            Some(note) => {
                notes.push(note);
                false
            }
        };
    if only_default {
        notes.push("only the default-check column (--only-default-check)".into());
    } else {
        if args.skip_fuzz {
            notes.push("fuzzer column skipped (--skip-fuzz)".into());
        }
        if args.skip_proptest {
            notes.push("proptest column skipped (--skip-proptest)".into());
        }
    }
    if args.skip_default_check {
        notes.push("default-check column skipped (--skip-default-check)".into());
    }
    let mut built: Vec<(&str, Result<(), String>)> = Vec::new();
    let mut outcomes = Vec::new();
    let count = rows.len();
    for (k, row) in rows.into_iter().enumerate() {
        let name = row.mutant.name();
        let dir = args.out.join(name);
        let model = (!skip_model).then(|| {
            println!(
                "== {name} ({}/{count}): model checker, {}",
                k + 1,
                row.bounds
            );
            model_run(&row, args, &dir)
        });
        let default_check = (!args.skip_default_check).then(|| {
            println!(
                "== {name} ({}/{count}): default check (--suite {})",
                k + 1,
                format!("{:?}", args.suite).to_lowercase()
            );
            default_check_run(&row, args, &dir.join("default-check"))
        });
        let shown = Outcome {
            row,
            model,
            default_check,
            fuzz: None,
            proptest: None,
        };
        if shown.model.is_some() {
            println!("== {name}: model checker: {}", table::model_cell(&shown));
        }
        if shown.default_check.is_some() {
            println!("== {name}: default check: {}", table::default_cell(&shown));
        }
        let Outcome {
            row,
            model,
            default_check,
            ..
        } = shown;
        let proptest = (!skip_proptest).then(|| {
            println!("== {name}: proptest, up to {} cases", args.proptest_cases);
            zoo_proptest::run_cases(row.mutant, args.proptest_cases)
        });
        let fuzz = fuzzing.then(|| {
            let target = row.fuzz_target;
            if !built.iter().any(|(t, _)| *t == target) {
                println!("== building fuzz target {target} (not timed)");
                let _ = std::fs::create_dir_all(&args.out);
                let log = args.out.join(format!("fuzz-build-{target}.log"));
                built.push((target, fuzz::build(target, &log)));
            }
            match built.iter().find(|(t, _)| *t == target) {
                Some((_, Err(e))) => FuzzResult::Error(e.clone()),
                _ => {
                    println!(
                        "== {name}: cargo fuzz run {target}, up to {} s",
                        args.fuzz_seconds
                    );
                    let work = dir.join("fuzz");
                    fuzz::run(
                        row.mutant,
                        target,
                        Duration::from_secs(args.fuzz_seconds),
                        &work,
                    )
                }
            }
        });
        let outcome = Outcome {
            row,
            model,
            default_check,
            fuzz,
            proptest,
        };
        if let Some(dir) = &args.regressions {
            if let Err(e) = write_regression(&outcome, dir) {
                notes.push(e);
            }
        }
        if let Some(f) = outcome.failure() {
            println!("== {name}: {f}");
        }
        outcomes.push(outcome);
    }
    println!();
    print!("{}", table::render(&outcomes, args));
    for note in &notes {
        println!("note: {note}");
    }
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.failure().map(|f| format!("{}: {f}", o.row.mutant.name())))
        .collect();
    if failures.is_empty() {
        println!("result: every safety mutant caught by every checker run, no false alarm");
        0
    } else {
        for f in &failures {
            println!("FAILED {f}");
        }
        1
    }
}
