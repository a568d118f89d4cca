//! Co-signing: a delegation member adds their signature (`signatures/<KEYID>.minisig`, over the
//! same tag manifest) to a bundle the leader exported. Every entry of the archive is copied as
//! it is (raw, not recompressed), so no byte of the bag changes and each signature still checks
//! alone with stock `minisign -V`.
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use ts_rs::TS;

use super::verify::{Limits, Signature, Signers, TrustedKey, verify_contents};
use crate::bag::TAG_MANIFEST;
use crate::bag::archive::Archive;
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
    let (secret_key, key) = crate::bag::keys::open_secret_key(secret_key_text, passphrase)?;
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

    // The bag's folder and the tag manifest every signature covers, read as the verifier read them.
    let mut archive = Archive::open(path, &Limits::default()).map_err(Error::BundleRejected)?;
    let tag_manifest = archive.read(TAG_MANIFEST).map_err(Error::BundleRejected)?;
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
    let root = archive.root.clone();
    drop(archive);
    crate::bag::write::add_file(
        path,
        &root,
        &crate::bag::signature::path_of(&key.key_id),
        signature.as_bytes(),
    )?;
    summary.signatures.push(Signature {
        key_id: key.key_id,
        name: signer_name.to_string(),
        trusted: true,
        leader: false,
    });
    Ok(summary)
}
