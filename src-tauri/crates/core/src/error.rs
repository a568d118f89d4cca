//! Errors of the core, said in Vietnamese (the CLI prints them with their code). Each has a
//! stable [`Error::code`]; the shell hands `{code, message}` to the UI, which words the codes in
//! the UI's language. Two kinds: a person's mistake (a value, a passphrase, a file they chose),
//! shown next to what they did, and a fault (the disk, the database, the program itself), shown
//! as a banner — [`Error::is_fault`].
use std::path::PathBuf;

use crate::mistake::Mistake;
use crate::mistake::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bộ tiêu chí không hợp lệ: {} lỗi, lỗi đầu tiên: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    InvalidCriteria(Vec<Problem>),
    #[error("không có bộ tiêu chí {0}")]
    UnknownCriteriaSet(String),
    /// A person's mistake the UI words in its language (see [`Mistake`]).
    // Transparent: the mistake is the whole message (a chain printer must not say it twice).
    #[error(transparent)]
    Mistake(#[from] Mistake),
    /// Every mistake of a list (a unit list), all at once.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Mistakes(Vec<Mistake>),
    /// The passphrase does not open the signing key.
    #[error("sai mật khẩu của khóa ký")]
    WrongPassphrase,
    /// The file given as the secret key is not one (a `.pub`, another file, an unencrypted key).
    #[error("{0}")]
    NotASecretKey(String),
    /// The chosen output file exists: nothing was written (`--force` in the CLI, the save
    /// dialog's own question in the app).
    #[error("{} đã tồn tại: chọn tên khác, hoặc dùng --force để ghi đè", .0.display())]
    TargetExists(PathBuf),
    #[error("không tìm thấy: {0}")]
    NotFound(crate::mistake::Missing),
    #[error("phiếu đã chốt: mở khóa (kèm lý do) rồi mới sửa được")]
    VisitLocked,
    #[error("nhật ký thay đổi của phiếu {visit} bị hỏng ở mục {seq}: {why}")]
    AuditBroken {
        visit: String,
        seq: i64,
        why: String,
    },
    #[error(
        "dữ liệu do một phiên bản Thẩm Định mới hơn ghi (lược đồ {found}, bản này đọc được đến {supported}): hãy cập nhật ứng dụng; dữ liệu vẫn nguyên vẹn"
    )]
    DatabaseTooNew { found: i64, supported: i64 },
    /// Another process (the app beside the CLI, a second CLI) held the store's write lock longer
    /// than the busy timeout.
    #[error(
        "dữ liệu đang bận: một chương trình Thẩm Định khác (ứng dụng hoặc dòng lệnh) đang ghi vào cùng thư mục dữ liệu; chưa có gì bị thay đổi, hãy thử lại sau giây lát"
    )]
    Busy,
    #[error("gói kết quả bị từ chối: {0}")]
    BundleRejected(#[from] crate::rejection::Rejection),
    #[error("đã hủy")]
    Cancelled,
    #[error("lỗi cơ sở dữ liệu: {}", sqlite_text(.0))]
    Sqlite(rusqlite::Error),
    #[error("lỗi đọc/ghi tệp: {}", io_text(.0))]
    Io(#[from] std::io::Error),
    /// A fault of the program, not of anything the person gave (a serializer, the zip writer,
    /// the signer failing): worth a bug report, never their doing.
    #[error("lỗi nội bộ của Thẩm Định: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code of the situation, for the UI's words and for scripts.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Error::InvalidCriteria(_) => C::InvalidCriteria,
            Error::UnknownCriteriaSet(_) | Error::NotFound(_) => C::NotFound,
            Error::Mistake(_) | Error::Mistakes(_) => C::Invalid,
            Error::WrongPassphrase => C::WrongPassphrase,
            Error::NotASecretKey(_) => C::NotASecretKey,
            Error::TargetExists(_) => C::TargetExists,
            Error::VisitLocked => C::VisitLocked,
            Error::AuditBroken { .. } => C::AuditBroken,
            Error::DatabaseTooNew { .. } => C::DatabaseTooNew,
            Error::Busy => C::Busy,
            Error::BundleRejected(_) => C::Rejected,
            Error::Cancelled => C::Cancelled,
            Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => C::DiskFull,
            Error::Io(_) => C::Io,
            Error::Sqlite(_) => C::Database,
            Error::Internal(_) => C::Internal,
        }
    }

    /// A fault of the disk, the database or the program rather than a mistake of the person.
    pub fn is_fault(&self) -> bool {
        self.code().is_fault()
    }

    /// The mistakes this error carries, for the UI to word in its language (none for the rest).
    pub fn mistakes(&self) -> Vec<Mistake> {
        match self {
            Error::Mistake(m) => vec![m.clone()],
            Error::Mistakes(ms) => ms.clone(),
            Error::InvalidCriteria(problems) => problems.iter().map(Problem::placed).collect(),
            Error::NotFound(missing) => vec![Mistake::NotFound(missing.clone())],
            _ => Vec::new(),
        }
    }

    /// For what a serializer or writer library refuses: never the person's input.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }
}

/// An I/O error as a person reads it: the common cases in Vietnamese (a full disk, a missing
/// file, no permission), the rare ones as the system words them.
pub fn io_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "không có tệp hay thư mục này".into(),
        K::PermissionDenied => "không có quyền truy cập".into(),
        K::AlreadyExists => "tệp đã có".into(),
        K::StorageFull => "ổ đĩa đã đầy: hãy giải phóng chỗ trống rồi thử lại".into(),
        K::ReadOnlyFilesystem => "ổ đĩa chỉ cho đọc".into(),
        K::IsADirectory => "đây là thư mục, không phải tệp".into(),
        K::NotADirectory => "không phải thư mục".into(),
        K::UnexpectedEof => "tệp bị cắt cụt (hết dữ liệu giữa chừng)".into(),
        K::InvalidData => "dữ liệu trong tệp bị hỏng".into(),
        K::WouldBlock | K::TimedOut => "hệ thống đang bận, hãy thử lại".into(),
        K::DirectoryNotEmpty => "thư mục không trống".into(),
        K::CrossesDevices => "không chuyển được giữa hai ổ đĩa".into(),
        // Our own Vietnamese words (io::Error::other) pass through; the OS's English does not.
        K::Other if e.raw_os_error().is_none() => e.to_string(),
        _ => match e.raw_os_error() {
            Some(code) => format!("lỗi của hệ điều hành (mã {code})"),
            None => "lỗi đọc/ghi tệp".into(),
        },
    }
}

/// An SQLite failure in Vietnamese: the kinds a person can recognise by name, else the code.
pub fn sqlite_text(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::NotADatabase) => {
            "tệp không phải cơ sở dữ liệu Thẩm Định (SQLite) hoặc đã hỏng".into()
        }
        Some(C::DatabaseCorrupt) => "cơ sở dữ liệu bị hỏng".into(),
        Some(C::CannotOpen) => "không mở được tệp cơ sở dữ liệu".into(),
        Some(C::ReadOnly) => "cơ sở dữ liệu chỉ cho đọc".into(),
        Some(C::PermissionDenied) => "không có quyền truy cập cơ sở dữ liệu".into(),
        Some(C::ConstraintViolation) => "dữ liệu vi phạm ràng buộc của cơ sở dữ liệu".into(),
        Some(code) => format!("lỗi SQLite {code:?}"),
        None => "lỗi khi đọc cơ sở dữ liệu".into(),
    }
}

/// A JSON document that does not read, as a person reads it: which field is missing or unknown,
/// or where the text breaks — never serde's English sentence.
pub fn json_text(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = e.to_string();
    let named = |prefix: &str| {
        message
            .split_once(prefix)
            .and_then(|(_, rest)| rest.split('`').next())
            .map(String::from)
    };
    let what = if let Some(field) = named("missing field `") {
        format!("thiếu trường «{field}»")
    } else if let Some(field) = named("unknown field `") {
        format!("trường lạ «{field}»")
    } else if let Some(field) = named("duplicate field `") {
        format!("trường «{field}» lặp lại")
    } else {
        match e.classify() {
            Category::Syntax => "sai cú pháp JSON".to_string(),
            Category::Eof => "JSON bị cắt cụt".to_string(),
            Category::Data => "giá trị sai kiểu hoặc ngoài phạm vi".to_string(),
            Category::Io => "lỗi đọc".to_string(),
        }
    };
    match e.line() {
        0 => what,
        line => format!("{what} (dòng {line}, cột {})", e.column()),
    }
}

impl From<rusqlite::Error> for Error {
    /// A store still locked by another process after the busy timeout is `Busy`, a full disk an
    /// I/O error the person can act on; the rest are faults.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => Error::Busy,
            Some(C::DiskFull) => Error::Io(std::io::Error::from(std::io::ErrorKind::StorageFull)),
            // "disk I/O error": on a laptop most often a full disk (the WAL index cannot grow).
            Some(C::SystemIoFailure) => Error::Io(std::io::Error::other(
                "ổ đĩa không đọc/ghi được (thường do ổ đĩa đã đầy)",
            )),
            _ => Error::Sqlite(e),
        }
    }
}

/// What kind of situation an [`Error`] is: the UI words each in its language, the CLI prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    InvalidCriteria,
    NotFound,
    /// A value typed or chosen is not allowed; the message says what is.
    Invalid,
    WrongPassphrase,
    NotASecretKey,
    TargetExists,
    VisitLocked,
    /// A bundle failed verification; the message names the entry and the reason.
    Rejected,
    Cancelled,
    /// The store stayed locked by another process (the CLI beside the app) past the busy timeout.
    Busy,
    DatabaseTooNew,
    DiskFull,
    /// Faults: the disk, the database, the audit chain, the program.
    Io,
    Database,
    AuditBroken,
    Internal,
}

impl ErrorCode {
    pub fn is_fault(self) -> bool {
        use ErrorCode as C;
        matches!(
            self,
            C::DiskFull | C::Io | C::Database | C::AuditBroken | C::Internal
        )
    }
}

impl std::fmt::Display for ErrorCode {
    /// The code as it is serialized (`wrong_passphrase`), written once by serde.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => f.write_str(&s),
            _ => write!(f, "{self:?}"),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None).into()
    }

    #[test]
    fn sqlite_failures_a_person_can_act_on_are_said_so() {
        assert!(matches!(sqlite(rusqlite::ffi::SQLITE_BUSY), Error::Busy));
        let full = sqlite(rusqlite::ffi::SQLITE_FULL).to_string();
        assert!(full.contains("ổ đĩa đã đầy"), "{full}");
        // 4874: SQLITE_IOERR_SHMSIZE, what a full disk gave in the hostile test.
        let io = sqlite(4874).to_string();
        assert!(io.contains("ổ đĩa đã đầy"), "{io}");
        assert!(matches!(
            sqlite(rusqlite::ffi::SQLITE_CORRUPT),
            Error::Sqlite(_)
        ));
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        format: String,
    }

    #[test]
    fn a_json_document_that_does_not_read_is_said_in_vietnamese_with_the_place() {
        let said = |text: &str| json_text(&serde_json::from_str::<Doc>(text).unwrap_err());
        assert_eq!(said("{}"), "thiếu trường «format» (dòng 1, cột 2)");
        assert_eq!(
            said("{\"format\":\"1\",\n\"x\":1}"),
            "trường lạ «x» (dòng 2, cột 3)"
        );
        assert_eq!(
            said("{\"format\": 1}"),
            "giá trị sai kiểu hoặc ngoài phạm vi (dòng 1, cột 12)"
        );
        assert_eq!(said("{\"format\""), "JSON bị cắt cụt (dòng 1, cột 9)");
        assert_eq!(said("{format}"), "sai cú pháp JSON (dòng 1, cột 2)");
        let value = serde_json::from_value::<Doc>(serde_json::json!({})).unwrap_err();
        assert_eq!(
            json_text(&value),
            "thiếu trường «format»",
            "no place for a parsed value"
        );
    }
}
