//! The proptest column: the proptest suite's generator (`raft_core::testkit`) on 3 servers with
//! the mutant planted, from a fixed seed; how many cases run until the first one fails.

use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};
use raft_core::testkit::{case, run};
use raft_core::{Mutant, Property};
use std::cell::Cell;
use std::time::Instant;

/// Servers per generated case (the suite runs 3 and 5; 3 finds bugs in fewer operations).
pub const SERVERS: u8 = 3;

#[derive(Clone, Debug)]
pub enum ProptestResult {
    /// The first failing case was number `cases` (1-based).
    Found {
        property: Property,
        cases: u32,
        secs: f64,
    },
    NotFound {
        cases: u32,
        secs: f64,
    },
}

/// Run up to `budget` cases with `mutant` planted in every configuration.
pub fn run_cases(mutant: Mutant, budget: u32) -> ProptestResult {
    let start = Instant::now();
    let config = RunnerConfig {
        cases: budget,
        failure_persistence: None,
        max_shrink_iters: 0, // only the first failure is counted: no shrinking
        ..RunnerConfig::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let seen = Cell::new(0u32);
    let first: Cell<Option<(Property, u32)>> = Cell::new(None);
    let strategy = case(SERVERS).prop_map(move |mut c| {
        c.config.mutant = Some(mutant);
        c
    });
    let _ = runner.run(&strategy, |c| {
        seen.set(seen.get() + 1);
        match run(&c).1 {
            Ok(_) => Ok(()),
            Err(v) => {
                if first.get().is_none() {
                    first.set(Some((v.property, seen.get())));
                }
                Err(TestCaseError::fail(v.to_string()))
            }
        }
    });
    let secs = start.elapsed().as_secs_f64();
    match first.get() {
        Some((property, cases)) => ProptestResult::Found {
            property,
            cases,
            secs,
        },
        None => ProptestResult::NotFound {
            cases: seen.get(),
            secs,
        },
    }
}
