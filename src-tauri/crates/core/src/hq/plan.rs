//! The campaign plan (kế hoạch thẩm định) Sở Nội vụ sends to the delegations: one zip, one BagIt
//! bag like a result bundle, signed with the HQ key. `data/plan.json` holds the campaign, its
//! units (with their ids and groups) and the delegation; `data/criteria.json` the set;
//! `data/hq.pub` the HQ public key, whose id the delegation compares by phone or on paper before
//! trusting it (trust on first use, then remembered on the trust list). The campaign and its units
//! arrive with the same ids, so bundles from the delegation match HQ's campaign exactly.
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use minisign::SignatureBox;
use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::bundle::{BAGIT_TXT, MANIFEST, TAG_MANIFEST, keys, manifest_of};
use crate::digest::sha256_hex;
use crate::store::{Store, now};
use crate::{Error, Result};

pub const PLAN_FORMAT: &str = "thamdinh-plan/1";
const PLAN_PATH: &str = "data/plan.json";
const CRITERIA_PATH: &str = "data/criteria.json";
const HQ_KEY_PATH: &str = "data/hq.pub";
/// A plan holds no photos: anything bigger is not a plan.
const MAX_PLAN_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub format: String,
    pub plan_id: String,
    pub created_at: String,
    pub hq_key_id: String,
    pub campaign: PlanCampaign,
    pub criteria_set_id: String,
    pub units: Vec<PlanUnit>,
    pub delegations: Vec<PlanDelegation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanCampaign {
    pub id: String,
    pub name: String,
    pub year: i32,
    pub province: String,
    pub unit_group: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanUnit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub group: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDelegation {
    pub name: String,
    pub leader: String,
    pub members: Vec<crate::bundle::result::MemberDoc>,
    /// Codes of the units the delegation appraises.
    pub units: Vec<String>,
}

pub struct PlanSummary {
    pub plan_id: String,
    pub key_id: String,
}

pub struct ImportedPlan {
    pub campaign_id: String,
    pub campaign_name: String,
    pub units: usize,
    pub key_id: String,
}

fn bad(what: impl Into<String>) -> Error {
    Error::InvalidValue(format!("kế hoạch không hợp lệ: {}", what.into()))
}

/// Writes the plan of a campaign, signed with the HQ key (temp file, fsync, rename).
pub fn export_plan(
    store: &Store,
    campaign_id: &str,
    secret_key_text: &str,
    passphrase: &str,
    out: &Path,
) -> Result<PlanSummary> {
    let (secret_key, key) = keys::open_secret_key(secret_key_text, passphrase)?;
    let campaign = store.campaign(campaign_id)?;
    let criteria_json = store.criteria_set_json(&campaign.criteria_set_id)?;
    let criteria = crate::bundle::result::canonical_bytes(
        &serde_json::from_str::<serde_json::Value>(&criteria_json)
            .map_err(|e| bad(e.to_string()))?,
    )?;
    let units = store.units(campaign_id)?;
    let plan = PlanDoc {
        format: PLAN_FORMAT.into(),
        plan_id: campaign
            .plan_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        created_at: now(),
        hq_key_id: key.key_id.clone(),
        campaign: PlanCampaign {
            id: campaign.id.clone(),
            name: campaign.name.clone(),
            year: campaign.year,
            province: campaign.province.clone(),
            unit_group: campaign.unit_group.clone(),
        },
        criteria_set_id: campaign.criteria_set_id.clone(),
        delegations: vec![PlanDelegation {
            name: campaign.delegation_name.clone(),
            leader: campaign.delegation_leader.clone(),
            members: store
                .members(campaign_id)?
                .into_iter()
                .map(|m| crate::bundle::result::MemberDoc {
                    name: m.name,
                    title: m.title,
                    role: m.role,
                })
                .collect(),
            units: units.iter().map(|u| u.code.clone()).collect(),
        }],
        units: units
            .into_iter()
            .map(|u| PlanUnit {
                id: u.id,
                code: u.code,
                name: u.name,
                unit_type: u.unit_type,
                group: u.group,
                latitude: u.latitude,
                longitude: u.longitude,
            })
            .collect(),
    };
    let plan_json = crate::bundle::result::canonical_bytes(&plan)?;
    let payload: [(&str, &[u8]); 3] = [
        (PLAN_PATH, &plan_json),
        (CRITERIA_PATH, &criteria),
        (HQ_KEY_PATH, key.pub_file.as_bytes()),
    ];
    let manifest = manifest_of(&payload);
    let bytes: u64 = payload.iter().map(|p| p.1.len() as u64).sum();
    let bag_info = format!(
        "Plan-Id: {}\nPlan-Format: 1\nBagging-Date: {}\nPayload-Oxum: {bytes}.{}\nSource-Organization: Sở Nội vụ {}\n",
        plan.plan_id,
        chrono::Local::now().format("%Y-%m-%d"),
        payload.len(),
        keys::one_line(&campaign.province),
    );
    let tags: [(&str, &[u8]); 3] = [
        ("bagit.txt", BAGIT_TXT.as_bytes()),
        ("bag-info.txt", bag_info.as_bytes()),
        (MANIFEST, manifest.as_bytes()),
    ];
    let tag_manifest = manifest_of(&tags);
    let signature = minisign::sign(
        None,
        &secret_key,
        std::io::Cursor::new(tag_manifest.as_bytes()),
        Some(&format!(
            "plan-id:{}\tcampaign:{}",
            plan.plan_id, campaign.id
        )),
        Some(&format!("Thẩm Định plan signed by HQ key {}", key.key_id)),
    )
    .map_err(|e| Error::InvalidValue(format!("không ký được: {e}")))?
    .into_string();
    let root = format!("thamdinh-plan-{}/", plan.plan_id);
    let sig_path = format!("signatures/{}.minisig", key.key_id);
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".thamdinh-plan-")
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
        zip.start_file(format!("{root}{path}"), options)
            .map_err(|e| Error::InvalidValue(format!("zip: {e}")))?;
        zip.write_all(bytes)?;
    }
    zip.finish()
        .map_err(|e| Error::InvalidValue(format!("zip: {e}")))?;
    tmp.as_file().sync_all()?;
    tmp.persist(out).map_err(|e| Error::Io(e.error))?;
    Ok(PlanSummary {
        plan_id: plan.plan_id,
        key_id: key.key_id,
    })
}

/// Reads every entry of a (small) plan zip, checking names and sizes.
fn read_entries(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::InvalidValue(format!("không đọc được {}: {e}", path.display())))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| bad(format!("không phải tệp zip: {e}")))?;
    if archive.len() > 32 || archive.has_duplicate_names() {
        return Err(bad("quá nhiều mục hoặc tên trùng"));
    }
    let mut root: Option<String> = None;
    let mut out = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).map_err(|e| bad(e.to_string()))?;
        let name = f.name().map_err(|e| bad(e.to_string()))?.to_string();
        crate::bundle::verify::check_name(&name).map_err(|r| bad(r.message))?;
        if f.is_dir() {
            continue;
        }
        let (top, rest) = name
            .split_once('/')
            .ok_or_else(|| bad(format!("{name} nằm ngoài thư mục gốc")))?;
        if root.get_or_insert_with(|| top.to_string()) != top {
            return Err(bad("nhiều thư mục gốc"));
        }
        let mut bytes = Vec::new();
        (&mut f).take(MAX_PLAN_BYTES + 1).read_to_end(&mut bytes)?;
        total += bytes.len() as u64;
        if total > MAX_PLAN_BYTES {
            return Err(bad("quá lớn"));
        }
        out.insert(rest.to_string(), bytes);
    }
    Ok(out)
}

fn parse_manifest(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    let text = std::str::from_utf8(bytes).map_err(|_| bad("manifest không phải UTF-8"))?;
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (sha, path) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad("dòng manifest lạ"))?;
        if out
            .insert(path.trim().to_string(), sha.to_lowercase())
            .is_some()
        {
            return Err(bad(format!("{} lặp lại trong manifest", path.trim())));
        }
    }
    Ok(out)
}

/// Checks a plan file (bag, hashes, the signature by the HQ key it carries) and returns the plan,
/// the criteria set's JSON and the HQ public key file.
pub fn read_plan(path: &Path) -> Result<(PlanDoc, String, String)> {
    let entries = read_entries(path)?;
    let get = |name: &str| {
        entries
            .get(name)
            .ok_or_else(|| bad(format!("thiếu {name}")))
    };
    if get("bagit.txt")?.as_slice() != BAGIT_TXT.as_bytes() {
        return Err(bad("bagit.txt"));
    }
    let hq_pub = String::from_utf8(get(HQ_KEY_PATH)?.clone()).map_err(|_| bad(HQ_KEY_PATH))?;
    let (public_key, key_id) = keys::parse_public_key(&hq_pub)?;
    let tag_manifest = get(TAG_MANIFEST)?;
    let sig_text = get(&format!("signatures/{key_id}.minisig"))?;
    let sig = std::str::from_utf8(sig_text)
        .ok()
        .and_then(|t| SignatureBox::from_string(t).ok())
        .ok_or_else(|| bad("chữ ký không đọc được"))?;
    minisign::verify(
        &public_key,
        &sig,
        std::io::Cursor::new(tag_manifest),
        true,
        false,
        false,
    )
    .map_err(|e| bad(format!("chữ ký không hợp lệ: {e}")))?;
    let tags = parse_manifest(tag_manifest)?;
    for tag in ["bagit.txt", "bag-info.txt", MANIFEST] {
        if tags.get(tag) != Some(&sha256_hex(get(tag)?)) {
            return Err(bad(format!("{tag} không khớp tagmanifest")));
        }
    }
    let manifest = parse_manifest(get(MANIFEST)?)?;
    let payload: Vec<&String> = entries.keys().filter(|k| k.starts_with("data/")).collect();
    if payload.len() != manifest.len() {
        return Err(bad("manifest không liệt kê đúng các tệp dữ liệu"));
    }
    for p in payload {
        if manifest.get(p) != Some(&sha256_hex(&entries[p])) {
            return Err(bad(format!("{p}: SHA-256 không khớp manifest")));
        }
    }
    let plan: PlanDoc =
        serde_json::from_slice(get(PLAN_PATH)?).map_err(|e| bad(format!("plan.json: {e}")))?;
    if plan.format != PLAN_FORMAT || plan.hq_key_id != key_id {
        return Err(bad("plan.json: định dạng hoặc khóa không khớp"));
    }
    let criteria =
        String::from_utf8(get(CRITERIA_PATH)?.clone()).map_err(|_| bad(CRITERIA_PATH))?;
    if sha256_hex(criteria.as_bytes()) != plan.criteria_set_id {
        return Err(bad("bộ tiêu chí không khớp mã trong plan.json"));
    }
    Ok((plan, criteria, hq_pub))
}

/// Opens a plan on a delegation laptop: the campaign and units with the plan's ids, the set, and
/// the HQ key remembered on the trust list. Opening the same plan twice is refused.
pub fn import_plan(store: &mut Store, path: &Path) -> Result<ImportedPlan> {
    let (plan, criteria, hq_pub) = read_plan(path)?;
    crate::criteria::CriteriaSet::from_json(criteria.as_bytes())?;
    if store.campaign(&plan.campaign.id).is_ok() {
        return Err(Error::InvalidValue(format!(
            "đợt thẩm định «{}» đã có trên máy này",
            plan.campaign.name
        )));
    }
    let delegation = plan.delegations.first();
    let key = store.add_trusted_key(&hq_pub, &format!("Sở Nội vụ — {}", plan.campaign.name))?;
    let at = now();
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT OR IGNORE INTO criteria_set (id, json, added_at) VALUES (?1, ?2, ?3)",
        params![plan.criteria_set_id, criteria, at],
    )?;
    tx.execute(
        "INSERT INTO campaign (id, name, year, province, unit_group, criteria_set_id, created_at,
                               delegation_name, delegation_leader, plan_id, plan_key_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            plan.campaign.id,
            plan.campaign.name,
            plan.campaign.year,
            plan.campaign.province,
            plan.campaign.unit_group,
            plan.criteria_set_id,
            at,
            delegation.map(|d| d.name.as_str()).unwrap_or_default(),
            delegation.map(|d| d.leader.as_str()).unwrap_or_default(),
            plan.plan_id,
            key.key_id
        ],
    )?;
    for u in &plan.units {
        tx.execute(
            "INSERT INTO unit (id, campaign_id, code, name, unit_type, latitude, longitude, unit_group)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![u.id, plan.campaign.id, u.code, u.name, u.unit_type, u.latitude, u.longitude, u.group],
        )?;
    }
    for d in &plan.delegations {
        for m in &d.members {
            tx.execute(
                "INSERT INTO member (id, campaign_id, name, title, role) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![uuid::Uuid::new_v4().to_string(), plan.campaign.id, m.name, m.title, m.role],
            )?;
        }
    }
    tx.commit()?;
    Ok(ImportedPlan {
        campaign_id: plan.campaign.id,
        campaign_name: plan.campaign.name,
        units: plan.units.len(),
        key_id: key.key_id,
    })
}
