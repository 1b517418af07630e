//! Part 3D of the MIT 6.5840 Raft lab (log compaction), in the deterministic simulator, under
//! the lab's snapshot applier: each lab test over several seeds, plus the 2026 edition's
//! unreliable variants of SnapshotAllCrash3D and SnapshotInit3D. A failing seed writes its
//! trace to `counterexamples/`.

fn check(name: &str, seeds: std::ops::Range<u64>) {
    if let Err(e) = model::sim::check_seeds(name, seeds) {
        panic!("{e}");
    }
}

#[test]
fn snapshot_basic_3d() {
    check("SnapshotBasic3D", 1..9);
}

#[test]
fn snapshot_install_3d() {
    check("SnapshotInstall3D", 1..5);
}

#[test]
fn snapshot_install_unreliable_3d() {
    check("SnapshotInstallUnreliable3D", 1..5);
}

#[test]
fn snapshot_install_crash_3d() {
    check("SnapshotInstallCrash3D", 1..5);
}

#[test]
fn snapshot_install_uncrash_3d() {
    check("SnapshotInstallUnCrash3D", 1..5);
}

#[test]
fn snapshot_all_crash_3d() {
    check("SnapshotAllCrash3D", 1..9);
}

#[test]
fn snapshot_init_3d() {
    check("SnapshotInit3D", 1..9);
}

#[test]
fn snapshot_all_crash_unreliable_2026() {
    check("SnapshotAllCrash3D-2026", 1..9);
}

#[test]
fn snapshot_init_unreliable_2026() {
    check("SnapshotInit3D-2026", 1..9);
}
