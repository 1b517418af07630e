//! The replicated log, with a compacted prefix: entries up to `snapshot_index` live only in the
//! snapshot (term `snapshot_term`); entries after it are kept here. Indices start at 1.

use crate::protocol::types::{Entry, Index, Term};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Log {
    snapshot_index: Index,
    snapshot_term: Term,
    /// `pub(crate)` for the judge's renaming (`judge::rename`).
    pub(crate) entries: Vec<Entry>,
}

/// `clone_from` reuses the target's entry buffer (drivers copy logs on every step).
impl Clone for Log {
    fn clone(&self) -> Log {
        Log {
            snapshot_index: self.snapshot_index,
            snapshot_term: self.snapshot_term,
            entries: self.entries.clone(),
        }
    }

    fn clone_from(&mut self, source: &Log) {
        self.snapshot_index = source.snapshot_index;
        self.snapshot_term = source.snapshot_term;
        self.entries.clone_from(&source.entries);
    }
}

impl Log {
    /// A log holding `entries` at indices 1.. (no snapshot).
    pub fn from_entries(entries: Vec<Entry>) -> Log {
        Log {
            snapshot_index: 0,
            snapshot_term: 0,
            entries,
        }
    }

    pub fn snapshot_index(&self) -> Index {
        self.snapshot_index
    }
    pub fn snapshot_term(&self) -> Term {
        self.snapshot_term
    }
    /// Index of the first entry still held in memory (may be `last_index() + 1` if none).
    pub fn first_index(&self) -> Index {
        self.snapshot_index + 1
    }
    pub fn last_index(&self) -> Index {
        self.snapshot_index + self.entries.len() as Index
    }
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.snapshot_term, |e| e.term)
    }
    /// Entries held after the snapshot, in index order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn offset(&self, index: Index) -> Option<usize> {
        if index <= self.snapshot_index || index > self.last_index() {
            None
        } else {
            Some((index - self.snapshot_index - 1) as usize)
        }
    }

    /// The term at `index`: the snapshot's term at `snapshot_index` (0 at index 0), `None` if
    /// the index is compacted away or beyond the end.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.snapshot_index {
            Some(self.snapshot_term)
        } else {
            self.offset(index).map(|o| self.entries[o].term)
        }
    }

    /// The entry at `index`, if it is held (not compacted, not beyond the end).
    pub fn entry(&self, index: Index) -> Option<&Entry> {
        self.offset(index).map(|o| &self.entries[o])
    }

    /// Up to `max` entries starting at `from` (which must be > `snapshot_index`).
    pub fn entries_from(&self, from: Index, max: usize) -> &[Entry] {
        match self.offset(from) {
            Some(o) => &self.entries[o..self.entries.len().min(o + max)],
            None => &[],
        }
    }

    /// Iterate `(index, entry)` over the held entries.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (Index, &Entry)> {
        let base = self.snapshot_index;
        self.entries
            .iter()
            .enumerate()
            .map(move |(k, e)| (base + 1 + k as Index, e))
    }

    pub fn append(&mut self, entry: Entry) -> Index {
        self.entries.push(entry);
        self.last_index()
    }

    /// Remove every entry at `index` and after. Compacted entries are never removed.
    pub fn truncate_from(&mut self, index: Index) {
        let keep = index.saturating_sub(self.snapshot_index + 1) as usize;
        self.entries.truncate(keep);
    }

    /// The first index holding `term`, scanning back from `from` while the term stays the same.
    /// Used for the follower's ConflictIndex: the first entry of the conflicting term.
    pub fn first_index_of_term_run(&self, from: Index) -> Index {
        let Some(term) = self.term_at(from) else {
            return from;
        };
        let mut index = from;
        while index > self.first_index() && self.term_at(index - 1) == Some(term) {
            index -= 1;
        }
        index
    }

    /// The last index holding `term`, if the (uncompacted) log has any entry of that term.
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        self.iter()
            .rev()
            .skip_while(|(_, e)| e.term > term)
            .find(|(_, e)| e.term == term)
            .map(|(i, _)| i)
    }

    /// Discard everything up to and including `index` (which must be held), remembering its term.
    pub fn compact(&mut self, index: Index) {
        if let Some(term) = self.term_at(index) {
            if index > self.snapshot_index {
                let drop = (index - self.snapshot_index) as usize;
                self.entries.drain(..drop);
                self.snapshot_index = index;
                self.snapshot_term = term;
            }
        }
    }

    /// Figure 13, steps 6-7: if the log holds an entry at `index` with `term`, keep the entries
    /// that follow it; otherwise discard the whole log. Either way the snapshot now ends at `index`.
    pub fn install_snapshot(&mut self, index: Index, term: Term, keep_suffix: bool) {
        if keep_suffix && self.term_at(index) == Some(term) && index >= self.snapshot_index {
            self.compact(index);
        } else {
            self.entries.clear();
        }
        self.snapshot_index = index;
        self.snapshot_term = term;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(term: Term) -> Entry {
        Entry {
            term,
            command: Some(term * 10),
        }
    }

    #[test]
    fn indices_start_at_one() {
        let mut log = Log::default();
        assert_eq!((log.last_index(), log.last_term()), (0, 0));
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.append(e(1)), 1);
        assert_eq!(log.term_at(1), Some(1));
        assert_eq!(log.term_at(2), None);
    }

    #[test]
    fn compaction_keeps_indices_and_terms() {
        let mut log = Log::from_entries(vec![e(1), e(1), e(2), e(3)]);
        log.compact(2);
        assert_eq!(log.snapshot_index(), 2);
        assert_eq!(log.term_at(2), Some(1));
        assert_eq!(log.term_at(1), None);
        assert_eq!(log.entry(3), Some(&e(2)));
        assert_eq!(log.last_index(), 4);
        log.truncate_from(1);
        assert_eq!(log.last_index(), 2, "compacted entries are never truncated");
    }

    #[test]
    fn term_runs_for_fast_backup() {
        let log = Log::from_entries(vec![e(1), e(2), e(2), e(2), e(4)]);
        assert_eq!(log.first_index_of_term_run(4), 2);
        assert_eq!(log.last_index_of_term(2), Some(4));
        assert_eq!(log.last_index_of_term(3), None);
    }

    #[test]
    fn install_snapshot_keeps_matching_suffix_only() {
        let mut log = Log::from_entries(vec![e(1), e(2), e(2)]);
        log.install_snapshot(2, 2, true);
        assert_eq!((log.snapshot_index(), log.last_index()), (2, 3));
        let mut other = Log::from_entries(vec![e(1), e(1), e(1)]);
        other.install_snapshot(2, 2, true);
        assert_eq!((other.snapshot_index(), other.last_index()), (2, 2));
    }
}
