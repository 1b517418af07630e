//! The catalogue: for every mutant, the smallest model-checker bounds found to expose it (with
//! why it needs them), the fuzz target that aims at its bug class, and what it should break.
//! Controls get bounds that reach the code path they change, explored exhaustively.

use crate::checker::bounds::{Bounds, NetworkKind, Strategy};
use raft_core::{Mutant, Property};

/// One row of the catalogue.
#[derive(Clone, Debug)]
pub struct Row {
    pub mutant: Mutant,
    pub bounds: Bounds,
    /// Breadth-first (shortest counterexample) or, for bugs too deep for it within the time
    /// target, depth-first with symmetry reduction (its counterexample is then shrunk).
    pub search: Strategy,
    /// Why these bounds (one line).
    pub why: &'static str,
    /// The cargo-fuzz target whose operation mix aims at this bug class.
    pub fuzz_target: &'static str,
    /// The properties the bug is expected to break (empty for controls).
    pub expected: &'static [Property],
}

/// Bounds with no crash, heartbeat or snapshot and the default network, but for what is given.
fn bounds(servers: u8, max_term: u64, proposals: u8) -> Bounds {
    Bounds {
        servers,
        max_term,
        proposals,
        heartbeats: 0,
        crashes: 0,
        restarts: 0,
        network: NetworkKind::UnorderedNonDuplicating,
        lossy: false,
        max_copies: 1,
        max_in_flight: None,
        ..Bounds::default()
    }
}

/// The same bounds with one heartbeat and one snapshot per server: a leader compacts and
/// sends InstallSnapshot to a follower whose progress it has not yet heard.
fn with_snapshot(mut b: Bounds) -> Bounds {
    b.heartbeats = 1;
    b.snapshots = 1;
    b
}

/// The same bounds with one crash and one restart.
fn with_restart(mut b: Bounds) -> Bounds {
    b.crashes = 1;
    b.restarts = 1;
    b
}

/// The same bounds on per-link FIFO queues with at most `in_flight` messages: deep scenarios
/// (three terms and more) stay within reach of breadth-first search.
fn fifo(mut b: Bounds, in_flight: usize) -> Bounds {
    b.network = NetworkKind::Ordered;
    b.max_in_flight = Some(in_flight);
    b
}

use Property::*;

/// The catalogue row of `mutant` (an exhaustive match: a new mutant needs a row to compile).
pub fn row(mutant: Mutant) -> Row {
    let (bounds, why, fuzz_target, expected): (Bounds, &str, &str, &'static [Property]) =
        match mutant {
            Mutant::VoteIgnoresVotedFor => (
                bounds(3, 1, 0),
                "two candidates in term 1 ask the same voter; no entry needed",
                "election",
                &[ElectionSafety, OneVotePerTerm],
            ),
            Mutant::VoteSkipsLogCheck => (
                bounds(3, 2, 1),
                "an entry committed in term 1, then a candidate without it wins term 2",
                "election",
                &[LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::QuorumHalfInclusive => (
                bounds(3, 1, 0),
                "with 3 servers n/2 = 1: two self-voting candidates both win term 1",
                "election",
                &[ElectionSafety],
            ),
            Mutant::CountStaleTermVotes => (
                bounds(3, 2, 0),
                "a vote granted in term 1 must reach the candidate in term 2",
                "election",
                &[ElectionSafety],
            ),
            Mutant::VoteNotPersisted => (
                with_restart(bounds(3, 1, 0)),
                "a voter must crash and restart between two candidates' requests of term 1",
                "election",
                &[ElectionSafety, OneVotePerTerm],
            ),
            Mutant::TermNotPersisted => (
                with_restart(bounds(3, 1, 0)),
                "a server must restart after reaching term 1 to come back with an older term",
                "election",
                &[ElectionSafety, StateMachineSafety, TermMonotonic],
            ),
            Mutant::AckBeforeLogPersist => (
                bounds(3, 1, 1),
                "one entry acknowledged by a follower that never persisted it",
                "replication",
                &[LeaderCompleteness, StateMachineSafety, CommittedOnMajority],
            ),
            Mutant::CommitPrevTermByCount => (
                fifo(bounds(3, 4, 2), 4),
                "Figure 8: entries of terms 1 and 2, a term-3 leader counts the term-1 entry, \
                 the term-2 holder wins term 4",
                "replication",
                &[LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::SkipPrevTermCheck => (
                fifo(bounds(3, 3, 3), 4),
                "entries of terms 1 and 2 conflict at index 1; a term-3 leader's append after \
                 it is accepted on top of the wrong entry",
                "replication",
                &[LogMatching, StateMachineSafety],
            ),
            Mutant::TruncateOnEveryAppend => (
                bounds(3, 1, 2),
                "two proposals: the later AppendEntries (both entries) arrives first, the \
                 shorter one then erases the acknowledged second entry",
                "replication",
                &[LeaderCompleteness, StateMachineSafety, CommittedOnMajority],
            ),
            Mutant::CommitOnRejectedAppend => (
                {
                    let mut b = fifo(bounds(3, 3, 2), 4);
                    b.heartbeats = 1;
                    b
                },
                "a follower holding a term-1 entry rejects a term-3 leader whose commit index \
                 (learnt by heartbeat) covers a term-2 entry there",
                "replication",
                &[StateMachineSafety],
            ),
            Mutant::MatchIndexFromCurrentState => (
                bounds(3, 1, 1),
                "a reply to the election's empty AppendEntries arrives after a proposal",
                "replication",
                &[LeaderCompleteness, StateMachineSafety, CommittedOnMajority],
            ),
            Mutant::AcceptStaleTermAppend => (
                bounds(3, 2, 2),
                "a term-1 leader's late AppendEntries overwrites an entry committed in term 2",
                "replication",
                &[LeaderCompleteness, StateMachineSafety, LeaderAppendOnly, CommittedOnMajority],
            ),
            Mutant::SnapshotDiscardsWholeLog => (
                with_snapshot(bounds(3, 1, 2)),
                "a leader compacts entry 1 and sends its snapshot to a follower that then \
                 acknowledges entry 2; the late snapshot erases the acknowledged entry",
                "replication",
                &[CommittedOnMajority, LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::StaleSnapshotRollback => (
                {
                    let mut b = with_snapshot(bounds(3, 1, 2));
                    b.max_in_flight = Some(4);
                    b
                },
                "the leader compacts entry 1 and its heartbeat sends the snapshot to a follower \
                 that already applied 1: its state machine is reset to the snapshot (once it is \
                 further ahead, a rollback)",
                "replication",
                &[CommitMonotonic, StateMachineSafety],
            ),
            Mutant::KeepVotedForOnNewTerm => (
                fifo(with_restart(bounds(3, 3, 1)), 3),
                "three terms and a restart: old votes are carried into new terms and across a crash",
                "election",
                &[],
            ),
            Mutant::SetVotedForToLeaderOnAppend => (
                fifo(with_restart(bounds(3, 3, 1)), 3),
                "three terms and a restart: followers adopt terms from AppendEntries, record the \
                 leader as their vote, persist it and restart with it",
                "replication",
                &[],
            ),
        };
    // Three or four terms of elections with entries: too deep for breadth-first search.
    let search = match mutant {
        Mutant::CommitPrevTermByCount
        | Mutant::SkipPrevTermCheck
        | Mutant::CommitOnRejectedAppend => Strategy::Dfs,
        _ => Strategy::Bfs,
    };
    Row {
        mutant,
        bounds,
        search,
        why,
        fuzz_target,
        expected,
    }
}

/// Every row, in `Mutant::ALL` order.
pub fn rows() -> Vec<Row> {
    Mutant::ALL.into_iter().map(row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_valid_and_only_controls_expect_nothing() {
        for r in rows() {
            assert_eq!(r.bounds.validate(), Ok(()), "{}", r.mutant.name());
            assert_eq!(
                r.expected.is_empty(),
                r.mutant.is_control(),
                "{}",
                r.mutant.name()
            );
            assert!(["election", "replication"].contains(&r.fuzz_target));
        }
    }
}
