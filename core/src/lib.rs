//! A pure Raft core. A [`Node`] is a value and [`Node::step`] is the whole protocol:
//! `(state, input) -> (state, outputs)`, with no I/O, clock, randomness, threads or globals.
//! [`invariants`] states every safety property once; [`Cluster`] is the deterministic driver and
//! [`Trace`] the one trace format that every checker (model, fuzz, proptest, simulator) shares.
//!
//! Where the rules live: the vote-granting rule in `election.rs` (`on_request_vote`), the
//! AppendEntries rules, fast backup and the Figure 8 commit rule in `replication.rs`, the term
//! rules in `node.rs` (`adopt_term`), log compaction in `snapshot.rs`.

pub mod cluster;
pub mod config;
mod election;
#[cfg(feature = "arbitrary")]
pub mod fuzzing;
pub mod history;
pub mod incremental;
pub mod invariants;
pub mod log;
pub mod message;
pub mod mutants;
pub mod node;
mod replication;
mod snapshot;
#[cfg(feature = "proptest")]
pub mod testkit;
pub mod trace;
pub mod types;

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
