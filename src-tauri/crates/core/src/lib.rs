//! Domain core of Thẩm Định. The GUI shell, the `thamdinh` CLI and the tests all call these
//! functions; nothing here knows about Tauri.
//!
//! - [`mistake`]: a person's mistakes as keys with parameters (Vietnamese here, the UI words them).
//! - [`text`]: codes and names as typed: NFC, no hidden or reordering characters.
//! - [`number`]: exact decimals as people write them (`86,33`), parsing and formatting.
//! - [`criteria`]: the criteria-set format, its validation and its identity (SHA-256).
//! - [`criteria_xlsx`]: criteria sets from and to Excel (the provinces' appendices).
//! - [`sheet`]: spreadsheets read as text cells with Excel's row and column names.
//! - [`scoring`]: per-leaf values, totals per node/area/set, attainable max and index.
//! - [`builtin`]: the criteria sets shipped in `assets/criteria/`.
//! - [`store`]: the SQLite store: pragmas, migrations, campaigns, settings, and how areas reach it.
//! - [`visit`]: members, units, visits, per-leaf values, lock/unlock, undo.
//! - [`evidence`]: the evidence register and attached files stored by SHA-256.
//! - [`files`]: atomic file writes (temp file, fsync, rename) and stale temp-file clean-up.
//! - [`ledger`]: the hash-chained, append-only logs of each visit and of HQ's decisions ([`audit`]).
//! - [`photo`]: photo ingest: hash, EXIF, oriented thumbnails, stored by SHA-256, in parallel.
//! - [`gallery`]: a visit's photos: captions, links to leaves, time/place flags.
//! - [`bag`]: the signed container of every file we sign (zip + BagIt + minisign), read and
//!   written once: entry checks, tag files, signatures, keys, atomic writes, small bags.
//! - [`bundle`]: signed result bundles: what their payload says, export, verification, co-signing.
//! - [`hq`]: Sở Nội vụ's half: import of many bundles, trust, revisions, conflicts, survey
//!   points, results and rankings, the province workbook. HQ code goes here, not in field files.
//! - [`score_sheet`]: CSV score sheets (`code,self,appraised[,reason]`).
//! - [`digest`]: SHA-256 as lowercase hex.
//! - [`demo`]: the demo campaign a newcomer opens with one click.
//! - [`data_lock`]: who uses a data folder (open stores share it, a restore takes it alone).
//! - [`backup`]: one-file backup of the data folder and its verified, atomic restore.
//! - [`acknowledgement`]: the unit's drawn acknowledgement of a visit (not a digital signature).
//! - [`conclusions`]: the delegation's conclusions of a visit (strengths, shortcomings, recommendations).
//! - [`removal`]: a unit without work, a whole campaign (after saying what goes), archiving.
//! - [`teamwork`]: a visit split across members' laptops: partial bundles merged, conflicts.
#![forbid(unsafe_code)]

pub mod backup;
pub mod bag;
pub mod bundle;
pub mod canonical;
pub mod csv_text;
pub mod data_lock;
pub mod digest;
pub mod error;
pub mod field;
pub mod files;
pub mod hq;
pub mod ledger;
pub mod mistake;
pub mod number;
pub mod rejection;
pub mod rules;
pub mod sheet;
pub mod store;
pub mod text;

// The areas' modules are reached by their short paths too (`thamdinh_core::visit`, `crate::criteria`).
pub use field::{
    acknowledgement, conclusions, demo, evidence, explain_form, gallery, photo, removal,
    score_sheet, self_form, teamwork, units, visit,
};
pub use ledger::audit;
pub use rules::{builtin, criteria, criteria_xlsx, scoring};

pub use error::{Error, ErrorCode, Result};
pub use mistake::Mistake;
