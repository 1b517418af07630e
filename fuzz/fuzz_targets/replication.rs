//! `cargo fuzz run replication`: see raft_core::fuzzing for the input and its interpreter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raft_core::fuzzing::ReplicationInput;

fuzz_target!(init: raft_fuzz::init(), |input: ReplicationInput| raft_fuzz::check(&input.0));
