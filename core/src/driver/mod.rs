//! The machinery that drives servers for the checkers: a deterministic cluster, the one trace
//! format and its replay, fuzz input decoding and the proptest generator.

pub mod cluster;
#[cfg(feature = "arbitrary")]
pub mod fuzzing;
pub mod story;
#[cfg(feature = "proptest")]
pub mod testkit;
pub mod trace;
