//! Shrinks a counterexample that is not known to be shortest (depth-first search and random
//! walks find deep bugs fast, on long paths): drop operations one at a time, keeping each removal after which
//! the replay still violates the same property, until no single removal does (1-minimal).
//! Message operations name their message by content, not position, so that removing an earlier
//! operation does not retarget them.

use raft_core::{Cluster, Envelope, Op, Property, Trace};

/// An operation, with a message operation's position replaced by the message itself.
#[derive(Clone, Debug)]
enum Step {
    Other(Op),
    Deliver(Envelope),
    Drop(Envelope),
    Duplicate(Envelope),
}

/// The trace's operations as steps (positions resolved against the network when they ran).
fn steps(trace: &Trace) -> Option<Vec<Step>> {
    let mut cluster = Cluster::new(trace.config.clone()).ok()?;
    let mut steps = Vec::with_capacity(trace.ops.len());
    for op in &trace.ops {
        let at = |k: usize| cluster.network().get(k).cloned();
        steps.push(match *op {
            Op::Deliver { msg } => Step::Deliver(at(msg)?),
            Op::Drop { msg } => Step::Drop(at(msg)?),
            Op::Duplicate { msg } => Step::Duplicate(at(msg)?),
            _ => Step::Other(op.clone()),
        });
        cluster.apply_unchecked(op);
    }
    Some(steps)
}

/// The driver operations `steps` stand for (a message no longer in flight: its step is left out).
fn ops(trace: &Trace, steps: &[Step]) -> Option<Vec<Op>> {
    let mut cluster = Cluster::new(trace.config.clone()).ok()?;
    let mut ops = Vec::with_capacity(steps.len());
    for step in steps {
        let op = match step {
            Step::Other(op) => Some(op.clone()),
            Step::Deliver(e) => cluster.find(e).map(|msg| Op::Deliver { msg }),
            Step::Drop(e) => cluster.find(e).map(|msg| Op::Drop { msg }),
            Step::Duplicate(e) => cluster.find(e).map(|msg| Op::Duplicate { msg }),
        };
        if let Some(op) = op {
            cluster.apply_unchecked(&op);
            ops.push(op);
        }
    }
    Some(ops)
}

/// The trace with `ops`, cut just after its first violation, if that violation is `property`.
fn violating_prefix(trace: &Trace, ops: Vec<Op>, property: Property) -> Option<Trace> {
    let mut candidate = Trace {
        ops,
        ..trace.clone()
    };
    let replay = candidate.replay().ok()?;
    let (at, v) = replay.violation?;
    (v.property == property).then(|| {
        candidate.ops.truncate(at + 1);
        candidate
    })
}

/// `trace` shrunk as far as single-step removals go; `trace` itself if it does not replay to
/// its expected property.
pub fn shrink(trace: &Trace) -> Trace {
    let Some(property) = trace.expect else {
        return trace.clone();
    };
    let Some(mut best) = violating_prefix(trace, trace.ops.clone(), property) else {
        return trace.clone();
    };
    loop {
        let before = best.ops.len();
        let mut k = best.ops.len();
        while k > 0 {
            k -= 1;
            let Some(mut candidate) = steps(&best) else {
                return best;
            };
            candidate.remove(k);
            let shorter =
                ops(&best, &candidate).and_then(|ops| violating_prefix(&best, ops, property));
            if let Some(shorter) = shorter {
                best = shorter;
                k = k.min(best.ops.len());
            }
        }
        if best.ops.len() == before {
            return best;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::{Config, Mutant, Op};

    #[test]
    fn drops_every_operation_the_violation_does_not_need() {
        // With a quorum of n/2, two self-elections in term 1 break ElectionSafety; the
        // heartbeat, the deliveries to server 2 and what follows are noise (a proposal would
        // not be: it commits at once, breaking CommittedOnMajority first).
        let mut config = Config::new(3);
        config.mutant = Some(Mutant::QuorumHalfInclusive);
        let ops = vec![
            Op::ElectionTimeout { node: 0 },
            Op::HeartbeatTimeout { node: 0 },
            Op::Deliver { msg: 1 },
            Op::Deliver { msg: 3 },
            Op::ElectionTimeout { node: 1 },
            Op::Deliver { msg: 0 },
        ];
        let mut trace = Trace::new("model", config, ops);
        trace.expect = Some(Property::ElectionSafety);
        let shrunk = shrink(&trace);
        assert_eq!(
            shrunk.ops,
            [
                Op::ElectionTimeout { node: 0 },
                Op::ElectionTimeout { node: 1 }
            ]
        );
        let replay = shrunk.replay().expect("replays");
        assert_eq!(
            replay.violation.map(|(_, v)| v.property),
            Some(Property::ElectionSafety)
        );
    }
}
