//! The core stays pure: no clock, randomness, threads, I/O or mutable globals anywhere in
//! `core/src`, and no dependency beyond serde, serde_json and arbitrary (plus proptest, optional,
//! for the shared test generator `testkit`). The scan reads the
//! source text with comments and string literals blanked out, so docs may name what code may not.

use std::path::{Path, PathBuf};

/// Standard-library modules that reach the outside world or other threads.
const FORBIDDEN_MODULES: &[&str] = &[
    "time", "thread", "sync", "fs", "io", "net", "env", "process",
];

/// Names that mean a clock, randomness (the default hasher of `HashMap`/`HashSet` is randomly
/// seeded, so their iteration order is too), a thread-local or a lazily initialised global.
const FORBIDDEN_NAMES: &[&str] = &[
    "Instant",
    "SystemTime",
    "UNIX_EPOCH",
    "rand",
    "getrandom",
    "thread_rng",
    "RandomState",
    "HashMap",
    "HashSet",
    "thread_local",
    "OnceLock",
    "LazyLock",
    "OnceCell",
    "LazyCell",
];

/// Macros that print.
const FORBIDDEN_MACROS: &[&str] = &["println", "eprintln", "print", "eprint", "dbg"];

/// Dependencies the core may have (`[dependencies]` of core/Cargo.toml).
const ALLOWED_DEPENDENCIES: &[&str] = &["serde", "serde_json", "arbitrary"];

/// Dependencies allowed only as optional ones, for test support behind a feature (`testkit`).
const OPTIONAL_TEST_SUPPORT: &[&str] = &["proptest"];

/// `text` with every comment and string/char literal replaced by spaces (newlines kept, so
/// line numbers stay right). Lifetimes such as `'static` are kept.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r' && !prev_ident && matches!(c.get(i + 1), Some('"') | Some('#')) {
            // A raw string r"..." or r#"..."#, if that is what follows.
            let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let rest: String = c[body_start..].iter().collect();
            let body_len = rest
                .find(&close)
                .map_or(rest.len(), |k| rest[..k].chars().count());
            let end = (body_start + body_len + close.chars().count()).min(c.len());
            for &ch in &c[i..end] {
                blank(&mut out, ch);
            }
            i = end;
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            // An escaped char literal: '\n', '\'', '\u{..}'.
            blank(&mut out, c[i]);
            blank(&mut out, c[i + 1]);
            i += 2;
            while i < c.len() && c[i] != '\'' {
                blank(&mut out, c[i]);
                i += 1;
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            // A plain char literal 'x' (a lifetime never has a closing quote).
            out.push_str("   ");
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// One token of code: an identifier (lifetimes excluded) or a punctuation character.
#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
}

/// Tokens of blanked code, each with its 1-based line.
fn tokens(code: &str) -> Vec<(usize, Tok)> {
    let c: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let lifetime = start > 0 && c[start - 1] == '\'';
            if !lifetime {
                toks.push((line, Tok::Ident(c[start..i].iter().collect())));
            }
        } else {
            toks.push((line, Tok::Punct(ch)));
            i += 1;
        }
    }
    toks
}

fn is_ident(t: Option<&(usize, Tok)>, name: &str) -> bool {
    matches!(t, Some((_, Tok::Ident(s))) if s == name)
}

fn is_punct(t: Option<&(usize, Tok)>, p: char) -> bool {
    matches!(t, Some((_, Tok::Punct(c))) if *c == p)
}

/// Every impurity in one source text, as `line: what`.
fn impurities(text: &str) -> Vec<String> {
    let toks = tokens(&code_only(text));
    let mut found = Vec::new();
    for (k, (line, tok)) in toks.iter().enumerate() {
        let Tok::Ident(name) = tok else { continue };
        let at = |d: usize| toks.get(k + d);
        if FORBIDDEN_NAMES.contains(&name.as_str()) {
            found.push(format!("{line}: `{name}`"));
        }
        if FORBIDDEN_MACROS.contains(&name.as_str()) && is_punct(at(1), '!') {
            found.push(format!("{line}: `{name}!`"));
        }
        if name == "static" && is_ident(at(1), "mut") {
            found.push(format!("{line}: `static mut`"));
        }
        if name.starts_with("Atomic") {
            found.push(format!("{line}: `{name}`"));
        }
        // `std::m` and every `m` at the top level of `std::{...}`.
        if name == "std" && is_punct(at(1), ':') && is_punct(at(2), ':') {
            if let Some((_, Tok::Ident(m))) = at(3) {
                if FORBIDDEN_MODULES.contains(&m.as_str()) {
                    found.push(format!("{line}: `std::{m}`"));
                }
            } else if is_punct(at(3), '{') {
                let (mut depth, mut item_start) = (0, true);
                for (line, t) in &toks[k + 3..] {
                    match t {
                        Tok::Punct('{') => {
                            depth += 1;
                            item_start = depth == 1;
                        }
                        Tok::Punct('}') if depth == 1 => break,
                        Tok::Punct('}') => depth -= 1,
                        Tok::Punct(',') if depth == 1 => item_start = true,
                        Tok::Ident(m) if item_start => {
                            if FORBIDDEN_MODULES.contains(&m.as_str()) {
                                found.push(format!("{line}: `std::{{{m}}}`"));
                            }
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    found
}

/// Dependencies of a Cargo.toml that the core may not have, and build-time escape hatches.
fn disallowed_dependencies(manifest: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut section = String::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            if let Some(dep) = section.strip_prefix("dependencies.") {
                if !ALLOWED_DEPENDENCIES.contains(&dep) {
                    found.push(format!("dependency `{dep}`"));
                }
            }
            if section == "build-dependencies" || section.starts_with("build-dependencies.") {
                found.push("build-dependencies".into());
            }
            continue;
        }
        let checked = section == "dependencies"
            || (section.starts_with("target.") && section.ends_with(".dependencies"));
        if line.is_empty() || line.starts_with('#') || !checked {
            continue;
        }
        let key = line
            .split(['=', '.'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let test_support = OPTIONAL_TEST_SUPPORT.contains(&key) && line.contains("optional = true");
        if !ALLOWED_DEPENDENCIES.contains(&key) && !test_support {
            found.push(format!("dependency `{key}` in [{section}]"));
        }
    }
    found
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read core/src") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn core_sources_use_no_clock_randomness_threads_io_or_globals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() >= 10, "scanned only {files:?}");
    let mut report = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a source file");
        for hit in impurities(&text) {
            report.push(format!("{}:{hit}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "the core must stay pure:\n{}",
        report.join("\n")
    );
    assert!(
        !root.join("build.rs").exists(),
        "the core has no build script"
    );
}

#[test]
fn core_depends_only_on_serde_serde_json_and_arbitrary() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("read core/Cargo.toml");
    assert_eq!(disallowed_dependencies(&manifest), Vec::<String>::new());
}

#[test]
fn scanner_flags_each_kind_of_impurity() {
    let bad = [
        ("use std::time::Instant;", "std::time"),
        ("let t = std :: time :: Duration::ZERO;", "std::time"),
        ("fn f() -> Instant { todo!() }", "Instant"),
        ("let now = SystemTime::now();", "SystemTime"),
        ("std::thread::spawn(|| ());", "std::thread"),
        ("use std::sync::Mutex;", "std::sync"),
        ("use std::{fmt, io::Write};", "std::{io}"),
        ("use std::{collections::BTreeMap, fs};", "std::{fs}"),
        ("let _ = std::fs::read(\"x\");", "std::fs"),
        ("let _ = std::net::TcpStream::connect(a);", "std::net"),
        ("let v = std::env::var(\"X\");", "std::env"),
        ("std::process::exit(1);", "std::process"),
        ("println!(\"hi\");", "println!"),
        ("eprintln!(\"hi\");", "eprintln!"),
        ("print!(\"hi\");", "print!"),
        ("dbg!(x);", "dbg!"),
        ("static mut COUNTER: u64 = 0;", "static mut"),
        ("thread_local! { static X: u8 = 0; }", "thread_local"),
        ("let x: u64 = rand::random();", "rand"),
        ("static CELL: OnceLock<u8> = OnceLock::new();", "OnceLock"),
        ("static L: LazyLock<u8> = LazyLock::new(|| 0);", "LazyLock"),
        ("let m: HashMap<u8, u8> = HashMap::new();", "HashMap"),
        ("static N: AtomicU64 = AtomicU64::new(0);", "AtomicU64"),
    ];
    for (snippet, what) in bad {
        let hits = impurities(snippet);
        assert!(
            hits.iter().any(|h| h.contains(what)),
            "{snippet:?} should be flagged for {what}, got {hits:?}"
        );
    }
}

#[test]
fn scanner_ignores_comments_strings_and_lifetimes() {
    let clean = r##"
        //! No I/O, clock, randomness: not std::time, not println!, not rand.
        /* a /* nested */ comment naming Instant and std::fs */
        fn name(&self) -> &'static str { "std::io and Instant and println!(x)" }
        fn raw() -> &'static str { r#"static mut "HashMap" std::thread"# }
        fn c() -> char { '"' }
        fn d() -> char { '\'' }
        fn e<'a>(x: &'a mut u8) -> &'a mut u8 { x }
        fn operand(x: u8) -> u8 { let random = x; let instant = random; instant }
        use std::fmt::Write as _;
        use std::{collections::BTreeMap, fmt};
    "##;
    assert_eq!(impurities(clean), Vec::<String>::new());
    assert_eq!(
        impurities("let s = \"x\"; std::io::stdout();"),
        vec!["1: `std::io`"]
    );
    assert_eq!(
        impurities("// fine\n\n  Instant::now();"),
        vec!["3: `Instant`"],
        "line numbers survive the blanking"
    );
}

#[test]
fn manifest_check_flags_other_dependencies() {
    let good = r#"
[package]
name = "raft-core"
[features]
arbitrary = ["dep:arbitrary"]
[dependencies]
serde.workspace = true
serde_json = "1"
arbitrary = { workspace = true, optional = true }
proptest = { workspace = true, optional = true }
[dev-dependencies]
proptest.workspace = true
"#;
    assert_eq!(disallowed_dependencies(good), Vec::<String>::new());
    let bad = [
        "[dependencies]\nrand = \"0.8\"",
        "[dependencies]\nserde = \"1\"\ntokio.workspace = true",
        "[dependencies.getrandom]\nversion = \"0.2\"",
        "[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"",
        "[build-dependencies]\ncc = \"1\"",
        "[dependencies]\nproptest.workspace = true",
    ];
    for manifest in bad {
        assert!(
            !disallowed_dependencies(manifest).is_empty(),
            "{manifest:?} should be flagged"
        );
    }
}
