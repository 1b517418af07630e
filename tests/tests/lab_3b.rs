//! Part 3B of the MIT 6.5840 Raft lab (log replication), in the deterministic simulator: each
//! lab test over several seeds. A failing seed writes its trace to `counterexamples/`.

fn check(name: &str) {
    if let Err(e) = model::sim::check_seeds(name, 1..9) {
        panic!("{e}");
    }
}

#[test]
fn basic_agree_3b() {
    check("BasicAgree3B");
}

#[test]
fn rpc_bytes_3b() {
    check("RPCBytes3B");
}

#[test]
fn follower_failure_3b() {
    check("FollowerFailure3B");
}

#[test]
fn leader_failure_3b() {
    check("LeaderFailure3B");
}

#[test]
fn fail_agree_3b() {
    check("FailAgree3B");
}

#[test]
fn fail_no_agree_3b() {
    check("FailNoAgree3B");
}

#[test]
fn concurrent_starts_3b() {
    check("ConcurrentStarts3B");
}

#[test]
fn rejoin_3b() {
    check("Rejoin3B");
}

#[test]
fn backup_3b() {
    check("Backup3B");
}

#[test]
fn count_3b() {
    check("Count3B");
}
