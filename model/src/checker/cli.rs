//! The command line: `check`, `explore`, `replay`, `sim` and `mutants`. Bad usage exits 2: a
//! flag clap rejects with clap's own message (its tip and usage lines kept), a bound or file
//! the commands reject with one line naming the flag or the file.

use super::bounds::{Bounds, NetworkKind, RunLimits, Strategy};
use super::suite::{run_suite, suite, Search, SuiteSize};
use crate::flags::whole;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use raft_core::{Config, Trace};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "model",
    version,
    about = "Checks the Raft core: model checking (check, explore), trace replay, simulation"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Explore every reachable state of a small cluster and check every safety property. With no
    /// bound flags, runs a suite (`--suite`): exhaustive configurations each aimed at a class of
    /// bugs (crashes, conflicts, three terms, heartbeats, duplicates, loss, 4 and 5 servers,
    /// snapshots), then seeded random walks over 5 servers.
    #[command(allow_negative_numbers = true)]
    Check(CheckArgs),
    /// Serve stateright's interactive Explorer on 127.0.0.1.
    #[command(allow_negative_numbers = true)]
    Explore(ExploreArgs),
    /// Replay a trace file (from the model, fuzzers, simulator or proptest) and judge it.
    Replay(ReplayArgs),
    /// Run the MIT 6.5840 Raft lab scenarios (3A-3D, plus the 2026 variants) in deterministic
    /// virtual time, over seeds S, S+1, ..., S+N-1.
    #[command(allow_negative_numbers = true)]
    Sim(crate::sim::cli::SimArgs),
    /// The bug zoo: every mutant through the model checker, the fuzzer and proptest, in one
    /// table (needs `--features mutants`).
    #[command(allow_negative_numbers = true)]
    Mutants(crate::zoo::cli::ZooArgs),
    /// Validate trace files against the TLA+ spec (`specs/raft.tla`) with TLC: is each a
    /// behaviour of the spec, or which step does no spec action explain? (Needs java.)
    Validate(ValidateArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
    /// raft-trace JSON files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// What defines the model (see `Bounds`).
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Number of servers (1 to 5).
    #[arg(long, default_value_t = Bounds::default().servers,
          value_parser = whole::<u8>(1, u64::from(super::bounds::MAX_MODEL_SERVERS)))]
    pub servers: u8,
    /// The highest term explored: an election may still fire at a server of this term, and the
    /// state it leads to is checked but not explored further (counted as refused).
    #[arg(long, default_value_t = Bounds::default().max_term, value_parser = whole::<u64>(0, u64::MAX))]
    pub max_term: u64,
    /// Client commands proposed (to any server) that changed something, in the whole run.
    #[arg(long, default_value_t = Bounds::default().proposals, value_parser = whole::<u8>(0, 255))]
    pub proposals: u8,
    /// Heartbeats (leaders' periodic re-sends) in the whole run.
    #[arg(long, default_value_t = Bounds::default().heartbeats, value_parser = whole::<u8>(0, 255))]
    pub heartbeats: u8,
    /// Snapshots in the whole run: a server's service snapshots what it applied and the server
    /// compacts its log (0: no log compaction; above 0, the snapshot situations become goals).
    #[arg(long, default_value_t = Bounds::default().snapshots, value_parser = whole::<u8>(0, 255))]
    pub snapshots: u8,
    /// Servers down at the same time.
    #[arg(long, default_value_t = Bounds::default().crashes, value_parser = whole::<usize>(0, 255))]
    pub crashes: usize,
    /// Restarts after crashes in the whole run.
    #[arg(long, default_value_t = Bounds::default().restarts, value_parser = whole::<u32>(0, u32::MAX.into()))]
    pub restarts: u32,
    /// unordered-nonduplicating, unordered-duplicating or ordered.
    #[arg(long, default_value = "unordered-nonduplicating", value_parser = NetworkKind::parse)]
    pub network: NetworkKind,
    /// The network may also lose messages.
    #[arg(long)]
    pub lossy: bool,
    /// Copies of one message in flight at once (bounds re-sends).
    #[arg(long, default_value_t = Bounds::default().max_copies, value_parser = whole::<usize>(0, 1 << 20))]
    pub max_copies: usize,
    /// Messages in flight at once [default: 3, or servers - 1 when that is more: one broadcast;
    /// no cap for the simulation strategy].
    #[arg(long, value_parser = whole::<usize>(0, 1 << 20))]
    pub max_in_flight: Option<usize>,
    /// Leaders append a no-op entry on election.
    #[arg(long)]
    pub noop_on_election: bool,
    /// Turn PreVote off (on by default; not a bound: the default suite still runs).
    #[arg(long)]
    pub no_pre_vote: bool,
    /// Turn CheckQuorum and its lease off (on by default; not a bound either).
    #[arg(long)]
    pub no_check_quorum: bool,
    /// Whether any of the flags above was typed (even with its default value): `check` then runs
    /// that one configuration instead of the default suite.
    #[arg(skip)]
    pub given: bool,
}

impl ModelArgs {
    pub fn bounds(&self) -> Result<Bounds, String> {
        let bounds = Bounds {
            servers: self.servers,
            max_term: self.max_term,
            proposals: self.proposals,
            heartbeats: self.heartbeats,
            snapshots: self.snapshots,
            crashes: self.crashes,
            restarts: self.restarts,
            network: self.network,
            lossy: self.lossy,
            max_copies: self.max_copies,
            max_in_flight: Some(self.max_in_flight.unwrap_or_else(|| {
                let default = Bounds::default().max_in_flight.unwrap_or(usize::MAX);
                default.max(usize::from(self.servers).saturating_sub(1))
            })),
        };
        bounds.validate()?;
        Ok(bounds)
    }

    pub fn config(&self) -> Config {
        let mut config = Config::with_liveness(self.servers);
        config.noop_on_election = self.noop_on_election;
        config.pre_vote = !self.no_pre_vote;
        config.check_quorum = !self.no_check_quorum;
        config
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyArg {
    Bfs,
    Dfs,
    Simulation,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// bfs (shortest counterexamples), dfs (depth first), simulation (random walks).
    #[arg(long, value_enum, default_value = "bfs")]
    pub strategy: StrategyArg,
    /// Checker threads of dfs and simulation (bfs runs on one: its paths are shortest).
    #[arg(long, default_value_t = 2, value_parser = whole::<usize>(1, MAX_THREADS as u64))]
    pub threads: usize,
    /// Seed of the simulation strategy.
    #[arg(long, default_value_t = 0, value_parser = whole::<u64>(0, u64::MAX))]
    pub seed: u64,
    /// With no bound flags: quick (about a minute, for CI), default (about 3 minutes on 2
    /// cores) or deep (at most 30 minutes).
    #[arg(long, value_enum)]
    pub suite: Option<SuiteSize>,
    /// With no bound flags: run only this configuration of the suite (by name; may be repeated).
    #[arg(long = "entry", value_name = "NAME")]
    pub entries: Vec<String>,
    /// Plant this bug-zoo mutant in the core (an id such as `vote_ignores_voted_for`; needs
    /// `--features mutants`).
    #[cfg(feature = "mutants")]
    #[arg(long)]
    pub mutant: Option<String>,
    /// Turn symmetry reduction over server ids off (on for every strategy).
    #[arg(long)]
    pub no_symmetry: bool,
    /// Do not explain unreached goals (by default, after an exhaustive run that leaves goals
    /// unreached, a few seconds of walks per refusing bound say which bound kept them out).
    #[arg(long)]
    pub no_explain: bool,
    /// Go on past the first violation, to one shortest violation per property (otherwise the
    /// run stops there and the other properties are not checked past it).
    #[arg(long)]
    pub keep_going: bool,
    /// Stop exploring below this depth (the run is then cut, not exhaustive).
    #[arg(long, value_parser = whole::<usize>(1, usize::MAX as u64))]
    pub max_depth: Option<usize>,
    /// Stop after this many states (the run is then cut, not exhaustive).
    #[arg(long, value_parser = whole::<usize>(1, usize::MAX as u64))]
    pub max_states: Option<usize>,
    /// Stop after this many seconds (the run is then cut, not exhaustive). Simulation defaults
    /// to 30.
    #[arg(long, value_parser = whole::<u64>(1, u64::MAX))]
    pub timeout: Option<u64>,
    /// Stop when the checker's resident memory passes this many MiB (the run is then cut, not
    /// exhaustive) [default: 80% of the memory available at start].
    #[arg(long, value_parser = whole::<u64>(1, u64::MAX))]
    pub max_memory: Option<u64>,
    /// Directory for counterexample traces.
    #[arg(long, default_value = "counterexamples")]
    pub out: PathBuf,
}

/// More checker threads than this is a typo, not a machine: each thread is a real OS thread.
const MAX_THREADS: usize = 1024;

impl CheckArgs {
    /// The core's configuration: the model flags' and, with `mutants`, the planted mutant.
    pub fn config(&self) -> Result<Config, String> {
        #[allow(unused_mut)]
        let mut config = self.model.config();
        #[cfg(feature = "mutants")]
        if let Some(name) = &self.mutant {
            let mutant = raft_core::Mutant::from_name(name).ok_or_else(|| {
                format!(
                    "unknown mutant '{name}' (expected one of: {})",
                    raft_core::Mutant::ALL.map(|m| m.name()).join(", ")
                )
            })?;
            config.mutant = Some(mutant);
        }
        Ok(config)
    }

    pub fn limits(&self) -> RunLimits {
        let strategy = match self.strategy {
            StrategyArg::Bfs => Strategy::Bfs,
            StrategyArg::Dfs => Strategy::Dfs,
            StrategyArg::Simulation => Strategy::Simulation,
        };
        let mut timeout = self.timeout.map(Duration::from_secs);
        if strategy == Strategy::Simulation && timeout.is_none() && self.max_states.is_none() {
            timeout = Some(Duration::from_secs(30));
        }
        let max_memory = match self.max_memory {
            Some(mib) => Some(mib.saturating_mul(1 << 20)),
            None => super::report::available_memory().map(|bytes| bytes / 5 * 4),
        };
        RunLimits {
            strategy,
            threads: self.threads,
            seed: self.seed,
            symmetry: !self.no_symmetry,
            keep_going: self.keep_going,
            max_depth: self.max_depth,
            max_states: self.max_states,
            timeout,
            max_memory,
        }
    }
}

#[derive(Args, Debug)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Port to serve on (127.0.0.1 only).
    #[arg(long, default_value_t = 3000, value_parser = whole::<u16>(1, 65535))]
    pub port: u16,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A raft-trace JSON file (exit 0: no violation and none expected; 1: a violation, or the
    /// one the trace expects did not reproduce; 2: not a readable trace).
    pub file: PathBuf,
    /// Print only the verdict, not every step.
    #[arg(long)]
    pub quiet: bool,
}

/// Print a usage error the commands found (not clap) as one line; exit code 2.
pub fn usage_error(message: &str) -> i32 {
    eprintln!("error: {message}");
    2
}

/// Model flags that choose the protocol's options, not bounds: with only these, `check` still
/// runs the default suite.
const PROTOCOL_FLAGS: [&str; 2] = ["no_pre_vote", "no_check_quorum"];

/// Set `ModelArgs::given` for `check` when any bound flag was on the command line.
fn note_model_flags(cli: &mut Cli, matches: &clap::ArgMatches) {
    let (Command::Check(args), Some(("check", sub))) = (&mut cli.command, matches.subcommand())
    else {
        return;
    };
    let flags = ModelArgs::augment_args(clap::Command::new("model-flags"));
    args.model.given = flags
        .get_arguments()
        .filter(|a| !PROTOCOL_FLAGS.contains(&a.get_id().as_str()))
        .any(|a| {
            sub.value_source(a.get_id().as_str()) == Some(clap::parser::ValueSource::CommandLine)
        });
}

/// Parse the command line; `Err(code)` when it has already been answered (help, or an error).
pub fn parse(args: &[String]) -> Result<Cli, i32> {
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| {
            let mut cli = Cli::from_arg_matches(&matches)?;
            note_model_flags(&mut cli, &matches);
            Ok(cli)
        });
    match parsed {
        Ok(cli) => Ok(cli),
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return Err(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            // clap's own message: its first line, then its tip ("a similar subcommand
            // exists") and usage lines.
            let _ = e.print();
            Err(2)
        }
    }
}

/// `check`: run the checker, print the summary; the exit code.
pub fn run_check(args: &CheckArgs) -> i32 {
    let mut bounds = match args.model.bounds() {
        Ok(b) => b,
        Err(e) => return usage_error(&e),
    };
    let limits = args.limits();
    // Random walks stay finite without a cap on messages in flight (every send comes from a
    // bounded timeout, proposal or delivery, and a walk ends where it loops), and a cap would
    // only forbid interleavings: simulation has none unless one is typed.
    if limits.strategy == Strategy::Simulation && args.model.max_in_flight.is_none() {
        bounds.max_in_flight = None;
    }
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    if !args.model.given {
        return run_default_suite(args, &config, &limits);
    }
    if args.suite.is_some() || !args.entries.is_empty() {
        return usage_error(
            "--suite and --entry run configurations of a suite: give them no bound flags",
        );
    }
    println!("checking: {bounds}");
    let summary = super::check(&config, &bounds, &limits, &args.out);
    println!("{summary}");
    if !args.no_explain && !summary.violated() && summary.exhaustive() && !summary.all_reached() {
        explain_unreached(&config, &bounds, &summary);
    }
    summary.exit_code()
}

/// Say which bound kept each unreached goal out of reach, by walks with one lifted at a time.
fn explain_unreached(config: &Config, bounds: &Bounds, summary: &super::report::Summary) {
    let unreached: Vec<_> = summary
        .situations
        .iter()
        .filter(|(s, reached)| !reached && summary.goals.contains(s))
        .map(|(s, _)| *s)
        .collect();
    const SECONDS: u64 = 2;
    println!(
        "why not reached (walks of {SECONDS}s with one refusing bound lifted at a time; \
         sampled, not exhaustive):"
    );
    let probes = super::probe::probe(config, bounds, &summary.refused, &unreached, SECONDS);
    for line in super::probe::explain(&probes, &unreached) {
        println!("  {line}");
    }
}

/// The seed of the suite's liveness check (fixed: the same histories every run).
const LIVENESS_SEED: u64 = 1;

/// `check` with no bounds: every configuration of the suite; 0 only if each passes (no
/// violation, each applicable goal reached, exhausted unless sampled by design).
fn run_default_suite(args: &CheckArgs, config: &Config, limits: &RunLimits) -> i32 {
    let size = args.suite.unwrap_or(SuiteSize::Default);
    let mut entries = suite(size);
    if let Some(unknown) = args
        .entries
        .iter()
        .find(|name| !entries.iter().any(|e| e.name == name.as_str()))
    {
        return usage_error(&format!(
            "no configuration '{unknown}' in the {} suite (expected one of: {})",
            format!("{size:?}").to_lowercase(),
            entries
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !args.entries.is_empty() {
        entries.retain(|e| args.entries.iter().any(|name| name == e.name));
    }
    println!(
        "no bounds given: checking the {} suite of {} configurations",
        format!("{size:?}").to_lowercase(),
        entries.len()
    );
    let run = run_suite(entries, config, limits, &args.out, true, false);
    println!(
        "
suite summary ({:.1}s):",
        run.elapsed.as_secs_f64()
    );
    for r in &run.runs {
        let verdict = match (r.summary.violated(), r.passed()) {
            (true, _) => "VIOLATED",
            (false, true) => "passed",
            (false, false) => "FAILED",
        };
        println!(
            "  {:<16} {verdict:<8} {:>6.1}s  {}",
            r.entry.name,
            r.summary.elapsed.as_secs_f64(),
            r.coverage()
        );
    }
    let sampled = run
        .runs
        .iter()
        .filter(|r| matches!(r.entry.search, Search::Walks { .. }))
        .count();
    let liveness = super::liveness::progress_after_heal(config, size, LIVENESS_SEED, &args.out);
    println!("{liveness}");
    if run.passed() && liveness.stall.is_none() {
        println!(
            "suite: every property held in every configuration ({} exhausted, {sampled} \
             sampled: not exhaustive); every goal reached; progress after heal held (sampled)",
            run.runs.len() - sampled
        );
        0
    } else {
        println!("suite: FAILED (see above)");
        1
    }
}

/// `explore`: serve the Explorer until interrupted.
pub fn run_explore(args: &ExploreArgs) -> i32 {
    let bounds = match args.model.bounds() {
        Ok(b) => b,
        Err(e) => return usage_error(&e),
    };
    let model = super::explorer::ExplorerModel::new(super::boundary::BoundedModel::new(
        super::actors::build_model_unflagged(&args.model.config(), &bounds),
        false,
    ));
    let address = format!("127.0.0.1:{}", args.port);
    if let Err(e) = std::net::TcpListener::bind(&address) {
        eprintln!("error: cannot serve on {address}: {e}");
        return 2;
    }
    println!("serving the Explorer on http://{address}/ (interrupt to stop)");
    use stateright::Model;
    model.checker().threads(1).serve(address.as_str());
    0
}

/// `replay FILE`: the story, told as it replays, and the verdict. 0: no violation (and none
/// expected), 1: a violation, or an expected one that did not reproduce, 2: bad file.
pub fn run_replay(args: &ReplayArgs) -> i32 {
    let file = args.file.display();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => return usage_error(&format!("cannot read {file}: {e}")),
    };
    let Some(text) = String::from_utf8(bytes)
        .ok()
        .filter(|t| t.trim_start().starts_with('{'))
    else {
        return usage_error(&format!("{file}: {}", raw_input_hint(&args.file)));
    };
    let trace = match Trace::from_json(&text) {
        Ok(t) => t,
        Err(e) => return usage_error(&format!("{file}: {e}")),
    };
    drop(text);
    println!(
        "replaying {file} (origin: {}, {} servers, {} operations)",
        if trace.origin.is_empty() {
            "unknown"
        } else {
            &trace.origin
        },
        trace.config.cluster_size,
        trace.ops.len()
    );
    let start = match raft_core::Cluster::new(trace.config.clone()) {
        Ok(c) => c,
        Err(e) => return usage_error(&format!("{file}: invalid config: {e}")),
    };
    let told = if args.quiet {
        let mut last = LastLine::default();
        let told = raft_core::story::tell_to(&start, &trace.ops, &mut last);
        print!("{}", last.line);
        told.map_err(|_| std::io::Error::other("cannot keep the last line"))
    } else {
        let mut out = Lines {
            out: std::io::BufWriter::new(std::io::stdout().lock()),
            error: None,
        };
        let told = raft_core::story::tell_to(&start, &trace.ops, &mut out);
        let flushed = out.out.flush();
        match (told, out.error, flushed) {
            (Ok(t), None, Ok(())) => Ok(t),
            (_, Some(e), _) | (_, None, Err(e)) => Err(e),
            (Err(_), None, Ok(())) => Err(std::io::Error::other("the story could not be told")),
        }
    };
    let told = match told {
        Ok(t) => t,
        // `replay FILE | head`: the reader has seen enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return 141,
        Err(e) => return usage_error(&format!("{file}: {e}")),
    };
    for warning in &told.idle_described {
        eprintln!("warning: {warning}");
    }
    if told.idle > told.idle_described.len() {
        eprintln!(
            "warning: ... and {} more operations did nothing ({} in all)",
            told.idle - told.idle_described.len(),
            told.idle
        );
    }
    let reached: Vec<&str> = told.reached.iter().map(|s| s.name()).collect();
    println!(
        "situations reached: {}",
        if reached.is_empty() {
            "none".into()
        } else {
            reached.join("; ")
        }
    );
    let found = told.violation.as_ref().map(|(_, v)| v.property);
    let reproduced = match (trace.expect, found) {
        (Some(e), Some(f)) if e == f => {
            println!("expected {e}: reproduced");
            true
        }
        (Some(e), Some(f)) => {
            println!("expected {e}: NOT reproduced (violated {f} instead)");
            false
        }
        (Some(e), None) => {
            println!("expected {e}: NOT reproduced (no violation)");
            false
        }
        (None, _) => true,
    };
    match found {
        Some(p) => {
            println!("verdict: VIOLATED {p}");
            1
        }
        None => {
            println!("verdict: no property violated");
            if reproduced {
                0
            } else {
                1
            }
        }
    }
}

/// Keeps the last line written to it (`replay --quiet` prints only the story's last line).
#[derive(Default)]
struct LastLine {
    line: String,
    done: bool,
}

impl std::fmt::Write for LastLine {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        for c in text.chars() {
            if self.done {
                self.line.clear();
                self.done = false;
            }
            self.line.push(c);
            self.done = c == '\n';
        }
        Ok(())
    }
}

/// The story's lines to an `io::Write`, keeping the first error (the story is told through
/// `fmt::Write`: the core does no I/O).
struct Lines<W: std::io::Write> {
    out: W,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> std::fmt::Write for Lines<W> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.out.write_all(text.as_bytes()).map_err(|e| {
            self.error.get_or_insert(e);
            std::fmt::Error
        })
    }
}

/// What to say about a file that is not JSON: most likely a raw fuzz input (a libFuzzer
/// artifact or corpus file), which is replayed through its fuzz target, not here.
fn raw_input_hint(path: &std::path::Path) -> String {
    let target = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "artifacts" || w[0] == "corpus" || w[0] == "regressions")
        .map(|w| w[1].clone())
        .filter(|t| ["election", "replication", "trace_decode"].contains(&t.as_str()))
        .unwrap_or_else(|| "TARGET".into());
    format!(
        "not a raft-trace JSON file; if it is a raw fuzz input (a libFuzzer artifact or corpus \
         file), run it through its fuzz target: `cargo fuzz run {target} {}` (for a finding \
         under a bug-zoo mutant: `RAFT_MUTANT=ID cargo fuzz run --features mutants {target} \
         ...`); the target writes the run's trace to fuzz/artifacts/traces/{target}/ and prints \
         the `replay` command for it",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(args: &[&str]) -> bool {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        match parse(&args) {
            Ok(Cli {
                command: Command::Check(a),
            }) => a.model.given,
            other => panic!("{args:?} should parse as check: {other:?}"),
        }
    }

    #[test]
    fn any_typed_model_flag_selects_one_configuration() {
        assert!(!given(&["model", "check"]));
        assert!(!given(&[
            "model",
            "check",
            "--threads",
            "1",
            "--timeout",
            "5"
        ]));
        // Typed with its default value, a bound still means "this configuration".
        assert!(given(&["model", "check", "--max-term", "2"]));
        assert!(given(&["model", "check", "--noop-on-election"]));
        assert!(given(&["model", "check", "--network", "ordered"]));
        // Protocol options are not bounds: the suite runs with them.
        assert!(!given(&[
            "model",
            "check",
            "--no-pre-vote",
            "--no-check-quorum"
        ]));
    }
}
