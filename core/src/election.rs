//! Leader election (Figure 2, RequestVote and the candidate rules). The vote-granting rule is
//! `on_request_vote`: one vote per term, and only for a candidate whose log is at least as
//! up-to-date as ours (the election restriction, §5.4.1).

use crate::message::Message;
use crate::node::{Event, Node, Output, Progress, Role, Timer};
use crate::types::{Entry, Index, NodeId, Term, VoteSet};

impl Node {
    /// Followers and candidates: "If election timeout elapses ... convert to candidate" and
    /// start an election: increment currentTerm, vote for self, send RequestVote to all.
    pub(crate) fn on_election_timeout(&mut self, out: &mut Output) {
        if self.is_leader() {
            return;
        }
        self.current_term += 1;
        self.voted_for = Some(self.id);
        self.leader_hint = None;
        self.dirty = true;
        let mut votes = VoteSet::default();
        votes.insert(self.id);
        self.role = Role::Candidate { votes };
        out.events.push(Event::BecameCandidate {
            term: self.current_term,
        });
        out.events.push(Event::VoteGranted {
            candidate: self.id,
            term: self.current_term,
        });
        out.timers.push(Timer::ResetElection);
        if self.config.is_quorum(1) {
            self.become_leader(out);
            return;
        }
        let request = Message::RequestVote {
            term: self.current_term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in self.peers() {
            out.messages.push((peer, request.clone()));
        }
    }

    /// Is a candidate's log at least as up-to-date as ours? Compare last terms, then lengths.
    pub fn candidate_log_up_to_date(&self, last_log_index: Index, last_log_term: Term) -> bool {
        let (my_index, my_term) = (self.log.last_index(), self.log.last_term());
        last_log_term > my_term || (last_log_term == my_term && last_log_index >= my_index)
    }

    /// RequestVote receiver: reply false if term < currentTerm; grant if votedFor is null or
    /// the candidate, and the candidate's log is at least as up-to-date as ours.
    pub(crate) fn on_request_vote(
        &mut self,
        candidate: NodeId,
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
        out: &mut Output,
    ) {
        let vote_free = self.voted_for.is_none()
            || self.voted_for == Some(candidate)
            || crate::mutant!(self.config, VoteIgnoresVotedFor);
        let log_ok = self.candidate_log_up_to_date(last_log_index, last_log_term)
            || crate::mutant!(self.config, VoteSkipsLogCheck);
        let granted = term == self.current_term && vote_free && log_ok;
        if granted {
            if self.voted_for != Some(candidate) {
                self.voted_for = Some(candidate);
                self.dirty = true;
            }
            out.events.push(Event::VoteGranted {
                candidate,
                term: self.current_term,
            });
            out.timers.push(Timer::ResetElection);
        }
        out.messages.push((
            candidate,
            Message::RequestVoteReply {
                term: self.current_term,
                granted,
            },
        ));
    }

    /// Candidates: "If votes received from majority of servers: become leader". Votes are a
    /// set of voters, and only replies of the current term count.
    pub(crate) fn on_request_vote_reply(
        &mut self,
        voter: NodeId,
        term: Term,
        granted: bool,
        out: &mut Output,
    ) {
        let current = term == self.current_term
            || (crate::mutant!(self.config, CountStaleTermVotes) && term < self.current_term);
        if !granted || !current {
            return;
        }
        let Role::Candidate { votes } = &mut self.role else {
            return;
        };
        votes.insert(voter);
        let count = votes.len();
        if self.config.is_quorum(count) {
            self.become_leader(out);
        }
    }

    /// "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server".
    pub(crate) fn become_leader(&mut self, out: &mut Output) {
        let next_index = self.log.last_index() + 1;
        let progress = self
            .config
            .ids()
            .map(|_| Progress {
                next_index,
                match_index: 0,
            })
            .collect();
        self.role = Role::Leader { progress };
        self.leader_hint = Some(self.id);
        out.events.push(Event::BecameLeader {
            term: self.current_term,
        });
        out.timers.push(Timer::StartHeartbeat);
        if self.config.noop_on_election {
            self.log.append(Entry {
                term: self.current_term,
                command: None,
            });
            self.dirty = true;
        }
        self.advance_leader_commit(out);
        self.broadcast_append(out);
    }
}
