//! Why a signed file was refused: a stable code, the entry concerned and a message. On the ground
//! floor (it imports nothing of the domain) so that `error` can carry it.
use serde::Serialize;
use ts_rs::TS;

/// Why a bundle was refused: a stable code (the fixtures name it), the entry or file concerned,
/// and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(export)]
#[error("[{code}] {entry}: {message}")]
pub struct Rejection {
    pub code: String,
    pub entry: String,
    pub message: String,
}

pub(crate) fn reject(
    code: &str,
    entry: impl Into<String>,
    message: impl Into<String>,
) -> Rejection {
    Rejection {
        code: code.into(),
        entry: entry.into(),
        message: message.into(),
    }
}
