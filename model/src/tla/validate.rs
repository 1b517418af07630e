//! Trace validation in batches: traces are grouped by the spec constants they need (cluster
//! size, entries per append, no-op on election), each group is one TLC run of
//! `specs/TraceRaft.tla` over a generated `TraceData` module, and every trace gets a verdict.

use crate::tla::export::export;
use crate::tla::tlc;
use raft_core::Trace;
use std::collections::BTreeMap;
use std::path::Path;

/// The spec's verdict on one trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every step is a step of the spec.
    Behaviour { steps: usize },
    /// No spec action explains step `step` (0-based among the exported steps), which came from
    /// trace operation `op` (0-based).
    Unexplained { step: usize, op: usize },
}

/// Validate every trace; one TLC run per group of spec constants. `name` names the batch's
/// working directory under `target/tlc/validate/`.
pub fn validate(name: &str, traces: &[Trace]) -> Result<Vec<Verdict>, String> {
    let mut exported = Vec::with_capacity(traces.len());
    for (k, t) in traces.iter().enumerate() {
        exported.push(export(t).map_err(|e| format!("trace {k}: {e}"))?);
    }
    let mut groups: BTreeMap<(u8, usize, bool), Vec<usize>> = BTreeMap::new();
    for (k, t) in traces.iter().enumerate() {
        let c = &t.config;
        groups
            .entry((c.cluster_size, c.max_entries_per_append, c.noop_on_election))
            .or_default()
            .push(k);
    }
    let mut verdicts: Vec<Option<Verdict>> = vec![None; traces.len()];
    for ((size, cap, noop), members) in groups {
        let dir = tlc::root().join("target/tlc/validate").join(format!(
            "{name}-{}-n{size}-c{cap}-{noop}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let data: Vec<String> = members.iter().map(|&k| exported[k].tla()).collect();
        write_batch(&dir, size, cap, noop, &data)?;
        let run = tlc::run(&dir, "TraceRaft.tla", "TraceRaft.cfg", 1)?;
        if !run.passed {
            return Err(format!(
                "TLC failed on the batch in {}:\n{}",
                dir.display(),
                tlc::tail(&run.output, 30)
            ));
        }
        // The last step reached in each trace of the group.
        let mut reached: Vec<Option<usize>> = vec![None; members.len()];
        for line in run.output.lines() {
            let Some(rest) = line.trim().strip_prefix("<<\"AT\", ") else {
                continue;
            };
            let mut fields = rest.trim_end_matches(">>").split(',').map(str::trim);
            let (Some(Ok(tr)), Some(Ok(step))) = (
                fields.next().map(str::parse::<usize>),
                fields.next().map(str::parse::<usize>),
            ) else {
                continue;
            };
            if let Some(slot) = tr.checked_sub(1).and_then(|i| reached.get_mut(i)) {
                *slot = Some(slot.map_or(step, |s| s.max(step)));
            }
        }
        for (i, &k) in members.iter().enumerate() {
            let steps = exported[k].steps.len();
            verdicts[k] = reached[i].map(|last| {
                if last >= steps {
                    Verdict::Behaviour { steps }
                } else {
                    Verdict::Unexplained {
                        step: last,
                        op: exported[k].op_of_step[last],
                    }
                }
            });
        }
        std::fs::remove_dir_all(&dir).ok();
    }
    verdicts
        .into_iter()
        .enumerate()
        .map(|(k, v)| v.ok_or_else(|| format!("TLC reported nothing on trace {k}")))
        .collect()
}

fn write_batch(
    dir: &Path,
    size: u8,
    cap: usize,
    noop: bool,
    data: &[String],
) -> Result<(), String> {
    let specs = tlc::specs_dir();
    for module in ["raft.tla", "TraceRaft.tla"] {
        std::fs::copy(specs.join(module), dir.join(module))
            .map_err(|e| format!("{}: {e}", specs.join(module).display()))?;
    }
    let module = format!(
        "---- MODULE TraceData ----\nEXTENDS Integers\n\\* Written by model::tla::validate: {} traces.\nTraces == <<\n{}\n>>\n====\n",
        data.len(),
        data.join(",\n")
    );
    let servers: Vec<String> = (0..size).map(|s| s.to_string()).collect();
    let cfg = format!(
        "CONSTANTS\n    Server = {{{}}}\n    Nil = Nil\n    MaxEntriesPerAppend = {cap}\n    \
         NoopOnElection = {}\nINIT TraceInit\nNEXT TraceNext\nVIEW TraceView\nINVARIANT Report\n",
        servers.join(", "),
        if noop { "TRUE" } else { "FALSE" }
    );
    std::fs::write(dir.join("TraceData.tla"), module).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("TraceRaft.cfg"), cfg).map_err(|e| e.to_string())
}

/// `cargo run -p model -- validate FILE...`: 0 if every trace is a behaviour of the spec, 1 if
/// one is not, 2 on bad input or when TLC cannot run.
pub fn cli(files: &[std::path::PathBuf]) -> i32 {
    let mut traces = Vec::new();
    for f in files {
        let parsed = std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|text| Trace::from_json(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(t) => traces.push(t),
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return 2;
            }
        }
    }
    let verdicts = match validate("cli", &traces) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut code = 0;
    for ((f, t), v) in files.iter().zip(&traces).zip(verdicts) {
        match v {
            Verdict::Behaviour { steps } => {
                println!(
                    "{}: a behaviour of specs/raft.tla ({steps} steps)",
                    f.display()
                )
            }
            Verdict::Unexplained { op, .. } => {
                code = 1;
                println!(
                    "{}: operation {op} ({:?}) is explained by no action of specs/raft.tla",
                    f.display(),
                    t.ops.get(op)
                );
            }
        }
    }
    code
}
