//! The small signed bags Sở Nội vụ writes — the campaign plan and the province results: one zip,
//! one BagIt bag like a result bundle, read whole through the same entry and tag checks with the
//! same refusal codes, whose `data/hq.pub` is the HQ public key and whose
//! `signatures/<KEYID>.minisig` by that key covers the tag manifest. Whoever holds the HQ key
//! checks the signature with *that* key (the one carried must be the same key, every byte);
//! whoever does not yet compares the whole key's fingerprint by phone or on paper — the 8-byte id
//! alone proves nothing, any key file may state it. Stock `bagit.py` and `minisign -V` check
//! them as they check result bundles.
use std::collections::BTreeMap;
use std::path::Path;

use minisign::SecretKey;

use super::archive::Archive;
use super::keys::{self, KeyInfo};
use super::{Limits, MANIFEST, Reject, Rejection, TAG_MANIFEST, reject, signature, tags};
use crate::digest::sha256_hex;
use crate::mistake::{FileKind, Mistake};
use crate::{Error, Result};

/// The HQ public key inside the bag.
pub const HQ_KEY_PATH: &str = "data/hq.pub";

/// A bag read and checked: its files by path inside the bag, the signing key and the signed
/// trusted comment.
pub struct SignedBag {
    pub kind: FileKind,
    pub entries: BTreeMap<String, Vec<u8>>,
    pub key_id: String,
    pub public_key: String,
    /// The SHA-256 of the whole key, grouped for reading aloud.
    pub fingerprint: String,
    pub trusted_comment: String,
}

impl SignedBag {
    pub fn get(&self, name: &str) -> Result<&[u8]> {
        self.entries
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| Mistake::not_valid(self.kind, format!("thiếu {name}")).into())
    }
}

/// What is written: the payload (`data/…`, the HQ key added), `bag-info.txt`'s text, the root
/// folder name and the signature's comments.
pub struct BagContent<'a> {
    pub root: String,
    pub payload: Vec<(&'a str, &'a [u8])>,
    pub bag_info: String,
    pub trusted_comment: String,
    pub untrusted_comment: String,
}

/// Writes a bag signed with `secret_key` at `out` (temp file beside it, fsync, rename).
pub fn write(
    out: &Path,
    content: BagContent<'_>,
    secret_key: &SecretKey,
    key: &KeyInfo,
) -> Result<()> {
    let mut payload = content.payload;
    payload.push((HQ_KEY_PATH, key.pub_file.as_bytes()));
    super::write::write_in_memory(out, &content.root, &payload, &content.bag_info, |tm| {
        let sig = signature::sign(
            secret_key,
            tm,
            &content.trusted_comment,
            &content.untrusted_comment,
        )?;
        Ok((signature::path_of(&key.key_id), sig))
    })
}

/// Reads and checks a bag: the entries (names, kinds, sizes: at most `max_bytes` in all), the
/// signature over the tag manifest, every tag and payload hash, each refused with the bag
/// layer's code. `kind` names the kind of file in errors (a plan, the province's results).
/// `expected`: the HQ key the reader already trusts; the bag must carry that very key and its
/// signature is checked with it. Without one, the carried key checks the signature and the
/// caller shows its fingerprint for comparing.
pub fn read(
    path: &Path,
    kind: FileKind,
    max_bytes: u64,
    expected: Option<&minisign::PublicKey>,
) -> Result<SignedBag> {
    std::fs::File::open(path).map_err(|e| Mistake::cannot_read(path, &e))?;
    let refused = |r: Rejection| Error::from(Mistake::bag_refused(kind, &r));
    let mut archive = Archive::open(path, &Limits::small(max_bytes)).map_err(refused)?;
    tags::check_bagit(&mut |p| archive.read(p)).map_err(refused)?;
    tags::check_known_files(&archive.entries).map_err(refused)?;
    let entries = archive.read_all().map_err(refused)?;
    let carried_key = entries
        .get(HQ_KEY_PATH)
        .ok_or_else(|| refused(reject("missing-file", HQ_KEY_PATH, "thiếu khóa công khai")))?;
    let hq_pub = String::from_utf8_lossy(carried_key).into_owned();
    let (carried, key_id) = keys::parse_public_key(&hq_pub)?;
    let public_key = match expected {
        Some(trusted) if !keys::same_key(trusted, &carried) => {
            return Err(Mistake::SignedByAnotherKey {
                kind,
                found: format!("{key_id} ({})", keys::fingerprint(&carried)),
                expected: format!(
                    "{} ({})",
                    keys::key_id(trusted.keynum()),
                    keys::fingerprint(trusted)
                ),
            }
            .into());
        }
        Some(trusted) => trusted.clone(),
        None => carried,
    };
    let trusted_comment =
        check_contents(&archive, &entries, &key_id, &public_key).map_err(refused)?;
    Ok(SignedBag {
        kind,
        trusted_comment,
        fingerprint: keys::fingerprint(&public_key),
        public_key: hq_pub,
        key_id,
        entries,
    })
}

/// The one signature (by `key_id`, checked with `public_key`) over the tag manifest, the tag
/// manifest over the tag files, the manifest and `Payload-Oxum` over the payload, every hash.
/// Returns the signature's trusted comment.
fn check_contents(
    archive: &Archive,
    entries: &BTreeMap<String, Vec<u8>>,
    key_id: &str,
    public_key: &minisign::PublicKey,
) -> Reject<String> {
    let mut read = |p: &str| {
        entries
            .get(p)
            .cloned()
            .ok_or_else(|| reject("missing-file", p, "thiếu tệp bắt buộc"))
    };
    let own = signature::path_of(key_id);
    for path in signature::paths(&archive.entries)? {
        if *path != own {
            return Err(reject(
                "unexpected-file",
                path,
                "chữ ký của một khóa khác khóa túi mang theo",
            ));
        }
    }
    let tag_manifest = read(TAG_MANIFEST)?;
    let (_, sig) = signature::read(&own, &read(&own)?)?;
    if !signature::checks(public_key, &sig, &tag_manifest) {
        return Err(signature::does_not_match(&own));
    }
    tags::check_tag_manifest(&tag_manifest, &mut read)?;
    let manifest = tags::parse_manifest(&read(MANIFEST)?, MANIFEST)?;
    let info = tags::parse_bag_info(&read("bag-info.txt")?)?;
    let oxum = tags::required_field(&info, "Payload-Oxum")?;
    for e in tags::check_payload_listing(&archive.entries, &manifest, &oxum)? {
        if manifest.get(&e.path) != Some(&sha256_hex(&entries[&e.path])) {
            return Err(reject(
                "hash-mismatch",
                &e.path,
                "SHA-256 không khớp manifest",
            ));
        }
    }
    Ok(sig.trusted_comment().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use minisign::{KeyPair, PublicKey};
    use std::path::PathBuf;

    fn info_of(pk: &PublicKey) -> KeyInfo {
        KeyInfo {
            key_id: keys::key_id(pk.keynum()),
            public_key: pk.to_base64(),
            pub_file: pk.to_box().unwrap().into_string(),
            fingerprint: keys::fingerprint(pk),
        }
    }

    fn bag(dir: &Path, name: &str, sk: &SecretKey, key: &KeyInfo) -> PathBuf {
        let out = dir.join(name);
        write(
            &out,
            BagContent {
                root: "results".into(),
                payload: vec![("data/results.json", b"{\"rank\":1}")],
                bag_info: "Bagging-Date: 2026-12-03\n".into(),
                trusted_comment: "results".into(),
                untrusted_comment: "test".into(),
            },
            sk,
            key,
        )
        .unwrap();
        out
    }

    #[test]
    fn a_key_stating_the_trusted_keys_id_is_not_the_trusted_key() {
        let dir = tempfile::tempdir().unwrap();
        let hq = KeyPair::generate_unencrypted_keypair().unwrap();
        let genuine = bag(dir.path(), "genuine.zip", &hq.sk, &info_of(&hq.pk));
        // A forger's own key, made to state the HQ key's 8-byte id (secret and public halves).
        let forger = KeyPair::generate_unencrypted_keypair().unwrap();
        let mut sk_bytes = forger.sk.to_bytes();
        sk_bytes[54..62].copy_from_slice(hq.pk.keynum());
        let forged_sk = SecretKey::from_bytes(&sk_bytes).unwrap();
        let mut pk_bytes = forger.pk.to_bytes();
        pk_bytes[2..10].copy_from_slice(hq.pk.keynum());
        let forged_pk = PublicKey::from_bytes(&pk_bytes).unwrap();
        let forged = bag(dir.path(), "forged.zip", &forged_sk, &info_of(&forged_pk));

        // Checked only with the key it carries, the forgery holds and shows the HQ id...
        let alone = read(&forged, FileKind::ProvinceResults, 1 << 20, None).unwrap();
        assert_eq!(alone.key_id, keys::key_id(hq.pk.keynum()));
        // ...but not the HQ key's fingerprint, which is what people compare.
        assert_ne!(alone.fingerprint, keys::fingerprint(&hq.pk));
        // Checked with the trusted key, it is refused; the genuine bag passes.
        let Err(err) = read(&forged, FileKind::ProvinceResults, 1 << 20, Some(&hq.pk)) else {
            panic!("a forged key passed as the trusted one");
        };
        assert!(
            matches!(
                err,
                Error::Mistake(Mistake::SignedByAnotherKey {
                    kind: FileKind::ProvinceResults,
                    ..
                })
            ),
            "{err}"
        );
        let ok = read(&genuine, FileKind::ProvinceResults, 1 << 20, Some(&hq.pk)).unwrap();
        assert_eq!(ok.fingerprint, keys::fingerprint(&hq.pk));
    }
}
