//! Deterministic discrete-event simulator of the MIT 6.5840 Raft lab suite (3A-3D): virtual
//! milliseconds and one seeded RNG per run, driving core servers through the cluster driver,
//! with the lab's network, harness checks and scenarios. A failing seed is a `raft_core::Trace`.

mod cli;
mod harness;
pub mod rng;
pub mod scenarios;
pub mod swarm;
pub mod world;

pub use cli::cli;
pub use swarm::{check_seeds, run, swarm, write_trace, RunReport};
pub use world::{Failure, Sim};
