//! The edge of the bounds: a successor beyond a bound is kept as a leaf (every property is judged
//! on it, the transition is counted per bound, it is not expanded) instead of being dropped
//! unseen. `BoundedModel` wraps the actor model so that every search sees the same leaves.

use super::actors::{Action, RaftModel, RaftState};
use super::bounds::Bounds;
use super::properties;
use raft_core::Role;
use stateright::actor::Network;
use stateright::{Model, Property};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One bound of the model, named by its flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bound {
    MaxTerm,
    Restarts,
    Proposals,
    Heartbeats,
    Snapshots,
    MaxInFlight,
    MaxCopies,
}

impl Bound {
    pub const ALL: [Bound; 7] = [
        Bound::MaxTerm,
        Bound::Restarts,
        Bound::Proposals,
        Bound::Heartbeats,
        Bound::Snapshots,
        Bound::MaxInFlight,
        Bound::MaxCopies,
    ];

    /// The command-line flag that sets it.
    pub fn flag(self) -> &'static str {
        match self {
            Bound::MaxTerm => "--max-term",
            Bound::Restarts => "--restarts",
            Bound::Proposals => "--proposals",
            Bound::Heartbeats => "--heartbeats",
            Bound::Snapshots => "--snapshots",
            Bound::MaxInFlight => "--max-in-flight",
            Bound::MaxCopies => "--max-copies",
        }
    }
}

/// The first bound (in `Bound::ALL`'s order) that `state` lies beyond, if any.
pub fn exceeded(b: &Bounds, state: &RaftState) -> Option<Bound> {
    let (mut restarts, mut proposed, mut beats, mut snaps) = (0u32, 0u32, 0u32, 0u32);
    let mut term = 0;
    for s in &state.actor_states {
        // A pre-candidate stands in the term it asks for: past the last term, a leaf.
        let asked = match s.node.role() {
            Role::PreCandidate { .. } => s.node.current_term() + 1,
            _ => s.node.current_term(),
        };
        term = term.max(asked);
        restarts += s.history.restarts;
        proposed += u32::from(s.proposed);
        beats += u32::from(s.heartbeats);
        snaps += u32::from(s.snapshots);
    }
    if term > b.max_term {
        return Some(Bound::MaxTerm);
    }
    if restarts > b.restarts {
        return Some(Bound::Restarts);
    }
    if proposed > u32::from(b.proposals) {
        return Some(Bound::Proposals);
    }
    if beats > u32::from(b.heartbeats) {
        return Some(Bound::Heartbeats);
    }
    if snaps > u32::from(b.snapshots) {
        return Some(Bound::Snapshots);
    }
    if b.max_in_flight.is_some_and(|m| state.network.len() > m) {
        return Some(Bound::MaxInFlight);
    }
    let within_copies = match &state.network {
        Network::UnorderedNonDuplicating(multiset) => multiset.values().all(|&c| c <= b.max_copies),
        Network::Ordered(flows) => flows.values().all(|queue| {
            queue.iter().enumerate().all(|(k, m)| {
                queue.iter().skip(k + 1).filter(|other| *other == m).count() < b.max_copies
            })
        }),
        Network::UnorderedDuplicating(..) => true,
    };
    (!within_copies).then_some(Bound::MaxCopies)
}

/// Transitions into a state beyond a bound, per bound (in `Bound::ALL`'s order).
pub type Refused = [usize; Bound::ALL.len()];

/// The actor model with leaves at its bounds and, optionally, symmetry reduction: every successor
/// is replaced by its representative over server-id permutations (`symmetry::canonical`).
pub struct BoundedModel {
    pub inner: RaftModel,
    pub symmetry: bool,
    refused: [AtomicUsize; Bound::ALL.len()],
}

impl BoundedModel {
    pub fn new(inner: RaftModel, symmetry: bool) -> BoundedModel {
        BoundedModel {
            inner,
            symmetry,
            refused: Default::default(),
        }
    }

    /// Count a transition into a state beyond `bound`.
    pub fn refuse(&self, bound: Bound) {
        self.refused[bound as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The transitions refused so far.
    pub fn refused(&self) -> Refused {
        let mut counts = [0; Bound::ALL.len()];
        for (c, r) in counts.iter_mut().zip(&self.refused) {
            *c = r.load(Ordering::Relaxed);
        }
        counts
    }

    /// `state` as this model's searches see it (its representative with symmetry).
    pub fn seen(&self, state: RaftState) -> RaftState {
        if self.symmetry {
            super::symmetry::canonical(&state)
        } else {
            state
        }
    }
}

impl Model for BoundedModel {
    type State = RaftState;
    type Action = Action;

    fn init_states(&self) -> Vec<RaftState> {
        self.inner
            .init_states()
            .into_iter()
            .map(|s| self.seen(s))
            .collect()
    }

    /// None from a leaf: it lies beyond a bound.
    fn actions(&self, state: &RaftState, actions: &mut Vec<Action>) {
        if exceeded(&self.inner.cfg.bounds, state).is_none() {
            self.inner.actions(state, actions);
        }
    }

    fn next_state(&self, state: &RaftState, action: Action) -> Option<RaftState> {
        let next = self.inner.next_state(state, action)?;
        if let Some(bound) = exceeded(&self.inner.cfg.bounds, &next) {
            self.refuse(bound);
        }
        Some(self.seen(next))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties::properties()
    }

    /// Only the driver's halt (`--timeout`, `--max-memory`) stops the search: then no state is
    /// within the boundary, and the search drains its queue.
    fn within_boundary(&self, _: &RaftState) -> bool {
        !self.inner.cfg.halt.load(Ordering::Relaxed)
    }

    fn format_action(&self, action: &Action) -> String {
        self.inner.format_action(action)
    }

    fn format_step(&self, last: &RaftState, action: Action) -> Option<String> {
        self.inner.format_step(last, action)
    }

    fn as_svg(&self, path: stateright::Path<RaftState, Action>) -> Option<String> {
        self.inner.as_svg(path)
    }
}
