//! minisign signatures over a bag's tag manifest, filed as `signatures/<KEYID>.minisig`: each one
//! checks alone with stock `minisign -V`. A key id only says which key to try; a signature is
//! checked with every byte of a key the reader holds (a key file may state any id).
use std::collections::BTreeMap;

use minisign::{PublicKey, SecretKey, SignatureBox};

use super::archive::Entry;
use super::{Reject, SIGNATURES_DIR, reject};
use crate::{Error, Result};

/// The minisign signature (`.minisig` text) of a tag manifest, with its two comments.
pub fn sign(
    secret_key: &SecretKey,
    tag_manifest: &[u8],
    trusted_comment: &str,
    untrusted_comment: &str,
) -> Result<String> {
    Ok(minisign::sign(
        None,
        secret_key,
        std::io::Cursor::new(tag_manifest),
        Some(trusted_comment),
        Some(untrusted_comment),
    )
    .map_err(|e| Error::internal(format!("không ký được: {e}")))?
    .into_string())
}

/// Where the signature of key `key_id` is filed inside the bag.
pub fn path_of(key_id: &str) -> String {
    format!("{SIGNATURES_DIR}{key_id}.minisig")
}

/// The signature files of a bag, by path; `missing-signature` when there is none.
pub fn paths(entries: &BTreeMap<String, Entry>) -> Reject<Vec<&String>> {
    let found: Vec<&String> = entries
        .keys()
        .filter(|p| p.starts_with(SIGNATURES_DIR))
        .collect();
    if found.is_empty() {
        return Err(reject(
            "missing-signature",
            SIGNATURES_DIR,
            "gói không có chữ ký",
        ));
    }
    Ok(found)
}

/// A signature file read: the key id its name states (which must be the id inside it) and the
/// signature (`bad-signature` otherwise).
pub fn read(sig_path: &str, text: &[u8]) -> Reject<(String, SignatureBox)> {
    let key_id = sig_path[SIGNATURES_DIR.len()..]
        .trim_end_matches(".minisig")
        .to_uppercase();
    let sig = std::str::from_utf8(text)
        .ok()
        .and_then(|t| SignatureBox::from_string(t).ok())
        .ok_or_else(|| reject("bad-signature", sig_path, "không đọc được chữ ký minisign"))?;
    let made_by = super::keys::key_id(sig.keynum());
    if made_by != key_id {
        return Err(reject(
            "bad-signature",
            sig_path,
            format!("tệp mang tên khóa {key_id} nhưng chứa chữ ký của khóa {made_by}"),
        ));
    }
    Ok((key_id, sig))
}

/// Whether `sig` by `key` covers exactly `tag_manifest`.
pub fn checks(key: &PublicKey, sig: &SignatureBox, tag_manifest: &[u8]) -> bool {
    minisign::verify(
        key,
        sig,
        std::io::Cursor::new(tag_manifest),
        true,
        false,
        false,
    )
    .is_ok()
}

/// The refusal of a signature that does not cover the tag manifest.
pub fn does_not_match(sig_path: &str) -> super::Rejection {
    reject(
        "bad-signature",
        sig_path,
        "chữ ký không khớp nội dung tagmanifest",
    )
}
