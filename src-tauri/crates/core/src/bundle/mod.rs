#![doc = include_str!("FORMAT.md")]
//!
//! The bag itself (zip, BagIt, manifests, signatures, keys) is [`crate::bag`]'s. Modules: [`keyring`] (this laptop's key and trust list), [`result`] (what the payload says), [`export`] (writing a
//! bundle), [`verify`] (reading one without trusting it).
pub mod codes;
pub mod consistency;
pub mod cosign;
pub mod export;
pub mod keyring;
pub mod result;
pub mod verify;

pub use cosign::{CosignSummary, cosign_bundle};
pub use export::{
    ExportKey, ExportRequest, ExportSummary, PreparedExport, WithStore, export_bundle,
    export_scoped_bundle, export_to_file, prepare_export, prepare_scoped_export, record_bundle,
    release_reservation, sign_tag_manifest, signer_name, write_bundle,
};
// The bag layer's keys, limits, names and manifests, by the paths bundles have always used.
pub use crate::bag::keys::{
    self, KeyInfo, key_id, new_key, open_secret_key, parse_public_key, write_new_key,
};
pub use crate::bag::tags::{manifest_of, manifest_text};
pub use crate::bag::{BAGIT_TXT, Limits, MANIFEST, SIGNATURES_DIR, TAG_FILES, TAG_MANIFEST};
pub use verify::{Signature, Signers, TrustedKey, VerifiedBundle, verify_bundle, verify_contents};

/// The bundle format this build writes and the newest it reads.
pub const BUNDLE_FORMAT: u32 = 1;

pub use crate::rejection::Rejection;
pub(crate) use crate::rejection::reject;

/// The signed trusted comment: `bundle-id:<id>\trevision:<n>\tsigner:<name>`.
pub fn trusted_comment(bundle_id: &str, revision: u32, signer: &str) -> String {
    format!(
        "bundle-id:{bundle_id}\trevision:{revision}\tsigner:{}",
        crate::text::one_line(signer).replace('\t', " ")
    )
}

/// The fields of a trusted comment, if it is one of ours.
pub fn parse_trusted_comment(text: &str) -> Option<(String, u32, String)> {
    let mut parts = text.splitn(3, '\t');
    let id = parts.next()?.strip_prefix("bundle-id:")?.to_string();
    let revision = parts.next()?.strip_prefix("revision:")?.parse().ok()?;
    let signer = parts.next()?.strip_prefix("signer:")?.to_string();
    Some((id, revision, signer))
}
