//! Domain core of Thẩm Định. The GUI shell, the `thamdinh` CLI and the tests all call these
//! functions; nothing here knows about Tauri.
//!
//! - [`number`]: exact decimals as people write them (`86,33`), parsing and formatting.
//! - [`criteria`]: the criteria-set format, its validation and its identity (SHA-256).
//! - [`scoring`]: per-leaf values, totals per node/area/set, attainable max and index.
//! - [`builtin`]: the criteria sets shipped in `assets/criteria/`.
//! - [`store`]: the SQLite store: pragmas, migrations, campaigns, settings.
#![forbid(unsafe_code)]

pub mod builtin;
pub mod criteria;
pub mod error;
pub mod number;
pub mod scoring;
pub mod store;

pub use error::{Error, Result};
