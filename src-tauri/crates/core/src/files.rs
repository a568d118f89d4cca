//! Writing files so that a crash or a kill never leaves half of one: a temporary file in the same
//! folder, renamed into place (fsynced for what cannot be made again), and the clean-up of the
//! temporary files a kill left behind.
use std::io::Write;
use std::path::Path;

use crate::mistake::Missing;
use crate::{Error, Result};

/// Writes `bytes` to `path` atomically and durably: a temp file in the same folder, fsynced,
/// renamed into place, and the folder synced so the rename itself is durable. A crash leaves the
/// old state or the whole new file, never half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, true)
}

/// Like [`write_atomic`] but without fsync, for derived files that can be made again
/// (thumbnails, previews): still never half-written, but a power cut may lose them.
pub fn write_atomic_cache(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temp(path, bytes, false)
}

/// Removes a file no longer needed; one already gone is fine.
pub fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Opens the folder holding `file` (or the folder itself) in the system's file manager, without
/// waiting for it; returns the folder. `THAMDINH_OPENER` names another program (tests record
/// what would be opened).
pub fn open_folder(file: &Path) -> Result<std::path::PathBuf> {
    let folder = if file.is_dir() {
        file.to_path_buf()
    } else {
        file.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    if !folder.is_dir() {
        return Err(Error::NotFound(Missing::Folder(
            folder.display().to_string(),
        )));
    }
    let opener = std::env::var_os("THAMDINH_OPENER").unwrap_or_else(|| {
        if cfg!(windows) {
            "explorer".into()
        } else if cfg!(target_os = "macos") {
            "open".into()
        } else {
            "xdg-open".into()
        }
    });
    let mut child = std::process::Command::new(&opener)
        .arg(&folder)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::internal(format!(
                "không mở được thư mục {} ({}): {e}",
                folder.display(),
                opener.to_string_lossy()
            ))
        })?;
    // Reaped when the opener exits, never waited for here.
    std::thread::spawn(move || child.wait());
    Ok(folder)
}

/// Removes the temp files this app left in `dir` (by their name pattern) when a kill stopped a
/// write half-way: only those older than an hour, so a write still running in another process
/// (the CLI beside the app) is never touched. Returns how many were removed.
pub fn clean_stale_temp_files(dir: &Path) -> usize {
    const PATTERNS: [(&str, &str); 3] = [
        (".tmp", ""),
        (".thamdinh-export-", ".part"),
        (".thamdinh-import-", ".part"),
    ];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let old = |e: &std::fs::DirEntry| {
        e.metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(3600))
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            PATTERNS
                .iter()
                .any(|(prefix, suffix)| name.starts_with(prefix) && name.ends_with(suffix))
                && e.file_type().is_ok_and(|t| t.is_file())
                && old(e)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

fn write_via_temp(path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| crate::Mistake::TargetNotAFile {
            path: path.display().to_string(),
        })?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| Error::Io(e.error))?;
    if durable && let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
