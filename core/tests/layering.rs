//! Who judges whom: `protocol/` imports nothing of the judge or the driver, and the judge's code
//! imports nothing of the driver (its test modules may drive clusters). Read from the sources,
//! so a new import that crosses a layer fails the build's tests.

use std::path::Path;

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("read a source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` before its test module (`#[cfg(test)]` starts test-only code), with the
/// crate paths they name: `(line number, path)` for each `crate::<part>` found.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let part: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push((n + 1, part));
        }
    }
    found
}

/// Every use of a forbidden layer in the non-test code of the files under `src/<layer>`.
fn crossings(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut report = Vec::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue; // a test-only module file
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for (line, part) in crate_paths(&text) {
            if forbidden.contains(&part.as_str()) {
                report.push(format!("{}:{line}: crate::{part}", file.display()));
            }
        }
    }
    report
}

#[test]
fn the_protocol_imports_neither_the_judge_nor_the_driver() {
    assert_eq!(
        crossings("protocol", &["judge", "driver"]),
        Vec::<String>::new()
    );
}

#[test]
fn the_judge_imports_nothing_of_the_driver() {
    assert_eq!(crossings("judge", &["driver"]), Vec::<String>::new());
}

#[test]
fn the_scan_sees_a_crossing_and_stops_at_the_test_module() {
    let text = "use crate::protocol::node::Node;\nuse crate::driver::cluster::Cluster;\n\
                #[cfg(test)]\nmod tests { use crate::driver::trace::Trace; }\n";
    assert_eq!(
        crate_paths(text),
        vec![(1, "protocol".to_string()), (2, "driver".to_string())]
    );
}
