//! A replay told as a story a learner can follow: each operation in words (a delivery names its
//! message), every server after it with what the step changed marked `*` and its old values,
//! the messages the step sent, and at the end the violation explained in the paper's words.
//! Told as it replays, a line at a time, in memory linear in the trace (long logs are shortened).

mod explain;
pub mod words;

use crate::driver::cluster::{Cluster, Op, Outcome};
use crate::driver::trace::Replay;
use crate::judge::invariants::{Situation, Violation};
use crate::protocol::log::Log;
use crate::protocol::node::Role;
use crate::protocol::types::NodeId;
use std::fmt::{self, Write};

/// The legend printed first.
const LEGEND: &str = "roles: F follower, C candidate, L leader, - down; `*` marks a server the \
                      step changed, `was:` its values before";

/// Operations that did nothing described one by one; the rest are only counted.
const IDLE_DESCRIBED: usize = 10;

/// What telling a story found.
#[derive(Clone, Debug, Default)]
pub struct Told {
    /// The first violation and the (0-based) operation that caused it; the story stops there.
    pub violation: Option<(usize, Violation)>,
    pub reached: Vec<Situation>,
    /// How many operations did nothing (not possible in the state they met).
    pub idle: usize,
    /// The first few of them, in words (`operation 7 (deliver message #99): 3 messages in
    /// flight`).
    pub idle_described: Vec<String>,
}

/// The whole story of `replay` as a string (`tell_to`).
pub fn tell(replay: &Replay) -> String {
    let ops: Vec<Op> = replay.steps.iter().map(|s| s.op.clone()).collect();
    let mut out = String::new();
    // Writing into a string cannot fail.
    let _ = tell_to(&replay.start, &ops, &mut out);
    out
}

/// Replay `ops` from `start` (a fresh cluster), writing the story to `out` step by step, and
/// checking every invariant after every operation; stops at the first violation. Memory: one
/// cluster and a line per server, whatever the length of the trace. Fails only if `out` does.
pub fn tell_to(start: &Cluster, ops: &[Op], out: &mut dyn Write) -> Result<Told, fmt::Error> {
    let config = start.config();
    let mut told = Told::default();
    #[cfg(feature = "mutants")]
    if let Some(m) = config.mutant {
        writeln!(out, "bug-zoo mutant: {}", m.name())?;
    }
    writeln!(out, "{} servers; {LEGEND}", config.cluster_size)?;
    writeln!(out, "start")?;
    let mut shown: Vec<Shown> = config.ids().map(|id| Shown::of(start, id)).collect();
    for s in &shown {
        writeln!(out, "    s{} {}", s.id, s.line())?;
    }
    let mut cluster = start.clone();
    for (k, op) in ops.iter().enumerate() {
        let said = operation(op, &cluster);
        let in_flight = cluster.network().len();
        // The one server the operation can change: the receiver of a delivery, or its own.
        let touched = match *op {
            Op::Deliver { msg } => cluster.network().get(msg).map(|e| e.to),
            _ => op.server(),
        };
        let result = cluster.apply_fast(op);
        let outcome = *result.as_ref().unwrap_or(&Outcome::Done);
        writeln!(out, "step {}: {said}{}", k + 1, why(op, outcome))?;
        if outcome == Outcome::Skipped {
            if told.idle < IDLE_DESCRIBED {
                let what = match *op {
                    Op::Deliver { msg } => format!("deliver message #{msg}"),
                    Op::Drop { msg } => format!("drop message #{msg}"),
                    Op::Duplicate { msg } => format!("duplicate message #{msg}"),
                    _ => said.clone(),
                };
                told.idle_described.push(format!(
                    "operation {} ({what}) did nothing: {}",
                    k + 1,
                    idle_reason(op, in_flight)
                ));
            }
            told.idle += 1;
        }
        let mut changed = None;
        if let Some(id) = touched.filter(|&id| id < config.cluster_size) {
            let now = Shown::of(&cluster, id);
            let slot = &mut shown[id as usize];
            let was = now.was(slot);
            if !was.is_empty() {
                changed = Some((id, was));
            }
            *slot = now;
        }
        for s in &shown {
            match &changed {
                Some((id, was)) if *id == s.id => {
                    writeln!(out, "  * s{} {}   {was}", s.id, s.line())?
                }
                _ => writeln!(out, "    s{} {}", s.id, s.line())?,
            }
        }
        // What the step sent: the messages appended after the one a delivery or drop removed
        // (a duplicate's copy is the network's doing, not a send).
        let removed = match *op {
            Op::Deliver { msg } | Op::Drop { msg } if msg < in_flight => 1,
            _ => 0,
        };
        if !matches!(op, Op::Duplicate { .. }) {
            for env in cluster.network().get(in_flight - removed..).unwrap_or(&[]) {
                writeln!(out, "  sent {}", words::envelope(env))?;
            }
        }
        writeln!(out, "  network: {} in flight", cluster.network().len())?;
        if let Err(fast) = result {
            // The full check names the violation as every other checker does (the fast one
            // agrees on the property; `incremental`'s tests pin that).
            let v = cluster.check().err().unwrap_or(fast);
            writeln!(out, "in flight after step {}:", k + 1)?;
            for env in cluster.network() {
                writeln!(out, "    {}", words::envelope(env))?;
            }
            if cluster.network().is_empty() {
                writeln!(out, "    nothing")?;
            }
            let mut before = start.clone();
            for op in &ops[..k] {
                before.apply_unchecked(op);
            }
            let at = explain::Moment {
                step: k + 1,
                before: &before,
                after: &cluster,
            };
            let explained = explain::violation(&v, &at, start, &ops[..=k]);
            writeln!(out, "VIOLATED after step {}: {explained}", k + 1)?;
            told.violation = Some((k, v));
            break;
        }
    }
    if told.violation.is_none() {
        writeln!(out, "no property violated")?;
    }
    told.reached = cluster.reached();
    Ok(told)
}

/// Why an operation that did nothing could not happen.
fn idle_reason(op: &Op, in_flight: usize) -> String {
    let messages = |n: usize| match n {
        0 => "no message in flight".to_string(),
        1 => "1 message in flight (position 0)".to_string(),
        n => format!("{n} messages in flight (positions 0 to {})", n - 1),
    };
    match op {
        Op::Deliver { .. } | Op::Drop { .. } | Op::Duplicate { .. } => messages(in_flight),
        Op::Partition { .. } => "it names a server outside the cluster".into(),
        _ => "its server is down or outside the cluster".into(),
    }
}

/// What became of an operation when it did not simply happen.
fn why(op: &Op, outcome: Outcome) -> &'static str {
    match (op, outcome) {
        (_, Outcome::Done) => "",
        (Op::Deliver { .. }, Outcome::Lost) => "  (lost: link down or receiver down)",
        (_, Outcome::Lost) => "  (lost)",
        (_, Outcome::Skipped) => "  (skipped: not possible now)",
    }
}

/// The operation in words, as the cluster before it sees it.
fn operation(op: &Op, before: &Cluster) -> String {
    let message = |msg: usize| {
        before
            .network()
            .get(msg)
            .map_or(format!("message #{msg} (none in flight there)"), |env| {
                words::envelope(env)
            })
    };
    match op {
        Op::Deliver { msg } => message(*msg),
        Op::Drop { msg } => format!("drop {}", message(*msg)),
        Op::Duplicate { msg } => format!("duplicate {}", message(*msg)),
        Op::ElectionTimeout { node } => format!("s{node} election timeout"),
        Op::HeartbeatTimeout { node } => format!("s{node} heartbeat timeout"),
        Op::Propose { node, command } => format!("client -> s{node}  propose c{command}"),
        Op::Crash { node } => format!("s{node} crashes"),
        Op::Restart { node } => format!("s{node} restarts from what it persisted"),
        Op::Partition { group } => {
            let (a, b): (Vec<_>, Vec<_>) = before.config().ids().partition(|id| group.contains(id));
            format!(
                "partition: {} cut off from {}",
                words::servers(&a),
                words::servers(&b)
            )
        }
        Op::Heal => "the partition heals".into(),
        Op::Snapshot { node } => format!("s{node} snapshots everything it applied"),
        Op::SnapshotAt { node, index } => format!("s{node} snapshots through index {index}"),
    }
}

/// One server as a story shows it: the fields its line is made of, kept to compare with the
/// next step's (the log whole: a change anywhere in it marks the server).
struct Shown {
    id: NodeId,
    up: bool,
    role: char,
    term: String,
    vote: String,
    commit: String,
    log: Log,
}

impl Shown {
    fn of(c: &Cluster, id: NodeId) -> Shown {
        match c.node(id) {
            Some(n) => Shown {
                id,
                up: true,
                role: match n.role() {
                    Role::Follower => 'F',
                    Role::PreCandidate { .. } => 'P',
                    Role::Candidate { .. } => 'C',
                    Role::Leader { .. } => 'L',
                },
                term: n.current_term().to_string(),
                vote: words::server(n.voted_for()),
                commit: n.commit_index().to_string(),
                log: n.log().clone(),
            },
            // A crashed server: what it persisted (nothing at all yet: the initial state).
            None => {
                let p = c.durable(id);
                Shown {
                    id,
                    up: false,
                    role: '-',
                    term: p.map_or(0, |p| p.current_term).to_string(),
                    vote: words::server(p.and_then(|p| p.voted_for)),
                    commit: "?".into(),
                    log: p.map(|p| p.log.clone()).unwrap_or_default(),
                }
            }
        }
    }

    fn line(&self) -> String {
        let log = words::log(&self.log);
        let fields = [
            ("term", &self.term),
            ("vote", &self.vote),
            ("commit", &self.commit),
            ("log", &log),
        ];
        let fields: Vec<String> = fields
            .iter()
            .filter(|(name, _)| self.up || *name != "commit")
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let persisted = if self.up { "" } else { "down, persisted " };
        format!("{} {persisted}{}", self.role, fields.join(" "))
    }

    /// `was: F term=1`: the fields of `old` that differ from `self`'s.
    fn was(&self, old: &Shown) -> String {
        if self.up != old.up {
            return format!("was: {}", old.line());
        }
        let mut parts = Vec::new();
        if self.role != old.role {
            parts.push(old.role.to_string());
        }
        for (name, new, was) in [
            ("term", &self.term, &old.term),
            ("vote", &self.vote, &old.vote),
            ("commit", &self.commit, &old.commit),
        ] {
            if new != was {
                parts.push(format!("{name}={was}"));
            }
        }
        if self.log != old.log {
            parts.push(format!("log={}", words::log(&old.log)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("was: {}", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::driver::cluster::Op;
    use crate::driver::trace::Trace;
    use crate::protocol::config::Config;

    /// An election told step by step: the candidate's change marked, each delivery named.
    #[test]
    fn an_election_story_names_messages_and_marks_changes() {
        let ops = vec![
            Op::ElectionTimeout { node: 0 },
            Op::Deliver { msg: 0 },
            Op::Deliver { msg: 1 },
            Op::Drop { msg: 0 },
            Op::Deliver { msg: 7 },
        ];
        let trace = Trace::new("test", Config::new(3), ops);
        let story = trace.replay().expect("replays").story();
        let lines: Vec<&str> = story.lines().collect();
        assert!(lines[0].contains("L leader"), "{story}");
        let expected = [
            "step 1: s0 election timeout",
            "  * s0 C term=1 vote=s0 commit=0 log=[]   was: F term=0 vote=-",
            "  sent s0 -> s1  RequestVote t1 last=0/t0",
            "step 2: s0 -> s1  RequestVote t1 last=0/t0",
            "  * s1 F term=1 vote=s0 commit=0 log=[]   was: term=0 vote=-",
            "step 3: s1 -> s0  VoteReply t1 granted",
            "  * s0 L term=1 vote=s0 commit=0 log=[]   was: C",
            "step 4: drop s0 -> s2  RequestVote t1 last=0/t0",
            "step 5: message #7 (none in flight there)  (skipped: not possible now)",
            "no property violated",
        ];
        for line in expected {
            assert!(lines.contains(&line), "missing {line:?} in:\n{story}");
        }
    }
}
