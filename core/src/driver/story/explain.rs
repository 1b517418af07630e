//! The end of a story: the violated property as the paper states it (Figures 2 and 3, §5, §7),
//! filled in with the servers, indices, terms and entries of this run, read from the replayed
//! clusters (never from the checker's debug text).

use super::words;
use crate::driver::cluster::{Cluster, Op};
use crate::judge::invariants::{Property, Violation};
use crate::protocol::log::Log;
use crate::protocol::types::{Index, NodeId, Term};

/// One paragraph: the rule, quoted, then what this run did against it.
/// (`start` and `ops`: the run, re-run to say at which step something first happened.)
pub fn violation(v: &Violation, at: &Moment, start: &Cluster, ops: &[Op]) -> String {
    let (rule, what) = match v.property {
        Property::ElectionSafety => (
            "Election Safety (Figure 3): \"at most one leader can be elected in a given term\".",
            election_safety(v, at),
        ),
        Property::LogMatching => (
            "Log Matching (Figure 3): \"if two logs contain an entry with the same index and \
             term, then the logs are identical in all entries up through the given index\".",
            log_matching(v, at),
        ),
        Property::LeaderCompleteness => (
            "Leader Completeness (Figure 3): \"if a log entry is committed in a given term, then \
             that entry will be present in the logs of the leaders for all higher-numbered \
             terms\".",
            leader_completeness(v, at, &Run { start, ops }),
        ),
        Property::StateMachineSafety => (
            "State Machine Safety (Figure 3): \"if a server has applied a log entry at a given \
             index to its state machine, no other server will ever apply a different log entry \
             for the same index\".",
            state_machine_safety(v, at),
        ),
        Property::LeaderAppendOnly => (
            "Leader Append-Only (Figure 3): \"a leader never overwrites or deletes entries in its \
             log; it only appends new entries\".",
            leader_append_only(v, at),
        ),
        Property::OneVotePerTerm => (
            "One vote per term (§5.2): \"each server will vote for at most one candidate in a \
             given term\"; votedFor is persistent state (Figure 2).",
            one_vote_per_term(v),
        ),
        Property::TermMonotonic => (
            "Terms only grow (Figure 2): currentTerm is the \"latest term server has seen \
             ... increases monotonically\", and it is persistent, so across restarts too.",
            in_own_words(v, at),
        ),
        Property::CommitMonotonic => (
            "Commits only grow (Figure 2): commitIndex \"increases monotonically\", and a server \
             applies every committed entry in order, once.",
            in_own_words(v, at),
        ),
        Property::LogTermsValid => (
            "Log terms are valid (§5.3): a leader creates entries of its own term, so the terms \
             in a log never decrease and never exceed its owner's current term.",
            log_terms_valid(v, at),
        ),
        Property::CommittedOnMajority => (
            "Committed means on a majority (§5.3): \"a log entry is committed once the leader \
             that created the entry has replicated it on a majority of the servers\", in their \
             persisted logs, so that no minority of crashes can lose it.",
            committed_on_majority(v, at),
        ),
        Property::SnapshotCommitted => (
            "Snapshots hold committed entries (§7): \"each server takes snapshots \
             independently, covering just the committed entries in its log\".",
            snapshot_committed(v, at),
        ),
    };
    format!("{rule} {what}")
}

/// The violating step: its number (1-based) and the cluster before and after it.
pub struct Moment<'a> {
    pub step: usize,
    pub before: &'a Cluster,
    pub after: &'a Cluster,
}

/// The replayed run: its first cluster and its operations.
struct Run<'a> {
    start: &'a Cluster,
    ops: &'a [Op],
}

/// The first step (1-based) after which the replayed cluster satisfies `seen`.
fn first_step(run: &Run, seen: &dyn Fn(&Cluster) -> bool) -> Option<usize> {
    let mut c = run.start.clone();
    run.ops
        .iter()
        .position(|op| {
            c.apply_unchecked(op);
            seen(&c)
        })
        .map(|k| k + 1)
}

/// The violation's servers, its n-th one (`s?` if it names fewer).
fn node(v: &Violation, n: usize) -> Option<NodeId> {
    v.nodes.get(n).copied()
}

fn name(id: Option<NodeId>) -> String {
    id.map_or("s?".into(), |id| format!("s{id}"))
}

/// A server's log: live, or as persisted while it is down.
fn log_of(c: &Cluster, id: Option<NodeId>) -> Option<&Log> {
    let id = id?;
    if id >= c.config().cluster_size {
        return None;
    }
    c.node(id)
        .map(|n| n.log())
        .or_else(|| c.durable(id).map(|p| &p.log))
}

/// The entry a log holds at `index`, in words (`nothing` when it holds none).
fn entry_at(log: Option<&Log>, index: Index) -> String {
    log.and_then(|l| l.entry(index))
        .map_or("nothing".into(), |e| words::entry(index, e))
}

fn index_of(v: &Violation) -> Index {
    v.index.unwrap_or(0)
}

fn term_of(v: &Violation) -> Term {
    v.term.unwrap_or(0)
}

fn election_safety(v: &Violation, at: &Moment) -> String {
    let t = term_of(v);
    let backers: Vec<String> = v
        .nodes
        .iter()
        .map(|&leader| {
            let voters: Vec<NodeId> = at
                .after
                .config()
                .ids()
                .filter(|&x| at.after.history(x).votes.contains(&(t, leader)))
                .collect();
            let voters = if voters.is_empty() {
                "none".into()
            } else {
                words::servers(&voters)
            };
            format!("s{leader} (votes granted to it in term {t}: {voters})")
        })
        .collect();
    format!(
        "Yet {} were both elected leader of term {t}: {}.",
        words::servers(&v.nodes),
        backers.join(", ")
    )
}

fn log_matching(v: &Violation, at: &Moment) -> String {
    let (a, b) = (node(v, 0), node(v, 1));
    let (la, lb) = (log_of(at.after, a), log_of(at.after, b));
    let i = index_of(v);
    let last = la
        .zip(lb)
        .map_or(i, |(x, y)| x.last_index().min(y.last_index()));
    let top = la
        .zip(lb)
        .and_then(|(x, y)| (i..=last).rev().find(|&j| x.term_at(j) == y.term_at(j)));
    let agree = top.map_or(String::new(), |j| {
        format!(
            "both hold an entry of term {} at index {j}, ",
            la.and_then(|l| l.term_at(j)).unwrap_or(0)
        )
    });
    format!(
        "After step {}, {} and {} {agree}yet at index {i} {} holds {} and {} holds {}.",
        at.step,
        name(a),
        name(b),
        name(a),
        entry_at(la, i),
        name(b),
        entry_at(lb, i)
    )
}

fn leader_completeness(v: &Violation, at: &Moment, run: &Run) -> String {
    let (leader, by) = (node(v, 0), node(v, 1));
    let (i, t) = (index_of(v), term_of(v));
    let c = at.after;
    let applied = by
        .filter(|&id| id < c.config().cluster_size)
        .and_then(|id| c.history(id).applied.get(&i).map(|a| (id, *a)));
    let Some((by, a)) = applied else {
        return format!(
            "The entry committed at index {i} is missing from the log {} won term {t} with.",
            name(leader)
        );
    };
    let entry = format!("{i}:t{} {}", a.term, words::command(a.command));
    // The first step after which a cluster satisfies `seen`.
    let first = |seen: &dyn Fn(&Cluster) -> bool| {
        first_step(run, seen).map_or(String::new(), |k| format!(" at step {k}"))
    };
    let applied_at = first(&|c: &Cluster| c.history(by).applied.contains_key(&i));
    let (won_at, held) = match leader.filter(|&id| id < c.config().cluster_size) {
        Some(l) => (
            first(&|c: &Cluster| c.history(l).elected.iter().any(|e| e.term == t)),
            c.history(l)
                .elected
                .iter()
                .find(|e| e.term == t)
                .map_or("nothing".into(), |e| words::held(i, e.log.at(i))),
        ),
        None => (String::new(), "nothing".into()),
    };
    let led = c
        .history(by)
        .elected
        .iter()
        .any(|e| e.term == a.commit_term);
    let by = if led {
        format!("s{by}, its leader, applied it{applied_at}")
    } else {
        format!("s{by} applied it{applied_at}")
    };
    let mut s = format!(
        "Entry {entry} was committed in term {} ({by}), yet {} won the election of term \
         {t}{won_at} without it: at index {i} its log held {held}, so as leader it can overwrite \
         a committed entry on every follower.",
        a.commit_term,
        name(leader)
    );
    if a.term < a.commit_term {
        s.push_str(&format!(
            " The entry is of term {} but was committed in term {}: Raft commits an entry of an \
             earlier term only by committing one of the leader's own term after it (§5.4.2, \
             Figure 8), never by counting the older entry's replicas.",
            a.term, a.commit_term
        ));
    }
    s
}

/// What server `id` applied at `index`, in words: as an entry or through a snapshot.
fn applied_at(c: &Cluster, id: Option<NodeId>, index: Index) -> String {
    let Some(id) = id.filter(|&id| id < c.config().cluster_size) else {
        return "nothing".into();
    };
    let h = c.history(id);
    match (h.applied.get(&index), h.snapshot_applied.get(&index)) {
        (Some(a), _) => format!("{index}:t{} {}", a.term, words::command(a.command)),
        (None, Some(&cmd)) => format!("{} (through a snapshot)", words::command(cmd)),
        (None, None) => "nothing".into(),
    }
}

fn state_machine_safety(v: &Violation, at: &Moment) -> String {
    let i = index_of(v);
    match (node(v, 0), node(v, 1)) {
        (a, Some(b)) => format!(
            "Yet at index {i} {} applied {} and {} applied {}.",
            name(a),
            applied_at(at.after, a, i),
            name(Some(b)),
            applied_at(at.after, Some(b), i)
        ),
        (a, None) => format!(
            "Yet at step {} {}'s state machine was handed something other than the {} it had \
             applied at index {i}.",
            at.step,
            name(a),
            applied_at(at.before, a, i)
        ),
    }
}

fn leader_append_only(v: &Violation, at: &Moment) -> String {
    let id = node(v, 0);
    let i = index_of(v);
    format!(
        "Yet {}, leader of term {}, held {} at index {i} before step {} and {} after it.",
        name(id),
        term_of(v),
        entry_at(log_of(at.before, id), i),
        at.step,
        entry_at(log_of(at.after, id), i)
    )
}

fn one_vote_per_term(v: &Violation) -> String {
    format!(
        "Yet {} granted its vote in term {} to both {} and {}.",
        name(node(v, 0)),
        term_of(v),
        name(node(v, 1)),
        name(node(v, 2))
    )
}

/// A server's current term: live, or as persisted while it is down.
fn term_in(c: &Cluster, id: Option<NodeId>) -> Term {
    let Some(id) = id.filter(|&id| id < c.config().cluster_size) else {
        return 0;
    };
    c.node(id)
        .map(|n| n.current_term())
        .or_else(|| c.durable(id).map(|p| p.current_term))
        .unwrap_or(0)
}

/// TermMonotonic and CommitMonotonic: the history's own words (plain numbers, no debug text).
fn in_own_words(v: &Violation, at: &Moment) -> String {
    format!(
        "Yet at step {} {}: {}.",
        at.step,
        name(node(v, 0)),
        v.detail
    )
}

fn log_terms_valid(v: &Violation, at: &Moment) -> String {
    let id = node(v, 0);
    let i = index_of(v);
    let log = log_of(at.after, id);
    format!(
        "Yet after step {} {} (current term {}) holds {} after {}.",
        at.step,
        name(id),
        term_in(at.after, id),
        entry_at(log, i),
        if i > 1 {
            entry_at(log, i - 1)
        } else {
            "nothing".into()
        }
    )
}

fn committed_on_majority(v: &Violation, at: &Moment) -> String {
    let (i, t) = (index_of(v), term_of(v));
    let c = at.after;
    let holders: Vec<NodeId> = c
        .config()
        .ids()
        .filter(|&x| {
            c.durable(x)
                .is_some_and(|p| i <= p.log.snapshot_index() || p.log.term_at(i) == Some(t))
        })
        .collect();
    format!(
        "Yet after step {} the entry {} that {} applied (so committed) is persisted by {} of {} \
         servers: {}.",
        at.step,
        applied_at(c, node(v, 0), i),
        name(node(v, 0)),
        holders.len(),
        c.config().cluster_size,
        if holders.is_empty() {
            "none".into()
        } else {
            words::servers(&holders)
        }
    )
}

fn snapshot_committed(v: &Violation, at: &Moment) -> String {
    let id = node(v, 0);
    let i = index_of(v);
    let commit = id
        .and_then(|x| at.before.node(x))
        .map_or(0, |n| n.commit_index());
    let held = id
        .filter(|&x| x < at.after.config().cluster_size)
        .and_then(|x| at.after.history(x).snapshots.get(&i).copied())
        .map_or("nothing".into(), words::command);
    let applied: Vec<String> = at
        .after
        .config()
        .ids()
        .filter(|&x| at.after.history(x).applied.contains_key(&i))
        .map(|x| format!("s{x} {}", applied_at(at.after, Some(x), i)))
        .collect();
    format!(
        "Yet at step {} {}'s snapshot covered index {i} (its commit index was {commit}) holding \
         {held}, where the entries applied were: {}.",
        at.step,
        name(id),
        if applied.is_empty() {
            "none".into()
        } else {
            applied.join(", ")
        }
    )
}
