//! Why a signed file was refused: a stable code, the entry concerned and a message; and every
//! code written once, with what it means for people in Vietnamese and English (FORMAT.md lists
//! the same table). On the ground floor (it imports nothing of the domain) so that `error` and
//! `mistake` can carry and word it.
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

/// Every code a signed file can be refused with. The refusal's own message adds the particulars;
/// screens that must speak one language show these words.
pub const REJECTION_CODES: &[(&str, &str, &str)] = &[
    ("io", "không đọc được tệp", "the file cannot be read"),
    (
        "damaged-archive",
        "tệp zip hỏng hoặc bị cắt cụt",
        "damaged or truncated zip file",
    ),
    (
        "too-many-entries",
        "gói có quá nhiều mục",
        "too many entries",
    ),
    (
        "duplicate-name",
        "hai mục trong gói trùng tên",
        "two entries with the same name",
    ),
    ("bad-name", "tên mục không hợp lệ", "invalid entry name"),
    (
        "path-traversal",
        "tên mục trèo ra ngoài thư mục (..)",
        "an entry name climbs out with ..",
    ),
    (
        "absolute-path",
        "tên mục là đường dẫn tuyệt đối",
        "an absolute entry name",
    ),
    (
        "backslash",
        "tên mục dùng dấu \\",
        "a backslash in an entry name",
    ),
    ("encrypted-entry", "mục bị mã hóa", "an encrypted entry"),
    (
        "bad-compression",
        "phương thức nén không được hỗ trợ",
        "unsupported compression",
    ),
    ("symlink", "mục là liên kết tượng trưng", "a symlink entry"),
    (
        "name-collision",
        "hai tên mục trùng nhau khi chuẩn hóa",
        "entry names collide",
    ),
    (
        "bad-layout",
        "gói không nằm trong đúng một thư mục gốc",
        "not one top-level bag folder",
    ),
    (
        "entry-too-large",
        "một mục vượt quá kích thước cho phép",
        "an entry is too large",
    ),
    (
        "total-too-large",
        "tổng dung lượng vượt quá giới hạn",
        "the total size is too large",
    ),
    (
        "missing-file",
        "thiếu tệp bắt buộc",
        "a required file is missing",
    ),
    (
        "not-a-bag",
        "không phải túi BagIt 1.0",
        "not a BagIt 1.0 bag",
    ),
    (
        "bad-bag-info",
        "bag-info.txt thiếu hoặc sai trường",
        "bag-info.txt is missing a field or wrong",
    ),
    (
        "bad-revision",
        "số bản sửa không phải một bước đúng của chuỗi (bản 1 không nêu bản trước, bản sau nêu bản trước khác chính nó)",
        "the revision is not a well-formed step of its chain (revision 1 names no parent, a later one names another bundle)",
    ),
    (
        "newer-format",
        "gói định dạng mới hơn: hãy cập nhật ứng dụng",
        "a newer format: update the app",
    ),
    (
        "unexpected-file",
        "có tệp không thuộc định dạng gói",
        "a file outside the format",
    ),
    ("missing-signature", "gói không có chữ ký", "no signature"),
    (
        "bad-signature",
        "chữ ký không hợp lệ",
        "the signature does not verify",
    ),
    (
        "untrusted-signer",
        "người ký không nằm trong danh sách tin cậy",
        "the signer is not trusted",
    ),
    (
        "unlisted-tag-file",
        "tệp thẻ không được chữ ký bảo vệ",
        "a tag file the signature does not cover",
    ),
    ("bad-manifest", "manifest sai", "a bad manifest"),
    (
        "hash-mismatch",
        "nội dung đã bị thay đổi sau khi ký (SHA-256 không khớp)",
        "content changed after signing",
    ),
    (
        "missing-payload",
        "thiếu tệp dữ liệu có trong manifest",
        "a payload file is missing",
    ),
    (
        "unlisted-payload",
        "tệp dữ liệu không có trong manifest",
        "a payload file is not listed",
    ),
    (
        "oxum-mismatch",
        "Payload-Oxum không khớp nội dung",
        "Payload-Oxum does not match",
    ),
    ("bad-json", "JSON không đọc được", "unreadable JSON"),
    (
        "non-canonical-json",
        "JSON không ở dạng chuẩn",
        "JSON not in canonical form",
    ),
    ("duplicate-key", "JSON có khóa trùng", "duplicate JSON key"),
    (
        "bad-result",
        "result.json sai hoặc không khớp gói đã ký",
        "result.json is wrong or does not match the signed bag",
    ),
    (
        "bad-criteria",
        "bộ tiêu chí trong gói không hợp lệ",
        "the criteria set in the bundle is invalid",
    ),
    ("bad-audit", "nhật ký sửa đổi sai", "a bad audit log"),
    (
        "audit-broken",
        "chuỗi băm của nhật ký bị đứt",
        "the audit log's hash chain is broken",
    ),
    (
        "unreferenced-payload",
        "có tệp dữ liệu không được result.json nhắc tới",
        "a payload file nothing refers to",
    ),
    (
        "inconsistent-result",
        "kết quả không khớp với chính nội dung của gói",
        "the result does not follow from the bundle's own content",
    ),
    (
        "outside-scope",
        "gói từng phần nêu tiêu chí ngoài phạm vi của nó",
        "a partial bundle states leaves outside its scope",
    ),
    (
        "partial-bundle",
        "gói từng phần của một thành viên: gửi trưởng đoàn gộp, không gửi Sở Nội vụ",
        "a member's partial bundle: for the leader to merge, not for Sở Nội vụ",
    ),
    ("cancelled", "đã hủy", "cancelled"),
];

/// A refusal code with what it means in each UI language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RejectionWords {
    pub code: String,
    pub vi: String,
    pub en: String,
}

/// The whole table, for the screens that word a refusal in the UI's language.
pub fn rejection_words() -> Vec<RejectionWords> {
    REJECTION_CODES
        .iter()
        .map(|(code, vi, en)| RejectionWords {
            code: code.to_string(),
            vi: vi.to_string(),
            en: en.to_string(),
        })
        .collect()
}

/// What a refusal code means, in Vietnamese (the code itself when unknown).
pub fn rejection_vi(code: &str) -> &str {
    REJECTION_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, vi, _)| vi)
}
