//! The bug zoo in the spec: each file `specs/mutants/<zoo id>.txt` writes one zoo mutant into a
//! copy of `specs/raft.tla` as a one-line change (`- old line` / `+ new line`), names the
//! configuration of `specs/MCraft.tla` to check it at and the property TLC must find violated.

use crate::tla::tlc;
use std::path::Path;

/// One spec mutant, as its file states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecMutant {
    pub id: String,
    pub config: String,
    pub expect: String,
    pub old: String,
    pub new: String,
}

/// Every spec mutant in `specs/mutants/`, by id.
pub fn all() -> Result<Vec<SpecMutant>, String> {
    let dir = tlc::specs_dir().join("mutants");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| parse(p)).collect()
}

fn parse(path: &Path) -> Result<SpecMutant, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let field = |prefix: &str| -> Result<String, String> {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_string())
            .ok_or_else(|| format!("{}: no line starting with {prefix:?}", path.display()))
    };
    Ok(SpecMutant {
        id: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        config: field("config:")?,
        expect: field("expect:")?,
        old: field("- ")?,
        new: field("+ ")?,
    })
}

/// `raft.tla` with the mutant's line replaced (exactly one line must match, ignoring indentation).
pub fn mutated_spec(m: &SpecMutant) -> Result<String, String> {
    let spec = std::fs::read_to_string(tlc::specs_dir().join("raft.tla"))
        .map_err(|e| format!("specs/raft.tla: {e}"))?;
    let matching = spec.lines().filter(|l| l.trim() == m.old).count();
    if matching != 1 {
        return Err(format!(
            "{}: {matching} lines of specs/raft.tla read {:?} (need exactly one)",
            m.id, m.old
        ));
    }
    let lines: Vec<String> = spec
        .lines()
        .map(|l| {
            if l.trim() == m.old {
                let indent = &l[..l.len() - l.trim_start().len()];
                format!("{indent}{}", m.new)
            } else {
                l.to_string()
            }
        })
        .collect();
    Ok(lines.join("\n") + "\n")
}

/// Check the mutant's copy of the spec with TLC; `Ok(true)` if TLC reports the expected
/// property violated.
pub fn check(m: &SpecMutant) -> Result<(bool, tlc::TlcRun), String> {
    let dir =
        tlc::root()
            .join("target/tlc/mutants")
            .join(format!("{}-{}", m.id, std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("raft.tla"), mutated_spec(m)?).map_err(|e| e.to_string())?;
    for file in ["MCraft.tla", m.config.as_str()] {
        std::fs::copy(tlc::specs_dir().join(file), dir.join(file))
            .map_err(|e| format!("specs/{file}: {e}"))?;
    }
    let run = tlc::run(&dir, "MCraft.tla", &m.config, 1)?;
    std::fs::remove_dir_all(&dir).ok();
    let caught = run
        .output
        .lines()
        .any(|l| l.contains(&format!(" {} ", m.expect)) && l.contains("is violated"));
    Ok((caught, run))
}
