//! The optimised versions of the invariants that checkers call on every state: log scans over
//! entry slices, index tables instead of B-trees, chunked branch-free scans. Each gives exactly
//! the verdict (property, servers, index, term, detail) of its plain definition in the parent
//! module; `tests` checks so on random logs and random clusters, under every mutant too.

use super::table::{IndexTable, Keys};
use super::Committed;
use super::{
    election_safety, one_vote_per_term, recorded, snapshot_committed, Check, NodeView, Property,
    Violation,
};
use crate::judge::words;
use crate::protocol::log::Log;
use crate::protocol::node::Node;
use crate::protocol::types::{Command, Entry, Index, NodeId, Term};

/// Every state property, in `DEFINITIONS` order, as checkers call it.
pub const PROPERTIES: [(Property, Check); 11] = [
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

/// Check every property; the first violation found, in `PROPERTIES` order.
pub fn check_all(views: &[NodeView]) -> Result<(), Violation> {
    PROPERTIES.iter().try_for_each(|(_, check)| check(views))
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
                        "logs agree on index {top} (term {}) but differ at index {i}: {} vs \
                         {}",
                        words::term(la.term_at(top)),
                        words::entry(i, ea),
                        words::entry(i, eb)
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

/// Every entry ever committed (applied by some server), in index order, with the earliest term
/// it was known committed in.
pub(crate) fn committed(views: &[NodeView]) -> Vec<(Index, Committed)> {
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

/// LeaderCompleteness over the committed entries gathered with an index table.
pub fn leader_completeness(views: &[NodeView]) -> Result<(), Violation> {
    super::leader_completeness_over(views, &committed(views))
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
            "leader {} of term {} replaced {} by {}",
            after.id(),
            after.current_term(),
            words::entry(index, Some(&entry)),
            words::entry(index, new.entry(index))
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
