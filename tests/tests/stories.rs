//! Golden stories: two bug-zoo counterexamples replayed under their mutants must tell exactly
//! the story in `tests/golden/<mutant>.txt`. `UPDATE_GOLDEN=1 cargo test -p acceptance --test
//! stories` rewrites the files after an intended change (review the diff).

use raft_core::Trace;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The story of `tests/regressions/<name>.json`, replayed under the mutant it records.
fn story(name: &str) -> String {
    let path = root().join("regressions").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let trace = Trace::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    trace.replay().expect("replays").story()
}

/// Compare the story of `name` with `tests/golden/<name>.txt`.
fn pin(name: &str) {
    let story = story(name);
    let golden = root().join("golden").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &story).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("{}: {e} (write it with UPDATE_GOLDEN=1)", golden.display()));
    assert!(
        story == expected,
        "the story of {name} changed (UPDATE_GOLDEN=1 rewrites {}):\n{story}",
        golden.display()
    );
}

/// Figure 8: an entry of an earlier term committed by counting its replicas, then lost to the
/// next leader.
#[test]
fn the_figure_8_story() {
    pin("commit_prev_term_by_count");
}

/// A stale AppendEntries truncates the leader's own log.
#[test]
fn the_stale_append_story() {
    pin("stale_append_truncates_leader");
}

/// Every message the Figure 8 story delivers is named, never a position; no debug text; it ends
/// with the explanation.
#[test]
fn the_figure_8_story_names_every_message_and_ends_explained() {
    let text = story("commit_prev_term_by_count");
    assert!(!text.contains("Deliver {"), "{text}");
    assert!(!text.contains("Some("), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("VIOLATED after step 20: Leader Completeness"),
        "{last}"
    );
    assert!(last.contains("Figure 8"), "{last}");
}

/// Every zoo counterexample's story is free of Rust debug text and ends with its violation
/// explained: the property in the paper's words, then what the run did against it.
#[test]
fn every_zoo_story_ends_explained_without_debug_text() {
    let dir = root().join("regressions");
    let mut told = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/regressions exists") {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let story = story(name);
        for debug in ["Some(", "None", " { ", "Deliver", "Entry {"] {
            assert!(!story.contains(debug), "{name}: {debug:?} in\n{story}");
        }
        let last = story.lines().last().unwrap_or_default();
        assert!(last.starts_with("VIOLATED after step "), "{name}: {last}");
        assert!(
            last.contains("Yet ") || last.contains("yet "),
            "{name}: {last}"
        );
        told += 1;
    }
    assert!(told >= 2, "the zoo's counterexamples are there");
}
