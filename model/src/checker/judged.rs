//! Which servers the breadth-first search judged last: every property and situation depends only
//! on the servers' states and which are down (`properties::ServersKey`), so a state whose servers
//! were judged before shows nothing new, and the search skips its eighteen property calls.

use super::actors::RaftState;
use raft_core::MAX_SERVERS;

/// The servers of one judged state: their digests and the crashed bits (bit 7: the slot is used).
type Key = ([u64; MAX_SERVERS as usize], u8);

/// A direct-mapped cache of judged servers: one key a slot, the newest winning, so its memory is
/// fixed; a key pushed out is judged again when met (at the price of the calls only).
pub struct Judged {
    slots: Vec<Key>,
}

const SLOTS: usize = 1 << 15;
const USED: u8 = 0x80;

impl Default for Judged {
    fn default() -> Judged {
        Judged {
            slots: vec![([0; MAX_SERVERS as usize], 0); SLOTS],
        }
    }
}

impl Judged {
    /// `true` if `state`'s servers are not in the cache (and now are).
    pub fn first(&mut self, state: &RaftState) -> bool {
        let mut key: Key = ([0; MAX_SERVERS as usize], USED);
        let mut h = 0u64;
        for (i, s) in state.actor_states.iter().enumerate() {
            key.0[i] = s.digest();
            key.1 |= u8::from(state.crashed[i]) << i;
            h = (h.rotate_left(23) ^ s.digest()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        let slot = &mut self.slots[(h ^ u64::from(key.1)) as usize & (SLOTS - 1)];
        if *slot == key {
            return false;
        }
        *slot = key;
        true
    }
}
