//! The province results as Sở Nội vụ publishes them: a bag signed with the HQ key holding the
//! results (`data/results.json`), the province workbook, the decisions that shaped them (their
//! final state in `data/decisions.json`, the hash-chained log in `data/decisions.jsonl`), the
//! campaign's units and set, and the list of every source bundle (id, revision, SHA-256).
//!
//! [`recompute`] checks a results bag independently: in a fresh store it imports exactly the
//! listed source bundles (each verified again with the published trust list), applies the
//! published decisions, computes the results with the same scoring code and compares them with
//! the published ones byte for byte.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::import::{ImportStatus, expand_bundle_paths, file_sha256, import_bundle};
use super::plan::{CampaignRows, PlanCampaign, PlanUnit, insert_campaign};
use crate::bag::keys;
use crate::bag::small::{self, BagContent};
use crate::bundle::result::canonical_bytes;
use crate::mistake::{FileKind, Mistake};
use crate::store::{Store, now};
use crate::{Error, Result};

pub const RESULTS_FORMAT: &str = "thamdinh-province-results/1";
const RESULTS_PATH: &str = "data/results.json";
const SOURCES_PATH: &str = "data/sources.json";
const DECISIONS_PATH: &str = "data/decisions.json";
const DECISION_LOG_PATH: &str = "data/decisions.jsonl";
const UNITS_PATH: &str = "data/units.json";
const CRITERIA_PATH: &str = "data/criteria.json";
const WORKBOOK_PATH: &str = "data/results.xlsx";
/// A results bag holds no photos: 256 MB is far more than a province's workbook.
const MAX_RESULTS_BYTES: u64 = 256 << 20;

/// `data/results.json`: the published ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsDoc {
    pub format: String,
    pub results_id: String,
    pub published_at: String,
    pub hq_key_id: String,
    pub campaign: PlanCampaign,
    pub criteria_set_id: String,
    /// One line per unit, as `thamdinh hq results --json` prints them.
    pub units: Vec<Value>,
}

/// One bundle Sở Nội vụ received, as it stood when the results were published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceDoc {
    pub bundle_id: String,
    pub revision: u32,
    pub sha256: String,
    pub signer_key_id: String,
    /// Counted as from a trusted key (false: quarantined, or excluded after a review).
    pub trusted: bool,
    pub review_reason: String,
    /// counted, superseded, fork, quarantined, incomplete.
    pub role: String,
    pub units: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyDoc {
    pub key_id: String,
    pub public_key: String,
    pub label: String,
    /// The delegation HQ made the key a member of (absent: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delegation: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionDoc {
    pub unit: String,
    pub code: String,
    pub value: String,
    pub reason: String,
    /// The sides it decided between (absent for a resolution recorded before sides were kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sides: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyDoc {
    pub unit: String,
    pub code: String,
    pub points: String,
}

/// `data/decisions.json`: the final state of every HQ decision the results depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionsDoc {
    pub keys: Vec<KeyDoc>,
    /// The whole HQ public key the campaign's plan names (absent: the campaign had no plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_public_key: Option<String>,
    pub required_cosignatures: u32,
    /// The classification bands as set (`90=Xuất sắc, …`), absent for the defaults.
    pub bands: Option<String>,
    pub chosen_forks: Vec<String>,
    pub resolutions: Vec<ResolutionDoc>,
    pub survey: Vec<SurveyDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PublishSummary {
    pub results_id: String,
    pub key_id: String,
    pub file: String,
    pub units: u32,
    pub ranked: u32,
    pub sources: u32,
}

/// Writes the signed results of a campaign (temp file, fsync, rename).
pub fn publish_results(
    store: &Store,
    campaign_id: &str,
    secret_key_text: &str,
    passphrase: &str,
    out: &Path,
) -> Result<PublishSummary> {
    let (secret_key, key) = keys::open_secret_key(secret_key_text, passphrase)?;
    let campaign = store.campaign(campaign_id)?;
    super::plan::require_plan_key(&campaign, &key)?;
    let units = store.hq_results(campaign_id)?;
    let results = ResultsDoc {
        format: RESULTS_FORMAT.into(),
        results_id: uuid::Uuid::new_v4().to_string(),
        published_at: now(),
        hq_key_id: key.key_id.clone(),
        campaign: super::plan::plan_campaign(&campaign),
        criteria_set_id: campaign.criteria_set_id.clone(),
        units: units
            .iter()
            .map(serde_json::to_value)
            .collect::<serde_json::Result<_>>()
            .map_err(json_error)?,
    };
    let sources = sources(store, campaign_id)?;
    let decisions = store.hq_decisions(campaign_id)?;
    let log: Vec<u8> = store
        .hq_log(campaign_id)?
        .iter()
        .map(|e| {
            canonical_bytes(e).map(|mut b| {
                b.push(b'\n');
                b
            })
        })
        .collect::<Result<Vec<_>>>()?
        .concat();
    let results_json = canonical_bytes(&results)?;
    let sources_json = canonical_bytes(&sources)?;
    let decisions_json = canonical_bytes(&decisions)?;
    let units_json = canonical_bytes(&super::plan::plan_units(store.units(campaign_id)?))?;
    let criteria = super::plan::canonical_set(store, &campaign.criteria_set_id)?;
    let workbook = store.hq_workbook(campaign_id)?;
    small::write(
        out,
        BagContent {
            root: format!("thamdinh-results-{}", results.results_id),
            payload: vec![
                (RESULTS_PATH, &results_json),
                (SOURCES_PATH, &sources_json),
                (DECISIONS_PATH, &decisions_json),
                (DECISION_LOG_PATH, &log),
                (UNITS_PATH, &units_json),
                (CRITERIA_PATH, &criteria),
                (WORKBOOK_PATH, &workbook),
            ],
            bag_info: format!(
                "Results-Id: {}\nResults-Format: 1\nBagging-Date: {}\nSource-Organization: Sở Nội vụ {}\n",
                results.results_id,
                chrono::Local::now().format("%Y-%m-%d"),
                keys::one_line(&campaign.province),
            ),
            trusted_comment: format!(
                "results-id:{}\tcampaign:{}",
                results.results_id, campaign.id
            ),
            untrusted_comment: format!(
                "Thẩm Định province results signed by HQ key {}",
                key.key_id
            ),
        },
        &secret_key,
        &key,
    )?;
    Ok(PublishSummary {
        results_id: results.results_id,
        key_id: key.key_id,
        file: out.display().to_string(),
        units: units.len() as u32,
        ranked: units.iter().filter(|u| u.rank.is_some()).count() as u32,
        sources: sources.len() as u32,
    })
}

fn json_error(e: serde_json::Error) -> Error {
    Error::internal(e)
}

/// Every bundle of the campaign in the order it was imported.
fn sources(store: &Store, campaign_id: &str) -> Result<Vec<SourceDoc>> {
    Ok(store
        .hq_bundles(campaign_id)?
        .into_iter()
        .map(|b| SourceDoc {
            role: serde_json::to_value(&b.role)
                .ok()
                .and_then(|v| v["kind"].as_str().map(String::from))
                .unwrap_or_default(),
            bundle_id: b.id,
            revision: b.revision,
            sha256: b.file_sha256,
            signer_key_id: b.signer_key_id,
            trusted: b.trusted,
            review_reason: b.review_reason,
            units: b.units,
        })
        .collect())
}

impl Store {
    /// The final state of every HQ decision the published results depend on.
    fn hq_decisions(&self, campaign_id: &str) -> Result<DecisionsDoc> {
        let query = |sql: &str| -> Result<Vec<Vec<String>>> {
            let mut stmt = self.conn.prepare(sql)?;
            let n = stmt.column_count();
            let rows = stmt.query_map([campaign_id], |r| {
                (0..n).map(|i| r.get::<_, String>(i)).collect()
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok(DecisionsDoc {
            keys: self
                .trusted_keys()?
                .into_iter()
                .map(|k| KeyDoc {
                    key_id: k.key_id,
                    public_key: k.public_key,
                    label: k.label,
                    delegation: k.delegation,
                    revoked_at: k.revoked_at,
                    revoke_reason: k.revoke_reason,
                })
                .collect(),
            required_cosignatures: self.campaign(campaign_id)?.required_cosignatures,
            plan_public_key: self.campaign(campaign_id)?.plan_public_key,
            bands: self.setting(&format!("hq_bands:{campaign_id}"))?,
            chosen_forks: crate::audit::codes_logged(
                &self.conn,
                crate::audit::Log::Hq,
                campaign_id,
                "choose_fork",
            )?,
            resolutions: query(
                "SELECT unit_code, code, value, reason, sides FROM hq_resolution WHERE campaign_id = ?1
                 ORDER BY unit_code, code",
            )?
            .into_iter()
            .map(|r| ResolutionDoc {
                unit: r[0].clone(),
                code: r[1].clone(),
                value: r[2].clone(),
                reason: r[3].clone(),
                sides: r[4].clone(),
            })
            .collect(),
            survey: query(
                "SELECT unit_code, code, points FROM hq_survey WHERE campaign_id = ?1
                 ORDER BY unit_code, code",
            )?
            .into_iter()
            .map(|r| SurveyDoc {
                unit: r[0].clone(),
                code: r[1].clone(),
                points: r[2].clone(),
            })
            .collect(),
        })
    }
}

/// What an independent recomputation found.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RecomputeReport {
    pub results_id: String,
    pub hq_key_id: String,
    /// The SHA-256 of the whole HQ key that signed the results, grouped for reading aloud.
    pub hq_fingerprint: String,
    pub campaign_name: String,
    pub sources: u32,
    pub units: u32,
    /// The recomputed `results.json` equals the published one byte for byte.
    pub matches: bool,
    /// What differs, one line each (a source refused, a unit's figure…); empty when it matches.
    pub differences: Vec<String>,
    /// Bundles in the folder that the results do not list (not used).
    pub unlisted_files: Vec<String>,
}

/// A store of its own for recomputing: the published campaign with its units and the trust list
/// as published (keys and their delegations).
fn fresh_store(
    dir: &Path,
    published: &ResultsDoc,
    criteria: &str,
    units: &[PlanUnit],
    decisions: &DecisionsDoc,
) -> Result<Store> {
    let plan_key_id = decisions
        .plan_public_key
        .as_deref()
        .map(|text| keys::parse_public_key(text).map(|(_, id)| id))
        .transpose()?;
    let mut store = Store::open_dir(dir)?;
    {
        let tx = store.write_tx()?;
        insert_campaign(
            &tx,
            &CampaignRows {
                campaign: &published.campaign,
                criteria_set_id: &published.criteria_set_id,
                criteria_json: criteria,
                units,
                delegation_name: "",
                delegation_leader: "",
                plan_id: None,
                plan_key_id: plan_key_id.as_deref(),
                plan_public_key: decisions.plan_public_key.as_deref(),
                required_cosignatures: decisions.required_cosignatures,
            },
        )?;
        tx.commit()?;
    }
    for k in &decisions.keys {
        store.add_trusted_key(&k.public_key, &k.label)?;
        let tx = store.write_tx()?;
        crate::bundle::keyring::set_key_delegation(&tx, &k.key_id, &k.delegation)?;
        tx.commit()?;
    }
    Ok(store)
}

/// Every listed source, found in the folder by its SHA-256 (all must be there), and the files
/// of the folder no source lists.
fn sources_in_folder(
    sources: &[SourceDoc],
    bundles_dir: &Path,
) -> Result<(BTreeMap<String, PathBuf>, Vec<String>)> {
    let mut by_sha: BTreeMap<String, PathBuf> = BTreeMap::new();
    for f in expand_bundle_paths(&[bundles_dir.to_path_buf()]) {
        by_sha.insert(file_sha256(&f)?, f);
    }
    let missing: Vec<String> = sources
        .iter()
        .filter(|s| !by_sha.contains_key(&s.sha256))
        .map(|s| format!("{} bản {} (SHA-256 {})", s.bundle_id, s.revision, s.sha256))
        .collect();
    if !missing.is_empty() {
        return Err(Mistake::SourcesMissing {
            count: missing.len(),
            folder: bundles_dir.display().to_string(),
            list: missing.join("; "),
        }
        .into());
    }
    let unlisted_files = by_sha
        .iter()
        .filter(|(sha, _)| !sources.iter().any(|s| &s.sha256 == *sha))
        .map(|(_, f)| f.display().to_string())
        .collect();
    Ok((by_sha, unlisted_files))
}

/// Recomputes a results bag from the bundles in `bundles_dir` (see the module documentation).
/// `expected_key`: the HQ public key (`.pub` text) the caller holds, if any: the bag must carry
/// that very key and is checked with it (else the bag's own key is reported, with its
/// fingerprint, for comparing by phone or on paper). A bag that does not check, or a listed
/// source missing from the folder, is an error naming it.
pub fn recompute(
    results_zip: &Path,
    bundles_dir: &Path,
    expected_key: Option<&str>,
    cancel: &AtomicBool,
) -> Result<RecomputeReport> {
    let expected = expected_key
        .map(|text| keys::parse_public_key(text).map(|(pk, _)| pk))
        .transpose()?;
    let bag = small::read(
        results_zip,
        FileKind::ProvinceResults,
        MAX_RESULTS_BYTES,
        expected.as_ref(),
    )?;
    let doc = |path: &str| -> Result<Value> {
        serde_json::from_slice(bag.get(path)?).map_err(|e| bad_doc(path, e))
    };
    let published_bytes = bag.get(RESULTS_PATH)?.to_vec();
    let published: ResultsDoc =
        serde_json::from_value(doc(RESULTS_PATH)?).map_err(|e| bad_doc(RESULTS_PATH, e))?;
    if published.format != RESULTS_FORMAT || published.hq_key_id != bag.key_id {
        return Err(not_valid(format!(
            "{RESULTS_PATH}: định dạng lạ hoặc khóa không khớp chữ ký"
        )));
    }
    let sources: Vec<SourceDoc> =
        serde_json::from_value(doc(SOURCES_PATH)?).map_err(|e| bad_doc(SOURCES_PATH, e))?;
    let decisions: DecisionsDoc =
        serde_json::from_value(doc(DECISIONS_PATH)?).map_err(|e| bad_doc(DECISIONS_PATH, e))?;
    let units: Vec<PlanUnit> =
        serde_json::from_value(doc(UNITS_PATH)?).map_err(|e| bad_doc(UNITS_PATH, e))?;
    let criteria = String::from_utf8(bag.get(CRITERIA_PATH)?.to_vec())
        .map_err(|_| not_valid(format!("{CRITERIA_PATH}: không phải UTF-8")))?;
    if crate::digest::sha256_hex(criteria.as_bytes()) != published.criteria_set_id {
        return Err(not_valid(format!(
            "{CRITERIA_PATH} không phải bộ tiêu chí {}",
            published.criteria_set_id
        )));
    }
    crate::criteria::CriteriaSet::from_json(criteria.as_bytes())?;

    let (by_sha, unlisted_files) = sources_in_folder(&sources, bundles_dir)?;

    // A fresh store: the campaign, the trust list, then the bundles and the decisions.
    let tmp = tempfile::tempdir()?;
    let mut store = fresh_store(
        &tmp.path().join("store"),
        &published,
        &criteria,
        &units,
        &decisions,
    )?;
    let campaign_id = published.campaign.id.clone();
    let mut differences = Vec::new();
    let keys = store.verification_keys()?;
    for s in &sources {
        let file = &by_sha[&s.sha256];
        let outcome = import_bundle(&mut store, file, &keys, cancel)?;
        if outcome.status == ImportStatus::Refused {
            differences.push(format!(
                "gói nguồn {} bị từ chối: [{}] {}",
                s.bundle_id, outcome.code, outcome.message
            ));
            continue;
        }
        if outcome.bundle_id.as_deref() != Some(s.bundle_id.as_str()) {
            differences.push(format!(
                "tệp có SHA-256 {} là gói {}, không phải {}",
                s.sha256,
                outcome.bundle_id.unwrap_or_default(),
                s.bundle_id
            ));
        }
    }
    apply_decisions(
        &mut store,
        &campaign_id,
        &sources,
        &decisions,
        &mut differences,
    )?;

    let computed = ResultsDoc {
        units: store
            .hq_results(&campaign_id)?
            .iter()
            .map(serde_json::to_value)
            .collect::<serde_json::Result<_>>()
            .map_err(json_error)?,
        ..published.clone()
    };
    let computed_bytes = canonical_bytes(&computed)?;
    let matches = computed_bytes == published_bytes && differences.is_empty();
    if !matches {
        differences.extend(unit_differences(&published.units, &computed.units));
        if differences.is_empty() {
            differences.push(format!(
                "{RESULTS_PATH} không ở dạng JSON chuẩn (RFC 8785) như khi xuất"
            ));
        }
    }
    Ok(RecomputeReport {
        results_id: published.results_id,
        hq_key_id: bag.key_id,
        hq_fingerprint: bag.fingerprint,
        campaign_name: published.campaign.name,
        sources: sources.len() as u32,
        units: published.units.len() as u32,
        matches,
        differences,
        unlisted_files,
    })
}

fn not_valid(detail: String) -> Error {
    Mistake::not_valid(FileKind::ProvinceResults, detail).into()
}

fn bad_doc(path: &str, e: serde_json::Error) -> Error {
    not_valid(format!("{path}: {}", crate::error::json_text(&e)))
}

/// The officer's decisions, applied as recorded: revocations and reviews as the sources' final
/// state, resolutions, survey points, fork choices, bands. A source the published trust list does
/// not make trusted, yet published as counted from a trusted key, is a difference.
fn apply_decisions(
    store: &mut Store,
    campaign_id: &str,
    sources: &[SourceDoc],
    decisions: &DecisionsDoc,
    differences: &mut Vec<String>,
) -> Result<()> {
    let stored = store.hq_bundles(campaign_id)?;
    {
        let tx = store.write_tx()?;
        for s in sources {
            let Some(b) = stored.iter().find(|b| b.id == s.bundle_id) else {
                continue;
            };
            if s.trusted && !b.trusted {
                differences.push(format!(
                    "gói {} được công bố là của khóa tin cậy {}, nhưng danh sách tin cậy công bố không kiểm được chữ ký",
                    s.bundle_id, s.signer_key_id
                ));
            }
            tx.execute(
                "UPDATE hq_bundle SET trusted = ?2, review_reason = ?3 WHERE id = ?1",
                params![s.bundle_id, s.trusted && b.trusted, s.review_reason],
            )?;
        }
        for k in decisions.keys.iter().filter(|k| k.revoked_at.is_some()) {
            crate::bundle::keyring::set_key_revoked(
                &tx,
                &k.key_id,
                k.revoked_at.as_deref(),
                &k.revoke_reason,
            )?;
        }
        // Resolutions as they stand (one may outlive its conflict, as at HQ).
        for r in &decisions.resolutions {
            tx.execute(
                "INSERT OR REPLACE INTO hq_resolution (campaign_id, unit_code, code, value, reason, actor, at, sides)
                 VALUES (?1, ?2, ?3, ?4, ?5, '', '', ?6)",
                params![campaign_id, r.unit, r.code, r.value, r.reason, r.sides],
            )?;
        }
        for r in &decisions.survey {
            tx.execute(
                "INSERT OR REPLACE INTO hq_survey (campaign_id, unit_code, code, points) VALUES (?1, ?2, ?3, ?4)",
                params![campaign_id, r.unit, r.code, r.points],
            )?;
        }
        tx.commit()?;
    }
    // Fork choices as recorded, in their order: a later revision may have settled a fork since
    // (the choice is then no fork any more), and the choice still holds for what it decided.
    for id in &decisions.chosen_forks {
        if !stored.iter().any(|b| b.id == *id) {
            differences.push(format!("nhánh đã chọn {id} không có trong các gói nguồn"));
            continue;
        }
        store.record_fork_choice(campaign_id, id, "tính lại từ gói kết quả tỉnh")?;
    }
    if let Some(bands) = &decisions.bands {
        store.hq_set_bands(campaign_id, bands)?;
    }
    Ok(())
}

/// Unit by unit, the fields whose published and recomputed values differ.
fn unit_differences(published: &[Value], computed: &[Value]) -> Vec<String> {
    let code = |v: &Value| v["code"].as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    for p in published {
        match computed.iter().find(|c| code(c) == code(p)) {
            None => out.push(format!(
                "đơn vị {} không có trong kết quả tính lại",
                code(p)
            )),
            Some(c) => {
                let (Some(pm), Some(cm)) = (p.as_object(), c.as_object()) else {
                    continue;
                };
                for (field, pv) in pm {
                    let cv = cm.get(field).unwrap_or(&Value::Null);
                    if pv != cv {
                        out.push(format!(
                            "đơn vị {} — {field}: công bố {pv}, tính lại {cv}",
                            code(p)
                        ));
                    }
                }
            }
        }
    }
    for c in computed {
        if !published.iter().any(|p| code(p) == code(c)) {
            out.push(format!(
                "đơn vị {} có trong kết quả tính lại nhưng không được công bố",
                code(c)
            ));
        }
    }
    out
}
