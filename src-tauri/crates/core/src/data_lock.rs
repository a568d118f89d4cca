//! Who uses a data folder. Every store opened on a folder holds a shared lock on its lock file
//! (`.thamdinh.lock` inside it); a restore takes it exclusively before swapping the folder and
//! refuses while anyone holds it, naming the program (a window of the app, a `thamdinh`
//! command) where the system says. The operating system drops a lock when its process ends, even
//! by kill -9. The restore's lock moves away with the folder it replaces; the restored folder
//! gets its own lock file when a store first opens it.
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::{Mistake, Result};

/// The lock file's name inside a data folder (never backed up).
pub const LOCK_FILE: &str = ".thamdinh.lock";

pub fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join(LOCK_FILE)
}

fn open(data_dir: &Path) -> Result<File> {
    std::fs::create_dir_all(data_dir)?;
    let path = lock_path(data_dir);
    Ok(OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?)
}

/// The lock an open store holds; refused while a restore swaps the folder.
pub(crate) fn hold_shared(data_dir: &Path) -> Result<File> {
    let file = open(data_dir)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Mistake::DataFolderBeingRestored {
            folder: data_dir.display().to_string(),
        }
        .into()),
        Err(TryLockError::Error(e)) => Err(e.into()),
    }
}

/// The lock a restore holds; refused, naming who holds the folder, while any store is open.
pub(crate) fn hold_exclusive(data_dir: &Path) -> Result<File> {
    let file = open(data_dir)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Mistake::DataFolderInUse {
            folder: data_dir.display().to_string(),
            holders: holders(&file).join(", "),
        }
        .into()),
        Err(TryLockError::Error(e)) => Err(e.into()),
    }
}

/// The programs holding a lock on `file`, as `name (pid N)`, from Linux's `/proc/locks`; empty
/// where the system does not say.
fn holders(file: &File) -> Vec<String> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(inode) = file.metadata().map(|m| m.ino()) else {
            return Vec::new();
        };
        let own = std::process::id().to_string();
        let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
        let mut out: Vec<String> = locks
            .lines()
            .filter_map(|line| {
                // "1: FLOCK  ADVISORY  READ 4242 08:01:131090 0 EOF"
                let fields: Vec<&str> = line.split_whitespace().collect();
                let (pid, place) = (fields.get(4)?, fields.get(5)?);
                let same = place.rsplit(':').next()? == inode.to_string();
                (same && *pid != own).then(|| {
                    let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                        .map(|n| n.trim().to_string())
                        .unwrap_or_default();
                    format!("{name} (pid {pid})")
                })
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_in_use_cannot_be_taken_and_a_taken_one_cannot_be_opened() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert_eq!(lock_path(&data), data.join(".thamdinh.lock"));
        let reader = hold_shared(&data).unwrap();
        let _second_reader = hold_shared(&data).unwrap();
        let err = hold_exclusive(&data).unwrap_err();
        assert!(
            matches!(err, crate::Error::Mistake(Mistake::DataFolderInUse { .. })),
            "{err}"
        );
        drop(reader);
        drop(_second_reader);
        let restoring = hold_exclusive(&data).unwrap();
        let err = hold_shared(&data).unwrap_err();
        assert!(
            matches!(
                err,
                crate::Error::Mistake(Mistake::DataFolderBeingRestored { .. })
            ),
            "{err}"
        );
        drop(restoring);
        hold_shared(&data).unwrap();
    }
}
