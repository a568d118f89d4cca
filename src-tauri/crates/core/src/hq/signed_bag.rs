//! The small signed bags Sở Nội vụ writes — the campaign plan and the province results: one zip,
//! one BagIt bag like a result bundle, whose `data/hq.pub` is the HQ public key and whose
//! `signatures/<KEYID>.minisig` by that key covers the tag manifest. Whoever holds the HQ key
//! checks the signature with *that* key (the one carried must be the same key, every byte);
//! whoever does not yet compares the whole key's fingerprint by phone or on paper — the 8-byte id
//! alone proves nothing, any key file may state it. Stock `bagit.py` and `minisign -V` check
//! them as they check result bundles.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use minisign::{SecretKey, SignatureBox};

use crate::bundle::{BAGIT_TXT, KeyInfo, MANIFEST, TAG_MANIFEST, keys, manifest_of};
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
    let manifest = manifest_of(&payload);
    let bytes: u64 = payload.iter().map(|p| p.1.len() as u64).sum();
    let bag_info = format!(
        "{}Payload-Oxum: {bytes}.{}\n",
        content.bag_info,
        payload.len()
    );
    let tags: [(&str, &[u8]); 3] = [
        ("bagit.txt", BAGIT_TXT.as_bytes()),
        ("bag-info.txt", bag_info.as_bytes()),
        (MANIFEST, manifest.as_bytes()),
    ];
    let tag_manifest = manifest_of(&tags);
    let signature = minisign::sign(
        None,
        secret_key,
        std::io::Cursor::new(tag_manifest.as_bytes()),
        Some(&content.trusted_comment),
        Some(&content.untrusted_comment),
    )
    .map_err(|e| Error::internal(format!("không ký được: {e}")))?
    .into_string();
    let sig_path = format!("signatures/{}.minisig", key.key_id);
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".thamdinh-hq-")
        .suffix(".part")
        .tempfile_in(&dir)?;
    let mut zip = zip::ZipWriter::new(tmp.as_file().try_clone()?);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (path, bytes) in payload.into_iter().chain(tags).chain([
        (TAG_MANIFEST, tag_manifest.as_bytes()),
        (sig_path.as_str(), signature.as_bytes()),
    ]) {
        zip.start_file(format!("{}/{path}", content.root), options)
            .map_err(|e| Error::internal(format!("zip: {e}")))?;
        zip.write_all(bytes)?;
    }
    zip.finish()
        .map_err(|e| Error::internal(format!("zip: {e}")))?;
    tmp.as_file().sync_all()?;
    tmp.persist(out).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

/// Reads and checks a bag: names, sizes (at most `max_bytes` in all), the signature over the tag
/// manifest, every tag and payload hash. `kind` names the kind of file in errors (a plan, the
/// province's results). `expected`: the HQ key the reader already trusts; the bag must carry that
/// very key and its signature is checked with it. Without one, the carried key checks the
/// signature and the caller shows its fingerprint for comparing.
pub fn read(
    path: &Path,
    kind: FileKind,
    max_bytes: u64,
    expected: Option<&minisign::PublicKey>,
) -> Result<SignedBag> {
    let bad = |why: String| Error::from(Mistake::not_valid(kind, why));
    let entries = read_entries(path, kind, max_bytes)?;
    let get = |name: &str| {
        entries
            .get(name)
            .ok_or_else(|| bad(format!("thiếu {name}")))
    };
    if get("bagit.txt")?.as_slice() != BAGIT_TXT.as_bytes() {
        return Err(bad("bagit.txt".into()));
    }
    let hq_pub =
        String::from_utf8(get(HQ_KEY_PATH)?.clone()).map_err(|_| bad(HQ_KEY_PATH.into()))?;
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
    let tag_manifest = get(TAG_MANIFEST)?;
    let sig_text = get(&format!("signatures/{key_id}.minisig"))?;
    let sig = std::str::from_utf8(sig_text)
        .ok()
        .and_then(|t| SignatureBox::from_string(t).ok())
        .ok_or_else(|| bad("chữ ký không đọc được".into()))?;
    minisign::verify(
        &public_key,
        &sig,
        std::io::Cursor::new(tag_manifest),
        true,
        false,
        false,
    )
    .map_err(|_| bad("chữ ký không khớp nội dung tagmanifest".into()))?;
    let tags = parse_manifest(tag_manifest).map_err(bad)?;
    for tag in ["bagit.txt", "bag-info.txt", MANIFEST] {
        if tags.get(tag) != Some(&sha256_hex(get(tag)?)) {
            return Err(bad(format!("{tag} không khớp tagmanifest")));
        }
    }
    let manifest = parse_manifest(get(MANIFEST)?).map_err(bad)?;
    let payload: Vec<&String> = entries.keys().filter(|k| k.starts_with("data/")).collect();
    if payload.len() != manifest.len() {
        return Err(bad("manifest không liệt kê đúng các tệp dữ liệu".into()));
    }
    for p in payload {
        if manifest.get(p) != Some(&sha256_hex(&entries[p])) {
            return Err(bad(format!("{p}: SHA-256 không khớp manifest")));
        }
    }
    Ok(SignedBag {
        kind,
        trusted_comment: sig.trusted_comment().unwrap_or_default(),
        fingerprint: keys::fingerprint(&public_key),
        public_key: hq_pub,
        key_id,
        entries,
    })
}

/// Reads every entry of a (small) bag through the bundle reader's entry checks: the same hostile
/// cases refused with the same codes (traversal names, encrypted entries, bombs, symlinks, wrong
/// sizes, truncation).
fn read_entries(path: &Path, kind: FileKind, max_bytes: u64) -> Result<BTreeMap<String, Vec<u8>>> {
    std::fs::File::open(path).map_err(|e| Mistake::cannot_read(path, &e))?;
    let limits = crate::bundle::Limits {
        max_entries: 64,
        max_entry_bytes: max_bytes,
        max_total_bytes: max_bytes,
        max_document_bytes: max_bytes,
    };
    crate::bundle::verify::read_small_bag(path, &limits)
        .map_err(|r| Error::from(Mistake::bag_refused(kind, &r)))
}

fn parse_manifest(bytes: &[u8]) -> std::result::Result<BTreeMap<String, String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "manifest không phải UTF-8".to_string())?;
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (sha, path) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| "dòng manifest lạ".to_string())?;
        if out
            .insert(path.trim().to_string(), sha.to_lowercase())
            .is_some()
        {
            return Err(format!("{} lặp lại trong manifest", path.trim()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use minisign::{KeyPair, PublicKey};

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
