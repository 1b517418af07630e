//! Part 3C of the MIT 6.5840 Raft lab (persistence), in the deterministic simulator: each lab
//! test over several seeds, plus the 2026 edition's crash-instead-of-disconnect variants. A
//! failing seed writes its trace to `counterexamples/`.

fn check(name: &str) {
    if let Err(e) = model::sim::check_seeds(name, 1..9) {
        panic!("{e}");
    }
}

#[test]
fn persist1_3c() {
    check("Persist13C");
}

#[test]
fn persist2_3c() {
    check("Persist23C");
}

#[test]
fn persist3_3c() {
    check("Persist33C");
}

#[test]
fn figure8_3c() {
    check("Figure83C");
}

#[test]
fn unreliable_agree_3c() {
    check("UnreliableAgree3C");
}

#[test]
fn figure8_unreliable_3c() {
    check("Figure8Unreliable3C");
}

#[test]
fn reliable_churn_3c() {
    check("ReliableChurn3C");
}

#[test]
fn unreliable_churn_3c() {
    check("UnreliableChurn3C");
}

#[test]
fn persist1_crash_2026() {
    check("Persist13C-2026");
}

#[test]
fn persist2_crash_2026() {
    check("Persist23C-2026");
}

#[test]
fn persist3_crash_2026() {
    check("Persist33C-2026");
}
