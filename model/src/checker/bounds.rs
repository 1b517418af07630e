//! The bounds that make the model finite (terms, proposals, snapshots, crashes, restarts,
//! re-sends) and the
//! limits that may cut a run short (depth, states, time). Validated once, with one-line errors.

use raft_core::{Term, MAX_SERVERS};
use std::fmt;
use std::time::Duration;

/// The most servers the model checker accepts (beyond that, use `--strategy simulation`).
pub const MAX_MODEL_SERVERS: u8 = 5;
const _: () = assert!(MAX_MODEL_SERVERS <= MAX_SERVERS);

/// How the network treats messages (stateright's three networks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkKind {
    /// A multiset: any message may be delivered next, each copy once.
    UnorderedNonDuplicating,
    /// A set: any message may be delivered next, any number of times.
    UnorderedDuplicating,
    /// Per-link FIFO queues.
    Ordered,
}

impl NetworkKind {
    pub const NAMES: [&'static str; 3] = [
        "unordered-nonduplicating",
        "unordered-duplicating",
        "ordered",
    ];

    pub fn parse(name: &str) -> Result<NetworkKind, String> {
        match name {
            "unordered-nonduplicating" => Ok(NetworkKind::UnorderedNonDuplicating),
            "unordered-duplicating" => Ok(NetworkKind::UnorderedDuplicating),
            "ordered" => Ok(NetworkKind::Ordered),
            _ => Err(format!(
                "unknown network '{name}' (expected one of: {})",
                NetworkKind::NAMES.join(", ")
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NetworkKind::UnorderedNonDuplicating => NetworkKind::NAMES[0],
            NetworkKind::UnorderedDuplicating => NetworkKind::NAMES[1],
            NetworkKind::Ordered => NetworkKind::NAMES[2],
        }
    }
}

/// What defines the (finite) model. A run that explores all of it is exhaustive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub servers: u8,
    /// Election timeouts fire at servers up to this term: a server may reach one term more,
    /// where the search stops.
    pub max_term: Term,
    /// Client commands proposed (to any server) that changed something, in the whole run.
    pub proposals: u8,
    /// Heartbeats (leaders' periodic re-sends) in the whole run.
    pub heartbeats: u8,
    /// Snapshots (a service compacting its server's log at what it applied) in the whole run;
    /// 0 leaves log compaction out of the model.
    pub snapshots: u8,
    /// Servers down at the same time.
    pub crashes: usize,
    /// Restarts (recoveries) in the whole run.
    pub restarts: u32,
    pub network: NetworkKind,
    /// Messages may also be lost.
    pub lossy: bool,
    /// Copies of one message in flight at once (bounds re-sends).
    pub max_copies: usize,
    /// Messages in flight at once (`None`: no bound beyond the others).
    pub max_in_flight: Option<usize>,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            servers: 3,
            max_term: 2,
            proposals: 3,
            heartbeats: 0,
            snapshots: 0,
            crashes: 1,
            restarts: 1,
            network: NetworkKind::UnorderedNonDuplicating,
            lossy: false,
            max_copies: 1,
            max_in_flight: Some(3),
        }
    }
}

impl Bounds {
    /// Reject bounds that make no sense or cannot hold, with a one-line reason.
    pub fn validate(&self) -> Result<(), String> {
        if self.servers == 0 || self.servers > MAX_MODEL_SERVERS {
            return Err(format!(
                "--servers must be 1 to {MAX_MODEL_SERVERS}, got {}",
                self.servers
            ));
        }
        if self.max_term == 0 {
            return Err("--max-term must be at least 1 (no election could happen)".into());
        }
        if self.crashes > self.servers as usize {
            return Err(format!(
                "--crashes {} is more than --servers {}",
                self.crashes, self.servers
            ));
        }
        if self.restarts > 0 && self.crashes == 0 {
            return Err(format!(
                "--restarts {} needs --crashes of at least 1 (nothing can restart)",
                self.restarts
            ));
        }
        if self.max_copies == 0 {
            return Err("--max-copies must be at least 1 (no message could be sent)".into());
        }
        if self.max_in_flight == Some(0) {
            return Err("--max-in-flight must be at least 1 (no message could be sent)".into());
        }
        let broadcast = usize::from(self.servers) - 1;
        if let Some(m) = self.max_in_flight.filter(|&m| m < broadcast) {
            return Err(format!(
                "--max-in-flight {m} is below one broadcast: each of {} servers sends {broadcast} \
                 messages at once, so no election could start",
                self.servers
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "servers={} max-term={} proposals={} heartbeats={} crashes={} restarts={} network={}{} \
             max-copies={}",
            self.servers,
            self.max_term,
            self.proposals,
            self.heartbeats,
            self.crashes,
            self.restarts,
            self.network.name(),
            if self.lossy { " lossy" } else { "" },
            self.max_copies
        )?;
        if let Some(m) = self.max_in_flight {
            write!(f, " max-in-flight={m}")?;
        }
        if self.snapshots > 0 {
            write!(f, " snapshots={}", self.snapshots)?;
        }
        Ok(())
    }
}

/// How to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Breadth first (`checker::bfs`): shortest counterexamples.
    Bfs,
    /// Depth first (stateright's): deep bugs sooner, counterexamples then minimised.
    Dfs,
    /// Random walks (never exhaustive), for configurations too large to exhaust.
    Simulation,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Bfs => "bfs",
            Strategy::Dfs => "dfs",
            Strategy::Simulation => "simulation",
        }
    }
}

/// Limits that may cut a run short of exhaustive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunLimits {
    pub strategy: Strategy,
    pub threads: usize,
    pub seed: u64,
    /// Symmetry reduction over server ids (every strategy).
    pub symmetry: bool,
    /// Go on past the first violation, to one shortest violation per property.
    pub keep_going: bool,
    pub max_depth: Option<usize>,
    pub max_states: Option<usize>,
    pub timeout: Option<Duration>,
    /// Cut the run when the process's resident memory passes this many bytes.
    pub max_memory: Option<u64>,
}

impl Default for RunLimits {
    fn default() -> RunLimits {
        RunLimits {
            strategy: Strategy::Bfs,
            threads: 2,
            seed: 0,
            symmetry: true,
            keep_going: false,
            max_depth: None,
            max_states: None,
            timeout: None,
            max_memory: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_bounds_are_named() {
        assert_eq!(Bounds::default().validate(), Ok(()));
        let zero = Bounds {
            servers: 0,
            ..Bounds::default()
        };
        assert!(zero.validate().unwrap_err().contains("--servers"));
        let crashes = Bounds {
            crashes: 4,
            ..Bounds::default()
        };
        assert!(crashes.validate().unwrap_err().contains("--crashes 4"));
        assert!(NetworkKind::parse("carrier-pigeon")
            .unwrap_err()
            .contains("unknown network"));
        for name in NetworkKind::NAMES {
            assert_eq!(NetworkKind::parse(name).map(NetworkKind::name), Ok(name));
        }
    }
}
