//! Log compaction (§7, Figure 13): the service's `Snapshot` input compacts the log; a leader
//! whose follower needs compacted entries sends InstallSnapshot; the follower installs it
//! unless it already committed that far.

use crate::protocol::message::Message;
use crate::protocol::node::{Apply, Event, Node, Output, Role, Timer};
use crate::protocol::types::{Index, NodeId, Term};

impl Node {
    /// The service applied everything up to `index` and its state is `data`: discard the log
    /// up to `index`. Ignored unless `index` is applied and beyond the current snapshot.
    pub(crate) fn on_snapshot(&mut self, index: Index, data: Vec<u8>, out: &mut Output) {
        if index <= self.log.snapshot_index() || index > self.last_applied {
            return;
        }
        self.log.compact(index);
        self.snapshot = data;
        self.dirty = true;
        out.events.push(Event::LogCompacted { index });
    }

    pub(crate) fn send_snapshot(&self, peer: NodeId, out: &mut Output) {
        out.messages.push((
            peer,
            Message::InstallSnapshot {
                term: self.current_term,
                last_included_index: self.log.snapshot_index(),
                last_included_term: self.log.snapshot_term(),
                data: self.snapshot.clone(),
            },
        ));
    }

    /// InstallSnapshot receiver (Figure 13). A snapshot at or below our commit index is old
    /// news and is ignored; otherwise keep the entries after it if our log agrees at its last
    /// index, else discard the log, and hand the snapshot to the service.
    pub(crate) fn on_install_snapshot(
        &mut self,
        leader: NodeId,
        term: Term,
        last_included_index: Index,
        last_included_term: Term,
        data: Vec<u8>,
        out: &mut Output,
    ) {
        if term < self.current_term {
            out.messages.push((leader, self.snapshot_reply(0)));
            return;
        }
        self.become_follower(out);
        self.leader_hint = Some(leader);
        out.timers.push(Timer::ResetElection);
        if last_included_index <= self.commit_index
            && !crate::mutant!(self.config, StaleSnapshotRollback)
        {
            out.messages
                .push((leader, self.snapshot_reply(last_included_index)));
            return;
        }
        let keep_suffix = !crate::mutant!(self.config, SnapshotDiscardsWholeLog);
        self.log
            .install_snapshot(last_included_index, last_included_term, keep_suffix);
        self.snapshot = data.clone();
        self.dirty = true;
        self.set_commit_index(last_included_index, out);
        self.last_applied = last_included_index;
        out.apply.push(Apply::Snapshot {
            index: last_included_index,
            term: last_included_term,
            data,
        });
        out.events.push(Event::SnapshotInstalled {
            index: last_included_index,
        });
        out.messages
            .push((leader, self.snapshot_reply(last_included_index)));
    }

    fn snapshot_reply(&self, match_index: Index) -> Message {
        Message::InstallSnapshotReply {
            term: self.current_term,
            match_index,
        }
    }

    pub(crate) fn on_install_snapshot_reply(
        &mut self,
        peer: NodeId,
        term: Term,
        match_index: Index,
        out: &mut Output,
    ) {
        if term < self.current_term {
            return;
        }
        let last_index = self.log.last_index();
        let Role::Leader { progress } = &mut self.role else {
            return;
        };
        let p = &mut progress[peer as usize];
        p.match_index = p.match_index.max(match_index.min(last_index));
        p.next_index = p.next_index.max(p.match_index + 1);
        let behind = p.next_index <= last_index;
        self.advance_leader_commit(out);
        if behind {
            self.send_append(peer, out);
        }
    }
}

#[cfg(test)]
mod tests {
    //! Log compaction and InstallSnapshot (§7, Figure 13), one test per rule.

    use crate::protocol::message::Message;
    use crate::protocol::node::tests::{
        append, append_ok, applied_indices, entries_at, follower, leader, receive, sent_to,
    };
    use crate::protocol::node::{Apply, Event, Input, Node, Output};
    use crate::protocol::types::{Index, Term};

    fn install(term: Term, index: Index, last_term: Term, data: &[u8]) -> Message {
        Message::InstallSnapshot {
            term,
            last_included_index: index,
            last_included_term: last_term,
            data: data.to_vec(),
        }
    }

    /// A term-1 follower of leader 0 holding 5 entries of term 1, 3 of them committed/applied.
    fn follower_with_three_applied() -> Node {
        let mut node = follower(1, 3, 1, &[]);
        receive(&mut node, 0, append(1, 0, 0, entries_at(1, &[1; 5]), 3));
        assert_eq!(node.last_applied(), 3);
        node
    }

    #[test]
    fn snapshot_input_compacts_only_applied_indices() {
        let mut node = follower_with_three_applied();
        for index in [4, 5, 0] {
            let out = node.step(Input::Snapshot {
                index,
                data: vec![9],
            });
            assert_eq!(
                out,
                Output::default(),
                "index {index} is not applied (or is 0)"
            );
        }
        let out = node.step(Input::Snapshot {
            index: 2,
            data: vec![2],
        });
        assert_eq!(out.events, vec![Event::LogCompacted { index: 2 }]);
        let persisted = out
            .persist
            .expect("the compacted log and snapshot are persisted");
        assert_eq!(persisted.snapshot, vec![2]);
        assert_eq!(persisted.log.snapshot_index(), 2);
        assert_eq!((node.log.snapshot_index(), node.log.last_index()), (2, 5));
        for index in [1, 2] {
            let out = node.step(Input::Snapshot {
                index,
                data: vec![9],
            });
            assert_eq!(out, Output::default(), "index {index} is already compacted");
        }
        assert_eq!(node.snapshot_data(), &[2]);
    }

    #[test]
    fn install_snapshot_ignored_at_or_below_commit_index() {
        let mut node = follower_with_three_applied();
        let before = node.log.clone();
        for index in [3, 2] {
            let out = receive(&mut node, 0, install(1, index, 1, &[9]));
            assert_eq!(
                sent_to(&out, 0),
                vec![&Message::InstallSnapshotReply {
                    term: 1,
                    match_index: index
                }]
            );
            assert!(out.apply.is_empty() && out.persist.is_none());
        }
        assert_eq!(node.log, before);
        assert_eq!((node.commit_index(), node.last_applied()), (3, 3));
    }

    #[test]
    fn install_snapshot_keeps_matching_suffix_then_applies_from_index_plus_one() {
        let mut node = follower(1, 3, 2, &[1, 1, 2, 2, 2]);
        let out = receive(&mut node, 0, install(2, 3, 2, &[7]));
        assert_eq!((node.log.snapshot_index(), node.log.last_index()), (3, 5));
        assert_eq!(
            node.log.entry(4),
            entries_at(4, &[2]).first(),
            "suffix kept"
        );
        assert_eq!(
            out.apply,
            vec![Apply::Snapshot {
                index: 3,
                term: 2,
                data: vec![7]
            }]
        );
        assert_eq!((node.commit_index(), node.last_applied()), (3, 3));
        assert!(out.events.contains(&Event::SnapshotInstalled { index: 3 }));
        let persisted = out.persist.as_ref().expect("snapshot persisted");
        assert_eq!(
            (
                persisted.snapshot.as_slice(),
                persisted.log.snapshot_index()
            ),
            (&[7][..], 3)
        );
        assert_eq!(
            sent_to(&out, 0),
            vec![&Message::InstallSnapshotReply {
                term: 2,
                match_index: 3
            }]
        );
        let out = receive(&mut node, 0, append(2, 5, 2, vec![], 5));
        assert_eq!(applied_indices(&out), vec![4, 5]);
    }

    #[test]
    fn install_snapshot_discards_log_that_disagrees() {
        let mut node = follower(1, 3, 2, &[1, 1, 1, 1]);
        receive(&mut node, 0, install(2, 3, 2, &[7]));
        assert_eq!(
            node.log.entries(),
            &[],
            "entry 4 follows a different history"
        );
        assert_eq!((node.log.last_index(), node.log.last_term()), (3, 2));
    }

    #[test]
    fn install_snapshot_beyond_log_discards_log() {
        let mut node = follower(1, 3, 2, &[1]);
        let out = receive(&mut node, 0, install(2, 5, 2, &[7]));
        assert_eq!((node.log.snapshot_index(), node.log.last_index()), (5, 5));
        assert_eq!(applied_indices(&out), vec![5]);
    }

    #[test]
    fn append_entries_below_snapshot_skip_the_compacted_prefix() {
        let mut node = follower(1, 3, 2, &[]);
        receive(&mut node, 0, install(2, 3, 1, &[7]));
        let out = receive(&mut node, 0, append(2, 0, 0, entries_at(1, &[1, 1]), 3));
        assert_eq!(
            sent_to(&out, 0),
            vec![&append_ok(2, 3)],
            "all inside the snapshot"
        );
        let out = receive(
            &mut node,
            0,
            append(2, 1, 1, entries_at(2, &[1, 1, 2, 2]), 3),
        );
        assert_eq!(sent_to(&out, 0), vec![&append_ok(2, 5)]);
        assert_eq!((node.log.snapshot_index(), node.log.last_index()), (3, 5));
        assert_eq!(node.log.entry(5), entries_at(5, &[2]).first());
    }

    #[test]
    fn leader_sends_install_snapshot_when_follower_needs_compacted_entries() {
        let mut node = leader(0, 3, 2, &[1, 1, 2, 2, 2]);
        receive(&mut node, 2, append_ok(2, 5));
        assert_eq!(node.last_applied(), 5);
        node.step(Input::Snapshot {
            index: 4,
            data: vec![4],
        });
        let out = receive(
            &mut node,
            1,
            Message::AppendEntriesReply {
                term: 2,
                success: false,
                match_index: 0,
                conflict_index: 2,
                conflict_term: None,
            },
        );
        assert_eq!(sent_to(&out, 1), vec![&install(2, 4, 2, &[4])]);
        let out = receive(
            &mut node,
            1,
            Message::InstallSnapshotReply {
                term: 2,
                match_index: 4,
            },
        );
        assert_eq!(
            sent_to(&out, 1),
            vec![&append(2, 4, 2, entries_at(5, &[2]), 5)],
            "then the entries after the snapshot"
        );
    }
}
