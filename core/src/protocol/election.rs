//! Leader election (Figure 2, RequestVote and the candidate rules). The vote-granting rule is
//! `on_request_vote`: one vote per term, and only for a candidate whose log is at least as
//! up-to-date as ours (the election restriction, §5.4.1).

use crate::protocol::message::Message;
use crate::protocol::node::{Event, Node, Output, Progress, Role, Timer};
use crate::protocol::types::{Entry, Index, NodeId, Term, VoteSet};

impl Node {
    /// Followers and candidates: "If election timeout elapses ... convert to candidate" (with
    /// `pre_vote`, a pre-candidate first: `prevote.rs`). A leader's timeout is CheckQuorum's
    /// check (`check_quorum.rs`), a no-op without it.
    pub(crate) fn on_election_timeout(&mut self, out: &mut Output) {
        if self.is_leader() {
            self.check_quorum(out);
        } else if self.config.pre_vote {
            self.become_pre_candidate(out);
        } else {
            self.start_election(out);
        }
    }

    /// Start an election: increment currentTerm, vote for self, send RequestVote to all.
    pub(crate) fn start_election(&mut self, out: &mut Output) {
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
        if crate::mutant!(self.config, VoteComparesLengthOnly) {
            return last_log_index >= my_index;
        }
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
            || crate::mutant!(self.config, VoteIgnoresVotedFor)
            || crate::mutant!(self.config, SilentVote);
        let second_vote = self.voted_for.is_some_and(|v| v != candidate);
        let log_ok = self.candidate_log_up_to_date(last_log_index, last_log_term)
            || crate::mutant!(self.config, VoteSkipsLogCheck);
        let granted = term == self.current_term && vote_free && log_ok;
        if granted {
            if self.voted_for != Some(candidate) {
                self.voted_for = Some(candidate);
                self.dirty = true;
            }
            if !(second_vote && crate::mutant!(self.config, SilentVote)) {
                out.events.push(Event::VoteGranted {
                    candidate,
                    term: self.current_term,
                });
            }
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
        if votes.contains(voter) && crate::mutant!(self.config, CountDuplicateVotes) {
            // A counter, not a set: a duplicated reply counts as one more vote.
            let n = self.config.cluster_size;
            if let Some(extra) = (0..n).find(|&id| !votes.contains(id)) {
                votes.insert(extra);
            }
        }
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
        if !crate::mutant!(self.config, SilentLeader) {
            out.events.push(Event::BecameLeader {
                term: self.current_term,
            });
        }
        out.timers.push(Timer::StartHeartbeat);
        if self.config.check_quorum {
            out.timers.push(Timer::ResetElection); // a whole timeout before the first check
        }
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

#[cfg(test)]
mod tests {
    //! Figure 2's RequestVote and candidate rules, one test per rule.

    use crate::protocol::message::Message;
    use crate::protocol::node::tests::{follower, leader, progress, receive, sent_to};
    use crate::protocol::node::{Event, Input, Node, Progress, Role, Timer};
    use crate::protocol::types::{Index, NodeId, Term, VoteSet};
    use crate::Config;

    fn request_vote(term: Term, last_log_index: Index, last_log_term: Term) -> Message {
        Message::RequestVote {
            term,
            last_log_index,
            last_log_term,
        }
    }

    fn vote(term: Term, granted: bool) -> Message {
        Message::RequestVoteReply { term, granted }
    }

    /// The granted flag of the one reply `node` sent to `candidate`.
    fn granted(node: &mut Node, candidate: NodeId, msg: Message) -> bool {
        let out = receive(node, candidate, msg);
        match sent_to(&out, candidate).as_slice() {
            [Message::RequestVoteReply { granted, .. }] => *granted,
            other => panic!("expected one RequestVoteReply, got {other:?}"),
        }
    }

    fn votes(node: &Node) -> VoteSet {
        match node.role {
            Role::Candidate { votes } => votes,
            ref other => panic!("not a candidate: {other:?}"),
        }
    }

    #[test]
    fn request_vote_one_vote_per_term() {
        let mut node = follower(0, 5, 1, &[1]);
        assert!(granted(&mut node, 1, request_vote(1, 1, 1)));
        assert!(
            !granted(&mut node, 2, request_vote(1, 1, 1)),
            "already voted for 1"
        );
        assert!(!granted(&mut node, 3, request_vote(1, 5, 1)));
        assert_eq!(node.voted_for, Some(1));
        // A new term frees the vote.
        assert!(granted(&mut node, 2, request_vote(2, 1, 1)));
        assert_eq!((node.current_term, node.voted_for), (2, Some(2)));
    }

    #[test]
    fn request_vote_regranted_to_same_candidate() {
        let mut node = follower(0, 3, 1, &[]);
        assert!(granted(&mut node, 1, request_vote(1, 0, 0)));
        let out = receive(&mut node, 1, request_vote(1, 0, 0));
        assert_eq!(
            sent_to(&out, 1),
            vec![&vote(1, true)],
            "a retried request is granted again"
        );
        assert!(out.persist.is_none(), "nothing new to persist");
        assert_eq!(node.voted_for, Some(1));
    }

    #[test]
    fn request_vote_election_restriction_by_last_term_then_last_index() {
        // Our log ends at index 3 with term 2.
        let voter = || follower(0, 3, 3, &[1, 1, 2]);
        let cases = [
            (1, 3, true, "higher last term wins even when shorter"),
            (10, 1, false, "lower last term loses even when longer"),
            (2, 2, false, "same last term, shorter log loses"),
            (3, 2, true, "same last term, same length wins"),
            (4, 2, true, "same last term, longer log wins"),
            (0, 0, false, "empty log loses to a non-empty one"),
        ];
        for (last_log_index, last_log_term, expect, why) in cases {
            let mut node = voter();
            let got = granted(&mut node, 1, request_vote(3, last_log_index, last_log_term));
            assert_eq!(got, expect, "{why}");
            assert_eq!(node.voted_for, expect.then_some(1), "{why}");
        }
    }

    #[test]
    fn request_vote_grant_resets_election_timer() {
        let mut node = follower(0, 3, 2, &[1, 2]);
        let out = receive(&mut node, 1, request_vote(2, 1, 1));
        assert_eq!(sent_to(&out, 1), vec![&vote(2, false)]);
        assert!(
            !out.timers.contains(&Timer::ResetElection),
            "a refusal does not"
        );
        let out = receive(&mut node, 1, request_vote(2, 2, 2));
        assert_eq!(sent_to(&out, 1), vec![&vote(2, true)]);
        assert_eq!(out.timers, vec![Timer::ResetElection]);
        assert_eq!(
            out.events,
            vec![Event::VoteGranted {
                candidate: 1,
                term: 2
            }]
        );
    }

    #[test]
    fn request_vote_vote_persisted_before_reply() {
        let mut node = follower(0, 3, 2, &[1]);
        let out = receive(&mut node, 2, request_vote(3, 1, 1));
        assert_eq!(sent_to(&out, 2), vec![&vote(3, true)]);
        let persisted = out.persist.expect("the step that grants persists the vote");
        assert_eq!((persisted.current_term, persisted.voted_for), (3, Some(2)));
        // The driver restarting from that persisted state cannot vote again in term 3.
        let mut restarted = Node::restart(0, Config::new(3), persisted);
        assert!(!granted(&mut restarted, 1, request_vote(3, 5, 3)));
    }

    #[test]
    fn election_timeout_starts_election_with_term_plus_one_and_self_vote() {
        let mut node = follower(1, 3, 3, &[1, 2]);
        let out = node.step(Input::ElectionTimeout);
        assert_eq!(node.state(), (4, false));
        assert_eq!(node.voted_for, Some(1));
        assert_eq!(votes(&node).iter().collect::<Vec<_>>(), vec![1]);
        let persisted = out
            .persist
            .expect("term and self-vote persisted before requests go out");
        assert_eq!((persisted.current_term, persisted.voted_for), (4, Some(1)));
        assert_eq!(
            out.messages,
            vec![(0, request_vote(4, 2, 2)), (2, request_vote(4, 2, 2))],
            "RequestVote to every other server"
        );
        assert_eq!(out.timers, vec![Timer::ResetElection]);
        assert!(out.events.contains(&Event::BecameCandidate { term: 4 }));
    }

    #[test]
    fn candidate_restarts_election_on_timeout() {
        let mut node = follower(0, 3, 0, &[]);
        node.step(Input::ElectionTimeout);
        receive(&mut node, 1, vote(1, false));
        node.step(Input::ElectionTimeout);
        assert_eq!(node.current_term, 2);
        assert_eq!(
            votes(&node).iter().collect::<Vec<_>>(),
            vec![0],
            "old votes are gone"
        );
        // A vote of term 1 arriving now does not count in term 2.
        receive(&mut node, 2, vote(1, true));
        assert!(!node.is_leader());
    }

    #[test]
    fn leader_ignores_election_timeout() {
        let mut node = leader(0, 3, 2, &[]);
        let before = node.clone();
        assert!(node.step(Input::ElectionTimeout).messages.is_empty());
        assert_eq!(node, before);
    }

    #[test]
    fn votes_counted_as_a_set_of_voters() {
        let mut node = follower(0, 5, 0, &[]);
        node.step(Input::ElectionTimeout);
        receive(&mut node, 1, vote(1, true));
        let out = receive(&mut node, 1, vote(1, true));
        assert!(!node.is_leader(), "a duplicated vote counts once: 2 of 5");
        assert!(out.events.is_empty());
        receive(&mut node, 3, vote(1, false));
        assert!(!node.is_leader(), "a refusal counts for nothing");
        assert_eq!(votes(&node).iter().collect::<Vec<_>>(), vec![0, 1]);
        receive(&mut node, 4, vote(1, true));
        assert!(node.is_leader(), "3 distinct voters of 5");
    }

    #[test]
    fn majority_of_votes_makes_leader_with_heartbeats() {
        let mut node = follower(2, 3, 4, &[1, 4]);
        node.step(Input::ElectionTimeout);
        let out = receive(&mut node, 0, vote(5, true));
        assert_eq!(node.state(), (5, true));
        assert_eq!(node.leader_hint, Some(2));
        assert_eq!(out.events, vec![Event::BecameLeader { term: 5 }]);
        assert_eq!(out.timers, vec![Timer::StartHeartbeat]);
        let heartbeat = crate::protocol::node::tests::append(5, 2, 4, vec![], 0);
        assert_eq!(out.messages, vec![(0, heartbeat.clone()), (1, heartbeat)]);
        for peer in [0, 1] {
            assert_eq!(
                progress(&node, peer),
                Progress {
                    next_index: 3,
                    match_index: 0
                }
            );
        }
        // Later votes change nothing.
        let out = receive(&mut node, 1, vote(5, true));
        assert!(out.messages.is_empty() && out.events.is_empty());
    }

    #[test]
    fn stale_term_vote_replies_not_counted() {
        let mut node = follower(0, 3, 4, &[]);
        node.step(Input::ElectionTimeout);
        let out = receive(&mut node, 1, vote(4, true));
        assert!(!node.is_leader());
        assert_eq!(votes(&node).len(), 1);
        assert!(out.events.is_empty());
    }

    #[test]
    fn single_node_cluster_elects_itself() {
        let mut node = Node::new(0, Config::new(1));
        let out = node.step(Input::ElectionTimeout);
        assert_eq!(node.state(), (1, true));
        assert!(out.messages.is_empty());
        assert!(out.events.contains(&Event::BecameLeader { term: 1 }));
        assert!(out.timers.contains(&Timer::StartHeartbeat));
        // ... and commits and applies a proposal at once.
        let out = node.step(Input::Propose(9));
        assert_eq!(node.commit_index, 1);
        assert_eq!(out.apply.len(), 1);
    }
}
