//! Per-run budgets, so that a core stuck in a loop (a retry storm in zero virtual time, a log
//! growing without end) ends its run with a livelock verdict instead of exhausting the machine.
//! Both are counts, not bytes or seconds, so a verdict replays exactly from its seed.

use raft_core::NodeId;
use std::fmt;

/// How much one run may do and hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Operations applied to the cluster (the run's trace length).
    pub max_events: u64,
    /// The world's size (`Sim::world_size`): queued events, messages in flight with the entries
    /// they carry, log entries held in memory and persisted, and the tester's applied records.
    pub max_world: u64,
}

/// Over 200 seeds of every scenario the longest run applies under 75,000 operations and the
/// largest world holds under 67,000 items (both in the churn scenarios; the swarm prints the
/// "max events" and "max world" of each scenario): the defaults leave more than 6 times that.
/// A livelock's trace is as long as its event budget (about 50 bytes of JSON per operation).
impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_events: 500_000,
            max_world: 500_000,
        }
    }
}

/// How often (in events) the world is measured against its budget.
pub const WORLD_CHECK_EVERY: u64 = 1024;

/// Which budget a run went over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Events,
    World,
}

/// A run went over a budget: which, by how much, when, and how each server contributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Livelock {
    pub exceeded: Exceeded,
    pub limit: u64,
    pub used: u64,
    /// Virtual time (ms) at the verdict, and when the clock last moved forward.
    pub now: u64,
    pub clock_moved_at_event: u64,
    /// Per server, its share of what went over: the events it generated (the sender of a
    /// delivered or dropped message, the server of a timer or harness call), or its part of
    /// the world's size.
    pub by_server: Vec<u64>,
}

impl Livelock {
    /// The servers, busiest first, with their shares.
    pub fn busiest(&self) -> Vec<(NodeId, u64)> {
        let mut servers: Vec<(NodeId, u64)> = (0..)
            .zip(self.by_server.iter().copied())
            .filter(|&(_, n)| n > 0)
            .collect();
        servers.sort_by_key(|&(id, n)| (std::cmp::Reverse(n), id));
        servers
    }
}

impl fmt::Display for Livelock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.exceeded {
            Exceeded::Events => "events",
            Exceeded::World => "items in the world",
        };
        write!(
            f,
            "{} {what} went over the budget of {} at {:.3} s of virtual time",
            self.used,
            self.limit,
            self.now as f64 / 1000.0
        )?;
        let still = self.used.saturating_sub(self.clock_moved_at_event);
        if self.exceeded == Exceeded::Events && still > 0 {
            write!(f, ", the clock standing still for the last {still} events")?;
        }
        let servers: Vec<String> = self
            .busiest()
            .iter()
            .map(|(id, n)| format!("s{id} {n}"))
            .collect();
        write!(f, "; by server: {}", servers.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_the_busiest_servers_first() {
        let l = Livelock {
            exceeded: Exceeded::Events,
            limit: 100,
            used: 101,
            now: 1234,
            clock_moved_at_event: 11,
            by_server: vec![20, 0, 50, 31],
        };
        assert_eq!(l.busiest(), [(2, 50), (3, 31), (0, 20)]);
        assert_eq!(
            l.to_string(),
            "101 events went over the budget of 100 at 1.234 s of virtual time, the clock \
             standing still for the last 90 events; by server: s2 50, s3 31, s0 20"
        );
    }
}
