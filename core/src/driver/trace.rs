//! The one trace format: a cluster configuration plus a sequence of driver operations, as
//! versioned JSON. Every checker writes it when it finds a violation; `replay` re-runs it through
//! the cluster driver deterministically, to the same states and the same verdict.

use crate::driver::cluster::{Cluster, Op, Outcome};
use crate::driver::story;
use crate::judge::invariants::{Property, Situation, Violation};
use crate::protocol::config::Config;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const TRACE_FORMAT: &str = "raft-trace";
pub const TRACE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    /// Always `"raft-trace"`.
    pub format: String,
    /// Format version; this build reads version 1.
    pub version: u32,
    /// Who produced it: `model`, `fuzz/election`, `proptest`, `sim/NAME seed S`, ...
    #[serde(default)]
    pub origin: String,
    /// The cluster: size, options and (with the `mutants` feature) the mutant.
    pub config: Config,
    /// The property this trace is known to violate, if it is a counterexample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Property>,
    pub ops: Vec<Op>,
}

/// The fields of a trace checked before the whole is read (the rest, `ops` above all, skipped
/// without being kept).
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    /// Read for its mutant, which a build without the `mutants` feature cannot run.
    #[cfg(not(feature = "mutants"))]
    config: Option<serde_json::Value>,
}

/// Why a trace could not be read. Never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError(pub String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

/// One replayed operation and what became of it.
#[derive(Clone, Debug)]
pub struct ReplayStep {
    pub op: Op,
    pub outcome: Outcome,
}

/// The result of replaying a trace.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The cluster before the first operation (the story re-runs the steps from it).
    pub start: Cluster,
    pub steps: Vec<ReplayStep>,
    /// The first violation and the (0-based) operation that caused it; replay stops there.
    pub violation: Option<(usize, Violation)>,
    pub reached: Vec<Situation>,
    pub cluster: Cluster,
}

impl Trace {
    pub fn new(origin: impl Into<String>, config: Config, ops: Vec<Op>) -> Trace {
        Trace {
            format: TRACE_FORMAT.into(),
            version: TRACE_VERSION,
            origin: origin.into(),
            config,
            expect: None,
            ops,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parse and validate a trace: format, version, configuration, and every operation's ids.
    /// The operations are read straight into `ops` (no JSON tree of them: a 100 MB trace
    /// takes its text and its operations in memory, not ten times that).
    pub fn from_json(text: &str) -> Result<Trace, TraceError> {
        let value: Header = serde_json::from_str(text).map_err(|e| {
            TraceError(if e.is_data() {
                format!(
                    "not a trace file: expected a JSON object with \"format\": \"{TRACE_FORMAT}\""
                )
            } else {
                format!("not valid JSON: {e}")
            })
        })?;
        if value.format.as_ref().and_then(|f| f.as_str()) != Some(TRACE_FORMAT) {
            return Err(TraceError(format!(
                "not a trace file: expected \"format\": \"{TRACE_FORMAT}\""
            )));
        }
        match value.version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v == TRACE_VERSION as u64 => {}
            Some(v) => {
                return Err(TraceError(format!(
                    "unsupported trace version {v} (this build reads version {TRACE_VERSION})"
                )))
            }
            None => return Err(TraceError("missing or invalid \"version\"".into())),
        }
        #[cfg(not(feature = "mutants"))]
        if let Some(m) = value.config.as_ref().and_then(|c| c.get("mutant")) {
            return Err(TraceError(format!(
                "this trace runs mutant {m}; replay it with a build that has the `mutants` \
                 feature (cargo run -p model --features mutants -- replay FILE)"
            )));
        }
        let trace: Trace =
            serde_json::from_str(text).map_err(|e| TraceError(format!("invalid trace: {e}")))?;
        trace.validate()?;
        Ok(trace)
    }

    fn validate(&self) -> Result<(), TraceError> {
        self.config
            .validate()
            .map_err(|e| TraceError(format!("invalid config: {e}")))?;
        let n = self.config.cluster_size;
        for (k, op) in self.ops.iter().enumerate() {
            let bad = match op {
                Op::Partition { group } => group.iter().any(|&id| id >= n),
                _ => op.server().is_some_and(|id| id >= n),
            };
            if bad {
                return Err(TraceError(format!(
                    "operation {k} ({}) names a server outside 0..{n}",
                    serde_json::to_string(op).unwrap_or_default()
                )));
            }
        }
        Ok(())
    }

    /// Re-run the trace through the cluster driver, checking every invariant after every
    /// operation; stops at the first violation.
    pub fn replay(&self) -> Result<Replay, TraceError> {
        let mut cluster = Cluster::new(self.config.clone())
            .map_err(|e| TraceError(format!("invalid config: {e}")))?;
        let start = cluster.clone();
        let mut steps = Vec::with_capacity(self.ops.len());
        let mut violation = None;
        for (k, op) in self.ops.iter().enumerate() {
            let result = cluster.apply(op);
            let outcome = *result.as_ref().unwrap_or(&Outcome::Done);
            steps.push(ReplayStep {
                op: op.clone(),
                outcome,
            });
            if let Err(v) = result {
                violation = Some((k, v));
                break;
            }
        }
        Ok(Replay {
            start,
            steps,
            violation,
            reached: cluster.reached(),
            cluster,
        })
    }
}

impl Replay {
    /// The replay as a story a learner can follow (`story::tell`): each operation in words,
    /// every server after it with what changed marked, and the violation explained.
    pub fn story(&self) -> String {
        story::tell(self)
    }
}
