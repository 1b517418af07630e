//! Log replication (Figure 2, AppendEntries): the leader's sends and its bookkeeping of
//! nextIndex/matchIndex, the follower's consistency check and append, fast backup with
//! ConflictTerm/ConflictIndex, and the commit rule of Figure 8 (`advance_leader_commit`).

use crate::message::Message;
use crate::node::{Event, Node, Output, Role, Timer};
use crate::types::{Entry, Index, NodeId, Term};

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
        if term < self.current_term && !crate::mutant!(self.config, AcceptStaleTermAppend) {
            out.messages.push((leader, self.append_reject(0, None)));
            return;
        }
        // A current-term AppendEntries comes from the one legitimate leader of this term.
        self.become_follower(out);
        self.leader_hint = Some(leader);
        out.timers.push(Timer::ResetElection);
        if crate::mutant!(self.config, SetVotedForToLeaderOnAppend) && term == self.current_term
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
        out.messages.push((leader, self.append_success(last_new)));
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
        let leader_next = self.leader_next_for_conflict(conflict_index, conflict_term);
        let Role::Leader { progress } = &mut self.role else {
            return;
        };
        let p = &mut progress[peer as usize];
        if success {
            if crate::mutant!(self.config, MatchIndexFromCurrentState) {
                p.match_index = last_index;
                p.next_index = last_index + 1;
            } else {
                p.match_index = p.match_index.max(match_index.min(last_index));
                p.next_index = p.next_index.max(p.match_index + 1);
            }
            let behind = p.next_index <= last_index;
            self.advance_leader_commit(out);
            if behind {
                self.send_append(peer, out);
            }
        } else {
            let next_index = leader_next.clamp(p.match_index + 1, last_index + 1);
            p.next_index = next_index;
            out.events.push(Event::BackedUp { peer, next_index });
            self.send_append(peer, out);
        }
    }

    /// Where to resume a follower after a rejection: just past our last entry of ConflictTerm
    /// if we have that term, else the follower's ConflictIndex.
    fn leader_next_for_conflict(&self, conflict_index: Index, conflict_term: Option<Term>) -> Index {
        let by_term = conflict_term.and_then(|t| self.log.last_index_of_term(t));
        match by_term {
            Some(index) => index + 1,
            None => conflict_index.max(1),
        }
    }

    /// Leaders: "If there exists an N such that N > commitIndex, a majority of matchIndex[i] >= N,
    /// and log[N].term == currentTerm: set commitIndex = N" (Figure 8: never count replicas of
    /// an entry from an earlier term).
    pub(crate) fn advance_leader_commit(&mut self, out: &mut Output) {
        let Role::Leader { progress } = &self.role else {
            return;
        };
        let me = self.id as usize;
        let mut best = self.commit_index;
        for n in (self.commit_index + 1..=self.log.last_index()).rev() {
            let term_ok = self.log.term_at(n) == Some(self.current_term)
                || crate::mutant!(self.config, CommitPrevTermByCount);
            if !term_ok {
                continue;
            }
            let count = progress
                .iter()
                .enumerate()
                .filter(|&(i, p)| i == me || p.match_index >= n)
                .count();
            if self.config.is_quorum(count) {
                best = n;
                break;
            }
        }
        self.set_commit_index(best, out);
    }
}
