//! The scenario catalogue (section 9 of the suite reference): each of the lab's 3A-3D tests,
//! step by step in virtual time, named after the Go test, plus the 2026-edition variants. A
//! scenario is a function of a fresh `Sim`.

mod election;
mod liveness;
mod persistence;
mod replication;
mod snapshots;

pub use liveness::RECOVERY_WITHIN_MS;
pub use snapshots::MAX_RETAINED_ENTRIES;

use super::world::{Sim, SimResult};
use raft_core::{Command, NodeId, Situation};

/// One lab test ported to the simulator.
pub struct Scenario {
    /// The Go test's name without its `Test` prefix, e.g. `InitialElection3A`.
    pub name: &'static str,
    /// Number of servers.
    pub servers: u8,
    pub run: fn(&mut Sim) -> SimResult<()>,
    /// Situations every run must reach, else the pass is vacuous.
    pub reaches: &'static [Situation],
}

pub const ALL: &[Scenario] = &[
    scenario("InitialElection3A", 3, election::initial_election, ELECTED),
    scenario("ReElection3A", 3, election::re_election, ELECTED),
    scenario("ManyElections3A", 7, election::many_elections, ELECTED),
    scenario("BasicAgree3B", 3, replication::basic_agree, COMMITTED),
    scenario("RPCBytes3B", 3, replication::rpc_bytes, COMMITTED),
    scenario(
        "FollowerFailure3B",
        3,
        replication::follower_failure,
        COMMITTED,
    ),
    scenario(
        "LeaderFailure3B",
        3,
        replication::leader_failure,
        NEW_LEADER,
    ),
    scenario("FailAgree3B", 3, replication::fail_agree, COMMITTED),
    scenario("FailNoAgree3B", 5, replication::fail_no_agree, COMMITTED),
    scenario(
        "ConcurrentStarts3B",
        3,
        replication::concurrent_starts,
        COMMITTED,
    ),
    scenario("Rejoin3B", 3, replication::rejoin, REPAIRED),
    scenario("Backup3B", 5, replication::backup, REPAIRED),
    scenario("Count3B", 3, replication::count, COMMITTED),
    scenario("Persist13C", 3, persistence::persist1, RESTARTED),
    scenario("Persist23C", 5, persistence::persist2, RESTARTED),
    scenario("Persist33C", 3, persistence::persist3, RESTARTED),
    scenario("Figure83C", 5, persistence::figure8, RESTARTED),
    scenario(
        "UnreliableAgree3C",
        5,
        persistence::unreliable_agree,
        COMMITTED,
    ),
    scenario(
        "Figure8Unreliable3C",
        5,
        persistence::figure8_unreliable,
        NEW_LEADER,
    ),
    scenario("ReliableChurn3C", 5, persistence::reliable_churn, COMMITTED),
    scenario(
        "UnreliableChurn3C",
        5,
        persistence::unreliable_churn,
        COMMITTED,
    ),
    scenario("Persist13C-2026", 3, persistence::persist1_crash, RESTARTED),
    scenario("Persist23C-2026", 5, persistence::persist2_crash, RESTARTED),
    scenario("Persist33C-2026", 3, persistence::persist3_crash, RESTARTED),
    scenario("SnapshotBasic3D", 3, snapshots::basic, COMMITTED),
    scenario("SnapshotInstall3D", 3, snapshots::install, INSTALLED),
    scenario(
        "SnapshotInstallUnreliable3D",
        3,
        snapshots::install_unreliable,
        INSTALLED,
    ),
    scenario(
        "SnapshotInstallCrash3D",
        3,
        snapshots::install_crash,
        INSTALLED_AFTER_RESTART,
    ),
    scenario(
        "SnapshotInstallUnCrash3D",
        3,
        snapshots::install_uncrash,
        INSTALLED_AFTER_RESTART,
    ),
    scenario("SnapshotAllCrash3D", 3, snapshots::all_crash, FROM_SNAPSHOT),
    scenario("SnapshotInit3D", 3, snapshots::init, FROM_SNAPSHOT),
    scenario(
        "SnapshotAllCrash3D-2026",
        3,
        snapshots::all_crash_unreliable,
        FROM_SNAPSHOT,
    ),
    scenario(
        "SnapshotInit3D-2026",
        3,
        snapshots::init_unreliable,
        FROM_SNAPSHOT,
    ),
    // Issue 14's liveness scenarios (part "LV"), named with their number of servers.
    scenario("DeafLeader3LV", 3, liveness::deaf_leader, NEW_LEADER),
    scenario("DeafLeader5LV", 5, liveness::deaf_leader, NEW_LEADER),
    scenario("DeafLeader7LV", 7, liveness::deaf_leader, NEW_LEADER),
    scenario("MuteLeader3LV", 3, liveness::mute_leader, NEW_LEADER),
    scenario("MuteLeader5LV", 5, liveness::mute_leader, NEW_LEADER),
    scenario("MuteLeader7LV", 7, liveness::mute_leader, NEW_LEADER),
    scenario(
        "RejoinNoElection3LV",
        3,
        liveness::rejoin_no_election,
        COMMITTED,
    ),
    scenario(
        "RejoinNoElection5LV",
        5,
        liveness::rejoin_no_election,
        COMMITTED,
    ),
    scenario(
        "RejoinNoElection7LV",
        7,
        liveness::rejoin_no_election,
        COMMITTED,
    ),
    scenario("LeaderLinkCut3LV", 3, liveness::leader_link_cut, COMMITTED),
    scenario("LeaderLinkCut5LV", 5, liveness::leader_link_cut, COMMITTED),
    scenario("LeaderLinkCut7LV", 7, liveness::leader_link_cut, COMMITTED),
    scenario(
        "FlappingPartition3LV",
        3,
        liveness::flapping_partition,
        COMMITTED,
    ),
    scenario(
        "FlappingPartition5LV",
        5,
        liveness::flapping_partition,
        COMMITTED,
    ),
    scenario(
        "FlappingPartition7LV",
        7,
        liveness::flapping_partition,
        COMMITTED,
    ),
];

const fn scenario(
    name: &'static str,
    servers: u8,
    run: fn(&mut Sim) -> SimResult<()>,
    reaches: &'static [Situation],
) -> Scenario {
    Scenario {
        name,
        servers,
        run,
        reaches,
    }
}

const ELECTED: &[Situation] = &[Situation::LeaderElected];
const COMMITTED: &[Situation] = &[Situation::LeaderElected, Situation::EntryCommitted];
const NEW_LEADER: &[Situation] = &[
    Situation::EntryCommitted,
    Situation::LeaderChangeAfterCommit,
];
const REPAIRED: &[Situation] = &[
    Situation::LeaderChangeAfterCommit,
    Situation::ConflictRepaired,
];
const RESTARTED: &[Situation] = &[
    Situation::LeaderChangeAfterCommit,
    Situation::VoterRestarted,
];

const INSTALLED: &[Situation] = &[Situation::EntryCommitted, Situation::SnapshotInstalled];
const INSTALLED_AFTER_RESTART: &[Situation] = &[
    Situation::SnapshotInstalled,
    Situation::RestartedFromSnapshot,
];
const FROM_SNAPSHOT: &[Situation] = &[Situation::EntryCommitted, Situation::RestartedFromSnapshot];

/// The scenario called `name` (exact, case-insensitive).
pub fn find(name: &str) -> Option<&'static Scenario> {
    ALL.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// The lab parts, in order, then issue 14's liveness scenarios (`LV`); every scenario
/// belongs to one (`3A-3D`: the lab's 33).
pub const PARTS: [&str; 5] = ["3A", "3B", "3C", "3D", "LV"];

impl Scenario {
    /// The lab part (`3A`..`3D`): the end of the Go test's name, before any `-2026`.
    pub fn part(&self) -> &'static str {
        let name = self.name.strip_suffix("-2026").unwrap_or(self.name);
        &name[name.len().saturating_sub(2)..]
    }
}

/// A fresh random command (the lab's `rand.Int()`: 63 bits).
fn rand_cmd(sim: &mut Sim) -> Command {
    sim.rng.next_u64() >> 1
}

/// Server `(base + k) mod n`, the lab's `(leader + k) % servers`.
fn plus(sim: &Sim, base: NodeId, k: u8) -> NodeId {
    (base + k) % sim.n()
}

fn harness(msg: impl Into<String>) -> super::world::Failure {
    super::world::Failure::Harness(msg.into())
}
