//! Deterministic discrete-event simulator of the MIT 6.5840 Raft lab suite (3A-3D): virtual
//! milliseconds and one seeded RNG per run, driving core servers through the cluster driver,
//! with the lab's network, harness checks and scenarios. A failing seed is a `raft_core::Trace`.

pub mod budget;
pub mod cli;
mod harness;
pub mod liveness;
mod queue;
pub mod rng;
pub mod scenarios;
pub mod swarm;
pub mod world;

pub use budget::Budget;
pub use swarm::{check_seeds, run, run_with, swarm, write_trace, RunReport, Setup};
pub use world::{Failure, Sim};
