//! Sao lưu / Khôi phục: one file holding the database — taken with SQLite's online backup API,
//! never a copy of the live file — and every stored file (photos, evidence files, keys, bundles
//! received at HQ), with a manifest of SHA-256 hashes.
//!
//! A restore extracts into an empty staging folder beside the data folder, checks every hash and
//! the set of files against the manifest, opens the database (an older schema migrates, a newer
//! one is refused) and checks its integrity; only then does it swap the staging folder in. The
//! data that was there is kept beside it, never deleted; a damaged backup is refused naming what
//! is wrong and nothing of the current data changes.
//!
//! A backup is not a signed bag (see [`crate::bag`]): it is restored on the laptop that made it,
//! by the person who holds it, so there is no one to sign it for; its SHA-256 manifest finds
//! damage, and its entries pass the bag layer's name and kind checks before anything is written.
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::digest::hex;
use crate::store::{DB_FILE, SCHEMA_VERSION, Store, now};
use crate::{Error, Result};

pub const BACKUP_FORMAT: &str = "thamdinh-backup/1";
const MANIFEST: &str = "manifest.json";
/// The setting recording when this data was last backed up (RFC 3339).
pub const LAST_BACKUP: &str = "last_backup_at";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: String,
    pub created_at: String,
    pub schema_version: i64,
    pub app_version: String,
    pub files: Vec<BackupFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupFile {
    /// Path inside the data folder, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BackupSummary {
    pub file: String,
    pub files: u32,
    #[ts(type = "number")]
    pub bytes: u64,
    pub schema_version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RestoreSummary {
    pub files: u32,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The schema the backup was written with; the restored store is migrated to this build's.
    pub schema_from: i64,
    pub schema_to: i64,
    /// Where the data that was in the data folder now is (kept, not deleted).
    pub previous_kept_at: Option<String>,
}

fn backup_error(what: String) -> Error {
    crate::Mistake::not_valid(crate::mistake::FileKind::Backup, what).into()
}

/// Photo store folders that only cache what the originals give again.
const CACHE_DIRS: [&str; 2] = ["previews", "prints"];

/// Files of the data folder that belong in a backup: everything but the live database files
/// (the database goes in through the backup API), half-written temp files and caches.
fn data_files(data_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![data_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                // Previews and print copies are made again from the originals when needed.
                if !CACHE_DIRS.contains(&name.as_str()) {
                    stack.push(path);
                }
                continue;
            }
            if !kind.is_file() || name.starts_with(".thamdinh-") || name.ends_with(".part") {
                continue;
            }
            let relative = path
                .strip_prefix(data_dir)
                .map_err(Error::internal)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join("/");
            if relative.starts_with(DB_FILE) || relative == crate::data_lock::LOCK_FILE {
                continue;
            }
            out.push((relative, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Copies `src` into the zip entry just started, hashing it; returns (sha256, size).
fn copy_hashed(
    src: &mut dyn Read,
    dst: &mut dyn Write,
    cancel: &AtomicBool,
) -> Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let n = src.read(&mut buf)?;
        if n == 0 {
            return Ok((hex(&hasher.finalize()), size));
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
        size += n as u64;
    }
}

impl Store {
    /// Writes a backup of this store's data folder to `out` (temp file beside it, fsync, rename)
    /// and records the time. `progress(done, total)` counts files.
    pub fn backup(
        &self,
        out: &Path,
        progress: &dyn Fn(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<BackupSummary> {
        let data_dir = self.data_dir()?;
        let files = data_files(&data_dir)?;
        let dir = match out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let snapshot_dir = tempfile::tempdir_in(&dir)?;
        let snapshot = snapshot_dir.path().join(DB_FILE);
        {
            let mut target = rusqlite::Connection::open(&snapshot)?;
            rusqlite::backup::Backup::new(&self.conn, &mut target)?.run_to_completion(
                256,
                std::time::Duration::from_millis(0),
                None,
            )?;
        }
        let tmp = tempfile::Builder::new()
            .prefix(".thamdinh-backup-")
            .suffix(".part")
            .tempfile_in(&dir)?;
        let mut zip = ZipWriter::new(BufWriter::new(tmp.as_file().try_clone()?));
        let mut manifest = BackupManifest {
            format: BACKUP_FORMAT.into(),
            created_at: now(),
            schema_version: self.schema_version()?,
            app_version: env!("CARGO_PKG_VERSION").into(),
            files: Vec::new(),
        };
        let total = files.len() as u64 + 1;
        let all = std::iter::once((DB_FILE.to_string(), snapshot.clone())).chain(files);
        for (i, (relative, path)) in all.enumerate() {
            let size = std::fs::metadata(&path)?.len();
            // Photos and most evidence files are already compressed; the database is not.
            let method = if relative == DB_FILE {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            };
            zip.start_file(
                &relative,
                SimpleFileOptions::default()
                    .compression_method(method)
                    .large_file(size >= u32::MAX as u64),
            )
            .map_err(zip_error)?;
            let mut src = BufReader::new(std::fs::File::open(&path)?);
            let (sha256, size) = copy_hashed(&mut src, &mut zip, cancel)?;
            manifest.files.push(BackupFile {
                path: relative,
                sha256,
                size,
            });
            progress(i as u64 + 1, total);
        }
        zip.start_file(MANIFEST, SimpleFileOptions::default())
            .map_err(zip_error)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?)?;
        let file = zip
            .finish()
            .map_err(zip_error)?
            .into_inner()
            .map_err(|e| Error::Io(e.into_error()))?;
        file.sync_all()?;
        drop(file);
        tmp.persist(out).map_err(|e| Error::Io(e.error))?;
        self.set_setting(LAST_BACKUP, &manifest.created_at)?;
        Ok(BackupSummary {
            file: out.display().to_string(),
            files: manifest.files.len() as u32,
            bytes: manifest.files.iter().map(|f| f.size).sum(),
            schema_version: manifest.schema_version,
        })
    }

    /// When this data was last backed up, if ever.
    pub fn last_backup(&self) -> Result<Option<String>> {
        self.setting(LAST_BACKUP)
    }

    /// A reminder to back up: when there are visits with entries that no written bundle holds
    /// yet and the last backup is older than `days` (or there was none).
    pub fn backup_reminder(&self, days: i64) -> Result<Option<BackupReminder>> {
        let exported = self.exported_visit_ids()?;
        let unexported = self
            .visits_with_entries()?
            .iter()
            .filter(|v| !exported.contains(*v))
            .count() as u32;
        let last = self.last_backup()?;
        let old = match last
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            Some(t) => chrono::Utc::now().signed_duration_since(t) > chrono::Duration::days(days),
            None => true,
        };
        Ok((unexported > 0 && old).then_some(BackupReminder {
            last_backup: last,
            unexported_visits: unexported,
        }))
    }

    /// Restores a backup into this store's own data folder: the store lets go of its database
    /// file meanwhile and opens the restored one (or the untouched one, if the restore failed).
    pub fn restore_from(&mut self, backup: &Path, cancel: &AtomicBool) -> Result<RestoreSummary> {
        let data_dir = self.data_dir()?;
        *self = Store::open_in_memory()?;
        let restored = restore(backup, &data_dir, cancel);
        *self = Store::open_dir(&data_dir)?;
        restored
    }
}

/// Time to back up: visits not yet in a signed bundle, and no recent backup.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BackupReminder {
    pub last_backup: Option<String>,
    pub unexported_visits: u32,
}

/// Where the data that was in `data_dir` is kept: `<folder>.truoc-khoi-phuc-<date-time>`, with a
/// number added when a restore in the same second already took that name.
fn kept_name(parent: &Path, data_dir: &Path) -> PathBuf {
    let base = format!(
        "{}.truoc-khoi-phuc-{}",
        data_dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "data".into()),
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    (1..)
        .map(|n| match n {
            1 => parent.join(&base),
            n => parent.join(format!("{base}-{n}")),
        })
        .find(|p| !p.exists())
        .expect("a free name")
}

fn zip_error(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(e) => Error::Io(e),
        other => Error::internal(format!("lỗi tệp zip: {other}")),
    }
}

/// Every entry is listed in the manifest, and is a plain file, stored or deflated: the bag
/// layer's kind checks (no symlink, no encryption). A backup is no bag (unsigned, no top folder),
/// but is read as carefully.
fn check_entries(
    archive: &mut ZipArchive<BufReader<std::fs::File>>,
    manifest: &BackupManifest,
) -> Result<()> {
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| backup_error("mục không đọc được".into()))?;
        let name = entry
            .name()
            .map_err(|_| backup_error("tên mục không đọc được".into()))?
            .to_string();
        if name != MANIFEST && !manifest.files.iter().any(|f| f.path == name) {
            return Err(backup_error(format!(
                "tệp {name} không có trong {MANIFEST}"
            )));
        }
        crate::bag::archive::check_entry_kind(&entry, &name)
            .map_err(|r| backup_error(format!("{name}: {}", r.message)))?;
    }
    Ok(())
}

/// Restores a backup into `data_dir` (see the module documentation). Refused, naming who holds
/// it, while a store is open on `data_dir` (the app, a `thamdinh` command); no store opens on it
/// until the restore is done.
pub fn restore(backup: &Path, data_dir: &Path, cancel: &AtomicBool) -> Result<RestoreSummary> {
    let _alone = crate::data_lock::hold_exclusive(data_dir)?;
    let file = std::fs::File::open(backup).map_err(|e| crate::Mistake::cannot_read(backup, &e))?;
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|_| backup_error("không phải tệp zip hoặc bị cắt cụt".into()))?;
    let manifest: BackupManifest = {
        let mut text = Vec::new();
        archive
            .by_name(MANIFEST)
            .map_err(|_| backup_error(format!("thiếu {MANIFEST}")))?
            .take(64 << 20)
            .read_to_end(&mut text)?;
        serde_json::from_slice(&text)
            .map_err(|e| backup_error(format!("{MANIFEST}: {}", crate::error::json_text(&e))))?
    };
    if manifest.format != BACKUP_FORMAT {
        return Err(backup_error(format!("định dạng lạ «{}»", manifest.format)));
    }
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew {
            found: manifest.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    if !manifest.files.iter().any(|f| f.path == DB_FILE) {
        return Err(backup_error(format!("thiếu cơ sở dữ liệu {DB_FILE}")));
    }
    check_entries(&mut archive, &manifest)?;

    // Staging: beside the data folder (same file system, so the swap is a rename).
    let parent = match data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".thamdinh-restore-")
        .tempdir_in(&parent)?;
    for f in &manifest.files {
        crate::bag::archive::check_name(&f.path)
            .map_err(|r| backup_error(format!("{}: {}", f.path, r.message)))?;
        let target = staging.path().join(&f.path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut entry = archive
            .by_name(&f.path)
            .map_err(|_| backup_error(format!("thiếu tệp {}", f.path)))?;
        let mut out = BufWriter::new(std::fs::File::create(&target)?);
        let copied = copy_hashed(&mut (&mut entry).take(f.size + 1), &mut out, cancel);
        let (sha256, size) = copied.map_err(|e| match e {
            Error::Io(io) => backup_error(format!("{} đọc không trọn vẹn ({io})", f.path)),
            other => other,
        })?;
        out.flush()?;
        if size != f.size || sha256 != f.sha256 {
            return Err(backup_error(format!(
                "{}: SHA-256 hoặc kích thước không khớp manifest (tệp hỏng)",
                f.path
            )));
        }
    }
    // The database opens, migrates and is whole before anything is swapped.
    {
        let store = Store::open(&staging.path().join(DB_FILE))?;
        let check = store.integrity_check()?;
        if check != "ok" {
            return Err(backup_error(format!("cơ sở dữ liệu hỏng: {check}")));
        }
        store.checkpoint()?;
    }
    // The folder holds something besides our own lock file: it is kept, never deleted.
    let holds_data = std::fs::read_dir(data_dir)?.any(|e| {
        e.map(|e| e.file_name() != crate::data_lock::LOCK_FILE)
            .unwrap_or(true)
    });
    let previous = if holds_data {
        let kept = kept_name(&parent, data_dir);
        std::fs::rename(data_dir, &kept)?;
        Some(kept)
    } else {
        std::fs::remove_dir_all(data_dir)?;
        None
    };
    // The staging folder becomes the data folder; on failure it is removed (dropped) and the
    // previous data put back.
    if let Err(e) = std::fs::rename(staging.path(), data_dir) {
        if let Some(kept) = &previous {
            let _ = std::fs::rename(kept, data_dir);
        }
        return Err(e.into());
    }
    let _ = staging.keep();
    if let Ok(d) = std::fs::File::open(&parent) {
        let _ = d.sync_all();
    }
    Ok(RestoreSummary {
        files: manifest.files.len() as u32,
        bytes: manifest.files.iter().map(|f| f.size).sum(),
        schema_from: manifest.schema_version,
        schema_to: SCHEMA_VERSION,
        previous_kept_at: previous.map(|p| p.display().to_string()),
    })
}
