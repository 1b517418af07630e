//! Bounded liveness, checked in every scenario: once a majority of servers has been healthy
//! (up, every link among them up both ways, the network neither losing nor reordering) for
//! `LEADER_WITHIN_MS`, one of them leads at the highest term among them; and at the end of a
//! run, on the healed network, a new proposal commits on a majority within `LEADER_WITHIN_MS +
//! COMMIT_WITHIN_MS`.

use super::world::{Failure, Sim, SimResult};
use raft_core::{Command, Index, NodeId, Term};

/// How long a healthy majority may be without a leader: about eight of the longest election
/// timeouts (600 ms), room for a leader's CheckQuorum round, leases running out and a few split
/// votes; the lab's `checkOneLeader` waits about as long (10 rounds of ~500 ms).
pub const LEADER_WITHIN_MS: u64 = 5_000;
/// How much longer, after that, a proposal may take to be applied by a majority.
pub const COMMIT_WITHIN_MS: u64 = 2_000;

/// What the watch knows: every healthy majority (bit sets of servers, largest first),
/// recomputed only after a fault, since when there has been one (counted from the last fault),
/// and when it last looked.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    healthy: Vec<u8>,
    stale: bool,
    since: Option<u64>,
    looked_at: Option<u64>,
}

impl Watch {
    /// A fault changed who is up or which links are: recompute before the next check, and
    /// count the time anew (a server restarted in the same millisecond starts afresh).
    pub fn topology_changed(&mut self) {
        self.stale = true;
        self.since = None;
    }
}

fn members(set: u8, n: u8) -> impl Iterator<Item = NodeId> {
    (0..n).filter(move |&id| set & (1 << id) != 0)
}

/// Names, for messages: `s0,s2`.
fn names(set: u8, n: u8) -> String {
    members(set, n)
        .map(|id| format!("s{id}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Sim {
    /// Every majority of up servers whose links among themselves are all up both ways, the
    /// largest first (two can differ when single links are cut one way).
    fn healthy_majorities(&self) -> Vec<u8> {
        let n = self.n();
        let mut sets: Vec<u8> = (1u8..(1 << n))
            .filter(|&set| self.config().is_quorum(set.count_ones() as usize))
            .filter(|&set| {
                members(set, n)
                    .all(|a| self.is_up(a) && members(set, n).all(|b| a == b || self.link_up(a, b)))
            })
            .collect();
        sets.sort_by_key(|set| std::cmp::Reverse(set.count_ones()));
        sets
    }

    /// A leader of some healthy majority, at the highest term in it.
    fn healthy_leader(&self, sets: &[u8]) -> Option<NodeId> {
        sets.iter().find_map(|&set| self.leader_among(set))
    }

    /// The leader among `set` at the highest term any of them holds, if there is one.
    fn leader_among(&self, set: u8) -> Option<NodeId> {
        let n = self.n();
        let top: Term = members(set, n).map(|id| self.state(id).0).max()?;
        members(set, n).find(|&id| self.state(id) == (top, true))
    }

    /// After every event (at most once per virtual millisecond): fail a run in which some
    /// majority stayed healthy for `LEADER_WITHIN_MS` with no leader.
    pub(super) fn watch_liveness(&mut self) {
        if self.failure.is_some() || self.watch.looked_at == Some(self.now) {
            return;
        }
        self.watch.looked_at = Some(self.now);
        if self.watch.stale {
            self.watch.healthy = self.healthy_majorities();
            self.watch.stale = false;
        }
        if self.watch.healthy.is_empty() || self.unreliable || self.long_reordering {
            self.watch.since = None;
            return;
        }
        let since = *self.watch.since.get_or_insert(self.now);
        if self.now - since > LEADER_WITHIN_MS && self.healthy_leader(&self.watch.healthy).is_none()
        {
            let n = self.n();
            let set = self.watch.healthy[0];
            self.fail(Failure::Harness(format!(
                "liveness: no leader among {} ({}), a healthy majority since {since} ms, after \
                 {LEADER_WITHIN_MS} ms",
                names(set, n),
                members(set, n)
                    .map(|id| {
                        let (term, _) = self.state(id);
                        format!("s{id} t{term}")
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
    }

    /// Heal the network (every up server connected, every link up, no loss, no reordering),
    /// then, if the up servers are a majority, require a proposal applied by a majority within
    /// `LEADER_WITHIN_MS + COMMIT_WITHIN_MS`: a fresh command is offered to the leader, and
    /// offered again whenever another leader (or term) takes over before it commits, as the
    /// lab's `one()` retries. Returns the virtual ms from the heal to that commit (`None`: no
    /// majority up).
    pub fn check_progress_after_heal(&mut self) -> SimResult<Option<u64>> {
        self.heal();
        let healed = self.now;
        let n = self.n();
        let up = (0..n).filter(|&id| self.is_up(id)).count();
        if !self.config().is_quorum(up) {
            return Ok(None);
        }
        let majority = n as usize / 2 + 1;
        let deadline = LEADER_WITHIN_MS + COMMIT_WITHIN_MS;
        let mut offered: Vec<(Index, Command)> = Vec::new();
        let mut offered_to: Option<(NodeId, Term)> = None;
        loop {
            for &(index, command) in &offered {
                let (count, value) = self.n_committed(index)?;
                if count >= majority && value == Some(command) {
                    return Ok(Some(self.now - healed));
                }
            }
            if let Some(leader) = self.healthy_leader(&self.healthy_majorities()) {
                let term = self.state(leader).0;
                if offered_to != Some((leader, term)) {
                    let command = self.rng.next_u64() >> 1;
                    if let Some((index, _)) = self.start_ok(leader, command) {
                        offered.push((index, command));
                        offered_to = Some((leader, term));
                    }
                }
            }
            if self.now - healed > deadline {
                return Err(Failure::Harness(format!(
                    "liveness: no proposal applied by {majority} servers within {deadline} ms of \
                     healing the network ({} offered, to {})",
                    offered.len(),
                    offered_to.map_or("no leader".into(), |(l, t)| format!("s{l} in term {t}"))
                )));
            }
            self.sleep(5)?;
        }
    }
}
