//! The breadth-first search's visited set: each fingerprint with its parent's, 16 bytes a slot in
//! one open-addressing table (linear probing), instead of a general hash map's buckets and
//! control bytes. Fingerprints are hashes already and never 0 (`bfs::fingerprint`): 0 marks an
//! empty slot.

/// Fingerprint → parent fingerprint (0: an initial state).
pub struct Visited {
    slots: Vec<(u64, u64)>,
    /// Fingerprints held.
    len: usize,
}

/// The table grows (doubles) when it would be fuller than this many eighths.
const MAX_LOAD_EIGHTHS: usize = 6;

impl Default for Visited {
    fn default() -> Visited {
        Visited {
            slots: vec![(0, 0); 1 << 10],
            len: 0,
        }
    }
}

impl Visited {
    fn slot(&self, fp: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (fp as usize) & mask;
        while self.slots[i].0 != 0 && self.slots[i].0 != fp {
            i = (i + 1) & mask;
        }
        i
    }

    /// The parent of `fp`, if `fp` was visited.
    pub fn get(&self, fp: u64) -> Option<u64> {
        let (key, parent) = self.slots[self.slot(fp)];
        (key == fp).then_some(parent)
    }

    /// Record `fp` with `parent`; `false` (and nothing changes) if it was visited already.
    pub fn insert(&mut self, fp: u64, parent: u64) -> bool {
        debug_assert_ne!(fp, 0, "fingerprint 0 marks an empty slot");
        let i = self.slot(fp);
        if self.slots[i].0 == fp {
            return false;
        }
        self.slots[i] = (fp, parent);
        self.len += 1;
        if self.len * 8 > self.slots.len() * MAX_LOAD_EIGHTHS {
            self.grow();
        }
        true
    }

    fn grow(&mut self) {
        let doubled = vec![(0, 0); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        for (fp, parent) in old {
            if fp != 0 {
                let i = self.slot(fp);
                self.slots[i] = (fp, parent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every inserted fingerprint keeps its parent across growth; a second insert is refused.
    #[test]
    fn fingerprints_keep_their_parents_across_growth() {
        let mut v = Visited::default();
        let fp = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for k in 0..10_000 {
            assert!(v.insert(fp(k), k));
        }
        assert!(!v.insert(fp(7), 99));
        assert_eq!(v.len, 10_000);
        for k in 0..10_000 {
            assert_eq!(v.get(fp(k)), Some(k));
        }
        assert_eq!(v.get(2), None);
    }
}
