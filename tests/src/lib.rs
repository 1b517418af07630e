//! Acceptance suites live in `tests/tests/`.
