//! Which bound kept a goal out of reach. When a run exhausts its bounds and still misses goals,
//! a few seconds of random walks with one refusing bound lifted at a time say which lifts reach
//! them: the user learns which flag to raise, instead of a list of suspects.

use super::boundary::{Bound, BoundedModel, Refused};
use super::bounds::{Bounds, RunLimits, Strategy};
use super::properties::{property_named, situation_name};
use super::report::Progress;
use super::{simulate, Stopper};
use crate::checker::actors::build_model;
use raft_core::{Config, Property, Situation};
use std::time::{Duration, Instant};

/// What the walks found with one bound lifted.
pub struct Probe {
    pub bound: Bound,
    /// The goals they reached.
    pub reached: Vec<Situation>,
    /// A property they found violated beyond the typed bounds, if any.
    pub violated: Option<Property>,
}

/// `bounds` with `bound` lifted: no cap on messages in flight, or one more of the rest.
pub fn lifted(bounds: &Bounds, bound: Bound) -> Bounds {
    let mut b = bounds.clone();
    match bound {
        Bound::MaxTerm => b.max_term += 1,
        Bound::Restarts => b.restarts += 1,
        Bound::Proposals => b.proposals = b.proposals.saturating_add(1),
        Bound::Heartbeats => b.heartbeats = b.heartbeats.saturating_add(1),
        Bound::Snapshots => b.snapshots = b.snapshots.saturating_add(1),
        Bound::MaxInFlight => b.max_in_flight = None,
        Bound::MaxCopies => b.max_copies += 1,
    }
    b
}

/// Per bound that refused transitions, walks (one thread, seed 0, `seconds` each) under the
/// bounds with that one lifted, looking for the `unreached` goals.
pub fn probe(
    config: &Config,
    bounds: &Bounds,
    refused: &Refused,
    unreached: &[Situation],
    seconds: u64,
) -> Vec<Probe> {
    Bound::ALL
        .iter()
        .zip(refused)
        .filter(|(_, n)| **n > 0)
        .map(|(&bound, _)| {
            let model = BoundedModel::new(build_model(config, &lifted(bounds, bound)), false);
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let stopper = Stopper::new(&model, Some(deadline), None);
            let limits = RunLimits {
                strategy: Strategy::Simulation,
                threads: 1,
                symmetry: false,
                keep_going: true,
                timeout: Some(Duration::from_secs(seconds)),
                ..RunLimits::default()
            };
            let mut quiet = Progress::silent();
            let (_, discoveries, _) = simulate(model, &limits, &mut quiet, &stopper);
            let found = |name: &str| discoveries.iter().any(|(n, _)| *n == name);
            Probe {
                bound,
                reached: unreached
                    .iter()
                    .copied()
                    .filter(|s| found(situation_name(*s)))
                    .collect(),
                violated: discoveries.iter().find_map(|(n, _)| property_named(n)),
            }
        })
        .collect()
}

/// The probes in a sentence per unreached goal.
pub fn explain(probes: &[Probe], unreached: &[Situation]) -> Vec<String> {
    let mut lines: Vec<String> = unreached
        .iter()
        .map(|goal| {
            let by: Vec<&str> = probes
                .iter()
                .filter(|p| p.reached.contains(goal))
                .map(|p| p.bound.flag())
                .collect();
            let tried: Vec<&str> = probes.iter().map(|p| p.bound.flag()).collect();
            if by.is_empty() {
                format!(
                    "{}: not reached by walks with any one bound lifted ({}): raise several, \
                     or it is out of reach of this configuration",
                    situation_name(*goal),
                    tried.join(", ")
                )
            } else {
                format!(
                    "{}: reached by walks once {} is raised",
                    situation_name(*goal),
                    by.join(" or ")
                )
            }
        })
        .collect();
    for p in probes {
        if let Some(v) = p.violated {
            lines.push(format!(
                "walks with {} lifted found {v} violated beyond these bounds: check with it raised",
                p.bound.flag()
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four servers at the default flags: the broadcast of a new leader and the votes still in
    /// flight do not fit under three messages, so no entry commits; lifting the in-flight cap
    /// is what reaches a commit.
    #[test]
    fn a_commit_at_four_servers_needs_more_messages_in_flight() {
        let bounds = Bounds {
            servers: 4,
            max_in_flight: Some(3),
            crashes: 0,
            restarts: 0,
            ..Bounds::default()
        };
        let refused = {
            let mut r = Refused::default();
            r[Bound::MaxInFlight as usize] = 1;
            r[Bound::MaxTerm as usize] = 1;
            r
        };
        let probes = probe(
            &Config::new(4),
            &bounds,
            &refused,
            &[Situation::EntryCommitted],
            2,
        );
        let reached = |b: Bound| {
            probes
                .iter()
                .find(|p| p.bound == b)
                .is_some_and(|p| p.reached.contains(&Situation::EntryCommitted))
        };
        assert!(reached(Bound::MaxInFlight));
        assert!(!reached(Bound::MaxTerm));
        assert!(probes.iter().all(|p| p.violated.is_none()));
    }
}
