//! The TLA+ side: TLC on `specs/raft.tla` (bounded configurations, the spec's mutants) and trace
//! validation, which checks that what the Rust core did is a behaviour of the spec.

pub mod export;
pub mod spec_mutants;
pub mod tlc;
pub mod validate;
