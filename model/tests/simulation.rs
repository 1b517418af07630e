//! `check --strategy simulation` (our random walks, `checker::walk`): a 5-server run completes
//! (stateright's simulation panicked on it) and reaches an election and a commit; one thread and
//! one seed repeat the same run. (A broken node caught by the walks: `tests/checker.rs`.)

use std::process::{Command, Output};

fn model(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_model"))
        .args(args)
        .output()
        .expect("the model binary runs")
}

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("model-simulation-{}-{name}", std::process::id()))
}

/// `check --strategy simulation` on 5 servers with `extra` flags: its exit code and stdout.
fn simulate(extra: &[&str]) -> (Option<i32>, String) {
    let out = scratch("five");
    let mut args = vec![
        "check",
        "--servers",
        "5",
        "--max-term",
        "3",
        "--strategy",
        "simulation",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = model(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.trim_start().starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in\n{stdout}"))
}

/// The reproduction of stateright's panic ("Unable to reconstruct a `Path`"): now a run that
/// is cut (never exhaustive, exit 1) after an election and a commit, with no violation.
#[test]
fn five_servers_complete_and_elect_and_commit() {
    let (code, stdout) = simulate(&["--seed", "1", "--max-states", "100000"]);
    assert_eq!(code, Some(1), "{stdout}");
    for situation in ["a leader is elected", "an entry is committed"] {
        assert!(
            line(&stdout, situation).ends_with(" reached"),
            "{situation}:\n{stdout}"
        );
    }
    assert!(!stdout.contains("VIOLATED"), "{stdout}");
    assert!(
        line(&stdout, "result:").starts_with("result: NOT exhaustive (simulation"),
        "{stdout}"
    );
}

/// One thread and one seed: the same walks, so the same counts and situations.
#[test]
fn one_thread_and_a_seed_repeat_the_run() {
    let run = || simulate(&["--threads", "1", "--seed", "7", "--max-states", "30000"]);
    let (first, again) = (run(), run());
    assert_eq!(first.0, Some(1), "{}", first.1);
    let states = |s: &str| line(s, "states:").to_string();
    assert_eq!(states(&first.1), states(&again.1));
    assert!(
        states(&first.1).contains(" 30000 total"),
        "{}",
        states(&first.1)
    );
    let situations = |s: &str| {
        s.lines()
            .filter(|l| l.ends_with("reached"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(situations(&first.1), situations(&again.1));
}
