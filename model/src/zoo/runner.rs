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
use raft_core::{Config, Mutant};
use std::path::Path;
use std::time::Duration;

/// What the model checker said about one mutant.
pub struct ModelResult {
    pub summary: Summary,
    /// A problem with the counterexample (not written, or its replay does not reproduce it).
    pub error: Option<String>,
    /// The core panicked during the search (an arithmetic overflow, say): a finding, though
    /// of no property. (`summary` then holds only the time.)
    pub panic: Option<String>,
}

/// Everything measured for one row.
pub struct Outcome {
    pub row: Row,
    /// `None`: the column was skipped (here and below).
    pub model: Option<ModelResult>,
    /// The plain default suite (no bespoke bounds) on this mutant.
    pub default_check: Option<SuiteRun>,
    /// The core panicked under the default suite (a finding; the suite run is then `None`).
    pub default_panic: Option<String>,
    pub fuzz: Option<FuzzResult>,
    pub proptest: Option<ProptestResult>,
}

impl Outcome {
    pub fn model_caught(&self) -> bool {
        self.model.as_ref().is_some_and(|m| {
            m.panic.is_some()
                || (m.error.is_none()
                    && m.summary
                        .counterexample
                        .as_ref()
                        .is_some_and(|c| c.reproduced))
        })
    }

    /// The default suite found a violation whose trace replays to it, or the core panicked.
    pub fn default_caught(&self) -> bool {
        self.default_panic.is_some()
            || self
                .default_check
                .as_ref()
                .and_then(SuiteRun::caught_by)
                .and_then(|r| r.summary.counterexample.as_ref())
                .is_some_and(|c| c.reproduced && c.error.is_none())
    }

    /// Why this row fails the catalogue, if it does.
    pub fn failure(&self) -> Option<String> {
        if let (Some(p), true) = (
            self.model.as_ref().and_then(|m| m.panic.as_ref()),
            self.row.mutant.is_control(),
        ) {
            return Some(format!(
                "FALSE ALARM: the core panicked under the model checker: {p}"
            ));
        }
        if let (Some(p), true) = (&self.default_panic, self.row.mutant.is_control()) {
            return Some(format!(
                "FALSE ALARM: the core panicked under the default check: {p}"
            ));
        }
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
            if (self.default_check.is_some() || self.default_panic.is_some())
                && !self.default_caught()
            {
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
            if !run.clean() {
                return Some(
                    "control not verified: the default check was cut short of exhaustive".into(),
                );
            }
        }
        match &self.fuzz {
            Some(FuzzResult::Found { property, .. }) => {
                return Some(format!("FALSE ALARM: the fuzzer found {property}"));
            }
            Some(FuzzResult::Panicked { artifact, .. }) => {
                return Some(format!(
                    "FALSE ALARM: the fuzz target panicked ({artifact})"
                ));
            }
            _ => {}
        }
        match &self.proptest {
            Some(ProptestResult::Found { property, .. }) => {
                return Some(format!("FALSE ALARM: proptest found {property}"));
            }
            Some(ProptestResult::Panicked { message, .. }) => {
                return Some(format!("FALSE ALARM: proptest panicked: {message}"));
            }
            _ => {}
        }
        None
    }
}

fn model_run(row: &Row, args: &ZooArgs, out: &Path) -> ModelResult {
    let config = row.config();
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
    let start = std::time::Instant::now();
    let (run, first_panic) =
        with_first_panic(|| crate::checker::check(&config, &row.bounds, &limits, out));
    let summary = match run {
        Ok(summary) => summary,
        Err(payload) => {
            // The checker's thread panicked; the message is the core's, not the join's.
            let message = first_panic.unwrap_or_else(|| panic_message(&*payload));
            return panicked(row, limits, start.elapsed(), message);
        }
    };
    let error = summary
        .counterexample
        .as_ref()
        .and_then(|c| c.error.clone());
    ModelResult {
        summary,
        error,
        panic: None,
    }
}

/// The mutant through the plain default suite (`args.suite`), stopping at its first violation;
/// or the core's panic.
fn default_check_run(row: &Row, args: &ZooArgs, out: &Path) -> Result<SuiteRun, String> {
    // The suite users run: PreVote and CheckQuorum on, as `check` has them.
    let mut config = Config::with_liveness(row.bounds.servers);
    config.mutant = Some(row.mutant);
    let limits = RunLimits {
        threads: args.suite_threads,
        ..RunLimits::default()
    };
    let (result, message) = with_first_panic(std::panic::AssertUnwindSafe(|| {
        run_suite(suite(args.suite), &config, &limits, out, false, true)
    }));
    result.map_err(|payload| message.unwrap_or_else(|| panic_message(&*payload)))
}

/// The result of a search the core's panic ended after `elapsed`.
fn panicked(row: &Row, limits: RunLimits, elapsed: Duration, message: String) -> ModelResult {
    let summary = Summary {
        bounds: row.bounds.clone(),
        limits,
        properties: Vec::new(),
        situations: Vec::new(),
        goals: Vec::new(),
        total: 0,
        unique: 0,
        max_depth: 0,
        walks: None,
        orbits: None,
        refused: Default::default(),
        elapsed,
        cut: Some("the core panicked".into()),
        stopped_at_violation: false,
        counterexample: None,
        peak_memory: None,
    };
    ModelResult {
        summary,
        error: None,
        panic: Some(message),
    }
}

/// Run `f`, catching a panic; also the first panic message raised on any thread meanwhile
/// (with its location), as the default hook would print it.
fn with_first_panic<T>(
    f: impl FnOnce() -> T + std::panic::UnwindSafe,
) -> (std::thread::Result<T>, Option<String>) {
    use std::sync::{Arc, Mutex};
    let first: Arc<Mutex<Option<String>>> = Arc::default();
    let seen = Arc::clone(&first);
    let previous = Arc::new(std::panic::take_hook());
    let chained = Arc::clone(&previous);
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut slot) = seen.lock() {
            if slot.is_none() {
                let location = info
                    .location()
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default();
                *slot = Some(format!("{}{location}", panic_message(info.payload())));
            }
        }
        chained(info);
    }));
    let result = std::panic::catch_unwind(f);
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| previous(info)));
    let message = first.lock().ok().and_then(|mut m| m.take());
    (result, message)
}

/// The text of a panic's payload (a `&str` or a `String`, as `panic!` makes them).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-text payload".into())
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

/// How a finding's trace is replayed (the mutant is recorded in the trace).
const REPLAY: &str = "cargo run -p model --features mutants -- replay";

/// With `--only`: the model checker's counterexample, its story and where its trace is, and
/// the default check's trace.
fn show_counterexample(shown: &Outcome) {
    let name = shown.row.mutant.name();
    if let Some(c) = shown
        .model
        .as_ref()
        .and_then(|m| m.summary.counterexample.as_ref())
    {
        println!("== {name}: the model checker's {c}");
        if let Some(file) = &c.file {
            println!("   replay it: {REPLAY} {}", file.display());
        }
    }
    let default = shown
        .default_check
        .as_ref()
        .into_iter()
        .flat_map(|run| &run.runs);
    for file in default.filter_map(|r| r.summary.counterexample.as_ref()?.file.as_ref()) {
        println!("== {name}: the default check's trace: {}", file.display());
        println!("   replay it: {REPLAY} {}", file.display());
    }
}

pub fn run(args: &ZooArgs) -> i32 {
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
        let (default_check, default_panic) = if args.skip_default_check {
            (None, None)
        } else {
            println!(
                "== {name} ({}/{count}): default check (--suite {})",
                k + 1,
                format!("{:?}", args.suite).to_lowercase()
            );
            match default_check_run(&row, args, &dir.join("default-check")) {
                Ok(run) => (Some(run), None),
                Err(panic) => (None, Some(panic)),
            }
        };
        let shown = Outcome {
            row,
            model,
            default_check,
            default_panic,
            fuzz: None,
            proptest: None,
        };
        if shown.model.is_some() {
            println!("== {name}: model checker: {}", table::model_cell(&shown));
        }
        if args.only.is_some() {
            show_counterexample(&shown);
        }
        if !args.skip_default_check {
            println!("== {name}: default check: {}", table::default_cell(&shown));
        }
        let Outcome {
            row,
            model,
            default_check,
            default_panic,
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
                        row.max_entries,
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
            default_panic,
            fuzz,
            proptest,
        };
        if let Some(dir) = &args.regressions {
            if let Err(e) = write_regression(&outcome, dir) {
                notes.push(e);
            }
        }
        if let (Some(_), Some(FuzzResult::Found { trace, .. })) = (&args.only, &outcome.fuzz) {
            println!("== {name}: the fuzzer's trace: {}", trace.display());
            println!("   replay it: {REPLAY} {}", trace.display());
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
