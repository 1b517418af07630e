//! The judge: what "safe" means, stated over what can be observed of the servers (their states,
//! what they persist, the messages they send) plus a ghost history the judge keeps itself.
//! It imports the protocol's vocabulary, never the driver.

pub mod history;
pub mod incremental;
pub mod invariants;
pub mod rename;
pub mod service;
pub mod words;
