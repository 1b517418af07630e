//! Part 3B, log replication (all on a reliable network). `one(.., false)` is the lab's
//! no-retry agreement: the first 2 s without agreement fails the seed.

use super::{harness, plus, rand_cmd};
use crate::sim::world::{Sim, SimResult};
use raft_core::{Command, Index, NodeId};

/// TestBasicAgree3B: exact indices 1..3, nothing committed before it is submitted.
pub fn basic_agree(sim: &mut Sim) -> SimResult<()> {
    for index in 1..=3 {
        let (count, _) = sim.n_committed(index)?;
        if count > 0 {
            return Err(harness("some have committed before Start()"));
        }
        let got = sim.one(index * 100, 3, false)?;
        expect_index(got, index)?;
    }
    Ok(())
}

/// TestRPCBytes3B: ten 5000-byte values; at most 200 000 bytes on the wire for them.
pub fn rpc_bytes(sim: &mut Sim) -> SimResult<()> {
    sim.one(99, 3, false)?;
    let bytes0 = sim.bytes;
    let mut sent = 0;
    for index in 2..12 {
        let cmd = rand_cmd(sim);
        sim.set_payload(cmd, 5000);
        sent += 5000;
        let got = sim.one(cmd, 3, false)?;
        expect_index(got, index)?;
    }
    let got = sim.bytes - bytes0;
    let expected = 3 * sent;
    if got > expected + 50_000 {
        return Err(harness(format!(
            "too many RPC bytes; got {got}, expected {expected}"
        )));
    }
    Ok(())
}

/// TestFollowerFailure3B.
pub fn follower_failure(sim: &mut Sim) -> SimResult<()> {
    sim.one(101, 3, false)?;
    let leader1 = sim.check_one_leader()?;
    sim.disconnect(plus(sim, leader1, 1));
    sim.one(102, 2, false)?;
    sim.sleep(1000)?;
    sim.one(103, 2, false)?;
    let leader2 = sim.check_one_leader()?;
    sim.disconnect(plus(sim, leader2, 1));
    sim.disconnect(plus(sim, leader2, 2));
    let Some((index, _)) = sim.start_ok(leader2, 104) else {
        return Err(harness("leader rejected Start()"));
    };
    expect_index(index, 4)?;
    sim.sleep(2000)?;
    nothing_committed(sim, index)
}

/// TestLeaderFailure3B.
pub fn leader_failure(sim: &mut Sim) -> SimResult<()> {
    sim.one(101, 3, false)?;
    let leader1 = sim.check_one_leader()?;
    sim.disconnect(leader1);
    sim.one(102, 2, false)?;
    sim.sleep(1000)?;
    sim.one(103, 2, false)?;
    let leader2 = sim.check_one_leader()?;
    sim.disconnect(leader2);
    for i in 0..sim.n() {
        sim.start(i, 104);
    }
    sim.sleep(2000)?;
    nothing_committed(sim, 4)
}

/// TestFailAgree3B: a disconnected follower catches up after reconnecting.
pub fn fail_agree(sim: &mut Sim) -> SimResult<()> {
    sim.one(101, 3, false)?;
    let leader = sim.check_one_leader()?;
    sim.disconnect(plus(sim, leader, 1));
    sim.one(102, 2, false)?;
    sim.one(103, 2, false)?;
    sim.sleep(1000)?;
    sim.one(104, 2, false)?;
    sim.one(105, 2, false)?;
    sim.connect(plus(sim, leader, 1));
    sim.one(106, 3, true)?;
    sim.sleep(1000)?;
    sim.one(107, 3, true)?;
    Ok(())
}

/// TestFailNoAgree3B: no agreement without a majority, then recovery.
pub fn fail_no_agree(sim: &mut Sim) -> SimResult<()> {
    sim.one(10, 5, false)?;
    let leader = sim.check_one_leader()?;
    for k in 1..=3 {
        sim.disconnect(plus(sim, leader, k));
    }
    let Some((index, _)) = sim.start_ok(leader, 20) else {
        return Err(harness("leader rejected Start()"));
    };
    expect_index(index, 2)?;
    sim.sleep(2000)?;
    nothing_committed(sim, index)?;
    for k in 1..=3 {
        sim.connect(plus(sim, leader, k));
    }
    let leader2 = sim.check_one_leader()?;
    let Some((index2, _)) = sim.start_ok(leader2, 30) else {
        return Err(harness("leader2 rejected Start()"));
    };
    if !(2..=3).contains(&index2) {
        return Err(harness(format!("unexpected index {index2}")));
    }
    sim.one(1000, 5, true)?;
    Ok(())
}

/// TestConcurrentStarts3B: five Start()s at the same instant, in random order.
pub fn concurrent_starts(sim: &mut Sim) -> SimResult<()> {
    'attempt: for attempt in 0..5 {
        if attempt > 0 {
            sim.sleep(3000)?;
        }
        let leader = sim.check_one_leader()?;
        let Some((_, term)) = sim.start_ok(leader, 1) else {
            continue;
        };
        let mut order: Vec<u64> = (0..5).collect();
        shuffle(sim, &mut order);
        let mut indices = Vec::new();
        for i in order {
            if let Some((index, t, true)) = sim.start(leader, 100 + i) {
                if t == term {
                    indices.push(index);
                }
            }
        }
        if (0..sim.n()).any(|j| sim.state(j).0 != term) {
            continue;
        }
        let mut cmds = Vec::new();
        for index in indices {
            match sim.wait(index, 3, Some(term))? {
                None => continue 'attempt,
                Some(cmd) => cmds.push(cmd),
            }
        }
        for x in 100..105 {
            if !cmds.contains(&x) {
                return Err(harness(format!("cmd {x} missing in {cmds:?}")));
            }
        }
        return Ok(());
    }
    Err(harness("term changed too often"))
}

/// TestRejoin3B: a partitioned leader's stale entries are overwritten.
pub fn rejoin(sim: &mut Sim) -> SimResult<()> {
    sim.one(101, 3, true)?;
    let leader1 = sim.check_one_leader()?;
    sim.disconnect(leader1);
    for cmd in [102, 103, 104] {
        sim.start(leader1, cmd);
    }
    sim.one(103, 2, true)?;
    let leader2 = sim.check_one_leader()?;
    sim.disconnect(leader2);
    sim.connect(leader1);
    sim.one(104, 2, true)?;
    sim.connect(leader2);
    sim.one(105, 3, true)?;
    Ok(())
}

/// TestBackup3B: the leader backs up quickly over 50-entry divergent logs.
pub fn backup(sim: &mut Sim) -> SimResult<()> {
    let n = sim.n();
    let c = rand_cmd(sim);
    sim.one(c, 5, true)?;
    let leader1 = sim.check_one_leader()?;
    for k in 2..=4 {
        sim.disconnect(plus(sim, leader1, k));
    }
    start_many(sim, leader1, 50);
    sim.sleep(500)?;
    sim.disconnect(leader1);
    sim.disconnect(plus(sim, leader1, 1));
    for k in 2..=4 {
        sim.connect(plus(sim, leader1, k));
    }
    one_many(sim, 50, 3)?;
    let leader2 = sim.check_one_leader()?;
    let mut other = plus(sim, leader1, 2);
    if leader2 == other {
        other = plus(sim, leader2, 1);
    }
    sim.disconnect(other);
    start_many(sim, leader2, 50);
    sim.sleep(500)?;
    (0..n).for_each(|i| sim.disconnect(i));
    sim.connect(leader1);
    sim.connect(plus(sim, leader1, 1));
    sim.connect(other);
    one_many(sim, 50, 3)?;
    (0..n).for_each(|i| sim.connect(i));
    let c = rand_cmd(sim);
    sim.one(c, 5, true)?;
    Ok(())
}

/// TestCount3B: RPC budgets for an election, 10 agreements and 1 s of idleness.
pub fn count(sim: &mut Sim) -> SimResult<()> {
    let rpcs = |s: &Sim| s.rpc_in.iter().sum::<u64>();
    sim.check_one_leader()?;
    let total1 = rpcs(sim);
    if !(1..=30).contains(&total1) {
        return Err(harness(format!(
            "too many or few RPCs ({total1}) to elect initial leader"
        )));
    }
    let mut total2 = None;
    'attempt: for attempt in 0..5 {
        if attempt > 0 {
            sim.sleep(3000)?;
        }
        let leader = sim.check_one_leader()?;
        let total1 = rpcs(sim);
        let iters = 10;
        let Some((starti, term)) = sim.start_ok(leader, 1) else {
            continue;
        };
        let mut cmds = Vec::new();
        for i in 1..iters + 2 {
            let x = sim.rng.next_u64() >> 33;
            cmds.push(x);
            match sim.start(leader, x) {
                Some((index, t, true)) if t == term => {
                    if index != starti + i {
                        return Err(harness("Start() failed"));
                    }
                }
                _ => continue 'attempt,
            }
        }
        for i in 1..iters + 1 {
            match sim.wait(starti + i, 3, Some(term))? {
                None => continue 'attempt,
                Some(x) if x == cmds[i as usize - 1] => {}
                Some(x) => {
                    return Err(harness(format!(
                        "wrong value {x} committed for index {}; expected {cmds:?}",
                        starti + i
                    )))
                }
            }
        }
        if (0..sim.n()).any(|j| sim.state(j).0 != term) {
            continue;
        }
        let total = rpcs(sim);
        if total - total1 > (iters + 1 + 3) * 3 {
            return Err(harness(format!(
                "too many RPCs ({}) for {iters} entries",
                total - total1
            )));
        }
        total2 = Some(total);
        break;
    }
    let Some(total2) = total2 else {
        return Err(harness("term changed too often"));
    };
    sim.sleep(1000)?;
    let total3 = rpcs(sim);
    if total3 - total2 > 3 * 20 {
        return Err(harness(format!(
            "too many RPCs ({}) for 1 second of idleness",
            total3 - total2
        )));
    }
    Ok(())
}

fn expect_index(got: Index, want: Index) -> SimResult<()> {
    if got != want {
        return Err(harness(format!("got index {got} but expected {want}")));
    }
    Ok(())
}

fn nothing_committed(sim: &Sim, index: Index) -> SimResult<()> {
    let (count, _) = sim.n_committed(index)?;
    if count > 0 {
        return Err(harness(format!("{count} committed but no majority")));
    }
    Ok(())
}

fn start_many(sim: &mut Sim, id: NodeId, count: usize) {
    for _ in 0..count {
        let c = rand_cmd(sim);
        sim.start(id, c);
    }
}

fn one_many(sim: &mut Sim, count: usize, expected: usize) -> SimResult<()> {
    for _ in 0..count {
        let c: Command = rand_cmd(sim);
        sim.one(c, expected, true)?;
    }
    Ok(())
}

/// Fisher-Yates with the run's RNG.
pub(super) fn shuffle<T>(sim: &mut Sim, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = sim.rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}
