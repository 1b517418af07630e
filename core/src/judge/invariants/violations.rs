//! Every property seen to fail: for each, a hand-built history or state that breaks it, and the
//! exact violation (property, servers, index, term) its definition and the fast check report.

use super::*;
use crate::judge::history::Applied;
use crate::protocol::config::Config;
use crate::protocol::node::{Output, Role};
use crate::protocol::types::Entry;

fn entry(term: Term, command: Command) -> Entry {
    Entry {
        term,
        command: Some(command),
    }
}

/// Server `id` of three, in `term`, holding `entries`, leader or not (built by hand).
fn server(id: NodeId, term: Term, entries: &[Entry], leader: bool) -> Node {
    let mut node = Node::new(id, Config::new(3));
    node.current_term = term;
    node.log = Log::from_entries(entries.to_vec());
    if leader {
        node.role = Role::Leader {
            progress: Vec::new(),
        };
    }
    node
}

/// The violation of `property` that both the definition and the fast check report.
fn found(
    views: &[NodeView],
    property: Property,
) -> (Property, Vec<NodeId>, Option<Index>, Option<Term>) {
    let definition = DEFINITIONS
        .iter()
        .find(|(p, _)| *p == property)
        .map(|d| d.1);
    let v = definition.expect("defined")(views).expect_err("violated");
    assert_eq!(check_all(views), Err(v.clone()), "the fast checks agree");
    (v.property, v.nodes, v.index, v.term)
}

fn view<'a>(
    id: NodeId,
    node: Option<&'a Node>,
    durable: Option<&'a Persistent>,
    history: &'a NodeHistory,
) -> NodeView<'a> {
    NodeView {
        id,
        node,
        durable,
        history,
    }
}

#[test]
fn logs_agreeing_on_a_later_entry_but_not_before_violate_log_matching() {
    let a = server(0, 2, &[entry(1, 1), entry(2, 2)], false);
    let b = server(1, 2, &[entry(1, 9), entry(2, 2)], false);
    let h = NodeHistory::default();
    let views = [view(0, Some(&a), None, &h), view(1, Some(&b), None, &h)];
    assert_eq!(
        found(&views, Property::LogMatching),
        (Property::LogMatching, vec![0, 1], Some(1), Some(2))
    );
}

#[test]
fn a_leader_dropping_an_entry_violates_leader_append_only() {
    let before = server(0, 2, &[entry(1, 1), entry(2, 2)], true);
    let after = server(0, 2, &[entry(1, 1)], true);
    let mut h = NodeHistory::default();
    h.observe_step(&before, &after, &Output::default());
    let views = [view(0, Some(&after), None, &h)];
    assert_eq!(
        found(&views, Property::LeaderAppendOnly),
        (Property::LeaderAppendOnly, vec![0], Some(2), Some(2))
    );
}

#[test]
fn a_term_above_the_current_one_or_going_down_violates_log_terms_valid() {
    let h = NodeHistory::default();
    let ahead = server(0, 1, &[entry(1, 1), entry(2, 2)], false);
    assert_eq!(
        found(&[view(0, Some(&ahead), None, &h)], Property::LogTermsValid),
        (Property::LogTermsValid, vec![0], Some(2), Some(2))
    );
    let down = server(1, 3, &[entry(2, 1), entry(1, 2)], false);
    assert_eq!(
        found(&[view(1, Some(&down), None, &h)], Property::LogTermsValid),
        (Property::LogTermsValid, vec![1], Some(2), Some(1))
    );
}

#[test]
fn a_term_going_back_violates_term_monotonic() {
    let mut h = NodeHistory::default();
    let after = server(0, 1, &[], false);
    h.observe_step(&server(0, 2, &[], false), &after, &Output::default());
    assert_eq!(
        found(&[view(0, Some(&after), None, &h)], Property::TermMonotonic),
        (Property::TermMonotonic, vec![0], None, Some(1))
    );
    // Across a restart too.
    let mut h = NodeHistory {
        max_term: 3,
        ..NodeHistory::default()
    };
    h.observe_restart(&after);
    assert_eq!(
        found(&[view(0, Some(&after), None, &h)], Property::TermMonotonic),
        (Property::TermMonotonic, vec![0], None, Some(1))
    );
}

#[test]
fn a_commit_index_going_back_violates_commit_monotonic() {
    let mut before = server(0, 1, &[entry(1, 1), entry(1, 2)], false);
    before.commit_index = 2;
    let mut after = before.clone();
    after.commit_index = 1;
    let mut h = NodeHistory::default();
    h.observe_step(&before, &after, &Output::default());
    assert_eq!(
        found(
            &[view(0, Some(&after), None, &h)],
            Property::CommitMonotonic
        ),
        (Property::CommitMonotonic, vec![0], Some(1), None)
    );
}

#[test]
fn an_entry_applied_but_held_by_a_minority_violates_committed_on_majority() {
    let applied = Applied {
        term: 1,
        command: Some(1),
        commit_term: 1,
    };
    let mut h0 = NodeHistory::default();
    h0.applied.insert(1, applied);
    let h = NodeHistory::default();
    let holds = Persistent {
        current_term: 1,
        log: Log::from_entries(vec![entry(1, 1)]),
        ..Persistent::default()
    };
    let empty = Persistent::default();
    let views = [
        view(0, None, Some(&holds), &h0),
        view(1, None, Some(&empty), &h),
        view(2, None, None, &h),
    ];
    assert_eq!(
        found(&views, Property::CommittedOnMajority),
        (Property::CommittedOnMajority, vec![0], Some(1), Some(1))
    );
}

#[test]
fn two_servers_applying_different_entries_violate_state_machine_safety() {
    let applied = |command| Applied {
        term: 1,
        command: Some(command),
        commit_term: 1,
    };
    let (mut h0, mut h1) = (NodeHistory::default(), NodeHistory::default());
    h0.applied.insert(1, applied(1));
    h1.applied.insert(1, applied(2));
    let views = [view(0, None, None, &h0), view(1, None, None, &h1)];
    assert_eq!(
        found(&views, Property::StateMachineSafety),
        (Property::StateMachineSafety, vec![0, 1], Some(1), Some(1))
    );
}

/// A history keeps every transition violation of a step, not only the first: here the term and
/// the commit index both go back.
#[test]
fn a_history_keeps_every_transition_violation() {
    let mut before = server(0, 2, &[entry(1, 1)], false);
    before.commit_index = 1;
    let after = server(0, 1, &[entry(1, 1)], false);
    let mut h = NodeHistory::default();
    h.observe_step(&before, &after, &Output::default());
    let seen: Vec<_> = h
        .violations
        .iter()
        .map(|v| (v.property, v.index, v.term))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Property::TermMonotonic, None, Some(1)),
            (Property::CommitMonotonic, Some(0), None)
        ]
    );
    let views = [view(0, Some(&after), None, &h)];
    for (property, check) in DEFINITIONS {
        let broken = matches!(
            property,
            Property::TermMonotonic | Property::CommitMonotonic
        );
        assert_eq!(check(&views).is_err(), broken, "{property}");
    }
}

/// A server whose commit index runs past an entry its log no longer holds (so its state
/// machine silently stops short) breaks CommitMonotonic.
#[test]
fn a_committed_entry_missing_from_the_log_violates_commit_monotonic() {
    let before = server(0, 1, &[entry(1, 1), entry(1, 2)], false);
    let mut after = server(0, 1, &[entry(1, 1)], false);
    after.commit_index = 2;
    after.last_applied = 1;
    let mut h = NodeHistory::default();
    h.observe_step(&before, &after, &Output::default());
    assert_eq!(
        found(
            &[view(0, Some(&after), None, &h)],
            Property::CommitMonotonic
        ),
        (Property::CommitMonotonic, vec![0], Some(2), None)
    );
    // Applied through the commit index: nothing missing.
    after.last_applied = 2;
    let mut h = NodeHistory::default();
    h.observe_step(&before, &after, &Output::default());
    assert_eq!(h.violations, vec![]);
}
