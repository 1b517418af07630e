//! Every safety property of the project, implemented once. The model checker, the fuzzers, the
//! property tests, the simulator and trace replay all call these functions; each returns which
//! property failed, on which servers, at which index/term. Stated over server states (live or
//! crashed) plus ghost history, so they cover the past, not just the current roles.

use crate::judge::history::NodeHistory;
use crate::protocol::log::Log;
use crate::protocol::node::{Node, Persistent};
use crate::protocol::types::{Command, Entry, Index, NodeId, Term};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use table::{IndexTable, Keys};

mod table;

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
        write!(f, "{} violated on servers {:?}", self.property, self.nodes)?;
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

/// Every state property, primary ones first. Transition properties (LeaderAppendOnly,
/// TermMonotonic, CommitMonotonic) are checked as steps happen and read back from the histories.
pub const PROPERTIES: [(Property, Check); 10] = [
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
];

/// Check every property; the first violation found, in `PROPERTIES` order.
pub fn check_all(views: &[NodeView]) -> Result<(), Violation> {
    PROPERTIES.iter().try_for_each(|(_, check)| check(views))
}

fn recorded(views: &[NodeView], property: Property) -> Result<(), Violation> {
    for v in views {
        if let Some(violation) = &v.history.violation {
            if violation.property == property {
                return Err(violation.clone());
            }
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

/// LogMatching: if two logs hold an entry with the same index and term, they hold the same
/// entries at every index up to it (compared over the indices both still hold).
pub fn log_matching(views: &[NodeView]) -> Result<(), Violation> {
    for (a, va) in views.iter().enumerate() {
        let Some(la) = va.log() else { continue };
        for vb in &views[a + 1..] {
            let Some(lb) = vb.log() else { continue };
            if let Some((i, top)) = log_mismatch(la, lb) {
                let (ea, eb) = (la.entry(i), lb.entry(i));
                return Err(Violation::new(
                    Property::LogMatching,
                    vec![va.id, vb.id],
                    Some(i),
                    la.term_at(top),
                    format!(
                        "logs agree on (index {top}, term {:?}) but differ at index {i}: \
                         {ea:?} vs {eb:?}",
                        la.term_at(top)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Where two logs break LogMatching: `(i, top)` with `top` the highest index both hold with
/// the same term and `i` the first index both hold, up to `top`, where their entries differ.
/// One pass over the two entry slices (no per-index lookups).
fn log_mismatch(la: &Log, lb: &Log) -> Option<(Index, Index)> {
    let from = la.first_index().max(lb.first_index());
    let to = la.last_index().min(lb.last_index());
    if from > to {
        return None;
    }
    let (ea, eb) = (held(la, from, to), held(lb, from, to));
    let k = ea.iter().zip(eb).rposition(|(x, y)| x.term == y.term)?;
    let d = ea[..=k].iter().zip(&eb[..=k]).position(|(x, y)| x != y)?;
    Some((from + d as Index, from + k as Index))
}

/// The entries `log` holds at `from..=to` (all held: `first_index() <= from <= to <= last_index()`).
fn held(log: &Log, from: Index, to: Index) -> &[Entry] {
    let base = log.first_index();
    &log.entries()[(from - base) as usize..=(to - base) as usize]
}

/// An entry as committed: its term, its command, the earliest term it was known committed in,
/// and a server that applied it then.
type Committed = (Term, Option<Command>, Term, NodeId);

/// Every entry ever committed (applied by some server), in index order, with the earliest term
/// it was known committed in.
fn committed(views: &[NodeView]) -> Vec<(Index, Committed)> {
    let mut all: IndexTable<Committed> = applied_keys(views).table();
    for v in views {
        for (&index, a) in &v.history.applied {
            match all.get(index) {
                Some(slot) if a.commit_term >= slot.2 => {}
                _ => all.insert(index, (a.term, a.command, a.commit_term, v.id)),
            }
        }
    }
    all.into_sorted()
}

/// The indices of every server's applied history.
fn applied_keys(views: &[NodeView]) -> Keys {
    let mut keys = Keys::default();
    views.iter().for_each(|v| keys.add(&v.history.applied));
    keys
}

/// LeaderCompleteness: every entry committed in term `c` (the earliest term any server applied
/// it in) is held, with its term and command, by every leader elected in a term `t > c`, crashed
/// or stepped down since included: compared with the leader's log as it was when it was elected
/// (ghost `NodeHistory::elected`); an index within that log's snapshot holds the committed
/// command in the snapshot's service state. A snapshot that does not decode holds nothing.
pub fn leader_completeness(views: &[NodeView]) -> Result<(), Violation> {
    let committed = committed(views);
    if committed.is_empty() {
        return Ok(());
    }
    for v in views {
        for election in &v.history.elected {
            let t = election.term;
            for &(index, (term, command, commit_term, by)) in &committed {
                if commit_term >= t {
                    continue;
                }
                if !election.log.holds(index, term, command) {
                    let held = match election.log.at(index) {
                        Ok(h) => format!("{h:?}"),
                        Err(()) => "a snapshot that does not decode".to_string(),
                    };
                    return Err(Violation::new(
                        Property::LeaderCompleteness,
                        vec![v.id, by],
                        Some(index),
                        Some(t),
                        format!(
                            "leader {} elected in term {t} lacked the entry (term {term}, \
                             {command:?}) at index {index}, committed in term {commit_term} \
                             (applied by server {by}); it held {held}",
                            v.id
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
    let mut first: IndexTable<(Term, Option<Command>, NodeId)> = applied_keys(views).table();
    for v in views {
        for (&index, a) in &v.history.applied {
            match first.get(index) {
                Some((term, command, by)) if (term, command) != (a.term, a.command) => {
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        vec![by, v.id],
                        Some(index),
                        Some(a.term),
                        format!(
                            "server {by} applied {command:?} (term {term}) at index {index}, \
                             server {} applied {:?} (term {})",
                            v.id, a.command, a.term
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
    let mut keys = Keys::default();
    for v in views {
        keys.add(&v.history.applied);
        keys.add(&v.history.snapshot_applied);
    }
    let mut first: IndexTable<(Option<Command>, NodeId)> = keys.table();
    for v in views {
        let entries = v.history.applied.iter().map(|(&i, a)| (i, a.command));
        let snapshot = v.history.snapshot_applied.iter().map(|(&i, &c)| (i, c));
        for (index, command) in entries.chain(snapshot) {
            match first.get(index) {
                Some((other, by)) if other != command => {
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        vec![by, v.id],
                        Some(index),
                        None,
                        format!(
                            "at index {index} server {by}'s state machine has {other:?}, server {}'s \
                             has {command:?} (snapshots included)",
                            v.id
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
/// a step still holds every entry it held before (compaction into a snapshot aside).
pub fn leader_append_only(before: &Node, after: &Node) -> Result<(), Violation> {
    if !(before.is_leader() && after.is_leader() && before.current_term() == after.current_term()) {
        return Ok(());
    }
    let (old, new) = (before.log(), after.log());
    let Some((index, entry)) = first_lost(old, new) else {
        return Ok(());
    };
    Err(Violation::new(
        Property::LeaderAppendOnly,
        vec![after.id()],
        Some(index),
        Some(after.current_term()),
        format!(
            "leader {} of term {} replaced {entry:?} at index {index} by {:?}",
            after.id(),
            after.current_term(),
            new.entry(index)
        ),
    ))
}

/// The first index `old` holds beyond `new`'s snapshot where `new` does not hold the same
/// entry (a different one, or none), with `old`'s entry there. One pass over the two slices.
fn first_lost(old: &Log, new: &Log) -> Option<(Index, Entry)> {
    let start = old.first_index().max(new.first_index());
    if start > old.last_index() {
        return None;
    }
    let end = old.last_index().min(new.last_index());
    if start <= end {
        let (o, n) = (held(old, start, end), held(new, start, end));
        if let Some(d) = o.iter().zip(n).position(|(x, y)| x != y) {
            return Some((start + d as Index, o[d]));
        }
    }
    let index = start.max(end + 1);
    old.entry(index).map(|&e| (index, e))
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

/// LogTermsValid: each live log's terms are non-decreasing and at most the current term.
pub fn log_terms_valid(views: &[NodeView]) -> Result<(), Violation> {
    for v in views {
        let Some(node) = v.node else { continue };
        let log = node.log();
        let current = node.current_term();
        if let Some((k, prev)) = first_bad_term(log.entries(), log.snapshot_term(), current) {
            let (index, term) = (log.first_index() + k as Index, log.entries()[k].term);
            return Err(Violation::new(
                Property::LogTermsValid,
                vec![v.id],
                Some(index),
                Some(term),
                format!(
                    "entry of term {term} at index {index} follows term {prev}, current term \
                     {current}"
                ),
            ));
        }
    }
    Ok(())
}

/// The position of the first entry whose term is below the one before it (`first_term` before
/// the first entry) or above `current`, with that previous term. Scans branch-free in chunks
/// and looks for the exact position only inside the first chunk that fails.
fn first_bad_term(entries: &[Entry], first_term: Term, current: Term) -> Option<(usize, Term)> {
    const CHUNK: usize = 64;
    let mut prev = first_term;
    for (c, chunk) in entries.chunks(CHUNK).enumerate() {
        let (mut bad, mut p) = (false, prev);
        for e in chunk {
            bad |= (e.term < p) | (e.term > current);
            p = e.term;
        }
        if bad {
            let mut p = prev;
            for (k, e) in chunk.iter().enumerate() {
                if e.term < p || e.term > current {
                    return Some((c * CHUNK + k, p));
                }
                p = e.term;
            }
        }
        prev = p;
    }
    None
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
                let first_commit = committed(views).iter().map(|(_, c)| c.2).min();
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
