//! Log compaction (§7, Figure 13): the service's `Snapshot` input compacts the log; a leader
//! whose follower needs compacted entries sends InstallSnapshot; the follower installs it
//! unless it already committed that far.

use crate::message::Message;
use crate::node::{Apply, Event, Node, Output, Role, Timer};
use crate::types::{Index, NodeId, Term};

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
        if last_included_index <= self.commit_index {
            out.messages
                .push((leader, self.snapshot_reply(last_included_index)));
            return;
        }
        self.log
            .install_snapshot(last_included_index, last_included_term, true);
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
