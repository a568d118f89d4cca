//! Writing a bag: always into a `.part` file beside the target (the same file system), made
//! durable, then renamed onto it — a reader never sees half a bag, a killed writer leaves only a
//! `.part` that the next write removes.
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Timelike};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::tags::manifest_of;
use super::{BAGIT_TXT, MANIFEST, TAG_MANIFEST};
use crate::{Error, Mistake, Result};

/// An entry's options: this moment as its time, plain file permissions, ZIP64 when it needs it.
pub fn options(method: CompressionMethod, size: u64) -> SimpleFileOptions {
    let t = chrono::Local::now();
    let time = zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default();
    SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(time)
        .unix_permissions(0o644)
        .large_file(size >= u32::MAX as u64)
}

pub fn zip_error(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(e) => Error::Io(e),
        other => Error::internal(format!("lỗi tệp zip: {other}")),
    }
}

/// The `.part` file a bag is written to, beside its target (the same file system, so the final
/// rename is atomic); stale ones a killed writer left there are removed first.
pub fn part_file_beside(out: &Path) -> Result<(PathBuf, tempfile::NamedTempFile)> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::files::clean_stale_temp_files(&dir);
    let tmp = tempfile::Builder::new()
        .prefix(".thamdinh-export-")
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull => Error::Io(e),
            _ => Mistake::cannot_write(&dir, &e).into(),
        })?;
    Ok((dir, tmp))
}

/// Makes the written zip durable, renames it onto the target and syncs the folder; returns
/// its size.
pub fn persist(
    zip_file: std::fs::File,
    tmp: tempfile::NamedTempFile,
    out: &Path,
    dir: &Path,
) -> Result<u64> {
    zip_file.sync_all()?;
    let zip_bytes = zip_file.metadata()?.len();
    drop(zip_file);
    tmp.persist(out).map_err(|e| Error::Io(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(zip_bytes)
}

/// The tag files in bag order, then the tag manifest and the signature: the manifest covers the
/// payload, the tag manifest covers the tag files, `sign` signs the tag manifest and says where
/// its signature is filed.
pub fn signed_tag_files(
    manifest: &str,
    bag_info: &str,
    sign: impl FnOnce(&[u8]) -> Result<(String, String)>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let tags = [
        ("bagit.txt", BAGIT_TXT.as_bytes()),
        ("bag-info.txt", bag_info.as_bytes()),
        (MANIFEST, manifest.as_bytes()),
    ];
    let tag_manifest = manifest_of(&tags);
    let (sig_path, signature) = sign(tag_manifest.as_bytes())?;
    Ok(tags
        .into_iter()
        .chain([
            (TAG_MANIFEST, tag_manifest.as_bytes()),
            (sig_path.as_str(), signature.as_bytes()),
        ])
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect())
}

/// Writes a bag held in memory at `out`: `payload` (paths under `data/`), with `bag_info`'s
/// fields and its `Payload-Oxum`, signed by `sign`, everything under the folder `root`.
pub fn write_in_memory(
    out: &Path,
    root: &str,
    payload: &[(&str, &[u8])],
    bag_info: &str,
    sign: impl FnOnce(&[u8]) -> Result<(String, String)>,
) -> Result<()> {
    let bytes: u64 = payload.iter().map(|p| p.1.len() as u64).sum();
    let bag_info = format!("{bag_info}Payload-Oxum: {bytes}.{}\n", payload.len());
    let tags = signed_tag_files(&manifest_of(payload), &bag_info, sign)?;
    let (dir, tmp) = part_file_beside(out)?;
    let mut zip = ZipWriter::new(BufWriter::new(tmp.as_file().try_clone()?));
    let text = options(CompressionMethod::Deflated, 0);
    let entries = payload
        .iter()
        .map(|(p, b)| (*p, *b))
        .chain(tags.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    for (path, bytes) in entries {
        zip.start_file(format!("{root}/{path}"), text)
            .map_err(zip_error)?;
        zip.write_all(bytes)?;
    }
    let file = finish(zip)?;
    persist(file, tmp, out, &dir)?;
    Ok(())
}

/// Ends a zip and returns its file.
pub fn finish(zip: ZipWriter<BufWriter<std::fs::File>>) -> Result<std::fs::File> {
    zip.finish()
        .map_err(zip_error)?
        .into_inner()
        .map_err(|e| Error::Io(e.into_error()))
}

/// Adds one file (`<root>name`) to the written bag at `path`, in place and atomically. Every
/// entry already there is copied as it is (raw, not recompressed): no byte of them changes.
pub fn add_file(path: &Path, root: &str, name: &str, bytes: &[u8]) -> Result<()> {
    let mut archive =
        ZipArchive::new(BufReader::new(std::fs::File::open(path)?)).map_err(zip_error)?;
    let (dir, tmp) = part_file_beside(path)?;
    let mut zip = ZipWriter::new(BufWriter::new(tmp.as_file().try_clone()?));
    for i in 0..archive.len() {
        zip.raw_copy_file(archive.by_index_raw(i).map_err(zip_error)?)
            .map_err(zip_error)?;
    }
    zip.start_file(
        format!("{root}{name}"),
        options(CompressionMethod::Deflated, 0),
    )
    .map_err(zip_error)?;
    zip.write_all(bytes)?;
    persist(finish(zip)?, tmp, path, &dir)?;
    Ok(())
}
