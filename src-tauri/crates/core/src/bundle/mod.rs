#![doc = include_str!("FORMAT.md")]
//!
//! Modules: [`keys`] (minisign keys), [`keyring`] (this laptop's key and trust list), [`result`] (what the payload says), [`export`] (writing a
//! bundle), [`verify`] (reading one without trusting it).
pub mod codes;
pub mod consistency;
pub mod cosign;
pub mod export;
pub mod keyring;
pub mod keys;
pub mod result;
pub mod verify;

pub use cosign::{CosignSummary, cosign_bundle};
pub use export::{
    ExportKey, ExportRequest, ExportSummary, PreparedExport, WithStore, export_bundle,
    export_scoped_bundle, export_to_file, prepare_export, prepare_scoped_export, record_bundle,
    release_reservation, sign_tag_manifest, signer_name, write_bundle,
};
pub use keys::{KeyInfo, key_id, new_key, open_secret_key, parse_public_key, write_new_key};
pub use verify::{
    Limits, Signature, Signers, TrustedKey, VerifiedBundle, verify_bundle, verify_contents,
};

/// The bundle format this build writes and the newest it reads.
pub const BUNDLE_FORMAT: u32 = 1;
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
pub const TAG_FILES: [&str; 3] = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"];
pub const MANIFEST: &str = "manifest-sha256.txt";
pub const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";
pub const SIGNATURES_DIR: &str = "signatures/";

pub use crate::rejection::Rejection;
pub(crate) use crate::rejection::reject;

/// The signed trusted comment: `bundle-id:<id>\trevision:<n>\tsigner:<name>`.
pub fn trusted_comment(bundle_id: &str, revision: u32, signer: &str) -> String {
    format!(
        "bundle-id:{bundle_id}\trevision:{revision}\tsigner:{}",
        keys::one_line(signer).replace('\t', " ")
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

/// The manifest of files held in memory (path, bytes): each hashed, then [`manifest_text`].
pub fn manifest_of(files: &[(&str, &[u8])]) -> String {
    manifest_text(
        &files
            .iter()
            .map(|(p, b)| (p.to_string(), crate::digest::sha256_hex(b)))
            .collect::<Vec<_>>(),
    )
}

/// One line per file, `<sha256>  <path>`, sorted by path; `%`, CR and LF percent-encoded as
/// RFC 8493 asks.
pub fn manifest_text(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(path, sha)| {
            let p = path
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            format!("{sha}  {p}\n")
        })
        .collect()
}
