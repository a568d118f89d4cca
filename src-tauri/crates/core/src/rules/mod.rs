//! The rules: what a criteria set says (its format, validation and identity, to and from Excel,
//! the built-in sets) and how it counts (the scoring arithmetic, what a leaf accepts).
pub mod builtin;
pub mod criteria;
pub mod criteria_xlsx;
pub mod scoring;
