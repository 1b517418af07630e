//! The stateright `ActorModel` over `raft_core::Node`: each actor is one server whose state is
//! its node plus its ghost history. Every callback is one `Node::step`; its output becomes the
//! saves and sends. No protocol logic here: the environment offers every input the core accepts
//! (proposals, election and heartbeat timeouts at any server in any role), within its budgets.

use super::bounds::{Bounds, NetworkKind};
use super::properties::Flags;
use raft_core::service::{decode_service, encode_service};
use raft_core::{
    Apply, Command, Config, Event, Input, Message, Node, NodeHistory, NodeId, Persistent, Term,
};
use stateright::actor::{Actor, ActorModel, Id, LossyNetwork, Network, Out};
use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The checked model: servers only; the ghost lives in each actor, so no model-wide history.
pub type RaftModel = ActorModel<RaftActor, ModelCfg, NoHistory>;
/// One state of the checked model.
pub type RaftState = stateright::actor::ActorModelState<RaftActor, NoHistory>;
/// One step of the checked model.
pub type Action = stateright::actor::ActorModelAction<Wire, ModelTimer, NoRandom>;

/// The model-wide auxiliary history stateright allows for: unused (see `ServerState`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoHistory;

/// The model makes no random choices (a local type, so it can take part in symmetry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoRandom {}

/// What the properties and the counterexample builder need to know about the model.
#[derive(Clone, Debug)]
pub struct ModelCfg {
    pub config: Config,
    pub bounds: Bounds,
    pub flags: Arc<Flags>,
    /// Set by the driver (`--timeout`, `--max-memory`): no state is within the boundary any
    /// more, so the search drains its queue and stops (`boundary::BoundedModel`).
    pub halt: Arc<AtomicBool>,
}

/// A core message on the wire (a local type, so the checker can give it symmetry rewriting).
/// Shared: every successor state clones the whole network, so a copy costs a reference count,
/// not an allocation. Equality, order and hash are the message's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Wire(pub Arc<Message>);

/// The environment's choices for a server. All stay armed while the server is up (`Snapshot`
/// only when the snapshot budget is not zero, so that it costs nothing otherwise) and fire in
/// every role: the core must answer each input it accepts (a follower's `NotLeader`, a leader's
/// ignored election timeout), and a buggy core that acts on one is then seen. An input that
/// changes nothing is no step (see `RaftActor::step`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModelTimer {
    Election,
    Heartbeat,
    /// A client proposes this server's next command (a correct core accepts it only as leader).
    Propose,
    /// The service snapshots everything it applied (only beyond the server's snapshot).
    Snapshot,
}

/// One server: its node, what it last persisted (`None`: nothing yet), its service (the commands
/// its state machine applied, index 1 first: kept from the apply stream, as the cluster driver
/// does, reset from the snapshot on restart), its ghost history and how many proposals it
/// took (accepted, or that changed it anyway: each is a distinct command). After a crash the actor's last state stays in the model
/// state, so these fields describe a crashed server too (its `node` is then stale).
///
/// Built once by [`ServerState::new`] and then shared (behind an `Arc`) by every model state that
/// holds it, it carries a digest of all its fields: stateright fingerprints every successor state,
/// which then hashes one word per server instead of its node and history. Equality compares the
/// fields themselves.
#[derive(Clone, Debug)]
pub struct ServerState {
    pub node: Node,
    pub durable: Option<Arc<Persistent>>,
    pub service: Arc<Vec<Option<Command>>>,
    pub history: Arc<NodeHistory>,
    pub proposed: u8,
    pub heartbeats: u8,
    pub snapshots: u8,
    digest: u64,
}

/// The fixed-key hasher of server-state digests (the same in every thread and every run).
fn digest_hasher() -> ahash::AHasher {
    use std::hash::BuildHasher;
    ahash::RandomState::with_seeds(0x5241_4654, 0x4d4f_4445, 0x4c43_4845, 0x434b_4552)
        .build_hasher()
}

impl ServerState {
    pub fn new(
        node: Node,
        durable: Option<Arc<Persistent>>,
        service: Arc<Vec<Option<Command>>>,
        history: Arc<NodeHistory>,
        proposed: u8,
        heartbeats: u8,
        snapshots: u8,
    ) -> ServerState {
        let mut h = digest_hasher();
        let fields = (&node, &durable, &service, &history);
        (fields, proposed, heartbeats, snapshots).hash(&mut h);
        ServerState {
            node,
            durable,
            service,
            history,
            proposed,
            heartbeats,
            snapshots,
            digest: h.finish(),
        }
    }

    /// A hash of every field, computed when the state was built.
    pub fn digest(&self) -> u64 {
        self.digest
    }
}

impl PartialEq for ServerState {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
            && self.node == other.node
            && self.durable == other.durable
            && self.service == other.service
            && self.history == other.history
            && (self.proposed, self.heartbeats, self.snapshots)
                == (other.proposed, other.heartbeats, other.snapshots)
    }
}

impl Eq for ServerState {}

impl Hash for ServerState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.digest);
    }
}

/// What survives a crash: the persisted state, plus the checker's ghost (history, proposal
/// count), which must outlive the server. It is saved whenever any of them changes, so it always
/// mirrors the same fields of the actor's (live or stale) state, which the model state hashes
/// already: hashing and equality here compare nothing, to avoid paying for them twice.
#[derive(Clone, Debug)]
pub struct Saved {
    pub durable: Option<Arc<Persistent>>,
    pub history: Arc<NodeHistory>,
    pub proposed: u8,
    pub heartbeats: u8,
    pub snapshots: u8,
}

impl PartialEq for Saved {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Hash for Saved {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

impl ServerState {
    fn saved(&self) -> Saved {
        Saved {
            durable: self.durable.clone(),
            history: Arc::clone(&self.history),
            proposed: self.proposed,
            heartbeats: self.heartbeats,
            snapshots: self.snapshots,
        }
    }
}

pub struct RaftActor {
    /// Which model the actor belongs to (its steps are cached under it).
    pub model: u64,
    pub config: Config,
    pub max_term: Term,
    pub proposals: u8,
    pub heartbeats: u8,
    pub snapshots: u8,
}

/// The service's snapshot of everything it applied, exactly as the cluster driver's
/// `Op::Snapshot` encodes it: its own record of the apply stream, not a rebuild from the log
/// (whether the log still holds what was applied is part of what is checked).
pub fn service_snapshot(state: &ServerState) -> Vec<u8> {
    encode_service(&state.service)
}

/// `service` after the state machine received `applies` (an entry at index `i` replaces
/// whatever was at `i..`; a snapshot replaces everything; one that does not decode leaves an
/// empty service, and the ghost history records the violation).
fn applied(service: &Arc<Vec<Option<Command>>>, applies: &[Apply]) -> Arc<Vec<Option<Command>>> {
    if applies.is_empty() {
        return Arc::clone(service);
    }
    let mut service = Vec::clone(service);
    for apply in applies {
        match apply {
            Apply::Entry { index, command, .. } => {
                service.truncate((*index as usize).saturating_sub(1));
                service.push(*command);
            }
            Apply::Snapshot { data, .. } => service = decode_service(data).unwrap_or_default(),
        }
    }
    Arc::new(service)
}

/// The command a client proposes to server `id` next (its own, tagged with `id`).
pub fn proposal(id: NodeId, state: &ServerState) -> Command {
    super::commands::command_for(id, state.proposed + 1)
}

fn node_id(id: Id) -> NodeId {
    usize::from(id) as NodeId
}

/// The timers every live server has armed (and `Snapshot` when snapshots are in the bounds).
const TIMERS: [ModelTimer; 3] = [
    ModelTimer::Election,
    ModelTimer::Heartbeat,
    ModelTimer::Propose,
];

/// What one step did to a server, so that it can be replayed: the state after, the save, the
/// sends in order and the timer re-armed.
struct Effect {
    after: After,
    save: Option<Saved>,
    sends: Vec<(Id, Wire)>,
    timer: Option<ModelTimer>,
}

impl Effect {
    /// Do to `state` and `o` what the step did.
    fn replay(&self, state: &mut Cow<ServerState>, o: &mut Out<RaftActor>) {
        if let Some(saved) = &self.save {
            o.save(saved.clone());
        }
        for (to, msg) in &self.sends {
            o.send(*to, msg.clone());
        }
        if let Some(t) = self.timer {
            o.set_timer(t, stateright::actor::model_timeout());
        }
        match &self.after {
            After::Same => {}
            After::Consumed => *state = Cow::Owned(ServerState::clone(state)),
            After::Became(next) => *state = Cow::Owned(ServerState::clone(next)),
        }
    }
}

enum After {
    /// Nothing changed and a timer fired: stateright's no-op.
    Same,
    /// Nothing changed, but the message is consumed (see `RaftActor::effect`).
    Consumed,
    Became(Arc<ServerState>),
}

/// What a step depends on besides the actor's settings: the server (by its digest, as the
/// search tells servers apart) and the input, a timer or a message from a sender.
#[derive(PartialEq, Eq, Hash)]
struct StepKey {
    model: u64,
    id: u8,
    server: u64,
    input: StepInput,
}

#[derive(PartialEq, Eq, Hash)]
enum StepInput {
    Timer(ModelTimer),
    Message(u8, Wire),
}

/// Each thread's steps already taken: a step is a function of its key, and the search takes
/// the same one from many states (they differ elsewhere), so the core steps each once. Emptied
/// when full, to bound its memory.
type Steps = std::collections::HashMap<StepKey, Effect, ahash::RandomState>;

/// The most steps a thread keeps (each holds the server state it leads to).
const STEPS_CAPACITY: usize = 1 << 14;

thread_local! {
    static STEPS: std::cell::RefCell<Steps> = std::cell::RefCell::default();
}

/// Tells models apart in the step cache (their actors' settings and core differ).
static MODELS: AtomicU64 = AtomicU64::new(0);

impl RaftActor {
    /// Step `input` on `state`'s node (or replay that step, when it was taken before), record
    /// it in the history and turn the output into saves and sends. Leaves `state` borrowed (a
    /// no-op for the checker) when nothing changed.
    fn step(
        &self,
        id: Id,
        state: &mut Cow<ServerState>,
        input: impl FnOnce() -> Input,
        key: StepInput,
        o: &mut Out<Self>,
    ) {
        let key = StepKey {
            model: self.model,
            id: usize::from(id) as u8,
            server: state.digest(),
            input: key,
        };
        STEPS.with(|steps| {
            let mut steps = steps.borrow_mut();
            if let Some(effect) = steps.get(&key) {
                return effect.replay(state, o);
            }
            let timer = match key.input {
                StepInput::Timer(t) => Some(t),
                StepInput::Message(..) => None,
            };
            let effect = self.effect(state, input(), timer);
            effect.replay(state, o);
            if steps.len() >= STEPS_CAPACITY {
                steps.clear();
            }
            steps.insert(key, effect);
        });
    }

    /// What stepping `input` on `state` does.
    fn effect(&self, state: &ServerState, input: Input, timer: Option<ModelTimer>) -> Effect {
        let before = &state.node;
        let mut node = before.clone();
        let proposing = matches!(input, Input::Propose(_));
        let heartbeat = matches!(input, Input::HeartbeatTimeout);
        // A leader's quorum check (CheckQuorum) counts against `--heartbeats` too.
        let check = matches!(input, Input::ElectionTimeout) && before.is_leader();
        let snapshotting = matches!(input, Input::Snapshot { .. });
        let out = node.step(input);
        let mut history = (*state.history).clone();
        history.observe_step(before, &node, &out);
        let history_changed = history != *state.history;
        // Cheapest first: comparing whole nodes is the dearest test.
        if out.messages.is_empty() && out.persist.is_none() && !history_changed && node == *before {
            // A timer that changes nothing is no step at all (re-arming it alone is stateright's
            // no-op). A message that changes nothing is still consumed (as in the driver):
            // owning the state tells stateright so, instead of leaving a message nobody will
            // ever act on in every later state.
            return Effect {
                after: if timer.is_some() {
                    After::Same
                } else {
                    After::Consumed
                },
                save: None,
                sends: Vec::new(),
                timer,
            };
        }
        // A proposal that changed anything (accepted, or a buggy core acting on one it should
        // refuse) used up its command: the next one to this server differs. One refused
        // without a trace returned above and is not counted.
        let took = proposing;
        let beat = (heartbeat && !out.messages.is_empty()) || check;
        let compacted = snapshotting
            && out
                .events
                .iter()
                .any(|e| matches!(e, Event::LogCompacted { .. }));
        let persisted = out.persist.is_some();
        let next = ServerState::new(
            node,
            match out.persist {
                Some(p) => Some(Arc::new(p)),
                None => state.durable.clone(),
            },
            applied(&state.service, &out.apply),
            if history_changed {
                Arc::new(history)
            } else {
                Arc::clone(&state.history)
            },
            state.proposed + u8::from(took),
            state.heartbeats + u8::from(beat),
            state.snapshots + u8::from(compacted),
        );
        // Persist before sending: stateright applies the save and the sends of one step
        // atomically, so nothing is sent that a crash could un-persist.
        let save =
            (persisted || history_changed || took || beat || compacted).then(|| next.saved());
        let sends = out
            .messages
            .into_iter()
            .map(|(to, msg)| (Id::from(to as usize), Wire(Arc::new(msg))))
            .collect();
        Effect {
            after: After::Became(Arc::new(next)),
            save,
            sends,
            timer,
        }
    }
}

impl Actor for RaftActor {
    type Msg = Wire;
    type State = ServerState;
    type Timer = ModelTimer;
    type Random = NoRandom;
    type Storage = Saved;

    fn on_start(&self, id: Id, storage: &Option<Saved>, o: &mut Out<Self>) -> ServerState {
        let id = node_id(id);
        let state = match storage {
            None => ServerState::new(
                Node::new(id, self.config.clone()),
                None,
                Arc::default(),
                Arc::default(),
                0,
                0,
                0,
            ),
            Some(saved) => {
                let persisted = saved.durable.as_deref().cloned().unwrap_or_default();
                // One that does not decode: the history's `observe_restart` records it.
                let service = decode_service(&persisted.snapshot).unwrap_or_default();
                let node = Node::restart(id, self.config.clone(), persisted);
                let mut history = (*saved.history).clone();
                history.observe_restart(&node);
                ServerState::new(
                    node,
                    saved.durable.clone(),
                    Arc::new(service),
                    Arc::new(history),
                    saved.proposed,
                    saved.heartbeats,
                    saved.snapshots,
                )
            }
        };
        // Saved at once, so that a recovery always finds storage (and counts as a restart).
        o.save(state.saved());
        for t in TIMERS {
            o.set_timer(t, stateright::actor::model_timeout());
        }
        if self.snapshots > 0 {
            o.set_timer(ModelTimer::Snapshot, stateright::actor::model_timeout());
        }
        state
    }

    fn on_msg(&self, id: Id, state: &mut Cow<ServerState>, src: Id, msg: Wire, o: &mut Out<Self>) {
        let input = || Input::Receive {
            from: node_id(src),
            msg: Message::clone(&msg.0),
        };
        let key = StepInput::Message(node_id(src), msg.clone());
        self.step(id, state, input, key, o);
    }

    fn on_timeout(
        &self,
        id: Id,
        state: &mut Cow<ServerState>,
        timer: &ModelTimer,
        o: &mut Out<Self>,
    ) {
        let input = match timer {
            // At any role, up to one term past the bound: a server that reached it is where
            // the search stops (`Bounds::max_term`); a leader's (its CheckQuorum check) as one
            // of its `--heartbeats`, a leader's timer firing.
            ModelTimer::Election
                if state.node.current_term() <= self.max_term
                    && (!state.node.is_leader() || state.heartbeats < self.heartbeats) =>
            {
                Input::ElectionTimeout
            }
            ModelTimer::Heartbeat if state.heartbeats < self.heartbeats => Input::HeartbeatTimeout,
            // A client may propose to any server: a follower or candidate must answer
            // NotLeader, a leader appends; each proposal is its own command.
            ModelTimer::Propose if state.proposed < self.proposals => {
                Input::Propose(proposal(node_id(id), state))
            }
            ModelTimer::Snapshot
                if state.snapshots < self.snapshots
                    && state.node.last_applied() > state.node.log().snapshot_index() =>
            {
                Input::Snapshot {
                    index: state.node.last_applied(),
                    data: service_snapshot(state),
                }
            }
            _ => {
                o.set_timer(*timer, stateright::actor::model_timeout());
                return;
            }
        };
        self.step(id, state, || input, StepInput::Timer(*timer), o);
    }
}

/// The model for `config` (its `cluster_size` is the number of servers) under `bounds`, for a
/// checker run (first-found discoveries are kept); `boundary::BoundedModel` adds its leaves and
/// properties.
pub fn build_model(config: &Config, bounds: &Bounds) -> RaftModel {
    build(config, bounds, true)
}

/// The same model with properties that always evaluate (for the interactive Explorer).
pub fn build_model_unflagged(config: &Config, bounds: &Bounds) -> RaftModel {
    build(config, bounds, false)
}

fn build(config: &Config, bounds: &Bounds, sticky: bool) -> RaftModel {
    let network = match bounds.network {
        NetworkKind::UnorderedNonDuplicating => Network::new_unordered_nonduplicating([]),
        NetworkKind::UnorderedDuplicating => Network::new_unordered_duplicating([]),
        NetworkKind::Ordered => Network::new_ordered([]),
    };
    let cfg = ModelCfg {
        config: config.clone(),
        bounds: bounds.clone(),
        flags: Arc::new(Flags::new(sticky)),
        halt: Arc::default(),
    };
    let model = MODELS.fetch_add(1, Ordering::Relaxed);
    ActorModel::new(cfg, NoHistory)
        .actors(config.ids().map(|_| RaftActor {
            model,
            config: config.clone(),
            max_term: bounds.max_term,
            proposals: bounds.proposals,
            heartbeats: bounds.heartbeats,
            snapshots: bounds.snapshots,
        }))
        .init_network(network)
        .lossy_network(if bounds.lossy {
            LossyNetwork::Yes
        } else {
            LossyNetwork::No
        })
        .max_crashes(bounds.crashes)
}

#[cfg(test)]
mod tests {
    use super::super::boundary::BoundedModel;
    use super::*;
    use raft_core::{Index, Mutant};
    use stateright::{Checker, Model, Property};

    /// The bounded model (leaves at its bounds, no symmetry) watching for one situation.
    struct Probe(BoundedModel, fn(&RaftState) -> bool);

    impl Model for Probe {
        type State = RaftState;
        type Action = Action;
        fn init_states(&self) -> Vec<RaftState> {
            self.0.init_states()
        }
        fn actions(&self, state: &RaftState, actions: &mut Vec<Action>) {
            self.0.actions(state, actions)
        }
        fn next_state(&self, state: &RaftState, action: Action) -> Option<RaftState> {
            self.0.next_state(state, action)
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::sometimes("probe", |m: &Probe, s| (m.1)(s))]
        }
    }

    /// Two live servers whose logs hold entries at the same index and term with different
    /// commands (what the content halves of LogMatching and StateMachineSafety compare).
    fn same_slot_different_commands(state: &RaftState) -> bool {
        let logs: Vec<_> = state.actor_states.iter().map(|s| s.node.log()).collect();
        logs.iter().enumerate().any(|(k, a)| {
            logs[k + 1..].iter().any(|b| {
                (1..=a.last_index().min(b.last_index())).any(|i: Index| {
                    matches!((a.entry(i), b.entry(i)), (Some(x), Some(y))
                        if x.term == y.term && x.command != y.command)
                })
            })
        })
    }

    /// Does a state of `config` under `bounds` satisfy `condition` (breadth-first, one thread)?
    fn reaches(config: &Config, bounds: &Bounds, condition: fn(&RaftState) -> bool) -> bool {
        let probe = Probe(
            BoundedModel::new(build_model(config, bounds), false),
            condition,
        );
        let checker = probe.checker().threads(1).spawn_bfs().join();
        checker.discovery("probe").is_some()
    }

    fn bounds(max_term: Term, proposals: u8, in_flight: usize) -> Bounds {
        Bounds {
            max_term,
            proposals,
            crashes: 0,
            restarts: 0,
            network: NetworkKind::Ordered,
            max_in_flight: Some(in_flight),
            ..Bounds::default()
        }
    }

    /// Two leaders of one term (a voter that votes twice) each take a proposal at index 1: the
    /// two entries differ only in their command, which the model must tell apart. (Both
    /// leaders' empty AppendEntries wait while each proposes, hence 5 messages in flight.)
    #[test]
    fn two_leaders_of_one_term_append_different_commands() {
        let mut config = Config::new(3);
        config.mutant = Some(Mutant::VoteIgnoresVotedFor);
        assert!(reaches(
            &config,
            &bounds(1, 2, 5),
            same_slot_different_commands
        ));
    }

    /// A correct core never holds two commands at one index and term.
    #[test]
    fn a_correct_core_never_holds_two_commands_in_one_slot() {
        assert!(!reaches(
            &Config::new(3),
            &bounds(1, 2, 3),
            same_slot_different_commands
        ));
    }

    /// Election timeouts fire in every role and up to the bound: a server at `max_term + 1` is
    /// reached (a leaf where the bound stops the search).
    #[test]
    fn election_timeouts_reach_one_term_past_the_bound() {
        assert!(reaches(&Config::new(3), &bounds(1, 0, 3), |s| s
            .actor_states
            .iter()
            .any(|a| a.node.current_term() == 2)));
    }

    /// A proposal to a follower is answered NotLeader and is no step; a leader's is taken.
    #[test]
    fn proposals_are_offered_at_every_server_and_counted_when_taken() {
        assert!(reaches(&Config::new(3), &bounds(1, 1, 3), |s| s
            .actor_states
            .iter()
            .any(|a| a.proposed == 1)));
        assert!(!reaches(&Config::new(3), &bounds(1, 1, 3), |s| s
            .actor_states
            .iter()
            .any(|a| a.proposed == 1
                && !a.node.is_leader()
                && a.node.log().last_index() == 0)));
    }
}
