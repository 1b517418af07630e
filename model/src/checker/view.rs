//! The Explorer's Raft view of a model state: a table with one row per server (role, term, vote,
//! commit, log), the messages in flight and the bounds used; each step named as a story names it
//! (`raft_core::words`), never as Rust debug text. People read it in `explore`; no check does.

use super::actors::{proposal, Action, ModelTimer, RaftState, ServerState, Wire};
use super::boundary::exceeded;
use super::bounds::Bounds;
use raft_core::{words, Role};
use stateright::actor::{ActorModelAction, Id, Network};
use std::fmt::Write as _;

/// The table's columns: a step's mark, the server, its five cells, then notes (a candidate's
/// votes, a leader's progress, a follower's leader; in a step's view, the old values).
const HEADER: [&str; 8] = [
    "", "server", "role", "term", "vote", "commit", "log", "notes",
];

/// One server's cells, from `role` to `log`, and what the row adds: a candidate's votes, a
/// leader's nextIndex/matchIndex per follower, a follower's leader.
struct Row {
    cells: [String; 5],
    notes: String,
}

fn id(id: Id) -> usize {
    usize::from(id)
}

impl Row {
    /// Server `i` of `state`: its live node, or what it persisted while it is down.
    fn of(state: &RaftState, i: usize) -> Row {
        let s: &ServerState = &state.actor_states[i];
        if state.crashed[i] {
            let (term, vote, log) = match s.durable.as_deref() {
                Some(p) => (p.current_term, p.voted_for, words::log(&p.log)),
                None => (0, None, "[]".into()),
            };
            return Row {
                cells: [
                    "down".into(),
                    term.to_string(),
                    words::server(vote),
                    "-".into(),
                    log,
                ],
                notes: "(persisted)".into(),
            };
        }
        let n = &s.node;
        let (role, notes) = match n.role() {
            Role::Follower => (
                "follower",
                n.leader_hint()
                    .map_or(String::new(), |l| format!("leader s{l}")),
            ),
            Role::PreCandidate { votes } => {
                let voters: Vec<u8> = votes.iter().collect();
                (
                    "pre-candidate",
                    format!("pre-votes from {}", words::servers(&voters)),
                )
            }
            Role::Candidate { votes } => {
                let voters: Vec<u8> = votes.iter().collect();
                (
                    "candidate",
                    format!("votes from {}", words::servers(&voters)),
                )
            }
            Role::Leader { progress } => {
                let peers: Vec<String> = progress
                    .iter()
                    .enumerate()
                    .filter(|(p, _)| *p != i)
                    .map(|(p, g)| format!("s{p} next={} match={}", g.next_index, g.match_index))
                    .collect();
                ("leader", peers.join(", "))
            }
        };
        Row {
            cells: [
                role.into(),
                n.current_term().to_string(),
                words::server(n.voted_for()),
                n.commit_index().to_string(),
                words::log(n.log()),
            ],
            notes,
        }
    }

    /// `role=candidate term=0`: the cells of `old` that differ from this row's.
    fn was(&self, old: &Row) -> String {
        let changed: Vec<String> = HEADER[2..]
            .iter()
            .zip(self.cells.iter().zip(&old.cells))
            .filter(|(_, (new, was))| new != was)
            .map(|(name, (_, was))| format!("{name}={was}"))
            .collect();
        if changed.is_empty() {
            String::new()
        } else {
            format!("was: {}", changed.join(" "))
        }
    }
}

/// The servers of `state` as an aligned table; with `before`, the rows the step changed are
/// marked `*` and end with their old values.
pub fn table(state: &RaftState, before: Option<&RaftState>) -> String {
    let mut lines: Vec<Vec<String>> = vec![HEADER.iter().map(|h| h.to_string()).collect()];
    for i in 0..state.actor_states.len() {
        let row = Row::of(state, i);
        let was = before.map_or(String::new(), |b| row.was(&Row::of(b, i)));
        let mark = if was.is_empty() { " " } else { "*" };
        let mut line = vec![mark.to_string(), format!("s{i}")];
        line.extend(row.cells.iter().cloned());
        line.push([row.notes, was].join("  ").trim().to_string());
        lines.push(line);
    }
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            let pad = widths.get(c).map_or(0, |w| w - cell.chars().count());
            let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// A message on the wire as the story prints it: `s0 -> s2  AppendEntries t2 ...`.
fn envelope(src: Id, dst: Id, msg: &Wire) -> String {
    format!("s{} -> s{}  {}", id(src), id(dst), words::message(&msg.0))
}

/// Every message in flight with its copies, in a fixed order (a FIFO link's queue in its order).
fn envelopes(network: &Network<Wire>) -> Vec<(Id, Id, &Wire, usize)> {
    match network {
        Network::UnorderedNonDuplicating(multiset) => {
            let mut all: Vec<_> = multiset
                .iter()
                .map(|(env, &copies)| (env.src, env.dst, &env.msg, copies))
                .collect();
            all.sort();
            all
        }
        Network::UnorderedDuplicating(set, _) => {
            let mut all: Vec<_> = set
                .iter()
                .map(|env| (env.src, env.dst, &env.msg, 1))
                .collect();
            all.sort();
            all
        }
        Network::Ordered(flows) => flows
            .iter()
            .flat_map(|(&(src, dst), queue)| queue.iter().map(move |m| (src, dst, m, 1)))
            .collect(),
    }
}

/// The messages in flight, one per line, a multiset's copies as `(x2)`.
pub fn in_flight(network: &Network<Wire>) -> Vec<String> {
    envelopes(network)
        .into_iter()
        .map(|(src, dst, msg, copies)| match copies {
            1 => envelope(src, dst, msg),
            n => format!("{}  (x{n})", envelope(src, dst, msg)),
        })
        .collect()
}

/// How much of each bound `state` used, and whether it is a leaf beyond one.
pub fn budgets(bounds: &Bounds, state: &RaftState) -> String {
    let servers = || state.actor_states.iter();
    let term = servers().map(|s| s.node.current_term()).max().unwrap_or(0);
    let restarts: u32 = servers().map(|s| s.history.restarts).sum();
    let proposals: u32 = servers().map(|s| u32::from(s.proposed)).sum();
    let heartbeats: u32 = servers().map(|s| u32::from(s.heartbeats)).sum();
    let snapshots: u32 = servers().map(|s| u32::from(s.snapshots)).sum();
    let mut line = format!(
        "bounds used: term {term} of {}, proposals {proposals} of {}, heartbeats {heartbeats} of \
         {}, snapshots {snapshots} of {}, restarts {restarts} of {}",
        bounds.max_term, bounds.proposals, bounds.heartbeats, bounds.snapshots, bounds.restarts
    );
    if let Some(m) = bounds.max_in_flight {
        let _ = write!(line, ", in flight {} of {m}", state.network.len());
    }
    if let Some(b) = exceeded(bounds, state) {
        let _ = write!(
            line,
            "\nbeyond {}: a leaf, judged but not explored further",
            b.flag()
        );
    }
    line
}

/// The whole view of `state`: its servers, the messages in flight, the bounds used.
pub fn state(bounds: &Bounds, state: &RaftState) -> String {
    let mut s = table(state, None);
    messages(&mut s, &state.network);
    s.push_str(&budgets(bounds, state));
    s
}

fn messages(s: &mut String, network: &Network<Wire>) {
    let lines = in_flight(network);
    let _ = writeln!(s, "\nin flight: {}", lines.len());
    for line in lines {
        let _ = writeln!(s, "  {line}");
    }
    s.push('\n');
}

/// A step's view: what happened, then the servers after it (changes marked), the messages in
/// flight and the bounds used.
pub fn step(bounds: &Bounds, before: &RaftState, action: &Action, after: &RaftState) -> String {
    let mut s = format!("{}\n\n", action_words(action, Some(before)));
    s.push_str(&table(after, Some(before)));
    messages(&mut s, &after.network);
    s.push_str(&budgets(bounds, after));
    s
}

/// An action as the story names it. With the state it is taken from, a proposal names its
/// command.
pub fn action_words(action: &Action, before: Option<&RaftState>) -> String {
    match action {
        ActorModelAction::Deliver { src, dst, msg } => envelope(*src, *dst, msg),
        ActorModelAction::Drop(env) => format!("drop {}", envelope(env.src, env.dst, &env.msg)),
        ActorModelAction::Timeout(node, timer) => {
            let n = id(*node);
            match timer {
                ModelTimer::Election => format!("s{n} election timeout"),
                ModelTimer::Heartbeat => format!("s{n} heartbeat timeout"),
                ModelTimer::Propose => match before.and_then(|b| b.actor_states.get(n)) {
                    Some(server) => format!(
                        "client -> s{n}  propose {}",
                        words::command(Some(proposal(n as u8, server)))
                    ),
                    None => format!("client -> s{n}  propose"),
                },
                ModelTimer::Snapshot => format!("s{n} snapshots everything it applied"),
            }
        }
        ActorModelAction::Crash(node) => format!("s{} crashes", id(*node)),
        ActorModelAction::Recover(node) => {
            format!("s{} restarts from what it persisted", id(*node))
        }
        // The model makes no random choices (`NoRandom` has no values).
        ActorModelAction::SelectRandom { random, .. } => match *random {},
    }
}

/// `text` safe inside an SVG element.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A path as a sequence diagram: a timeline per server, an arrow per delivery (from the step
/// that sent the message), a dot per other step, and each step named in the story's words on
/// its right. Drawn with the Explorer's own SVG classes.
pub fn diagram(path: &[(RaftState, Option<Action>)]) -> String {
    const COLUMN: usize = 60;
    const ROW: usize = 24;
    const LETTER: usize = 8;
    let servers = path.first().map_or(0, |(s, _)| s.actor_states.len());
    let x = |i: usize| 20 + i * COLUMN;
    let y = |t: usize| 30 + t * ROW;
    let steps = path.len().saturating_sub(1);
    let label_x = x(servers.saturating_sub(1)) + 30;
    let labels: Vec<String> = path
        .iter()
        .enumerate()
        .filter_map(|(t, (s, a))| {
            let a = a.as_ref()?;
            Some(format!("{}. {}", t + 1, action_words(a, Some(s))))
        })
        .collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let (width, height) = (label_x + longest * LETTER + 20, y(steps) + 16);
    let mut svg = format!(
        "<svg version='1.1' width='{width}' height='{height}' \
         xmlns='http://www.w3.org/2000/svg'><defs><marker class='svg-event-shape' id='arrow' \
         markerWidth='12' markerHeight='10' refX='12' refY='5' orient='auto'>\
         <polygon points='0 0, 12 5, 0 10' /></marker></defs>"
    );
    for i in 0..servers {
        let _ = write!(
            svg,
            "<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' class='svg-actor-timeline' />\
             <text x='{3}' y='16' class='svg-actor-label'>s{i}</text>",
            x(i),
            y(0),
            y(steps),
            x(i) - 8
        );
    }
    // When each message in flight was sent (its latest copy).
    let mut sent = std::collections::HashMap::new();
    for (t, window) in path.windows(2).enumerate() {
        let ((before, action), (after, _)) = (&window[0], &window[1]);
        let time = t + 1;
        match action {
            Some(ActorModelAction::Deliver { src, dst, msg }) => {
                let from = sent.get(&(*src, *dst, msg)).copied().unwrap_or(0);
                let _ = write!(
                    svg,
                    "<line x1='{}' y1='{}' x2='{}' y2='{}' marker-end='url(#arrow)' \
                     class='svg-event-line' />",
                    x(id(*src)),
                    y(from),
                    x(id(*dst)),
                    y(time)
                );
            }
            Some(a) => {
                let at = match a {
                    ActorModelAction::Drop(env) => env.dst,
                    ActorModelAction::Timeout(n, _)
                    | ActorModelAction::Crash(n)
                    | ActorModelAction::Recover(n) => *n,
                    ActorModelAction::SelectRandom { actor, .. } => *actor,
                    ActorModelAction::Deliver { dst, .. } => *dst,
                };
                let _ = write!(
                    svg,
                    "<circle cx='{}' cy='{}' r='6' class='svg-event-shape' />",
                    x(id(at)),
                    y(time)
                );
            }
            None => {}
        }
        let mut old = envelopes(&before.network);
        for (src, dst, msg, copies) in envelopes(&after.network) {
            let had = old
                .iter_mut()
                .find(|(s, d, m, c)| *c > 0 && (*s, *d, *m) == (src, dst, msg));
            let had_copies = had.map_or(0, |h| std::mem::take(&mut h.3));
            if copies > had_copies {
                sent.insert((src, dst, msg), time);
            }
        }
    }
    for (t, label) in labels.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x='{label_x}' y='{}' class='svg-event-label'>{}</text>",
            y(t + 1) + 4,
            escaped(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checker::actors::build_model_unflagged;
    use crate::checker::boundary::BoundedModel;
    use crate::checker::bounds::NetworkKind;
    use raft_core::Config;
    use stateright::Model;

    /// Three servers, FIFO links, one proposal: small enough to pin whole views.
    pub(crate) fn model() -> BoundedModel {
        let bounds = Bounds {
            max_term: 2,
            proposals: 1,
            network: NetworkKind::Ordered,
            ..Bounds::default()
        };
        BoundedModel::new(build_model_unflagged(&Config::new(3), &bounds), false)
    }

    /// The state after the action named `words` (as the view names it) from `state`, and it.
    pub(crate) fn take(m: &BoundedModel, state: &RaftState, words: &str) -> (Action, RaftState) {
        let mut actions = Vec::new();
        m.actions(state, &mut actions);
        let named: Vec<String> = actions
            .iter()
            .map(|a| action_words(a, Some(state)))
            .collect();
        let k = named
            .iter()
            .position(|n| n == words)
            .unwrap_or_else(|| panic!("no action {words:?} among {named:#?}"));
        let next = m.next_state(state, actions[k].clone()).expect("a step");
        (actions[k].clone(), next)
    }

    /// s0 times out, s1 votes for it, s0 counts the vote: s0 leads term 1.
    pub(crate) fn elected(m: &BoundedModel) -> Vec<(RaftState, Action)> {
        let mut state = m.init_states().remove(0);
        let mut path = Vec::new();
        for words in [
            "s0 election timeout",
            "s0 -> s1  RequestVote t1 last=0/t0",
            "s1 -> s0  VoteReply t1 granted",
        ] {
            let (action, next) = take(m, &state, words);
            path.push((state, action));
            state = next;
        }
        path.push((state, path[0].1.clone()));
        path
    }

    #[test]
    fn a_state_reads_as_a_table_of_servers_then_the_messages_in_flight() {
        let m = model();
        let path = elected(&m);
        let leader = &path.last().expect("a path").0;
        assert_eq!(
            state(&m.inner.cfg.bounds, leader),
            "   server  role      term  vote  commit  log  notes\n\
             \x20  s0      leader    1     s0    0       []   s1 next=1 match=0, s2 next=1 match=0\n\
             \x20  s1      follower  1     s0    0       []\n\
             \x20  s2      follower  0     -     0       []\n\
             \n\
             in flight: 3\n\
             \x20 s0 -> s1  AppendEntries t1 prev=0/t0 [] commit=0\n\
             \x20 s0 -> s2  RequestVote t1 last=0/t0\n\
             \x20 s0 -> s2  AppendEntries t1 prev=0/t0 [] commit=0\n\
             \n\
             bounds used: term 1 of 2, proposals 0 of 1, heartbeats 0 of 0, snapshots 0 of 0, \
             restarts 0 of 1, in flight 3 of 3"
        );
    }

    #[test]
    fn a_step_names_what_happened_and_marks_the_servers_it_changed() {
        let m = model();
        let path = elected(&m);
        let (before, action) = &path[2];
        let after = &path[3].0;
        let text = step(&m.inner.cfg.bounds, before, action, after);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "s1 -> s0  VoteReply t1 granted");
        assert!(
            lines[3].starts_with("*  s0      leader    1     s0    0       []   s1 next=1")
                && lines[3].ends_with("was: role=candidate"),
            "{text}"
        );
        assert!(lines[4].starts_with("   s1 "), "{text}");
    }

    #[test]
    fn a_client_proposal_is_a_request_to_a_server_not_a_timer() {
        let m = model();
        let path = elected(&m);
        let leader = &path.last().expect("a path").0;
        let propose = ActorModelAction::Timeout(Id::from(0), ModelTimer::Propose);
        assert_eq!(
            action_words(&propose, Some(leader)),
            "client -> s0  propose c8"
        );
        assert_eq!(action_words(&propose, None), "client -> s0  propose");
        let (_, after) = take(&m, leader, "client -> s0  propose c8");
        assert!(state(&m.inner.cfg.bounds, &after).contains("[1:t1 c8]"));
    }

    #[test]
    fn a_crashed_server_shows_what_it_persisted() {
        let m = model();
        let path = elected(&m);
        let leader = &path.last().expect("a path").0;
        let (_, crashed) = take(&m, leader, "s1 crashes");
        let table = table(&crashed, Some(leader));
        assert!(
            table.contains("*  s1      down      1     s0    -       []   (persisted)  was: role=follower commit=0"),
            "{table}"
        );
        let (_, back) = take(&m, &crashed, "s1 restarts from what it persisted");
        assert!(table_of(&back).contains("   s1      follower  1     s0    0       []"));
    }

    fn table_of(state: &RaftState) -> String {
        table(state, None)
    }

    #[test]
    fn a_leaf_says_which_bound_it_is_beyond() {
        let m = model();
        let path = elected(&m);
        let leader = &path.last().expect("a path").0;
        let (_, full) = take(&m, leader, "client -> s0  propose c8");
        assert!(
            budgets(&m.inner.cfg.bounds, &full).ends_with(
                "in flight 5 of 3\nbeyond --max-in-flight: a leaf, judged but not explored further"
            ),
            "{}",
            budgets(&m.inner.cfg.bounds, &full)
        );
    }

    #[test]
    fn the_diagram_names_each_step_and_draws_each_delivery_from_its_send() {
        let m = model();
        let path: Vec<(RaftState, Option<Action>)> = elected(&m)
            .into_iter()
            .enumerate()
            .map(|(k, (s, a))| (s, (k < 3).then_some(a)))
            .collect();
        let svg = diagram(&path);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        for label in [
            "1. s0 election timeout",
            "2. s0 -&gt; s1  RequestVote t1 last=0/t0",
            "3. s1 -&gt; s0  VoteReply t1 granted",
        ] {
            assert!(svg.contains(label), "{label} in {svg}");
        }
        // The vote request was sent at step 1 (y 54) from s0 (x 20), delivered at step 2 to s1.
        assert!(
            svg.contains("<line x1='20' y1='54' x2='80' y2='78' marker-end"),
            "{svg}"
        );
        assert!(!svg.contains("Timeout") && !svg.contains("Wire"), "{svg}");
    }
}
