//! Reading a bag's zip without trusting it. Nothing is extracted: entries are listed from the
//! central directory and checked (names, kinds, declared sizes), then read into bounded buffers or
//! streamed into hashers. Every refusal names the entry and has a stable code.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use unicode_normalization::UnicodeNormalization;
use zip::ZipArchive;

use super::{Limits, Reject, reject};

/// The zip as it is read.
pub type Zip = ZipArchive<BufReader<File>>;

/// One file entry of the archive, after the name checks.
#[derive(Clone)]
pub struct Entry {
    pub index: usize,
    /// Path inside the bag (top folder removed).
    pub path: String,
    pub size: u64,
}

/// An archive opened and its entries listed and checked; documents are read from it bounded,
/// every byte inflated counted against the limits.
pub struct Archive {
    zip: Zip,
    /// The bag's top folder, with its `/`.
    pub root: String,
    pub entries: BTreeMap<String, Entry>,
    pub limits: Limits,
    /// Bytes inflated so far, by every reader of this archive (shared with the hashing threads).
    pub inflated: Arc<AtomicU64>,
}

impl Archive {
    /// Opens `path` and checks every entry's name, kind and declared size (step 1 of FORMAT.md).
    pub fn open(path: &Path, limits: &Limits) -> Reject<Archive> {
        let mut zip = open(path)?;
        let (root, entries) = list_entries(&mut zip, limits)?;
        Ok(Archive {
            zip,
            root,
            entries,
            limits: *limits,
            inflated: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Reads one document (at most `max_document_bytes`) into memory; `missing-file` if absent.
    pub fn read(&mut self, path: &str) -> Reject<Vec<u8>> {
        let e = self
            .entries
            .get(path)
            .ok_or_else(|| reject("missing-file", path, "thiếu tệp bắt buộc"))?
            .clone();
        self.read_entry(&e)
    }

    /// Reads one entry (listed by [`Archive::open`], at most `max_document_bytes`) into memory.
    pub fn read_entry(&mut self, e: &Entry) -> Reject<Vec<u8>> {
        read_bounded(
            &mut self.zip,
            e,
            self.limits.max_document_bytes,
            &self.limits,
            &self.inflated,
        )
    }

    /// Reads every entry into memory (a small bag), by path inside the bag.
    pub fn read_all(&mut self) -> Reject<BTreeMap<String, Vec<u8>>> {
        let paths: Vec<String> = self.entries.keys().cloned().collect();
        paths
            .into_iter()
            .map(|p| self.read(&p).map(|bytes| (p, bytes)))
            .collect()
    }
}

/// Opens the zip; its central directory must read (else `damaged-archive`, or `duplicate-name`).
pub fn open(path: &Path) -> Reject<ZipArchive<BufReader<File>>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| reject("io", &name, crate::error::io_text(&e)))?;
    // The zip library's own words (English) stay out of the message: the code says which case.
    ZipArchive::new(BufReader::new(file)).map_err(|e| {
        if e.to_string().to_lowercase().contains("duplicate") {
            reject("duplicate-name", &name, "tên mục trùng nhau")
        } else {
            reject("damaged-archive", &name, "tệp zip hỏng hoặc bị cắt cụt")
        }
    })
}

/// The name and kind checks of step 1, on the central directory alone: the bag's top folder
/// and its entries.
pub fn list_entries(
    archive: &mut Zip,
    limits: &Limits,
) -> Reject<(String, BTreeMap<String, Entry>)> {
    check_entry_count(archive, limits)?;
    let mut names = Names::default();
    let mut out = BTreeMap::new();
    let mut declared_total = 0u64;
    for index in 0..archive.len() {
        let f = archive
            .by_index_raw(index)
            .map_err(|_| reject("damaged-archive", format!("#{index}"), "mục không đọc được"))?;
        let name = std::str::from_utf8(f.name_raw())
            .map_err(|_| reject("bad-name", format!("#{index}"), "tên mục không phải UTF-8"))?
            .to_string();
        check_name(&name)?;
        check_entry_kind(&f, &name)?;
        let rest = names.admit(&name)?;
        if f.is_dir() || name.ends_with('/') {
            continue;
        }
        if rest.is_empty() {
            return Err(reject(
                "bad-layout",
                &name,
                "tệp nằm ngoài thư mục gốc của túi",
            ));
        }
        declared_total = declared_total.saturating_add(f.size());
        check_entry_size(&f, &name, declared_total, limits)?;
        out.insert(
            rest.clone(),
            Entry {
                index,
                path: rest,
                size: f.size(),
            },
        );
    }
    if out.is_empty() {
        return Err(reject("not-a-bag", "", "gói rỗng"));
    }
    Ok((format!("{}/", names.root.unwrap_or_default()), out))
}

fn check_entry_count(archive: &Zip, limits: &Limits) -> Reject<()> {
    if archive.len() > limits.max_entries {
        return Err(reject(
            "too-many-entries",
            "",
            format!("{} mục, tối đa {}", archive.len(), limits.max_entries),
        ));
    }
    // The zip crate keeps one entry per name; a second entry of the same name is only visible here.
    if archive.has_duplicate_names() {
        return Err(reject(
            "duplicate-name",
            "",
            "hai mục cùng tên: trình giải nén nào giữ mục nào?",
        ));
    }
    Ok(())
}

/// Only plain files and folders, stored or deflated: no encryption, no symlinks.
pub fn check_entry_kind(f: &zip::read::ZipFile<'_, BufReader<File>>, name: &str) -> Reject<()> {
    if f.encrypted() {
        return Err(reject("encrypted-entry", name, "mục được mã hóa"));
    }
    if !matches!(
        f.compression(),
        zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
    ) {
        return Err(reject(
            "bad-compression",
            name,
            format!("phương thức nén {:?} không được hỗ trợ", f.compression()),
        ));
    }
    if f.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) || f.is_symlink() {
        return Err(reject("symlink", name, "mục là liên kết tượng trưng"));
    }
    Ok(())
}

/// The sizes an entry declares: consistent, and within the limits with those before it.
fn check_entry_size(
    f: &zip::read::ZipFile<'_, BufReader<File>>,
    name: &str,
    declared_total: u64,
    limits: &Limits,
) -> Reject<()> {
    if f.compression() == zip::CompressionMethod::Stored && f.compressed_size() != f.size() {
        return Err(reject(
            "damaged-archive",
            name,
            "mục lưu không nén có hai kích thước khác nhau",
        ));
    }
    if f.size() > limits.max_entry_bytes {
        return Err(reject(
            "entry-too-large",
            name,
            format!(
                "khai báo {} byte, tối đa {}",
                f.size(),
                limits.max_entry_bytes
            ),
        ));
    }
    if declared_total > limits.max_total_bytes {
        return Err(total_too_large(name, limits));
    }
    Ok(())
}

/// The names seen so far: each once, no two alike once Unicode and case are folded (two
/// extractors would write one file), all under one root folder.
#[derive(Default)]
struct Names {
    root: Option<String>,
    exact: BTreeSet<String>,
    folded: HashMap<String, String>,
}

impl Names {
    /// Admits a name, giving its path under the root folder.
    fn admit(&mut self, name: &str) -> Reject<String> {
        if !self.exact.insert(name.to_string()) {
            return Err(reject("duplicate-name", name, "tên mục xuất hiện hai lần"));
        }
        let key: String = name
            .nfc()
            .collect::<String>()
            .to_lowercase()
            .nfc()
            .collect();
        if let Some(other) = self.folded.insert(key, name.to_string()) {
            return Err(reject(
                "name-collision",
                name,
                format!("trùng với «{other}» khi chuẩn hóa Unicode/chữ hoa-thường"),
            ));
        }
        let (top, rest) = name.split_once('/').unwrap_or((name, ""));
        match &self.root {
            None => self.root = Some(top.to_string()),
            Some(r) if r != top => {
                return Err(reject(
                    "bad-layout",
                    name,
                    format!("ngoài thư mục gốc «{r}/»"),
                ));
            }
            _ => {}
        }
        Ok(rest.to_string())
    }
}

/// A name must be a relative path with `/` separators and ordinary components.
pub fn check_name(name: &str) -> Reject<()> {
    let bad = |code: &str, why: &str| Err(reject(code, name, why));
    if name.contains('\\') {
        return bad("backslash", "tên có dấu \\");
    }
    if name.starts_with('/') {
        return bad("absolute-path", "đường dẫn tuyệt đối");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return bad("absolute-path", "đường dẫn có ổ đĩa");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("bad-name", "tên có ký tự điều khiển");
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    for part in trimmed.split('/') {
        match part {
            ".." => return bad("path-traversal", "thành phần «..»"),
            "." | "" => {
                return bad("bad-name", "thành phần rỗng hoặc «.»");
            }
            _ if part.contains(':') => return bad("bad-name", "tên có dấu «:»"),
            _ => {}
        }
    }
    Ok(())
}

/// Reads one entry into memory, refusing more than `max` bytes whatever the header says.
pub fn read_bounded(
    archive: &mut Zip,
    e: &Entry,
    max: u64,
    limits: &Limits,
    inflated: &AtomicU64,
) -> Reject<Vec<u8>> {
    if e.size > max {
        return Err(reject(
            "entry-too-large",
            &e.path,
            format!("{} byte, tối đa {max} cho tệp này", e.size),
        ));
    }
    let f = archive
        .by_index(e.index)
        .map_err(|err| reject("damaged-archive", &e.path, err.to_string()))?;
    let mut buf = Vec::with_capacity(e.size as usize);
    // One byte more than declared is enough to catch a lying header (a zip bomb).
    let read = f.take(e.size + 1).read_to_end(&mut buf);
    count(inflated, buf.len() as u64, &e.path, limits)?;
    if buf.len() as u64 > e.size {
        return Err(reject("entry-too-large", &e.path, "dài hơn khai báo"));
    }
    read.map_err(|_| reject("damaged-archive", &e.path, "không đọc được mục này"))?;
    if (buf.len() as u64) < e.size {
        return Err(reject("damaged-archive", &e.path, "ngắn hơn khai báo"));
    }
    Ok(buf)
}

/// Counts `n` more bytes inflated, refusing past the total limit.
pub fn count(inflated: &AtomicU64, n: u64, path: &str, limits: &Limits) -> Reject<()> {
    if inflated.fetch_add(n, Ordering::Relaxed) + n > limits.max_total_bytes {
        return Err(total_too_large(path, limits));
    }
    Ok(())
}

fn total_too_large(path: &str, limits: &Limits) -> super::Rejection {
    reject(
        "total-too-large",
        path,
        format!("tổng vượt {} byte", limits.max_total_bytes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_plain_paths() {
        for ok in ["b/data/x.jpg", "b/", "b/data/ảnh 1.jpg"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for (bad, code) in [
            ("b/../x", "path-traversal"),
            ("../x", "path-traversal"),
            ("/etc/passwd", "absolute-path"),
            ("C:/x", "absolute-path"),
            ("c:x", "absolute-path"),
            ("b\\x", "backslash"),
            ("b//x", "bad-name"),
            ("b/./x", "bad-name"),
            ("b/x\n", "bad-name"),
        ] {
            assert_eq!(check_name(bad).unwrap_err().code, code, "{bad}");
        }
    }
}
