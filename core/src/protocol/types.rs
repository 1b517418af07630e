//! The vocabulary of the protocol: node ids, terms, log indices, commands and entries.
//! Indices start at 1; index 0 with term 0 is the empty log's sentinel.

use serde::{Deserialize, Serialize};

/// A server's identity: `0..cluster_size`, at most 7 servers.
pub type NodeId = u8;
/// A Raft term. Term 0 means "no term yet".
pub type Term = u64;
/// A log index. The first entry has index 1.
pub type Index = u64;
/// A client command. Opaque to Raft; the service may treat it as a handle to a payload.
pub type Command = u64;

/// The most servers a cluster may have (vote sets are bit sets over `NodeId`).
pub const MAX_SERVERS: u8 = 7;

/// One log entry. `command == None` is a leader's no-op (only with `Config::noop_on_election`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Entry {
    pub term: Term,
    pub command: Option<Command>,
}

/// A set of voters, as a bit set over node ids.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct VoteSet(u8);

impl VoteSet {
    pub fn insert(&mut self, id: NodeId) {
        self.0 |= 1 << id;
    }
    pub fn contains(&self, id: NodeId) -> bool {
        self.0 & (1 << id) != 0
    }
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..8).filter(move |&id| self.contains(id))
    }
}
