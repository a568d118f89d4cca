//! The campaign plan (kế hoạch thẩm định) Sở Nội vụ sends to the delegations: one zip, one BagIt
//! bag like a result bundle, signed with the HQ key. `data/plan.json` holds the campaign, its
//! units (with their ids and groups) and the delegation; `data/criteria.json` the set;
//! `data/hq.pub` the HQ public key, whose id the delegation compares by phone or on paper before
//! trusting it (trust on first use, then remembered on the trust list). The campaign and its units
//! arrive with the same ids, so bundles from the delegation match HQ's campaign exactly.
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bag::keys;
use crate::mistake::FileKind;
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

pub const PLAN_FORMAT: &str = "thamdinh-plan/1";
const PLAN_PATH: &str = "data/plan.json";
const CRITERIA_PATH: &str = "data/criteria.json";
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
    /// How many members' co-signatures (besides the leader's) its bundles need to count; absent
    /// in plans written before co-signing (none needed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub required_cosignatures: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PlanSummary {
    pub plan_id: String,
    pub key_id: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportedPlan {
    pub campaign_id: String,
    pub campaign_name: String,
    pub units: usize,
    pub key_id: String,
    /// The whole HQ key's fingerprint, to compare by phone or on paper.
    pub fingerprint: String,
}

fn bad(what: impl Into<String>) -> Error {
    Mistake::not_valid(FileKind::Plan, what).into()
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
    require_plan_key(&campaign, &key)?;
    let criteria = canonical_set(store, &campaign.criteria_set_id)?;
    let units = store.units(campaign_id)?;
    let plan = PlanDoc {
        format: PLAN_FORMAT.into(),
        plan_id: campaign
            .plan_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        created_at: now(),
        hq_key_id: key.key_id.clone(),
        campaign: plan_campaign(&campaign),
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
            required_cosignatures: campaign.required_cosignatures,
        }],
        units: plan_units(units),
    };
    let plan_json = crate::bundle::result::canonical_bytes(&plan)?;
    crate::bag::small::write(
        out,
        crate::bag::small::BagContent {
            root: format!("thamdinh-plan-{}", plan.plan_id),
            payload: vec![(PLAN_PATH, &plan_json), (CRITERIA_PATH, &criteria)],
            bag_info: format!(
                "Plan-Id: {}\nPlan-Format: 1\nBagging-Date: {}\nSource-Organization: Sở Nội vụ {}\n",
                plan.plan_id,
                chrono::Local::now().format("%Y-%m-%d"),
                keys::one_line(&campaign.province),
            ),
            trusted_comment: format!("plan-id:{}\tcampaign:{}", plan.plan_id, campaign.id),
            untrusted_comment: format!("Thẩm Định plan signed by HQ key {}", key.key_id),
        },
        &secret_key,
        &key,
    )?;
    // The campaign now names its HQ key: only it publishes the results or revises as HQ.
    store.set_campaign_plan(&campaign.id, &plan.plan_id, &key.key_id, &key.public_key)?;
    Ok(PlanSummary {
        plan_id: plan.plan_id,
        key_id: key.key_id,
        fingerprint: key.fingerprint,
    })
}

/// A campaign whose plan was signed refuses every other HQ key: its plan and its published
/// results are signed by the key the plan names, the whole key, not one stating its id.
pub(crate) fn require_plan_key(
    campaign: &crate::store::Campaign,
    key: &keys::KeyInfo,
) -> Result<()> {
    let Some(plan_key) = &campaign.plan_public_key else {
        return Ok(());
    };
    let (plan_pk, plan_id) = keys::parse_public_key(plan_key)?;
    let (pk, _) = keys::parse_public_key(&key.public_key)?;
    if keys::same_key(&plan_pk, &pk) {
        return Ok(());
    }
    Err(Mistake::NotThePlanKey {
        found: format!("{} ({})", key.key_id, key.fingerprint),
        expected: format!("{plan_id} ({})", keys::fingerprint(&plan_pk)),
    }
    .into())
}

/// Checks a plan file (bag, hashes, the signature: by `expected` when the reader already holds
/// the HQ key, else by the key it carries) and returns the plan, the criteria set's JSON and the
/// HQ public key file.
pub fn read_plan(
    path: &Path,
    expected: Option<&minisign::PublicKey>,
) -> Result<(PlanDoc, String, String)> {
    let bag = crate::bag::small::read(path, FileKind::Plan, MAX_PLAN_BYTES, expected)?;
    let get = |name: &str| bag.get(name);
    let key_id = bag.key_id.clone();
    let hq_pub = bag.public_key.clone();
    let plan: PlanDoc = serde_json::from_slice(get(PLAN_PATH)?)
        .map_err(|e| bad(format!("plan.json: {}", crate::error::json_text(&e))))?;
    if plan.format != PLAN_FORMAT || plan.hq_key_id != key_id {
        return Err(bad("plan.json: định dạng hoặc khóa không khớp"));
    }
    let criteria =
        String::from_utf8(get(CRITERIA_PATH)?.to_vec()).map_err(|_| bad(CRITERIA_PATH))?;
    if crate::digest::sha256_hex(criteria.as_bytes()) != plan.criteria_set_id {
        return Err(bad("bộ tiêu chí không khớp mã trong plan.json"));
    }
    Ok((plan, criteria, hq_pub))
}

/// Opens a plan on a delegation laptop: the campaign and units with the plan's ids, the set, and
/// the HQ key remembered on the trust list. Opening the same plan twice is refused. `expected`:
/// the HQ public key the delegation received apart (a `.pub`), which must have signed the plan.
pub fn import_plan(store: &mut Store, path: &Path, expected: Option<&str>) -> Result<ImportedPlan> {
    let expected = expected
        .map(|text| keys::parse_public_key(text).map(|(pk, _)| pk))
        .transpose()?;
    let (mut plan, criteria, hq_pub) = read_plan(path, expected.as_ref())?;
    crate::criteria::CriteriaSet::from_json(criteria.as_bytes())?;
    plan.units = checked_units(&plan)?;
    if store.campaign(&plan.campaign.id).is_ok() {
        return Err(Mistake::CampaignAlreadyHere {
            name: plan.campaign.name,
        }
        .into());
    }
    let delegation = plan.delegations.first();
    let key = keys::public_key_info(&hq_pub)?;
    // The HQ key enters the trust list with the campaign, or not at all.
    let tx = store.write_tx()?;
    crate::bundle::keyring::put_trusted_key(
        &tx,
        &hq_pub,
        &format!("Sở Nội vụ — {}", plan.campaign.name),
    )?;
    insert_campaign(
        &tx,
        &CampaignRows {
            campaign: &plan.campaign,
            criteria_set_id: &plan.criteria_set_id,
            criteria_json: &criteria,
            units: &plan.units,
            delegation_name: delegation.map(|d| d.name.as_str()).unwrap_or_default(),
            delegation_leader: delegation.map(|d| d.leader.as_str()).unwrap_or_default(),
            plan_id: Some(&plan.plan_id),
            plan_key_id: Some(&key.key_id),
            plan_public_key: Some(&key.public_key),
            required_cosignatures: delegation.map_or(0, |d| d.required_cosignatures),
        },
    )?;
    for d in &plan.delegations {
        for m in &d.members {
            let member = crate::units::Member {
                id: uuid::Uuid::new_v4().to_string(),
                campaign_id: plan.campaign.id.clone(),
                name: m.name.clone(),
                title: m.title.clone(),
                role: m.role.clone(),
            };
            crate::units::insert_member_row(&tx, &member)?;
        }
    }
    tx.commit()?;
    Ok(ImportedPlan {
        campaign_id: plan.campaign.id,
        campaign_name: plan.campaign.name,
        units: plan.units.len(),
        key_id: key.key_id,
        fingerprint: key.fingerprint,
    })
}

/// A plan's units checked as strictly as a unit list (codes and names as typed, known types,
/// coordinates), each code and id once, and every unit a delegation names among them — all
/// mistakes at once, nothing written. Returns the units as they will be stored.
fn checked_units(plan: &PlanDoc) -> Result<Vec<PlanUnit>> {
    let mut mistakes = Vec::new();
    let mut units = Vec::new();
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut ids = std::collections::HashSet::new();
    for (i, u) in plan.units.iter().enumerate() {
        let position = i + 1;
        let at = |mistake| Mistake::PlanUnitInvalid {
            position,
            mistake: Box::new(mistake),
        };
        let checked = crate::units::check_unit(&crate::units::NewUnit {
            code: u.code.clone(),
            name: u.name.clone(),
            unit_type: u.unit_type.clone(),
            latitude: u.latitude,
            longitude: u.longitude,
            group: Some(u.group.clone()),
        });
        let new = match checked {
            Ok(new) => new,
            Err(m) => {
                mistakes.push(at(m));
                continue;
            }
        };
        if let Some(first_line) = first.insert(new.code.clone(), position) {
            mistakes.push(at(Mistake::UnitCodeRepeated {
                code: new.code,
                first_line,
            }));
            continue;
        }
        if u.id.trim().is_empty() || !ids.insert(u.id.clone()) {
            mistakes.push(at(Mistake::PlanUnitIdRepeated { id: u.id.clone() }));
            continue;
        }
        units.push(PlanUnit {
            id: u.id.clone(),
            code: new.code,
            name: new.name,
            unit_type: new.unit_type,
            group: new.group.unwrap_or_default(),
            latitude: new.latitude,
            longitude: new.longitude,
        });
    }
    let listed: std::collections::HashSet<String> = plan
        .units
        .iter()
        .map(|u| crate::text::nfc(&u.code))
        .collect();
    for d in &plan.delegations {
        for code in &d.units {
            if !listed.contains(&crate::text::nfc(code)) {
                mistakes.push(Mistake::PlanDelegationUnknownUnit {
                    delegation: d.name.clone(),
                    code: code.clone(),
                });
            }
        }
    }
    if mistakes.is_empty() {
        Ok(units)
    } else {
        Err(Error::Mistakes(mistakes))
    }
}

/// A campaign as it arrives from a signed HQ file (plan, results), with the same ids.
pub(crate) struct CampaignRows<'a> {
    pub campaign: &'a PlanCampaign,
    pub criteria_set_id: &'a str,
    pub criteria_json: &'a str,
    pub units: &'a [PlanUnit],
    pub delegation_name: &'a str,
    pub delegation_leader: &'a str,
    pub plan_id: Option<&'a str>,
    pub plan_key_id: Option<&'a str>,
    pub plan_public_key: Option<&'a str>,
    pub required_cosignatures: u32,
}

/// Writes the set, the campaign and its units inside the caller's transaction.
pub(crate) fn insert_campaign(tx: &rusqlite::Connection, rows: &CampaignRows<'_>) -> Result<()> {
    let c = rows.campaign;
    let campaign = crate::store::Campaign {
        id: c.id.clone(),
        name: c.name.clone(),
        year: c.year,
        province: c.province.clone(),
        unit_group: c.unit_group.clone(),
        criteria_set_id: rows.criteria_set_id.into(),
        created_at: now(),
        delegation_name: rows.delegation_name.into(),
        delegation_leader: rows.delegation_leader.into(),
        plan_id: rows.plan_id.map(String::from),
        plan_key_id: rows.plan_key_id.map(String::from),
        plan_public_key: rows.plan_public_key.map(String::from),
        archived_at: None,
        required_cosignatures: rows.required_cosignatures,
    };
    crate::store::insert_campaign_row(tx, &campaign, rows.criteria_json)?;
    for u in rows.units {
        let unit = crate::units::Unit {
            id: u.id.clone(),
            campaign_id: c.id.clone(),
            code: u.code.clone(),
            name: u.name.clone(),
            unit_type: u.unit_type.clone(),
            latitude: u.latitude,
            longitude: u.longitude,
            group: u.group.clone(),
        };
        crate::units::insert_unit_row(tx, &unit)?;
    }
    Ok(())
}

/// A criteria set as signed files carry it: canonical JSON, whose SHA-256 is its id.
pub(crate) fn canonical_set(store: &Store, set_id: &str) -> Result<Vec<u8>> {
    let json = store.criteria_set_json(set_id)?;
    crate::bundle::result::canonical_bytes(
        &serde_json::from_str::<serde_json::Value>(&json)
            .map_err(|e| bad(crate::error::json_text(&e)))?,
    )
}

/// A campaign's units as the signed HQ files carry them.
pub(crate) fn plan_units(units: Vec<crate::units::Unit>) -> Vec<PlanUnit> {
    units
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
        .collect()
}

/// A campaign's identity as the signed HQ files carry it.
pub(crate) fn plan_campaign(c: &crate::store::Campaign) -> PlanCampaign {
    PlanCampaign {
        id: c.id.clone(),
        name: c.name.clone(),
        year: c.year,
        province: c.province.clone(),
        unit_group: c.unit_group.clone(),
    }
}

impl Store {
    /// Sets how many members' co-signatures a bundle of the campaign needs to count at HQ
    /// (written into the plan; recorded in the HQ decision log).
    pub fn set_required_cosignatures(&mut self, campaign_id: &str, count: u32) -> Result<()> {
        let campaign = self.campaign(campaign_id)?;
        if campaign.required_cosignatures == count {
            return Ok(());
        }
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        crate::store::set_campaign_cosignatures(&tx, campaign_id, count)?;
        let (old, new) = (
            campaign.required_cosignatures.to_string(),
            count.to_string(),
        );
        super::log_decision(
            &tx,
            campaign_id,
            &actor,
            &crate::audit::Change {
                action: "require-cosignatures",
                field: "required_cosignatures",
                old: Some(&old),
                new: Some(&new),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}
