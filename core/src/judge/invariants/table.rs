//! A map from log index to a small value, for the invariants that gather every server's applied
//! history by index: a vector over the index range when the indices are (nearly) contiguous, as
//! histories are, else a B-tree. Same answers either way; the vector avoids a B-tree insert per
//! applied entry in the checks that run on every snapshot and restart.

use crate::protocol::types::Index;
use std::collections::BTreeMap;

pub(super) enum IndexTable<T> {
    Dense { lo: Index, slots: Vec<Option<T>> },
    Sparse(BTreeMap<Index, T>),
}

impl<T: Copy> IndexTable<T> {
    /// A table for `count` indices within `lo..=hi` (`None`: no index at all).
    pub(super) fn new(range: Option<(Index, Index)>, count: usize) -> IndexTable<T> {
        match range {
            Some((lo, hi)) if hi - lo <= 4 * count as Index + 64 => IndexTable::Dense {
                lo,
                slots: vec![None; (hi - lo + 1) as usize],
            },
            _ => IndexTable::Sparse(BTreeMap::new()),
        }
    }

    pub(super) fn get(&self, index: Index) -> Option<T> {
        match self {
            IndexTable::Dense { lo, slots } => index
                .checked_sub(*lo)
                .and_then(|k| slots.get(k as usize))
                .copied()
                .flatten(),
            IndexTable::Sparse(map) => map.get(&index).copied(),
        }
    }

    /// Set `index` (which must lie in the range the table was made for) to `value`.
    pub(super) fn insert(&mut self, index: Index, value: T) {
        match self {
            IndexTable::Dense { lo, slots } => slots[(index - *lo) as usize] = Some(value),
            IndexTable::Sparse(map) => {
                map.insert(index, value);
            }
        }
    }

    /// Every `(index, value)`, in index order.
    pub(super) fn into_sorted(self) -> Vec<(Index, T)> {
        match self {
            IndexTable::Dense { lo, slots } => (lo..)
                .zip(slots)
                .filter_map(|(index, slot)| slot.map(|v| (index, v)))
                .collect(),
            IndexTable::Sparse(map) => map.into_iter().collect(),
        }
    }
}

/// The smallest and largest key over some B-trees, and how many keys they hold in all: what
/// [`IndexTable::new`] takes.
#[derive(Default)]
pub(super) struct Keys {
    pub(super) range: Option<(Index, Index)>,
    pub(super) count: usize,
}

impl Keys {
    pub(super) fn add<V>(&mut self, map: &BTreeMap<Index, V>) {
        self.count += map.len();
        if let (Some((&lo, _)), Some((&hi, _))) = (map.first_key_value(), map.last_key_value()) {
            self.range = Some(self.range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
    }

    pub(super) fn table<T: Copy>(&self) -> IndexTable<T> {
        IndexTable::new(self.range, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_tables_answer_alike() {
        let indices = [5, 3, 9, 3, 4];
        let dense = IndexTable::new(Some((3, 9)), indices.len());
        let sparse = IndexTable::new(Some((3, 1_000_000)), indices.len());
        assert!(matches!(dense, IndexTable::Dense { .. }));
        assert!(matches!(sparse, IndexTable::Sparse(_)));
        for mut table in [dense, sparse] {
            for (k, &index) in indices.iter().enumerate() {
                table.insert(index, k);
            }
            assert_eq!(
                (table.get(3), table.get(6), table.get(2)),
                (Some(3), None, None)
            );
            assert_eq!(table.get(1_000), None);
            assert_eq!(table.into_sorted(), vec![(3, 3), (4, 4), (5, 0), (9, 2)]);
        }
    }

    #[test]
    fn keys_span_every_map() {
        let a: BTreeMap<Index, ()> = [(4, ()), (7, ())].into();
        let b: BTreeMap<Index, bool> = [(2, true)].into();
        let mut keys = Keys::default();
        keys.add(&a);
        keys.add(&BTreeMap::<Index, u8>::new());
        keys.add(&b);
        assert_eq!((keys.range, keys.count), (Some((2, 7)), 3));
        assert_eq!(Keys::default().range, None);
    }
}
