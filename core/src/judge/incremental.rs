//! The incremental invariant check behind `Cluster::apply_incremental`: after an operation that
//! changed one server's view (its state, persisted state and history), only properties that
//! involve that server can newly fail, so only they are checked. It never decides a verdict on
//! its own: when it suspects anything, the full `check_all` runs and its answer is returned.
//!
//! Why it is equivalent to `check_all`, given every property held before the operation and only
//! server `i`'s view changed:
//! - ElectionSafety, LogMatching, OneVotePerTerm, LogTermsValid are conditions on pairs or on
//!   single servers: pairs not involving `i` are unchanged, so checking `i` against each other
//!   server suffices, and only when what the property reads of `i` changed: its elections
//!   (only ever appended, so a count tells), its votes (likewise), its log (LogMatching), its
//!   log or current term (LogTermsValid), or whether it is up.
//! - The recorded transition properties held before, so no history had a violation; only
//!   `i`'s history can have one now.
//! - StateMachineSafety: applied histories only grow; a new conflict involves an index that `i`
//!   newly applied in this step (its `Apply::Entry`s), compared against every server.
//! - LeaderCompleteness: an (election, committed entry) pair can newly fail only if the election
//!   is one of `i`'s in this step (recorded elections never change), or the entry's commit term
//!   dropped because `i` newly applied it. With
//!   StateMachineSafety holding, all servers agree on each applied index's (term, command), so
//!   checking every server's applied entry is the same as checking `committed`'s chosen one.
//! - CommittedOnMajority: holders only change on `i`'s persisted log, from the first index where
//!   it changed (`first_change`); new committed entries are `i`'s new applies.
//!
//! A restart is one such operation (a server comes up with its persisted log, as a follower, and
//! its history may record a TermMonotonic violation), unless it loads a snapshot: the driver
//! checks those, and every other snapshot, in full.

use crate::judge::invariants::{
    check_all, election_safety, log_matching, log_terms_valid, one_vote_per_term, NodeView,
    Violation,
};
use crate::protocol::log::Log;
use crate::protocol::node::{Apply, Persistent};
use crate::protocol::types::{Index, Term};

/// What server `i`'s view was before the operation (borrowed from the driver's copies).
pub struct Before<'a> {
    /// Its log: the live one, or the persisted one while it was down.
    pub log: Option<&'a Log>,
    /// Its current term, if it was up.
    pub term: Option<Term>,
    pub durable: Durable<'a>,
    /// `Some(term)` if it was a live leader of `term`.
    pub leader_term: Option<Term>,
    pub was_up: bool,
    /// How many elections and votes its history held.
    pub elected: usize,
    pub votes: usize,
}

/// What server `i` had persisted before the operation.
pub enum Durable<'a> {
    /// The operation did not persist anything.
    Unchanged,
    /// The operation replaced this (`None`: nothing persisted yet).
    Replaced(Option<&'a Persistent>),
}

fn view_log<'a>(v: &NodeView<'a>) -> Option<&'a Log> {
    v.node
        .map(|n| n.log())
        .or_else(|| v.durable.map(|p| &p.log))
}

/// `check_all(views)`, given that it held before the operation, that only `views[i]` changed,
/// and that `applies` is what server `i` handed its state machine in the operation.
pub fn check_after(
    views: &[NodeView],
    i: usize,
    before: &Before,
    applies: &[Apply],
) -> Result<(), Violation> {
    if suspect(views, i, before, applies) {
        check_all(views)
    } else {
        Ok(())
    }
}

/// Could any property fail now? `false` only if none can.
fn suspect(views: &[NodeView], i: usize, before: &Before, applies: &[Apply]) -> bool {
    let me = &views[i];
    if me.history.violation.is_some() {
        return true;
    }
    let pair = |j: usize| [views[i], views[j]];
    let others = (0..views.len()).filter(|&j| j != i);
    // Elections and votes are only ever added: unchanged lists answer as before.
    if me.history.elected.len() != before.elected
        && others.clone().any(|j| election_safety(&pair(j)).is_err())
    {
        return true;
    }
    if me.history.votes.len() != before.votes && one_vote_per_term(&[*me]).is_err() {
        return true;
    }
    let log_changed = view_log(me) != before.log || !before.was_up;
    let term_changed = me.node.map(|n| n.current_term()) != before.term;
    if (log_changed || term_changed) && log_terms_valid(&[*me]).is_err() {
        return true;
    }
    if log_changed && others.clone().any(|j| log_matching(&pair(j)).is_err()) {
        return true;
    }
    // StateMachineSafety and LeaderCompleteness for the newly applied entries.
    for apply in applies {
        let Apply::Entry { index, .. } = *apply else {
            continue;
        };
        let Some(mine) = me.history.applied.get(&index) else {
            continue;
        };
        let mut min_commit_term = mine.commit_term;
        for v in views {
            if let Some(a) = v.history.applied.get(&index) {
                if (a.term, a.command) != (mine.term, mine.command) {
                    return true;
                }
                min_commit_term = min_commit_term.min(a.commit_term);
            }
        }
        let elections = views.iter().flat_map(|v| &v.history.elected);
        if elections
            .filter(|e| e.term > min_commit_term)
            .any(|e| !e.log.holds(index, mine.term, mine.command))
        {
            return true;
        }
        if !on_majority(views, index, mine.term) {
            return true;
        }
    }
    // LeaderCompleteness for the elections of this step: every entry committed before.
    for election in me.history.elected.get(before.elected..).unwrap_or_default() {
        for v in views {
            for (&index, a) in &v.history.applied {
                if a.commit_term < election.term && !election.log.holds(index, a.term, a.command) {
                    return true;
                }
            }
        }
    }
    // CommittedOnMajority where server i's persisted log changed.
    if let Durable::Replaced(old) = before.durable {
        if let Some(from) = first_change(old, me.durable) {
            for v in views {
                for (&index, a) in v.history.applied.range(from..) {
                    if !on_majority(views, index, a.term) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// Is (index, term) held by a majority of persisted logs (or below their snapshots)?
fn on_majority(views: &[NodeView], index: Index, term: Term) -> bool {
    let holders = views
        .iter()
        .filter(|v| {
            v.durable.is_some_and(|p| {
                index <= p.log.snapshot_index() || p.log.term_at(index) == Some(term)
            })
        })
        .count();
    holders * 2 > views.len()
}

/// The first index whose "held with term t" answer may differ between two persisted states
/// (`None`: they answer alike everywhere).
fn first_change(before: Option<&Persistent>, after: Option<&Persistent>) -> Option<Index> {
    let (b, a) = match (before, after) {
        (None, None) => return None,
        (Some(b), Some(a)) => (&b.log, &a.log),
        _ => return Some(1),
    };
    if b == a {
        return None;
    }
    // An index up to a snapshot is held whatever the term; past it, held with the term there.
    // Different snapshots: they answer alike up to the lower one and differ just past it.
    let (sb, sa) = (b.snapshot_index(), a.snapshot_index());
    if sb != sa {
        return Some(sb.min(sa) + 1);
    }
    let (eb, ea) = (b.entries(), a.entries());
    let same = eb
        .iter()
        .zip(ea)
        .take_while(|(x, y)| x.term == y.term)
        .count();
    // Past the common run one log has another term or no entry; without any difference in
    // what is held (only commands or the snapshot's term differ): from 1, conservatively.
    Some(if same < eb.len().max(ea.len()) {
        sb + 1 + same as Index
    } else {
        1
    })
}

#[cfg(test)]
mod first_change_tests {
    use super::*;
    use crate::protocol::types::Entry;
    use proptest::prelude::*;

    /// The definition: the first index in `1..=last` where "held with term t" differs.
    fn by_definition(b: &Log, a: &Log) -> Option<Index> {
        if b == a {
            return None;
        }
        let last = b.last_index().max(a.last_index());
        let held = |l: &Log, x: Index| (x > l.snapshot_index()).then(|| l.term_at(x));
        (1..=last).find(|&x| held(b, x) != held(a, x)).or(Some(1))
    }

    fn log() -> impl Strategy<Value = Log> {
        (
            0u64..4,
            0u64..3,
            proptest::collection::vec((1u64..4, 0u64..2), 0..8),
        )
            .prop_map(|(snapshot, term, entries)| {
                let mut log = Log::default();
                log.install_snapshot(snapshot, term, false);
                for (term, command) in entries {
                    log.append(Entry {
                        term,
                        command: Some(command),
                    });
                }
                log
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn first_change_is_the_definition(b in log(), a in log()) {
            let p = |log: &Log| Persistent { log: log.clone(), ..Persistent::default() };
            prop_assert_eq!(first_change(Some(&p(&b)), Some(&p(&a))), by_definition(&b, &a));
            prop_assert_eq!(first_change(Some(&p(&b)), Some(&p(&b))), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::driver::cluster::{Cluster, Op};
    use crate::protocol::config::Config;
    use proptest::prelude::*;

    fn op(n: u8) -> impl Strategy<Value = Op> {
        let node = 0..n;
        prop_oneof![
            8 => (0usize..12).prop_map(|msg| Op::Deliver { msg }),
            1 => (0usize..12).prop_map(|msg| Op::Drop { msg }),
            1 => (0usize..12).prop_map(|msg| Op::Duplicate { msg }),
            2 => node.clone().prop_map(|node| Op::ElectionTimeout { node }),
            2 => node.clone().prop_map(|node| Op::HeartbeatTimeout { node }),
            3 => (node.clone(), 1u64..4).prop_map(|(node, command)| Op::Propose { node, command }),
            1 => node.clone().prop_map(|node| Op::Crash { node }),
            1 => node.clone().prop_map(|node| Op::Restart { node }),
            1 => proptest::collection::vec(0..n, 0..3).prop_map(|group| Op::Partition { group }),
            1 => Just(Op::Heal),
            1 => node.prop_map(|node| Op::Snapshot { node }),
        ]
    }

    /// Drive four copies of a cluster with the same operations: checked in full (handing the
    /// output back, or moving it), incrementally, and incrementally with the output moved
    /// (`apply_fast`); they must give the same verdict (and output) at every step and end in
    /// the same state.
    fn agree(config: Config, ops: &[Op]) -> Result<(), TestCaseError> {
        let mut full = Cluster::new(config.clone()).unwrap();
        let mut full_moved = Cluster::new(config.clone()).unwrap();
        let mut incremental = Cluster::new(config.clone()).unwrap();
        let mut fast = Cluster::new(config).unwrap();
        for op in ops {
            let a = full.apply_with_output(op);
            let b = incremental.apply_incremental(op);
            prop_assert_eq!(&a, &b, "verdicts differ after {:?}", op);
            let outcome = a.as_ref().map(|(o, _)| *o).map_err(Clone::clone);
            prop_assert_eq!(&outcome, &fast.apply_fast(op), "apply_fast after {:?}", op);
            prop_assert_eq!(&outcome, &full_moved.apply(op), "apply after {:?}", op);
            if a.is_err() {
                break;
            }
        }
        prop_assert_eq!(&full, &incremental);
        prop_assert_eq!(&full, &fast);
        prop_assert_eq!(&full, &full_moved);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn incremental_check_agrees_with_check_all(
            n in 1u8..=5,
            ops in proptest::collection::vec(op(5), 0..200),
        ) {
            let ops: Vec<Op> = ops.into_iter().filter(|o| fits(o, n)).collect();
            agree(Config::new(n), &ops)?;
        }
    }

    #[cfg(feature = "mutants")]
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]
        /// Under every bug-zoo mutant (where violations do occur) the verdicts still agree.
        #[test]
        fn incremental_check_agrees_under_mutants(
            m in 0..crate::protocol::mutants::Mutant::ALL.len(),
            n in 2u8..=5,
            ops in proptest::collection::vec(op(5), 0..300),
        ) {
            let ops: Vec<Op> = ops.into_iter().filter(|o| fits(o, n)).collect();
            let mut config = Config::new(n);
            config.mutant = Some(crate::protocol::mutants::Mutant::ALL[m]);
            agree(config, &ops)?;
        }
    }

    fn fits(op: &Op, n: u8) -> bool {
        match op {
            Op::ElectionTimeout { node }
            | Op::HeartbeatTimeout { node }
            | Op::Propose { node, .. }
            | Op::Crash { node }
            | Op::Restart { node }
            | Op::Snapshot { node } => *node < n,
            Op::Partition { group } => group.iter().all(|&g| g < n),
            _ => true,
        }
    }
}
