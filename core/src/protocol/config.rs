//! Static configuration of a node: cluster size and the protocol's tunable options.

use crate::protocol::types::{NodeId, MAX_SERVERS};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Number of servers, 1 to 7; ids are `0..cluster_size`.
    pub cluster_size: u8,
    /// Cap on entries per AppendEntries (at least 1).
    #[serde(default = "default_max_entries")]
    pub max_entries_per_append: usize,
    /// Append a no-op entry on election (off by default: the lab asserts exact indices).
    #[serde(default)]
    pub noop_on_election: bool,
    /// PreVote (thesis §9.6): a timed-out server first asks whether it could win, without
    /// touching any term or vote (`prevote.rs`). Off when absent (and then not written), as traces before it ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pre_vote: bool,
    /// CheckQuorum: a leader that has not heard from a majority since its last election
    /// timeout steps down, and a server in a leader's lease ignores higher-term RequestVotes
    /// (`check_quorum.rs`). Off when absent, as traces before it ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check_quorum: bool,
    /// The bug-zoo mutant this node runs with (`None`: the correct protocol).
    #[cfg(feature = "mutants")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutant: Option<crate::protocol::mutants::Mutant>,
}

fn default_max_entries() -> usize {
    64
}

impl Config {
    /// Figure 2 as written: PreVote and CheckQuorum off (see [`Config::with_liveness`]).
    pub fn new(cluster_size: u8) -> Config {
        Config {
            cluster_size,
            max_entries_per_append: default_max_entries(),
            noop_on_election: false,
            pre_vote: false,
            check_quorum: false,
            #[cfg(feature = "mutants")]
            mutant: None,
        }
    }

    /// `cluster_size` servers with PreVote and CheckQuorum on: what the model checker, the
    /// simulator and the fuzzers run by default.
    pub fn with_liveness(cluster_size: u8) -> Config {
        Config {
            pre_vote: true,
            check_quorum: true,
            ..Config::new(cluster_size)
        }
    }

    /// Checks the configuration; every constructor of a cluster calls it.
    pub fn validate(&self) -> Result<(), String> {
        if self.cluster_size == 0 || self.cluster_size > MAX_SERVERS {
            return Err(format!(
                "cluster size must be 1 to {MAX_SERVERS}, got {}",
                self.cluster_size
            ));
        }
        if self.max_entries_per_append == 0 {
            return Err("max_entries_per_append must be at least 1".into());
        }
        Ok(())
    }

    /// Every server id of the cluster.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> {
        0..self.cluster_size
    }

    /// Is `count` servers (out of `cluster_size`) a majority?
    pub fn is_quorum(&self, count: usize) -> bool {
        let n = self.cluster_size as usize;
        if crate::mutant!(self, QuorumHalfInclusive) || crate::mutant!(self, SilentLeader) {
            return count >= n / 2;
        }
        if crate::mutant!(self, QuorumCeilHalf) {
            return count >= n.div_ceil(2); // right for odd sizes only: 2 of 4
        }
        count > n / 2
    }
}
