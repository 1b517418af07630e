//! How stories spell the protocol's values: an entry `2:t3 c17`, a log `[1:t1 c5 2:t3 c17]`, a
//! message `AppendEntries t3 prev=1/t1 [2:t3 c17] commit=1`, a server `s2`. Never Rust debug text.

use crate::judge::history::Held;
use crate::judge::service::decode_service;
use crate::protocol::log::Log;
use crate::protocol::message::{Envelope, Message};
use crate::protocol::types::{Command, Entry, Index, NodeId};

/// `c17`, or `noop` for a leader's no-op entry.
pub fn command(command: Option<Command>) -> String {
    command.map_or("noop".into(), |c| format!("c{c}"))
}

/// `2:t3 c17`: index, term and command.
pub fn entry(index: Index, e: &Entry) -> String {
    format!("{index}:t{} {}", e.term, command(e.command))
}

/// Entries shown in full; a longer run shows its first one and its last `SHOWN - 2`, so that a
/// long trace's story grows with its length, not with its length times its logs'.
pub const SHOWN: usize = 8;

/// `[2:t3 c17 3:t3 c18]`: entries from `first` on.
pub fn entries(first: Index, es: &[Entry]) -> String {
    format!("[{}]", run(first, es).join(" "))
}

/// The words of the entries from `first` on; past `SHOWN`, the middle as `(3..=40: 38 more)`.
fn run(first: Index, es: &[Entry]) -> Vec<String> {
    let all = (first..).zip(es);
    if es.len() <= SHOWN {
        return all.map(|(i, e)| entry(i, e)).collect();
    }
    let tail = SHOWN - 2;
    let skipped = es.len() - 1 - tail;
    let from = first + 1;
    let to = from + skipped as Index - 1;
    let mut parts = vec![
        entry(first, &es[0]),
        format!("({from}..={to}: {skipped} more)"),
    ];
    parts.extend(all.skip(1 + skipped).map(|(i, e)| entry(i, e)));
    parts
}

/// A log: its entries, after `snap<=2/t1` when a prefix is compacted into a snapshot.
pub fn log(log: &Log) -> String {
    let mut parts = Vec::new();
    if log.snapshot_index() > 0 {
        parts.push(format!(
            "snap<={}/t{}",
            log.snapshot_index(),
            log.snapshot_term()
        ));
    }
    parts.extend(run(log.snapshot_index() + 1, log.entries()));
    format!("[{}]", parts.join(" "))
}

/// `s2`, or `-` for nobody.
pub fn server(id: Option<NodeId>) -> String {
    id.map_or("-".into(), |id| format!("s{id}"))
}

/// `s2 and s0`, `s2, s0 and s1`.
pub fn servers(ids: &[NodeId]) -> String {
    let names: Vec<String> = ids.iter().map(|&id| format!("s{id}")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "no server".into(),
    }
}

/// What a leader's log held at `index` when it was elected.
pub fn held(index: Index, held: Held) -> String {
    match held {
        Held::Entry(term, c) => format!("{index}:t{term} {}", command(c)),
        Held::InSnapshot(c) => format!("{} (in its snapshot)", command(c)),
        Held::Nothing => "nothing".into(),
        Held::Undecodable => "a snapshot that does not decode".into(),
    }
}

/// A message in Figure 2's terms: the RPC, its term, then its arguments.
pub fn message(msg: &Message) -> String {
    match msg {
        Message::RequestVote {
            term,
            last_log_index,
            last_log_term,
        } => format!("RequestVote t{term} last={last_log_index}/t{last_log_term}"),
        Message::RequestVoteReply { term, granted } => format!(
            "VoteReply t{term} {}",
            if *granted { "granted" } else { "refused" }
        ),
        Message::PreVote {
            term,
            last_log_index,
            last_log_term,
        } => format!("PreVote t{term} last={last_log_index}/t{last_log_term}"),
        Message::PreVoteReply { term, granted } => format!(
            "PreVoteReply t{term} {}",
            if *granted { "granted" } else { "refused" }
        ),
        Message::AppendEntries {
            term,
            prev_log_index,
            prev_log_term,
            entries: es,
            leader_commit,
        } => format!(
            "AppendEntries t{term} prev={prev_log_index}/t{prev_log_term} {} commit={leader_commit}",
            entries(prev_log_index + 1, es)
        ),
        Message::AppendEntriesReply {
            term,
            success: true,
            match_index,
            ..
        } => format!("AppendEntriesReply t{term} ok match={match_index}"),
        Message::AppendEntriesReply {
            term,
            conflict_index,
            conflict_term,
            ..
        } => format!(
            "AppendEntriesReply t{term} rejected retry-from={conflict_index}{}",
            conflict_term.map_or(String::new(), |t| format!(" conflict=t{t}"))
        ),
        Message::InstallSnapshot {
            term,
            last_included_index,
            last_included_term,
            data,
        } => format!(
            "InstallSnapshot t{term} last={last_included_index}/t{last_included_term} {}",
            match decode_service(data) {
                Ok(commands) if commands.len() == 1 => "(1 command)".into(),
                Ok(commands) => format!("({} commands)", commands.len()),
                Err(_) => format!("({} bytes)", data.len()),
            }
        ),
        Message::InstallSnapshotReply { term, match_index } => {
            format!("InstallSnapshotReply t{term} match={match_index}")
        }
    }
}

/// `s0 -> s2  AppendEntries t2 ...`.
pub fn envelope(env: &Envelope) -> String {
    format!("s{} -> s{}  {}", env.from, env.to, message(&env.msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_figure_2_arguments() {
        let append = Message::AppendEntries {
            term: 2,
            prev_log_index: 1,
            prev_log_term: 1,
            entries: vec![Entry {
                term: 2,
                command: Some(17),
            }],
            leader_commit: 1,
        };
        let env = Envelope {
            from: 0,
            to: 2,
            msg: append,
        };
        assert_eq!(
            envelope(&env),
            "s0 -> s2  AppendEntries t2 prev=1/t1 [2:t2 c17] commit=1"
        );
        let vote = Message::RequestVoteReply {
            term: 2,
            granted: true,
        };
        assert_eq!(message(&vote), "VoteReply t2 granted");
        let reject = Message::AppendEntriesReply {
            term: 3,
            success: false,
            match_index: 0,
            conflict_index: 2,
            conflict_term: Some(1),
        };
        assert_eq!(
            message(&reject),
            "AppendEntriesReply t3 rejected retry-from=2 conflict=t1"
        );
        assert_eq!(servers(&[2, 0, 1]), "s2, s0 and s1");
    }

    /// A long log reads as its first entry, how many are left out, and its last entries.
    #[test]
    fn long_logs_are_shortened_in_the_middle() {
        let es: Vec<Entry> = (1..=20)
            .map(|c| Entry {
                term: 1,
                command: Some(c),
            })
            .collect();
        assert_eq!(
            entries(1, &es),
            "[1:t1 c1 (2..=14: 13 more) 15:t1 c15 16:t1 c16 17:t1 c17 18:t1 c18 19:t1 c19 20:t1 c20]"
        );
        assert_eq!(entries(1, &es[..SHOWN]).matches(':').count(), SHOWN);
    }
}
