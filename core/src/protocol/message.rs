//! The RPCs of Figure 2 (and Figure 13's InstallSnapshot), as plain values. A request and its
//! reply are separate messages; replies echo what the leader needs to stay derived from the
//! request it sent (`match_index`), never from its own later state.

use crate::protocol::types::{Entry, Index, NodeId, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Message {
    RequestVote {
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
    },
    RequestVoteReply {
        term: Term,
        granted: bool,
    },
    AppendEntries {
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
    },
    AppendEntriesReply {
        term: Term,
        success: bool,
        /// On success: `prev_log_index + entries.len()` of the request being answered.
        match_index: Index,
        /// On failure: where the leader should resume (the first index of `conflict_term` in the
        /// follower's log, or the follower's `last_index + 1` when its log is too short).
        conflict_index: Index,
        /// On failure: the follower's term at `prev_log_index`, `None` if it has no entry there.
        conflict_term: Option<Term>,
    },
    InstallSnapshot {
        term: Term,
        last_included_index: Index,
        last_included_term: Term,
        data: Vec<u8>,
    },
    InstallSnapshotReply {
        term: Term,
        /// The `last_included_index` of the request being answered.
        match_index: Index,
    },
    /// PreVote (thesis §9.6): "would you vote for me in `term`?" (the sender's term + 1). Its
    /// term is never adopted, and answering it changes neither term nor vote.
    PreVote {
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
    },
    /// A granted reply echoes the request's `term`; a refusal carries the voter's own term.
    PreVoteReply {
        term: Term,
        granted: bool,
    },
}

impl Message {
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote { term, .. }
            | Message::RequestVoteReply { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendEntriesReply { term, .. }
            | Message::InstallSnapshot { term, .. }
            | Message::InstallSnapshotReply { term, .. }
            | Message::PreVote { term, .. }
            | Message::PreVoteReply { term, .. } => *term,
        }
    }

    /// Short name of the RPC, for stories and counters.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::RequestVote { .. } => "RequestVote",
            Message::RequestVoteReply { .. } => "RequestVoteReply",
            Message::AppendEntries { .. } => "AppendEntries",
            Message::AppendEntriesReply { .. } => "AppendEntriesReply",
            Message::InstallSnapshot { .. } => "InstallSnapshot",
            Message::InstallSnapshotReply { .. } => "InstallSnapshotReply",
            Message::PreVote { .. } => "PreVote",
            Message::PreVoteReply { .. } => "PreVoteReply",
        }
    }

    /// Requests start an exchange; replies finish one.
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Message::RequestVote { .. }
                | Message::AppendEntries { .. }
                | Message::InstallSnapshot { .. }
                | Message::PreVote { .. }
        )
    }
}

/// A message in flight between two servers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Envelope {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: Message,
}
