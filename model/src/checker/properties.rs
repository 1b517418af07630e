//! The checked properties: every invariant of `raft_core::invariants::PROPERTIES` as `always`,
//! and the interesting situations (`raft_core::Situation`) as `sometimes`. Both only call the
//! core's checks on views of the model state; nothing is re-implemented here.

use super::actors::RaftState;
use super::boundary::BoundedModel;
use super::bounds::Bounds;
use raft_core::invariants::PROPERTIES;
use raft_core::{NodeView, Property, Situation, MAX_SERVERS};
use stateright::Property as Checked;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

/// Every situation the checker watches for.
pub const SITUATIONS: [Situation; 7] = Situation::ALL;

/// Whether the bounds allow `situation` at all: a server restarts only with crashes and
/// restarts; a follower's log conflicts only with two servers and two terms (two leaders); a new
/// leader after a commit needs a second term (and, with one server, a restart: a lone leader never
/// stands again); snapshots only with a snapshot budget.
pub fn applicable(situation: Situation, bounds: &Bounds) -> bool {
    let restarts = bounds.crashes > 0 && bounds.restarts > 0;
    match situation {
        Situation::LeaderElected | Situation::EntryCommitted => true,
        Situation::LeaderChangeAfterCommit => {
            bounds.max_term >= 2 && (bounds.servers > 1 || restarts)
        }
        Situation::VoterRestarted => restarts,
        Situation::ConflictRepaired => bounds.servers > 1 && bounds.max_term >= 2,
        Situation::SnapshotInstalled => bounds.snapshots > 0 && bounds.servers > 1,
        Situation::RestartedFromSnapshot => bounds.snapshots > 0 && restarts,
    }
}

/// The situations a run under `bounds` must reach: every one the bounds allow.
pub fn goals(bounds: &Bounds) -> Vec<Situation> {
    SITUATIONS
        .into_iter()
        .filter(|s| applicable(*s, bounds))
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

/// What every property and situation says about one state's servers: bit `k` of `held` is
/// `PROPERTIES[k]` holding, bit `k` of `reached` is `SITUATIONS[k]` reached.
#[derive(Clone, Copy)]
struct Verdicts {
    held: u16,
    reached: u8,
}
const _: () = assert!(PROPERTIES.len() <= 16 && SITUATIONS.len() <= 8);

/// All a state's verdicts depend on: each server's digest (node, persisted state, history; see
/// `ServerState::digest`) and which servers are down. Many states share it: they differ only in
/// the messages in flight or the armed timers.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ServersKey {
    digests: [u64; MAX_SERVERS as usize],
    crashed: u8,
}

/// The digests are hashes already: fold them into one word.
impl Hash for ServersKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let folded = self.digests.iter().fold(u64::from(self.crashed), |h, d| {
            (h.rotate_left(23) ^ d).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        });
        state.write_u64(folded);
    }
}

/// A `ServersKey` hashes to its folded word, nothing more.
impl nohash_hasher::IsEnabled for ServersKey {}

impl ServersKey {
    fn of(state: &RaftState) -> ServersKey {
        let mut key = ServersKey {
            digests: [0; MAX_SERVERS as usize],
            crashed: 0,
        };
        for (i, s) in state.actor_states.iter().enumerate() {
            key.digests[i] = s.digest();
            key.crashed |= u8::from(state.crashed[i]) << i;
        }
        key
    }

    /// Whether `state`'s servers are the ones of this key (without building its key).
    fn matches(&self, state: &RaftState) -> bool {
        let mut crashed = 0;
        for (i, s) in state.actor_states.iter().enumerate() {
            if s.digest() != self.digests[i] {
                return false;
            }
            crashed |= u8::from(state.crashed[i]) << i;
        }
        crashed == self.crashed
    }
}

/// Each checker thread's verdicts by servers' contents: stateright asks every property in turn
/// about each state (the last key answers those at once), and most states repeat the servers of
/// another one, so each property is evaluated once per distinct set of servers. Emptied when
/// full, to bound its memory.
#[derive(Default)]
struct VerdictCache {
    last: Option<(ServersKey, Verdicts)>,
    seen: HashMap<ServersKey, Verdicts, nohash_hasher::BuildNoHashHasher<ServersKey>>,
}

/// The most verdicts a thread keeps (about 70 bytes each: at most about 5 MiB).
const VERDICT_CACHE_CAPACITY: usize = 1 << 16;

thread_local! {
    static VERDICTS: RefCell<VerdictCache> = RefCell::new(VerdictCache::default());
}

/// Evaluate every property and situation on `state`.
fn evaluate(state: &RaftState) -> Verdicts {
    with_views(state, |v| {
        let mut verdicts = Verdicts {
            held: 0,
            reached: 0,
        };
        for (k, (_, check)) in PROPERTIES.iter().enumerate() {
            verdicts.held |= u16::from(check(v).is_ok()) << k;
        }
        for (k, situation) in SITUATIONS.iter().enumerate() {
            verdicts.reached |= u8::from(situation.reached(v)) << k;
        }
        verdicts
    })
}

/// `state`'s verdicts, from the cache when its servers were judged before.
fn verdicts(state: &RaftState) -> Verdicts {
    VERDICTS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((last, verdicts)) = &cache.last {
            if last.matches(state) {
                return *verdicts;
            }
        }
        let key = ServersKey::of(state);
        let verdicts = match cache.seen.get(&key) {
            Some(v) => *v,
            None => {
                if cache.seen.len() >= VERDICT_CACHE_CAPACITY {
                    cache.seen.clear();
                }
                let v = evaluate(state);
                cache.seen.insert(key, v);
                v
            }
        };
        cache.last = Some((key, verdicts));
        verdicts
    })
}

/// Whether `PROPERTIES[k]` holds on a state with `verdicts` (first-found flags included).
fn always_given(model: &BoundedModel, k: usize, verdicts: Verdicts) -> bool {
    let flags = &model.inner.cfg.flags;
    if flags.sticky && flags.violated[k].load(Ordering::Relaxed) {
        return true;
    }
    let held = verdicts.held & (1 << k) != 0;
    if !held {
        flags.violated[k].store(true, Ordering::Relaxed);
    }
    held
}

/// Whether `SITUATIONS[k]` is reached on a state with `verdicts` (first-found flags included).
fn sometimes_given(model: &BoundedModel, k: usize, verdicts: Verdicts) -> bool {
    let flags = &model.inner.cfg.flags;
    if flags.sticky && flags.reached[k].load(Ordering::Relaxed) {
        return false;
    }
    // Unreachable under these bounds: not worth a look at every state.
    if !applicable(SITUATIONS[k], &model.inner.cfg.bounds) {
        return false;
    }
    let reached = verdicts.reached & (1 << k) != 0;
    if reached {
        flags.reached[k].store(true, Ordering::Relaxed);
    }
    reached
}

fn always<const K: usize>(model: &BoundedModel, state: &RaftState) -> bool {
    always_given(model, K, verdicts(state))
}

fn sometimes<const K: usize>(model: &BoundedModel, state: &RaftState) -> bool {
    sometimes_given(model, K, verdicts(state))
}

/// Every verdict on one state, looked up once: `condition(k)` answers as the `k`-th of
/// `properties()` would (the same flags read and set), without a cache look-up per property.
pub struct Judgement(Verdicts);

impl Judgement {
    pub fn of(state: &RaftState) -> Judgement {
        Judgement(verdicts(state))
    }

    pub fn condition(&self, model: &BoundedModel, k: usize) -> bool {
        match k.checked_sub(PROPERTIES.len()) {
            None => always_given(model, k, self.0),
            Some(s) => sometimes_given(model, s, self.0),
        }
    }
}

type Condition = fn(&BoundedModel, &RaftState) -> bool;

const ALWAYS: [Condition; PROPERTIES.len()] = [
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
    always::<10>,
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

/// Every core property as an `always`, then every situation as a `sometimes`.
pub fn properties() -> Vec<Checked<BoundedModel>> {
    let always = PROPERTIES
        .iter()
        .zip(ALWAYS)
        .map(|((p, _), c)| Checked::always(p.name(), c));
    let sometimes = SITUATIONS
        .iter()
        .zip(SOMETIMES)
        .map(|(s, c)| Checked::sometimes(situation_name(*s), c));
    always.chain(sometimes).collect()
}
