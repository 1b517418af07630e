//! What `check` runs when no bound is given: a portfolio of exhaustive configurations, each aimed
//! at one class of bugs, plus seeded random walks at bounds too large to exhaust, for a fixed
//! share of the budget. `--suite quick|default|deep` picks the size; the zoo runs the same.

use super::bounds::{Bounds, NetworkKind, RunLimits, Strategy};
use super::properties::goals;
use super::report::Summary;
use raft_core::{Config, Situation};
use std::path::Path;
use std::time::{Duration, Instant};

/// How big a suite: `quick` for CI (about a minute), `default` (what `check` runs, about three
/// minutes on 2 cores), `deep` for a night (at most 30 minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SuiteSize {
    Quick,
    Default,
    Deep,
}

/// How a configuration is explored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Breadth first with symmetry reduction over server ids, to the end (or the memory cap):
    /// exhaustive up to renaming the servers, or said to be cut.
    Exhaustive,
    /// Seeded random walks for a fixed time: sampled, never exhaustive.
    Walks { seed: u64, seconds: u64 },
}

/// One configuration of a suite: what it aims at, its bounds, and the situations it must reach.
#[derive(Clone, Debug)]
pub struct SuiteEntry {
    pub name: &'static str,
    /// The class of bugs it is aimed at (one line).
    pub aim: &'static str,
    pub bounds: Bounds,
    /// The core's cap on entries per AppendEntries (`None`: the core's default).
    pub max_entries_per_append: Option<usize>,
    /// Whether PreVote and CheckQuorum stay on (when the base configuration has them). Off in
    /// most exhaustive entries, which check Figure 2 as written: with both on their spaces grow
    /// 2-10x (crash-restart 46,635 to 263,757 representatives, heartbeats-cap to 2 million)
    /// and the suite took 20 minutes; the `pre-vote` entry and the walks check them.
    pub liveness_options: bool,
    pub search: Search,
    pub goals: Vec<Situation>,
}

impl SuiteEntry {
    /// `config` (a mutant, say) with this entry's size and options.
    pub fn config(&self, base: &Config) -> Config {
        let mut config = base.clone();
        config.cluster_size = self.bounds.servers;
        if let Some(cap) = self.max_entries_per_append {
            config.max_entries_per_append = cap;
        }
        config.pre_vote &= self.liveness_options;
        config.check_quorum &= self.liveness_options;
        config
    }

    /// The limits of this entry's run, on `threads` threads.
    pub fn limits(&self, base: &RunLimits) -> RunLimits {
        match self.search {
            Search::Exhaustive => RunLimits {
                strategy: Strategy::Bfs,
                symmetry: true,
                ..base.clone()
            },
            Search::Walks { seed, seconds } => RunLimits {
                strategy: Strategy::Simulation,
                seed,
                // Symmetry would only merge walks' fingerprints; without it a walk's states
                // count as seen.
                symmetry: false,
                timeout: Some(Duration::from_secs(seconds)),
                ..base.clone()
            },
        }
    }
}

/// The goals of `bounds` except those it rules out (`skip`).
fn goals_but(bounds: &Bounds, skip: &[Situation]) -> Vec<Situation> {
    goals(bounds)
        .into_iter()
        .filter(|s| !skip.contains(s))
        .collect()
}

use Situation::*;

fn entry(name: &'static str, aim: &'static str, bounds: Bounds, skip: &[Situation]) -> SuiteEntry {
    SuiteEntry {
        name,
        aim,
        goals: goals_but(&bounds, skip),
        bounds,
        max_entries_per_append: None,
        liveness_options: false,
        search: Search::Exhaustive,
    }
}

/// Three servers, no crash, on the unordered network (any message delivered next).
fn base(max_term: u64, proposals: u8, in_flight: usize) -> Bounds {
    Bounds {
        servers: 3,
        max_term,
        proposals,
        heartbeats: 0,
        snapshots: 0,
        crashes: 0,
        restarts: 0,
        network: NetworkKind::UnorderedNonDuplicating,
        lossy: false,
        max_copies: 1,
        max_in_flight: Some(in_flight),
    }
}

/// The same on per-link FIFO queues (far fewer interleavings): the base of most entries.
fn fifo(max_term: u64, proposals: u8, in_flight: usize) -> Bounds {
    Bounds {
        network: NetworkKind::Ordered,
        ..base(max_term, proposals, in_flight)
    }
}

/// Random walks under `bounds`, for `seconds`, from `seed`.
fn walks(
    name: &'static str,
    aim: &'static str,
    bounds: Bounds,
    goals: Vec<Situation>,
    seed: u64,
    seconds: u64,
) -> SuiteEntry {
    SuiteEntry {
        name,
        aim,
        goals,
        bounds,
        max_entries_per_append: Some(2),
        liveness_options: true,
        search: Search::Walks { seed, seconds },
    }
}

/// The walks at bounds too large to exhaust: 3 servers over five terms on FIFO links; 4 servers
/// (quorums of 3) and 5 servers with loss, crashes, restarts, snapshots and heartbeats; and 4
/// servers on a network that delivers any message any number of times, at any later point. No
/// cap on messages in flight; two entries per append.
fn sampled(seconds: u64) -> [SuiteEntry; 4] {
    let crowd = |servers: u8, max_term: u64| Bounds {
        servers,
        max_term,
        proposals: 6,
        heartbeats: 6,
        snapshots: 3,
        crashes: 2,
        restarts: 4,
        network: NetworkKind::UnorderedNonDuplicating,
        lossy: true,
        max_copies: 3,
        max_in_flight: None,
    };
    [
        walks(
            "walks-deep-terms",
            "commit and log-matching rules across four and five terms (Figure 8, stale \
             appends), beyond the in-flight caps the exhaustive entries need",
            Bounds {
                heartbeats: 3,
                max_in_flight: None,
                ..fifo(5, 4, 0)
            },
            vec![
                LeaderElected,
                EntryCommitted,
                LeaderChangeAfterCommit,
                ConflictRepaired,
            ],
            3,
            seconds * 3 / 10,
        ),
        walks(
            "walks-4-servers",
            "even quorums past the exhaustive entry's bounds: 4 servers, 4 terms, loss, \
             crashes, snapshots",
            crowd(4, 4),
            Situation::ALL.to_vec(),
            4,
            seconds * 2 / 10,
        ),
        walks(
            "walks-5-servers",
            "what the exhaustive entries cannot reach: 5 servers, 5 terms, loss, crashes, \
             snapshots",
            crowd(5, 5),
            vec![
                LeaderElected,
                EntryCommitted,
                LeaderChangeAfterCommit,
                VoterRestarted,
                SnapshotInstalled,
            ],
            1,
            seconds * 3 / 10,
        ),
        // Figure 2 as written: with PreVote and CheckQuorum on, its walks (each leader's first
        // quorum check fired at once, re-delivered replies) never reached a new leader after a
        // commit in 14 s; the other walks and the `pre-vote` entry check the two options.
        SuiteEntry {
            liveness_options: false,
            ..walks(
                "walks-duplicates",
                "duplicated and late delivery: every message may be delivered again, any time (4 \
             servers: a vote counted twice then makes a false quorum)",
                Bounds {
                    servers: 4,
                    max_term: 4,
                    proposals: 4,
                    heartbeats: 3,
                    snapshots: 2,
                    crashes: 1,
                    restarts: 2,
                    network: NetworkKind::UnorderedDuplicating,
                    lossy: false,
                    max_copies: 1,
                    max_in_flight: None,
                },
                vec![LeaderElected, EntryCommitted, LeaderChangeAfterCommit],
                2,
                seconds * 2 / 10,
            )
        },
    ]
}

/// The configurations of a suite of `size`, in the order they run (cheap and sharp first).
pub fn suite(size: SuiteSize) -> Vec<SuiteEntry> {
    let mut entries = vec![
        SuiteEntry {
            liveness_options: true,
            ..entry(
                "pre-vote",
                "PreVote and CheckQuorum: pre-votes, leases, a leader's quorum check, with a crash",
                Bounds {
                    crashes: 1,
                    restarts: 1,
                    ..fifo(2, 1, 3)
                },
                &[ConflictRepaired],
            )
        },
        entry(
            "crash-restart",
            "lost persistence: a voter crashes and restarts with what it saved",
            Bounds {
                crashes: 1,
                restarts: 1,
                ..fifo(2, 2, 3)
            },
            &[ConflictRepaired],
        ),
        entry(
            "conflict-repair",
            "log repair: a follower's conflicting entries overwritten by a new leader",
            fifo(2, 2, 4),
            &[VoterRestarted],
        ),
        entry(
            "three-terms",
            "commit rules across terms (Figure 8), stale terms, votes over three elections",
            fifo(3, 2, 3),
            &[VoterRestarted, ConflictRepaired],
        ),
        SuiteEntry {
            max_entries_per_append: Some(1),
            ..entry(
                "heartbeats-cap",
                "empty AppendEntries carrying leaderCommit; one entry per append",
                Bounds {
                    heartbeats: 3,
                    ..fifo(2, 2, 4)
                },
                &[VoterRestarted, ConflictRepaired],
            )
        },
        entry(
            "late-copies",
            "re-sent messages delivered late and twice (two copies in flight, any order)",
            Bounds {
                heartbeats: 1,
                max_copies: 2,
                ..base(2, 1, 3)
            },
            &[VoterRestarted, ConflictRepaired],
        ),
        entry(
            "lossy",
            "lost messages: any message may be dropped",
            Bounds {
                lossy: true,
                ..fifo(2, 1, 3)
            },
            &[VoterRestarted, ConflictRepaired],
        ),
        entry(
            "four-servers",
            "even cluster sizes: quorums of 3 out of 4",
            Bounds {
                servers: 4,
                ..fifo(2, 2, 4)
            },
            &[VoterRestarted, ConflictRepaired],
        ),
        entry(
            "five-servers",
            "quorums of 3 out of 5: two disjoint minorities",
            Bounds {
                servers: 5,
                ..fifo(1, 1, 6)
            },
            &[LeaderChangeAfterCommit, VoterRestarted, ConflictRepaired],
        ),
        entry(
            "snapshots",
            "log compaction: a snapshot of several proposals shipped by InstallSnapshot",
            Bounds {
                heartbeats: 1,
                snapshots: 1,
                ..fifo(2, 2, 3)
            },
            &[VoterRestarted, ConflictRepaired, RestartedFromSnapshot],
        ),
    ];
    let (walk_seconds, keep) = match size {
        SuiteSize::Quick => (
            15,
            [
                "crash-restart",
                "conflict-repair",
                "three-terms",
                "snapshots",
            ]
            .as_slice(),
        ),
        SuiteSize::Default => (70, [].as_slice()),
        SuiteSize::Deep => (1200, [].as_slice()),
    };
    if !keep.is_empty() {
        entries.retain(|e| keep.contains(&e.name));
    }
    entries.extend(sampled(walk_seconds));
    entries
}

/// What `check` runs with no bound flags.
pub fn default_suite() -> Vec<SuiteEntry> {
    suite(SuiteSize::Default)
}

/// One configuration's run.
pub struct EntryRun {
    pub entry: SuiteEntry,
    pub summary: Summary,
}

impl EntryRun {
    /// The configuration passed: no violation, every goal reached, and exhaustive unless it is
    /// sampled by design.
    pub fn passed(&self) -> bool {
        let s = &self.summary;
        !s.violated()
            && s.all_reached()
            && (s.exhaustive() || matches!(self.entry.search, Search::Walks { .. }))
    }

    /// `exhausted` or `sampled (N walks, seed S)` or `cut (why)`.
    pub fn coverage(&self) -> String {
        let s = &self.summary;
        match (self.entry.search, &s.cut) {
            (Search::Walks { seed, .. }, _) => format!(
                "sampled ({} walks, {} states, {} unique, seed {seed})",
                s.walks.unwrap_or(0),
                s.total,
                s.unique
            ),
            (Search::Exhaustive, None) => format!(
                "exhausted up to server renaming ({} unique representatives)",
                s.unique
            ),
            (_, Some(why)) => format!("CUT ({why}), {} states", s.unique),
        }
    }
}

/// A whole suite's runs, in order (stopped early at a violation when asked).
pub struct SuiteRun {
    pub runs: Vec<EntryRun>,
    pub elapsed: Duration,
}

impl SuiteRun {
    /// The first configuration that found a violation.
    pub fn caught_by(&self) -> Option<&EntryRun> {
        self.runs.iter().find(|r| r.summary.violated())
    }

    pub fn passed(&self) -> bool {
        self.runs.iter().all(EntryRun::passed)
    }

    /// No violation, and every exhaustive configuration exhausted: what a control must show
    /// (goals may stay unreached under a control that blocks progress without breaking safety).
    pub fn clean(&self) -> bool {
        self.runs.iter().all(|r| {
            !r.summary.violated()
                && (r.summary.exhaustive() || matches!(r.entry.search, Search::Walks { .. }))
        })
    }

    /// The configurations that left a goal unreached.
    pub fn unreached(&self) -> Vec<&'static str> {
        self.runs
            .iter()
            .filter(|r| !r.summary.all_reached())
            .map(|r| r.entry.name)
            .collect()
    }
}

/// Run `entries` on `base` (its cluster size is each entry's), each with `limits` (threads,
/// memory cap). `verbose` prints each configuration's summary; `stop_at_violation` ends the
/// suite at the first violation (the zoo's use).
pub fn run_suite(
    entries: Vec<SuiteEntry>,
    base: &Config,
    limits: &RunLimits,
    out_dir: &Path,
    verbose: bool,
    stop_at_violation: bool,
) -> SuiteRun {
    let start = Instant::now();
    let mut runs = Vec::new();
    for entry in entries {
        if verbose {
            println!("\n== configuration {}: {}", entry.name, entry.bounds);
            println!("   aimed at: {}", entry.aim);
        }
        let config = entry.config(base);
        let mut summary = super::check(&config, &entry.bounds, &entry.limits(limits), out_dir);
        summary.goals = entry.goals.clone();
        if verbose {
            println!("{summary}");
        }
        let violated = summary.violated();
        runs.push(EntryRun { entry, summary });
        if violated && stop_at_violation {
            break;
        }
    }
    SuiteRun {
        runs,
        elapsed: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every situation is a goal of some configuration, each configuration's bounds are valid,
    /// and every size samples with walks.
    #[test]
    fn every_suite_targets_every_situation_with_valid_bounds() {
        for size in [SuiteSize::Quick, SuiteSize::Default, SuiteSize::Deep] {
            let suite = suite(size);
            for e in &suite {
                assert_eq!(e.bounds.validate(), Ok(()), "{}", e.name);
                for g in &e.goals {
                    assert!(goals(&e.bounds).contains(g), "{}: {}", e.name, g.name());
                }
            }
            for situation in super::super::properties::SITUATIONS {
                assert!(
                    suite.iter().any(|e| e.goals.contains(&situation)),
                    "{size:?}: {} is no configuration's goal",
                    situation.name()
                );
            }
            assert!(suite
                .iter()
                .any(|e| matches!(e.search, Search::Walks { .. })));
        }
    }

    /// The default suite covers the classes issue 12 lists: three terms, heartbeats and the
    /// entry cap, 4 and 5 servers, loss, duplicates, crash-restart, snapshots of several
    /// proposals.
    #[test]
    fn the_default_suite_reaches_each_class_of_bugs() {
        let s = default_suite();
        let exhaustive: Vec<&SuiteEntry> = s
            .iter()
            .filter(|e| !matches!(e.search, Search::Walks { .. }))
            .collect();
        let any = |f: &dyn Fn(&SuiteEntry) -> bool| exhaustive.iter().any(|e| f(e));
        assert!(any(&|e| e.bounds.max_term >= 3));
        assert!(any(
            &|e| e.bounds.heartbeats > 0 && e.max_entries_per_append == Some(1)
        ));
        assert!(any(&|e| e.bounds.servers == 4));
        assert!(any(&|e| e.bounds.servers == 5));
        assert!(any(&|e| e.bounds.lossy));
        assert!(any(&|e| e.bounds.restarts > 0));
        assert!(any(&|e| e.bounds.snapshots > 0 && e.bounds.proposals >= 2));
    }
}
