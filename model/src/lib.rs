//! Checkers for the Raft core: the stateright model checker (`checker`), the deterministic
//! simulator of the MIT 6.5840 lab suite (`sim`), the bug zoo's catalogue (`zoo`), and the
//! command line that drives them.

pub mod checker;
pub mod flags;
pub mod sim;
pub mod tla;
pub mod zoo;
