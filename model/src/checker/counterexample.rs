//! Turns a stateright path into a `raft_core::Trace` by replaying it through the cluster driver
//! in lock-step (the driver is the reference: every step's servers must agree), and writes it.

use super::actors::{proposal, Action, ModelCfg, ModelTimer, RaftState, Wire};
use super::bounds::NetworkKind;
use raft_core::{Cluster, Envelope, NodeId, Op, Property, Trace};
use stateright::actor::{ActorModelAction, Id};
use std::path::{Path, PathBuf};

fn node(id: Id) -> NodeId {
    usize::from(id) as NodeId
}

/// The driver operations for one model step taken from `before`, applied to `cluster`.
fn ops_for(
    cfg: &ModelCfg,
    cluster: &Cluster,
    before: &RaftState,
    action: &Action,
) -> Result<Vec<Op>, String> {
    let position = |src: Id, dst: Id, msg: &Wire| {
        let env = Envelope {
            from: node(src),
            to: node(dst),
            msg: (*msg.0).clone(),
        };
        cluster
            .find(&env)
            .ok_or_else(|| format!("the driver has no message {env:?} in flight"))
    };
    Ok(match action {
        ActorModelAction::Deliver { src, dst, msg } => {
            let msg = position(*src, *dst, msg)?;
            match cfg.bounds.network {
                // Delivery does not consume the message: deliver a copy.
                NetworkKind::UnorderedDuplicating => {
                    vec![Op::Duplicate { msg }, Op::Deliver { msg }]
                }
                _ => vec![Op::Deliver { msg }],
            }
        }
        ActorModelAction::Drop(env) => vec![Op::Drop {
            msg: position(env.src, env.dst, &env.msg)?,
        }],
        ActorModelAction::Timeout(id, timer) => {
            let node = node(*id);
            vec![match timer {
                ModelTimer::Election => Op::ElectionTimeout { node },
                ModelTimer::Heartbeat => Op::HeartbeatTimeout { node },
                ModelTimer::Propose => Op::Propose {
                    node,
                    command: proposal(node, &before.actor_states[node as usize]),
                },
                // The model snapshots at `last_applied` with the driver's encoding of the
                // applied commands (`actors::service_snapshot`), as `Op::Snapshot` does.
                ModelTimer::Snapshot => Op::Snapshot { node },
            }]
        }
        ActorModelAction::Crash(id) => vec![Op::Crash { node: node(*id) }],
        ActorModelAction::Recover(id) => vec![Op::Restart { node: node(*id) }],
        ActorModelAction::SelectRandom { .. } => {
            return Err("the model makes no random choices".into())
        }
    })
}

/// Does the driver's cluster hold the same servers as the model state?
fn agree(cluster: &Cluster, state: &RaftState) -> Result<(), String> {
    for (i, s) in state.actor_states.iter().enumerate() {
        let id = i as NodeId;
        let live = (!state.crashed[i]).then_some(&s.node);
        if cluster.node(id) != live {
            return Err(format!(
                "server {id}: driver {:?}, model {live:?}",
                cluster.node(id)
            ));
        }
        if cluster.durable(id) != s.durable.as_deref() {
            return Err(format!("server {id}: persisted state differs"));
        }
        if cluster.history(id) != &*s.history {
            return Err(format!("server {id}: ghost history differs"));
        }
    }
    Ok(())
}

/// The path's actions as driver operations, checked step by step against the model's states.
pub fn to_trace(
    cfg: &ModelCfg,
    path: &[(RaftState, Option<Action>)],
    violated: Option<Property>,
) -> Result<Trace, String> {
    let mut cluster = Cluster::new(cfg.config.clone())?;
    let mut ops = Vec::new();
    for (k, window) in path.windows(2).enumerate() {
        let (before, Some(action)) = (&window[0].0, &window[0].1) else {
            return Err(format!("step {}: the path has no action", k + 1));
        };
        for op in ops_for(cfg, &cluster, before, action)? {
            cluster.apply_unchecked(&op);
            ops.push(op);
        }
        agree(&cluster, &window[1].0).map_err(|e| {
            format!(
                "model and driver disagree after step {} ({action:?}): {e}",
                k + 1
            )
        })?;
    }
    let mut trace = Trace::new("model", cfg.config.clone(), ops);
    trace.expect = violated;
    Ok(trace)
}

/// Write `trace` as `DIR/model-PROPERTY.json` (creating DIR); returns the file's path.
pub fn write_trace(dir: &Path, trace: &Trace) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = match trace.expect {
        Some(p) => format!("model-{}.json", p.name()),
        None => "model-trace.json".into(),
    };
    let file = dir.join(name);
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, trace.to_json() + "\n")
        .and_then(|_| std::fs::rename(&tmp, &file))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::actors::build_model;
    use crate::checker::bfs;
    use crate::checker::boundary::BoundedModel;
    use crate::checker::bounds::Bounds;
    use raft_core::{Config, Situation};

    /// The shortest model paths to a snapshot installed by a lagging follower and to a restart
    /// from a snapshot, found among representatives (symmetry on), come back in the servers'
    /// real names and convert to driver traces in lock-step (the driver's `Op::Snapshot` makes
    /// the very snapshot the model took); replaying them reaches the same situation.
    #[test]
    fn paths_through_snapshots_convert_and_replay() {
        let bounds = Bounds {
            proposals: 1,
            heartbeats: 1,
            snapshots: 1,
            network: NetworkKind::Ordered,
            ..Bounds::default()
        };
        let model = BoundedModel::new(build_model(&Config::new(3), &bounds), true);
        let cfg = model.inner.cfg.clone();
        let targets = [
            Situation::SnapshotInstalled,
            Situation::RestartedFromSnapshot,
        ];
        let options = bfs::Options {
            max_depth: None,
            max_states: None,
            keep_going: true,
            only: None,
        };
        let outcome = bfs::run(&model, &options, |_, _, _| {});
        for situation in targets {
            let (_, fps) = outcome
                .discoveries
                .iter()
                .find(|(name, _)| *name == situation.name())
                .unwrap_or_else(|| panic!("{} not reached", situation.name()));
            let path = bfs::rebuild(&model, fps).expect("the path replays in real names");
            assert!(
                path.iter().any(|(_, a)| matches!(
                    a,
                    Some(ActorModelAction::Timeout(_, ModelTimer::Snapshot))
                )),
                "the path to {} takes a snapshot",
                situation.name()
            );
            let trace = to_trace(&cfg, &path, None).expect("lock-step conversion");
            assert!(trace.ops.iter().any(|op| matches!(op, Op::Snapshot { .. })));
            let replay = trace.replay().expect("replayable");
            assert!(replay.violation.is_none(), "{}", replay.story());
            assert!(replay.reached.contains(&situation), "{}", replay.story());
        }
    }
}
