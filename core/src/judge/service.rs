//! The reference service every checker runs on top of Raft: its state is the list of commands
//! applied, in index order from 1; its snapshot is that list as JSON. The driver, the model and
//! the ghost history all encode and decode snapshots here, so they agree on what one holds.

use crate::protocol::types::Command;

/// The snapshot of a service that applied `applied` (index 1 first).
pub fn encode_service(applied: &[Option<Command>]) -> Vec<u8> {
    serde_json::to_vec(applied).unwrap_or_default()
}

/// The commands a snapshot holds (the empty snapshot: none). A snapshot that does not decode is
/// an error saying why, never an empty service: the judge reports it as a violation.
pub fn decode_service(data: &[u8]) -> Result<Vec<Option<Command>>, String> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(data).map_err(|e| {
        format!(
            "a snapshot of {} bytes is not a service state: {e}",
            data.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_survives_its_encoding() {
        let applied = vec![Some(3), None, Some(7)];
        assert_eq!(decode_service(&encode_service(&applied)), Ok(applied));
        assert_eq!(decode_service(&[]), Ok(Vec::new()));
    }

    #[test]
    fn a_snapshot_that_does_not_decode_is_an_error() {
        let err = decode_service(b"not json").expect_err("undecodable");
        assert!(err.contains("8 bytes is not a service state"), "{err}");
    }
}
