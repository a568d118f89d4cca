//! Co-signing: a delegation member adds their signature (`signatures/<KEYID>.minisig`, over the
//! same tag manifest) to a bundle the leader exported. Every entry of the archive is copied as
//! it is (raw, not recompressed), so no byte of the bag changes and each signature still checks
//! alone with stock `minisign -V`.
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use ts_rs::TS;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::export::{options, zip_error};
use super::verify::{Limits, Signature, Signers, TrustedKey, verify_contents};
use super::{SIGNATURES_DIR, TAG_MANIFEST};
use crate::{Error, Result};

/// What co-signing did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CosignSummary {
    pub bundle_id: String,
    pub revision: u32,
    pub key_id: String,
    pub name: String,
    /// The bundle already carried this key's signature: nothing was written.
    pub already_signed: bool,
    /// Every signature now in the bundle, the leader's first.
    pub signatures: Vec<Signature>,
}

/// Adds the signature of `secret_key_text` (opened with `passphrase`) to the bundle at `path`,
/// in place and atomically. The bundle is verified first — every check, with `trusted` and the
/// co-signer's own key as the trust list but a leader's key outside it allowed — so nobody
/// co-signs a damaged or forged bag.
pub fn cosign_bundle(
    path: &Path,
    secret_key_text: &str,
    passphrase: &str,
    signer_name: &str,
    trusted: &[TrustedKey],
) -> Result<CosignSummary> {
    let (secret_key, key) = super::keys::open_secret_key(secret_key_text, passphrase)?;
    let own = TrustedKey::parse(&key.pub_file)?;
    let mut keys = trusted.to_vec();
    keys.push(own);
    let verified = verify_contents(
        path,
        &keys,
        Signers::AllowUntrusted,
        &Limits::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    // A member never signs a damaged bundle: the refusal says why, with its code.
    .map_err(Error::BundleRejected)?;
    let mut summary = CosignSummary {
        bundle_id: verified.bundle_id.clone(),
        revision: verified.revision,
        key_id: key.key_id.clone(),
        name: signer_name.to_string(),
        already_signed: verified.signatures.iter().any(|s| s.key_id == key.key_id),
        signatures: verified.signatures.clone(),
    };
    if summary.already_signed {
        return Ok(summary);
    }

    let file = std::fs::File::open(path)?;
    let mut archive = ZipArchive::new(BufReader::new(file)).map_err(zip_error)?;
    let root = archive
        .file_names()
        .filter_map(|n| n.ok())
        .find_map(|n| {
            n.strip_suffix(TAG_MANIFEST)
                .filter(|r| r.matches('/').count() == 1)
                .map(str::to_string)
        })
        .ok_or_else(|| {
            crate::Mistake::not_valid(
                crate::mistake::FileKind::Bundle,
                format!("gói không có {TAG_MANIFEST}"),
            )
        })?;
    let mut tag_manifest = Vec::new();
    archive
        .by_name(&format!("{root}{TAG_MANIFEST}"))
        .map_err(zip_error)?
        .read_to_end(&mut tag_manifest)?;
    let signature = super::sign_tag_manifest(
        &secret_key,
        &tag_manifest,
        &verified.bundle_id,
        verified.revision,
        &super::result::SignerDoc {
            key_id: key.key_id.clone(),
            name: signer_name.to_string(),
        },
    )?;

    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".thamdinh-cosign-")
        .suffix(".part")
        .tempfile_in(&dir)?;
    let mut zip = ZipWriter::new(BufWriter::new(tmp.as_file().try_clone()?));
    for i in 0..archive.len() {
        zip.raw_copy_file(archive.by_index_raw(i).map_err(zip_error)?)
            .map_err(zip_error)?;
    }
    zip.start_file(
        format!("{root}{SIGNATURES_DIR}{}.minisig", key.key_id),
        options(CompressionMethod::Deflated, 0),
    )
    .map_err(zip_error)?;
    zip.write_all(signature.as_bytes())?;
    let written = zip
        .finish()
        .map_err(zip_error)?
        .into_inner()
        .map_err(|e| Error::Io(e.into_error()))?;
    written.sync_all()?;
    drop(written);
    tmp.persist(path).map_err(|e| Error::Io(e.error))?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    summary.signatures.push(Signature {
        key_id: key.key_id,
        name: signer_name.to_string(),
        trusted: true,
        leader: false,
    });
    Ok(summary)
}
