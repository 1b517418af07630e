//! Part 3A of the MIT 6.5840 Raft lab (leader election), in the deterministic simulator: each
//! lab test over several seeds. A failing seed writes its trace to `counterexamples/`.

fn check(name: &str) {
    if let Err(e) = model::sim::check_seeds(name, 1..9) {
        panic!("{e}");
    }
}

#[test]
fn initial_election_3a() {
    check("InitialElection3A");
}

#[test]
fn re_election_3a() {
    check("ReElection3A");
}

#[test]
fn many_elections_3a() {
    check("ManyElections3A");
}
