//! `cargo fuzz run trace_decode`: arbitrary bytes into the trace reader must give a value or a
//! clean error, never a panic; see raft_core::fuzzing::check_trace_bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = raft_core::fuzzing::check_trace_bytes(data) {
        panic!("trace_decode: {e}");
    }
});
