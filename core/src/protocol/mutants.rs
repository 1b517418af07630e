//! The bug zoo: named, one-place bugs that real Raft implementations have shipped. Compiled only
//! with the `mutants` feature; the `mutant!` macro is `false` without it, so the default build
//! has neither the code paths nor their cost.

#[cfg(feature = "mutants")]
use serde::{Deserialize, Serialize};

/// Is `$m` the mutant configured in `$cfg` (a `Config`)? Always `false` without `mutants`.
#[macro_export]
#[doc(hidden)]
macro_rules! mutant {
    ($cfg:expr, $m:ident) => {{
        #[cfg(feature = "mutants")]
        let on = $cfg.mutant == Some($crate::protocol::mutants::Mutant::$m);
        #[cfg(not(feature = "mutants"))]
        let on = {
            let _ = &$cfg;
            false
        };
        on
    }};
}

#[cfg(feature = "mutants")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutant {
    VoteIgnoresVotedFor,
    VoteSkipsLogCheck,
    QuorumHalfInclusive,
    CountStaleTermVotes,
    VoteNotPersisted,
    TermNotPersisted,
    AckBeforeLogPersist,
    CommitPrevTermByCount,
    SkipPrevTermCheck,
    TruncateOnEveryAppend,
    CommitOnRejectedAppend,
    MatchIndexFromCurrentState,
    AcceptStaleTermAppend,
    SnapshotDiscardsWholeLog,
    StaleSnapshotRollback,
    KeepVotedForOnNewTerm,
    SetVotedForToLeaderOnAppend,
    QuorumCeilHalf,
    CommitMedianUpper,
    HeartbeatSkipsLogCheck,
    MatchIndexFromFollowerLog,
    MatchIndexFromCappedResend,
    CommitCountsLeaderTwice,
    CountDuplicateVotes,
    StaleAppendTruncatesLeader,
    AppendWithoutAdoptingTerm,
    OverwriteWithoutTruncate,
    VoteComparesLengthOnly,
    AdoptTermKeepsLeaderRole,
    StepDownClearsVote,
    SilentLeader,
    SilentVote,
    NextIndexUnderflow,
    ElectionTimerStorm,
    PreVoteRecordsVote,
    PreVotesCarriedIntoElection,
    PreCandidateBumpsTerm,
    PreVoteAdoptsTerm,
    LeaseNotHonoured,
    CheckQuorumStaleAcks,
}

#[cfg(feature = "mutants")]
impl Mutant {
    pub const ALL: [Mutant; 40] = [
        Mutant::VoteIgnoresVotedFor,
        Mutant::VoteSkipsLogCheck,
        Mutant::QuorumHalfInclusive,
        Mutant::CountStaleTermVotes,
        Mutant::VoteNotPersisted,
        Mutant::TermNotPersisted,
        Mutant::AckBeforeLogPersist,
        Mutant::CommitPrevTermByCount,
        Mutant::SkipPrevTermCheck,
        Mutant::TruncateOnEveryAppend,
        Mutant::CommitOnRejectedAppend,
        Mutant::MatchIndexFromCurrentState,
        Mutant::AcceptStaleTermAppend,
        Mutant::SnapshotDiscardsWholeLog,
        Mutant::StaleSnapshotRollback,
        Mutant::KeepVotedForOnNewTerm,
        Mutant::SetVotedForToLeaderOnAppend,
        Mutant::QuorumCeilHalf,
        Mutant::CommitMedianUpper,
        Mutant::HeartbeatSkipsLogCheck,
        Mutant::MatchIndexFromFollowerLog,
        Mutant::MatchIndexFromCappedResend,
        Mutant::CommitCountsLeaderTwice,
        Mutant::CountDuplicateVotes,
        Mutant::StaleAppendTruncatesLeader,
        Mutant::AppendWithoutAdoptingTerm,
        Mutant::OverwriteWithoutTruncate,
        Mutant::VoteComparesLengthOnly,
        Mutant::AdoptTermKeepsLeaderRole,
        Mutant::StepDownClearsVote,
        Mutant::SilentLeader,
        Mutant::SilentVote,
        Mutant::NextIndexUnderflow,
        Mutant::ElectionTimerStorm,
        Mutant::PreVoteRecordsVote,
        Mutant::PreVotesCarriedIntoElection,
        Mutant::PreCandidateBumpsTerm,
        Mutant::PreVoteAdoptsTerm,
        Mutant::LeaseNotHonoured,
        Mutant::CheckQuorumStaleAcks,
    ];

    /// The mutant's id, as used on command lines and in trace files.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::VoteIgnoresVotedFor => "vote_ignores_voted_for",
            Mutant::VoteSkipsLogCheck => "vote_skips_log_check",
            Mutant::QuorumHalfInclusive => "quorum_half_inclusive",
            Mutant::CountStaleTermVotes => "count_stale_term_votes",
            Mutant::VoteNotPersisted => "vote_not_persisted",
            Mutant::TermNotPersisted => "term_not_persisted",
            Mutant::AckBeforeLogPersist => "ack_before_log_persist",
            Mutant::CommitPrevTermByCount => "commit_prev_term_by_count",
            Mutant::SkipPrevTermCheck => "skip_prev_term_check",
            Mutant::TruncateOnEveryAppend => "truncate_on_every_append",
            Mutant::CommitOnRejectedAppend => "commit_on_rejected_append",
            Mutant::MatchIndexFromCurrentState => "match_index_from_current_state",
            Mutant::AcceptStaleTermAppend => "accept_stale_term_append",
            Mutant::SnapshotDiscardsWholeLog => "snapshot_discards_whole_log",
            Mutant::StaleSnapshotRollback => "stale_snapshot_rollback",
            Mutant::KeepVotedForOnNewTerm => "keep_voted_for_on_new_term",
            Mutant::SetVotedForToLeaderOnAppend => "set_voted_for_to_leader_on_append",
            Mutant::QuorumCeilHalf => "quorum_ceil_half",
            Mutant::CommitMedianUpper => "commit_median_upper",
            Mutant::HeartbeatSkipsLogCheck => "heartbeat_skips_log_check",
            Mutant::MatchIndexFromFollowerLog => "match_index_from_follower_log",
            Mutant::MatchIndexFromCappedResend => "match_index_from_capped_resend",
            Mutant::CommitCountsLeaderTwice => "commit_counts_leader_twice",
            Mutant::CountDuplicateVotes => "count_duplicate_votes",
            Mutant::StaleAppendTruncatesLeader => "stale_append_truncates_leader",
            Mutant::AppendWithoutAdoptingTerm => "append_without_adopting_term",
            Mutant::OverwriteWithoutTruncate => "overwrite_without_truncate",
            Mutant::VoteComparesLengthOnly => "vote_compares_length_only",
            Mutant::AdoptTermKeepsLeaderRole => "adopt_term_keeps_leader_role",
            Mutant::StepDownClearsVote => "step_down_clears_vote",
            Mutant::SilentLeader => "silent_leader",
            Mutant::SilentVote => "silent_vote",
            Mutant::NextIndexUnderflow => "next_index_underflow",
            Mutant::ElectionTimerStorm => "election_timer_storm",
            Mutant::PreVoteRecordsVote => "pre_vote_records_vote",
            Mutant::PreVotesCarriedIntoElection => "pre_votes_carried_into_election",
            Mutant::PreCandidateBumpsTerm => "pre_candidate_bumps_term",
            Mutant::PreVoteAdoptsTerm => "pre_vote_adopts_term",
            Mutant::LeaseNotHonoured => "lease_not_honoured",
            Mutant::CheckQuorumStaleAcks => "check_quorum_stale_acks",
        }
    }

    /// Controls are changes that must *not* break safety (false-alarm checks); the liveness
    /// bugs are controls for the safety checkers.
    pub fn is_control(self) -> bool {
        matches!(
            self,
            Mutant::KeepVotedForOnNewTerm | Mutant::SetVotedForToLeaderOnAppend
        ) || self.is_liveness()
    }

    /// Bugs that break liveness only, caught by the simulator's verdicts (a livelock, or no
    /// progress once the network is healthy), never by a safety property.
    pub fn is_liveness(self) -> bool {
        matches!(
            self,
            Mutant::ElectionTimerStorm
                | Mutant::PreCandidateBumpsTerm
                | Mutant::PreVoteAdoptsTerm
                | Mutant::LeaseNotHonoured
                | Mutant::CheckQuorumStaleAcks
        )
    }

    /// Test-only variants, not bugs of their own kind: `silent_leader` and `silent_vote` keep
    /// quiet about an election or a vote (no `Event`), so that a judge trusting the node's own
    /// events would miss them; `next_index_underflow` decrements nextIndex below 1, which
    /// wraps silently unless overflow checks are on (it is caught as a panic, not a property);
    /// `election_timer_storm` breaks liveness only (a follower re-arms its election timer and
    /// has the leader resend at once, without end), so it is also a control: the simulator
    /// must end it with a livelock verdict, and no checker may report a safety violation.
    pub fn is_test_only(self) -> bool {
        matches!(
            self,
            Mutant::SilentLeader
                | Mutant::SilentVote
                | Mutant::NextIndexUnderflow
                | Mutant::ElectionTimerStorm
        )
    }

    /// A bug that panics (an arithmetic overflow) rather than breaking a property: tests that
    /// run every mutant through random operations to compare verdicts leave it out.
    pub fn panics(self) -> bool {
        self == Mutant::NextIndexUnderflow
    }

    pub fn from_name(name: &str) -> Option<Mutant> {
        Mutant::ALL.into_iter().find(|m| m.name() == name)
    }
}

#[cfg(all(test, feature = "mutants"))]
mod tests {
    use super::Mutant;

    /// The ids used on command lines (`name`, `from_name`) are the ones in trace files (serde).
    #[test]
    fn names_are_unique_and_match_the_trace_format() {
        for m in Mutant::ALL {
            assert_eq!(Mutant::from_name(m.name()), Some(m));
            let json = serde_json::to_string(&m).expect("serialises");
            assert_eq!(json, format!("\"{}\"", m.name()));
        }
        let controls = Mutant::ALL.iter().filter(|m| m.is_control()).count();
        let test_only = Mutant::ALL.iter().filter(|m| m.is_test_only()).count();
        assert_eq!((Mutant::ALL.len(), controls, test_only), (40, 7, 4));
        // The one test-only control is the liveness bug (it breaks no property).
        let both: Vec<Mutant> = Mutant::ALL
            .into_iter()
            .filter(|m| m.is_control() && m.is_test_only())
            .collect();
        assert_eq!(both, [Mutant::ElectionTimerStorm]);
        assert_eq!(Mutant::from_name("no_such_mutant"), None);
    }
}
