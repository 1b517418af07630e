//! The checked properties: every invariant of `raft_core::invariants::PROPERTIES` as `always`,
//! and the interesting situations (`raft_core::Situation`) as `sometimes`. Both only call the
//! core's checks on views of the model state; nothing is re-implemented here.

use super::actors::{RaftModel, RaftState};
use super::bounds::Bounds;
use raft_core::invariants::PROPERTIES;
use raft_core::{NodeView, Property, Situation, MAX_SERVERS};
use stateright::Expectation;
use std::sync::atomic::{AtomicBool, Ordering};

/// Every situation the checker watches for.
pub const SITUATIONS: [Situation; 7] = [
    Situation::LeaderElected,
    Situation::EntryCommitted,
    Situation::LeaderChangeAfterCommit,
    Situation::VoterRestarted,
    Situation::ConflictRepaired,
    Situation::SnapshotInstalled,
    Situation::RestartedFromSnapshot,
];

/// The situations only log compaction brings about.
pub const SNAPSHOT_SITUATIONS: [Situation; 2] = [
    Situation::SnapshotInstalled,
    Situation::RestartedFromSnapshot,
];

/// The situations a run under `bounds` must reach: every one, except the snapshot ones when the
/// model takes no snapshot (`--snapshots 0`).
pub fn goals(bounds: &Bounds) -> Vec<Situation> {
    SITUATIONS
        .into_iter()
        .filter(|s| bounds.snapshots > 0 || !SNAPSHOT_SITUATIONS.contains(s))
        .collect()
}

/// First-found flags: when `sticky`, a property already violated (or a situation already
/// reached) answers "fine" from then on, so the checker keeps the first path it found (the
/// shortest, on one BFS thread) and stops paying for the check. The Explorer turns it off.
#[derive(Debug, Default)]
pub struct Flags {
    pub sticky: bool,
    violated: [AtomicBool; PROPERTIES.len()],
    reached: [AtomicBool; SITUATIONS.len()],
}

impl Flags {
    pub fn new(sticky: bool) -> Flags {
        Flags {
            sticky,
            ..Flags::default()
        }
    }
}

/// Call `f` with one view per server of `state` (crashed servers have no live node).
pub fn with_views<R>(state: &RaftState, f: impl FnOnce(&[NodeView]) -> R) -> R {
    let view = |i: usize| {
        let s = &state.actor_states[i];
        NodeView {
            id: i as u8,
            node: (!state.crashed[i]).then_some(&s.node),
            durable: s.durable.as_deref(),
            history: &s.history,
        }
    };
    let n = state.actor_states.len();
    let mut views = [view(0); MAX_SERVERS as usize];
    for (i, v) in views.iter_mut().enumerate().take(n).skip(1) {
        *v = view(i);
    }
    f(&views[..n])
}

fn always<const K: usize>(model: &RaftModel, state: &RaftState) -> bool {
    let flags = &model.cfg.flags;
    if flags.sticky && flags.violated[K].load(Ordering::Relaxed) {
        return true;
    }
    let held = with_views(state, |v| (PROPERTIES[K].1)(v).is_ok());
    if !held {
        flags.violated[K].store(true, Ordering::Relaxed);
    }
    held
}

fn sometimes<const K: usize>(model: &RaftModel, state: &RaftState) -> bool {
    let flags = &model.cfg.flags;
    if flags.sticky && flags.reached[K].load(Ordering::Relaxed) {
        return false;
    }
    // Unreachable without snapshots: not worth a look at every state.
    if model.cfg.bounds.snapshots == 0 && SNAPSHOT_SITUATIONS.contains(&SITUATIONS[K]) {
        return false;
    }
    let reached = with_views(state, |v| SITUATIONS[K].reached(v));
    if reached {
        flags.reached[K].store(true, Ordering::Relaxed);
    }
    reached
}

type Condition = fn(&RaftModel, &RaftState) -> bool;

const ALWAYS: [Condition; 10] = [
    always::<0>,
    always::<1>,
    always::<2>,
    always::<3>,
    always::<4>,
    always::<5>,
    always::<6>,
    always::<7>,
    always::<8>,
    always::<9>,
];
const _: () = assert!(
    ALWAYS.len() == PROPERTIES.len(),
    "one `always` per core property"
);

const SOMETIMES: [Condition; SITUATIONS.len()] = [
    sometimes::<0>,
    sometimes::<1>,
    sometimes::<2>,
    sometimes::<3>,
    sometimes::<4>,
    sometimes::<5>,
    sometimes::<6>,
];

/// The stateright name of a situation's `sometimes` property.
pub fn situation_name(s: Situation) -> &'static str {
    s.name()
}

/// Which core property a stateright property name stands for.
pub fn property_named(name: &str) -> Option<Property> {
    PROPERTIES.iter().map(|p| p.0).find(|p| p.name() == name)
}

pub fn add_properties(mut model: RaftModel) -> RaftModel {
    for (k, (property, _)) in PROPERTIES.iter().enumerate() {
        model = model.property(Expectation::Always, property.name(), ALWAYS[k]);
    }
    for (k, situation) in SITUATIONS.iter().enumerate() {
        model = model.property(
            Expectation::Sometimes,
            situation_name(*situation),
            SOMETIMES[k],
        );
    }
    model
}
