//! A compact encoding of model states for the breadth-first search's level queue: each distinct
//! server state and each distinct message is kept once in `Tables` (ids `u32`), so a queued state
//! is a few words (server ids, crashed and timer bits, the network as message ids), decoded back
//! to the very same `RaftState` when it is expanded.

use super::actors::{ModelTimer, NoHistory, RaftState, Saved, ServerState, Wire};
use raft_core::MAX_SERVERS;
use stateright::actor::{Envelope, Id, Network, Timers};
use std::sync::Arc;

const MAX: usize = MAX_SERVERS as usize;

/// Distinct values, each with its id (its place in `items`) and its hash, found by hash through
/// an open-addressing table of ids.
struct Interned<T> {
    items: Vec<(T, u64)>,
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

impl<T> Default for Interned<T> {
    fn default() -> Self {
        Interned {
            items: Vec::new(),
            slots: vec![EMPTY; 1 << 8],
        }
    }
}

impl<T> Interned<T> {
    /// The id of `item` (hash `hash`, equal by `eq`), added (as `make()`) if it is new.
    fn id(&mut self, hash: u64, eq: impl Fn(&T) -> bool, make: impl FnOnce() -> T) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let id = self.slots[i];
            if id == EMPTY {
                break;
            }
            let (item, h) = &self.items[id as usize];
            if *h == hash && eq(item) {
                return id;
            }
            i = (i + 1) & mask;
        }
        let id = u32::try_from(self.items.len()).expect("fewer than 2^32 distinct values");
        self.slots[i] = id;
        self.items.push((make(), hash));
        if self.items.len() * 4 > self.slots.len() * 3 {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        self.slots = vec![EMPTY; self.slots.len() * 2];
        let mask = self.slots.len() - 1;
        for (id, (_, hash)) in self.items.iter().enumerate() {
            let mut i = *hash as usize & mask;
            while self.slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = id as u32;
        }
    }

    fn get(&self, id: u32) -> &T {
        &self.items[id as usize].0
    }
}

/// A server's storage: none, the same as its state's own fields (what `RaftActor` always
/// saves), or an entry of `Tables::saved`.
const NO_STORAGE: u32 = u32::MAX;
const MIRRORED: u32 = u32::MAX - 1;

/// The fixed-key hasher of messages.
fn message_hash(msg: &Wire) -> u64 {
    ahash::RandomState::with_seeds(0x4d53_4720, 0x5441_424c, 0x4520_4f46, 0x2049_4453).hash_one(msg)
}

/// The interned server states and messages of one search (never emptied: ids stay valid).
#[derive(Default)]
pub struct Tables {
    servers: Interned<Arc<ServerState>>,
    messages: Interned<Wire>,
    /// Storages that are not their server's own fields (none with this model's actors).
    saved: Vec<Saved>,
    timer_sets: TimerSets,
}

/// A server's armed timers for each of the 16 values of its four bits, built once: cloning a
/// set is cheaper than building it (a hasher seed and an insert per timer) at every unpacking.
struct TimerSets([Timers<ModelTimer>; 16]);

impl Default for TimerSets {
    fn default() -> TimerSets {
        TimerSets(std::array::from_fn(|bits| {
            let mut timers = Timers::new();
            for t in TIMERS {
                if bits as u32 & timer_bit(t) != 0 {
                    timers.set(t);
                }
            }
            timers
        }))
    }
}

/// Whether `saved` holds the same as `state`'s own fields.
fn mirrors(saved: &Saved, state: &ServerState) -> bool {
    let same_durable = match (&saved.durable, &state.durable) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        (None, None) => true,
        _ => false,
    };
    same_durable
        && (Arc::ptr_eq(&saved.history, &state.history) || saved.history == state.history)
        && (saved.proposed, saved.heartbeats, saved.snapshots)
            == (state.proposed, state.heartbeats, state.snapshots)
}

/// The bit of each timer in a server's four.
pub fn timer_bit(t: ModelTimer) -> u32 {
    match t {
        ModelTimer::Election => 1,
        ModelTimer::Heartbeat => 2,
        ModelTimer::Propose => 4,
        ModelTimer::Snapshot => 8,
    }
}

const TIMERS: [ModelTimer; 4] = [
    ModelTimer::Election,
    ModelTimer::Heartbeat,
    ModelTimer::Propose,
    ModelTimer::Snapshot,
];

/// One envelope (or, on the unordered non-duplicating network, `count` copies of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Env {
    src: u8,
    dst: u8,
    count: u16,
    msg: u32,
}

impl Env {
    fn word(self) -> u32 {
        u32::from(self.src) | u32::from(self.dst) << 8 | u32::from(self.count) << 16
    }

    fn from_words(word: u32, msg: u32) -> Env {
        Env {
            src: word as u8,
            dst: (word >> 8) as u8,
            count: (word >> 16) as u16,
            msg,
        }
    }
}

/// A state as ids into `Tables`. Its words (`write`): the crashed bits and the envelope count,
/// the timer bits (four a server), the server ids, the storages, then two words an envelope (the
/// ordered network's in queue order), then the last delivered envelope of the duplicating network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packed {
    servers: [u32; MAX],
    storage: [u32; MAX],
    crashed: u8,
    timers: u32,
    net: Vec<Env>,
    last: Option<Env>,
}

impl Tables {
    fn server(&mut self, state: &Arc<ServerState>) -> u32 {
        self.servers.id(
            state.digest(),
            // The search tells servers apart by their digest alone (`bfs::fingerprint`), so
            // the table may too: comparing whole nodes and histories would decide nothing more.
            |_| true,
            || Arc::clone(state),
        )
    }

    fn env(&mut self, env: Envelope<&Wire>, count: usize) -> Env {
        let msg = self.messages.id(
            message_hash(env.msg),
            |m| Arc::ptr_eq(&m.0, &env.msg.0) || m == env.msg,
            || env.msg.clone(),
        );
        Env {
            src: usize::from(env.src) as u8,
            dst: usize::from(env.dst) as u8,
            count: u16::try_from(count).expect("fewer than 2^16 copies of a message"),
            msg,
        }
    }

    /// `state` as ids (interning what is new).
    pub fn pack(&mut self, state: &RaftState) -> Packed {
        assert!(
            state.random_choices.iter().all(|r| r.map.is_empty()),
            "the model makes no random choices"
        );
        let mut p = Packed {
            servers: [0; MAX],
            storage: [NO_STORAGE; MAX],
            crashed: 0,
            timers: 0,
            net: Vec::new(),
            last: None,
        };
        for (i, s) in state.actor_states.iter().enumerate() {
            p.servers[i] = self.server(s);
            p.crashed |= u8::from(state.crashed[i]) << i;
            for t in state.timers_set[i].iter() {
                p.timers |= timer_bit(*t) << (4 * i);
            }
            p.storage[i] = match &state.actor_storages[i] {
                None => NO_STORAGE,
                Some(saved) if mirrors(saved, s) => MIRRORED,
                Some(saved) => {
                    self.saved.push(saved.clone());
                    u32::try_from(self.saved.len() - 1).expect("fewer than 2^32 storages")
                }
            };
        }
        match &state.network {
            Network::UnorderedNonDuplicating(multiset) => {
                for (env, count) in multiset.iter() {
                    let e = self.env(env.to_ref(), *count);
                    p.net.push(e);
                }
            }
            Network::Ordered(flows) => {
                for ((src, dst), queue) in flows.iter() {
                    for msg in queue {
                        let env = Envelope {
                            src: *src,
                            dst: *dst,
                            msg,
                        };
                        let e = self.env(env, 1);
                        p.net.push(e);
                    }
                }
            }
            Network::UnorderedDuplicating(set, last) => {
                for env in set.iter() {
                    let e = self.env(env.to_ref(), 1);
                    p.net.push(e);
                }
                p.last = last.as_ref().map(|env| self.env(env.to_ref(), 1));
            }
        }
        p
    }

    fn wire(&self, e: &Env) -> Envelope<Wire> {
        Envelope {
            src: Id::from(usize::from(e.src)),
            dst: Id::from(usize::from(e.dst)),
            msg: self.messages.get(e.msg).clone(),
        }
    }

    /// The state `p` stands for, on `n` servers, on a network of the kind of `like`.
    pub fn unpack(&self, p: &Packed, n: usize, like: &Network<Wire>) -> RaftState {
        let actor_states: Vec<Arc<ServerState>> = (0..n)
            .map(|i| Arc::clone(self.servers.get(p.servers[i])))
            .collect();
        let actor_storages = (0..n)
            .map(|i| match p.storage[i] {
                NO_STORAGE => None,
                MIRRORED => {
                    let s = &actor_states[i];
                    Some(Saved {
                        durable: s.durable.clone(),
                        history: Arc::clone(&s.history),
                        proposed: s.proposed,
                        heartbeats: s.heartbeats,
                        snapshots: s.snapshots,
                    })
                }
                k => Some(self.saved[k as usize].clone()),
            })
            .collect();
        let timers_set = (0..n)
            .map(|i| self.timer_sets.0[(p.timers >> (4 * i) & 0xf) as usize].clone())
            .collect();
        let envelopes = p.net.iter().flat_map(|e| {
            let env = self.wire(e);
            std::iter::repeat_n(env, usize::from(e.count))
        });
        let network = match like {
            Network::UnorderedNonDuplicating(_) => Network::new_unordered_nonduplicating(envelopes),
            Network::Ordered(_) => Network::new_ordered(envelopes),
            Network::UnorderedDuplicating(..) => Network::new_unordered_duplicating_with_last_msg(
                envelopes,
                p.last.as_ref().map(|e| self.wire(e)),
            ),
        };
        RaftState {
            actor_states,
            network,
            timers_set,
            random_choices: vec![Default::default(); n],
            crashed: (0..n).map(|i| p.crashed >> i & 1 != 0).collect(),
            history: NoHistory,
            actor_storages,
        }
    }
}

impl Packed {
    /// How many words `write` takes (for `n` servers).
    pub fn words(&self, n: usize) -> usize {
        2 + 2 * n + 2 * (self.net.len() + usize::from(self.last.is_some()))
    }

    /// Append this state's words (for `n` servers) to `out`.
    pub fn write(&self, n: usize, out: &mut Vec<u32>) {
        let has_last = u32::from(self.last.is_some());
        out.push(u32::from(self.crashed) | (self.net.len() as u32) << 8 | has_last << 31);
        out.push(self.timers);
        out.extend_from_slice(&self.servers[..n]);
        out.extend_from_slice(&self.storage[..n]);
        for e in self.net.iter().chain(&self.last) {
            out.push(e.word());
            out.push(e.msg);
        }
    }

    /// The state (on `n` servers) whose words start `words`, and how many words it took.
    pub fn read(words: &[u32], n: usize) -> (Packed, usize) {
        let head = words[0];
        let envelopes = (head >> 8 & 0x7f_ffff) as usize;
        let has_last = head >> 31 != 0;
        let mut p = Packed {
            servers: [0; MAX],
            storage: [NO_STORAGE; MAX],
            crashed: head as u8,
            timers: words[1],
            net: Vec::with_capacity(envelopes),
            last: None,
        };
        p.servers[..n].copy_from_slice(&words[2..2 + n]);
        p.storage[..n].copy_from_slice(&words[2 + n..2 + 2 * n]);
        let mut k = 2 + 2 * n;
        for _ in 0..envelopes {
            p.net.push(Env::from_words(words[k], words[k + 1]));
            k += 2;
        }
        if has_last {
            p.last = Some(Env::from_words(words[k], words[k + 1]));
            k += 2;
        }
        (p, k)
    }
}

/// `Envelope<Msg>` by reference, as stateright's iterators give them.
trait ToRef {
    fn to_ref(&self) -> Envelope<&Wire>;
}

impl ToRef for Envelope<Wire> {
    fn to_ref(&self) -> Envelope<&Wire> {
        Envelope {
            src: self.src,
            dst: self.dst,
            msg: &self.msg,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::actors::build_model;
    use crate::checker::bounds::{Bounds, NetworkKind};
    use raft_core::Config;
    use stateright::Model;
    use std::collections::HashSet;

    /// The states of a breadth-first search of `bounds` (stateright's, to the first `limit`).
    fn states(bounds: &Bounds, limit: usize) -> Vec<RaftState> {
        let model = build_model(&Config::new(bounds.servers), bounds);
        let mut seen = HashSet::new();
        let mut queue = std::collections::VecDeque::from(model.init_states());
        let mut all = Vec::new();
        let mut actions = Vec::new();
        while let Some(s) = queue.pop_front() {
            if all.len() >= limit || !seen.insert(super::super::bfs::fingerprint(&s)) {
                continue;
            }
            actions.clear();
            model.actions(&s, &mut actions);
            for a in actions.drain(..) {
                queue.extend(model.next_state(&s, a));
            }
            all.push(s);
        }
        all
    }

    /// Every state packs, writes, reads and unpacks to itself, on every network (lossy,
    /// crashing, snapshotting), and equal states pack alike.
    #[test]
    fn states_round_trip_through_their_words() {
        for network in [
            NetworkKind::UnorderedNonDuplicating,
            NetworkKind::UnorderedDuplicating,
            NetworkKind::Ordered,
        ] {
            let bounds = Bounds {
                servers: 3,
                max_term: 2,
                proposals: 2,
                heartbeats: 1,
                snapshots: 1,
                crashes: 1,
                restarts: 1,
                network,
                lossy: true,
                max_copies: 2,
                max_in_flight: Some(3),
            };
            let model = build_model(&Config::new(3), &bounds);
            let mut tables = Tables::default();
            let mut words = Vec::new();
            let all = states(&bounds, 20_000);
            for s in &all {
                tables.pack(s).write(3, &mut words);
            }
            let mut k = 0;
            for s in &all {
                let (p, used) = Packed::read(&words[k..], 3);
                k += used;
                let back = tables.unpack(&p, 3, &model.init_network);
                assert!(back == *s, "{network:?}: {s:?}\nbecame {back:?}");
                assert_eq!(
                    super::super::bfs::fingerprint(&back),
                    super::super::bfs::fingerprint(s)
                );
                let (mut again, mut p) = (tables.pack(&back), p);
                if network != NetworkKind::Ordered {
                    // A hash map's order is its insertion history's, not the state's.
                    again.net.sort_by_key(|e| (e.word(), e.msg));
                    p.net.sort_by_key(|e| (e.word(), e.msg));
                }
                assert_eq!(again, p);
            }
            assert_eq!(k, words.len());
        }
    }
}
