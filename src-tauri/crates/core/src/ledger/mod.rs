//! The ledger: the hash-chained, append-only logs — one per visit (every value, evidence item,
//! photo, status change) and one per campaign at Sở Nội vụ (imports, resolutions, trust
//! decisions) — and their replay. It owns the tables `audit` and `hq_audit`, and keeps each
//! visit's chain anchored in the visit row (`audit_count`, `audit_head`), moved in the same
//! transaction as every entry. The old path `crate::audit` stays through a re-export.
pub mod audit;
