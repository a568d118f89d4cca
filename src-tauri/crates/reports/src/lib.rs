//! The documents staff file and sign, apart from the core so its build and tests stay light:
//!
//! - [`table`]: a visit's scoring table as both documents print it (areas with subtotals,
//!   leaves with self-assessed and appraised values, differences, reasons, evidence counts),
//!   computed by the core's scoring code.
//! - [`minutes`]: the appraisal minutes (biên bản thẩm định) as PDF, laid out by typst from the
//!   versioned template `assets/reports/bien-ban-tham-dinh.typ`, with Noto Serif embedded.
//! - [`visit_xlsx`]: the same table as a workbook, with the evidence list on a second sheet.
//! - [`province`]: the province's report (summary, ranking per group, charts, weakest criteria,
//!   disagreements, sources, the decision's appendix) as PDF (`assets/reports/bao-cao-tong-hop.typ`)
//!   and .docx.
//! - [`docx`]: .docx documents as Vietnamese administrative papers look, for Word.
pub mod docx;
pub mod minutes;
pub mod province;
pub mod table;
pub mod visit_xlsx;

pub use thamdinh_core::{Error, Result};
