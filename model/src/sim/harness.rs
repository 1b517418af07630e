//! The lab tester's checks in virtual time (section 4 of the suite reference, same constants):
//! `check_one_leader`, `check_terms`, `check_no_leader`, `wait`, `one`, and the concurrent
//! clients (`one` run as a task, the churn clients) as event-driven state machines.

use super::queue::Ev;
use super::world::{Failure, Sim, SimResult};
use raft_core::{Command, Index, NodeId, Term};
use std::collections::BTreeMap;

/// A concurrent harness activity, woken by `Ev::Wake` events.
pub enum Task {
    One(OneTask),
    Churn(ChurnClient),
}

/// The lab's `one(cmd, expected, retry)` as a state machine.
pub struct OneTask {
    cmd: Command,
    expected: usize,
    retry: bool,
    t0: u64,
    cursor: NodeId,
    /// Index being polled and since when (`None`: offering the command).
    polling: Option<(Index, u64)>,
    pub result: Option<Index>,
}

/// A churn client (TestReliableChurn3C): offers random values to every live server, and
/// records those it saw applied at the index it was given.
pub struct ChurnClient {
    me: u64,
    stop: bool,
    /// The offered value, its index and how many polls are done.
    polling: Option<(Command, Index, usize)>,
    pub acked: Vec<Command>,
    pub done: bool,
}

/// The churn client's sleeps after each poll (so polls at +0, +10, +30, +80, +180 ms).
const CHURN_POLLS: [u64; 5] = [10, 20, 50, 100, 200];

impl Sim {
    fn spawn(&mut self, task: Task) -> usize {
        self.tasks.push(task);
        let id = self.tasks.len() - 1;
        self.schedule(self.now, Ev::Wake { task: id });
        id
    }

    pub(super) fn wake(&mut self, id: usize) {
        let sleep = match &self.tasks[id] {
            Task::One(_) => self.step_one(id),
            Task::Churn(_) => self.step_churn(id),
        };
        match sleep {
            Ok(Some(ms)) => self.schedule(self.now + ms, Ev::Wake { task: id }),
            Ok(None) => {}
            Err(f) => self.fail(f),
        }
    }

    /// Start `one(cmd, expected, retry)` concurrently; poll with `one_result`.
    pub fn spawn_one(&mut self, cmd: Command, expected: usize, retry: bool) -> usize {
        self.spawn(Task::One(OneTask {
            cmd,
            expected,
            retry,
            t0: self.now,
            cursor: 0,
            polling: None,
            result: None,
        }))
    }

    pub fn one_result(&self, task: usize) -> Option<Index> {
        match &self.tasks[task] {
            Task::One(t) => t.result,
            Task::Churn(_) => None,
        }
    }

    /// The lab's `one(cmd, expected, retry)`: offer `cmd` round-robin to connected servers until
    /// one accepts, then wait up to 2 s for `expected` servers to apply it; 10 s overall.
    pub fn one(&mut self, cmd: Command, expected: usize, retry: bool) -> SimResult<Index> {
        let task = self.spawn_one(cmd, expected, retry);
        self.run_while(|s| s.one_result(task).is_none())?;
        Ok(self.one_result(task).unwrap_or_default())
    }

    /// One wake-up of a `one()` task; returns how long it sleeps (`None`: finished).
    fn step_one(&mut self, id: usize) -> SimResult<Option<u64>> {
        let n = self.n();
        loop {
            let Task::One(t) = &self.tasks[id] else {
                return Ok(None);
            };
            let (cmd, expected, retry, t0, polling) = (t.cmd, t.expected, t.retry, t.t0, t.polling);
            match polling {
                None => {
                    if self.now - t0 >= 10_000 {
                        return Err(Failure::Harness(format!(
                            "one({cmd}) failed to reach agreement"
                        )));
                    }
                    let mut cursor = t.cursor;
                    let mut accepted = None;
                    for _ in 0..n {
                        cursor = (cursor + 1) % n;
                        if self.is_connected(cursor) && self.is_up(cursor) {
                            if let Some((index, _, true)) = self.start(cursor, cmd) {
                                accepted = Some(index);
                                break;
                            }
                        }
                    }
                    let now = self.now;
                    let Task::One(t) = &mut self.tasks[id] else {
                        return Ok(None);
                    };
                    t.cursor = cursor;
                    match accepted {
                        Some(index) => t.polling = Some((index, now)),
                        None => return Ok(Some(50)),
                    }
                }
                Some((index, t1)) => {
                    if self.now - t1 >= 2000 {
                        if !retry {
                            return Err(Failure::Harness(format!(
                                "one({cmd}) failed to reach agreement"
                            )));
                        }
                        if let Task::One(t) = &mut self.tasks[id] {
                            t.polling = None;
                        }
                        continue;
                    }
                    let (count, value) = self.n_committed(index)?;
                    if count > 0 && count >= expected && value == Some(cmd) {
                        if let Task::One(t) = &mut self.tasks[id] {
                            t.result = Some(index);
                        }
                        return Ok(None);
                    }
                    return Ok(Some(20));
                }
            }
        }
    }

    /// Start a churn client (numbered `me` for its back-off).
    pub fn spawn_churn(&mut self, me: u64) -> usize {
        self.spawn(Task::Churn(ChurnClient {
            me,
            stop: false,
            polling: None,
            acked: Vec::new(),
            done: false,
        }))
    }

    /// Tell the churn clients to stop, wait until each finished its loop, return all acked values.
    pub fn stop_churn(&mut self, clients: &[usize]) -> SimResult<Vec<Command>> {
        for &c in clients {
            if let Task::Churn(t) = &mut self.tasks[c] {
                t.stop = true;
            }
        }
        let all_done = |s: &Sim| {
            clients
                .iter()
                .all(|&c| matches!(&s.tasks[c], Task::Churn(t) if t.done))
        };
        self.run_while(|s| !all_done(s))?;
        let mut values = Vec::new();
        for &c in clients {
            if let Task::Churn(t) = &self.tasks[c] {
                values.extend_from_slice(&t.acked);
            }
        }
        Ok(values)
    }

    fn step_churn(&mut self, id: usize) -> SimResult<Option<u64>> {
        let Task::Churn(t) = &self.tasks[id] else {
            return Ok(None);
        };
        let (me, stop, polling) = (t.me, t.stop, t.polling);
        match polling {
            None => {
                if stop {
                    if let Task::Churn(t) = &mut self.tasks[id] {
                        t.done = true;
                    }
                    return Ok(None);
                }
                let x = self.rng.next_u64() >> 1;
                let mut accepted = None;
                for i in 0..self.n() {
                    if let Some((index, _, true)) = self.start(i, x) {
                        accepted = Some(index);
                    }
                }
                match accepted {
                    Some(index) => {
                        if let Task::Churn(t) = &mut self.tasks[id] {
                            t.polling = Some((x, index, 0));
                        }
                        self.step_churn(id)
                    }
                    None => Ok(Some(79 + 17 * me)),
                }
            }
            Some((x, index, k)) => {
                let polled = if k < CHURN_POLLS.len() {
                    Some(self.n_committed(index)?)
                } else {
                    None
                };
                let Task::Churn(t) = &mut self.tasks[id] else {
                    return Ok(None);
                };
                match polled {
                    Some((0, _)) => {} // not applied anywhere yet: poll again
                    Some((_, value)) => {
                        if value == Some(x) {
                            t.acked.push(x);
                        }
                        t.polling = None;
                        return self.step_churn(id);
                    }
                    None => {
                        t.polling = None;
                        return self.step_churn(id);
                    }
                }
                t.polling = Some((x, index, k + 1));
                Ok(Some(CHURN_POLLS[k]))
            }
        }
    }

    /// The lab's `checkOneLeader()`: up to 10 rounds of (sleep U[450, 549] ms, ask connected
    /// servers); two leaders in one term fail; the leader of the highest term is returned.
    pub fn check_one_leader(&mut self) -> SimResult<NodeId> {
        for _ in 0..10 {
            let ms = self.rng.range(450, 549);
            self.sleep(ms)?;
            let mut leaders: BTreeMap<Term, Vec<NodeId>> = BTreeMap::new();
            for id in 0..self.n() {
                if self.is_connected(id) {
                    let (term, leader) = self.state(id);
                    if leader {
                        leaders.entry(term).or_default().push(id);
                    }
                }
            }
            for (term, ids) in &leaders {
                if ids.len() > 1 {
                    return Err(Failure::Harness(format!(
                        "term {term} has {} (>1) leaders",
                        ids.len()
                    )));
                }
            }
            if let Some((_, ids)) = leaders.iter().next_back() {
                return Ok(ids[0]);
            }
        }
        Err(Failure::Harness("expected one leader, got none".into()))
    }

    /// The lab's `checkTerms()`: every connected server reports the same term.
    pub fn check_terms(&mut self) -> SimResult<Term> {
        let mut term = None;
        for id in 0..self.n() {
            if self.is_connected(id) {
                let t = self.state(id).0;
                match term {
                    None => term = Some(t),
                    Some(t0) if t0 != t => {
                        return Err(Failure::Harness("servers disagree on term".into()))
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(term.unwrap_or(0))
    }

    /// The lab's `checkNoLeader()`: no connected server claims leadership.
    pub fn check_no_leader(&mut self) -> SimResult<()> {
        for id in 0..self.n() {
            if self.is_connected(id) && self.state(id).1 {
                return Err(Failure::Harness(format!(
                    "expected no leader among connected servers, but {id} claims to be leader"
                )));
            }
        }
        Ok(())
    }

    /// The lab's `wait(index, n, startTerm)`: poll with doubling sleeps (10 ms to 1280 ms, 30
    /// polls); `Ok(None)` if some server moved past `start_term`.
    pub fn wait(
        &mut self,
        index: Index,
        n: usize,
        start_term: Option<Term>,
    ) -> SimResult<Option<Command>> {
        let mut to = 10;
        for _ in 0..30 {
            let (count, _) = self.n_committed(index)?;
            if count >= n {
                break;
            }
            self.sleep(to)?;
            if to < 1000 {
                to *= 2;
            }
            if let Some(term) = start_term {
                if (0..self.n()).any(|id| self.state(id).0 > term) {
                    return Ok(None);
                }
            }
        }
        let (count, value) = self.n_committed(index)?;
        if count < n {
            return Err(Failure::Harness(format!(
                "only {count} decided for index {index}; wanted {n}"
            )));
        }
        Ok(value)
    }

    /// `Start(cmd)` expecting acceptance (index, term), for tests that assert it.
    pub fn start_ok(&mut self, id: NodeId, cmd: Command) -> Option<(Index, Term)> {
        match self.start(id, cmd) {
            Some((index, term, true)) => Some((index, term)),
            _ => None,
        }
    }
}
