//! The catalogue: for every mutant, the smallest model-checker bounds found to expose it (with
//! why it needs them), the fuzz target that aims at its bug class, and what it should break.
//! Controls get bounds that reach the code path they change, explored exhaustively.

use crate::checker::bounds::{Bounds, NetworkKind, Strategy};
use raft_core::{Config, Mutant, Property};

/// One row of the catalogue.
#[derive(Clone, Debug)]
pub struct Row {
    pub mutant: Mutant,
    pub bounds: Bounds,
    /// Breadth-first (shortest counterexample) or, for bugs too deep for it within the time
    /// target, depth-first with symmetry reduction or random walks (the counterexample is then
    /// shrunk).
    pub search: Strategy,
    /// Why these bounds (one line).
    pub why: &'static str,
    /// Where the bug was reported or described (a link).
    pub source: &'static str,
    /// The entry cap the model checker's servers run with (`Config::max_entries_per_append`).
    pub max_entries: usize,
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

/// The liveness mutants' bounds: two terms, a heartbeat (a lease, a quorum check with and
/// without acknowledgements), FIFO links with 3 messages in flight: explored exhaustively.
fn liveness_control() -> Bounds {
    let mut b = fifo(bounds(3, 2, 0), 3);
    b.heartbeats = 1;
    b
}

/// Bounds on a duplicating network (a delivered message stays deliverable: a late copy).
fn duplicating(mut b: Bounds) -> Bounds {
    b.network = NetworkKind::UnorderedDuplicating;
    b
}

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
                {
                    let mut b = fifo(bounds(3, 5, 4), 4);
                    b.heartbeats = 3;
                    b
                },
                "Figure 8: entries of terms 1 and 2, a term-3 leader counts the term-1 entry, \
                 the term-2 holder wins term 4 (walks find it sooner with a term and proposals \
                 to spare)",
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
                    b.heartbeats = 2;
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
            Mutant::QuorumCeilHalf => (
                bounds(4, 1, 0),
                "4 servers: ceil(4/2) = 2 votes elect, two disjoint pairs both win term 1",
                "election",
                &[ElectionSafety],
            ),
            Mutant::CommitMedianUpper => (
                bounds(4, 1, 1),
                "4 servers: the leader and one follower (2 of 4) hold the entry and it commits",
                "replication",
                &[CommittedOnMajority, LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::CommitCountsLeaderTwice => (
                bounds(3, 1, 1),
                "one proposal: the leader alone counts as two of three and commits it",
                "replication",
                &[CommittedOnMajority, LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::HeartbeatSkipsLogCheck => (
                {
                    let mut b = fifo(bounds(3, 3, 2), 4);
                    b.heartbeats = 2;
                    b
                },
                "entry 1 of term 1 on one server, of term 2 committed on two (a heartbeat tells \
                 it); the term-3 leader's empty AppendEntries makes the first commit its own",
                "replication",
                &[StateMachineSafety, CommittedOnMajority, LeaderCompleteness],
            ),
            Mutant::MatchIndexFromFollowerLog => (
                bounds(3, 2, 2),
                "a follower holding a term-1 entry acknowledges the term-2 leader's empty \
                 AppendEntries up to its own last index; the leader's next entry commits",
                "replication",
                &[CommittedOnMajority, LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::MatchIndexFromCappedResend => (
                bounds(3, 1, 1),
                "entry cap 1: the reply to the election's empty AppendEntries arrives after a \
                 proposal and is taken to cover the batch the leader would send now",
                "replication",
                &[CommittedOnMajority, LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::CountDuplicateVotes => (
                duplicating(bounds(4, 1, 0)),
                "4 servers, duplicating network: self, one voter and its reply delivered again \
                 make 3 of 4, for two candidates of term 1",
                "election",
                &[ElectionSafety],
            ),
            Mutant::StaleAppendTruncatesLeader => (
                bounds(3, 2, 2),
                "the term-1 leader's late AppendEntries reaches the term-2 leader, which deletes \
                 its own conflicting entry before rejecting the request",
                "replication",
                &[LeaderAppendOnly, LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::AppendWithoutAdoptingTerm => (
                bounds(3, 1, 1),
                "a term-0 follower appends the term-1 leader's entry without adopting term 1",
                "replication",
                &[LogTermsValid, ElectionSafety, OneVotePerTerm],
            ),
            Mutant::OverwriteWithoutTruncate => (
                bounds(3, 2, 3),
                "a follower holding two term-1 entries receives the term-2 leader's entry 1: \
                 entry 2 of term 1 stays after it",
                "replication",
                &[LogTermsValid, LogMatching, StateMachineSafety],
            ),
            Mutant::VoteComparesLengthOnly => (
                fifo(bounds(3, 3, 3), 4),
                "two uncommitted term-1 entries beat a committed term-2 entry by length in term 3",
                "election",
                &[LeaderCompleteness, StateMachineSafety],
            ),
            Mutant::AdoptTermKeepsLeaderRole => (
                bounds(3, 2, 2),
                "the term-1 leader adopts term 2 from a RequestVote, votes, and stays leader",
                "election",
                &[ElectionSafety, LogMatching, StateMachineSafety, LeaderCompleteness],
            ),
            Mutant::StepDownClearsVote => (
                duplicating(bounds(3, 1, 0)),
                "a candidate of term 1 steps down on the winner's AppendEntries, forgets its own \
                 vote and grants the winner's late RequestVote",
                "election",
                &[OneVotePerTerm],
            ),
            Mutant::SilentLeader => (
                bounds(3, 1, 0),
                "as quorum_half_inclusive, but the winners never say so (no BecameLeader event)",
                "election",
                &[ElectionSafety],
            ),
            Mutant::SilentVote => (
                bounds(3, 1, 0),
                "as vote_ignores_voted_for, but the second vote is not reported (no VoteGranted)",
                "election",
                &[ElectionSafety, OneVotePerTerm],
            ),
            Mutant::NextIndexUnderflow => (
                {
                    let mut b = fifo(bounds(3, 3, 1), 4);
                    b.heartbeats = 1;
                    b
                },
                "the term-1 leader's entry stays its own; it wins term 3, and an empty follower \
                 rejects its election append and heartbeat: nextIndex 2, 1, 0, then 0 - 1",
                "replication",
                &[],
            ),
            Mutant::ElectionTimerStorm => (
                {
                    let mut b = bounds(3, 1, 1);
                    b.heartbeats = 1;
                    b
                },
                "test-only control (a liveness bug): a leader, an entry and a heartbeat; every \
                 append is rejected and resent at once, which must break no property",
                "replication",
                &[],
            ),
            Mutant::PreVoteRecordsVote => (
                bounds(3, 1, 0),
                "a candidate of term 1 (its own vote) grants a pre-vote for term 2 and records \
                 it as its vote in term 1",
                "election",
                &[OneVotePerTerm, ElectionSafety],
            ),
            Mutant::PreVotesCarriedIntoElection => (
                bounds(3, 1, 0),
                "two pre-candidates each win one voter's pre-vote for term 1 and count it as \
                 that voter's vote: two leaders of term 1",
                "election",
                &[ElectionSafety, OneVotePerTerm],
            ),
            Mutant::PreCandidateBumpsTerm
            | Mutant::PreVoteAdoptsTerm
            | Mutant::LeaseNotHonoured
            | Mutant::CheckQuorumStaleAcks => (
                liveness_control(),
                "a liveness bug (the simulator's LV scenarios catch it): elections, a leader's \
                 heartbeat and quorum check over two terms must break no safety property",
                "election",
                &[],
            ),
        };
    // Three or four terms of elections with entries: too deep for breadth-first search, and
    // for depth-first search within the state budget; swarm-steered random walks meet them.
    let search = match mutant {
        Mutant::CommitPrevTermByCount
        | Mutant::SkipPrevTermCheck
        | Mutant::CommitOnRejectedAppend
        | Mutant::HeartbeatSkipsLogCheck
        | Mutant::VoteComparesLengthOnly => Strategy::Simulation,
        Mutant::CountDuplicateVotes | Mutant::NextIndexUnderflow => Strategy::Dfs,
        _ => Strategy::Bfs,
    };
    // Walks need no cap on messages in flight to stay finite (as `check --strategy simulation`).
    let mut bounds = bounds;
    if search == Strategy::Simulation {
        bounds.max_in_flight = None;
    }
    let max_entries = match mutant {
        Mutant::MatchIndexFromCappedResend => 1,
        _ => Config::new(bounds.servers).max_entries_per_append,
    };
    Row {
        mutant,
        bounds,
        search,
        why,
        source: source(mutant),
        max_entries,
        fuzz_target,
        expected,
    }
}

/// Where each bug was reported, or the rule of the paper it breaks (the first 17 are the
/// paper's own rules, slipped on as the linked reports describe).
fn source(mutant: Mutant) -> &'static str {
    const PAPER: &str = "https://raft.github.io/raft.pdf";
    match mutant {
        Mutant::VoteIgnoresVotedFor => "https://github.com/djjonno/kerala/issues/18",
        Mutant::VoteSkipsLogCheck => "https://github.com/jgroups-extras/jgroups-raft/issues/14",
        Mutant::QuorumHalfInclusive => "https://github.com/async-raft/async-raft/pull/143",
        Mutant::CountStaleTermVotes => "https://github.com/andreev-io/little-raft/issues/44",
        Mutant::VoteNotPersisted | Mutant::TermNotPersisted => PAPER,
        Mutant::AckBeforeLogPersist => "https://github.com/rabbitmq/ra/pull/637",
        Mutant::CommitPrevTermByCount => "https://github.com/apache/ratis/pull/289",
        Mutant::SkipPrevTermCheck => "https://github.com/ktoso/akka-raft/issues/32",
        Mutant::TruncateOnEveryAppend => "https://github.com/hashicorp/raft/pull/113",
        Mutant::CommitOnRejectedAppend => "https://github.com/scylladb/scylladb/issues/9965",
        Mutant::MatchIndexFromCurrentState => "https://github.com/adjoint-io/raft/pull/86",
        Mutant::AcceptStaleTermAppend => "https://github.com/ktoso/akka-raft/issues/54",
        Mutant::SnapshotDiscardsWholeLog => "https://github.com/databendlabs/openraft/issues/511",
        Mutant::StaleSnapshotRollback => PAPER,
        Mutant::KeepVotedForOnNewTerm => "https://github.com/camunda/camunda/pull/5368",
        Mutant::SetVotedForToLeaderOnAppend => "https://github.com/microsoft/CCF/pull/3810",
        Mutant::QuorumCeilHalf => "https://github.com/alphaonedev/ai-memory-mcp/issues/1888",
        Mutant::CommitMedianUpper => "https://github.com/andrewjstone/rafter/issues/16",
        Mutant::CommitCountsLeaderTwice => "https://github.com/amino-os/Amino.Run/pull/143",
        Mutant::HeartbeatSkipsLogCheck => "https://github.com/talent-plan/tinykv/issues/191",
        Mutant::MatchIndexFromFollowerLog => "https://github.com/apache/ratis/pull/1519",
        Mutant::MatchIndexFromCappedResend => "https://github.com/RedisLabs/raft/pull/45",
        Mutant::CountDuplicateVotes => "https://github.com/xnnyygn/xraft/issues/27",
        Mutant::StaleAppendTruncatesLeader => "https://github.com/cloudwalk/stratus/pull/1337",
        Mutant::AppendWithoutAdoptingTerm => "https://github.com/ktoso/akka-raft/issues/52",
        Mutant::OverwriteWithoutTruncate => "https://github.com/mofa-org/mofa/pull/1151",
        Mutant::VoteComparesLengthOnly => "https://github.com/sile/noraft/pull/22",
        Mutant::AdoptTermKeepsLeaderRole => "https://github.com/mgodave/barge/issues/10",
        Mutant::StepDownClearsVote => "https://github.com/hazelcast/hazelcast/pull/16643",
        // Test-only variants: the issues that asked for them.
        Mutant::SilentLeader | Mutant::SilentVote | Mutant::NextIndexUnderflow => {
            "issue 13 (items 1 and 10)"
        }
        Mutant::ElectionTimerStorm => "issue 14 (a stuck simulation is a verdict)",
        // Pre-vote results taken for votes (double voting): canonical/raft's maintainers.
        Mutant::PreVoteRecordsVote | Mutant::PreVotesCarriedIntoElection => {
            "https://github.com/canonical/raft/issues/196"
        }
        Mutant::PreCandidateBumpsTerm => "https://github.com/hashicorp/raft/pull/474",
        Mutant::PreVoteAdoptsTerm => "https://github.com/versity/scoutfs/pull/328",
        Mutant::LeaseNotHonoured => "https://github.com/sofastack/sofa-jraft/issues/15",
        Mutant::CheckQuorumStaleAcks => {
            "https://github.com/etcd-io/raft/blob/main/raft.go (MsgCheckQuorum resets RecentActive)"
        }
    }
}

/// Whether the mutant's row runs with PreVote and CheckQuorum on (its bug is in them); the
/// older rows' bounds were found for Figure 2 as written.
fn uses_liveness(mutant: Mutant) -> bool {
    matches!(
        mutant,
        Mutant::PreVoteRecordsVote
            | Mutant::PreVotesCarriedIntoElection
            | Mutant::PreCandidateBumpsTerm
            | Mutant::PreVoteAdoptsTerm
            | Mutant::LeaseNotHonoured
            | Mutant::CheckQuorumStaleAcks
    )
}

impl Row {
    /// The servers' configuration for this row's bespoke model run and proptest: the mutant
    /// planted, its entry cap, PreVote and CheckQuorum on when its bug is in them.
    pub fn config(&self) -> Config {
        let mut config = if uses_liveness(self.mutant) {
            Config::with_liveness(self.bounds.servers)
        } else {
            Config::new(self.bounds.servers)
        };
        config.mutant = Some(self.mutant);
        config.max_entries_per_append = self.max_entries;
        config
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
            // Controls expect nothing; so does the underflow, which is caught as a panic.
            let expects_nothing = r.mutant.is_control() || r.mutant == Mutant::NextIndexUnderflow;
            assert_eq!(
                r.expected.is_empty(),
                expects_nothing,
                "{}",
                r.mutant.name()
            );
            assert!(
                !r.source.is_empty() && r.max_entries >= 1,
                "{}",
                r.mutant.name()
            );
            assert!(["election", "replication"].contains(&r.fuzz_target));
        }
    }
}
