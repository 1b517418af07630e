//! A replay told as a story a learner can follow: each operation in words (a delivery names its
//! message), every server after it with what the step changed marked `*` and its old values,
//! the messages the step sent, and at the end the violation explained in the paper's words.

mod explain;
mod words;

use crate::driver::cluster::{Cluster, Op, Outcome};
use crate::driver::trace::Replay;
use crate::protocol::message::Envelope;
use crate::protocol::node::Role;
use std::fmt::Write as _;

/// The legend printed first.
const LEGEND: &str = "roles: F follower, C candidate, L leader, - down; `*` marks a server the \
                      step changed, `was:` its values before";

/// The whole story of `replay`, re-running its steps from its start (deterministic: the same
/// states as the replay, without the replay keeping a cluster per step).
pub fn tell(replay: &Replay) -> String {
    let mut s = String::new();
    let config = replay.start.config();
    #[cfg(feature = "mutants")]
    if let Some(m) = config.mutant {
        let _ = writeln!(s, "bug-zoo mutant: {}", m.name());
    }
    let _ = writeln!(s, "{} servers; {LEGEND}", config.cluster_size);
    let _ = writeln!(s, "start");
    servers(&mut s, None, &replay.start);
    let mut before = replay.start.clone();
    let mut after = replay.start.clone();
    for (k, step) in replay.steps.iter().enumerate() {
        before.clone_from(&after);
        after.apply_unchecked(&step.op);
        let _ = writeln!(
            s,
            "step {}: {}",
            k + 1,
            operation(&step.op, step.outcome, &before)
        );
        servers(&mut s, Some(&before), &after);
        // A duplicate's copy is the network's doing, not a send.
        let sent = match step.op {
            Op::Duplicate { .. } => Vec::new(),
            _ => sent(&before, &after),
        };
        for env in &sent {
            let _ = writeln!(s, "  sent {}", words::envelope(env));
        }
        let _ = writeln!(s, "  network: {} in flight", after.network().len());
    }
    match &replay.violation {
        Some((k, v)) => {
            let _ = writeln!(s, "in flight after step {}:", k + 1);
            for env in after.network() {
                let _ = writeln!(s, "    {}", words::envelope(env));
            }
            if after.network().is_empty() {
                let _ = writeln!(s, "    nothing");
            }
            let at = explain::Moment {
                step: k + 1,
                before: &before,
                after: &after,
            };
            let _ = writeln!(
                s,
                "VIOLATED after step {}: {}",
                k + 1,
                explain::violation(v, &at, replay)
            );
        }
        None => s.push_str("no property violated\n"),
    }
    s
}

/// The operation in words, with what became of it when it did not simply happen.
fn operation(op: &Op, outcome: Outcome, before: &Cluster) -> String {
    let message = |msg: usize| {
        before
            .network()
            .get(msg)
            .map_or(format!("message #{msg} (none in flight there)"), |env| {
                words::envelope(env)
            })
    };
    let said = match op {
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
    };
    let why = match (op, outcome) {
        (_, Outcome::Done) => "",
        (Op::Deliver { .. }, Outcome::Lost) => "  (lost: link down or receiver down)",
        (_, Outcome::Lost) => "  (lost)",
        (_, Outcome::Skipped) => "  (skipped: not possible now)",
    };
    format!("{said}{why}")
}

/// One server as a story shows it: its line, and the fields that line is made of (to compare).
struct Shown {
    up: bool,
    role: char,
    term: String,
    vote: String,
    commit: String,
    log: String,
}

impl Shown {
    fn of(c: &Cluster, id: u8) -> Shown {
        match c.node(id) {
            Some(n) => Shown {
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
                log: words::log(n.log()),
            },
            // A crashed server: what it persisted (nothing at all yet: the initial state).
            None => {
                let p = c.durable(id).cloned().unwrap_or_default();
                Shown {
                    up: false,
                    role: '-',
                    term: p.current_term.to_string(),
                    vote: words::server(p.voted_for),
                    commit: "?".into(),
                    log: words::log(&p.log),
                }
            }
        }
    }

    fn line(&self) -> String {
        let fields = [
            ("term", &self.term),
            ("vote", &self.vote),
            ("commit", &self.commit),
            ("log", &self.log),
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
            ("log", &self.log, &old.log),
        ] {
            if new != was {
                parts.push(format!("{name}={was}"));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("was: {}", parts.join(" "))
        }
    }
}

/// Every server of `after`, the ones that differ from `before` marked.
fn servers(s: &mut String, before: Option<&Cluster>, after: &Cluster) {
    for id in after.config().ids() {
        let now = Shown::of(after, id);
        let was = before
            .map(|b| now.was(&Shown::of(b, id)))
            .unwrap_or_default();
        let mark = if was.is_empty() { ' ' } else { '*' };
        let pad = if was.is_empty() { "" } else { "   " };
        let _ = writeln!(s, "  {mark} s{id} {}{pad}{was}", now.line());
    }
}

/// The messages in `after`'s network that `before`'s did not hold (counting copies).
fn sent(before: &Cluster, after: &Cluster) -> Vec<Envelope> {
    let mut old: Vec<&Envelope> = before.network().iter().collect();
    let mut new = Vec::new();
    for env in after.network() {
        match old.iter().position(|e| *e == env) {
            Some(k) => {
                old.swap_remove(k);
            }
            None => new.push(env.clone()),
        }
    }
    new
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
