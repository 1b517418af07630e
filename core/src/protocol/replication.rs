//! Log replication (Figure 2, AppendEntries): the leader's sends and its bookkeeping of
//! nextIndex/matchIndex, the follower's consistency check and append, fast backup with
//! ConflictTerm/ConflictIndex, and the commit rule of Figure 8 (`advance_leader_commit`).

use crate::protocol::message::Message;
use crate::protocol::node::{Event, Node, Output, Progress, Role, Timer};
use crate::protocol::types::{Entry, Index, NodeId, Term};

impl Node {
    /// Leaders: "repeat during idle periods to prevent election timeouts".
    pub(crate) fn on_heartbeat_timeout(&mut self, out: &mut Output) {
        if self.is_leader() {
            self.broadcast_append(out);
        }
    }

    pub(crate) fn broadcast_append(&mut self, out: &mut Output) {
        for peer in self.peers() {
            self.send_append(peer, out);
        }
    }

    /// Send `peer` everything from its nextIndex (capped), or the snapshot when the entries it
    /// needs are compacted away.
    pub(crate) fn send_append(&self, peer: NodeId, out: &mut Output) {
        let Role::Leader { progress } = &self.role else {
            return;
        };
        let next_index = progress[peer as usize].next_index;
        let prev_log_index = next_index - 1;
        let Some(prev_log_term) = self.log.term_at(prev_log_index) else {
            self.send_snapshot(peer, out);
            return;
        };
        let entries = self
            .log
            .entries_from(next_index, self.config.max_entries_per_append)
            .to_vec();
        out.messages.push((
            peer,
            Message::AppendEntries {
                term: self.current_term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit: self.commit_index,
            },
        ));
    }

    /// AppendEntries receiver (Figure 2, steps 1-5).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_append_entries(
        &mut self,
        leader: NodeId,
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        out: &mut Output,
    ) {
        // 1. Reply false if term < currentTerm.
        if term < self.current_term && crate::mutant!(self.config, StaleAppendTruncatesLeader) {
            self.delete_conflicts(prev_log_index, &entries);
        }
        if term < self.current_term && !crate::mutant!(self.config, AcceptStaleTermAppend) {
            out.messages.push((leader, self.append_reject(0, None)));
            return;
        }
        // A current-term AppendEntries comes from the one legitimate leader of this term.
        self.become_follower(out);
        self.leader_hint = Some(leader);
        out.timers.push(Timer::ResetElection);
        if crate::mutant!(self.config, ElectionTimerStorm) {
            // Re-armed, then a rejection asking for this very request: the leader resends it
            // at once, and so on without end (in zero time on a reliable network).
            out.messages
                .push((leader, self.append_reject(prev_log_index + 1, None)));
            return;
        }
        // (Only a server with no vote in this term: overwriting a vote lets it grant a second
        // one, to the leader's late RequestVote, which OneVotePerTerm rightly flags.)
        if crate::mutant!(self.config, SetVotedForToLeaderOnAppend)
            && term == self.current_term
            && self.voted_for.is_none()
        {
            self.voted_for = Some(leader);
            self.dirty = true;
        }

        // Entries at or below our snapshot are committed and already held: skip them.
        let base = self.log.snapshot_index();
        let (prev_log_index, prev_log_term, entries) = if prev_log_index < base {
            let skip = (base - prev_log_index) as usize;
            if skip > entries.len() {
                // Everything in the request is already in our snapshot.
                out.messages.push((leader, self.append_success(base)));
                return;
            }
            let term_at_base = if skip == 0 {
                prev_log_term
            } else {
                entries[skip - 1].term
            };
            (base, term_at_base, entries[skip..].to_vec())
        } else {
            (prev_log_index, prev_log_term, entries)
        };

        if entries.is_empty() && crate::mutant!(self.config, HeartbeatSkipsLogCheck) {
            // A "heartbeat" taken to carry only the commit index, before the log is checked.
            self.set_commit_index(leader_commit.min(self.log.last_index()), out);
        }
        // 2. Reply false if the log has no entry at prevLogIndex whose term matches
        //    prevLogTerm, telling the leader where to resume (fast backup).
        match self.log.term_at(prev_log_index) {
            None => {
                let conflict_index = self.log.last_index() + 1;
                self.commit_on_rejected_append(leader_commit, out);
                out.messages
                    .push((leader, self.append_reject(conflict_index, None)));
                return;
            }
            Some(t) if t != prev_log_term && !crate::mutant!(self.config, SkipPrevTermCheck) => {
                let conflict_index = self.log.first_index_of_term_run(prev_log_index);
                self.commit_on_rejected_append(leader_commit, out);
                out.messages
                    .push((leader, self.append_reject(conflict_index, Some(t))));
                return;
            }
            Some(_) => {}
        }

        // 3-4. Delete a conflicting entry and all that follow it; append entries not already
        //      in the log. Entries that match are kept: a late, shorter request erases nothing.
        if crate::mutant!(self.config, TruncateOnEveryAppend)
            && self.log.last_index() > prev_log_index
        {
            self.log.truncate_from(prev_log_index + 1);
            self.dirty = true;
        }
        let mut appended = false;
        if crate::mutant!(self.config, OverwriteWithoutTruncate) {
            appended = self.overwrite_in_place(prev_log_index, &entries);
        }
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + k as Index;
            match self.log.term_at(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    self.log.truncate_from(index);
                    out.events.push(Event::LogTruncated { from: index });
                }
                None => {}
            }
            for e in &entries[k..] {
                self.log.append(*e);
            }
            appended = true;
            break;
        }
        if appended && !crate::mutant!(self.config, AckBeforeLogPersist) {
            self.dirty = true;
        }

        // 5. If leaderCommit > commitIndex: commitIndex = min(leaderCommit, last new entry).
        let last_new = prev_log_index + entries.len() as Index;
        self.set_commit_index(leader_commit.min(last_new), out);
        let acknowledged = if crate::mutant!(self.config, MatchIndexFromFollowerLog) {
            self.log.last_index()
        } else {
            last_new
        };
        out.messages
            .push((leader, self.append_success(acknowledged)));
    }

    /// (Mutant `stale_append_truncates_leader`.) Step 3 run before step 1: delete the first
    /// entry that conflicts with the request's and everything after it.
    fn delete_conflicts(&mut self, prev_log_index: Index, entries: &[Entry]) {
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + k as Index;
            if self.log.term_at(index).is_some_and(|t| t != entry.term) {
                self.log.truncate_from(index);
                self.dirty = true;
                return;
            }
        }
    }

    /// (Mutant `overwrite_without_truncate`.) Write the request's entries over the log in
    /// place, keeping whatever followed them; returns whether the log changed.
    fn overwrite_in_place(&mut self, prev_log_index: Index, entries: &[Entry]) -> bool {
        let mut kept = self.log.clone();
        kept.truncate_from(prev_log_index + 1);
        let tail: Vec<Entry> = self
            .log
            .iter()
            .filter(|(i, _)| *i > prev_log_index + entries.len() as Index)
            .map(|(_, e)| *e)
            .collect();
        let before = self.log.clone();
        for e in entries.iter().chain(&tail) {
            kept.append(*e);
        }
        self.log = kept;
        self.log != before
    }

    fn commit_on_rejected_append(&mut self, leader_commit: Index, out: &mut Output) {
        if crate::mutant!(self.config, CommitOnRejectedAppend) {
            self.set_commit_index(leader_commit.min(self.log.last_index()), out);
        }
    }

    fn append_reject(&self, conflict_index: Index, conflict_term: Option<Term>) -> Message {
        Message::AppendEntriesReply {
            term: self.current_term,
            success: false,
            match_index: 0,
            conflict_index,
            conflict_term,
        }
    }

    fn append_success(&self, match_index: Index) -> Message {
        Message::AppendEntriesReply {
            term: self.current_term,
            success: true,
            match_index,
            conflict_index: 0,
            conflict_term: None,
        }
    }

    /// Leaders: on success update matchIndex/nextIndex from the request being answered; on
    /// failure back nextIndex up past the whole conflicting term, and retry. Replies from older
    /// terms are ignored.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_append_entries_reply(
        &mut self,
        peer: NodeId,
        term: Term,
        success: bool,
        match_index: Index,
        conflict_index: Index,
        conflict_term: Option<Term>,
        out: &mut Output,
    ) {
        if term < self.current_term {
            return;
        }
        let last_index = self.log.last_index();
        let cap = self.config.max_entries_per_append as Index;
        let leader_next = self.leader_next_for_conflict(conflict_index, conflict_term);
        let Role::Leader { progress } = &mut self.role else {
            return;
        };
        let p = &mut progress[peer as usize];
        if success {
            if crate::mutant!(self.config, MatchIndexFromCurrentState) {
                p.match_index = last_index;
                p.next_index = last_index + 1;
            } else if crate::mutant!(self.config, MatchIndexFromCappedResend) {
                // The batch rebuilt from today's nextIndex and the cap, not the request answered.
                let sent = (last_index + 1).saturating_sub(p.next_index);
                p.match_index = p.next_index - 1 + sent.min(cap);
                p.next_index = p.match_index + 1;
            } else {
                p.match_index = p.match_index.max(match_index.min(last_index));
                p.next_index = p.next_index.max(p.match_index + 1);
            }
            let behind = p.next_index <= last_index;
            self.advance_leader_commit(out);
            if behind {
                self.send_append(peer, out);
            }
        } else if conflict_index > 0 {
            // (A rejection of a stale-term request carries no hint, `conflict_index == 0`; when
            // it reaches a leader of the replier's term it says nothing about this leader's log.)
            let next_index = if crate::mutant!(self.config, NextIndexUnderflow) {
                p.next_index - 1 // "decrement nextIndex and retry", with no floor at 1
            } else {
                // Into matchIndex+1 ..= lastIndex+1; the end of the log wins should the log
                // ever end below matchIndex (only a bug does that), rather than a panic.
                leader_next.max(p.match_index + 1).min(last_index + 1)
            };
            p.next_index = next_index;
            out.events.push(Event::BackedUp { peer, next_index });
            self.send_append(peer, out);
        }
    }

    /// Where to resume a follower after a rejection: just past our last entry of ConflictTerm
    /// if we have that term, else the follower's ConflictIndex.
    fn leader_next_for_conflict(
        &self,
        conflict_index: Index,
        conflict_term: Option<Term>,
    ) -> Index {
        let by_term = conflict_term.and_then(|t| self.log.last_index_of_term(t));
        match by_term {
            Some(index) => index + 1,
            None => conflict_index.max(1),
        }
    }

    /// Leaders: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] >= N,
    /// and log[N].term == currentTerm: set commitIndex = N" (Figure 8: never count replicas of
    /// an entry from an earlier term). The largest N held by a majority is one of the match
    /// indices (the leader's own being its last index); terms never decrease along a log, so if
    /// that entry is not from the current term, no smaller N is. O(servers^2) per step instead
    /// of a scan of the uncommitted log.
    pub(crate) fn advance_leader_commit(&mut self, out: &mut Output) {
        let Role::Leader { progress } = &self.role else {
            return;
        };
        let (me, last) = (self.id as usize, self.log.last_index());
        let held = |(i, p): (usize, &Progress)| if i == me { last } else { p.match_index };
        let majority_holds = |n: Index| {
            let count = progress
                .iter()
                .enumerate()
                .filter(|&s| held(s) >= n)
                .count();
            let size = progress.len();
            if crate::mutant!(self.config, CommitMedianUpper) {
                return count >= size - size / 2; // sorted[size / 2]: right for odd sizes only
            }
            if crate::mutant!(self.config, CommitCountsLeaderTwice) {
                return self.config.is_quorum(count + 1); // the leader, once more
            }
            self.config.is_quorum(count)
        };
        let Some(n) = progress
            .iter()
            .enumerate()
            .map(held)
            .filter(|&n| majority_holds(n))
            .max()
        else {
            return;
        };
        let term_ok = self.log.term_at(n) == Some(self.current_term)
            || crate::mutant!(self.config, CommitPrevTermByCount);
        if n > self.commit_index && term_ok {
            self.set_commit_index(n, out);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Figure 2's AppendEntries rules (receiver and leader), fast backup, the entry cap and the
    //! Figure 8 commit rule, one test per rule.

    use crate::protocol::message::Message;
    use crate::protocol::node::tests::{
        append, append_ok, applied_indices, entries_at, follower, leader, log_of, progress,
        receive, sent_to,
    };
    use crate::protocol::node::{Event, Input, Node, Output, Role, Timer};
    use crate::protocol::types::{Index, NodeId, Term};
    use crate::Config;

    fn reject(term: Term, conflict_index: Index, conflict_term: Option<Term>) -> Message {
        Message::AppendEntriesReply {
            term,
            success: false,
            match_index: 0,
            conflict_index,
            conflict_term,
        }
    }

    /// The one AppendEntriesReply `out` sends to `to`.
    fn reply_to(out: &Output, to: NodeId) -> Message {
        match sent_to(out, to).as_slice() {
            [m @ Message::AppendEntriesReply { .. }] => (*m).clone(),
            other => panic!("expected one AppendEntriesReply, got {other:?}"),
        }
    }

    /// The one AppendEntries `out` sends to `to`: (prev_log_index, prev_log_term, entries).
    fn append_to(out: &Output, to: NodeId) -> (Index, Term, usize) {
        match sent_to(out, to).as_slice() {
            [Message::AppendEntries {
                prev_log_index,
                prev_log_term,
                entries,
                ..
            }] => (*prev_log_index, *prev_log_term, entries.len()),
            other => panic!("expected one AppendEntries, got {other:?}"),
        }
    }

    #[test]
    fn append_entries_consistency_check_on_prev_log_index_and_term() {
        let mut node = follower(1, 3, 3, &[1, 1, 2]);
        let out = receive(&mut node, 0, append(3, 3, 3, entries_at(4, &[3]), 3));
        assert_eq!(reply_to(&out, 0), reject(3, 3, Some(2)));
        assert_eq!(
            node.log,
            log_of(&[1, 1, 2]),
            "a failed check changes no entry"
        );
        assert_eq!(node.commit_index, 0, "and commits none of ours");
        assert!(out.persist.is_none() && out.apply.is_empty());
        assert_eq!(
            out.timers,
            vec![Timer::ResetElection],
            "still our leader: reset the timer"
        );
        assert_eq!(node.leader_hint, Some(0));

        let out = receive(&mut node, 0, append(3, 2, 1, entries_at(3, &[3]), 0));
        assert_eq!(reply_to(&out, 0), append_ok(3, 3));
        assert_eq!(node.log, log_of(&[1, 1, 3]));
    }

    #[test]
    fn append_entries_truncates_only_from_first_conflicting_entry() {
        let mut node = follower(1, 3, 3, &[1, 1, 2, 2]);
        let out = receive(&mut node, 0, append(3, 1, 1, entries_at(2, &[1, 3, 3]), 0));
        assert_eq!(node.log, log_of(&[1, 1, 3, 3]));
        assert_eq!(out.events, vec![Event::LogTruncated { from: 3 }]);
        assert_eq!(reply_to(&out, 0), append_ok(3, 4));
        assert_eq!(out.persist.as_ref().map(|p| &p.log), Some(&node.log));
    }

    #[test]
    fn late_shorter_append_entries_erases_nothing() {
        let mut node = follower(1, 3, 1, &[1, 1, 1, 1]);
        let out = receive(&mut node, 0, append(1, 1, 1, entries_at(2, &[1]), 0));
        assert_eq!(
            node.log,
            log_of(&[1, 1, 1, 1]),
            "entries after the request are kept"
        );
        assert!(out.persist.is_none() && out.events.is_empty());
        assert_eq!(
            reply_to(&out, 0),
            append_ok(1, 2),
            "match index from the request, not from our log"
        );
    }

    #[test]
    fn append_entries_appends_only_new_entries() {
        let mut node = follower(1, 3, 1, &[1, 1]);
        let out = receive(&mut node, 0, append(1, 0, 0, entries_at(1, &[1, 1, 1]), 0));
        assert_eq!(node.log, log_of(&[1, 1, 1]));
        assert!(out.events.is_empty(), "no truncation");
        assert_eq!(out.persist.as_ref().map(|p| &p.log), Some(&node.log));
        assert_eq!(reply_to(&out, 0), append_ok(1, 3));
    }

    #[test]
    fn follower_commit_is_min_of_leader_commit_and_last_new_entry() {
        // Entries 3-4 (term 2) are a dead leader's leftovers; the term-3 leader committed 4
        // entries of its own, but this heartbeat only vouches for our log up to index 2.
        let mut node = follower(1, 3, 3, &[1, 1, 2, 2]);
        let out = receive(&mut node, 0, append(3, 2, 1, vec![], 4));
        assert_eq!(node.commit_index, 2);
        assert_eq!(out.events, vec![Event::CommitAdvanced { from: 0, to: 2 }]);
        assert_eq!(applied_indices(&out), vec![1, 2]);
    }

    #[test]
    fn follower_commit_never_decreases() {
        let mut node = follower(1, 3, 1, &[]);
        receive(&mut node, 0, append(1, 0, 0, entries_at(1, &[1, 1, 1]), 3));
        assert_eq!(node.commit_index, 3);
        for late in [
            append(1, 1, 1, vec![], 3),
            append(1, 0, 0, entries_at(1, &[1]), 0),
        ] {
            let out = receive(&mut node, 0, late);
            assert_eq!(node.commit_index, 3);
            assert!(out.events.is_empty() && out.apply.is_empty());
        }
    }

    #[test]
    fn candidate_of_same_term_steps_down_on_append_entries() {
        let mut node = follower(0, 3, 0, &[]);
        node.step(Input::ElectionTimeout);
        let out = receive(&mut node, 2, append(1, 0, 0, vec![], 0));
        assert_eq!(node.role, Role::Follower);
        assert_eq!(node.current_term, 1);
        assert_eq!(node.voted_for, Some(0), "the vote of this term stands");
        assert_eq!(node.leader_hint, Some(2));
        assert_eq!(out.events, vec![Event::SteppedDown { term: 1 }]);
        assert_eq!(out.timers, vec![Timer::ResetElection]);
        assert_eq!(reply_to(&out, 2), append_ok(1, 0));
    }

    #[test]
    fn leader_heartbeat_sends_append_entries_from_next_index() {
        let mut node = leader(0, 3, 2, &[1, 2]);
        let out = node.step(Input::HeartbeatTimeout);
        assert_eq!(out.messages.len(), 2);
        assert_eq!(append_to(&out, 1), (2, 2, 0), "empty AppendEntries");
        let mut plain = follower(1, 3, 2, &[]);
        assert!(plain.step(Input::HeartbeatTimeout).messages.is_empty());
    }

    #[test]
    fn leader_progress_derived_from_the_request() {
        let mut node = leader(0, 3, 2, &[1, 2, 2, 2, 2]);
        receive(&mut node, 1, append_ok(2, 3));
        assert_eq!(progress(&node, 1).match_index, 3, "not our last index (5)");
        let out = receive(&mut node, 1, append_ok(2, 3));
        assert_eq!(
            progress(&node, 1).match_index,
            3,
            "a duplicated reply does not inflate"
        );
        assert!(out.events.is_empty());
        receive(&mut node, 1, append_ok(2, 2));
        assert_eq!(
            progress(&node, 1).match_index,
            3,
            "a late reply does not regress"
        );
        receive(&mut node, 1, append_ok(2, 9));
        assert_eq!(
            progress(&node, 1).match_index,
            5,
            "never beyond our own log"
        );
        assert_eq!(progress(&node, 1).next_index, 6);
    }

    #[test]
    fn leader_ignores_append_replies_from_older_terms() {
        let mut node = leader(0, 3, 3, &[3, 3]);
        let out = receive(&mut node, 1, append_ok(2, 2));
        assert_eq!(out, Output::default());
        assert_eq!((progress(&node, 1).match_index, node.commit_index), (0, 0));
    }

    #[test]
    fn leader_ignores_stale_term_rejection_of_its_own_term() {
        // A follower rejected an older-term request while already in term 3; the reply reaches
        // us after we became leader of term 3: it must not reset nextIndex.
        let mut node = leader(0, 3, 3, &[1, 1, 3]);
        let before = progress(&node, 1);
        let stale = Message::AppendEntriesReply {
            term: 3,
            success: false,
            match_index: 0,
            conflict_index: 0,
            conflict_term: None,
        };
        let out = receive(&mut node, 1, stale);
        assert_eq!(progress(&node, 1), before);
        assert!(out.messages.is_empty());
    }

    #[test]
    fn leader_commits_only_current_term_entries_by_counting() {
        // Figure 8: entry 2 (term 2) reaches a majority of 5 under the term-4 leader, yet it is
        // not committed until an entry of term 4 is.
        let mut node = leader(0, 5, 4, &[1, 2]);
        receive(&mut node, 1, append_ok(4, 2));
        let out = receive(&mut node, 2, append_ok(4, 2));
        assert_eq!(
            node.commit_index, 0,
            "an old-term entry on 3 of 5 is not committed"
        );
        assert!(out.apply.is_empty());
        node.step(Input::Propose(77));
        receive(&mut node, 1, append_ok(4, 3));
        assert_eq!(node.commit_index, 0, "entry 3 on 2 of 5 only");
        let out = receive(&mut node, 2, append_ok(4, 3));
        assert_eq!(node.commit_index, 3);
        assert_eq!(out.events, vec![Event::CommitAdvanced { from: 0, to: 3 }]);
        assert_eq!(applied_indices(&out), vec![1, 2, 3], "in index order");
    }

    #[test]
    fn fast_backup_follower_reports_conflict_term_and_its_first_index() {
        let mut node = follower(1, 3, 3, &[1, 2, 2, 2]);
        let out = receive(&mut node, 0, append(3, 4, 3, vec![], 0));
        assert_eq!(reply_to(&out, 0), reject(3, 2, Some(2)));
    }

    #[test]
    fn fast_backup_follower_too_short() {
        let mut node = follower(1, 3, 3, &[1]);
        let out = receive(&mut node, 0, append(3, 5, 2, vec![], 0));
        assert_eq!(
            reply_to(&out, 0),
            reject(3, 2, None),
            "ConflictIndex = last + 1, no ConflictTerm"
        );
        let mut leader = leader(0, 3, 3, &[1, 2, 2, 3, 3]);
        let out = receive(&mut leader, 1, reject(3, 2, None));
        assert_eq!(progress(&leader, 1).next_index, 2);
        assert_eq!(
            out.events,
            vec![Event::BackedUp {
                peer: 1,
                next_index: 2
            }]
        );
        assert_eq!(
            append_to(&out, 1),
            (1, 1, 4),
            "retried at once from the new nextIndex"
        );
    }

    #[test]
    fn fast_backup_leader_has_conflict_term() {
        let mut node = leader(0, 3, 5, &[1, 2, 2, 2, 5, 5]);
        let out = receive(&mut node, 1, reject(5, 2, Some(2)));
        assert_eq!(
            progress(&node, 1).next_index,
            5,
            "just past our last entry of term 2"
        );
        assert_eq!(append_to(&out, 1), (4, 2, 2));
    }

    #[test]
    fn fast_backup_leader_lacks_conflict_term() {
        let mut node = leader(0, 3, 5, &[1, 1, 4, 4, 5]);
        let out = receive(&mut node, 1, reject(5, 3, Some(3)));
        assert_eq!(
            progress(&node, 1).next_index,
            3,
            "the follower's ConflictIndex"
        );
        assert_eq!(append_to(&out, 1), (2, 1, 3));
    }

    /// Exchange messages between a leader and one follower until nothing is in flight; the
    /// number of request/reply round trips it took.
    fn round_trips_to_converge(leader: &mut Node, follower: &mut Node) -> usize {
        let (l, f) = (leader.id, follower.id);
        let mut to_follower = leader.step(Input::HeartbeatTimeout).messages;
        let mut trips = 0;
        while !to_follower.is_empty() {
            trips += 1;
            assert!(trips <= 100, "no convergence");
            let mut replies = Vec::new();
            for (to, msg) in to_follower.drain(..).filter(|(to, _)| *to == f) {
                assert_eq!(to, f);
                replies.extend(receive(follower, l, msg).messages);
            }
            for (_, reply) in replies {
                let out = receive(leader, f, reply);
                to_follower.extend(out.messages.into_iter().filter(|(to, _)| *to == f));
            }
        }
        trips
    }

    #[test]
    fn fifty_entry_divergence_repaired_in_few_round_trips() {
        let stale = [vec![1], vec![2; 50]].concat();
        let cases = [
            (
                "leader lacks the follower's term",
                [vec![1], vec![3; 50]].concat(),
            ),
            (
                "leader has the follower's term",
                [vec![1], vec![2; 10], vec![3; 40]].concat(),
            ),
            ("follower too short", [vec![1], vec![3; 100]].concat()),
        ];
        for (why, leader_log) in cases {
            let mut l = leader(0, 3, 3, &leader_log);
            for (follower_log, label) in [(&stale[..], "diverged"), (&[1][..], "short")] {
                let mut l = l.clone();
                let mut f = follower(1, 3, 3, follower_log);
                let trips = round_trips_to_converge(&mut l, &mut f);
                assert_eq!(f.log, l.log, "{why}, {label}: repaired");
                assert_eq!(progress(&l, 1).match_index, l.log.last_index());
                // One round trip to learn the conflict, then ceil(len / 64) to ship entries.
                let shipping = (leader_log.len() - 1).div_ceil(64);
                assert!(trips <= 2 + shipping, "{why}, {label}: {trips} round trips");
            }
            // Committing follows: the leader now has a majority for its current-term entries.
            let mut f = follower(1, 3, 3, &stale);
            round_trips_to_converge(&mut l, &mut f);
            assert_eq!(l.commit_index, l.log.last_index(), "{why}");
        }
    }

    #[test]
    fn entries_per_append_capped() {
        let mut config = Config::new(3);
        config.max_entries_per_append = 2;
        let mut node = leader(0, 3, 2, &[1, 1, 1, 1, 1]);
        node.config = config;
        let out = receive(&mut node, 1, reject(2, 1, None));
        assert_eq!(append_to(&out, 1), (0, 0, 2));
        let out = receive(&mut node, 1, append_ok(2, 2));
        assert_eq!(
            append_to(&out, 1),
            (2, 1, 2),
            "still behind: the next batch at once"
        );
        let out = receive(&mut node, 1, append_ok(2, 4));
        assert_eq!(append_to(&out, 1), (4, 1, 1));
        let out = receive(&mut node, 1, append_ok(2, 5));
        assert!(out.messages.is_empty(), "caught up: wait for the heartbeat");
    }

    /// Figure 2's commit rule as written: the largest N > commitIndex with log[N].term ==
    /// currentTerm held by a majority (the leader included), scanning every index.
    fn figure_2_commit(
        n: u8,
        term: Term,
        log_terms: &[Term],
        matched: &[Index],
        commit: Index,
    ) -> Index {
        let last = log_terms.len() as Index;
        (commit + 1..=last)
            .rev()
            .find(|&i| {
                let holders = 1 + matched.iter().filter(|&&m| m >= i).count();
                log_terms[i as usize - 1] == term && holders * 2 > n as usize
            })
            .unwrap_or(commit)
    }

    proptest::proptest! {
        /// The leader's commit rule (match indices only) commits exactly what Figure 2's scan
        /// over every index commits, on logs whose terms never decrease.
        #[test]
        fn leader_commit_equals_the_figure_2_scan(
            n in 1u8..=5,
            steps in proptest::collection::vec(0u64..=1, 0..8),
            bump in 0u64..=1,
            matches in proptest::collection::vec(0usize..=8, 5),
            commit in 0usize..=8,
        ) {
            // `bump`: a leader elected after its last entry's term (Figure 8's situation).
            let term = 1 + steps.iter().sum::<u64>() + bump;
            let log_terms: Vec<Term> = steps.iter().scan(1, |t, s| { *t += s; Some(*t) }).collect();
            let last = log_terms.len() as Index;
            let mut node = leader(0, n, term, &log_terms);
            let commit = (commit as Index).min(last);
            node.commit_index = commit;
            let matched: Vec<Index> = matches[..n as usize - 1]
                .iter()
                .map(|&m| (m as Index).min(last))
                .collect();
            if let Role::Leader { progress } = &mut node.role {
                for (p, &m) in progress[1..].iter_mut().zip(&matched) {
                    p.match_index = m;
                }
            }
            node.advance_leader_commit(&mut Output::default());
            proptest::prop_assert_eq!(
                node.commit_index,
                figure_2_commit(n, term, &log_terms, &matched, commit)
            );
        }
    }
}
