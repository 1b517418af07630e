//! The bug zoo (`mutants` sub-command): every named mutant of `raft-core` run through the model
//! checker, the fuzzer and proptest, in one table. A checker is trusted only once it has been
//! seen failing on real bug classes, and seen not failing on the harmless controls.

pub mod cli;

#[cfg(feature = "mutants")]
pub mod catalogue;
#[cfg(feature = "mutants")]
pub mod fuzz;
#[cfg(feature = "mutants")]
pub mod proptest;
#[cfg(feature = "mutants")]
pub mod runner;
#[cfg(feature = "mutants")]
#[cfg(feature = "mutants")]
pub mod table;
