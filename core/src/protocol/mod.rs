//! The protocol: a Raft server as a pure value, `(state, input) -> (state, outputs)`. Nothing
//! here imports the judge or the driver; the checkers see only what a server does.

mod check_quorum;
pub mod config;
mod election;
pub mod log;
pub mod message;
pub mod mutants;
pub mod node;
mod prevote;
mod replication;
mod snapshot;
pub mod types;
