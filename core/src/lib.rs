//! A pure Raft core. A [`Node`] is a value and [`Node::step`] is the whole protocol:
//! `(state, input) -> (state, outputs)`, with no I/O, clock, randomness, threads or globals.
//! [`invariants`] states every safety property once; [`Cluster`] is the deterministic driver and
//! [`Trace`] the one trace format that every checker (model, fuzz, proptest, simulator) shares.
//!
//! Three parts, each importing only those before it: `protocol/` (the server), `judge/` (the
//! invariants and the ghost history, stated over what servers observably do) and `driver/` (the
//! cluster, traces, fuzz decoding). Where the rules live: the vote-granting rule in
//! `protocol/election.rs` (`on_request_vote`), the AppendEntries rules, fast backup and the
//! Figure 8 commit rule in `protocol/replication.rs`, the term rules in `protocol/node.rs`
//! (`adopt_term`), log compaction in `protocol/snapshot.rs`; every property in
//! `judge/invariants.rs`.

pub mod driver;
pub mod judge;
pub mod protocol;

// The modules under their short names (`raft_core::node`, `raft_core::invariants`, ...).
#[cfg(feature = "arbitrary")]
pub use driver::fuzzing;
pub use driver::story::words;
#[cfg(feature = "proptest")]
pub use driver::testkit;
pub use driver::{cluster, heal, story, trace};
pub use judge::{history, incremental, invariants, service};
pub use protocol::{config, log, message, mutants, node, types};

pub use cluster::{Cluster, Op, Outcome};
pub use config::Config;
pub use history::NodeHistory;
pub use invariants::{check_all, NodeView, Property, Situation, Violation};
pub use log::Log;
pub use message::{Envelope, Message};
#[cfg(feature = "mutants")]
pub use mutants::Mutant;
pub use node::{
    Apply, Event, Input, Node, Output, Persistent, Progress, ProposeResult, Role, Timer,
};
pub use trace::{Replay, Trace, TraceError};
pub use types::{Command, Entry, Index, NodeId, Term, VoteSet, MAX_SERVERS};
