//! Part 3A, leader election (all on a reliable network).

use super::{harness, plus};
use crate::sim::world::{Sim, SimResult};

/// TestInitialElection3A. Stricter than the lab: the term must not change while nothing fails.
pub fn initial_election(sim: &mut Sim) -> SimResult<()> {
    sim.check_one_leader()?;
    sim.sleep(50)?;
    let term1 = sim.check_terms()?;
    if term1 < 1 {
        return Err(harness(format!(
            "term is {term1}, but should be at least 1"
        )));
    }
    sim.sleep(2000)?;
    let term2 = sim.check_terms()?;
    if term2 != term1 {
        return Err(harness(format!(
            "term changed from {term1} to {term2} with no failures"
        )));
    }
    sim.check_one_leader()?;
    Ok(())
}

/// TestReElection3A.
pub fn re_election(sim: &mut Sim) -> SimResult<()> {
    let leader1 = sim.check_one_leader()?;
    sim.disconnect(leader1);
    sim.check_one_leader()?;
    sim.connect(leader1);
    let leader2 = sim.check_one_leader()?;
    sim.disconnect(leader2);
    sim.disconnect(plus(sim, leader2, 1));
    sim.sleep(2000)?;
    sim.check_no_leader()?;
    sim.connect(plus(sim, leader2, 1));
    sim.check_one_leader()?;
    sim.connect(leader2);
    sim.check_one_leader()?;
    Ok(())
}

/// TestManyElections3A: 9 rounds of disconnecting three random servers (with replacement).
pub fn many_elections(sim: &mut Sim) -> SimResult<()> {
    let n = sim.n() as u64;
    sim.check_one_leader()?;
    for _ in 1..10 {
        let picked: Vec<u8> = (0..3).map(|_| sim.rng.below(n) as u8).collect();
        picked.iter().for_each(|&i| sim.disconnect(i));
        sim.check_one_leader()?;
        picked.iter().for_each(|&i| sim.connect(i));
    }
    sim.check_one_leader()?;
    Ok(())
}
