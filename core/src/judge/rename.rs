//! Renaming for checkers' symmetry reduction: a server's state, what it persisted, its ghost
//! history and the messages it sends, as seen under a permutation of the server ids. The caller
//! also says how commands are renamed (a checker may tag commands with their proposer).

use crate::judge::history::{Applied, ElectedLog, Election, NodeHistory};
use crate::judge::service::{decode_service, encode_service};
use crate::protocol::log::Log;
use crate::protocol::message::Message;
use crate::protocol::node::{Node, Persistent, Role};
use crate::protocol::types::{Command, Entry, NodeId, VoteSet};

/// A permutation of the server ids (`id`) and the renaming of commands it implies (`command`).
pub struct Renaming<I, C> {
    pub id: I,
    pub command: C,
}

impl<I, C> Renaming<I, C>
where
    I: Fn(NodeId) -> NodeId,
    C: Fn(Command) -> Command,
{
    fn entry(&self, e: &Entry) -> Entry {
        Entry {
            term: e.term,
            command: e.command.map(&self.command),
        }
    }

    fn entries(&self, entries: &[Entry]) -> Vec<Entry> {
        entries.iter().map(|e| self.entry(e)).collect()
    }

    pub fn log(&self, log: &Log) -> Log {
        let mut renamed = log.clone();
        renamed.entries = self.entries(log.entries());
        renamed
    }

    /// A snapshot of the reference service with its commands renamed. A snapshot that is not
    /// exactly one of the service's encodings is opaque to the renaming and kept as it is.
    pub fn snapshot(&self, data: &[u8]) -> Vec<u8> {
        match decode_service(data) {
            Ok(commands) if !data.is_empty() && encode_service(&commands) == data => {
                encode_service(&self.service(&commands))
            }
            _ => data.to_vec(),
        }
    }

    /// A service state (commands applied, index 1 first) with its commands renamed.
    pub fn service(&self, commands: &[Option<Command>]) -> Vec<Option<Command>> {
        commands.iter().map(|c| c.map(&self.command)).collect()
    }

    /// An election won, with the leader's log then.
    fn election(&self, e: &Election) -> Election {
        Election {
            term: e.term,
            log: ElectedLog {
                snapshot_index: e.log.snapshot_index,
                snapshot: e.log.snapshot.as_deref().map(|c| self.service(c)),
                entries: self.entries(&e.log.entries),
            },
        }
    }

    /// A set of servers, renamed.
    fn voters(&self, votes: VoteSet) -> VoteSet {
        let mut renamed = VoteSet::default();
        votes.iter().for_each(|id| renamed.insert((self.id)(id)));
        renamed
    }

    /// The same server with every id (its own, its vote, its leader hint, the votes it counts as
    /// a candidate, the progress it keeps as a leader) and every command renamed.
    pub fn node(&self, n: &Node) -> Node {
        let role = match &n.role {
            Role::Follower => Role::Follower,
            Role::Candidate { votes } => Role::Candidate {
                votes: self.voters(*votes),
            },
            Role::PreCandidate { votes } => Role::PreCandidate {
                votes: self.voters(*votes),
            },
            Role::Leader { progress } => {
                let mut renamed = progress.clone();
                for (id, p) in progress.iter().enumerate() {
                    renamed[(self.id)(id as NodeId) as usize] = *p;
                }
                Role::Leader { progress: renamed }
            }
        };
        Node {
            id: (self.id)(n.id),
            voted_for: n.voted_for.map(&self.id),
            leader_hint: n.leader_hint.map(&self.id),
            heard_from: self.voters(n.heard_from),
            log: self.log(&n.log),
            snapshot: self.snapshot(&n.snapshot),
            role,
            ..n.clone()
        }
    }

    pub fn persistent(&self, p: &Persistent) -> Persistent {
        Persistent {
            current_term: p.current_term,
            voted_for: p.voted_for.map(&self.id),
            log: self.log(&p.log),
            snapshot: self.snapshot(&p.snapshot),
        }
    }

    /// The ghost history: the votes granted, the nodes each violation names, the commands
    /// applied, snapshotted and received by snapshot, the elected leaders' logs.
    pub fn history(&self, h: &NodeHistory) -> NodeHistory {
        let mut votes: Vec<_> = h.votes.iter().map(|&(t, c)| (t, (self.id)(c))).collect();
        votes.sort_unstable();
        let mut violations = h.violations.clone();
        for v in &mut violations {
            v.nodes.iter_mut().for_each(|id| *id = (self.id)(*id));
        }
        NodeHistory {
            votes,
            violations,
            elected: h.elected.iter().map(|e| self.election(e)).collect(),
            applied: h
                .applied
                .iter()
                .map(|(&i, a)| {
                    let command = a.command.map(&self.command);
                    (i, Applied { command, ..*a })
                })
                .collect(),
            snapshot_applied: h
                .snapshot_applied
                .iter()
                .map(|(&i, c)| (i, c.map(&self.command)))
                .collect(),
            snapshots: h
                .snapshots
                .iter()
                .map(|(&i, c)| (i, c.map(&self.command)))
                .collect(),
            ..h.clone()
        }
    }

    /// A message's commands renamed (a message names no server: the envelope does). `None`
    /// when it carries no command, so the caller can keep sharing it.
    pub fn message(&self, m: &Message) -> Option<Message> {
        match m {
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } if entries.iter().any(|e| e.command.is_some()) => Some(Message::AppendEntries {
                term: *term,
                prev_log_index: *prev_log_index,
                prev_log_term: *prev_log_term,
                entries: self.entries(entries),
                leader_commit: *leader_commit,
            }),
            Message::InstallSnapshot {
                term,
                last_included_index,
                last_included_term,
                data,
            } => Some(Message::InstallSnapshot {
                term: *term,
                last_included_index: *last_included_index,
                last_included_term: *last_included_term,
                data: self.snapshot(data),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::config::Config;
    use crate::protocol::node::{Input, Progress};

    fn swap01(id: NodeId) -> NodeId {
        match id {
            0 => 1,
            1 => 0,
            other => other,
        }
    }

    fn plus_one(c: Command) -> Command {
        c + 1
    }

    /// Every id-bearing field of a leader (its id, vote, hint, progress) and every command in its
    /// log and snapshot is renamed; the rest is kept.
    #[test]
    fn a_leader_is_renamed_field_by_field() {
        let mut n = Node::new(0, Config::new(3));
        n.role = Role::Leader {
            progress: vec![
                Progress {
                    next_index: 3,
                    match_index: 2,
                },
                Progress {
                    next_index: 1,
                    match_index: 0,
                },
                Progress {
                    next_index: 2,
                    match_index: 1,
                },
            ],
        };
        n.current_term = 2;
        n.voted_for = Some(0);
        n.leader_hint = Some(0);
        n.log = Log::from_entries(vec![Entry {
            term: 1,
            command: Some(10),
        }]);
        n.snapshot = encode_service(&[Some(7), None]);
        let r = Renaming {
            id: swap01,
            command: plus_one,
        };
        let m = r.node(&n);
        assert_eq!((m.id, m.voted_for, m.leader_hint), (1, Some(1), Some(1)));
        let Role::Leader { progress } = &m.role else {
            panic!("still a leader")
        };
        assert_eq!(progress[1].match_index, 2);
        assert_eq!(progress[0].match_index, 0);
        assert_eq!(progress[2].match_index, 1);
        assert_eq!(m.log.entries()[0].command, Some(11));
        assert_eq!(decode_service(&m.snapshot), Ok(vec![Some(8), None]));
        assert_eq!(m.current_term, 2);
        let p = r.persistent(&n.persisted());
        assert_eq!(p.voted_for, Some(1));
        assert_eq!(p.log.entries()[0].command, Some(11));
    }

    /// A candidate's vote set is renamed; the identity renaming changes nothing.
    #[test]
    fn a_candidates_votes_are_renamed() {
        let mut n = Node::new(0, Config::new(3));
        n.step(Input::ElectionTimeout);
        let r = Renaming {
            id: swap01,
            command: plus_one,
        };
        let Role::Candidate { votes } = r.node(&n).role else {
            panic!("a candidate")
        };
        assert!(votes.contains(1) && !votes.contains(0));
        let same = Renaming {
            id: |id| id,
            command: |c| c,
        };
        assert_eq!(same.node(&n), n);
    }

    /// The votes and applied commands of a history are renamed; an opaque snapshot is kept.
    #[test]
    fn a_history_and_messages_are_renamed() {
        let mut h = NodeHistory {
            votes: vec![(1, 0), (2, 2)],
            ..NodeHistory::default()
        };
        h.applied.insert(
            1,
            Applied {
                term: 1,
                command: Some(4),
                commit_term: 1,
            },
        );
        h.snapshot_applied.insert(1, Some(5));
        h.snapshots.insert(2, Some(9));
        h.elected.push(Election {
            term: 1,
            log: ElectedLog {
                snapshot_index: 1,
                snapshot: Some(vec![Some(6)]),
                entries: vec![Entry {
                    term: 1,
                    command: Some(7),
                }],
            },
        });
        let r = Renaming {
            id: swap01,
            command: plus_one,
        };
        let g = r.history(&h);
        assert_eq!(g.votes, vec![(1, 1), (2, 2)]);
        assert_eq!(g.applied[&1].command, Some(5));
        assert_eq!(g.snapshot_applied[&1], Some(6));
        assert_eq!(g.snapshots[&2], Some(10));
        assert_eq!(g.elected[0].log.snapshot, Some(vec![Some(7)]));
        assert_eq!(g.elected[0].log.entries[0].command, Some(8));
        assert_eq!(r.snapshot(b"opaque"), b"opaque".to_vec());
        let append = Message::AppendEntries {
            term: 1,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![Entry {
                term: 1,
                command: Some(3),
            }],
            leader_commit: 0,
        };
        let Some(Message::AppendEntries { entries, .. }) = r.message(&append) else {
            panic!("renamed")
        };
        assert_eq!(entries[0].command, Some(4));
        let reply = Message::RequestVoteReply {
            term: 1,
            granted: true,
        };
        assert_eq!(r.message(&reply), None);
    }
}
