//! Deterministic discrete-event simulator (virtual milliseconds, one seeded RNG per run) that
//! drives core nodes through the cluster driver, with the lab's network and harness checks.
