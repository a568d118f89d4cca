//! The field: a delegation's work on its laptops — units and members, visits and the values,
//! evidence, photos, conclusions and acknowledgement recorded in them, members' parts merged,
//! the units' forms out and back, what is removed or archived, the demo. It owns the tables of
//! units, members, visits and everything recorded in a visit.
pub mod acknowledgement;
pub mod conclusions;
pub mod demo;
pub mod evidence;
pub mod explain_form;
pub mod gallery;
pub mod integrity;
pub mod photo;
pub mod removal;
pub mod score_sheet;
pub mod self_form;
pub mod teamwork;
pub mod units;
pub mod visit;
