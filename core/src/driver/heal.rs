//! Bounded liveness, "progress after heal": from any state a history left the cluster in, once
//! the network is healed and every server is up, a fair schedule elects a leader and commits a
//! new command within a few rounds. The schedule is plain driver operations, so a stall is a
//! trace like any other (the history, then the schedule) that `replay` tells as a story.
//!
//! The fairness the schedule assumes, and nothing more: messages are delivered (oldest first),
//! servers' election timers fire one at a time with the cluster quiet in between (no two
//! elections race), and a leader's heartbeat timer fires when the cluster is quiet. Whether a
//! server leads is read from its state; whether the command committed, from what the servers'
//! services applied (a majority must have applied it), never from what a server says.

use crate::driver::cluster::{Cluster, Op, Outcome};
use crate::judge::invariants::Violation;
use crate::protocol::node::Role;
use crate::protocol::types::{Command, NodeId};

/// How long the schedule waits before it calls the cluster stuck.
#[derive(Clone, Copy, Debug)]
pub struct Patience {
    /// Rounds of election timeouts (each fires every server's timer once), and of heartbeats.
    pub rounds: usize,
    /// Deliveries before the network counts as never quiet (a retry storm).
    pub deliveries: usize,
}

impl Default for Patience {
    fn default() -> Patience {
        // One round elects the most up-to-date server for a correct core; a second and third
        // cover the leases CheckQuorum leaves (a server refuses votes until its own timer fired).
        Patience {
            rounds: 3,
            deliveries: 10_000,
        }
    }
}

/// Where the schedule got stuck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stall {
    /// No server led the highest term after every round of election timeouts.
    NoLeader,
    /// The leader refused the command (answered `NotLeader`, or took no step).
    Refused { leader: NodeId },
    /// The command was not applied by a majority after every round of heartbeats.
    NotCommitted { leader: NodeId },
    /// The network never went quiet: messages kept coming.
    Storm,
    /// A safety property broke during the schedule.
    Violated(Violation),
}

impl std::fmt::Display for Stall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stall::NoLeader => f.write_str("no leader was elected"),
            Stall::Refused { leader } => write!(f, "leader s{leader} refused a proposal"),
            Stall::NotCommitted { leader } => write!(
                f,
                "leader s{leader} took a proposal that a majority never applied"
            ),
            Stall::Storm => f.write_str("the network never went quiet (a message storm)"),
            Stall::Violated(v) => write!(f, "a safety property broke: {v}"),
        }
    }
}

/// The schedule's operations, and where it got stuck if it did.
#[derive(Clone, Debug)]
pub struct Healing {
    pub ops: Vec<Op>,
    pub stall: Option<Stall>,
}

/// Run the healing schedule on `cluster` (the caller's copy changes): heal the network, restart
/// every crashed server, elect a leader, propose `command` there and wait for a majority to apply
/// it.
pub fn heal_and_progress(cluster: &mut Cluster, command: Command, patience: Patience) -> Healing {
    let mut schedule = Schedule {
        cluster,
        ops: Vec::new(),
        patience,
    };
    let stall = schedule.run(command).err();
    Healing {
        ops: schedule.ops,
        stall,
    }
}

struct Schedule<'a> {
    cluster: &'a mut Cluster,
    ops: Vec<Op>,
    patience: Patience,
}

impl Schedule<'_> {
    fn run(&mut self, command: Command) -> Result<(), Stall> {
        self.apply(Op::Heal)?;
        let n = self.cluster.config().cluster_size;
        for node in 0..n {
            if !self.cluster.is_up(node) {
                self.apply(Op::Restart { node })?;
            }
        }
        self.quiesce()?;
        let leader = self.elect()?;
        if self.apply(Op::Propose {
            node: leader,
            command,
        })? != Outcome::Done
            || !self.took(leader, command)
        {
            return Err(Stall::Refused { leader });
        }
        self.quiesce()?;
        for _ in 0..self.patience.rounds {
            if self.committed(command) {
                return Ok(());
            }
            self.apply(Op::HeartbeatTimeout { node: leader })?;
            self.quiesce()?;
        }
        if self.committed(command) {
            Ok(())
        } else {
            Err(Stall::NotCommitted { leader })
        }
    }

    fn apply(&mut self, op: Op) -> Result<Outcome, Stall> {
        let outcome = self.cluster.apply(&op).map_err(Stall::Violated)?;
        self.ops.push(op);
        Ok(outcome)
    }

    /// Deliver the oldest message until none is in flight.
    fn quiesce(&mut self) -> Result<(), Stall> {
        for _ in 0..self.patience.deliveries {
            if self.cluster.network().is_empty() {
                return Ok(());
            }
            self.apply(Op::Deliver { msg: 0 })?;
        }
        if self.cluster.network().is_empty() {
            Ok(())
        } else {
            Err(Stall::Storm)
        }
    }

    /// Fire each server's election timer in turn, the cluster quiet in between, until a server
    /// leads the highest term any server has.
    fn elect(&mut self) -> Result<NodeId, Stall> {
        let n = self.cluster.config().cluster_size;
        for _ in 0..self.patience.rounds {
            for node in 0..n {
                if let Some(leader) = self.leader() {
                    return Ok(leader);
                }
                self.apply(Op::ElectionTimeout { node })?;
                self.quiesce()?;
            }
        }
        self.leader().ok_or(Stall::NoLeader)
    }

    /// The server that leads the highest term held by any server, if one does.
    fn leader(&self) -> Option<NodeId> {
        let n = self.cluster.config().cluster_size;
        let nodes = (0..n).filter_map(|id| Some((id, self.cluster.node(id)?)));
        let top = nodes.clone().map(|(_, node)| node.current_term()).max()?;
        nodes
            .filter(|(_, node)| node.current_term() == top)
            .find(|(_, node)| matches!(node.role(), Role::Leader { .. }))
            .map(|(id, _)| id)
    }

    /// Whether the leader's log now holds `command` (it took the proposal).
    fn took(&self, leader: NodeId, command: Command) -> bool {
        self.cluster.node(leader).is_some_and(|node| {
            let log = node.log();
            (log.snapshot_index() + 1..=log.last_index())
                .any(|i| log.entry(i).is_some_and(|e| e.command == Some(command)))
        })
    }

    /// Whether a majority of services applied `command`.
    fn committed(&self, command: Command) -> bool {
        let n = self.cluster.config().cluster_size;
        let applied = (0..n)
            .filter(|&id| self.cluster.service(id).contains(&Some(command)))
            .count();
        self.cluster.config().is_quorum(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::config::Config;

    fn cluster(n: u8) -> Cluster {
        Cluster::new(Config::new(n)).expect("a valid size")
    }

    /// The command a healing schedule proposes in these tests (no history proposes it).
    const NEW: Command = 9_999;

    fn heals(cluster: &mut Cluster) -> Healing {
        heal_and_progress(cluster, NEW, Patience::default())
    }

    #[test]
    fn a_fresh_cluster_elects_and_commits() {
        for n in [1, 2, 3, 4, 5, 7] {
            let mut c = cluster(n);
            let healing = heals(&mut c);
            assert_eq!(healing.stall, None, "{n} servers");
            assert!(healing.ops.contains(&Op::Propose {
                node: 0,
                command: NEW
            }));
        }
    }

    #[test]
    fn crashed_servers_are_restarted_and_partitions_healed() {
        let mut c = cluster(5);
        for op in [
            Op::ElectionTimeout { node: 1 },
            Op::Partition { group: vec![0, 1] },
            Op::Crash { node: 2 },
            Op::Crash { node: 3 },
        ] {
            c.apply(&op).expect("a correct core");
        }
        let healing = heals(&mut c);
        assert_eq!(healing.stall, None);
        assert!((0..5).all(|id| c.is_up(id)));
    }

    #[test]
    fn a_leader_that_is_behind_the_highest_term_does_not_count() {
        // s0 leads term 1, then s1 times out alone (term 2): the schedule must elect again.
        let mut c = cluster(3);
        c.apply(&Op::ElectionTimeout { node: 0 }).expect("correct");
        while !c.network().is_empty() {
            c.apply(&Op::Deliver { msg: 0 }).expect("correct");
        }
        c.apply(&Op::ElectionTimeout { node: 1 }).expect("correct");
        let healing = heals(&mut c);
        assert_eq!(healing.stall, None);
        let top = (0..3)
            .filter_map(|id| c.node(id))
            .map(|n| n.current_term())
            .max();
        assert!(top >= Some(2));
    }

    #[test]
    fn the_schedule_replays_to_the_same_cluster() {
        let mut c = cluster(3);
        let start = c.clone();
        let healing = heals(&mut c);
        let mut again = start;
        for op in &healing.ops {
            again.apply(op).expect("a correct core");
        }
        assert_eq!(again, c);
    }

    #[cfg(feature = "mutants")]
    #[test]
    fn a_storm_is_a_stall_not_a_hang() {
        let mut config = Config::new(3);
        config.mutant = Some(crate::protocol::mutants::Mutant::ElectionTimerStorm);
        let mut c = Cluster::new(config).expect("valid");
        let healing = heal_and_progress(
            &mut c,
            NEW,
            Patience {
                rounds: 3,
                deliveries: 2_000,
            },
        );
        assert!(healing.stall.is_some(), "{:?}", healing.stall);
    }
}
