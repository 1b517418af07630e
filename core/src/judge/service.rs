//! The reference service every checker runs on top of Raft: its state is the list of commands
//! applied, in index order from 1; its snapshot is that list as JSON. The driver, the model and
//! the ghost history all encode and decode snapshots here, so they agree on what one holds.

use crate::protocol::types::Command;

/// The snapshot of a service that applied `applied` (index 1 first).
pub fn encode_service(applied: &[Option<Command>]) -> Vec<u8> {
    serde_json::to_vec(applied).unwrap_or_default()
}

/// The commands a snapshot holds. A snapshot that fails to decode yields an empty service
/// (never a panic).
pub fn decode_service(data: &[u8]) -> Vec<Option<Command>> {
    if data.is_empty() {
        return Vec::new();
    }
    serde_json::from_slice(data).unwrap_or_default()
}
