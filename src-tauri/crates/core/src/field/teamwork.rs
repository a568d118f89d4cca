//! A delegation splits a visit: each member scores their areas on their own laptop and exports a
//! partial bundle (`bundle::export_scoped_bundle`); the leader merges them into the visit here.
//! Values arrive in the visit's audit log under their author's name; a leaf the member appraised
//! differently from the visit is a conflict the leader resolves with a reason — never
//! last-writer-wins. Merging the same partial bundle twice changes nothing.
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, Change, Log};
use crate::bundle::consistency::field_value;
use crate::bundle::result::VisitDoc;
use crate::bundle::{Limits, Signers, TrustedKey, verify_contents};
use crate::mistake::Missing;
use crate::scoring::{Column, Entry, check_entry};
use crate::store::Store;
use crate::visit::{LeafField, entry_text, write_field_in};
use crate::{Error, Mistake, Result};

/// A leaf a member's partial bundle appraised differently from the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeafConflict {
    pub visit: String,
    pub code: String,
    /// The visit's appraised value (`NA` or a decimal with a dot).
    pub ours: Option<String>,
    /// The member's.
    pub theirs: Option<String>,
    pub bundle_id: String,
    pub author: String,
}

/// What merging one partial bundle did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MergeOutcome {
    pub file: String,
    pub bundle_id: String,
    /// `merged`, or `duplicate` when this partial bundle was merged before (nothing changed).
    pub status: String,
    pub author: String,
    pub author_key_id: String,
    /// The author's key is on this laptop's trust list (else only the bag's integrity is checked).
    pub author_trusted: bool,
    pub areas: Vec<String>,
    /// Values written into the visit.
    pub values: u32,
    pub evidence: u32,
    pub photos: u32,
    /// The leaves left for the leader to resolve.
    pub conflicts: Vec<LeafConflict>,
}

fn refuse(what: String) -> Error {
    Mistake::not_valid(crate::mistake::FileKind::PartialBundle, what).into()
}

impl Store {
    /// The conflicts of a visit not yet resolved, by leaf code.
    pub fn visit_conflicts(&self, visit_id: &str) -> Result<Vec<LeafConflict>> {
        let current = self.current_values(visit_id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT code, theirs, bundle_id, author FROM visit_conflict WHERE visit_id = ?1
             ORDER BY code, bundle_id",
        )?;
        let rows = stmt.query_map([visit_id], |r| {
            Ok(LeafConflict {
                visit: visit_id.to_string(),
                code: r.get(0)?,
                ours: None,
                theirs: r.get(1)?,
                bundle_id: r.get(2)?,
                author: r.get(3)?,
            })
        })?;
        let mut out: Vec<LeafConflict> = rows.collect::<rusqlite::Result<_>>()?;
        for c in &mut out {
            c.ours = current
                .get(&(c.code.clone(), LeafField::Appraised.as_str().to_string()))
                .cloned()
                .flatten();
        }
        Ok(out)
    }

    /// Each (leaf, field) value of a visit as its audit log leads to.
    fn current_values(&self, visit_id: &str) -> Result<HashMap<(String, String), Option<String>>> {
        Ok(audit::replay(&self.audit(visit_id, None)?).0)
    }

    /// Merges a member's partial bundle into a visit (see the module documentation). The bundle
    /// is verified completely first — `trusted` says whose signature is checked; another key's
    /// bundle is accepted on its integrity and reported as such — and must be of the visit's
    /// campaign, criteria set and unit (each refused by name).
    pub fn merge_partial(
        &mut self,
        visit_id: &str,
        file: &Path,
        trusted: &[TrustedKey],
    ) -> Result<MergeOutcome> {
        let visit = self.ensure_draft(visit_id)?;
        let unit = self.unit(&visit.unit_id)?;
        let campaign = self.campaign(&unit.campaign_id)?;
        let verified = verify_contents(
            file,
            trusted,
            Signers::AllowUntrusted,
            &Limits::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .map_err(|r| refuse(format!("{} không hợp lệ: {r}", file.display())))?;
        let (result, scope) = partial_of(&verified, file, &campaign, &unit)?;
        let theirs: &VisitDoc = &result.visits[0];
        let author = verified.signer_name.clone();
        let mut outcome = MergeOutcome {
            file: file.display().to_string(),
            bundle_id: result.bundle_id.clone(),
            status: "duplicate".into(),
            author: author.clone(),
            author_key_id: verified.signer_key_id.clone(),
            author_trusted: verified.trusted,
            areas: scope.areas.clone(),
            values: 0,
            evidence: 0,
            photos: 0,
            conflicts: Vec::new(),
        };
        let merged = crate::audit::codes_logged(&self.conn, Log::Visit, visit_id, "merge_partial")?;
        if merged.contains(&result.bundle_id) {
            return Ok(outcome);
        }

        // Files first (content-addressed, harmless if the merge then fails).
        let metas = self.store_partial_files(file, theirs)?;
        let current = self.current_values(visit_id)?;
        let leader = self.actor()?;
        let by = Contribution {
            visit_id,
            bundle_id: &result.bundle_id,
            author: &author,
            actor: format!("{author} (khóa {})", verified.signer_key_id),
            reason: format!("gói từng phần {}", result.bundle_id),
        };
        let tx = self.write_tx()?;
        outcome.values = merge_leaves(&tx, &by, theirs, &current)?;
        outcome.evidence = merge_evidence(&tx, &by, theirs)?;
        outcome.photos = merge_photos(&tx, &by, theirs, &metas)?;
        let sha = crate::digest::file_sha256(file)?;
        let summary = format!(
            "{author}, lĩnh vực {}: {} giá trị",
            scope.areas.join(", "),
            outcome.values
        );
        audit::append(
            &tx,
            visit_id,
            &leader,
            &Change {
                action: "merge_partial",
                code: &result.bundle_id,
                new: Some(&sha),
                reason: &summary,
                ..Default::default()
            },
        )?;
        tx.commit()?;
        outcome.status = "merged".into();
        outcome.conflicts = self
            .visit_conflicts(visit_id)?
            .into_iter()
            .filter(|c| c.bundle_id == result.bundle_id)
            .collect();
        Ok(outcome)
    }

    /// A partial bundle's attached files and photos, stored before its values are merged;
    /// returns the photos' records in the bundle's order.
    fn store_partial_files(
        &self,
        file: &Path,
        theirs: &VisitDoc,
    ) -> Result<Vec<crate::photo::PhotoMeta>> {
        let files = read_payload_files(file, theirs)?;
        let files_dir = self.files_dir()?;
        for e in &theirs.evidence {
            if let (Some(path), Some(name)) = (&e.file, &e.file_name) {
                crate::evidence::store_blob(
                    &files_dir,
                    &files[path],
                    crate::evidence::file_ext(name),
                )?;
            }
        }
        let photos_dir = self.photos_dir()?;
        theirs
            .photos
            .iter()
            .map(|p| {
                crate::photo::ingest_bytes(&photos_dir, &files[&p.file])
                    .map_err(|e| refuse(format!("ảnh {}: {e}", p.file)))
            })
            .collect()
    }

    /// Settles a conflict on one leaf: the appraised value the leader decides, with the reason
    /// (recorded with the change; used as the deduction or N/A reason when the leaf has none).
    pub fn resolve_leaf(
        &mut self,
        visit_id: &str,
        code: &str,
        value: &str,
        reason: &str,
    ) -> Result<()> {
        self.ensure_draft(visit_id)?;
        if reason.trim().is_empty() {
            return Err(Mistake::ReasonNeeded.into());
        }
        if !self
            .visit_conflicts(visit_id)?
            .iter()
            .any(|c| c.code == code)
        {
            return Err(Error::NotFound(Missing::VisitConflict(code.to_string())));
        }
        let set = self.visit_set(visit_id)?;
        let node = set.leaf(code)?;
        let entry = Entry::parse(value)?.ok_or(Mistake::NoValueGiven)?;
        check_entry(&set, node, Column::Appraised, entry)?;
        let current = self.current_values(visit_id)?;
        let has = |f: LeafField| {
            current
                .get(&(code.to_string(), f.as_str().to_string()))
                .is_some_and(Option::is_some)
        };
        let reason_field = match entry {
            Entry::NotApplicable => LeafField::NaReason,
            Entry::Points(p) if p < node.max_points => LeafField::DeductionReason,
            Entry::Points(_) => LeafField::Appraised,
        };
        let actor = self.actor()?;
        let why = format!("giải quyết xung đột: {}", reason.trim());
        let tx = self.write_tx()?;
        write_field_in(
            &tx,
            &actor,
            visit_id,
            code,
            LeafField::Appraised,
            Some(&entry_text(entry)),
            "set",
            &why,
        )?;
        if reason_field != LeafField::Appraised && !has(reason_field) {
            write_field_in(
                &tx,
                &actor,
                visit_id,
                code,
                reason_field,
                Some(reason.trim()),
                "set",
                &why,
            )?;
        }
        tx.execute(
            "DELETE FROM visit_conflict WHERE visit_id = ?1 AND code = ?2",
            params![visit_id, code],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// The evidence files and photos a visit of a (verified) bundle names, read from the archive.
fn read_payload_files(file: &Path, visit: &VisitDoc) -> Result<HashMap<String, Vec<u8>>> {
    let wanted: Vec<&String> = visit
        .evidence
        .iter()
        .filter_map(|e| e.file.as_ref())
        .chain(visit.photos.iter().map(|p| &p.file))
        .collect();
    // Through the bag reader's bounded reads, as the verifier read them.
    let refused = |r: crate::bag::Rejection| Error::BundleRejected(r);
    let limits = crate::bag::Limits {
        max_document_bytes: crate::bag::Limits::default().max_entry_bytes,
        ..Default::default()
    };
    let mut archive = crate::bag::archive::Archive::open(file, &limits).map_err(refused)?;
    let mut out = HashMap::new();
    for w in wanted {
        if !archive.entries.contains_key(w.as_str()) {
            return Err(refuse(format!("thiếu tệp {w} trong gói")));
        }
        out.insert(w.clone(), archive.read(w).map_err(refused)?);
    }
    Ok(out)
}

/// The checks of a partial bundle against the visit it merges into: a partial bundle, of the
/// visit's campaign, criteria set and unit (each refused by name).
fn partial_of(
    verified: &crate::bundle::VerifiedBundle,
    file: &Path,
    campaign: &crate::store::Campaign,
    unit: &crate::units::Unit,
) -> Result<(
    crate::bundle::result::ResultDoc,
    crate::bundle::result::ScopeDoc,
)> {
    let result = verified
        .result
        .clone()
        .ok_or_else(|| Error::internal("gói đã kiểm tra mà không có result.json"))?;
    let Some(scope) = result.scope.clone() else {
        return Err(Mistake::WholeBundleNotPartial {
            file: file.display().to_string(),
        }
        .into());
    };
    if result.campaign.id != campaign.id {
        return Err(Mistake::PartialOfAnotherCampaign {
            theirs: format!("«{}» ({})", result.campaign.name, result.campaign.id),
            ours: format!("«{}» ({})", campaign.name, campaign.id),
        }
        .into());
    }
    if result.criteria_set.id != campaign.criteria_set_id {
        return Err(Mistake::PartialOfAnotherCriteriaSet {
            theirs: result.criteria_set.id.clone(),
            ours: campaign.criteria_set_id.clone(),
        }
        .into());
    }
    let theirs = &result.visits[0];
    if theirs.unit.code != unit.code {
        return Err(Mistake::PartialOfAnotherUnit {
            theirs: format!("{} ({})", theirs.unit.code, theirs.unit.name),
            ours: format!("{} ({})", unit.code, unit.name),
        }
        .into());
    }
    Ok((result, scope))
}

/// Who merges what into which visit: the member's bundle, recorded in the audit log as theirs.
struct Contribution<'a> {
    visit_id: &'a str,
    bundle_id: &'a str,
    author: &'a str,
    /// The audit author of the merged entries: the member and their key.
    actor: String,
    reason: String,
}

/// The member's leaves: a different appraised value becomes a conflict for the leader; every
/// field still empty here takes the member's value. Returns the values written.
fn merge_leaves(
    tx: &rusqlite::Connection,
    by: &Contribution,
    theirs: &VisitDoc,
    current: &HashMap<(String, String), Option<String>>,
) -> Result<u32> {
    let mut written = 0;
    for leaf in &theirs.leaves {
        let ours = |f: LeafField| {
            current
                .get(&(leaf.code.clone(), f.as_str().to_string()))
                .cloned()
                .flatten()
        };
        let their_value = field_value(leaf, LeafField::Appraised);
        let differs = matches!((&ours(LeafField::Appraised), &their_value),
            (Some(a), Some(b)) if a != b);
        if differs {
            tx.execute(
                "INSERT OR REPLACE INTO visit_conflict (visit_id, code, theirs, bundle_id, author)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![by.visit_id, leaf.code, their_value, by.bundle_id, by.author],
            )?;
            continue;
        }
        for field in LeafField::ALL {
            if let (None, Some(value)) = (ours(field), field_value(leaf, field))
                && write_field_in(
                    tx,
                    &by.actor,
                    by.visit_id,
                    &leaf.code,
                    field,
                    Some(&value),
                    "set",
                    &by.reason,
                )?
            {
                written += 1;
            }
        }
    }
    Ok(written)
}

/// The member's evidence items not yet in the register. Returns how many were added.
fn merge_evidence(tx: &rusqlite::Connection, by: &Contribution, theirs: &VisitDoc) -> Result<u32> {
    let mut added = 0;
    for e in &theirs.evidence {
        let item = crate::evidence::Evidence {
            id: e.id.clone(),
            number: e.number.clone(),
            issued_on: e.issued_on.clone(),
            issuer: e.issuer.clone(),
            summary: e.summary.clone(),
            pages: e.pages.clone(),
            file_sha256: e.file_sha256.clone(),
            file_name: e.file_name.clone(),
            leaves: e.leaves.clone(),
        };
        if crate::evidence::insert_evidence(tx, by.visit_id, &by.actor, &item, &by.reason)? {
            added += 1;
        }
    }
    Ok(added)
}

/// The member's photos not yet in the visit, with their links to leaves and evidence; each one
/// added is audited. Returns how many were added.
fn merge_photos(
    tx: &rusqlite::Connection,
    by: &Contribution,
    theirs: &VisitDoc,
    metas: &[crate::photo::PhotoMeta],
) -> Result<u32> {
    let mut added = 0;
    for (p, meta) in theirs.photos.iter().zip(metas) {
        let photo = crate::gallery::NewPhoto {
            meta,
            caption: &p.caption,
            leaves: &p.leaves,
            evidence: &p.evidence,
        };
        added += u32::from(crate::gallery::insert_photo(
            tx,
            by.visit_id,
            &by.actor,
            &photo,
            &by.reason,
        )?);
    }
    Ok(added)
}
