//! The catalogue's table: one line per mutant (bounds, then what each checker found), the
//! bounds' reasons, and the totals against the targets.

use super::cli::ZooArgs;
use super::fuzz::FuzzResult;
use super::proptest::ProptestResult;
use super::runner::Outcome;
use crate::checker::bounds::{Bounds, NetworkKind};
use std::fmt::Write as _;

/// `3s t2 p1 h0 c1/r1` (+ `snapN`, `dup`/`fifo`, `lossy`, `copies=k`, `inflight<=m`).
pub fn short_bounds(b: &Bounds) -> String {
    let mut s = format!(
        "{}s t{} p{} h{} c{}/r{}",
        b.servers, b.max_term, b.proposals, b.heartbeats, b.crashes, b.restarts
    );
    if b.snapshots > 0 {
        let _ = write!(s, " snap{}", b.snapshots);
    }
    match b.network {
        NetworkKind::UnorderedNonDuplicating => {}
        NetworkKind::UnorderedDuplicating => s.push_str(" dup"),
        NetworkKind::Ordered => s.push_str(" fifo"),
    }
    if b.lossy {
        s.push_str(" lossy");
    }
    if b.max_copies != 1 {
        let _ = write!(s, " copies={}", b.max_copies);
    }
    if let Some(m) = b.max_in_flight {
        let _ = write!(s, " inflight<={m}");
    }
    s
}

pub fn model_cell(o: &Outcome) -> String {
    let Some(m) = &o.model else {
        return "-".into();
    };
    let s = &m.summary;
    let secs = s.elapsed.as_secs_f64();
    if let Some(p) = &m.panic {
        return format!("PANIC ({p}), {secs:.1}s");
    }
    match &s.counterexample {
        Some(c) => format!(
            "{} in {} steps{}, {} states, {secs:.1}s",
            c.property,
            c.steps,
            match (c.shortest, c.found) {
                (true, None) => String::new(),
                (true, Some(found)) => format!(
                    " ({}: {found} steps, shortest by a re-run)",
                    s.limits.strategy.name()
                ),
                (false, Some(found)) =>
                    format!(" ({}: {found} steps, shrunk)", s.limits.strategy.name()),
                (false, None) => " (not shortest)".into(),
            },
            s.total
        ),
        None => match &s.cut {
            None => format!("none (exhaustive), {} states, {secs:.1}s", s.total),
            Some(why) => format!("none (cut: {why}), {} states, {secs:.1}s", s.total),
        },
    }
}

/// The default suite's verdict: the configuration that caught the mutant, or that none did.
pub fn default_cell(o: &Outcome) -> String {
    if let Some(p) = &o.default_panic {
        return format!("the core panicked: {p}");
    }
    let Some(run) = &o.default_check else {
        return "-".into();
    };
    let secs = run.elapsed.as_secs_f64();
    match run.caught_by() {
        Some(r) => match &r.summary.counterexample {
            Some(c) => format!(
                "{} by {} in {} steps, {secs:.1}s{}",
                c.property,
                r.entry.name,
                c.steps,
                if c.reproduced {
                    ""
                } else {
                    " (NOT reproduced)"
                }
            ),
            None => format!("violation by {} without a trace, {secs:.1}s", r.entry.name),
        },
        None if run.passed() => format!("none (suite passed), {secs:.1}s"),
        None if run.clean() => format!(
            "none (clean; goals unreached in {}: the mutant blocks progress), {secs:.1}s",
            run.unreached().join(", ")
        ),
        None => format!("none (cut short of exhaustive), {secs:.1}s"),
    }
}

fn fuzz_cell(o: &Outcome) -> String {
    let target = o.row.fuzz_target;
    match &o.fuzz {
        None => "-".into(),
        Some(FuzzResult::Found { property, secs, .. }) => {
            format!("{target}: {property} in {secs:.1}s")
        }
        Some(FuzzResult::Panicked { artifact, secs }) => {
            format!("{target}: PANIC in {secs:.1}s ({artifact})")
        }
        Some(FuzzResult::NotFound { secs }) => format!("{target}: none in {secs:.0}s"),
        Some(FuzzResult::Error(e)) => format!("{target}: error: {e}"),
    }
}

fn proptest_cell(o: &Outcome) -> String {
    match &o.proptest {
        None => "-".into(),
        Some(ProptestResult::Found {
            property,
            cases,
            secs,
        }) => format!("{property} at case {cases} ({secs:.1}s)"),
        Some(ProptestResult::NotFound { cases, secs }) => {
            format!("none in {cases} cases ({secs:.1}s)")
        }
        Some(ProptestResult::Panicked {
            message,
            cases,
            secs,
        }) => format!("PANIC at case {cases} ({secs:.1}s): {message}"),
    }
}

fn verdict(o: &Outcome) -> String {
    match (o.failure(), o.row.mutant.is_control()) {
        (Some(_), _) => "FAIL".into(),
        (None, true) => "ok (control)".into(),
        (None, false)
            if o.model.as_ref().is_some_and(|m| m.panic.is_some()) || o.default_panic.is_some() =>
        {
            "ok (panic)".into()
        }
        (None, false) => {
            let found = o
                .model
                .as_ref()
                .and_then(|m| m.summary.counterexample.as_ref())
                .or_else(|| {
                    o.default_check
                        .as_ref()
                        .and_then(|r| r.caught_by())
                        .and_then(|r| r.summary.counterexample.as_ref())
                })
                .map(|c| c.property);
            if found.is_some_and(|p| o.row.expected.contains(&p)) {
                "ok".into()
            } else {
                "ok (unexpected property)".into()
            }
        }
    }
}

/// Lay out rows of cells in aligned columns separated by ` | `.
fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|k| {
            rows.iter()
                .map(|r| r.get(k).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        s.push_str(cells.join(" | ").trim_end());
        s.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            s.push_str(&rule.join("-|-"));
            s.push('\n');
        }
    }
    s
}

pub fn render(outcomes: &[Outcome], args: &ZooArgs) -> String {
    let mut rows = vec![vec![
        "mutant".to_string(),
        "bounds".into(),
        "model checker (property, length, states, time)".into(),
        format!(
            "default check (--suite {}: property, by, length, time)",
            format!("{:?}", args.suite).to_lowercase()
        ),
        format!("fuzzer (first finding, budget {}s)", args.fuzz_seconds),
        format!(
            "proptest (first failure, budget {} cases)",
            args.proptest_cases
        ),
        "verdict".into(),
    ]];
    for o in outcomes {
        rows.push(vec![
            o.row.mutant.name().to_string(),
            short_bounds(&o.row.bounds),
            model_cell(o),
            default_cell(o),
            fuzz_cell(o),
            proptest_cell(o),
            verdict(o),
        ]);
    }
    let mut s = columns(&rows);
    s.push_str(
        "bounds: servers, max term, proposals, heartbeats, crashes/restarts, snapN snapshots \
         (all in the whole run); network unordered non-duplicating unless marked\n",
    );
    for o in outcomes {
        let _ = writeln!(s, "  {:<34} {}", o.row.mutant.name(), o.row.why);
    }
    let safety: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !o.row.mutant.is_control())
        .collect();
    let controls = outcomes.len() - safety.len();
    let modelled = safety.iter().filter(|o| o.model.is_some()).count();
    if modelled > 0 {
        let model = safety.iter().filter(|o| o.model_caught()).count();
        let elapsed = |o: &&&Outcome| o.model.as_ref().map(|m| m.summary.elapsed);
        let slowest = safety
            .iter()
            .filter(|o| o.model_caught())
            .max_by_key(elapsed);
        let _ = writeln!(
            s,
            "model checker: {model}/{modelled} safety mutants caught within the {}s cap (target \
             100%){}",
            args.timeout,
            slowest.map_or(String::new(), |o| format!(
                "; slowest {} in {:.1}s (target: each within 60s)",
                o.row.mutant.name(),
                elapsed(&o).unwrap_or_default().as_secs_f64()
            ))
        );
    }
    let checked = safety
        .iter()
        .filter(|o| o.default_check.is_some() || o.default_panic.is_some())
        .count();
    if checked > 0 {
        let caught = safety.iter().filter(|o| o.default_caught()).count();
        let secs: f64 = outcomes
            .iter()
            .filter_map(|o| o.default_check.as_ref())
            .map(|r| r.elapsed.as_secs_f64())
            .sum();
        let _ = writeln!(
            s,
            "default check: {caught}/{checked} safety mutants caught by the plain --suite {} \
             (target 100%); the column took {secs:.0}s in all",
            format!("{:?}", args.suite).to_lowercase()
        );
    }
    let fuzzed = safety.iter().filter(|o| o.fuzz.is_some()).count();
    if fuzzed > 0 {
        let found = safety
            .iter()
            .filter(|o| o.fuzz.as_ref().is_some_and(FuzzResult::is_finding))
            .count();
        let _ = writeln!(
            s,
            "fuzzer: {found}/{fuzzed} safety mutants caught within {}s each (target >= 80%)",
            args.fuzz_seconds
        );
    }
    let tested = safety.iter().filter(|o| o.proptest.is_some()).count();
    if tested > 0 {
        let found = safety
            .iter()
            .filter(|o| o.proptest.as_ref().is_some_and(ProptestResult::is_finding))
            .count();
        let _ = writeln!(
            s,
            "proptest: {found}/{tested} safety mutants caught within {} cases each",
            args.proptest_cases
        );
    }
    if controls > 0 {
        let alarms = outcomes
            .iter()
            .filter(|o| o.row.mutant.is_control() && o.failure().is_some())
            .count();
        let _ = writeln!(
            s,
            "controls: {alarms} false alarm(s) or unverified run(s) out of {controls} (target 0)"
        );
    }
    s
}
