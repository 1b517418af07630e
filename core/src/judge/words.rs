//! How a violation's detail spells the values it names, as the stories do: a command `c17` (or
//! `noop`), an entry `2:t3 c17`, servers `s0 and s2`. Never Rust debug text.

use crate::judge::history::Held;
use crate::protocol::types::{Command, Entry, Index, NodeId, Term};

/// `c17`, or `noop` for a leader's no-op entry.
pub fn command(command: Option<Command>) -> String {
    command.map_or("noop".into(), |c| format!("c{c}"))
}

/// `2:t3 c17`, or `nothing` when there is no entry.
pub fn entry(index: Index, entry: Option<&Entry>) -> String {
    entry.map_or("nothing".into(), |e| {
        format!("{index}:t{} {}", e.term, command(e.command))
    })
}

/// `t3`, or `no term` (no entry there).
pub fn term(term: Option<Term>) -> String {
    term.map_or("no term".into(), |t| format!("t{t}"))
}

/// `c3 or c4`: the commands some servers applied at one index (`nothing` if none).
pub fn commands(commands: &[Option<Command>]) -> String {
    let words: Vec<String> = commands.iter().map(|&c| command(c)).collect();
    match words.split_last() {
        None => "nothing".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// What an elected leader's log held at `index`.
pub fn held(index: Index, held: Held) -> String {
    match held {
        Held::Entry(term, c) => format!("{index}:t{term} {}", command(c)),
        Held::InSnapshot(c) => format!("{} in its snapshot", command(c)),
        Held::Nothing => "nothing".into(),
        Held::Undecodable => "a snapshot that does not decode".into(),
    }
}

/// `s0`, `s0 and s2`, `s0, s1 and s2`.
pub fn servers(ids: &[NodeId]) -> String {
    let names: Vec<String> = ids.iter().map(|id| format!("s{id}")).collect();
    match names.split_last() {
        None => "no server".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_in_the_stories() {
        let e = Entry {
            term: 2,
            command: Some(5),
        };
        assert_eq!(entry(3, Some(&e)), "3:t2 c5");
        assert_eq!(entry(3, None), "nothing");
        assert_eq!(command(None), "noop");
        assert_eq!(term(Some(2)), "t2");
        assert_eq!(commands(&[Some(1), None]), "c1 or noop");
        assert_eq!(held(2, Held::Entry(1, Some(4))), "2:t1 c4");
        assert_eq!(servers(&[0, 2]), "s0 and s2");
    }
}
