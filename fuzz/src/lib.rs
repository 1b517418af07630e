//! The harness shared by the fuzz targets: the run configuration (with `--features mutants`, the
//! mutant named by `RAFT_MUTANT`, read once), what a violation leaves behind (a trace file that
//! records the mutant, then a panic naming the property and how to reproduce it), a warning when
//! an input is re-run without the mutant its finding needed, and the reach tally at exit.

use raft_core::fuzzing::{Finding, Reach, Scenario};
use raft_core::{Cluster, Config, Situation};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

static CONFIG: OnceLock<Config> = OnceLock::new();
/// The cluster the previous input ran in: each input resets it (`Cluster::reset`), so its
/// buffers are allocated once rather than once per exec.
static CLUSTER: Mutex<Option<Cluster>> = Mutex::new(None);
static REACH: Mutex<Reach> = Mutex::new(Reach {
    inputs: 0,
    counts: [0; Situation::ALL.len()],
});

/// Called once before fuzzing: read the configuration (a bad `RAFT_MUTANT` stops here with a
/// one-line error) and print the reach tally when the process exits.
pub fn init() {
    let config = config();
    #[cfg(feature = "mutants")]
    if let Some(m) = config.mutant {
        eprintln!("raft-fuzz: running mutant {}", m.name());
    }
    warn_without_mutant(config);
    extern "C" fn print_reach() {
        if let Ok(reach) = REACH.lock() {
            eprint!("raft-fuzz: {reach}");
        }
    }
    extern "C" {
        fn atexit(f: extern "C" fn()) -> std::os::raw::c_int;
    }
    // SAFETY: registers a plain function with the C runtime; it only reads a Mutex and prints.
    unsafe {
        atexit(print_reach);
    }
}

/// Run one input; on a violation write its trace and panic with the property's name.
pub fn check(scenario: &Scenario) {
    let mut cluster = CLUSTER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match scenario.check_in(config(), &mut cluster) {
        Ok(done) => {
            if let Ok(mut reach) = REACH.lock() {
                reach.record(done);
            }
            // Free this input's history now, keeping the buffers: AddressSanitizer builds check
            // for leaks whenever an input ends with more allocations than frees.
            if let Some(c) = cluster.as_mut() {
                let _ = c.reset(c.config().clone());
            }
        }
        Err(finding) => report(&finding),
    }
}

fn config() -> &'static Config {
    CONFIG.get_or_init(|| {
        // PreVote and CheckQuorum on unless RAFT_PRE_VOTE=0 / RAFT_CHECK_QUORUM=0.
        let mut config = Config::with_liveness(3);
        config.pre_vote = std::env::var("RAFT_PRE_VOTE").map_or(true, |v| v != "0");
        config.check_quorum = std::env::var("RAFT_CHECK_QUORUM").map_or(true, |v| v != "0");
        // The bug zoo runs some mutants with a smaller entry cap (their bug needs it).
        if let Ok(cap) = std::env::var("RAFT_MAX_ENTRIES") {
            match cap.parse::<usize>() {
                Ok(n) if n >= 1 => config.max_entries_per_append = n,
                _ => fail(&format!("RAFT_MAX_ENTRIES must be a number >= 1, got {cap:?}")),
            }
        }
        match std::env::var("RAFT_MUTANT") {
            Err(_) => {}
            #[cfg(feature = "mutants")]
            Ok(name) => match raft_core::Mutant::from_name(&name) {
                Some(m) => config.mutant = Some(m),
                None => fail(&format!("unknown mutant {name:?} in RAFT_MUTANT")),
            },
            #[cfg(not(feature = "mutants"))]
            Ok(name) => fail(&format!(
                "RAFT_MUTANT={name} needs the mutants feature: cargo fuzz run --features mutants ..."
            )),
        }
        config
    })
}

fn fail(message: &str) -> ! {
    eprintln!("raft-fuzz: error: {message}");
    std::process::exit(2)
}

/// libFuzzer's "Reproduce with" line for a crash is `cargo fuzz run TARGET ARTIFACT`: under a
/// mutant, that runs the input against the correct core, where it passes. When inputs are run
/// one by one (files on the command line) without a mutant, say which mutants the findings
/// recorded in the traces directory were made under, and the line that reproduces them.
fn warn_without_mutant(config: &Config) {
    #[cfg(feature = "mutants")]
    if config.mutant.is_some() {
        return;
    }
    let _ = config;
    let inputs: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-') && std::path::Path::new(a).is_file())
        .collect();
    if inputs.is_empty() {
        return;
    }
    let dir = traces_root();
    // Traces sit in the directory itself ($RAFT_FUZZ_TRACES) or in one per target.
    let files = |d: &std::path::Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let mut mutants: Vec<String> = files(&dir)
        .into_iter()
        .flat_map(|p| if p.is_dir() { files(&p) } else { vec![p] })
        .filter_map(|trace| recorded_mutant(&std::fs::read_to_string(trace).ok()?))
        .collect();
    mutants.sort();
    mutants.dedup();
    if mutants.is_empty() {
        return;
    }
    eprintln!(
        "raft-fuzz: warning: running {} without a bug-zoo mutant, but {} records findings under \
         {}; such an input reproduces only under its mutant: RAFT_MUTANT=<mutant> cargo fuzz \
         run --features mutants <target> <input>",
        inputs.join(", "),
        dir.display(),
        mutants.join(", ")
    );
}

/// The mutant a trace's configuration names (`"mutant": "name"` in the JSON), if any.
fn recorded_mutant(json: &str) -> Option<String> {
    let (_, rest) = json.split_once("\"mutant\":")?;
    let rest = rest.trim_start().strip_prefix('"')?;
    rest.split_once('"').map(|(name, _)| name.to_string())
}

fn report(finding: &Finding) -> ! {
    let property = finding.violation.property;
    let json = finding.trace.to_json();
    let written = write_trace(finding, &json);
    let features = if cfg!(feature = "mutants") {
        " --features mutants"
    } else {
        ""
    };
    let target = finding.trace.origin.trim_start_matches("fuzz/");
    let reproduce = mutant_env().map_or(String::new(), |(name, value)| {
        format!(
            "\nfound under {name}={value}: libFuzzer's \"Reproduce with\" line below needs it, as \
             in `{name}={value} cargo fuzz run --features mutants {target} <the crash file>`"
        )
    });
    match written {
        Ok(path) => panic!(
            "{property}: {}\ntrace: {}\nreplay it: cargo run -p model{features} -- replay {}{reproduce}",
            finding.violation,
            path.display(),
            path.display()
        ),
        Err(e) => panic!(
            "{property}: {}\n(could not write the trace: {e})\n{json}",
            finding.violation
        ),
    }
}

/// The mutant this run plants, as its environment variable and value.
fn mutant_env() -> Option<(&'static str, String)> {
    std::env::var("RAFT_MUTANT")
        .ok()
        .map(|name| ("RAFT_MUTANT", name))
}

/// `$RAFT_FUZZ_TRACES/`, or `fuzz/artifacts/traces/` (not `artifacts/<target>/`, where
/// cargo-fuzz would list a trace as a failing input).
fn traces_root() -> PathBuf {
    match std::env::var_os("RAFT_FUZZ_TRACES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/traces"),
    }
}

/// `$RAFT_FUZZ_TRACES/` or `fuzz/artifacts/traces/<target>/`, named by a hash of the trace.
fn write_trace(finding: &Finding, json: &str) -> std::io::Result<PathBuf> {
    let target = finding.trace.origin.trim_start_matches("fuzz/");
    let dir = match std::env::var_os("RAFT_FUZZ_TRACES") {
        Some(dir) => PathBuf::from(dir),
        None => traces_root().join(target),
    };
    std::fs::create_dir_all(&dir)?;
    // FNV-1a: stable across builds and machines, so a finding keeps its name.
    let hash = json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = dir.join(format!("violation-{hash:016x}.json"));
    std::fs::write(&path, json)?;
    Ok(path)
}
