//! The proptest column: the proptest suite's generator (`raft_core::testkit`) on 3, 4 and 5
//! servers (one size drawn per case) with the mutant planted, from a fixed seed; how many cases
//! run until the first one fails, by a violation or by a panic of the core.

use proptest::prop_oneof;
use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};
use raft_core::testkit::{case, run};
use raft_core::{Mutant, Property};
use std::cell::{Cell, RefCell};
use std::time::Instant;

/// Servers per generated case: even sizes change the quorum arithmetic, 5 gives two
/// disjoint minorities.
pub const SERVERS: [u8; 3] = [3, 4, 5];

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
    /// Case number `cases` panicked (an arithmetic overflow, say).
    Panicked {
        message: String,
        cases: u32,
        secs: f64,
    },
}

impl ProptestResult {
    /// A violation or a panic: proptest caught the bug.
    pub fn is_finding(&self) -> bool {
        !matches!(self, ProptestResult::NotFound { .. })
    }
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
    let [a, b, c] = SERVERS;
    let strategy = prop_oneof![case(a), case(b), case(c)].prop_map(move |mut c| {
        c.config.mutant = Some(mutant);
        c
    });
    let panicked: RefCell<Option<(String, u32)>> = RefCell::new(None);
    let _ = runner.run(&strategy, |c| {
        seen.set(seen.get() + 1);
        let result = std::panic::catch_unwind(|| run(&c).1);
        match result {
            Ok(Ok(_)) => Ok(()),
            Err(payload) => {
                let message = super::runner::panic_message(&*payload);
                let mut slot = panicked.borrow_mut();
                if slot.is_none() && first.get().is_none() {
                    *slot = Some((message.clone(), seen.get()));
                }
                Err(TestCaseError::fail(message))
            }
            Ok(Err(v)) => {
                if first.get().is_none() {
                    first.set(Some((v.property, seen.get())));
                }
                Err(TestCaseError::fail(v.to_string()))
            }
        }
    });
    let secs = start.elapsed().as_secs_f64();
    if let Some((message, cases)) = panicked.into_inner() {
        return ProptestResult::Panicked {
            message,
            cases,
            secs,
        };
    }
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
