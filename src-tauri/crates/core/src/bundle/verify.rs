//! Reading a bundle without trusting it, through the bag layer ([`crate::bag`]): its entry,
//! tag and signature checks, then what only a bundle has (its bag-info fields, result.json, the
//! audit log, the references, a result that follows from its content). Nothing is extracted:
//! entries are streamed from the archive into bounded buffers or hashers. Every refusal names the
//! entry and has a stable code.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use minisign::PublicKey;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::bag::archive::{self, Archive, Entry};
use crate::bag::signature;
use crate::bag::tags::{
    check_bagit, check_known_files, check_payload_listing, check_tag_manifest, parse_bag_info,
    parse_manifest, required_field,
};
pub use crate::bag::{Limits, Reject};
use crate::digest::{hex, sha256_hex};
use crate::error::json_text;

use super::result::{
    AUDIT_PATH, AuditLine, CRITERIA_PATH, JsonProblem, RESULT_FORMAT, RESULT_PATH, ResultDoc,
    parse_canonical,
};
use super::{BUNDLE_FORMAT, MANIFEST, Rejection, TAG_MANIFEST, parse_trusted_comment, reject};

/// A public key the verifier trusts, with its minisign key id.
#[derive(Clone)]
pub struct TrustedKey {
    pub key_id: String,
    pub key: PublicKey,
}

impl TrustedKey {
    /// From a `.pub` file's text.
    pub fn parse(text: &str) -> crate::Result<Self> {
        let (key, key_id) = crate::bag::keys::parse_public_key(text)?;
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
    let mut archive = Archive::open(path, limits)?;
    let entries = std::mem::take(&mut archive.entries);
    let inflated = archive.inflated.clone();
    let mut read = |path: &str| -> Reject<Vec<u8>> {
        let e = entries
            .get(path)
            .ok_or_else(|| reject("missing-file", path, "thiếu tệp bắt buộc"))?;
        archive.read_entry(e)
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
    let payload = check_payload_listing(&entries, &manifest, &bag.field("Payload-Oxum")?)?;
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
        required_field(&self.fields, name)
    }

    fn get(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Step 2: bagit.txt declares BagIt 1.0 in UTF-8; bag-info.txt a format this build reads, the
/// bundle id and its revision.
fn read_bag_info(read: &mut impl FnMut(&str) -> Reject<Vec<u8>>) -> Reject<BagInfo> {
    check_bagit(read)?;
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

/// Step 3: every signature file, each checked by [`check_signature`].
fn read_signatures(
    entries: &BTreeMap<String, Entry>,
    read: &mut impl FnMut(&str) -> Reject<Vec<u8>>,
    tag_manifest: &[u8],
    trusted: &[TrustedKey],
    bag: &BagInfo,
) -> Reject<Vec<Signature>> {
    signature::paths(entries)?
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
    let (key_id, sig) = signature::read(sig_path, text)?;
    let bad = |why: String| reject("bad-signature", sig_path, why);
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
    if !candidates.any(|key| signature::checks(&key.key, &sig, tag_manifest)) {
        return Err(signature::does_not_match(sig_path));
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
                    let mut archive = archive::open(path)?;
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
                            archive::count(inflated, n as u64, &e.path, limits)?;
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
