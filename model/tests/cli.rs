//! The command line's contract: exit codes 0/1/2 and one-line messages for bad usage and bad
//! trace files; `--help` on every sub-command.

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

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("model-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bad_bounds_and_flags_exit_2_with_one_line() {
    bad_usage(
        &["check", "--servers", "0"],
        "--servers must be 1 to 5, got 0",
    );
    bad_usage(
        &["check", "--servers", "9"],
        "--servers must be 1 to 5, got 9",
    );
    bad_usage(
        &["check", "--servers", "5", "--max-in-flight", "3"],
        "--max-in-flight 3 is below one broadcast",
    );
    bad_usage(
        &["check", "--frobnicate"],
        "unexpected argument '--frobnicate'",
    );
    bad_usage(
        &["check", "--network", "carrier-pigeon"],
        "unknown network 'carrier-pigeon'",
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
        &["check", "--threads", "0"],
        "--threads must be between 1 and 1024",
    );
    bad_usage(
        &["check", "--threads", "100000"],
        "--threads must be between 1 and 1024",
    );
    bad_usage(
        &["check", "--entry", "no-such-entry"],
        "no configuration 'no-such-entry' in the default suite",
    );
    bad_usage(
        &["check", "--servers", "3", "--entry", "lossy"],
        "--suite and --entry run configurations of a suite: give them no bound flags",
    );
    bad_usage(
        &["check", "--max-memory", "0"],
        "--max-memory must be at least 1",
    );
    bad_usage(
        &["check", "--snapshots", "300"],
        "invalid value '300' for '--snapshots <SNAPSHOTS>'",
    );
    bad_usage(
        &["check", "--snapshots", "many"],
        "invalid value 'many' for '--snapshots <SNAPSHOTS>'",
    );
    bad_usage(&["explore", "--servers", "0"], "--servers must be 1 to 5");
    bad_usage(&["nonsense"], "unrecognized subcommand 'nonsense'");
}

#[test]
fn version_is_printed() {
    let o = model(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("model "));
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["check", "explore", "replay"] {
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

#[test]
fn check_passes_sim_arguments_through() {
    // `sim` hands everything after it to the simulator, flags included.
    let o = model(&["sim", "--definitely-not-a-check-flag"]);
    assert!(
        !stderr(&o).contains("unexpected argument"),
        "{}",
        stderr(&o)
    );
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
