//! Every safety property of the project, defined once, plainly (per index, over B-trees, no
//! cleverness): these functions are what each property means. Checkers call the optimised
//! versions in `fast` (`PROPERTIES`, `check_all`), which give exactly the same verdicts (tested).
//! Stated over server states (live or crashed) plus ghost history, so they cover the past.

use crate::judge::history::NodeHistory;
use crate::judge::words;
use crate::protocol::log::Log;
use crate::protocol::node::{Node, Persistent};
use crate::protocol::types::{Command, Index, NodeId, Term};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub mod fast;
mod table;

pub use fast::{check_all, PROPERTIES};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Property {
    /// At most one leader per term, over every election that ever happened.
    ElectionSafety,
    /// Two logs with an entry of the same index and term are identical up to that index.
    LogMatching,
    /// Every entry ever committed is in the log of every leader of a later term.
    LeaderCompleteness,
    /// No two servers ever apply different commands at one index.
    StateMachineSafety,
    /// A leader never overwrites or deletes entries of its log (one step, before/after).
    LeaderAppendOnly,
    /// Auxiliary: a server grants at most one vote per term.
    OneVotePerTerm,
    /// Auxiliary: a server's current term never decreases, across restarts too.
    TermMonotonic,
    /// Auxiliary: the commit index never decreases within an incarnation.
    CommitMonotonic,
    /// Auxiliary: log terms are non-decreasing and never above the owner's current term.
    LogTermsValid,
    /// Auxiliary: every committed entry is held by a majority of persisted logs.
    CommittedOnMajority,
    /// A server compacts only what it knew committed, and every command a snapshot held is the
    /// command committed at its index.
    SnapshotCommitted,
}

impl Property {
    pub fn name(self) -> &'static str {
        match self {
            Property::ElectionSafety => "ElectionSafety",
            Property::LogMatching => "LogMatching",
            Property::LeaderCompleteness => "LeaderCompleteness",
            Property::StateMachineSafety => "StateMachineSafety",
            Property::LeaderAppendOnly => "LeaderAppendOnly",
            Property::OneVotePerTerm => "OneVotePerTerm",
            Property::TermMonotonic => "TermMonotonic",
            Property::CommitMonotonic => "CommitMonotonic",
            Property::LogTermsValid => "LogTermsValid",
            Property::CommittedOnMajority => "CommittedOnMajority",
            Property::SnapshotCommitted => "SnapshotCommitted",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A property that failed: which, on which servers, at which index and term, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    pub property: Property,
    pub nodes: Vec<NodeId>,
    pub index: Option<Index>,
    pub term: Option<Term>,
    pub detail: String,
}

impl Violation {
    pub fn new(
        property: Property,
        nodes: Vec<NodeId>,
        index: Option<Index>,
        term: Option<Term>,
        detail: String,
    ) -> Violation {
        Violation {
            property,
            nodes,
            index,
            term,
            detail,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on = crate::judge::words::servers(&self.nodes);
        write!(f, "{} violated on {on}", self.property)?;
        if let Some(i) = self.index {
            write!(f, " at index {i}")?;
        }
        if let Some(t) = self.term {
            write!(f, " in term {t}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// One server as the invariants see it: its live state (`None` while crashed), what it has
/// persisted (`None`: nothing yet), and its ghost history.
#[derive(Clone, Copy, Debug)]
pub struct NodeView<'a> {
    pub id: NodeId,
    pub node: Option<&'a Node>,
    pub durable: Option<&'a Persistent>,
    pub history: &'a NodeHistory,
}

impl<'a> NodeView<'a> {
    /// The server's log: its live log, or what it persisted while it is down.
    fn log(&self) -> Option<&'a Log> {
        self.node
            .map(|n| n.log())
            .or_else(|| self.durable.map(|p| &p.log))
    }
}

pub type Check = fn(&[NodeView]) -> Result<(), Violation>;

/// Every state property as defined here, primary ones first, in the order checkers report.
/// Transition properties (LeaderAppendOnly, TermMonotonic, CommitMonotonic, and SnapshotCommitted's
/// compaction half) are checked as steps happen and read back from the histories.
pub const DEFINITIONS: [(Property, Check); 11] = [
    (Property::ElectionSafety, election_safety),
    (Property::LogMatching, log_matching),
    (Property::LeaderCompleteness, leader_completeness),
    (Property::StateMachineSafety, state_machine_safety),
    (Property::LeaderAppendOnly, |v| {
        recorded(v, Property::LeaderAppendOnly)
    }),
    (Property::OneVotePerTerm, one_vote_per_term),
    (Property::TermMonotonic, |v| {
        recorded(v, Property::TermMonotonic)
    }),
    (Property::CommitMonotonic, |v| {
        recorded(v, Property::CommitMonotonic)
    }),
    (Property::LogTermsValid, log_terms_valid),
    (Property::CommittedOnMajority, committed_on_majority),
    (Property::SnapshotCommitted, snapshot_committed),
];

/// Every definition, in `DEFINITIONS` order: the first violation found.
pub fn check_definitions(views: &[NodeView]) -> Result<(), Violation> {
    DEFINITIONS.iter().try_for_each(|(_, check)| check(views))
}

pub(crate) fn recorded(views: &[NodeView], property: Property) -> Result<(), Violation> {
    for v in views {
        if let Some(violation) = v.history.violations.iter().find(|x| x.property == property) {
            return Err(violation.clone());
        }
    }
    Ok(())
}

/// ElectionSafety: at most one leader per term, over every election in the ghost history.
pub fn election_safety(views: &[NodeView]) -> Result<(), Violation> {
    let mut leaders: BTreeMap<Term, NodeId> = BTreeMap::new();
    for v in views {
        for term in v.history.elected.iter().map(|e| e.term) {
            match leaders.get(&term) {
                Some(&other) if other != v.id => {
                    return Err(Violation::new(
                        Property::ElectionSafety,
                        vec![other, v.id],
                        None,
                        Some(term),
                        format!(
                            "servers {other} and {} were both elected in term {term}",
                            v.id
                        ),
                    ));
                }
                _ => {
                    leaders.insert(term, v.id);
                }
            }
        }
    }
    Ok(())
}

/// LogMatching: if two logs (live, or persisted while down) hold an entry with the same index
/// and term, they hold the same entries at every index up to it (compared over the indices
/// both still hold). Reported at the first differing index, with the highest common one's term.
pub fn log_matching(views: &[NodeView]) -> Result<(), Violation> {
    let logs: Vec<(NodeId, &Log)> = views
        .iter()
        .filter_map(|v| v.log().map(|l| (v.id, l)))
        .collect();
    for (a, (ia, la)) in logs.iter().enumerate() {
        for (ib, lb) in &logs[a + 1..] {
            let from = la.first_index().max(lb.first_index());
            let to = la.last_index().min(lb.last_index());
            let Some(top) = (from..=to).rev().find(|&i| la.term_at(i) == lb.term_at(i)) else {
                continue;
            };
            for i in from..=top {
                let (ea, eb) = (la.entry(i), lb.entry(i));
                if ea != eb {
                    return Err(Violation::new(
                        Property::LogMatching,
                        vec![*ia, *ib],
                        Some(i),
                        la.term_at(top),
                        format!(
                            "logs agree on index {top} (term {}) but differ at index {i}: \
                             {} vs {}",
                            words::term(la.term_at(top)),
                            words::entry(i, ea),
                            words::entry(i, eb)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Every entry ever committed (applied by some server), by index: its term, its command, the
/// earliest term it was known committed in, and a server that applied it then.
fn committed(views: &[NodeView]) -> BTreeMap<Index, (Term, Option<Command>, Term, NodeId)> {
    let mut all: BTreeMap<Index, (Term, Option<Command>, Term, NodeId)> = BTreeMap::new();
    for v in views {
        for (&index, a) in &v.history.applied {
            let slot = all
                .entry(index)
                .or_insert((a.term, a.command, a.commit_term, v.id));
            if a.commit_term < slot.2 {
                *slot = (a.term, a.command, a.commit_term, v.id);
            }
        }
    }
    all
}

/// LeaderCompleteness: every entry committed in term `c` (the earliest term any server applied
/// it in) is held, with its term and command, by every leader elected in a term `t > c`, crashed
/// or stepped down since included: compared with the leader's log as it was when it was elected
/// (ghost `NodeHistory::elected`); an index within that log's snapshot holds the committed
/// command in the snapshot's service state. A snapshot that does not decode holds nothing.
pub fn leader_completeness(views: &[NodeView]) -> Result<(), Violation> {
    let committed: Vec<_> = committed(views).into_iter().collect();
    leader_completeness_over(views, &committed)
}

/// An entry as committed: its term, its command, the earliest term it was known committed in,
/// and a server that applied it then.
pub(crate) type Committed = (Term, Option<Command>, Term, NodeId);

/// LeaderCompleteness for these committed entries (index order).
pub(crate) fn leader_completeness_over(
    views: &[NodeView],
    committed: &[(Index, Committed)],
) -> Result<(), Violation> {
    if committed.is_empty() {
        return Ok(());
    }
    for v in views {
        for election in &v.history.elected {
            let t = election.term;
            for &(index, (term, command, commit_term, by)) in committed {
                if commit_term >= t {
                    continue;
                }
                if !election.log.holds(index, term, command) {
                    let held = election.log.at(index);
                    return Err(Violation::new(
                        Property::LeaderCompleteness,
                        vec![v.id, by],
                        Some(index),
                        Some(t),
                        format!(
                            "leader {} elected in term {t} lacked the entry {index}:t{term} {} \
                             committed in term {commit_term} (applied by server {by}); at index \
                             {index} it held {}",
                            v.id,
                            words::command(command),
                            words::held(index, held)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// StateMachineSafety: no two servers ever applied different commands at the same index, as
/// entries or through snapshots.
pub fn state_machine_safety(views: &[NodeView]) -> Result<(), Violation> {
    recorded(views, Property::StateMachineSafety)?;
    snapshots_agree(views)?;
    let mut first: BTreeMap<Index, (Term, Option<Command>, NodeId)> = BTreeMap::new();
    for v in views {
        for (&index, a) in &v.history.applied {
            match first.get(&index) {
                Some(&(term, command, by)) if (term, command) != (a.term, a.command) => {
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        vec![by, v.id],
                        Some(index),
                        Some(a.term),
                        format!(
                            "server {by} applied {} (term {term}) at index {index}, server {} \
                             applied {} (term {})",
                            words::command(command),
                            v.id,
                            words::command(a.command),
                            a.term
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert(index, (a.term, a.command, v.id));
                }
            }
        }
    }
    Ok(())
}

/// The commands servers received through snapshots agree with every command applied (as an
/// entry or through another snapshot) at the same index.
fn snapshots_agree(views: &[NodeView]) -> Result<(), Violation> {
    if views.iter().all(|v| v.history.snapshot_applied.is_empty()) {
        return Ok(());
    }
    let mut first: BTreeMap<Index, (Option<Command>, NodeId)> = BTreeMap::new();
    for v in views {
        let entries = v.history.applied.iter().map(|(&i, a)| (i, a.command));
        let snapshot = v.history.snapshot_applied.iter().map(|(&i, &c)| (i, c));
        for (index, command) in entries.chain(snapshot) {
            match first.get(&index) {
                Some(&(other, by)) if other != command => {
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        vec![by, v.id],
                        Some(index),
                        None,
                        format!(
                            "at index {index} server {by}'s state machine has {}, server {}'s \
                             has {} (snapshots included)",
                            words::command(other),
                            v.id,
                            words::command(command)
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert(index, (command, v.id));
                }
            }
        }
    }
    Ok(())
}

/// LeaderAppendOnly, as a transition: a server that is leader of the same term before and after
/// a step still holds every entry it held before beyond its new snapshot.
pub fn leader_append_only(before: &Node, after: &Node) -> Result<(), Violation> {
    if !(before.is_leader() && after.is_leader() && before.current_term() == after.current_term()) {
        return Ok(());
    }
    let (old, new) = (before.log(), after.log());
    for (index, entry) in old.iter() {
        if index <= new.snapshot_index() {
            continue;
        }
        if new.entry(index) != Some(entry) {
            return Err(Violation::new(
                Property::LeaderAppendOnly,
                vec![after.id()],
                Some(index),
                Some(after.current_term()),
                format!(
                    "leader {} of term {} replaced {} by {}",
                    after.id(),
                    after.current_term(),
                    words::entry(index, Some(entry)),
                    words::entry(index, new.entry(index))
                ),
            ));
        }
    }
    Ok(())
}

/// OneVotePerTerm: no server granted votes to two candidates in one term.
pub fn one_vote_per_term(views: &[NodeView]) -> Result<(), Violation> {
    for v in views {
        for pair in v.history.votes.windows(2) {
            let ((t1, c1), (t2, c2)) = (pair[0], pair[1]);
            if t1 == t2 && c1 != c2 {
                return Err(Violation::new(
                    Property::OneVotePerTerm,
                    vec![v.id, c1, c2],
                    None,
                    Some(t1),
                    format!("server {} voted for both {c1} and {c2} in term {t1}", v.id),
                ));
            }
        }
    }
    Ok(())
}

/// LogTermsValid: each live log's terms are non-decreasing (from its snapshot's term) and at
/// most the current term.
pub fn log_terms_valid(views: &[NodeView]) -> Result<(), Violation> {
    for v in views {
        let Some(node) = v.node else { continue };
        let log = node.log();
        let mut prev = log.snapshot_term();
        for (index, entry) in log.iter() {
            if entry.term < prev || entry.term > node.current_term() {
                return Err(Violation::new(
                    Property::LogTermsValid,
                    vec![v.id],
                    Some(index),
                    Some(entry.term),
                    format!(
                        "entry of term {} at index {index} follows term {prev}, current term {}",
                        entry.term,
                        node.current_term()
                    ),
                ));
            }
            prev = entry.term;
        }
    }
    Ok(())
}

/// CommittedOnMajority: every committed entry is in a majority of persisted logs (or below
/// their snapshots), so no minority of crashes can lose it.
pub fn committed_on_majority(views: &[NodeView]) -> Result<(), Violation> {
    let n = views.len();
    for (index, (term, _, _, by)) in committed(views) {
        let holders = views
            .iter()
            .filter(|v| {
                v.durable.is_some_and(|p| {
                    index <= p.log.snapshot_index() || p.log.term_at(index) == Some(term)
                })
            })
            .count();
        if holders * 2 <= n {
            return Err(Violation::new(
                Property::CommittedOnMajority,
                vec![by],
                Some(index),
                Some(term),
                format!(
                    "entry at index {index} (term {term}) was applied by server {by} but only \
                     {holders} of {n} persisted logs hold it"
                ),
            ));
        }
    }
    Ok(())
}

/// SnapshotCommitted: no server compacted beyond its commit index (a transition, recorded by
/// the history), and every command any snapshot held (`NodeHistory::snapshots`: taken,
/// installed or loaded) is the command of an entry some server applied at that index.
pub fn snapshot_committed(views: &[NodeView]) -> Result<(), Violation> {
    recorded(views, Property::SnapshotCommitted)?;
    if views.iter().all(|v| v.history.snapshots.is_empty()) {
        return Ok(());
    }
    let mut committed: BTreeMap<Index, Vec<Option<Command>>> = BTreeMap::new();
    for v in views {
        for (&index, a) in &v.history.applied {
            committed.entry(index).or_default().push(a.command);
        }
    }
    for v in views {
        for (&index, command) in &v.history.snapshots {
            let applied = committed.get(&index).map_or(&[][..], Vec::as_slice);
            if !applied.contains(command) {
                return Err(Violation::new(
                    Property::SnapshotCommitted,
                    vec![v.id],
                    Some(index),
                    None,
                    format!(
                        "a snapshot of server {} held {} at index {index}, where the entries \
                         applied there were {}",
                        v.id,
                        words::command(*command),
                        words::commands(applied)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The interesting situations a run must reach before a "held" means anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Situation {
    LeaderElected,
    EntryCommitted,
    LeaderChangeAfterCommit,
    VoterRestarted,
    ConflictRepaired,
    SnapshotInstalled,
    RestartedFromSnapshot,
}

impl Situation {
    pub fn name(self) -> &'static str {
        match self {
            Situation::LeaderElected => "a leader is elected",
            Situation::EntryCommitted => "an entry is committed",
            Situation::LeaderChangeAfterCommit => "a new leader after a commit",
            Situation::VoterRestarted => "a voter crashes and restarts",
            Situation::ConflictRepaired => "a follower's conflicting entries are repaired",
            Situation::SnapshotInstalled => "a follower catches up by InstallSnapshot",
            Situation::RestartedFromSnapshot => "a server restarts from a snapshot",
        }
    }

    pub const ALL: [Situation; 7] = [
        Situation::LeaderElected,
        Situation::EntryCommitted,
        Situation::LeaderChangeAfterCommit,
        Situation::VoterRestarted,
        Situation::ConflictRepaired,
        Situation::SnapshotInstalled,
        Situation::RestartedFromSnapshot,
    ];

    /// Has this situation happened in the history behind `views`?
    pub fn reached(self, views: &[NodeView]) -> bool {
        let any = |f: fn(&NodeHistory) -> bool| views.iter().any(|v| f(v.history));
        match self {
            Situation::LeaderElected => any(|h| !h.elected.is_empty()),
            Situation::EntryCommitted => any(|h| !h.applied.is_empty()),
            Situation::LeaderChangeAfterCommit => {
                let first_commit = fast::committed(views).iter().map(|(_, c)| c.2).min();
                first_commit.is_some_and(|ct| {
                    views
                        .iter()
                        .any(|v| v.history.elected.iter().any(|e| e.term > ct))
                })
            }
            Situation::VoterRestarted => any(|h| h.restarts > 0 && !h.votes.is_empty()),
            // The repair itself: a leader's AppendEntries removed a follower's conflicting
            // entries. (The fast-backup round trip that often precedes it is pinned by unit tests
            // and the simulator's Backup3B; requiring both in one run needs 5+ messages in flight,
            // beyond what the model checker can exhaust by default.)
            Situation::ConflictRepaired => any(|h| h.truncated_conflict),
            Situation::SnapshotInstalled => any(|h| h.installed_snapshot),
            Situation::RestartedFromSnapshot => any(|h| h.restarted_from_snapshot),
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod violations;
