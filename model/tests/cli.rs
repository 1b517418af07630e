//! The command line's contract: exit codes 0/1/2; clap's own message for a flag it rejects (its
//! tip and usage lines kept), one line for a bound or a trace file the commands reject; every
//! range error names its flag; `--help` on every sub-command.

use std::path::PathBuf;
use std::process::{Command, Output};

fn model(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_model"))
        .args(args)
        .output()
        .expect("the model binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit code 2 and exactly one line on stderr containing `needle`.
fn bad_usage(args: &[&str], needle: &str) {
    let o = model(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {err:?}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: {err:?} should mention {needle:?}"
    );
}

/// Exit code 2 and clap's message: its first line contains `needle`, and it ends with the usage
/// or the pointer to `--help`.
fn clap_error(args: &[&str], needle: &str) -> String {
    let o = model(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(needle),
        "{args:?}: the first line of {err:?} should mention {needle:?}"
    );
    assert!(err.contains("--help"), "{args:?}: {err:?}");
    err
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("model-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bad_bounds_exit_2_with_one_line() {
    bad_usage(
        &["check", "--servers", "5", "--max-in-flight", "3"],
        "--max-in-flight 3 is below one broadcast",
    );
    bad_usage(
        &["check", "--crashes", "4"],
        "--crashes 4 is more than --servers 3",
    );
    bad_usage(
        &["check", "--crashes", "0", "--restarts", "2"],
        "--restarts 2 needs --crashes",
    );
    bad_usage(
        &["check", "--max-term", "0"],
        "--max-term must be at least 1",
    );
    bad_usage(
        &["check", "--entry", "no-such-entry"],
        "no configuration 'no-such-entry' in the default suite",
    );
    bad_usage(
        &["check", "--servers", "3", "--entry", "lossy"],
        "--suite and --entry run configurations of a suite: give them no bound flags",
    );
    bad_usage(&["sim", "--scenario", "Nope3A"], "unknown scenario");
}

/// A flag clap rejects keeps clap's message: the missing `<FILE>`, the "similar subcommand"
/// tip, the usage line; a negative or out-of-range number names its flag and the range.
#[test]
fn flags_clap_rejects_keep_clap_s_message() {
    let err = clap_error(
        &["replay"],
        "the following required arguments were not provided",
    );
    assert!(err.contains("<FILE>"), "{err}");
    assert!(err.contains("Usage: model replay <FILE>"), "{err}");
    let err = clap_error(&["chek"], "unrecognized subcommand 'chek'");
    assert!(
        err.contains("a similar subcommand exists: 'check'"),
        "{err}"
    );
    clap_error(&["nonsense"], "unrecognized subcommand 'nonsense'");
    clap_error(
        &["check", "--frobnicate"],
        "unexpected argument '--frobnicate'",
    );
    clap_error(
        &["check", "--servers", "-1"],
        "invalid value '-1' for '--servers <SERVERS>': must be 1 to 5",
    );
    clap_error(
        &["check", "--servers", "0"],
        "invalid value '0' for '--servers <SERVERS>': must be 1 to 5",
    );
    clap_error(
        &["explore", "--servers", "9"],
        "invalid value '9' for '--servers <SERVERS>': must be 1 to 5",
    );
    clap_error(
        &["check", "--network", "carrier-pigeon"],
        "unknown network 'carrier-pigeon'",
    );
    for flag in ["--max-depth", "--max-states", "--timeout", "--max-memory"] {
        clap_error(&["check", flag, "0"], &format!("for '{flag} <"));
    }
    clap_error(
        &["check", "--threads", "0"],
        "invalid value '0' for '--threads <THREADS>': must be 1 to 1024",
    );
    clap_error(
        &["check", "--threads", "100000"],
        "invalid value '100000' for '--threads <THREADS>': must be 1 to 1024",
    );
    clap_error(
        &["check", "--snapshots", "300"],
        "invalid value '300' for '--snapshots <SNAPSHOTS>': must be 0 to 255",
    );
    clap_error(
        &["check", "--snapshots", "many"],
        "invalid value 'many' for '--snapshots <SNAPSHOTS>': expected a whole number",
    );
    clap_error(&["mutants", "--threads", "0"], "for '--threads <THREADS>'");
    clap_error(
        &["sim", "--jobs", "0"],
        "invalid value '0' for '--jobs <JOBS>'",
    );
    clap_error(
        &["sim", "--jobs", "100000"],
        "invalid value '100000' for '--jobs <JOBS>'",
    );
    clap_error(
        &["sim", "--seeds", "-3"],
        "invalid value '-3' for '--seeds <SEEDS>'",
    );
    clap_error(&["sim", "--max-events", "0"], "for '--max-events <N>'");
    clap_error(
        &["sim", "--frobnicate"],
        "unexpected argument '--frobnicate'",
    );
}

#[test]
fn version_is_printed() {
    let o = model(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("model "));
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["check", "explore", "replay", "sim", "mutants"] {
        let o = model(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub} --help");
        assert!(
            stdout(&o).contains("Usage: model"),
            "{sub} --help prints usage"
        );
    }
    let o = model(&["check", "--help"]);
    assert!(
        stdout(&o).contains("--snapshots <SNAPSHOTS>"),
        "check --help documents the snapshot budget"
    );
    let o = model(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    for sub in ["check", "explore", "replay", "sim"] {
        assert!(stdout(&o).contains(sub), "top-level help lists {sub}");
    }
}

#[test]
fn malformed_trace_files_exit_2_with_one_line() {
    let dir = scratch("bad-traces");
    let cases = [
        ("not-json.json", "{ this is not json", "not valid JSON"),
        ("not-trace.json", r#"{"hello": 1}"#, "not a trace file"),
        (
            "version.json",
            r#"{"format":"raft-trace","version":99,"config":{"cluster_size":3},"ops":[]}"#,
            "unsupported trace version 99",
        ),
        (
            "bad-node.json",
            r#"{"format":"raft-trace","version":1,"config":{"cluster_size":3},
               "ops":[{"op":"election_timeout","node":7}]}"#,
            "names a server outside 0..3",
        ),
    ];
    for (name, text, needle) in cases {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        bad_usage(&["replay", file.to_str().unwrap()], needle);
    }
    bad_usage(
        &["replay", dir.join("missing.json").to_str().unwrap()],
        "cannot read",
    );
}

#[test]
fn replay_exit_code_is_the_verdict() {
    let dir = scratch("good-trace");
    let file = dir.join("elect.json");
    let trace = r#"{"format":"raft-trace","version":1,"origin":"test","config":{"cluster_size":3},
        "ops":[{"op":"election_timeout","node":0},{"op":"deliver","msg":0},
               {"op":"deliver","msg":1},{"op":"deliver","msg":0}]}"#;
    std::fs::write(&file, trace).unwrap();
    let o = model(&["replay", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("s0 L term=1"),
        "the story shows the leader: {out}"
    );
    assert!(out.contains("verdict: no property violated"), "{out}");
}

/// An operation that does nothing (a delivery past the messages in flight) is told in the
/// story and warned about; a trace whose expected violation does not reproduce exits 1.
#[test]
fn replay_warns_on_idle_operations_and_fails_an_expectation_not_met() {
    let dir = scratch("idle-trace");
    let file = dir.join("idle.json");
    let trace = r#"{"format":"raft-trace","version":1,"origin":"test","config":{"cluster_size":3},
        "expect":"ElectionSafety",
        "ops":[{"op":"election_timeout","node":0},{"op":"deliver","msg":99}]}"#;
    std::fs::write(&file, trace).unwrap();
    let o = model(&["replay", file.to_str().unwrap()]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(
        err.contains(
            "warning: operation 2 (deliver message #99) did nothing: 2 messages in flight \
             (positions 0 to 1)"
        ),
        "{err}"
    );
    assert!(
        out.contains("expected ElectionSafety: NOT reproduced (no violation)"),
        "{out}"
    );
    assert!(out.contains("verdict: no property violated"), "{out}");
}

/// A raw fuzz input (binary, not JSON) is answered with how to replay it.
#[test]
fn replay_of_a_raw_fuzz_input_says_how_to_replay_it() {
    let dir = scratch("raw-input").join("artifacts").join("election");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("crash-0123");
    std::fs::write(&file, [0xff, 0x00, 0x13, 0x80, 0x7f]).unwrap();
    bad_usage(
        &["replay", file.to_str().unwrap()],
        "not a raft-trace JSON file; if it is a raw fuzz input",
    );
    let err = stderr(&model(&["replay", file.to_str().unwrap()]));
    assert!(err.contains("cargo fuzz run election "), "{err}");
    assert!(err.contains("RAFT_MUTANT=ID"), "{err}");
}

/// `sim` says which seeds it ran, and lists its scenarios.
#[test]
fn sim_names_the_seeds_it_ran() {
    let o = model(&[
        "sim",
        "--scenario",
        "InitialElection3A",
        "--seeds",
        "2",
        "--seed",
        "5",
    ]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(err.contains("seeds 5..=6: 2 runs"), "{err}");
    assert!(
        out.contains("total: 2 runs (seeds 5..=6), 0 failed"),
        "{out}"
    );
    let list = stdout(&model(&["sim", "--list"]));
    assert!(list.contains("InitialElection3A (3 servers)"), "{list}");
}

/// Four terms, four proposals and two restarts: far more than a second or 64 MiB to exhaust.
const LARGE_SPACE: [&str; 7] = [
    "check",
    "--max-term",
    "4",
    "--proposals",
    "4",
    "--restarts",
    "2",
];

#[test]
fn a_timeout_cuts_a_large_search_and_says_so() {
    let started = std::time::Instant::now();
    let o = model(&[&LARGE_SPACE[..], &["--timeout", "1"]].concat());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("--timeout 1s reached"), "{out}");
    assert!(!out.contains("exhaustive within the bounds"), "{out}");
    // It stops soon after the deadline (the queue drains), not when the space is exhausted.
    assert!(started.elapsed().as_secs() < 60, "{out}");
}

#[test]
fn a_memory_cap_cuts_a_large_search_and_says_so() {
    let o = model(&[&LARGE_SPACE[..], &["--max-memory", "64"]].concat());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("--max-memory 64 MiB reached"), "{out}");
    assert!(!out.contains("exhaustive within the bounds"), "{out}");
}

/// One server can never repair a follower's log nor install a snapshot from a leader: those goals
/// are "not applicable to these bounds" and do not fail the run, which reaches every other goal.
#[test]
fn goals_the_bounds_rule_out_are_not_applicable_and_do_not_fail() {
    let o = model(&["check", "--servers", "1"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(
            "a follower's conflicting entries are repaired  not applicable to these bounds"
        ),
        "{out}"
    );
    assert!(out.contains("exhaustive within bounds; "), "{out}");
    let o = model(&[
        "check",
        "--crashes",
        "0",
        "--restarts",
        "0",
        "--max-term",
        "1",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "a voter crashes and restarts                   not applicable to these bounds"
        ),
        "{out}"
    );
}

/// Four servers under the default three messages in flight elect but cannot commit (as Figure 2
/// has it; with PreVote the pre-vote round leaves them no leader at all): the run names the
/// bounds that refused transitions instead of only saying FAILED.
#[test]
fn an_unreached_goal_names_the_bound_that_kept_it_out_of_reach() {
    let figure_2 = ["--no-pre-vote", "--no-check-quorum"];
    let o = model(&[&["check", "--servers", "4"][..], &figure_2].concat());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("NOT reached: an entry is committed"), "{out}");
    assert!(
        out.contains("which may keep them out of reach: --max-term, --restarts, --max-in-flight"),
        "{out}"
    );
    // The probe's walks say which one: the broadcast needs more messages in flight.
    assert!(
        out.contains("an entry is committed: reached by walks once --max-in-flight is raised"),
        "{out}"
    );
    let quiet = stdout(&model(
        &[&["check", "--servers", "4", "--no-explain"][..], &figure_2].concat(),
    ));
    assert!(!quiet.contains("why not reached"), "{quiet}");
}
