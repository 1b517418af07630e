//! What a run prints: progress every few seconds, the summary (per property and situation,
//! counts, speed, peak memory, exhaustive or cut) and the counterexample with its trace file.

use super::actors::ModelCfg;
use super::boundary::{Bound, Refused};
use super::bounds::{Bounds, RunLimits, Strategy};
use super::counterexample::{to_trace, write_trace};
use raft_core::{Property, Situation, Trace};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// Prints a progress line every few seconds.
pub struct Progress {
    start: Instant,
    last: Instant,
    last_total: usize,
    silent: bool,
}

impl Progress {
    pub fn new(start: Instant) -> Progress {
        Progress {
            start,
            last: start,
            last_total: 0,
            silent: false,
        }
    }

    /// One that prints nothing (a run inside another's report).
    pub fn silent() -> Progress {
        Progress {
            silent: true,
            ..Progress::new(Instant::now())
        }
    }

    /// When the run started.
    pub fn start(&self) -> Instant {
        self.start
    }

    pub fn tick(&mut self, total: usize, unique: usize, depth: usize) {
        let now = Instant::now();
        let since = now - self.last;
        if self.silent || since < PROGRESS_EVERY {
            return;
        }
        let rate = (total - self.last_total.min(total)) as f64 / since.as_secs_f64();
        println!(
            "progress: {:>6.1}s states={total} unique={unique} depth={depth} states/s={rate:.0}",
            (now - self.start).as_secs_f64()
        );
        self.last = now;
        self.last_total = total;
    }
}

/// Reset the process's peak resident memory to its current size, where the system allows it
/// (Linux: `/proc/self/clear_refs`), so that each run of a suite measures its own peak.
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory (VmHWM), in bytes, if the system reports it.
pub fn peak_memory() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// The process's resident memory now (VmRSS), in bytes, if the system reports it.
pub fn resident_memory() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// The memory the system could give the checker now (MemAvailable), in bytes, if it reports it.
pub fn available_memory() -> Option<u64> {
    kib_field("/proc/meminfo", "MemAvailable:")
}

/// A `/proc/self/status` field, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    kib_field("/proc/self/status", field)
}

/// The field `field` of the `/proc` file `path`, given there in kB, in bytes.
fn kib_field(path: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A violation found by the checker, as a trace file and a story.
pub struct Counterexample {
    pub property: Property,
    /// Where the trace was written (`None`: it could not be, see `error`).
    pub file: Option<PathBuf>,
    pub steps: usize,
    /// Known shortest (single-threaded BFS, first or re-run).
    pub shortest: bool,
    /// The steps of the path first found, when it was shrunk.
    pub found: Option<usize>,
    /// The replay of the written file violates the same property.
    pub reproduced: bool,
    pub story: String,
    pub error: Option<String>,
}

use super::ModelPath;

impl Counterexample {
    /// Convert `path` to a trace and write it at once; then minimise it if the search could
    /// not guarantee a shortest path, and check that replaying the file reproduces `property`.
    pub fn build(
        cfg: &ModelCfg,
        property: Property,
        path: ModelPath,
        limits: &RunLimits,
        out_dir: &Path,
    ) -> Counterexample {
        let mut c = Counterexample {
            property,
            file: None,
            steps: path.len().saturating_sub(1),
            // Our breadth-first search finds a shortest path to every discovery.
            shortest: limits.strategy == Strategy::Bfs,
            found: None,
            reproduced: false,
            story: String::new(),
            error: None,
        };
        let found = match c.write(cfg, &path, out_dir) {
            Ok(trace) => trace,
            Err(e) => {
                c.error = Some(e);
                return c;
            }
        };
        if !c.shortest {
            if let Err(e) = c.shrink(&found, out_dir) {
                c.error = Some(e);
                return c;
            }
            // A breadth-first re-run to the shrunk length finds a shortest path when the bounds
            // are small enough for it; a short budget, as it often cannot at a walk's bounds.
            let minimised = super::minimise(
                &cfg.config,
                &cfg.bounds,
                limits.symmetry,
                property,
                c.steps,
                Duration::from_secs(10),
            );
            if let Some(shorter) = minimised {
                c.shortest = true;
                c.steps = shorter.len() - 1;
                if let Err(e) = c.write(cfg, &shorter, out_dir) {
                    c.error = Some(e);
                    return c;
                }
            }
        }
        c.replay();
        c
    }

    /// Shrink the trace found (already written) by removing the operations the violation does
    /// not need (`shrink`), and write the shorter one in its place.
    fn shrink(&mut self, found: &Trace, out_dir: &Path) -> Result<(), String> {
        let shrunk = super::shrink::shrink(found);
        if shrunk.ops.len() < found.ops.len() {
            self.file = Some(write_trace(out_dir, &shrunk)?);
            self.found = Some(self.steps);
            self.steps = shrunk.ops.len();
        }
        Ok(())
    }

    /// Write `path` as a trace file; the trace written.
    fn write(&mut self, cfg: &ModelCfg, path: &ModelPath, out_dir: &Path) -> Result<Trace, String> {
        let trace = to_trace(cfg, path, Some(self.property))?;
        self.file = Some(write_trace(out_dir, &trace)?);
        Ok(trace)
    }

    /// Replay the written file through the driver, as `replay FILE` would.
    fn replay(&mut self) {
        let Some(file) = &self.file else { return };
        let replay = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| Trace::from_json(&text).map_err(|e| e.to_string()))
            .and_then(|trace| trace.replay().map_err(|e| e.to_string()));
        match replay {
            Ok(r) => {
                self.reproduced = r
                    .violation
                    .as_ref()
                    .is_some_and(|(_, v)| v.property == self.property);
                self.story = r.story();
                if !self.reproduced {
                    self.error = Some(format!(
                        "replaying {} does not reproduce {}",
                        file.display(),
                        self.property
                    ));
                }
            }
            Err(e) => self.error = Some(format!("cannot replay {}: {e}", file.display())),
        }
    }
}

/// Everything a `check` run found.
pub struct Summary {
    pub bounds: Bounds,
    pub limits: RunLimits,
    /// Each core property and whether it held in every state explored.
    pub properties: Vec<(Property, bool)>,
    /// Each situation and whether some explored state reached it.
    pub situations: Vec<(Situation, bool)>,
    /// The situations this run must reach (all of them, unless it is one configuration of the
    /// default suite).
    pub goals: Vec<Situation>,
    pub total: usize,
    pub unique: usize,
    pub max_depth: usize,
    /// Random walks taken (`None`: an exhaustive search).
    pub walks: Option<usize>,
    /// With symmetry under BFS: how many states the unique representatives stand for.
    pub orbits: Option<u64>,
    /// Transitions into states beyond each bound: judged as leaves, not expanded.
    pub refused: Refused,
    pub elapsed: Duration,
    /// Why the run is not exhaustive (`None`: it is).
    pub cut: Option<String>,
    /// The run stopped at its first violation (no `--keep-going`): the other properties were
    /// not checked over the whole space.
    pub stopped_at_violation: bool,
    pub counterexample: Option<Counterexample>,
    /// The process's peak resident memory over the search (before the counterexample was built),
    /// since the run began where the system lets it be reset, else since the process began.
    pub peak_memory: Option<u64>,
}

impl Summary {
    pub fn violated(&self) -> bool {
        self.properties.iter().any(|(_, held)| !held)
    }
    /// Every goal situation was reached.
    pub fn all_reached(&self) -> bool {
        self.situations
            .iter()
            .all(|(s, r)| *r || !self.goals.contains(s))
    }
    pub fn exhaustive(&self) -> bool {
        self.cut.is_none()
    }
    /// 0: exhaustive, every property held and every situation reached; 1 otherwise (a
    /// violation, an unreached situation, or a run cut short, which proves nothing).
    pub fn exit_code(&self) -> i32 {
        if self.exhaustive() && !self.violated() && self.all_reached() {
            0
        } else {
            1
        }
    }
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.limits;
        writeln!(f, "model: {}", self.bounds)?;
        writeln!(
            f,
            "search: {}, {} thread(s){}",
            l.strategy.name(),
            // Breadth-first search runs on one thread (its paths are shortest).
            if l.strategy == Strategy::Bfs {
                1
            } else {
                l.threads
            },
            if l.symmetry {
                ", symmetry reduction over server ids"
            } else {
                ""
            }
        )?;
        writeln!(f, "properties (always):")?;
        for (p, held) in &self.properties {
            let verdict = match (held, self.stopped_at_violation, self.exhaustive()) {
                (false, _, _) => "VIOLATED",
                (true, true, _) => "not checked past the first violation",
                (true, false, true) => "held",
                (true, false, false) => "not violated in the states explored (run cut)",
            };
            writeln!(f, "  {:<22} {verdict}", p.name())?;
        }
        writeln!(f, "situations (sometimes):")?;
        for (s, reached) in &self.situations {
            let verdict = match (*reached, self.goals.contains(s)) {
                (true, _) => "reached",
                (false, _) if !super::properties::applicable(*s, &self.bounds) => {
                    "not applicable to these bounds"
                }
                (false, _) if self.stopped_at_violation => {
                    "not looked for past the first violation"
                }
                (false, true) => "NOT reached",
                (false, false) => "not reached (not a goal of this configuration)",
            };
            writeln!(f, "  {:<46} {verdict}", s.name())?;
        }
        writeln!(
            f,
            "states: {} unique, {} total, max depth {}{}",
            self.unique,
            self.total,
            self.max_depth,
            match self.walks {
                Some(w) => format!(", in {w} random walks (seed {})", l.seed),
                None => String::new(),
            }
        )?;
        if let Some(orbits) = self.orbits {
            writeln!(
                f,
                "symmetry: the {} unique representatives stand for {} states ({:.2}x reduction)",
                self.unique,
                orbits,
                orbits as f64 / self.unique.max(1) as f64
            )?;
        }
        writeln!(f, "bounds: {}", self.refused_line())?;
        writeln!(
            f,
            "time: {:.1}s, {:.0} states/s, {:.0} unique/s",
            self.elapsed.as_secs_f64(),
            per_sec(self.total, self.elapsed),
            per_sec(self.unique, self.elapsed)
        )?;
        match self.peak_memory {
            Some(b) => writeln!(
                f,
                "peak memory: {:.1} MiB ({} bytes per unique state)",
                b as f64 / (1 << 20) as f64,
                b / self.unique.max(1) as u64
            )?,
            None => writeln!(f, "peak memory: unknown (no /proc/self/status)")?,
        }
        if let Some(c) = &self.counterexample {
            writeln!(f, "{c}")?;
        }
        let unreached: Vec<&str> = self
            .situations
            .iter()
            .filter(|(s, r)| !r && self.goals.contains(s))
            .map(|(s, _)| s.name())
            .collect();
        let verdict = match (&self.cut, self.violated(), unreached.is_empty()) {
            (_, true, _) => "result: VIOLATED (see the counterexample above)".to_string(),
            (None, false, true) => format!(
                "result: exhaustive within the bounds: all {} properties held, all {} goal situations reached{}",
                self.properties.len(),
                self.goals.len(),
                self.not_applicable_note()
            ),
            (None, false, false) => format!(
                "result: FAILED: exhaustive, no violation, but situations NOT reached: {}{}",
                unreached.join("; "),
                self.stopped_by()
            ),
            (Some(why), false, _) => format!(
                "result: NOT exhaustive ({why}): no violation found in the states explored, \
                 nothing verified{}",
                if unreached.is_empty() {
                    String::new()
                } else {
                    format!("; NOT reached: {}", unreached.join("; "))
                }
            ),
        };
        write!(f, "{verdict}")
    }
}

impl Summary {
    /// "exhaustive within bounds; N transitions refused by --max-in-flight, M by --max-term".
    pub fn refused_line(&self) -> String {
        let refused: Vec<String> = Bound::ALL
            .iter()
            .zip(self.refused)
            .filter(|(_, n)| *n > 0)
            .enumerate()
            .map(|(k, (b, n))| {
                let what = if k == 0 { " transitions" } else { "" };
                format!("{}{what} refused by {}", thousands(n), b.flag())
            })
            .collect();
        let reach = if self.exhaustive() && !self.stopped_at_violation {
            "exhaustive within bounds"
        } else {
            "explored within bounds"
        };
        if refused.is_empty() {
            format!("{reach}; no transition refused by a bound")
        } else {
            format!(
                "{reach}; {} (judged as leaves, not expanded)",
                refused.join(", ")
            )
        }
    }

    /// The bounds that refused transitions, which may be what kept a goal out of reach.
    fn stopped_by(&self) -> String {
        let flags: Vec<&str> = Bound::ALL
            .iter()
            .zip(self.refused)
            .filter(|(_, n)| *n > 0)
            .map(|(b, _)| b.flag())
            .collect();
        if flags.is_empty() {
            String::new()
        } else {
            format!(
                " (the bounds that refused transitions, which may keep them out of reach: {})",
                flags.join(", ")
            )
        }
    }

    fn not_applicable_note(&self) -> String {
        let n = self
            .situations
            .iter()
            .filter(|(s, _)| !super::properties::applicable(*s, &self.bounds))
            .count();
        if n == 0 {
            String::new()
        } else {
            format!(" ({n} situations not applicable to these bounds)")
        }
    }
}

/// `n` with thousands separators: 12,345.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "counterexample for {} ({} steps{}{}):",
            self.property,
            self.steps,
            match self.found {
                Some(found) => format!(", shrunk from {found}"),
                None => String::new(),
            },
            if self.shortest {
                ", shortest"
            } else {
                ", not known to be shortest"
            }
        )?;
        write!(f, "{}", self.story)?;
        if let Some(file) = &self.file {
            writeln!(f, "trace written to {}", file.display())?;
            if self.reproduced {
                writeln!(f, "replay of the trace reproduces {}", self.property)?;
            }
        }
        if let Some(e) = &self.error {
            writeln!(f, "counterexample error: {e}")?;
        }
        Ok(())
    }
}
