//! The signed container every file we sign travels in, read and written here once: a zip holding
//! one BagIt bag (RFC 8493) under one top folder, `manifest-sha256.txt` over the payload
//! (`data/…`), `tagmanifest-sha256.txt` over the tag files, and minisign signatures over the tag
//! manifest (`signatures/<KEYID>.minisig`). Result bundles (whole or partial), plans and the
//! province's published results are all such bags; every refusal has a stable code
//! ([`Rejection`]), the same whatever kind of file is read.
//!
//! - [`archive`]: reading the zip without trusting it: entry names, kinds and sizes, bounded reads.
//! - [`tags`]: `bagit.txt`, `bag-info.txt`, the manifests and the tag manifest, read and written.
//! - [`signature`]: minisign over the tag manifest: signing, reading a signature file, checking.
//! - [`keys`]: minisign keys, their ids and fingerprints.
//! - [`write`]: writing a bag: zip options, the `.part` file beside the target, the signed tag
//!   files, atomic persist, adding a signature to a written bag.
//! - [`small`]: small bags read whole, signed by the one key they carry (plans, province results).
//!
//! Backups are not bags: see `backup.rs` (they are restored on the laptop that made them and carry
//! no signature), but their entry names go through [`archive::check_name`] too.
pub mod archive;
pub mod keys;
pub mod signature;
pub mod small;
pub mod tags;
pub mod write;

pub use crate::rejection::Rejection;
pub(crate) use crate::rejection::reject;

pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
pub const TAG_FILES: [&str; 3] = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"];
pub const MANIFEST: &str = "manifest-sha256.txt";
pub const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";
pub const SIGNATURES_DIR: &str = "signatures/";

/// A refusal or the value.
pub type Reject<T> = std::result::Result<T, Rejection>;

/// Bounds on what a bag may hold; sizes are counted as actually inflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_entries: usize,
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
    /// Tag files and JSON documents are read into memory: this much at most each.
    pub max_document_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 100_000,
            max_entry_bytes: 4 << 30,
            max_total_bytes: 64 << 30,
            max_document_bytes: 256 << 20,
        }
    }
}

impl Limits {
    /// A small bag read whole: a few entries, `max_bytes` in all.
    pub fn small(max_bytes: u64) -> Limits {
        Limits {
            max_entries: 64,
            max_entry_bytes: max_bytes,
            max_total_bytes: max_bytes,
            max_document_bytes: max_bytes,
        }
    }
}
