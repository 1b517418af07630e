//! The commands clients propose in the model: every proposal its own command, tagged with the
//! server it was proposed to and that server's proposal count, so two entries can hold different
//! commands at the same index and term (the content halves of LogMatching and StateMachineSafety
//! can fail). Symmetry renames the tag with the server.

use raft_core::{Command, NodeId, MAX_SERVERS};

/// Room for the proposer's id in the low bits of a command.
const TAG: Command = 8;
const _: () = assert!(MAX_SERVERS as Command <= TAG);

/// The `seq`-th command (from 1) proposed to server `proposer`.
pub fn command_for(proposer: NodeId, seq: u8) -> Command {
    Command::from(seq) * TAG + Command::from(proposer)
}

/// The server a command was proposed to.
pub fn proposer(command: Command) -> NodeId {
    (command % TAG) as NodeId
}

/// `command` as proposed to `rename(proposer)` instead (a permutation of server ids).
pub fn renamed(command: Command, rename: impl Fn(NodeId) -> NodeId) -> Command {
    command - command % TAG + Command::from(rename(proposer(command)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_proposal_has_its_own_command() {
        let mut seen = std::collections::BTreeSet::new();
        for proposer in 0..MAX_SERVERS {
            for seq in 1..=20 {
                assert!(seen.insert(command_for(proposer, seq)));
            }
        }
    }

    #[test]
    fn renaming_moves_the_tag_only() {
        let c = command_for(2, 5);
        assert_eq!(proposer(c), 2);
        assert_eq!(renamed(c, |id| (id + 1) % 5), command_for(3, 5));
        assert_eq!(renamed(c, |id| id), c);
    }
}
