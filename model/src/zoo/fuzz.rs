//! The fuzzer column: the real `cargo fuzz run -s none --features mutants TARGET` as a
//! subprocess, with the mutant named in `RAFT_MUTANT`, a scratch corpus seeded from
//! `fuzz/corpus/TARGET/seed-*` and a time budget; a finding is the trace file the target writes.

use raft_core::{Mutant, Property, Trace};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one fuzz run found.
#[derive(Clone, Debug)]
pub enum FuzzResult {
    /// A violation after this long (wall time of the run, start-up included), and the trace
    /// the target wrote.
    Found {
        property: Property,
        secs: f64,
        trace: PathBuf,
    },
    /// The target panicked (libFuzzer's crash): the input that did it is `artifact`.
    Panicked { artifact: String, secs: f64 },
    /// The budget ran out without a finding.
    NotFound { secs: f64 },
    /// The run could not be made (one line why).
    Error(String),
}

impl FuzzResult {
    /// A violation or a panic: the fuzzer caught the bug.
    pub fn is_finding(&self) -> bool {
        matches!(self, FuzzResult::Found { .. } | FuzzResult::Panicked { .. })
    }
}

/// Is `cargo fuzz` installed? `None` if it is; otherwise the note to print.
pub fn unavailable() -> Option<String> {
    match Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => None,
        _ => Some(
            "cargo-fuzz is not installed (cargo install cargo-fuzz --locked): fuzzer column skipped"
                .into(),
        ),
    }
}

/// The workspace root (where `fuzz/` lives), from this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn cargo_fuzz(root: &Path, sub: &str, target: &str) -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(root)
        .args(["fuzz", sub, "-s", "none", "--features", "mutants", target]);
    c
}

/// Build `target` once (not timed), so the runs time fuzzing, not compiling.
pub fn build(target: &str, log: &Path) -> Result<(), String> {
    let root = workspace_root();
    let log = &std::path::absolute(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let status = cargo_fuzz(&root, "build", target)
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo fuzz build {target} failed (see {})",
            log.display()
        ))
    }
}

/// Fuzz `mutant` with `target` (servers capped at `max_entries` entries per append) for at most
/// `budget`; scratch files under `work`, which is made absolute first: cargo fuzz runs in the
/// workspace root, wherever `mutants` was started.
pub fn run(
    mutant: Mutant,
    max_entries: usize,
    target: &str,
    budget: Duration,
    work: &Path,
) -> FuzzResult {
    let work = match std::path::absolute(work) {
        Ok(w) => w,
        Err(e) => return FuzzResult::Error(format!("{}: {e}", work.display())),
    };
    match try_run(mutant, max_entries, target, budget, &work) {
        Ok(r) => r,
        Err(e) => FuzzResult::Error(e),
    }
}

fn try_run(
    mutant: Mutant,
    max_entries: usize,
    target: &str,
    budget: Duration,
    work: &Path,
) -> Result<FuzzResult, String> {
    let root = workspace_root();
    let corpus = work.join("corpus");
    let traces = work.join("traces");
    let artifacts = work.join("artifacts");
    for dir in [&corpus, &traces, &artifacts] {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let seeds = root.join("fuzz/corpus").join(target);
    let entries = std::fs::read_dir(&seeds).map_err(|e| format!("{}: {e}", seeds.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("seed-") {
            std::fs::copy(entry.path(), corpus.join(&name))
                .map_err(|e| format!("copy seed {}: {e}", entry.path().display()))?;
        }
    }
    let log_path = work.join("fuzz.log");
    let log =
        std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let status = cargo_fuzz(&root, "run", target)
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={}", budget.as_secs().max(1)))
        .arg("-seed=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .env("RAFT_MUTANT", mutant.name())
        .env("RAFT_MAX_ENTRIES", max_entries.to_string())
        .env("RAFT_FUZZ_TRACES", &traces)
        .stdout(log)
        .stderr(log_err)
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    let finding = std::fs::read_dir(&traces)
        .map_err(|e| e.to_string())?
        .flatten()
        .find_map(|e| Some((std::fs::read_to_string(e.path()).ok()?, e.path())))
        .map(|(text, path)| {
            Trace::from_json(&text)
                .map(|t| (t, path))
                .map_err(|e| format!("the fuzz trace: {e}"))
        })
        .transpose()?;
    // libFuzzer saves the input of a crash (a panic) as `crash-<sha1>` under the prefix.
    let crash = std::fs::read_dir(&artifacts)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("crash-"))
        });
    Ok(match (finding, crash, status.success()) {
        (Some((trace, path)), _, _) => match trace.expect {
            Some(property) => FuzzResult::Found {
                property,
                secs,
                trace: path,
            },
            None => FuzzResult::Error("the fuzz trace names no property".into()),
        },
        (None, Some(artifact), _) => FuzzResult::Panicked {
            artifact: artifact.display().to_string(),
            secs,
        },
        (None, None, true) => FuzzResult::NotFound { secs },
        (None, None, false) => FuzzResult::Error(format!(
            "cargo fuzz run failed without a finding or a crash input (see {})",
            log_path.display()
        )),
    })
}
