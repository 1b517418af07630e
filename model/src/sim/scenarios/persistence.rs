//! Part 3C, persistence: restarts from persisted state, Figure 8, unreliable agreement and
//! churn. The `*_crash` functions are the 2026 edition's variants, which crash and restart
//! servers where 2024 disconnects them.

use super::replication::shuffle;
use super::{harness, plus, rand_cmd};
use crate::sim::world::{Sim, SimResult};
use raft_core::NodeId;

/// How the persistence tests take a server away and bring it back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edition {
    /// 2024: disconnect, later restart (crash + rebuild) and connect.
    Disconnect,
    /// 2026: crash, later restart and connect.
    Crash,
}

fn take_away(sim: &mut Sim, id: NodeId, edition: Edition) {
    match edition {
        Edition::Disconnect => sim.disconnect(id),
        Edition::Crash => sim.crash(id),
    }
}

fn restart_connect(sim: &mut Sim, id: NodeId) {
    sim.restart(id);
    sim.connect(id);
}

/// TestPersist13C.
pub fn persist1(sim: &mut Sim) -> SimResult<()> {
    persist1_in(sim, Edition::Disconnect)
}

pub fn persist1_crash(sim: &mut Sim) -> SimResult<()> {
    persist1_in(sim, Edition::Crash)
}

fn persist1_in(sim: &mut Sim, edition: Edition) -> SimResult<()> {
    let n = sim.n();
    sim.one(11, 3, true)?;
    (0..n).for_each(|i| sim.restart(i));
    (0..n).for_each(|i| {
        sim.disconnect(i);
        sim.connect(i)
    });
    sim.one(12, 3, true)?;
    let leader1 = sim.check_one_leader()?;
    take_away(sim, leader1, edition);
    restart_connect(sim, leader1);
    sim.one(13, 3, true)?;
    let leader2 = sim.check_one_leader()?;
    take_away(sim, leader2, edition);
    sim.one(14, 2, true)?;
    restart_connect(sim, leader2);
    sim.wait(4, 3, None)?;
    let leader3 = sim.check_one_leader()?;
    let i3 = plus(sim, leader3, 1);
    take_away(sim, i3, edition);
    sim.one(15, 2, true)?;
    restart_connect(sim, i3);
    sim.one(16, 3, true)?;
    Ok(())
}

/// TestPersist23C.
pub fn persist2(sim: &mut Sim) -> SimResult<()> {
    persist2_in(sim, Edition::Disconnect)
}

pub fn persist2_crash(sim: &mut Sim) -> SimResult<()> {
    persist2_in(sim, Edition::Crash)
}

fn persist2_in(sim: &mut Sim, edition: Edition) -> SimResult<()> {
    let mut index = 1;
    for _ in 0..5 {
        sim.one(10 + index, 5, true)?;
        index += 1;
        let leader1 = sim.check_one_leader()?;
        take_away(sim, plus(sim, leader1, 1), edition);
        take_away(sim, plus(sim, leader1, 2), edition);
        sim.one(10 + index, 3, true)?;
        index += 1;
        for k in [0, 3, 4] {
            take_away(sim, plus(sim, leader1, k), edition);
        }
        sim.restart(plus(sim, leader1, 1));
        sim.restart(plus(sim, leader1, 2));
        sim.connect(plus(sim, leader1, 1));
        sim.connect(plus(sim, leader1, 2));
        sim.sleep(1000)?;
        restart_connect(sim, plus(sim, leader1, 3));
        sim.one(10 + index, 3, true)?;
        index += 1;
        for k in [4, 0] {
            let id = plus(sim, leader1, k);
            if edition == Edition::Crash {
                sim.restart(id);
            }
            sim.connect(id);
        }
    }
    sim.one(1000, 5, true)?;
    Ok(())
}

/// TestPersist33C.
pub fn persist3(sim: &mut Sim) -> SimResult<()> {
    persist3_in(sim, Edition::Disconnect)
}

pub fn persist3_crash(sim: &mut Sim) -> SimResult<()> {
    persist3_in(sim, Edition::Crash)
}

fn persist3_in(sim: &mut Sim, edition: Edition) -> SimResult<()> {
    sim.one(101, 3, true)?;
    let leader = sim.check_one_leader()?;
    let behind = plus(sim, leader, 2);
    take_away(sim, behind, edition);
    sim.one(102, 2, true)?;
    sim.crash(leader);
    sim.crash(plus(sim, leader, 1));
    match edition {
        Edition::Disconnect => sim.connect(behind),
        Edition::Crash => restart_connect(sim, behind),
    }
    restart_connect(sim, leader);
    sim.one(103, 2, true)?;
    restart_connect(sim, plus(sim, leader, 1));
    sim.one(104, 3, true)?;
    Ok(())
}

/// The Figure 8 tests' sleep: 10% U[0, 499] ms, else U[0, 12] ms.
fn figure8_sleep(sim: &mut Sim) -> SimResult<()> {
    let ms = if sim.rng.chance(100, 1000) {
        sim.rng.below(500)
    } else {
        sim.rng.below(13)
    };
    sim.sleep(ms)
}

/// TestFigure83C: 1000 iterations of proposing everywhere and crashing the leader.
pub fn figure8(sim: &mut Sim) -> SimResult<()> {
    let n = sim.n();
    let c = rand_cmd(sim);
    sim.one(c, 1, true)?;
    let mut up = n;
    for _ in 0..1000 {
        let mut leader = None;
        for i in 0..n {
            let c = rand_cmd(sim);
            if let Some((_, _, true)) = sim.start(i, c) {
                leader = Some(i);
            }
        }
        figure8_sleep(sim)?;
        if let Some(l) = leader {
            sim.crash(l);
            up -= 1;
        }
        if up < 3 {
            let s = sim.rng.below(n as u64) as NodeId;
            if !sim.is_up(s) {
                restart_connect(sim, s);
                up += 1;
            }
        }
    }
    for i in 0..n {
        if !sim.is_up(i) {
            restart_connect(sim, i);
        }
    }
    let c = rand_cmd(sim);
    sim.one(c, n as usize, true)?;
    Ok(())
}

/// TestUnreliableAgree3C: 4 concurrent one()s and a synchronous one, 49 times, under loss.
pub fn unreliable_agree(sim: &mut Sim) -> SimResult<()> {
    sim.unreliable = true;
    let mut tasks = Vec::new();
    for iters in 1..50 {
        for j in 0..4 {
            tasks.push(sim.spawn_one(100 * iters + j, 1, true));
        }
        sim.one(iters, 1, true)?;
    }
    sim.unreliable = false;
    sim.run_while(|s| tasks.iter().any(|&t| s.one_result(t).is_none()))?;
    sim.one(100, 5, true)?;
    Ok(())
}

/// TestFigure8Unreliable3C: as Figure 8 with disconnects, loss, and long reordering from
/// iteration 200 on (still on for the final agreement).
pub fn figure8_unreliable(sim: &mut Sim) -> SimResult<()> {
    let n = sim.n();
    sim.unreliable = true;
    let c = sim.rng.below(10_000);
    sim.one(c, 1, true)?;
    let mut up = n;
    for iters in 0..1000 {
        if iters == 200 {
            sim.long_reordering = true;
        }
        let mut leader = None;
        for i in 0..n {
            let c = sim.rng.below(10_000);
            if let Some((_, _, true)) = sim.start(i, c) {
                if sim.is_connected(i) {
                    leader = Some(i);
                }
            }
        }
        figure8_sleep(sim)?;
        if let Some(l) = leader {
            if sim.rng.chance(500, 1000) {
                sim.disconnect(l);
                up -= 1;
            }
        }
        if up < 3 {
            let s = sim.rng.below(n as u64) as NodeId;
            if !sim.is_connected(s) {
                sim.connect(s);
                up += 1;
            }
        }
    }
    (0..n).for_each(|i| sim.connect(i));
    let c = sim.rng.below(10_000);
    sim.one(c, n as usize, true)?;
    Ok(())
}

/// TestReliableChurn3C.
pub fn reliable_churn(sim: &mut Sim) -> SimResult<()> {
    churn(sim, false)
}

/// TestUnreliableChurn3C.
pub fn unreliable_churn(sim: &mut Sim) -> SimResult<()> {
    churn(sim, true)
}

/// Three clients offer values everywhere while servers are disconnected, crashed and
/// restarted; every value a client saw applied must be in the final, fully agreed log.
fn churn(sim: &mut Sim, unreliable: bool) -> SimResult<()> {
    let n = sim.n();
    sim.unreliable = unreliable;
    let mut clients: Vec<usize> = (0..3).map(|me| sim.spawn_churn(me)).collect();
    shuffle(sim, &mut clients);
    for _ in 0..20 {
        if sim.rng.chance(200, 1000) {
            let i = sim.rng.below(n as u64) as NodeId;
            sim.disconnect(i);
        }
        if sim.rng.chance(500, 1000) {
            let i = sim.rng.below(n as u64) as NodeId;
            if !sim.is_up(i) {
                sim.restart(i);
            }
            sim.connect(i);
        }
        if sim.rng.chance(200, 1000) {
            let i = sim.rng.below(n as u64) as NodeId;
            if sim.is_up(i) {
                sim.crash(i);
            }
        }
        sim.sleep(700)?;
    }
    sim.sleep(1000)?;
    sim.unreliable = false;
    for i in 0..n {
        if !sim.is_up(i) {
            sim.restart(i);
        }
        sim.connect(i);
    }
    let values = sim.stop_churn(&clients)?;
    sim.sleep(1000)?;
    let c = rand_cmd(sim);
    let last = sim.one(c, n as usize, true)?;
    let mut really = Vec::new();
    for index in 1..=last {
        if let Some(v) = sim.wait(index, n as usize, None)? {
            really.push(v);
        }
    }
    for v in values {
        if !really.contains(&v) {
            return Err(harness(format!("didn't find a value ({v})")));
        }
    }
    Ok(())
}
