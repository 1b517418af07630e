//! The simulator's event queue: events ordered by (time, random tie, sequence), and one
//! election and one heartbeat timer per server, where arming a timer replaces its queued event.
//! A replaced event is stale: it is skipped when it comes up, and the heap is rebuilt without
//! stale events once they outnumber the live ones (and number 64), so a server re-arming its
//! timers in a loop does not grow the queue.

use super::world::InFlight;
use raft_core::NodeId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Debug)]
pub(super) enum Ev {
    Message(InFlight),
    Timer(TimerEv),
    /// A harness task (concurrent client) wakes up.
    Wake {
        task: usize,
    },
}

/// A server's timer firing; `gen` tells a live event from a replaced one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TimerEv {
    pub kind: TimerKind,
    pub node: NodeId,
    gen: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TimerKind {
    Election,
    Heartbeat,
}

/// One timer of one server: the generation of its armed event, and whether that event is in
/// the queue (armed and not yet fired).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    gen: u64,
    queued: bool,
}

struct Scheduled {
    key: (u64, u64, u64),
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// Fewest stale events worth a rebuild.
const PRUNE_AT: usize = 64;

pub(super) struct Queue {
    heap: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    /// Per server: its election timer and its heartbeat timer.
    slots: Vec<[Slot; 2]>,
    /// Replaced timer events still in the heap.
    stale: usize,
}

impl Queue {
    pub fn new(servers: usize) -> Queue {
        Queue {
            heap: BinaryHeap::new(),
            seq: 0,
            slots: vec![[Slot::default(); 2]; servers],
            stale: 0,
        }
    }

    /// Events in the heap, stale ones included (what the queue holds in memory).
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Queue a message or a wake-up at `at`; `tie` orders events of the same millisecond.
    pub fn push(&mut self, at: u64, tie: u64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse(Scheduled {
            key: (at, tie, self.seq),
            ev,
        }));
    }

    /// Arm `node`'s timer of `kind` to fire at `at`, replacing its queued event if any.
    pub fn arm(&mut self, kind: TimerKind, node: NodeId, at: u64, tie: u64) {
        self.disarm(kind, node);
        let slot = &mut self.slots[node as usize][kind as usize];
        slot.queued = true;
        let gen = slot.gen;
        self.push(at, tie, Ev::Timer(TimerEv { kind, node, gen }));
    }

    /// Cancel `node`'s timer of `kind`: its queued event, if any, becomes stale.
    pub fn disarm(&mut self, kind: TimerKind, node: NodeId) {
        let slot = &mut self.slots[node as usize][kind as usize];
        slot.gen += 1;
        if std::mem::take(&mut slot.queued) {
            self.stale += 1;
            self.prune();
        }
    }

    /// The time of the next live event, if any (stale events on top are dropped).
    pub fn next_at(&mut self) -> Option<u64> {
        while let Some(Reverse(top)) = self.heap.peek() {
            if self.is_live(&top.ev) {
                return Some(top.key.0);
            }
            self.heap.pop();
            self.stale -= 1;
        }
        None
    }

    /// Take the next live event and its time.
    pub fn pop(&mut self) -> Option<(u64, Ev)> {
        self.next_at()?;
        let Reverse(Scheduled { key, ev }) = self.heap.pop()?;
        if let Ev::Timer(t) = &ev {
            self.slots[t.node as usize][t.kind as usize].queued = false;
        }
        Some((key.0, ev))
    }

    /// The server each queued event belongs to (a message its sender, a timer its server, a
    /// harness wake-up none), stale events included.
    pub fn owners(&self) -> impl Iterator<Item = Option<NodeId>> + '_ {
        self.heap.iter().map(|Reverse(s)| match &s.ev {
            Ev::Message(m) => Some(m.sender()),
            Ev::Timer(t) => Some(t.node),
            Ev::Wake { .. } => None,
        })
    }

    fn is_live(&self, ev: &Ev) -> bool {
        match ev {
            Ev::Timer(t) => self.slots[t.node as usize][t.kind as usize].gen == t.gen,
            Ev::Message(_) | Ev::Wake { .. } => true,
        }
    }

    /// Rebuild the heap without its stale events once they outnumber the live ones and number
    /// `PRUNE_AT` at least: each rebuild costs at most twice the stale events it removes, and
    /// small heaps (a normal run's) are left to drop their stale events as they come up.
    fn prune(&mut self) {
        if self.stale < PRUNE_AT || self.stale <= self.heap.len() - self.stale {
            return;
        }
        let mut events = std::mem::take(&mut self.heap).into_vec();
        events.retain(|Reverse(s)| self.is_live(&s.ev));
        self.heap = BinaryHeap::from(events);
        self.stale = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(ev: Ev) -> TimerEv {
        match ev {
            Ev::Timer(t) => t,
            other => panic!("expected a timer, got {other:?}"),
        }
    }

    #[test]
    fn a_rearmed_timer_fires_once_at_its_last_time() {
        let mut q = Queue::new(2);
        q.arm(TimerKind::Election, 0, 500, 1);
        q.arm(TimerKind::Election, 0, 300, 2);
        q.arm(TimerKind::Heartbeat, 1, 400, 3);
        q.arm(TimerKind::Election, 0, 700, 4);
        let (at, ev) = q.pop().expect("the heartbeat");
        assert_eq!((at, timer(ev).kind), (400, TimerKind::Heartbeat));
        let (at, ev) = q.pop().expect("the last election timer");
        assert_eq!((at, timer(ev).node), (700, 0));
        assert!(q.pop().is_none(), "the replaced ones never fire");
    }

    #[test]
    fn a_disarmed_timer_never_fires() {
        let mut q = Queue::new(1);
        q.arm(TimerKind::Heartbeat, 0, 100, 1);
        q.disarm(TimerKind::Heartbeat, 0);
        q.push(200, 2, Ev::Wake { task: 7 });
        assert!(matches!(q.pop(), Some((200, Ev::Wake { task: 7 }))));
        assert!(q.pop().is_none());
    }

    /// Servers re-arming their timers a million times in the same millisecond (the clock never
    /// reaches the replaced events) leave at most twice the live events, or `PRUNE_AT` more
    /// than them, in the heap.
    #[test]
    fn rearming_in_a_loop_does_not_grow_the_queue() {
        let mut q = Queue::new(3);
        for k in 0..10 {
            q.push(5, k, Ev::Wake { task: k as usize });
        }
        for k in 0..1_000_000u64 {
            let node = (k % 3) as NodeId;
            q.arm(TimerKind::Election, node, 300 + k % 300, k);
            if k % 2 == 0 {
                q.arm(TimerKind::Heartbeat, node, 100, k);
            }
            assert!(
                q.len() <= 2 * (10 + 6) + PRUNE_AT,
                "{} events queued",
                q.len()
            );
        }
        let fired: Vec<(u64, Ev)> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            fired.len(),
            10 + 6,
            "the wakes and each server's two timers"
        );
    }
}
