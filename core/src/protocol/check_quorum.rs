//! CheckQuorum (thesis §6.2 and §9.6; etcd-raft's MsgCheckQuorum and `inLease`): a leader that
//! has not heard from a majority since its last election timeout steps down, and a server in a
//! leader's lease ignores higher-term RequestVotes, so a deaf leader gives way and a rejoining
//! server cannot depose a healthy one. Time is only the election-timeout input.

use crate::protocol::message::Message;
use crate::protocol::node::{Node, Output, Timer};
use crate::protocol::types::{NodeId, VoteSet};

impl Node {
    /// A leader's election timeout, with `check_quorum`: step down unless a majority (itself
    /// included) acknowledged something of this term since the last check; start a new round.
    pub(crate) fn check_quorum(&mut self, out: &mut Output) {
        if !self.config.check_quorum {
            return;
        }
        let mut heard = self.heard_from;
        heard.insert(self.id);
        if !crate::mutant!(self.config, CheckQuorumStaleAcks) {
            self.heard_from = VoteSet::default();
        }
        if !self.config.is_quorum(heard.len()) {
            self.leader_hint = None;
            self.become_follower(out);
            out.timers.push(Timer::ResetElection);
        }
    }

    /// A leader with `check_quorum` notes a peer that answered one of its requests of this term
    /// (an AppendEntries or InstallSnapshot reply, success or not), until the round has heard
    /// a majority, itself included: more would not change the check's verdict.
    pub(crate) fn note_heard_from(&mut self, from: NodeId, msg: &Message) {
        let ack = matches!(
            msg,
            Message::AppendEntriesReply { .. } | Message::InstallSnapshotReply { .. }
        );
        if self.config.check_quorum
            && ack
            && msg.term() == self.current_term
            && self.is_leader()
            && !self.config.is_quorum(self.heard_from.len() + 1)
        {
            self.heard_from.insert(from);
        }
    }

    /// The lease, with `check_quorum`: a RequestVote of a higher term that reaches a server in
    /// a leader's lease (`in_lease`) is dropped unanswered and its term not adopted.
    pub(crate) fn in_lease_ignores(&self, msg: &Message) -> bool {
        self.config.check_quorum
            && matches!(msg, Message::RequestVote { term, .. } if *term > self.current_term)
            && self.in_lease()
    }
}

#[cfg(test)]
mod tests {
    //! CheckQuorum's rules and the lease, one test per rule.

    use crate::protocol::message::Message;
    use crate::protocol::node::tests::{append_ok, follower, leader, receive};
    use crate::protocol::node::{Event, Input, Node, Output, Role, Timer};
    use crate::protocol::types::{NodeId, Term};

    fn with_check_quorum(mut node: Node) -> Node {
        node.config.check_quorum = true;
        node
    }

    fn request_vote(term: Term) -> Message {
        Message::RequestVote {
            term,
            last_log_index: 9,
            last_log_term: 9,
        }
    }

    fn ack(node: &mut Node, from: NodeId) {
        let term = node.current_term;
        receive(node, from, append_ok(term, 0));
    }

    #[test]
    fn check_quorum_leader_steps_down_without_majority_since_last_check() {
        let mut node = with_check_quorum(leader(0, 5, 2, &[1, 2]));
        ack(&mut node, 1);
        let out = node.step(Input::ElectionTimeout);
        assert_eq!(
            node.state(),
            (2, false),
            "2 of 5 heard: step down, same term"
        );
        assert_eq!(node.role, Role::Follower);
        assert_eq!((node.leader_hint, node.voted_for), (None, Some(0)));
        assert!(out.persist.is_none(), "term and vote unchanged");
        assert_eq!(out.timers, vec![Timer::StopHeartbeat, Timer::ResetElection]);
        assert_eq!(out.events, vec![Event::SteppedDown { term: 2 }]);
    }

    #[test]
    fn check_quorum_leader_stays_with_majority_and_starts_a_new_round() {
        let mut node = with_check_quorum(leader(0, 5, 2, &[1, 2]));
        ack(&mut node, 1);
        ack(&mut node, 3);
        ack(&mut node, 3);
        let out = node.step(Input::ElectionTimeout);
        assert!(node.is_leader(), "3 of 5 heard (itself included)");
        assert_eq!(out, Output::default());
        // The acknowledgements were for that round only.
        ack(&mut node, 1);
        node.step(Input::ElectionTimeout);
        assert!(!node.is_leader(), "2 of 5 heard in the new round");
    }

    #[test]
    fn check_quorum_new_leader_resets_its_election_timer() {
        let mut node = with_check_quorum(follower(0, 3, 1, &[]));
        node.step(Input::ElectionTimeout);
        let out = receive(
            &mut node,
            1,
            Message::RequestVoteReply {
                term: 2,
                granted: true,
            },
        );
        assert!(node.is_leader());
        assert_eq!(
            out.timers,
            vec![Timer::StartHeartbeat, Timer::ResetElection]
        );
    }

    #[test]
    fn check_quorum_counts_only_acknowledgements_of_the_current_term() {
        let mut node = with_check_quorum(leader(0, 3, 4, &[1]));
        receive(&mut node, 1, append_ok(3, 0));
        receive(
            &mut node,
            2,
            Message::RequestVoteReply {
                term: 4,
                granted: true,
            },
        );
        node.step(Input::ElectionTimeout);
        assert!(
            !node.is_leader(),
            "a stale ack and a vote reply are not acks"
        );
    }

    #[test]
    fn check_quorum_off_leader_ignores_election_timeout() {
        let mut node = leader(0, 3, 2, &[]);
        let before = node.clone();
        assert_eq!(node.step(Input::ElectionTimeout), Output::default());
        assert_eq!(node, before);
    }

    #[test]
    fn lease_higher_term_request_vote_ignored_by_a_follower_that_heard_a_leader() {
        let mut node = with_check_quorum(follower(1, 3, 2, &[1]));
        node.leader_hint = Some(0);
        let before = node.clone();
        let out = receive(&mut node, 2, request_vote(5));
        assert_eq!(out, Output::default(), "no reply, no term adopted");
        assert_eq!(node, before);
        // After its election timeout the lease is over: the term is adopted, the vote granted.
        node.step(Input::ElectionTimeout);
        let out = receive(&mut node, 2, request_vote(5));
        assert_eq!((node.current_term, node.voted_for), (5, Some(2)));
        assert!(out.persist.is_some());
    }

    #[test]
    fn lease_leader_ignores_higher_term_request_vote() {
        let mut node = with_check_quorum(leader(0, 3, 2, &[1]));
        let before = node.clone();
        assert_eq!(receive(&mut node, 1, request_vote(3)), Output::default());
        assert_eq!(node, before);
        // Without CheckQuorum the term is adopted and the leader steps down (Figure 2).
        let mut node = leader(0, 3, 2, &[1]);
        receive(&mut node, 1, request_vote(3));
        assert_eq!(node.state(), (3, false));
    }
}
