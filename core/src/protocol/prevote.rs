//! PreVote (Ongaro's thesis §9.6; etcd-raft's MsgPreVote): a timed-out server first asks a
//! majority whether it could win an election for `current_term + 1`, and only then starts one.
//! Asking and answering change no term and no vote, so a server cut off from the cluster does
//! not come back with a higher term that deposes a healthy leader.

use crate::protocol::message::Message;
use crate::protocol::node::{Event, Node, Output, Role, Timer};
use crate::protocol::types::{Index, NodeId, Term, VoteSet};

impl Node {
    /// Election timeout with `pre_vote` (follower, pre-candidate or candidate): become a
    /// pre-candidate and send PreVote for `current_term + 1`; term and vote stay as they are.
    pub(crate) fn become_pre_candidate(&mut self, out: &mut Output) {
        if crate::mutant!(self.config, PreCandidateBumpsTerm) {
            self.current_term += 1; // as if the pre-election were the election
            self.voted_for = None;
            self.dirty = true;
        }
        let mut votes = VoteSet::default();
        votes.insert(self.id);
        self.role = Role::PreCandidate { votes };
        self.leader_hint = None;
        out.events.push(Event::BecamePreCandidate {
            term: self.current_term + 1,
        });
        out.timers.push(Timer::ResetElection);
        if self.config.is_quorum(1) {
            self.start_election(out);
            return;
        }
        let request = Message::PreVote {
            term: self.current_term + 1,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in self.peers() {
            out.messages.push((peer, request.clone()));
        }
    }

    /// The lease: this server heard from a leader of its current term since its last election
    /// timeout (a leader is in its own lease). The timeout clears `leader_hint`, so no clock.
    pub(crate) fn in_lease(&self) -> bool {
        self.leader_hint.is_some() && !crate::mutant!(self.config, LeaseNotHonoured)
    }

    /// Messages whose higher term is not adopted: a PreVote (its term is a question) and a
    /// granted PreVoteReply (it echoes that question). A refusal's higher term is adopted.
    pub(crate) fn keeps_term_on(&self, msg: &Message) -> bool {
        match msg {
            Message::PreVote { .. } => !crate::mutant!(self.config, PreVoteAdoptsTerm),
            Message::PreVoteReply { granted, .. } => *granted,
            _ => false,
        }
    }

    /// PreVote receiver: grant iff the asked term is above ours, we are not in a leader's
    /// lease, and the candidate's log is at least as up-to-date as ours. Nothing changes here:
    /// no term, no vote, no timer. A grant echoes the asked term, a refusal carries ours.
    pub(crate) fn on_pre_vote(
        &mut self,
        candidate: NodeId,
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
        out: &mut Output,
    ) {
        let granted = term > self.current_term
            && !self.in_lease()
            && self.candidate_log_up_to_date(last_log_index, last_log_term);
        if granted && crate::mutant!(self.config, PreVoteRecordsVote) {
            self.voted_for = Some(candidate); // a vote in our current term, for a question
            self.dirty = true;
        }
        let term = if granted { term } else { self.current_term };
        out.messages
            .push((candidate, Message::PreVoteReply { term, granted }));
    }

    /// Pre-candidates: count granted pre-votes for `current_term + 1` (a set of voters); on a
    /// majority start the real election (`start_election`: term + 1, self-vote, RequestVote).
    pub(crate) fn on_pre_vote_reply(
        &mut self,
        voter: NodeId,
        term: Term,
        granted: bool,
        out: &mut Output,
    ) {
        let Role::PreCandidate { votes } = &mut self.role else {
            return;
        };
        if !granted || term != self.current_term + 1 {
            return;
        }
        votes.insert(voter);
        let pre_votes = *votes;
        if !self.config.is_quorum(pre_votes.len()) {
            return;
        }
        self.start_election(out);
        if crate::mutant!(self.config, PreVotesCarriedIntoElection) {
            // The pre-votes left in the vote tally, counted as votes of the new term.
            if let Role::Candidate { votes } = &mut self.role {
                for voter in pre_votes.iter() {
                    votes.insert(voter);
                }
                if self.config.is_quorum(votes.len()) {
                    self.become_leader(out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! PreVote's rules (thesis §9.6), one test per rule.

    use crate::protocol::message::Message;
    use crate::protocol::node::tests::{append, follower, leader, receive, sent_to};
    use crate::protocol::node::{Event, Input, Node, Role, Timer};
    use crate::protocol::types::{Index, NodeId, Term};
    use crate::Config;

    fn pre_vote(term: Term, last_log_index: Index, last_log_term: Term) -> Message {
        Message::PreVote {
            term,
            last_log_index,
            last_log_term,
        }
    }

    fn pre_vote_reply(term: Term, granted: bool) -> Message {
        Message::PreVoteReply { term, granted }
    }

    /// `follower(..)` with PreVote (and CheckQuorum) on.
    fn voter(id: NodeId, n: u8, term: Term, log_terms: &[Term]) -> Node {
        let mut node = follower(id, n, term, log_terms);
        node.config = Config {
            pre_vote: true,
            check_quorum: true,
            ..node.config
        };
        node
    }

    /// The one reply `node` sent to `candidate`.
    fn answer(node: &mut Node, candidate: NodeId, msg: Message) -> Message {
        let out = receive(node, candidate, msg);
        assert!(
            out.persist.is_none(),
            "answering a pre-vote persists nothing"
        );
        assert!(out.timers.is_empty(), "nor touches the election timer");
        match sent_to(&out, candidate).as_slice() {
            [reply] => (*reply).clone(),
            other => panic!("expected one reply, got {other:?}"),
        }
    }

    #[test]
    fn pre_vote_timeout_asks_for_next_term_without_changing_term_or_vote() {
        let mut node = voter(1, 3, 3, &[1, 2]);
        node.voted_for = Some(0);
        node.leader_hint = Some(0);
        let out = node.step(Input::ElectionTimeout);
        assert_eq!((node.current_term, node.voted_for), (3, Some(0)));
        assert!(matches!(node.role, Role::PreCandidate { votes } if votes.len() == 1));
        assert_eq!(node.leader_hint, None, "the timeout ends the lease");
        assert!(out.persist.is_none(), "nothing to persist");
        assert_eq!(
            out.messages,
            vec![(0, pre_vote(4, 2, 2)), (2, pre_vote(4, 2, 2))]
        );
        assert_eq!(out.timers, vec![Timer::ResetElection]);
        assert_eq!(out.events, vec![Event::BecamePreCandidate { term: 4 }]);
    }

    #[test]
    fn pre_vote_granted_iff_higher_term_up_to_date_log_and_no_lease() {
        // Our log ends at index 3 with term 2; current term 3.
        let cases = [
            (
                4,
                3,
                2,
                None,
                true,
                "higher term, same log, no leader heard",
            ),
            (4, 1, 3, None, true, "higher last log term"),
            (4, 2, 2, None, false, "shorter log"),
            (4, 9, 1, None, false, "lower last log term"),
            (3, 3, 2, None, false, "a term not above ours"),
            (4, 3, 2, Some(2), false, "in a leader's lease"),
        ];
        for (term, last_index, last_term, leader_hint, expect, why) in cases {
            let mut node = voter(0, 3, 3, &[1, 1, 2]);
            node.leader_hint = leader_hint;
            let before = node.clone();
            let reply = answer(&mut node, 1, pre_vote(term, last_index, last_term));
            let reply_term = if expect { term } else { 3 };
            assert_eq!(reply, pre_vote_reply(reply_term, expect), "{why}");
            assert_eq!(node, before, "{why}: answering changes nothing");
        }
    }

    #[test]
    fn pre_vote_term_never_adopted_and_vote_kept() {
        let mut node = voter(0, 3, 2, &[1]);
        node.voted_for = Some(2);
        let reply = answer(&mut node, 1, pre_vote(7, 1, 1));
        assert_eq!(
            reply,
            pre_vote_reply(7, true),
            "granted, though we voted in 2"
        );
        assert_eq!((node.current_term, node.voted_for), (2, Some(2)));
        // A granted reply's term (the asked one) is not adopted either.
        let mut candidate = voter(1, 3, 2, &[1]);
        candidate.step(Input::ElectionTimeout);
        receive(&mut candidate, 2, pre_vote_reply(9, true));
        assert_eq!(candidate.current_term, 2);
    }

    #[test]
    fn pre_vote_refusal_of_a_later_term_is_adopted() {
        let mut node = voter(1, 3, 2, &[1]);
        node.step(Input::ElectionTimeout);
        let out = receive(&mut node, 0, pre_vote_reply(5, false));
        assert_eq!((node.current_term, &node.role), (5, &Role::Follower));
        assert_eq!(out.persist.map(|p| p.current_term), Some(5));
    }

    #[test]
    fn pre_vote_majority_starts_the_real_election() {
        let mut node = voter(0, 5, 2, &[1, 2]);
        node.step(Input::ElectionTimeout);
        receive(&mut node, 1, pre_vote_reply(3, true));
        let out = receive(&mut node, 1, pre_vote_reply(3, true));
        assert!(out.messages.is_empty(), "a duplicated pre-vote counts once");
        let out = receive(&mut node, 2, pre_vote_reply(2, true));
        assert!(
            out.messages.is_empty(),
            "a pre-vote for another term counts for nothing"
        );
        let out = receive(&mut node, 3, pre_vote_reply(3, true));
        assert_eq!(node.current_term, 3, "3 of 5: the election proper");
        assert!(matches!(node.role, Role::Candidate { votes } if votes.len() == 1));
        assert_eq!(node.voted_for, Some(0));
        let persisted = out.persist.clone().expect("term and self-vote persisted");
        assert_eq!((persisted.current_term, persisted.voted_for), (3, Some(0)));
        let request = Message::RequestVote {
            term: 3,
            last_log_index: 2,
            last_log_term: 2,
        };
        assert_eq!(sent_to(&out, 4), vec![&request]);
        // Late pre-votes change nothing now.
        let out = receive(&mut node, 4, pre_vote_reply(3, true));
        assert!(out.messages.is_empty() && !node.is_leader());
    }

    #[test]
    fn pre_candidate_steps_down_on_append_entries_of_its_term() {
        let mut node = voter(0, 3, 2, &[1]);
        node.step(Input::ElectionTimeout);
        receive(&mut node, 1, append(2, 1, 1, vec![], 0));
        assert_eq!(node.role, Role::Follower);
        assert_eq!(node.leader_hint, Some(1));
        assert_eq!(node.current_term, 2);
    }

    #[test]
    fn pre_vote_leader_refuses() {
        // A leader is in its own lease: a higher-term pre-vote is refused, nothing changes.
        let mut node = leader(0, 3, 2, &[1, 2]);
        node.config.pre_vote = true;
        let before = node.clone();
        let reply = answer(&mut node, 1, pre_vote(3, 5, 2));
        assert_eq!(reply, pre_vote_reply(2, false));
        assert_eq!(node, before);
    }

    #[test]
    fn pre_vote_single_server_elects_itself() {
        let mut node = Node::new(0, Config::with_liveness(1));
        let out = node.step(Input::ElectionTimeout);
        assert_eq!(node.state(), (1, true));
        assert!(out.messages.is_empty());
    }
}
