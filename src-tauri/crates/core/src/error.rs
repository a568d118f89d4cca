//! Errors of the core. The shell maps them to `{code, message}` for the UI.
use crate::criteria::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid criteria set: {} problem(s), first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    InvalidCriteria(Vec<Problem>),
    #[error("unknown criteria set {0}")]
    UnknownCriteriaSet(String),
    #[error("{0}")]
    InvalidValue(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the visit is locked (đã chốt): unlock it, with a reason, before editing")]
    VisitLocked,
    #[error("the audit log of visit {visit} is broken at entry {seq}: {why}")]
    AuditBroken {
        visit: String,
        seq: i64,
        why: String,
    },
    #[error(
        "the database was written by a newer version of Thẩm Định (schema {found}, this build knows up to {supported}); please update the app"
    )]
    DatabaseTooNew { found: i64, supported: i64 },
    #[error("gói kết quả bị từ chối (bundle rejected): {0}")]
    BundleRejected(#[from] crate::bundle::Rejection),
    #[error("đã hủy (cancelled)")]
    Cancelled,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
