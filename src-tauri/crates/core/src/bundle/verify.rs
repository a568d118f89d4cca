//! Reading a bundle without trusting it. Nothing is extracted: entries are streamed from the
//! archive into bounded buffers or hashers. Every refusal names the entry and has a stable code.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use minisign::{PublicKey, SignatureBox};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;
use unicode_normalization::UnicodeNormalization;
use zip::ZipArchive;

use crate::digest::{hex, sha256_hex};
use crate::error::json_text;

use super::result::{
    AUDIT_PATH, AuditLine, CRITERIA_PATH, JsonProblem, RESULT_FORMAT, RESULT_PATH, ResultDoc,
    parse_canonical,
};
use super::{
    BAGIT_TXT, BUNDLE_FORMAT, MANIFEST, Rejection, SIGNATURES_DIR, TAG_FILES, TAG_MANIFEST,
    parse_trusted_comment, reject,
};

/// Bounds on what a bundle may hold; sizes are counted as actually inflated.
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

/// A public key the verifier trusts, with its minisign key id.
#[derive(Clone)]
pub struct TrustedKey {
    pub key_id: String,
    pub key: PublicKey,
}

impl TrustedKey {
    /// From a `.pub` file's text.
    pub fn parse(text: &str) -> crate::Result<Self> {
        let (key, key_id) = super::keys::parse_public_key(text)?;
        Ok(TrustedKey { key_id, key })
    }
}

/// What a verified bundle is.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct VerifiedBundle {
    pub bundle_id: String,
    pub revision: u32,
    pub supersedes: Option<String>,
    pub signer_key_id: String,
    pub signer_name: String,
    pub source_organization: String,
    pub bagging_date: String,
    pub campaign_name: String,
    pub visits: u32,
    #[ts(type = "number")]
    pub payload_files: u64,
    #[ts(type = "number")]
    pub payload_bytes: u64,
    /// Every signature in the bag, the leader's (the exporter named by result.json) first.
    pub signatures: Vec<Signature>,
    #[ts(skip)]
    #[serde(skip)]
    pub result: Option<ResultDoc>,
    /// False only from [`verify_contents`]: everything checked but the signature, whose key is not
    /// on the trust list (Sở Nội vụ quarantines such bundles until the key is trusted).
    #[ts(skip)]
    #[serde(skip)]
    pub trusted: bool,
}

/// One signature of a bundle. `trusted`: the key is on the trust list and its signature was
/// checked; a signature of any other key is listed but cannot be checked without its public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct Signature {
    pub key_id: String,
    /// The name in the signature's trusted comment (signed when `trusted`).
    pub name: String,
    pub trusted: bool,
    /// The exporter's signature (result.json's signer); the others are co-signatures.
    pub leader: bool,
}

/// Whether a bundle signed by a key not on the trust list is refused, or checked in full
/// except for its signature (for quarantine at Sở Nội vụ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signers {
    TrustedOnly,
    AllowUntrusted,
}

type Reject<T> = std::result::Result<T, Rejection>;

/// One file entry of the archive, after the name checks.
struct Entry {
    index: usize,
    /// Path inside the bag (top folder removed).
    path: String,
    size: u64,
}

/// Verifies a bundle: see the module documentation for the checks, in order. `progress(done,
/// total)` follows the payload hashing; `cancel` stops it (an error, code `cancelled`).
pub fn verify_bundle(
    path: &Path,
    trusted: &[TrustedKey],
    limits: &Limits,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Reject<VerifiedBundle> {
    verify_contents(
        path,
        trusted,
        Signers::TrustedOnly,
        limits,
        progress,
        cancel,
    )
}

/// [`verify_bundle`], or with [`Signers::AllowUntrusted`] every check but the signature of a key
/// not in `trusted` (the result says `trusted: false`). The steps follow FORMAT.md's order.
pub fn verify_contents(
    path: &Path,
    trusted: &[TrustedKey],
    signers: Signers,
    limits: &Limits,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Reject<VerifiedBundle> {
    // 1. Names and kinds of the entries, from the central directory.
    let mut archive = open(path)?;
    let entries = list_entries(&mut archive, limits)?;
    let inflated = AtomicU64::new(0);
    let mut read = |path: &str| -> Reject<Vec<u8>> {
        let e = entries
            .get(path)
            .ok_or_else(|| reject("missing-file", path, "thiếu tệp bắt buộc"))?;
        read_bounded(
            &mut archive,
            e,
            limits.max_document_bytes,
            limits,
            &inflated,
        )
    };
    // 2. The bag's declaration and its info; only known files beside data/.
    let bag = read_bag_info(&mut read)?;
    check_known_files(&entries)?;
    // 3. The signatures over the tag manifest; at least one by a trusted key.
    let tag_manifest = read(TAG_MANIFEST)?;
    let mut signatures = read_signatures(&entries, &mut read, &tag_manifest, trusted, &bag)?;
    // The leader's key is named by result.json (read after the payload); until then, a bundle
    // no trusted key signed goes no further unless quarantine asked for every other check.
    if signers == Signers::TrustedOnly && !signatures.iter().any(|s| s.trusted) {
        let untrusted: Vec<&str> = signatures.iter().map(|s| s.key_id.as_str()).collect();
        return Err(untrusted_signer(trusted, &untrusted.join(", ")));
    }
    // 4. The tag manifest covers exactly the tag files.
    check_tag_manifest(&tag_manifest, &mut read)?;
    // 5. The payload manifest covers exactly data/, and every hash matches.
    let manifest = parse_manifest(&read(MANIFEST)?, MANIFEST)?;
    let payload = check_payload_listing(&entries, &manifest, &bag)?;
    let payload_bytes: u64 = payload.iter().map(|e| e.size).sum();
    hash_payload(
        path, &payload, &manifest, limits, &inflated, progress, cancel,
    )?;
    // 6. The documents, and the leader: the signer result.json names, trusted.
    let result = read_documents(&mut read, &bag, &signatures, &manifest)?;
    let leader = signatures
        .iter()
        .find(|s| s.key_id == result.signer.key_id)
        .ok_or_else(mismatched_result)?;
    if !leader.trusted && signers == Signers::TrustedOnly {
        return Err(untrusted_signer(trusted, &leader.key_id));
    }
    let (signer_key_id, is_trusted) = (leader.key_id.clone(), leader.trusted);
    // The leader's name as the trusted comment signed it; from result.json if unchecked.
    let signer_name = if is_trusted {
        leader.name.clone()
    } else {
        result.signer.name.clone()
    };
    for s in &mut signatures {
        s.leader = s.key_id == signer_key_id;
    }
    signatures.sort_by_key(|s| (!s.leader, s.key_id.clone()));

    Ok(VerifiedBundle {
        bundle_id: bag.bundle_id.clone(),
        revision: bag.revision,
        supersedes: result.supersedes.clone(),
        signer_key_id,
        signer_name,
        source_organization: bag.get("Source-Organization"),
        bagging_date: bag.get("Bagging-Date"),
        campaign_name: result.campaign.name.clone(),
        visits: result.visits.len() as u32,
        payload_files: payload.len() as u64,
        payload_bytes,
        signatures,
        result: Some(result),
        trusted: is_trusted,
    })
}

/// What bag-info.txt declares, checked: the format this build reads, the bundle and revision.
struct BagInfo {
    fields: HashMap<String, String>,
    bundle_id: String,
    revision: u32,
    /// The revision this one replaces (`Bundle-Supersedes`), from revision 2 on.
    supersedes: Option<String>,
}

impl BagInfo {
    fn field(&self, name: &str) -> Reject<String> {
        self.fields.get(name).cloned().ok_or_else(|| {
            reject(
                "bad-bag-info",
                "bag-info.txt",
                format!("thiếu trường {name}"),
            )
        })
    }

    fn get(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Step 2: bagit.txt declares BagIt 1.0 in UTF-8; bag-info.txt a format this build reads, the
/// bundle id and its revision.
fn read_bag_info(read: &mut impl FnMut(&str) -> Reject<Vec<u8>>) -> Reject<BagInfo> {
    let bagit = read("bagit.txt").map_err(|r| relabel(r, "missing-file", "not-a-bag"))?;
    if normalise_newlines(&bagit) != BAGIT_TXT.as_bytes() {
        return Err(reject(
            "not-a-bag",
            "bagit.txt",
            "không phải BagIt 1.0 UTF-8 (cần BagIt-Version: 1.0, Tag-File-Character-Encoding: UTF-8)",
        ));
    }
    let mut bag = BagInfo {
        fields: parse_bag_info(&read("bag-info.txt")?)?,
        bundle_id: String::new(),
        revision: 0,
        supersedes: None,
    };
    let format: u32 = bag.field("Bundle-Format")?.parse().map_err(|_| {
        reject(
            "bad-bag-info",
            "bag-info.txt",
            "Bundle-Format không phải số",
        )
    })?;
    if format > BUNDLE_FORMAT {
        return Err(reject(
            "newer-format",
            "bag-info.txt",
            format!(
                "gói định dạng {format}, bản này chỉ đọc được đến {BUNDLE_FORMAT}: hãy cập nhật ứng dụng"
            ),
        ));
    }
    if format == 0 {
        return Err(reject(
            "bad-bag-info",
            "bag-info.txt",
            "Bundle-Format 0 không tồn tại",
        ));
    }
    bag.bundle_id = bag.field("Bundle-Id")?;
    let revision = bag.field("Bundle-Revision")?;
    if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_digit()) {
        return Err(reject(
            "bad-bag-info",
            "bag-info.txt",
            "Bundle-Revision không phải số",
        ));
    }
    let bad_revision = |why: String| reject("bad-revision", "bag-info.txt", why);
    bag.revision = match revision.parse::<u32>() {
        Ok(n) if n >= 1 && !revision.starts_with('0') => n,
        _ => {
            return Err(bad_revision(format!(
                "Bundle-Revision «{revision}»: bản sửa là số nguyên từ 1, không có số 0 đứng đầu"
            )));
        }
    };
    bag.supersedes = bag.fields.get("Bundle-Supersedes").cloned();
    match (bag.revision, &bag.supersedes) {
        (1, Some(_)) => {
            return Err(bad_revision(
                "bản 1 không thay thế bản nào nhưng có Bundle-Supersedes".into(),
            ));
        }
        (n, None) if n > 1 => {
            return Err(bad_revision(format!(
                "bản {n} phải nêu bản trước nó (Bundle-Supersedes)"
            )));
        }
        (_, Some(parent)) if *parent == bag.bundle_id => {
            return Err(bad_revision("Bundle-Supersedes nêu chính gói này".into()));
        }
        _ => {}
    }
    Ok(bag)
}

/// Only the known tag files and signatures beside data/: anything else is not covered by the
/// signature.
fn check_known_files(entries: &BTreeMap<String, Entry>) -> Reject<()> {
    for path in entries.keys() {
        let known = path.starts_with("data/")
            || TAG_FILES.contains(&path.as_str())
            || path == TAG_MANIFEST
            || (path.starts_with(SIGNATURES_DIR)
                && path.ends_with(".minisig")
                && !path[SIGNATURES_DIR.len()..].contains('/'));
        if !known {
            return Err(reject(
                "unexpected-file",
                path,
                "tệp không thuộc định dạng gói, không được chữ ký bảo vệ",
            ));
        }
    }
    Ok(())
}

/// Step 3: every signature file, each checked by [`check_signature`].
fn read_signatures(
    entries: &BTreeMap<String, Entry>,
    read: &mut impl FnMut(&str) -> Reject<Vec<u8>>,
    tag_manifest: &[u8],
    trusted: &[TrustedKey],
    bag: &BagInfo,
) -> Reject<Vec<Signature>> {
    let signature_paths: Vec<&String> = entries
        .keys()
        .filter(|p| p.starts_with(SIGNATURES_DIR))
        .collect();
    if signature_paths.is_empty() {
        return Err(reject(
            "missing-signature",
            SIGNATURES_DIR,
            "gói không có chữ ký",
        ));
    }
    signature_paths
        .into_iter()
        .map(|sig_path| {
            let text = read(sig_path)?;
            check_signature(
                sig_path,
                &text,
                tag_manifest,
                trusted,
                &bag.bundle_id,
                bag.revision,
            )
        })
        .collect()
}

/// Step 4: the tag manifest lists exactly the tag files, each with its hash.
fn check_tag_manifest(
    tag_manifest: &[u8],
    read: &mut impl FnMut(&str) -> Reject<Vec<u8>>,
) -> Reject<()> {
    let tag_list = parse_manifest(tag_manifest, TAG_MANIFEST)?;
    for tag in TAG_FILES {
        if !tag_list.contains_key(tag) {
            return Err(reject(
                "unlisted-tag-file",
                tag,
                "tệp thẻ không có trong tagmanifest: chữ ký không bảo vệ nó",
            ));
        }
    }
    for (path, sha) in &tag_list {
        if !TAG_FILES.contains(&path.as_str()) {
            return Err(reject(
                "bad-manifest",
                TAG_MANIFEST,
                format!("liệt kê tệp lạ {path}"),
            ));
        }
        if sha256_hex(&read(path)?) != *sha {
            return Err(reject(
                "hash-mismatch",
                path,
                "SHA-256 không khớp tagmanifest",
            ));
        }
    }
    Ok(())
}

/// Step 5 before hashing: the manifest and data/ list the same files, and Payload-Oxum says
/// their sizes and count. Returns the payload entries.
fn check_payload_listing<'a>(
    entries: &'a BTreeMap<String, Entry>,
    manifest: &BTreeMap<String, String>,
    bag: &BagInfo,
) -> Reject<Vec<&'a Entry>> {
    for path in manifest.keys() {
        if !path.starts_with("data/") {
            return Err(reject(
                "bad-manifest",
                MANIFEST,
                format!("{path} không nằm trong data/"),
            ));
        }
        if !entries.contains_key(path) {
            return Err(reject(
                "missing-payload",
                path,
                "có trong manifest nhưng thiếu trong gói",
            ));
        }
    }
    let payload: Vec<&Entry> = entries
        .values()
        .filter(|e| e.path.starts_with("data/"))
        .collect();
    if let Some(e) = payload.iter().find(|e| !manifest.contains_key(&e.path)) {
        return Err(reject(
            "unlisted-payload",
            &e.path,
            "tệp không có trong manifest",
        ));
    }
    let payload_bytes: u64 = payload.iter().map(|e| e.size).sum();
    let oxum = format!("{payload_bytes}.{}", payload.len());
    let declared = bag.field("Payload-Oxum")?;
    if declared != oxum {
        return Err(reject(
            "oxum-mismatch",
            "bag-info.txt",
            format!("Payload-Oxum {declared} nhưng gói chứa {oxum}"),
        ));
    }
    Ok(payload)
}

fn mismatched_result() -> Rejection {
    reject(
        "bad-result",
        RESULT_PATH,
        "bundle_id, revision hoặc signer không khớp bag-info và chữ ký",
    )
}

/// Step 6: result.json in canonical form and this format, naming this bundle, its revision and a
/// signer among the signatures; the criteria set it names; the audit log; every file it
/// references; and a result that follows from its own content.
fn read_documents(
    read: &mut impl FnMut(&str) -> Reject<Vec<u8>>,
    bag: &BagInfo,
    signatures: &[Signature],
    manifest: &BTreeMap<String, String>,
) -> Reject<ResultDoc> {
    let result_bytes = read(RESULT_PATH)?;
    let result_value = canonical(&result_bytes, RESULT_PATH)?;
    let result: ResultDoc = serde_json::from_value(result_value)
        .map_err(|e| reject("bad-result", RESULT_PATH, crate::error::json_text(&e)))?;
    if result.format != RESULT_FORMAT {
        return Err(reject(
            "bad-result",
            RESULT_PATH,
            format!("format {} lạ", result.format),
        ));
    }
    let signed_by_leader = signatures.iter().any(|s| s.key_id == result.signer.key_id);
    if result.bundle_id != bag.bundle_id
        || result.revision != bag.revision
        || result.supersedes != bag.supersedes
        || !signed_by_leader
    {
        return Err(mismatched_result());
    }
    let criteria_bytes = read(CRITERIA_PATH)?;
    canonical(&criteria_bytes, CRITERIA_PATH)?;
    let criteria_sha = sha256_hex(&criteria_bytes);
    if criteria_sha != result.criteria_set.id || criteria_sha != result.criteria_set.sha256 {
        return Err(reject(
            "hash-mismatch",
            CRITERIA_PATH,
            "không phải bộ tiêu chí mà result.json nêu",
        ));
    }
    let set = crate::criteria::CriteriaSet::from_json(&criteria_bytes)
        .map_err(|e| reject("bad-criteria", CRITERIA_PATH, e.to_string()))?;
    let audit = check_audit(&read(AUDIT_PATH)?, &result)?;
    check_references(&result, manifest)?;
    super::consistency::check(&set, &result, &audit)?;
    Ok(result)
}

/// One signature file: a trusted key's must verify over the tag manifest and name this bundle
/// and revision (else the bundle is refused); another key's is listed, unchecked.
fn check_signature(
    sig_path: &str,
    text: &[u8],
    tag_manifest: &[u8],
    trusted: &[TrustedKey],
    bundle_id: &str,
    revision: u32,
) -> Reject<Signature> {
    let key_id = sig_path[SIGNATURES_DIR.len()..]
        .trim_end_matches(".minisig")
        .to_uppercase();
    let bad = |why: String| reject("bad-signature", sig_path, why);
    let sig = std::str::from_utf8(text)
        .ok()
        .and_then(|t| SignatureBox::from_string(t).ok())
        .ok_or_else(|| bad("không đọc được chữ ký minisign".into()))?;
    let made_by = super::keys::key_id(sig.keynum());
    if made_by != key_id {
        return Err(bad(format!(
            "tệp mang tên khóa {key_id} nhưng chứa chữ ký của khóa {made_by}"
        )));
    }
    let comment = sig.trusted_comment().unwrap_or_default();
    let parsed = parse_trusted_comment(&comment);
    // The id only says which trusted keys to try; the signature must check with one of them,
    // every byte of the key (a key file may state any id).
    let mut candidates = trusted.iter().filter(|k| k.key_id == key_id).peekable();
    if candidates.peek().is_none() {
        return Ok(Signature {
            key_id,
            name: parsed.map(|p| p.2).unwrap_or_default(),
            trusted: false,
            leader: false,
        });
    }
    let checks = |key: &TrustedKey| {
        minisign::verify(
            &key.key,
            &sig,
            std::io::Cursor::new(tag_manifest),
            true,
            false,
            false,
        )
        .is_ok()
    };
    if !candidates.any(checks) {
        return Err(bad("chữ ký không khớp nội dung tagmanifest".into()));
    }
    let (c_id, c_rev, c_signer) =
        parsed.ok_or_else(|| bad(format!("chú thích tin cậy lạ: {comment}")))?;
    if c_id != bundle_id || c_rev != revision {
        return Err(bad(format!(
            "chữ ký dành cho gói {c_id} bản {c_rev}, không phải gói này"
        )));
    }
    Ok(Signature {
        key_id,
        name: c_signer,
        trusted: true,
        leader: false,
    })
}

fn untrusted_signer(trusted: &[TrustedKey], key_ids: &str) -> Rejection {
    reject(
        "untrusted-signer",
        format!("signatures/{key_ids}.minisig"),
        if trusted.is_empty() {
            "chưa có khóa công khai tin cậy nào (thêm bằng --trust KHÓA.pub)".to_string()
        } else {
            format!("người ký {key_ids} không nằm trong danh sách tin cậy")
        },
    )
}

fn relabel(r: Rejection, from: &str, to: &str) -> Rejection {
    if r.code == from {
        Rejection {
            code: to.into(),
            ..r
        }
    } else {
        r
    }
}

fn open(path: &Path) -> Reject<ZipArchive<BufReader<File>>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| reject("io", &name, crate::error::io_text(&e)))?;
    // The zip library's own words (English) stay out of the message: the code says which case.
    ZipArchive::new(BufReader::new(file)).map_err(|e| {
        if e.to_string().to_lowercase().contains("duplicate") {
            reject("duplicate-name", &name, "tên mục trùng nhau")
        } else {
            reject("damaged-archive", &name, "tệp zip hỏng hoặc bị cắt cụt")
        }
    })
}

/// A small signed bag (a plan, the province's results) read whole into memory through the same
/// entry checks as a bundle — names, kinds (no encryption, no symlink, stored or deflated only),
/// declared and real sizes, one top folder — with the same refusal codes. Keys are paths inside
/// the bag (its top folder removed).
pub(crate) fn read_small_bag(path: &Path, limits: &Limits) -> Reject<BTreeMap<String, Vec<u8>>> {
    let mut archive = open(path)?;
    let entries = list_entries(&mut archive, limits)?;
    let inflated = AtomicU64::new(0);
    let mut out = BTreeMap::new();
    for (name, entry) in &entries {
        let bytes = read_bounded(
            &mut archive,
            entry,
            limits.max_document_bytes,
            limits,
            &inflated,
        )?;
        out.insert(name.clone(), bytes);
    }
    Ok(out)
}

/// The name and kind checks of step 1, on the central directory alone.
fn list_entries(
    archive: &mut ZipArchive<BufReader<File>>,
    limits: &Limits,
) -> Reject<BTreeMap<String, Entry>> {
    check_entry_count(archive, limits)?;
    let mut names = Names::default();
    let mut out = BTreeMap::new();
    let mut declared_total = 0u64;
    for index in 0..archive.len() {
        let f = archive
            .by_index_raw(index)
            .map_err(|_| reject("damaged-archive", format!("#{index}"), "mục không đọc được"))?;
        let name = std::str::from_utf8(f.name_raw())
            .map_err(|_| reject("bad-name", format!("#{index}"), "tên mục không phải UTF-8"))?
            .to_string();
        check_name(&name)?;
        check_entry_kind(&f, &name)?;
        let rest = names.admit(&name)?;
        if f.is_dir() || name.ends_with('/') {
            continue;
        }
        if rest.is_empty() {
            return Err(reject(
                "bad-layout",
                &name,
                "tệp nằm ngoài thư mục gốc của túi",
            ));
        }
        declared_total = declared_total.saturating_add(f.size());
        check_entry_size(&f, &name, declared_total, limits)?;
        out.insert(
            rest.clone(),
            Entry {
                index,
                path: rest,
                size: f.size(),
            },
        );
    }
    if out.is_empty() {
        return Err(reject("not-a-bag", "", "gói rỗng"));
    }
    Ok(out)
}

fn check_entry_count(archive: &ZipArchive<BufReader<File>>, limits: &Limits) -> Reject<()> {
    if archive.len() > limits.max_entries {
        return Err(reject(
            "too-many-entries",
            "",
            format!("{} mục, tối đa {}", archive.len(), limits.max_entries),
        ));
    }
    // The zip crate keeps one entry per name; a second entry of the same name is only visible here.
    if archive.has_duplicate_names() {
        return Err(reject(
            "duplicate-name",
            "",
            "hai mục cùng tên: trình giải nén nào giữ mục nào?",
        ));
    }
    Ok(())
}

/// Only plain files and folders, stored or deflated: no encryption, no symlinks.
fn check_entry_kind(f: &zip::read::ZipFile<'_, BufReader<File>>, name: &str) -> Reject<()> {
    if f.encrypted() {
        return Err(reject("encrypted-entry", name, "mục được mã hóa"));
    }
    if !matches!(
        f.compression(),
        zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
    ) {
        return Err(reject(
            "bad-compression",
            name,
            format!("phương thức nén {:?} không được hỗ trợ", f.compression()),
        ));
    }
    if f.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000) || f.is_symlink() {
        return Err(reject("symlink", name, "mục là liên kết tượng trưng"));
    }
    Ok(())
}

/// The sizes an entry declares: consistent, and within the limits with those before it.
fn check_entry_size(
    f: &zip::read::ZipFile<'_, BufReader<File>>,
    name: &str,
    declared_total: u64,
    limits: &Limits,
) -> Reject<()> {
    if f.compression() == zip::CompressionMethod::Stored && f.compressed_size() != f.size() {
        return Err(reject(
            "damaged-archive",
            name,
            "mục lưu không nén có hai kích thước khác nhau",
        ));
    }
    if f.size() > limits.max_entry_bytes {
        return Err(reject(
            "entry-too-large",
            name,
            format!(
                "khai báo {} byte, tối đa {}",
                f.size(),
                limits.max_entry_bytes
            ),
        ));
    }
    if declared_total > limits.max_total_bytes {
        return Err(reject(
            "total-too-large",
            name,
            format!("tổng vượt {} byte", limits.max_total_bytes),
        ));
    }
    Ok(())
}

/// The names seen so far: each once, no two alike once Unicode and case are folded (two
/// extractors would write one file), all under one root folder.
#[derive(Default)]
struct Names {
    root: Option<String>,
    exact: BTreeSet<String>,
    folded: HashMap<String, String>,
}

impl Names {
    /// Admits a name, giving its path under the root folder.
    fn admit(&mut self, name: &str) -> Reject<String> {
        if !self.exact.insert(name.to_string()) {
            return Err(reject("duplicate-name", name, "tên mục xuất hiện hai lần"));
        }
        let key: String = name
            .nfc()
            .collect::<String>()
            .to_lowercase()
            .nfc()
            .collect();
        if let Some(other) = self.folded.insert(key, name.to_string()) {
            return Err(reject(
                "name-collision",
                name,
                format!("trùng với «{other}» khi chuẩn hóa Unicode/chữ hoa-thường"),
            ));
        }
        let (top, rest) = name.split_once('/').unwrap_or((name, ""));
        match &self.root {
            None => self.root = Some(top.to_string()),
            Some(r) if r != top => {
                return Err(reject(
                    "bad-layout",
                    name,
                    format!("ngoài thư mục gốc «{r}/»"),
                ));
            }
            _ => {}
        }
        Ok(rest.to_string())
    }
}

/// A name must be a relative path with `/` separators and ordinary components.
pub fn check_name(name: &str) -> Reject<()> {
    let bad = |code: &str, why: &str| Err(reject(code, name, why));
    if name.contains('\\') {
        return bad("backslash", "tên có dấu \\");
    }
    if name.starts_with('/') {
        return bad("absolute-path", "đường dẫn tuyệt đối");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return bad("absolute-path", "đường dẫn có ổ đĩa");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("bad-name", "tên có ký tự điều khiển");
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    for part in trimmed.split('/') {
        match part {
            ".." => return bad("path-traversal", "thành phần «..»"),
            "." | "" => {
                return bad("bad-name", "thành phần rỗng hoặc «.»");
            }
            _ if part.contains(':') => return bad("bad-name", "tên có dấu «:»"),
            _ => {}
        }
    }
    Ok(())
}

/// Reads one entry into memory, refusing more than `max` bytes whatever the header says.
fn read_bounded(
    archive: &mut ZipArchive<BufReader<File>>,
    e: &Entry,
    max: u64,
    limits: &Limits,
    inflated: &AtomicU64,
) -> Reject<Vec<u8>> {
    if e.size > max {
        return Err(reject(
            "entry-too-large",
            &e.path,
            format!("{} byte, tối đa {max} cho tệp này", e.size),
        ));
    }
    let f = archive
        .by_index(e.index)
        .map_err(|err| reject("damaged-archive", &e.path, err.to_string()))?;
    let mut buf = Vec::with_capacity(e.size as usize);
    // One byte more than declared is enough to catch a lying header (a zip bomb).
    let read = f.take(e.size + 1).read_to_end(&mut buf);
    count(inflated, buf.len() as u64, &e.path, limits)?;
    if buf.len() as u64 > e.size {
        return Err(reject("entry-too-large", &e.path, "dài hơn khai báo"));
    }
    read.map_err(|_| reject("damaged-archive", &e.path, "không đọc được mục này"))?;
    if (buf.len() as u64) < e.size {
        return Err(reject("damaged-archive", &e.path, "ngắn hơn khai báo"));
    }
    Ok(buf)
}

fn count(inflated: &AtomicU64, n: u64, path: &str, limits: &Limits) -> Reject<()> {
    if inflated.fetch_add(n, Ordering::Relaxed) + n > limits.max_total_bytes {
        return Err(reject(
            "total-too-large",
            path,
            format!("tổng vượt {} byte", limits.max_total_bytes),
        ));
    }
    Ok(())
}

/// `Label: value` lines; continuation lines start with whitespace (RFC 8493 §2.2.2).
fn parse_bag_info(bytes: &[u8]) -> Reject<HashMap<String, String>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| reject("bad-bag-info", "bag-info.txt", "không phải UTF-8"))?;
    let mut out: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(label) = &last {
                let v = out.get_mut(label).expect("label inserted");
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(reject(
                "bad-bag-info",
                "bag-info.txt",
                format!("dòng không hợp lệ: {line}"),
            ));
        };
        let label = label.trim().to_string();
        if out.contains_key(&label) && label.starts_with("Bundle-") {
            return Err(reject(
                "bad-bag-info",
                "bag-info.txt",
                format!("trường {label} xuất hiện hai lần"),
            ));
        }
        out.insert(label.clone(), value.trim().to_string());
        last = Some(label);
    }
    Ok(out)
}

/// `<sha256 hex> <path>` lines; paths percent-decode `%0A`, `%0D`, `%25`.
fn parse_manifest(bytes: &[u8], name: &str) -> Reject<BTreeMap<String, String>> {
    let bad = |why: String| reject("bad-manifest", name, why);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("không phải UTF-8".into()))?;
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (sha, path) = line
            .split_once(|c: char| c.is_ascii_whitespace())
            .ok_or_else(|| bad(format!("dòng không hợp lệ: {line}")))?;
        let path = path
            .trim_start()
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%");
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!("mã băm không hợp lệ cho {path}")));
        }
        check_name(&path)?;
        if out.insert(path.clone(), sha.to_ascii_lowercase()).is_some() {
            return Err(bad(format!("{path} được liệt kê hai lần")));
        }
    }
    Ok(out)
}

fn normalise_newlines(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|b| *b != b'\r').collect()
}

fn canonical(bytes: &[u8], path: &str) -> Reject<serde_json::Value> {
    parse_canonical(bytes).map_err(|p| match p {
        JsonProblem::DuplicateKey(k) => {
            reject("duplicate-key", path, format!("khóa JSON {k} lặp lại"))
        }
        JsonProblem::NonCanonical => reject(
            "non-canonical-json",
            path,
            "JSON không ở dạng chuẩn RFC 8785",
        ),
        JsonProblem::Invalid { line, column } => reject(
            "bad-json",
            path,
            format!("JSON không hợp lệ (hỏng ở dòng {line}, cột {column})"),
        ),
    })
}

/// Hashes every payload entry, one archive reader per core, each entry streamed.
fn hash_payload(
    path: &Path,
    payload: &[&Entry],
    manifest: &BTreeMap<String, String>,
    limits: &Limits,
    inflated: &AtomicU64,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Reject<()> {
    let total: u64 = payload.iter().map(|e| e.size).sum();
    let done = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let workers = crate::photo::default_workers().clamp(1, payload.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Reject<()> {
                    let mut archive = open(path)?;
                    let mut buf = vec![0u8; 1 << 20];
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(e) = payload.get(i) else {
                            return Ok(());
                        };
                        let damaged = |err: String| reject("damaged-archive", &e.path, err);
                        let mut f = archive
                            .by_index(e.index)
                            .map_err(|_| damaged("không mở được mục này".into()))?;
                        let mut h = Sha256::new();
                        let mut n_total = 0u64;
                        loop {
                            if cancel.load(Ordering::Relaxed) {
                                return Err(reject("cancelled", &e.path, "đã hủy"));
                            }
                            if failed.load(Ordering::Relaxed) {
                                return Ok(());
                            }
                            let n = f.read(&mut buf).map_err(|err| {
                                if err.to_string().to_lowercase().contains("checksum") {
                                    reject("hash-mismatch", &e.path, "CRC không khớp")
                                } else {
                                    damaged("không đọc được mục này (dữ liệu nén hỏng)".into())
                                }
                            })?;
                            if n == 0 {
                                break;
                            }
                            n_total += n as u64;
                            if n_total > e.size.min(limits.max_entry_bytes) {
                                return Err(reject("entry-too-large", &e.path, "dài hơn khai báo"));
                            }
                            count(inflated, n as u64, &e.path, limits)?;
                            h.update(&buf[..n]);
                            progress(
                                done.fetch_add(n as u64, Ordering::Relaxed) + n as u64,
                                total,
                            );
                        }
                        if n_total != e.size {
                            return Err(damaged("ngắn hơn khai báo".into()));
                        }
                        if manifest
                            .get(&e.path)
                            .is_some_and(|sha| *sha != hex(&h.finalize()))
                        {
                            return Err(reject(
                                "hash-mismatch",
                                &e.path,
                                "SHA-256 không khớp manifest",
                            ));
                        }
                    }
                })
            })
            .collect();
        let mut first = None;
        for h in handles {
            let r = h
                .join()
                .unwrap_or_else(|_| Err(reject("io", "", "hash worker panicked")));
            if let Err(e) = r {
                failed.store(true, Ordering::Relaxed);
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    })
}

/// Every line canonical, every visit's chain intact, the count as `result.json` says.
/// Checks each visit's chain; returns the entries by visit id.
fn check_audit(
    bytes: &[u8],
    result: &ResultDoc,
) -> Reject<BTreeMap<String, Vec<crate::audit::AuditEntry>>> {
    let mut by_visit: BTreeMap<String, Vec<crate::audit::AuditEntry>> = BTreeMap::new();
    let mut lines = 0u64;
    let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for (n, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() && text.is_empty() {
            break;
        }
        let at = format!("{AUDIT_PATH}:{}", n + 1);
        let value = canonical(line, &at)?;
        let l: AuditLine =
            serde_json::from_value(value).map_err(|e| reject("bad-audit", &at, json_text(&e)))?;
        by_visit.entry(l.visit_id).or_default().push(l.entry);
        lines += 1;
    }
    if lines != result.audit.entries {
        return Err(reject(
            "bad-audit",
            AUDIT_PATH,
            format!("{lines} dòng, result.json nói {}", result.audit.entries),
        ));
    }
    for (visit, entries) in &by_visit {
        if !result.visits.iter().any(|v| v.id == *visit) {
            return Err(reject(
                "bad-audit",
                AUDIT_PATH,
                format!("nhật ký của phiếu {visit} không có trong result.json"),
            ));
        }
        crate::audit::verify_chain(visit, entries)
            .map_err(|e| reject("audit-broken", AUDIT_PATH, e.to_string()))?;
    }
    Ok(by_visit)
}

/// Files named by `result.json` are in the bag with the hash it says; every payload file is named.
fn check_references(result: &ResultDoc, manifest: &BTreeMap<String, String>) -> Reject<()> {
    let mut named: BTreeSet<&str> = [RESULT_PATH, CRITERIA_PATH, AUDIT_PATH]
        .into_iter()
        .collect();
    for v in &result.visits {
        for p in &v.photos {
            if let Some(id) = p
                .evidence
                .iter()
                .find(|id| !v.evidence.iter().any(|e| e.id == **id))
            {
                return Err(reject(
                    "bad-result",
                    RESULT_PATH,
                    format!("ảnh {} gắn với TLKC {id} không có trong phiếu", p.sha256),
                ));
            }
        }
        let files = v
            .photos
            .iter()
            .map(|p| (p.file.as_str(), Some(p.sha256.as_str())))
            .chain(
                v.evidence
                    .iter()
                    .filter_map(|e| e.file.as_deref().map(|f| (f, e.file_sha256.as_deref()))),
            )
            .chain(
                v.acknowledgement
                    .iter()
                    .map(|a| (a.image.as_str(), Some(a.image_sha256.as_str()))),
            );
        for (file, sha) in files {
            match manifest.get(file) {
                None => {
                    return Err(reject(
                        "missing-payload",
                        file,
                        "result.json nêu tệp này nhưng gói không có",
                    ));
                }
                Some(m) if sha.is_some_and(|s| s != m) => {
                    return Err(reject(
                        "hash-mismatch",
                        file,
                        "SHA-256 khác với result.json",
                    ));
                }
                _ => {}
            }
            named.insert(file);
        }
    }
    for path in manifest.keys() {
        if !named.contains(path.as_str()) {
            return Err(reject(
                "unreferenced-payload",
                path,
                "tệp không được result.json nêu",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_plain_paths() {
        for ok in ["b/data/x.jpg", "b/", "b/data/ảnh 1.jpg"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for (bad, code) in [
            ("b/../x", "path-traversal"),
            ("../x", "path-traversal"),
            ("/etc/passwd", "absolute-path"),
            ("C:/x", "absolute-path"),
            ("c:x", "absolute-path"),
            ("b\\x", "backslash"),
            ("b//x", "bad-name"),
            ("b/./x", "bad-name"),
            ("b/x\n", "bad-name"),
        ] {
            assert_eq!(check_name(bad).unwrap_err().code, code, "{bad}");
        }
    }

    #[test]
    fn manifests_parse_and_refuse_repeats() {
        let sha = "a".repeat(64);
        let m =
            parse_manifest(format!("{sha}  data/a%25b\n{sha} data/c\n").as_bytes(), "m").unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["data/a%b", "data/c"]);
        assert!(parse_manifest(format!("{sha}  data/a\n{sha}  data/a\n").as_bytes(), "m").is_err());
        assert!(parse_manifest(b"abc  data/a\n", "m").is_err());
    }
}
