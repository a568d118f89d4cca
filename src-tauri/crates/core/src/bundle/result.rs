//! `data/result.json`, `data/criteria.json` and `data/audit.jsonl`: what a bundle says, built from
//! the store, and the strict JSON reading the verifier applies to them.
use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::AuditEntry;
use crate::mistake::Missing;
use crate::photo::Gps;
use crate::scoring::{ColumnTotals, Entry};
use crate::store::Store;
use crate::visit::{Participant, entry_text};
use crate::{Error, Mistake, Result};

/// The `format` of `result.json` in bundle format 1.
pub const RESULT_FORMAT: &str = "thamdinh-result/1";
pub const RESULT_PATH: &str = "data/result.json";
pub const CRITERIA_PATH: &str = "data/criteria.json";
pub const AUDIT_PATH: &str = "data/audit.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDoc {
    pub format: String,
    pub bundle_id: String,
    pub revision: u32,
    pub supersedes: Option<String>,
    pub created_at: String,
    pub signer: SignerDoc,
    pub campaign: CampaignDoc,
    pub criteria_set: SetRef,
    pub audit: AuditRef,
    pub visits: Vec<VisitDoc>,
    /// Present only in a member's **partial** bundle: the share of one visit it covers. Its
    /// leaves, totals and audit replay are those of the scope alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeDoc>,
}

/// The share of a visit a partial bundle covers: area codes and the leaf codes under them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeDoc {
    pub areas: Vec<String>,
    pub leaves: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignerDoc {
    pub key_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDoc {
    pub id: String,
    pub name: String,
    pub year: i32,
    pub province: String,
    pub unit_group: String,
    pub delegation: DelegationDoc,
    /// The plan the campaign came from (absent for campaigns created on the laptop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelegationDoc {
    pub name: String,
    pub leader: String,
    pub members: Vec<MemberDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberDoc {
    pub name: String,
    pub title: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetRef {
    /// The set's identity: SHA-256 of its canonical JSON — which is exactly `file`'s bytes.
    pub id: String,
    pub name: String,
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRef {
    pub file: String,
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitDoc {
    pub id: String,
    pub unit: UnitDoc,
    pub visit_date: String,
    pub place: String,
    pub participants: Vec<Participant>,
    pub status: String,
    pub leaves: Vec<LeafDoc>,
    pub totals: TotalsDoc,
    pub evidence: Vec<EvidenceDoc>,
    pub photos: Vec<PhotoDoc>,
    /// The unit's drawn acknowledgement, when given (absent in bundles without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<AcknowledgementDoc>,
    /// The delegation's conclusions (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conclusions: Vec<crate::conclusions::Conclusion>,
}

/// The unit's representative confirmed the result by a signature drawn on the leader's laptop:
/// a picture covered by the manifests, not a digital signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcknowledgementDoc {
    pub name: String,
    pub title: String,
    pub at: String,
    /// `data/files/<sha256>.png`.
    pub image: String,
    pub image_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitDoc {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Scores as decimal strings (`"2.5"`), `"NA"`, or null when not scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeafDoc {
    pub code: String,
    pub self_assessed: Option<String>,
    pub appraised: Option<String>,
    pub round1: Option<String>,
    pub round2: Option<String>,
    pub na_reason: String,
    pub deduction_reason: String,
    pub explanation_request: String,
    pub explanation_answer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalsDoc {
    pub self_assessed: ColumnDoc,
    pub appraised: ColumnDoc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDoc {
    pub points: String,
    pub max: String,
    pub index: Option<String>,
    pub bonus: String,
    pub penalty: String,
}

impl From<&ColumnTotals> for ColumnDoc {
    fn from(c: &ColumnTotals) -> Self {
        ColumnDoc {
            points: c.total.points.to_string(),
            max: c.total.max.to_string(),
            index: c.total.index.map(|i| i.to_string()),
            bonus: c.bonus.to_string(),
            penalty: c.penalty.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceDoc {
    pub id: String,
    pub number: String,
    pub issued_on: Option<String>,
    pub issuer: String,
    pub summary: String,
    pub pages: String,
    /// `data/files/<sha256>.<ext>` when a file is attached.
    pub file: Option<String>,
    pub file_name: Option<String>,
    pub file_sha256: Option<String>,
    pub leaves: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoDoc {
    pub sha256: String,
    pub file: String,
    pub format: String,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    pub orientation: u16,
    pub taken_at: Option<String>,
    pub gps: Option<Gps>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub caption: String,
    pub leaves: Vec<String>,
    /// Ids of the evidence items (in this visit's `evidence`) the photo illustrates.
    pub evidence: Vec<String>,
}

/// One line of `audit.jsonl`: an audit entry and the visit it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub visit_id: String,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// A file of the store that goes into the bag's payload unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFile {
    /// Path inside the bag, `data/photos/<sha256>.jpg`.
    pub bag_path: String,
    pub source: PathBuf,
    /// The SHA-256 the store filed it under (checked again while exporting).
    pub sha256: String,
    pub size: u64,
}

/// Everything the payload holds, ready to write.
#[derive(Debug, Clone)]
pub struct Payload {
    pub result: ResultDoc,
    pub criteria_json: Vec<u8>,
    pub audit_jsonl: Vec<u8>,
    pub files: Vec<StoredFile>,
}

/// Identity of the bundle being made.
#[derive(Debug, Clone)]
pub struct BundleIdentity {
    pub bundle_id: String,
    pub revision: u32,
    pub supersedes: Option<String>,
    pub created_at: String,
    pub signer: SignerDoc,
}

fn entry_opt(e: Option<Entry>) -> Option<String> {
    e.map(entry_text)
}

impl Store {
    /// The payload of a bundle holding `visit_ids` (all of one campaign).
    pub fn bundle_payload(&self, visit_ids: &[String], id: BundleIdentity) -> Result<Payload> {
        self.scoped_payload(visit_ids, id, None)
    }

    /// [`Store::bundle_payload`], or with `areas` a member's partial bundle of one visit: only
    /// the leaves under those areas, totals computed over them.
    pub fn scoped_payload(
        &self,
        visit_ids: &[String],
        id: BundleIdentity,
        areas: Option<&[String]>,
    ) -> Result<Payload> {
        let scope = match areas {
            Some(areas) => {
                if visit_ids.len() != 1 {
                    return Err(Mistake::PartialBundleOfOneVisit.into());
                }
                let set = self.visit_set(&visit_ids[0])?;
                Some(ScopeDoc {
                    areas: areas.iter().map(|a| a.trim().to_string()).collect(),
                    leaves: set.area_leaves(areas)?,
                })
            }
            None => None,
        };
        if visit_ids.is_empty() {
            return Err(Mistake::NoVisitChosen.into());
        }
        let mut files = PayloadFiles {
            files: Vec::new(),
            seen: BTreeSet::new(),
            files_dir: self.files_dir()?,
            photos_dir: self.photos_dir()?,
        };
        let mut visits = Vec::new();
        let mut audit_jsonl = Vec::new();
        let mut audit_entries = 0u64;
        let mut campaign_id: Option<String> = None;
        for visit_id in visit_ids {
            let view = self.visit_view(visit_id)?;
            match &campaign_id {
                Some(c) if *c != view.campaign.id => {
                    return Err(Mistake::VisitsOfDifferentCampaigns.into());
                }
                _ => campaign_id = Some(view.campaign.id.clone()),
            }
            let visit = self.visit_doc(&view, scope.as_ref(), &mut files)?;
            for entry in self.audit(visit_id, None)? {
                let line = AuditLine {
                    visit_id: visit_id.clone(),
                    entry,
                };
                audit_jsonl.extend(canonical_bytes(&line)?);
                audit_jsonl.push(b'\n');
                audit_entries += 1;
            }
            visits.push(visit);
        }
        let campaign = self.campaign(campaign_id.as_deref().unwrap_or_default())?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let set_value: Value =
            serde_json::from_str(&self.criteria_set_json(&set.id)?).map_err(Error::internal)?;
        let criteria_json = canonical_bytes(&set_value)?;
        let mut files = files.files;
        files.sort_by(|a, b| a.bag_path.cmp(&b.bag_path));
        let result = ResultDoc {
            format: RESULT_FORMAT.into(),
            bundle_id: id.bundle_id,
            revision: id.revision,
            supersedes: id.supersedes,
            created_at: id.created_at,
            signer: id.signer,
            campaign: self.campaign_doc(&campaign)?,
            criteria_set: SetRef {
                id: set.id.clone(),
                name: set.title.clone(),
                file: CRITERIA_PATH.into(),
                sha256: crate::digest::sha256_hex(&criteria_json),
            },
            audit: AuditRef {
                file: AUDIT_PATH.into(),
                entries: audit_entries,
            },
            visits,
            scope,
        };
        Ok(Payload {
            result,
            criteria_json,
            audit_jsonl,
            files,
        })
    }

    /// What the bundle says of the campaign and its delegation.
    fn campaign_doc(&self, campaign: &crate::store::Campaign) -> Result<CampaignDoc> {
        let members = self
            .members(&campaign.id)?
            .into_iter()
            .map(|m| MemberDoc {
                name: m.name,
                title: m.title,
                role: m.role,
            })
            .collect();
        Ok(CampaignDoc {
            id: campaign.id.clone(),
            name: campaign.name.clone(),
            year: campaign.year,
            province: campaign.province.clone(),
            unit_group: campaign.unit_group.clone(),
            delegation: DelegationDoc {
                name: campaign.delegation_name.clone(),
                leader: campaign.delegation_leader.clone(),
                members,
            },
            plan_id: campaign.plan_id.clone(),
        })
    }

    /// One visit as the bundle carries it: its leaves (those in `scope`), totals over them, its
    /// evidence, photos and acknowledgement (their files added to `files`), its conclusions.
    fn visit_doc(
        &self,
        view: &crate::visit::VisitView,
        scope: Option<&ScopeDoc>,
        files: &mut PayloadFiles,
    ) -> Result<VisitDoc> {
        let visit_id = view.visit.id.as_str();
        let in_scope = |code: &str| scope.is_none_or(|s| s.leaves.iter().any(|c| c == code));
        let totals = match scope {
            None => view.totals.clone(),
            Some(_) => {
                let scores = crate::scoring::scores_from(
                    view.leaves
                        .iter()
                        .filter(|l| in_scope(&l.code))
                        .map(|l| (l.code.as_str(), l.self_assessed, l.appraised)),
                );
                crate::scoring::totals(&*self.visit_set(visit_id)?, &scores)
            }
        };
        let leaves = view
            .leaves
            .iter()
            .filter(|l| in_scope(&l.code) && has_content(l))
            .map(leaf_doc)
            .collect();
        let evidence = view
            .evidence
            .iter()
            .map(|e| evidence_doc(e, files))
            .collect::<Result<_>>()?;
        let photos = self
            .photos(visit_id)?
            .iter()
            .map(|p| photo_doc(p, files))
            .collect::<Result<_>>()?;
        let acknowledgement = match self.acknowledgement(visit_id)? {
            Some(a) => Some(AcknowledgementDoc {
                image: files.add_blob(&a.image_sha256, "png")?,
                name: a.name,
                title: a.title,
                at: a.at,
                image_sha256: a.image_sha256,
            }),
            None => None,
        };
        Ok(VisitDoc {
            id: view.visit.id.clone(),
            unit: UnitDoc {
                code: view.unit.code.clone(),
                name: view.unit.name.clone(),
                unit_type: view.unit.unit_type.clone(),
                latitude: view.unit.latitude,
                longitude: view.unit.longitude,
            },
            visit_date: view.visit.visit_date.clone(),
            place: view.visit.place.clone(),
            participants: view.visit.participants.clone(),
            status: serde_json::to_value(view.visit.status)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            leaves,
            totals: TotalsDoc {
                self_assessed: (&totals.self_assessed).into(),
                appraised: (&totals.appraised).into(),
            },
            evidence,
            photos,
            acknowledgement,
            conclusions: self.conclusions(visit_id)?,
        })
    }
}

/// The files a bundle carries, each once, by the path it has in the bag.
struct PayloadFiles {
    files: Vec<StoredFile>,
    seen: BTreeSet<String>,
    files_dir: PathBuf,
    photos_dir: PathBuf,
}

impl PayloadFiles {
    /// An attached file (evidence, a drawn acknowledgement), stored by SHA-256: its bag path.
    fn add_blob(&mut self, sha256: &str, ext: &str) -> Result<String> {
        let stored = crate::evidence::blob_file_name(sha256, ext);
        let bag_path = format!("data/files/{stored}");
        if self.seen.insert(bag_path.clone()) {
            let source = self.files_dir.join(&stored);
            self.files.push(stored_file(&bag_path, source, sha256)?);
        }
        Ok(bag_path)
    }

    /// A photo's original, byte for byte: its bag path.
    fn add_photo(&mut self, sha256: &str) -> Result<String> {
        let source = crate::photo::original_path(&self.photos_dir, sha256)
            .ok_or_else(|| Error::NotFound(Missing::StoredPhoto(sha256.to_string())))?;
        let name = source
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let bag_path = format!("data/photos/{name}");
        if self.seen.insert(bag_path.clone()) {
            self.files.push(stored_file(&bag_path, source, sha256)?);
        }
        Ok(bag_path)
    }
}

/// A leaf goes into the bundle when anything was entered for it.
fn has_content(l: &crate::visit::LeafRecord) -> bool {
    l.self_assessed.is_some()
        || l.appraised.is_some()
        || l.round1.is_some()
        || l.round2.is_some()
        || !(l.na_reason.is_empty()
            && l.deduction_reason.is_empty()
            && l.explanation_request.is_empty()
            && l.explanation_answer.is_empty())
}

fn leaf_doc(l: &crate::visit::LeafRecord) -> LeafDoc {
    LeafDoc {
        code: l.code.clone(),
        self_assessed: entry_opt(l.self_assessed),
        appraised: entry_opt(l.appraised),
        round1: entry_opt(l.round1),
        round2: entry_opt(l.round2),
        na_reason: l.na_reason.clone(),
        deduction_reason: l.deduction_reason.clone(),
        explanation_request: l.explanation_request.clone(),
        explanation_answer: l.explanation_answer.clone(),
    }
}

fn evidence_doc(e: &crate::evidence::Evidence, files: &mut PayloadFiles) -> Result<EvidenceDoc> {
    let file = match (&e.file_sha256, &e.file_name) {
        (Some(sha), Some(name)) => Some(files.add_blob(sha, crate::evidence::file_ext(name))?),
        _ => None,
    };
    Ok(EvidenceDoc {
        id: e.id.clone(),
        number: e.number.clone(),
        issued_on: e.issued_on.clone(),
        issuer: e.issuer.clone(),
        summary: e.summary.clone(),
        pages: e.pages.clone(),
        file,
        file_name: e.file_name.clone(),
        file_sha256: e.file_sha256.clone(),
        leaves: e.leaves.clone(),
    })
}

fn photo_doc(p: &crate::gallery::Photo, files: &mut PayloadFiles) -> Result<PhotoDoc> {
    let m = &p.meta;
    Ok(PhotoDoc {
        file: files.add_photo(&m.sha256)?,
        sha256: m.sha256.clone(),
        format: m.format.clone(),
        size_bytes: m.size_bytes,
        width: m.width,
        height: m.height,
        orientation: m.orientation,
        taken_at: m.taken_at.clone(),
        gps: m.gps,
        make: m.make.clone(),
        model: m.model.clone(),
        caption: p.caption.clone(),
        leaves: p.leaves.clone(),
        evidence: p.evidence.clone(),
    })
}

fn stored_file(bag_path: &str, source: PathBuf, sha256: &str) -> Result<StoredFile> {
    let size = std::fs::metadata(&source)
        .map_err(|e| {
            Error::NotFound(Missing::File(format!(
                "{}: {}",
                source.display(),
                crate::error::io_text(&e)
            )))
        })?
        .len();
    Ok(StoredFile {
        bag_path: bag_path.into(),
        source,
        sha256: sha256.into(),
        size,
    })
}

pub use crate::canonical::{JsonProblem, canonical_bytes, parse_canonical, parse_strict};
