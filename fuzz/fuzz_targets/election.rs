//! `cargo fuzz run election`: see raft_core::fuzzing for the input and its interpreter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raft_core::fuzzing::ElectionInput;

fuzz_target!(init: raft_fuzz::init(), |input: ElectionInput| raft_fuzz::check(&input.0));
