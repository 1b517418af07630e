//! How the suite's random walks steer through the Raft model: swarm testing. Each walk draws a
//! weight per kind of step (some kinds left out) and a weight per server that shifts between
//! phases of the walk (a server slowed or cut off for a while), so that walks differ in kind
//! instead of all averaging out to the same busy cluster; steps past a bound are judged leaves.

use super::actors::{Action, ModelTimer, RaftState};
use super::boundary::{exceeded, BoundedModel};
use super::bounds::Bounds;
use super::walk::Guide;
use crate::sim::rng::Rng;
use raft_core::Message;
use stateright::actor::ActorModelAction;

/// The kinds of step a walk weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    RequestVote,
    VoteReply,
    /// An AppendEntries with entries.
    Append,
    /// An AppendEntries without (a heartbeat, or a probe for a follower's log).
    EmptyAppend,
    AppendReply,
    /// InstallSnapshot and its reply.
    Snapshot,
    Drop,
    ElectionTimeout,
    HeartbeatTimeout,
    Propose,
    Compact,
    Crash,
    Recover,
}

const KINDS: usize = 13;

impl Kind {
    /// Deliveries are never left out: without them a walk only times out.
    fn is_delivery(self) -> bool {
        matches!(
            self,
            Kind::RequestVote
                | Kind::VoteReply
                | Kind::Append
                | Kind::EmptyAppend
                | Kind::AppendReply
                | Kind::Snapshot
        )
    }

    const ALL: [Kind; KINDS] = [
        Kind::RequestVote,
        Kind::VoteReply,
        Kind::Append,
        Kind::EmptyAppend,
        Kind::AppendReply,
        Kind::Snapshot,
        Kind::Drop,
        Kind::ElectionTimeout,
        Kind::HeartbeatTimeout,
        Kind::Propose,
        Kind::Compact,
        Kind::Crash,
        Kind::Recover,
    ];
}

fn kind_of(message: &Message) -> Kind {
    match message {
        Message::RequestVote { .. } | Message::PreVote { .. } => Kind::RequestVote,
        Message::RequestVoteReply { .. } | Message::PreVoteReply { .. } => Kind::VoteReply,
        Message::AppendEntries { entries, .. } if entries.is_empty() => Kind::EmptyAppend,
        Message::AppendEntries { .. } => Kind::Append,
        Message::AppendEntriesReply { .. } => Kind::AppendReply,
        Message::InstallSnapshot { .. } | Message::InstallSnapshotReply { .. } => Kind::Snapshot,
    }
}

/// The kind of `action` and the servers it involves (one or both ends of a message).
fn classify(action: &Action) -> Option<(Kind, usize, usize)> {
    Some(match action {
        ActorModelAction::Deliver { src, dst, msg } => {
            (kind_of(&msg.0), usize::from(*src), usize::from(*dst))
        }
        ActorModelAction::Drop(envelope) => (
            Kind::Drop,
            usize::from(envelope.src),
            usize::from(envelope.dst),
        ),
        ActorModelAction::Timeout(id, timer) => {
            let kind = match timer {
                ModelTimer::Election => Kind::ElectionTimeout,
                ModelTimer::Heartbeat => Kind::HeartbeatTimeout,
                ModelTimer::Propose => Kind::Propose,
                ModelTimer::Snapshot => Kind::Compact,
            };
            (kind, usize::from(*id), usize::from(*id))
        }
        ActorModelAction::Crash(id) => (Kind::Crash, usize::from(*id), usize::from(*id)),
        ActorModelAction::Recover(id) => (Kind::Recover, usize::from(*id), usize::from(*id)),
        ActorModelAction::SelectRandom { .. } => return None,
    })
}

/// The Raft model's guide: kinds and servers weighed per walk; leaves are the states beyond the
/// bounds.
pub struct Swarm {
    bounds: Bounds,
    /// Servers are weighed alike under symmetry: a state's ids are then its representative's,
    /// which change from step to step.
    by_server: bool,
}

impl Swarm {
    pub fn new(model: &BoundedModel) -> Swarm {
        Swarm {
            bounds: model.inner.cfg.bounds.clone(),
            by_server: !model.symmetry,
        }
    }

    /// One server's weight for a phase: usually 1 to 8; one time in five 0, cut off (it then
    /// acts only when nothing else can).
    fn server_weight(&self, rng: &mut Rng) -> u64 {
        if !self.by_server {
            1
        } else if rng.chance(1, 5) {
            0
        } else {
            1 << rng.below(4)
        }
    }
}

/// A walk's weights: per kind, and per server for the current phase.
pub struct Bias {
    kinds: [u64; KINDS],
    servers: Vec<u64>,
}

impl Guide<BoundedModel> for Swarm {
    type Bias = Bias;

    fn bias(&self, rng: &mut Rng) -> Bias {
        let mut kinds = [0; KINDS];
        for (w, kind) in kinds.iter_mut().zip(Kind::ALL) {
            *w = if !kind.is_delivery() && rng.chance(1, 4) {
                0
            } else {
                1 << rng.below(6)
            };
        }
        Bias {
            kinds,
            servers: (0..self.bounds.servers)
                .map(|_| self.server_weight(rng))
                .collect(),
        }
    }

    /// A phase lasts 20 steps on average.
    fn shift(&self, bias: &mut Bias, rng: &mut Rng) {
        if rng.chance(1, 20) {
            for w in &mut bias.servers {
                *w = self.server_weight(rng);
            }
        }
    }

    fn weight(&self, bias: &Bias, action: &Action) -> u64 {
        let Some((kind, a, b)) = classify(action) else {
            return 0;
        };
        let server = |k: usize| bias.servers.get(k).copied().unwrap_or(1);
        bias.kinds[kind as usize] * server(a) * server(b)
    }

    fn is_leaf(&self, state: &RaftState) -> bool {
        exceeded(&self.bounds, state).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_in_its_place() {
        for (k, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, k);
        }
    }
}
