//! Writing a bundle: payload from the store, a BagIt bag in a zip written to a temp file beside
//! the target, fsynced and renamed; the stored files are re-hashed on the other cores while the
//! zip is written, so a file damaged on disk is never signed.
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use minisign::SecretKey;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;
use zip::{CompressionMethod, ZipWriter};

use super::result::{
    AUDIT_PATH, BundleIdentity, CRITERIA_PATH, Payload, RESULT_PATH, SignerDoc, StoredFile,
    canonical_bytes,
};
use super::{BUNDLE_FORMAT, manifest_text};
use crate::bag::write::{finish, options, part_file_beside, persist, zip_error};
use crate::digest::{hex, sha256_hex};
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

/// What is shown once a bundle is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportSummary {
    pub bundle_id: String,
    pub revision: u32,
    pub supersedes: Option<String>,
    pub signer_key_id: String,
    pub file: String,
    #[ts(type = "number")]
    pub payload_files: u64,
    #[ts(type = "number")]
    pub payload_bytes: u64,
    #[ts(type = "number")]
    pub zip_bytes: u64,
}

/// Everything needed to write a bundle, read from the store (which can then be released while the
/// long write runs).
pub struct PreparedExport {
    payload: Payload,
    visit_key: String,
    secret_key: SecretKey,
    source_organization: String,
}

fn visit_key(visit_ids: &[String]) -> String {
    let mut ids = visit_ids.to_vec();
    ids.sort();
    ids.dedup();
    ids.join(",")
}

/// Opens the key (a wrong passphrase fails here, before any work), reserves the revision and
/// gathers the payload, all in one write transaction: two exports of the same visits never take
/// the same number (the second waits for the first's reservation), and the payload and its audit
/// log are one snapshot. The reservation (`state = 'reserved'`, the target file) is recorded
/// before anything is written, so a bundle at `out` is never unknown to the store; a revision
/// reserved by an export that then died is reported, never reused.
pub fn prepare_export(
    store: &Store,
    visit_ids: &[String],
    secret_key_text: &str,
    passphrase: &str,
    out: &Path,
) -> Result<PreparedExport> {
    prepare_scoped_export(store, visit_ids, None, secret_key_text, passphrase, out)
}

/// [`prepare_export`], or with `areas` a member's partial bundle of one visit (its own revision
/// series, apart from the visit's full bundles). A visit with leaf conflicts not yet resolved
/// is not exported.
pub fn prepare_scoped_export(
    store: &Store,
    visit_ids: &[String],
    areas: Option<&[String]>,
    secret_key_text: &str,
    passphrase: &str,
    out: &Path,
) -> Result<PreparedExport> {
    let (secret_key, key) = crate::bag::keys::open_secret_key(secret_key_text, passphrase)?;
    for v in visit_ids {
        let open = store.visit_conflicts(v)?;
        if !open.is_empty() {
            return Err(Mistake::ExportWithOpenConflicts {
                count: open.len(),
                leaves: open
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
            .into());
        }
    }
    let visit_key = match areas {
        Some(a) => format!("partial:{}:{}", a.join(","), visit_key(visit_ids)),
        None => visit_key(visit_ids),
    };
    let signer = SignerDoc {
        key_id: key.key_id,
        name: signer_name(store, secret_key_text)?,
    };
    let payload = store.reserve_export(&visit_key, signer, out, visit_ids, areas)?;
    let c = &payload.result.campaign;
    let source_organization = if c.delegation.name.trim().is_empty() {
        c.name.clone()
    } else {
        c.delegation.name.clone()
    };
    Ok(PreparedExport {
        payload,
        visit_key,
        secret_key,
        source_organization,
    })
}

impl Store {
    /// The file of the newest bundle written of exactly this visit (its full bundle, not a
    /// partial one), if it is still where it was written.
    pub fn latest_bundle_file(&self, visit_id: &str) -> Result<Option<PathBuf>> {
        let file: Option<String> = self
            .conn
            .query_row(
                "SELECT file FROM bundle WHERE visit_ids = ?1 AND state = 'written'
                 ORDER BY revision DESC LIMIT 1",
                [visit_key(&[visit_id.to_string()])],
                |r| r.get(0),
            )
            .optional()?;
        Ok(file.map(PathBuf::from).filter(|f| f.is_file()))
    }
}

impl Store {
    /// The visits some written bundle holds.
    pub fn exported_visit_ids(&self) -> Result<std::collections::HashSet<String>> {
        let lists: Vec<String> = self
            .conn
            .prepare("SELECT visit_ids FROM bundle WHERE state = 'written'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(lists
            .iter()
            .flat_map(|l| l.split(','))
            .map(str::to_string)
            .collect())
    }
}

/// The name a signature carries: who uses this laptop; else the name the key was made for
/// (`key new --name`).
pub fn signer_name(store: &Store, secret_key_text: &str) -> Result<String> {
    Ok(match store.setting(crate::store::USER_NAME)? {
        Some(n) if !n.trim().is_empty() => n,
        _ => crate::bag::keys::secret_key_label(secret_key_text).unwrap_or(store.actor()?),
    })
}

/// Forgets the record of a visit's exports (the files stay where they were written), inside the
/// caller's transaction: its visit is being deleted.
pub(crate) fn forget_exports_of(tx: &rusqlite::Connection, visit_id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM bundle WHERE instr(visit_ids, ?1) > 0",
        [visit_id],
    )?;
    Ok(())
}

impl Store {
    /// Reserves the next revision of the export of `visit_key` (its file `out`, its signer) and
    /// builds the payload in the same transaction, so the number and the snapshot go together.
    fn reserve_export(
        &self,
        visit_key: &str,
        signer: SignerDoc,
        out: &Path,
        visit_ids: &[String],
        areas: Option<&[String]>,
    ) -> Result<super::result::Payload> {
        let tx = self.conn.unchecked_transaction().and_then(|tx| {
            // Upgrade to a write lock at once (BEGIN IMMEDIATE on a borrowed connection).
            tx.execute("UPDATE bundle SET state = state WHERE 0", [])?;
            Ok(tx)
        })?;
        let previous: Option<(String, u32)> = tx
            .query_row(
                "SELECT id, revision FROM bundle WHERE visit_ids = ?1 ORDER BY revision DESC LIMIT 1",
                [&visit_key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let identity = BundleIdentity {
            bundle_id: uuid::Uuid::new_v4().to_string(),
            revision: previous.as_ref().map_or(1, |p| p.1 + 1),
            supersedes: previous.map(|p| p.0),
            created_at: now(),
            signer,
        };
        tx.execute(
            "INSERT INTO bundle (id, visit_ids, revision, supersedes, signer_key_id, file, created_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'reserved')",
            params![
                identity.bundle_id,
                visit_key,
                identity.revision,
                identity.supersedes,
                identity.signer.key_id,
                out.display().to_string(),
                now()
            ],
        )?;
        let payload = self.scoped_payload(visit_ids, identity, areas)?;
        tx.commit()?;
        Ok(payload)
    }

    fn mark_export_written(&self, summary: &ExportSummary) -> Result<()> {
        self.conn.execute(
            "UPDATE bundle SET state = 'written', file = ?2 WHERE id = ?1",
            params![summary.bundle_id, summary.file],
        )?;
        Ok(())
    }

    fn drop_export_reservation(&self, bundle_id: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM bundle WHERE id = ?1 AND state = 'reserved'",
            [bundle_id],
        )?;
        Ok(())
    }
}

/// Marks a reserved export as written, once the file is in place.
pub fn record_bundle(store: &Store, summary: &ExportSummary) -> Result<()> {
    store.mark_export_written(summary)
}

/// Drops the reservation of an export that failed before writing anything (cancelled, disk
/// full, a damaged stored file): `write_bundle` leaves no file behind then.
pub fn release_reservation(store: &Store, bundle_id: &str) -> Result<()> {
    store.drop_export_reservation(bundle_id)
}

/// Prepares, writes and records a bundle in one go (the CLI's way; the app splits the steps so
/// the store is not held during the write).
pub fn export_bundle(
    store: &Store,
    visit_ids: &[String],
    secret_key_text: &str,
    passphrase: &str,
    out: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ExportSummary> {
    export_scoped_bundle(
        store,
        visit_ids,
        None,
        secret_key_text,
        passphrase,
        out,
        progress,
        cancel,
    )
}

/// [`export_bundle`], or with `areas` a member's partial bundle.
#[allow(clippy::too_many_arguments)]
pub fn export_scoped_bundle(
    store: &Store,
    visit_ids: &[String],
    areas: Option<&[String]>,
    secret_key_text: &str,
    passphrase: &str,
    out: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ExportSummary> {
    let request = ExportRequest {
        visit_ids,
        areas,
        key: ExportKey::Text(secret_key_text),
        passphrase,
        out,
        overwrite: true,
    };
    export_to_file(store, &request, progress, cancel)
}

/// The key a bundle is signed with: the key file named (the CLI's `--key`), or this laptop's
/// own signing key (the app). Neither file is ever overwritten by the export.
pub enum ExportKey<'a> {
    File(&'a Path),
    Text(&'a str),
    ThisLaptop,
}

/// What to export, and where.
pub struct ExportRequest<'a> {
    pub visit_ids: &'a [String],
    /// A member's areas: a partial bundle of one visit.
    pub areas: Option<&'a [String]>,
    pub key: ExportKey<'a>,
    pub passphrase: &'a str,
    pub out: &'a Path,
    /// An existing file at `out` may be replaced (the save dialog asked, or `--force`).
    pub overwrite: bool,
}

/// Where the store is reached: directly (the CLI), or behind the app's lock, which the long
/// write of the bundle must not hold (the window keeps working meanwhile).
pub trait WithStore {
    fn with_store<T>(&self, f: &mut dyn FnMut(&Store) -> Result<T>) -> Result<T>;
}

impl WithStore for Store {
    fn with_store<T>(&self, f: &mut dyn FnMut(&Store) -> Result<T>) -> Result<T> {
        f(self)
    }
}

impl WithStore for std::sync::Mutex<Store> {
    fn with_store<T>(&self, f: &mut dyn FnMut(&Store) -> Result<T>) -> Result<T> {
        f(&self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// The one export, for the app and the CLI: the target checked (never a key file), the key read,
/// the bundle prepared and its revision reserved (store reached), written with progress and
/// cancel (store free), then recorded — or the reservation released when the write failed.
pub fn export_to_file(
    store: &impl WithStore,
    request: &ExportRequest,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ExportSummary> {
    let out = request.out;
    let prepared = store.with_store(&mut |s| {
        let (key_text, key_path) = match &request.key {
            ExportKey::File(path) => (
                std::fs::read_to_string(path).map_err(|e| Mistake::cannot_read(path, &e))?,
                Some(path.to_path_buf()),
            ),
            ExportKey::Text(text) => (text.to_string(), None),
            ExportKey::ThisLaptop => (s.signing_key_text()?, Some(s.signing_key_path()?)),
        };
        let keys: Vec<&Path> = key_path.as_deref().into_iter().collect();
        check_target(out, request.overwrite, &keys)?;
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        prepare_scoped_export(
            s,
            request.visit_ids,
            request.areas,
            &key_text,
            request.passphrase,
            out,
        )
    })?;
    let bundle_id = prepared.bundle_id().to_string();
    match write_bundle(prepared, out, progress, cancel) {
        Ok(summary) => {
            store.with_store(&mut |s| record_bundle(s, &summary))?;
            Ok(summary)
        }
        Err(e) => {
            store.with_store(&mut |s| release_reservation(s, &bundle_id))?;
            Err(e)
        }
    }
}

impl PreparedExport {
    pub fn visit_key(&self) -> &str {
        &self.visit_key
    }

    pub fn bundle_id(&self) -> &str {
        &self.payload.result.bundle_id
    }
}

const CHUNK: usize = 1 << 20;

/// Checks where a signed file is about to be written: never onto a key (the secret key given,
/// or any minisign key file), and onto an existing file only when the user confirmed (`force`:
/// `--force` in the CLI, the save dialog's own question in the app).
pub fn check_target(out: &Path, force: bool, key_files: &[&Path]) -> Result<()> {
    let Ok(meta) = std::fs::metadata(out) else {
        return Ok(());
    };
    let same = |k: &&Path| matches!((std::fs::canonicalize(k), std::fs::canonicalize(out)), (Ok(a), Ok(b)) if a == b);
    let mut head = [0u8; 64];
    let n = std::fs::File::open(out)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let looks_like_key = head[..n].starts_with(b"untrusted comment:");
    if key_files.iter().any(same) || looks_like_key {
        return Err(Mistake::TargetIsAKey {
            path: out.display().to_string(),
        }
        .into());
    }
    if !meta.is_file() {
        return Err(Mistake::TargetNotAFile {
            path: out.display().to_string(),
        }
        .into());
    }
    if !force {
        return Err(Error::TargetExists(out.to_path_buf()));
    }
    Ok(())
}

/// Writes the bundle to `out` (atomically: temp file, fsync, rename). `progress(done, total)` is
/// called as payload bytes are written; `cancel` stops the work and leaves nothing behind.
pub fn write_bundle(
    prepared: PreparedExport,
    out: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<ExportSummary> {
    let PreparedExport {
        payload,
        secret_key,
        source_organization,
        ..
    } = prepared;
    let result = &payload.result;
    let root = format!("thamdinh-{}/", result.bundle_id);
    let result_json = canonical_bytes(result)?;
    let generated: [(&str, &[u8]); 3] = [
        (RESULT_PATH, &result_json),
        (CRITERIA_PATH, &payload.criteria_json),
        (AUDIT_PATH, &payload.audit_jsonl),
    ];
    let payload_bytes: u64 = generated.iter().map(|g| g.1.len() as u64).sum::<u64>()
        + payload.files.iter().map(|f| f.size).sum::<u64>();
    let payload_files = (generated.len() + payload.files.len()) as u64;

    let (dir, tmp) = part_file_beside(out)?;
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let writing = AtomicBool::new(true);
    let zip_file = std::thread::scope(|scope| -> Result<std::fs::File> {
        // Re-hash the stored files on the other cores while this thread writes the zip.
        let workers = crate::photo::default_workers().max(1);
        let checkers: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| check_stored_files(&payload.files, &next, cancel, &stop)))
            .collect();
        // Start writeback while writing, so the final fsync does not wait for a gigabyte at once
        // (measured: 0,97 s → 0,8 s for 1 GB of photos).
        let flusher = scope.spawn(|| {
            while writing.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(40));
                let _ = tmp.as_file().sync_data();
            }
        });
        let bag = Bag {
            result,
            source_organization: &source_organization,
            payload_bytes,
            payload_files,
        };
        let written = write_zip(
            tmp.as_file().try_clone()?,
            &Contents {
                root: &root,
                generated: &generated,
                files: &payload.files,
                bag: &bag,
                secret_key: &secret_key,
            },
            &|n| progress(done.fetch_add(n, Ordering::Relaxed) + n, payload_bytes),
            &|| cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed),
        );
        writing.store(false, Ordering::Relaxed);
        let _ = flusher.join();
        if written.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // A damaged stored file is the cause when the writer (or another checker) stopped
        // because of it, whichever thread ends first.
        match first_damage(checkers) {
            Some(e) => Err(e),
            None => written,
        }
    })?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    let zip_bytes = persist(zip_file, tmp, out, &dir)?;
    Ok(ExportSummary {
        bundle_id: result.bundle_id.clone(),
        revision: result.revision,
        supersedes: result.supersedes.clone(),
        signer_key_id: result.signer.key_id.clone(),
        file: out.display().to_string(),
        payload_files,
        payload_bytes,
        zip_bytes,
    })
}

/// What goes into the zip, in order: the generated documents, the stored files, then the tag
/// files signed over them, all under `root`.
struct Contents<'a> {
    root: &'a str,
    generated: &'a [(&'a str, &'a [u8])],
    files: &'a [StoredFile],
    bag: &'a Bag<'a>,
    secret_key: &'a SecretKey,
}

/// Writes the zip into `file`: the generated documents deflated, the stored files streamed as
/// they are (checked for their size), then the signed tag files. `progress(n)` is told of each
/// `n` payload bytes written; `stopped()` ends the copy early.
fn write_zip(
    file: std::fs::File,
    c: &Contents,
    progress: &dyn Fn(u64),
    stopped: &dyn Fn() -> bool,
) -> Result<std::fs::File> {
    let mut zip = ZipWriter::new(BufWriter::with_capacity(CHUNK, file));
    let text = options(CompressionMethod::Deflated, 0);
    for (path, bytes) in c.generated {
        zip.start_file(format!("{}{path}", c.root), text)
            .map_err(zip_error)?;
        zip.write_all(bytes)?;
        progress(bytes.len() as u64);
    }
    let mut buf = vec![0u8; CHUNK];
    for f in c.files {
        zip.start_file(
            format!("{}{}", c.root, f.bag_path),
            options(CompressionMethod::Stored, f.size),
        )
        .map_err(zip_error)?;
        let copied = stream_file(&f.source, &mut buf, stopped, &mut |chunk| {
            zip.write_all(chunk)?;
            progress(chunk.len() as u64);
            Ok(())
        })?;
        if copied != f.size {
            return Err(store_damaged(format!(
                "{} đổi kích thước trong lúc xuất",
                f.source.display()
            )));
        }
    }
    for (path, bytes) in signed_tag_files(c.bag, c.generated, c.files, c.secret_key)? {
        zip.start_file(format!("{}{path}", c.root), text)
            .map_err(zip_error)?;
        zip.write_all(&bytes)?;
    }
    finish(zip)
}

/// What bag-info.txt says of a bundle.
struct Bag<'a> {
    result: &'a super::result::ResultDoc,
    source_organization: &'a str,
    payload_bytes: u64,
    payload_files: u64,
}

/// The signed tag files of a bundle: bag-info, the manifest of the payload, the tag manifest and
/// the exporter's signature.
fn signed_tag_files(
    bag: &Bag,
    generated: &[(&str, &[u8])],
    files: &[StoredFile],
    secret_key: &SecretKey,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut entries: Vec<(String, String)> = generated
        .iter()
        .map(|(p, b)| (p.to_string(), sha256_hex(b)))
        .collect();
    entries.extend(files.iter().map(|f| (f.bag_path.clone(), f.sha256.clone())));
    let bag_info = bag_info(
        bag.result,
        bag.source_organization,
        bag.payload_bytes,
        bag.payload_files,
    );
    let result = bag.result;
    crate::bag::write::signed_tag_files(&manifest_text(&entries), &bag_info, |tag_manifest| {
        let signature = sign_tag_manifest(
            secret_key,
            tag_manifest,
            &result.bundle_id,
            result.revision,
            &result.signer,
        )?;
        Ok((
            crate::bag::signature::path_of(&result.signer.key_id),
            signature,
        ))
    })
}

/// The first error of the hash checkers (a damaged stored file), if any; a checker that was
/// only told to stop is no error.
fn first_damage(checkers: Vec<std::thread::ScopedJoinHandle<'_, Result<()>>>) -> Option<Error> {
    let mut damaged = None;
    for c in checkers {
        match c.join() {
            Ok(Err(Error::Cancelled)) | Ok(Ok(())) => {}
            Ok(Err(e)) => {
                damaged.get_or_insert(e);
            }
            Err(_) => {
                damaged.get_or_insert(Error::Internal("luồng tính SHA-256 dừng đột ngột".into()));
            }
        }
    }
    damaged
}

/// Reads a file chunk by chunk into `sink`, checking `stopped` before each chunk; returns the
/// number of bytes read.
fn stream_file(
    path: &Path,
    buf: &mut [u8],
    stopped: &dyn Fn() -> bool,
    sink: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let mut src = std::fs::File::open(path)?;
    let mut total = 0u64;
    loop {
        if stopped() {
            return Err(Error::Cancelled);
        }
        let n = src.read(buf)?;
        if n == 0 {
            return Ok(total);
        }
        sink(&buf[..n])?;
        total += n as u64;
    }
}

/// The minisign signature (`.minisig` text) of a tag manifest, with our trusted comment.
pub fn sign_tag_manifest(
    secret_key: &SecretKey,
    tag_manifest: &[u8],
    bundle_id: &str,
    revision: u32,
    signer: &SignerDoc,
) -> Result<String> {
    crate::bag::signature::sign(
        secret_key,
        tag_manifest,
        &super::trusted_comment(bundle_id, revision, &signer.name),
        &format!("signature from Thẩm Định key {}", signer.key_id),
    )
}

/// Hashes stored files (taken in turn from `next`) and compares with the name they are filed
/// under.
fn check_stored_files(
    files: &[StoredFile],
    next: &AtomicUsize,
    cancel: &AtomicBool,
    stop: &AtomicBool,
) -> Result<()> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(f) = files.get(i) else { return Ok(()) };
        let mut h = Sha256::new();
        let stopped = || cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed);
        stream_file(&f.source, &mut buf, &stopped, &mut |chunk| {
            h.update(chunk);
            Ok(())
        })?;
        if hex(&h.finalize()) != f.sha256 {
            stop.store(true, Ordering::Relaxed);
            return Err(store_damaged(format!(
                "tệp lưu trữ {} bị hỏng: SHA-256 không còn khớp tên",
                f.source.display()
            )));
        }
    }
}

/// A file of the store that no longer is what was stored: the disk's fault, not the person's.
fn store_damaged(what: String) -> Error {
    Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, what))
}

fn bag_info(
    result: &super::result::ResultDoc,
    source_organization: &str,
    payload_bytes: u64,
    payload_files: u64,
) -> String {
    let one = crate::text::one_line;
    let mut s = format!(
        "Bundle-Id: {}\nBundle-Format: {BUNDLE_FORMAT}\nBundle-Revision: {}\n",
        result.bundle_id, result.revision
    );
    if let Some(prev) = &result.supersedes {
        s += &format!("Bundle-Supersedes: {prev}\n");
    }
    s += &format!(
        "Bagging-Date: {}\nPayload-Oxum: {payload_bytes}.{payload_files}\nSource-Organization: {}\nExternal-Description: {}\n",
        chrono::Local::now().format("%Y-%m-%d"),
        one(source_organization),
        one(&format!(
            "Kết quả thẩm định Chỉ số CCHC — {} ({} phiếu)",
            result.campaign.name,
            result.visits.len()
        )),
    );
    s
}

/// What to look at before signing, per visit (the export screen's checklist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportCheck {
    pub visit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub visit_date: String,
    pub locked: bool,
    /// Leaves without an appraised score (bonus/penalty leaves excepted).
    pub unscored: u32,
    /// Deductions or N/A without their reason.
    pub missing_reasons: u32,
    /// Scored leaves without evidence.
    pub no_evidence: u32,
}

impl Store {
    pub fn export_checklist(&self, visit_ids: &[String]) -> Result<Vec<ExportCheck>> {
        use crate::visit::{Flag, VisitStatus};
        visit_ids
            .iter()
            .map(|id| {
                let view = self.visit_view(id)?;
                let set = self.visit_set(id)?;
                let bonus_penalty: std::collections::HashSet<&str> = set
                    .bonus_penalty
                    .iter()
                    .flat_map(|b| b.leaves.iter().map(|l| l.code.as_str()))
                    .collect();
                let count = |f: &dyn Fn(&crate::visit::LeafRecord) -> bool| {
                    view.leaves.iter().filter(|l| f(l)).count() as u32
                };
                Ok(ExportCheck {
                    visit_id: id.clone(),
                    unit_code: view.unit.code.clone(),
                    unit_name: view.unit.name.clone(),
                    visit_date: view.visit.visit_date.clone(),
                    locked: view.visit.status == VisitStatus::Locked,
                    unscored: count(&|l| {
                        l.appraised.is_none() && !bonus_penalty.contains(l.code.as_str())
                    }),
                    missing_reasons: count(&|l| {
                        l.flags.iter().any(|f| {
                            matches!(f, Flag::MissingDeductionReason | Flag::MissingNaReason)
                        })
                    }),
                    no_evidence: count(&|l| l.flags.contains(&Flag::NoEvidence)),
                })
            })
            .collect()
    }

    /// A file name for a bundle people can read: `ket-qua-XA001-2026-01-15-r2.zip` for one visit,
    /// `ket-qua-<campaign year>-<n>-don-vi-….zip` for several.
    pub fn default_bundle_name(&self, visit_ids: &[String]) -> Result<String> {
        let revision = self
            .conn
            .query_row(
                "SELECT max(revision) FROM bundle WHERE visit_ids = ?1",
                [visit_key(visit_ids)],
                |r| r.get::<_, Option<u32>>(0),
            )?
            .map_or(1, |r| r + 1);
        let suffix = if revision > 1 {
            format!("-r{revision}")
        } else {
            String::new()
        };
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        };
        Ok(match visit_ids {
            [one] => {
                let v = self.visit(one)?;
                let unit = self.unit(&v.unit_id)?;
                format!("ket-qua-{}-{}{suffix}.zip", safe(&unit.code), v.visit_date)
            }
            many => {
                let v = self.visit(many.first().map(String::as_str).unwrap_or_default())?;
                let campaign = self.campaign(&self.unit(&v.unit_id)?.campaign_id)?;
                format!(
                    "ket-qua-{}-{}-don-vi{suffix}.zip",
                    campaign.year,
                    many.len()
                )
            }
        })
    }
}

/// Where bundles are saved unless people choose otherwise: `$THAMDINH_EXPORT_DIR`, else
/// `Documents/ThamDinh` (a folder they can find and copy to a USB stick).
pub fn default_export_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("THAMDINH_EXPORT_DIR") {
        return dir.into();
    }
    let dirs = directories::UserDirs::new();
    dirs.as_ref()
        .and_then(|d| d.document_dir().map(Path::to_path_buf))
        .or_else(|| dirs.as_ref().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("ThamDinh")
}
