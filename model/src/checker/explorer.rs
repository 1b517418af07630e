//! `explore`: stateright's Explorer over the bounded model, showing the Raft view (`view.rs`).
//! The Explorer prints a state only as its `{:#?}`, so its states are wrapped in `Viewed`, whose
//! `Debug` is the view; the checker's own state type keeps its derived `Debug` untouched.

use super::actors::{Action, RaftState};
use super::boundary::BoundedModel;
use super::bounds::Bounds;
use super::properties::{Judgement, SITUATIONS};
use super::view;
use raft_core::invariants::PROPERTIES;
use stateright::{Model, Path, Property};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The bounded model as the Explorer sees it (no symmetry: states keep their servers' names).
pub struct ExplorerModel {
    pub inner: BoundedModel,
    bounds: Arc<Bounds>,
}

impl ExplorerModel {
    pub fn new(inner: BoundedModel) -> ExplorerModel {
        let bounds = Arc::new(inner.inner.cfg.bounds.clone());
        ExplorerModel { inner, bounds }
    }

    fn viewed(&self, state: RaftState) -> Viewed {
        Viewed {
            state,
            bounds: Arc::clone(&self.bounds),
        }
    }
}

/// A model state that prints as the Raft view. Equality and hash are the state's alone (the
/// bounds are the model's, the same in every state).
#[derive(Clone)]
pub struct Viewed {
    pub state: RaftState,
    bounds: Arc<Bounds>,
}

impl PartialEq for Viewed {
    fn eq(&self, other: &Viewed) -> bool {
        self.state == other.state
    }
}

impl Hash for Viewed {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.state.hash(h);
    }
}

impl fmt::Debug for Viewed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&view::state(&self.bounds, &self.state))
    }
}

type Condition = fn(&ExplorerModel, &Viewed) -> bool;

/// The `K`-th of the bounded model's properties, judged on the wrapped state.
fn lifted<const K: usize>(model: &ExplorerModel, s: &Viewed) -> bool {
    Judgement::of(&s.state).condition(&model.inner, K)
}

const LIFTED: [Condition; 18] = [
    lifted::<0>,
    lifted::<1>,
    lifted::<2>,
    lifted::<3>,
    lifted::<4>,
    lifted::<5>,
    lifted::<6>,
    lifted::<7>,
    lifted::<8>,
    lifted::<9>,
    lifted::<10>,
    lifted::<11>,
    lifted::<12>,
    lifted::<13>,
    lifted::<14>,
    lifted::<15>,
    lifted::<16>,
    lifted::<17>,
];
const _: () = assert!(
    LIFTED.len() == PROPERTIES.len() + SITUATIONS.len(),
    "one lifted condition per property of the bounded model"
);

impl Model for ExplorerModel {
    type State = Viewed;
    type Action = Action;

    fn init_states(&self) -> Vec<Viewed> {
        let states = self.inner.init_states();
        states.into_iter().map(|s| self.viewed(s)).collect()
    }

    fn actions(&self, state: &Viewed, actions: &mut Vec<Action>) {
        self.inner.actions(&state.state, actions)
    }

    fn next_state(&self, state: &Viewed, action: Action) -> Option<Viewed> {
        let next = self.inner.next_state(&state.state, action)?;
        Some(self.viewed(next))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        self.inner
            .properties()
            .into_iter()
            .zip(LIFTED)
            .map(|(p, condition)| Property {
                expectation: p.expectation,
                name: p.name,
                condition,
            })
            .collect()
    }

    fn within_boundary(&self, state: &Viewed) -> bool {
        self.inner.within_boundary(&state.state)
    }

    fn format_action(&self, action: &Action) -> String {
        view::action_words(action, None)
    }

    fn format_step(&self, last: &Viewed, action: Action) -> Option<String> {
        let next = self.inner.next_state(&last.state, action.clone())?;
        Some(view::step(&self.bounds, &last.state, &action, &next))
    }

    fn as_svg(&self, path: Path<Viewed, Action>) -> Option<String> {
        let path: Vec<(RaftState, Option<Action>)> = path
            .into_vec()
            .into_iter()
            .map(|(s, a)| (s.state, a))
            .collect();
        Some(view::diagram(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::view::tests::{elected, model};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    /// A plain HTTP/1.0 GET: the response's body (panics on any other status than 200).
    fn get(port: u16, path: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("the Explorer does not answer on port {port}: {e}"),
            }
        };
        let request =
            format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("request sent");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("a response");
        let (head, body) = response
            .split_once("\r\n\r\n")
            .expect("headers, then a body");
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        body.to_string()
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// The Explorer, served on a free port of 127.0.0.1 for the rest of the test process, shows
    /// the Raft view in its JSON: the initial state as a table, the next actions in the story's
    /// words, and, three steps on, a leader, with the step's view and the sequence diagram.
    #[test]
    fn the_explorer_serves_the_raft_view_over_http() {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        std::thread::spawn(move || {
            let explorer = ExplorerModel::new(model());
            explorer.checker().threads(1).serve(("127.0.0.1", port));
        });

        let status = json(&get(port, "/.status"));
        assert!(status["model"]
            .as_str()
            .unwrap_or("")
            .ends_with("ExplorerModel"));
        let names: Vec<&str> = status["properties"]
            .as_array()
            .expect("properties")
            .iter()
            .filter_map(|p| p[1].as_str())
            .collect();
        assert!(names.contains(&"ElectionSafety") && names.contains(&"a leader is elected"));

        let init = json(&get(port, "/.states/"));
        let text = init[0]["state"].as_str().expect("a state");
        assert!(
            text.starts_with("   server  role      term  vote  commit  log  notes\n"),
            "{text}"
        );
        assert!(
            text.contains("   s0      follower  0     -     0       []\n"),
            "{text}"
        );
        assert!(!text.contains("actor_states"), "{text}");

        // Follow the actions by their names, as a person clicking through would.
        let mut path = "/.states/0".to_string();
        let mut last = serde_json::Value::Null;
        for wanted in [
            "s0 election timeout",
            "s0 -> s1  RequestVote t1 last=0/t0",
            "s1 -> s0  VoteReply t1 granted",
        ] {
            let steps = json(&get(port, &path));
            let steps = steps.as_array().expect("the next steps");
            let actions: Vec<&str> = steps.iter().filter_map(|s| s["action"].as_str()).collect();
            assert!(
                actions
                    .iter()
                    .all(|a| !a.contains("Timeout(") && !a.contains("Wire")),
                "{actions:#?}"
            );
            let step = steps
                .iter()
                .find(|s| s["action"] == wanted)
                .unwrap_or_else(|| panic!("no {wanted:?} among {actions:#?}"));
            path = format!("{path}/{}", step["actionIndex"]);
            last = step.clone();
        }
        let outcome = last["outcome"].as_str().expect("the step's view");
        assert!(
            outcome.starts_with("s1 -> s0  VoteReply t1 granted\n"),
            "{outcome}"
        );
        assert!(
            outcome.contains("*  s0      leader    1     s0"),
            "{outcome}"
        );
        let state = last["state"].as_str().expect("the state");
        assert!(
            state.contains("   s0      leader    1     s0    0       []"),
            "{state}"
        );
        assert!(
            state.contains("s0 -> s1  AppendEntries t1 prev=0/t0 [] commit=0"),
            "{state}"
        );
        let svg = last["svg"].as_str().expect("the diagram");
        assert!(
            svg.contains("3. s1 -&gt; s0  VoteReply t1 granted"),
            "{svg}"
        );

        // The leader's next steps include a client's proposal, named as one.
        let next = get(port, &path);
        assert!(next.contains("\"client -> s0  propose\""), "{next}");
    }

    /// The Explorer judges each state as the checker does: its lifted conditions agree with the
    /// bounded model's on every state of a path to a leader.
    #[test]
    fn lifted_properties_agree_with_the_checker() {
        let explorer = ExplorerModel::new(model());
        let theirs = explorer.inner.properties();
        let ours = explorer.properties();
        assert_eq!(ours.len(), theirs.len());
        for (state, _) in elected(&explorer.inner) {
            let viewed = explorer.viewed(state.clone());
            for (o, t) in ours.iter().zip(&theirs) {
                assert_eq!(o.name, t.name);
                assert_eq!(
                    (o.condition)(&explorer, &viewed),
                    (t.condition)(&explorer.inner, &state),
                    "{}",
                    o.name
                );
            }
        }
        let leader = elected(&explorer.inner).pop().expect("a path").0;
        let k = ours.iter().position(|p| p.name == "a leader is elected");
        let k = k.expect("the situation");
        assert!((ours[k].condition)(&explorer, &explorer.viewed(leader)));
    }
}
