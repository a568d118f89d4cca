//! Cross-crate scenario tests live in `tests/*.rs`; this library is intentionally empty.
