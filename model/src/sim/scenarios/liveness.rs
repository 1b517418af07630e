//! Liveness scenarios beyond the lab (issue 14): a deaf leader (sends, hears nothing), a mute
//! leader (hears, cannot send), a partitioned server rejoining while the leader is healthy, a
//! one-way cut from the leader to one follower, a flapping partition; on 3, 5 and 7 servers.
//! The scenarios that PreVote and CheckQuorum exist for assert "no election" only with them on.

use super::{harness, plus, rand_cmd};
use crate::sim::liveness::LEADER_WITHIN_MS;
use crate::sim::world::{Sim, SimResult};
use raft_core::{NodeId, Term};

/// How long a deaf or mute leader's cluster may take to commit under a new leader: about
/// eight of the longest election timeouts (600 ms), the bounded-liveness watch's own bound.
pub const RECOVERY_WITHIN_MS: u64 = LEADER_WITHIN_MS;

/// Poll every 5 ms until a server other than `old` leads a term above `term`, propose a fresh
/// command to it and wait until a majority applied it. Fails after `RECOVERY_WITHIN_MS`;
/// returns the milliseconds it took.
fn new_leader_commits(sim: &mut Sim, old: NodeId, term: Term) -> SimResult<u64> {
    let t0 = sim.now;
    let majority = sim.n() as usize / 2 + 1;
    let mut proposed: Option<(u64, raft_core::Index, raft_core::Command)> = None;
    loop {
        if sim.now - t0 > RECOVERY_WITHIN_MS {
            return Err(harness(format!(
                "liveness: no new leader committed within {RECOVERY_WITHIN_MS} ms of s{old} \
                 losing the cluster (term {term})"
            )));
        }
        match proposed {
            Some((_, index, command)) => {
                let (count, value) = sim.n_committed(index)?;
                if count >= majority && value == Some(command) {
                    return Ok(sim.now - t0);
                }
            }
            None => {
                let leader =
                    (0..sim.n()).find(|&id| id != old && sim.state(id).1 && sim.state(id).0 > term);
                if let Some(leader) = leader {
                    let command = rand_cmd(sim);
                    if let Some((index, _)) = sim.start_ok(leader, command) {
                        proposed = Some((sim.now, index, command));
                    }
                }
            }
        }
        sim.sleep(5)?;
    }
}

/// The terms of every server but `except`.
fn terms(sim: &Sim, except: Option<NodeId>) -> Vec<Term> {
    (0..sim.n())
        .filter(|&id| Some(id) != except)
        .map(|id| sim.state(id).0)
        .collect()
}

/// A leader that can send but hears nothing (every link into it cut): its heartbeats keep the
/// followers from timing out, so only CheckQuorum (it steps down) lets them elect another.
pub fn deaf_leader(sim: &mut Sim) -> SimResult<()> {
    let leader = sim.check_one_leader()?;
    let n = sim.n() as usize;
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    let term = sim.state(leader).0;
    sim.set_deaf(leader, true);
    sim.measured = Some(new_leader_commits(sim, leader, term)?);
    sim.set_deaf(leader, false);
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    Ok(())
}

/// A leader that hears everything but whose messages are all lost: the followers time out
/// and elect another, whose AppendEntries reach the old leader and depose it.
pub fn mute_leader(sim: &mut Sim) -> SimResult<()> {
    let leader = sim.check_one_leader()?;
    let n = sim.n() as usize;
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    let term = sim.state(leader).0;
    sim.set_mute(leader, true);
    sim.measured = Some(new_leader_commits(sim, leader, term)?);
    sim.set_mute(leader, false);
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    Ok(())
}

/// A follower cut off for 5 s (8 and more election timeouts) rejoins an idle, healthy
/// cluster whose log it holds. With PreVote its term never rises while cut off and no
/// election follows its return: the same leader, the same term everywhere, 3 s later.
pub fn rejoin_no_election(sim: &mut Sim) -> SimResult<()> {
    let leader = sim.check_one_leader()?;
    let n = sim.n() as usize;
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    sim.sleep(200)?; // every server learns the commit
    let term = sim.check_terms()?;
    let away = plus(sim, leader, 1);
    sim.disconnect(away);
    sim.sleep(5_000)?;
    let pre_vote = sim.config().pre_vote;
    if pre_vote && sim.state(away).0 != term {
        return Err(harness(format!(
            "s{away} moved from term {term} to {} while cut off, with PreVote on",
            sim.state(away).0
        )));
    }
    sim.connect(away);
    sim.sleep(3_000)?;
    if pre_vote && (!sim.state(leader).1 || terms(sim, None).iter().any(|&t| t != term)) {
        return Err(harness(format!(
            "an election followed s{away}'s return with PreVote on: leader s{leader} of term \
             {term} is now {:?}, terms {:?}",
            sim.state(leader),
            terms(sim, None)
        )));
    }
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    Ok(())
}

/// The link from the leader to one follower is cut one way for 3 s: the follower hears no
/// heartbeat and campaigns, but everyone else is in the leader's lease. With PreVote on, no
/// pre-vote is granted, no term changes, the leader stays and commits with the others.
pub fn leader_link_cut(sim: &mut Sim) -> SimResult<()> {
    let leader = sim.check_one_leader()?;
    let n = sim.n() as usize;
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    sim.sleep(200)?;
    let term = sim.check_terms()?;
    let cut = plus(sim, leader, 1);
    sim.set_link(leader, cut, false);
    sim.sleep(3_000)?;
    if sim.config().pre_vote
        && (!sim.state(leader).1 || terms(sim, None).iter().any(|&t| t != term))
    {
        return Err(harness(format!(
            "an election followed the cut of s{leader} -> s{cut} with PreVote on: leader \
             s{leader} of term {term} is now {:?}, terms {:?}",
            sim.state(leader),
            terms(sim, None)
        )));
    }
    let command = rand_cmd(sim);
    sim.one(command, n - 1, true)?;
    sim.set_link(leader, cut, true);
    let command = rand_cmd(sim);
    sim.one(command, n, true)?;
    Ok(())
}

/// 20 rounds of a random server cut off (and, every other round on average, one random link
/// cut one way) for 50-700 ms, then healed for 50-700 ms, with a proposal offered to whoever
/// leads each round; at the end the cluster must agree again.
pub fn flapping_partition(sim: &mut Sim) -> SimResult<()> {
    sim.check_one_leader()?;
    let n = sim.n();
    for _ in 0..20 {
        let victim = sim.rng.below(n as u64) as NodeId;
        sim.disconnect(victim);
        let link = sim.rng.chance(1, 2).then(|| {
            let from = sim.rng.below(n as u64) as NodeId;
            let step = 1 + sim.rng.below(n as u64 - 1) as u8;
            let to = plus(sim, from, step);
            sim.set_link(from, to, false);
            (from, to)
        });
        if let Some(leader) = (0..n).find(|&id| sim.is_connected(id) && sim.state(id).1) {
            let command = rand_cmd(sim);
            sim.start(leader, command);
        }
        let down = sim.rng.range(50, 700);
        sim.sleep(down)?;
        sim.connect(victim);
        if let Some((from, to)) = link {
            sim.set_link(from, to, true);
        }
        let up = sim.rng.range(50, 700);
        sim.sleep(up)?;
    }
    let command = rand_cmd(sim);
    sim.one(command, n as usize, true)?;
    Ok(())
}
