//! The evidence register (tài liệu kiểm chứng) of a visit, and attached files stored once by
//! SHA-256 (written atomically, see [`crate::files`]).
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, Change};
use crate::mistake::Missing;
use crate::number::parse_date;
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Evidence {
    pub id: String,
    /// Số, ký hiệu (e.g. `52/KH-UBND`).
    pub number: String,
    /// Ngày ban hành, yyyy-mm-dd.
    pub issued_on: Option<String>,
    pub issuer: String,
    /// Trích yếu.
    pub summary: String,
    pub pages: String,
    pub file_sha256: Option<String>,
    pub file_name: Option<String>,
    /// Leaf codes this item proves.
    pub leaves: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct NewEvidence {
    pub number: String,
    /// dd/mm/yyyy or yyyy-mm-dd; empty when unknown.
    pub issued_on: String,
    pub issuer: String,
    pub summary: String,
    pub pages: String,
    pub leaves: Vec<String>,
}

/// What an edit of an evidence item changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct EvidenceEdit {
    pub number: Option<String>,
    /// dd/mm/yyyy or yyyy-mm-dd; empty clears it.
    pub issued_on: Option<String>,
    pub issuer: Option<String>,
    pub summary: Option<String>,
    pub pages: Option<String>,
    pub leaves: Option<Vec<String>>,
}

/// An item as the audit log and people name it: number and summary.
fn described(ev: &Evidence) -> String {
    format!("{} {}", ev.number, ev.summary).trim().to_string()
}

/// The stored name of a blob: `<sha256>.<ext>`, the extension reduced to a few safe characters.
pub fn blob_file_name(sha256: &str, ext: &str) -> String {
    let ext: String = ext
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect::<String>()
        .to_lowercase();
    if ext.is_empty() {
        sha256.to_string()
    } else {
        format!("{sha256}.{ext}")
    }
}

/// The extension an attached file is stored under, from its original name.
pub fn file_ext(file_name: &str) -> &str {
    Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
}

/// Writes `bytes` under `dir/<sha256>.<ext>` unless already there; returns the hash and path.
pub fn store_blob(dir: &Path, bytes: &[u8], ext: &str) -> Result<(String, PathBuf)> {
    let sha = crate::digest::sha256_hex(bytes);
    let path = dir.join(blob_file_name(&sha, ext));
    if !path.exists() {
        crate::files::write_atomic(&path, bytes)?;
    }
    Ok((sha, path))
}

/// Records an evidence item (its file already stored) with its links and audit entry, inside
/// the caller's transaction; an item whose id is already there is left as it is (false).
pub(crate) fn insert_evidence(
    tx: &rusqlite::Connection,
    visit_id: &str,
    actor: &str,
    ev: &Evidence,
    reason: &str,
) -> Result<bool> {
    let added = tx.execute(
        "INSERT OR IGNORE INTO evidence (id, visit_id, number, issued_on, issuer, summary, pages, file_sha256, file_name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![ev.id, visit_id, ev.number, ev.issued_on, ev.issuer, ev.summary, ev.pages, ev.file_sha256, ev.file_name, now()],
    )?;
    if added == 0 {
        return Ok(false);
    }
    for code in &ev.leaves {
        tx.execute(
            "INSERT OR IGNORE INTO evidence_leaf (evidence_id, code) VALUES (?1, ?2)",
            params![ev.id, code],
        )?;
    }
    let described = format!("{} {}", ev.number, ev.summary);
    audit::append(
        tx,
        visit_id,
        actor,
        &Change {
            action: "add_evidence",
            code: &ev.leaves.join(","),
            new: Some(described.trim()),
            reason,
            ..Default::default()
        },
    )?;
    Ok(true)
}

/// `dd/mm/yyyy` (or ISO) as stored: `yyyy-mm-dd`, none when empty.
fn stored_date(text: &str) -> Result<Option<String>> {
    match text.trim() {
        "" => Ok(None),
        d => Ok(Some(
            parse_date(d)
                .ok_or_else(|| Mistake::NotADate { text: d.into() })?
                .format("%Y-%m-%d")
                .to_string(),
        )),
    }
}

/// Leaf codes as given: trimmed, each once, every one a leaf of the set.
fn checked_leaves(set: &crate::criteria::CriteriaSet, codes: &[String]) -> Result<Vec<String>> {
    let mut leaves: Vec<String> = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        set.leaf(code)?;
        if !leaves.iter().any(|l| l == code) {
            leaves.push(code.to_string());
        }
    }
    Ok(leaves)
}

impl Store {
    /// One evidence item and the visit it belongs to.
    pub fn evidence_item(&self, evidence_id: &str) -> Result<(String, Evidence)> {
        let visit_id: String = self
            .conn
            .query_row(
                "SELECT visit_id FROM evidence WHERE id = ?1",
                [evidence_id.trim()],
                |r| r.get(0),
            )
            .map_err(|_| Error::NotFound(Missing::Evidence(evidence_id.to_string())))?;
        let item = self
            .evidence(&visit_id)?
            .into_iter()
            .find(|e| e.id == evidence_id.trim())
            .ok_or_else(|| Error::NotFound(Missing::Evidence(evidence_id.to_string())))?;
        Ok((visit_id, item))
    }

    /// Corrects an evidence item of a visit not locked (number, date, issuer, summary, pages,
    /// leaves); audited with what it was and what it is, and the reason if given.
    pub fn edit_evidence(
        &mut self,
        evidence_id: &str,
        edit: &EvidenceEdit,
        reason: &str,
    ) -> Result<Evidence> {
        let (visit_id, old) = self.evidence_item(evidence_id)?;
        self.ensure_draft(&visit_id)?;
        let set = self.visit_set(&visit_id)?;
        let text = |given: &Option<String>, was: &str| {
            given
                .as_deref()
                .map_or_else(|| was.to_string(), |g| g.trim().to_string())
        };
        let new = Evidence {
            id: old.id.clone(),
            number: text(&edit.number, &old.number),
            issued_on: match &edit.issued_on {
                Some(d) => stored_date(d)?,
                None => old.issued_on.clone(),
            },
            issuer: text(&edit.issuer, &old.issuer),
            summary: text(&edit.summary, &old.summary),
            pages: text(&edit.pages, &old.pages),
            file_sha256: old.file_sha256.clone(),
            file_name: old.file_name.clone(),
            leaves: match &edit.leaves {
                Some(codes) => checked_leaves(&set, codes)?,
                None => old.leaves.clone(),
            },
        };
        if new.summary.is_empty() {
            return Err(Mistake::EvidenceSummaryEmpty.into());
        }
        if new == old {
            return Ok(new);
        }
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE evidence SET number = ?2, issued_on = ?3, issuer = ?4, summary = ?5, pages = ?6
             WHERE id = ?1",
            params![
                new.id,
                new.number,
                new.issued_on,
                new.issuer,
                new.summary,
                new.pages
            ],
        )?;
        tx.execute(
            "DELETE FROM evidence_leaf WHERE evidence_id = ?1",
            [&new.id],
        )?;
        for code in &new.leaves {
            tx.execute(
                "INSERT INTO evidence_leaf (evidence_id, code) VALUES (?1, ?2)",
                params![new.id, code],
            )?;
        }
        let (was, is) = (
            format!("{} [{}]", described(&old), old.leaves.join(", ")),
            format!("{} [{}]", described(&new), new.leaves.join(", ")),
        );
        audit::append(
            &tx,
            &visit_id,
            &actor,
            &Change {
                action: "edit_evidence",
                code: &new.leaves.join(","),
                field: &new.id,
                old: Some(&was),
                new: Some(&is),
                reason: reason.trim(),
            },
        )?;
        tx.commit()?;
        Ok(new)
    }

    /// Removes an evidence item from a visit not locked, with the reason (audited); it is in no
    /// later bundle. Its file stays stored while another item still refers to it.
    pub fn remove_evidence(&mut self, evidence_id: &str, reason: &str) -> Result<Evidence> {
        if reason.trim().is_empty() {
            return Err(Mistake::ReasonNeeded.into());
        }
        let (visit_id, old) = self.evidence_item(evidence_id)?;
        self.ensure_draft(&visit_id)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "DELETE FROM evidence_leaf WHERE evidence_id = ?1",
            [&old.id],
        )?;
        tx.execute(
            "DELETE FROM photo_evidence WHERE evidence_id = ?1",
            [&old.id],
        )?;
        tx.execute("DELETE FROM evidence WHERE id = ?1", [&old.id])?;
        audit::append(
            &tx,
            &visit_id,
            &actor,
            &Change {
                action: "remove_evidence",
                code: &old.leaves.join(","),
                field: &old.id,
                old: Some(&described(&old)),
                reason: reason.trim(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        if let (Some(sha), Some(name)) = (&old.file_sha256, &old.file_name) {
            let still_used: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM evidence WHERE file_sha256 = ?1)",
                [sha],
                |r| r.get(0),
            )?;
            if !still_used {
                let path = self.files_dir()?.join(blob_file_name(sha, file_ext(name)));
                crate::files::remove_if_present(&path)?;
            }
        }
        Ok(old)
    }

    /// Adds an evidence item, optionally with a file (name, bytes), linked to the given leaves.
    pub fn add_evidence(
        &mut self,
        visit_id: &str,
        new: &NewEvidence,
        file: Option<(&str, &[u8])>,
    ) -> Result<Evidence> {
        self.ensure_draft(visit_id)?;
        if new.summary.trim().is_empty() {
            return Err(Mistake::EvidenceSummaryEmpty.into());
        }
        let issued_on = stored_date(&new.issued_on)?;
        let leaves = checked_leaves(&*self.visit_set(visit_id)?, &new.leaves)?;
        let (file_sha256, file_name) = match file {
            Some((name, bytes)) => {
                if bytes.is_empty() {
                    return Err(Mistake::EmptyFile { name: name.into() }.into());
                }
                let dir = self.files_dir()?;
                let (sha, _) = store_blob(&dir, bytes, file_ext(name))?;
                (Some(sha), Some(name.to_string()))
            }
            None => (None, None),
        };
        let ev = Evidence {
            id: uuid::Uuid::new_v4().to_string(),
            number: new.number.trim().into(),
            issued_on,
            issuer: new.issuer.trim().into(),
            summary: new.summary.trim().into(),
            pages: new.pages.trim().into(),
            file_sha256,
            file_name,
            leaves,
        };
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        insert_evidence(&tx, visit_id, &actor, &ev, "")?;
        tx.commit()?;
        Ok(ev)
    }

    /// Links (or unlinks) an evidence item and a leaf.
    pub fn link_evidence(
        &mut self,
        visit_id: &str,
        evidence_id: &str,
        code: &str,
        linked: bool,
    ) -> Result<()> {
        self.ensure_draft(visit_id)?;
        self.visit_set(visit_id)?.leaf(code)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        let owner: Option<String> = tx
            .query_row(
                "SELECT visit_id FROM evidence WHERE id = ?1",
                [evidence_id],
                |r| r.get(0),
            )
            .ok();
        if owner.as_deref() != Some(visit_id) {
            return Err(Error::NotFound(Missing::EvidenceInVisit(
                evidence_id.to_string(),
            )));
        }
        let changed = if linked {
            tx.execute(
                "INSERT OR IGNORE INTO evidence_leaf (evidence_id, code) VALUES (?1, ?2)",
                params![evidence_id, code],
            )?
        } else {
            tx.execute(
                "DELETE FROM evidence_leaf WHERE evidence_id = ?1 AND code = ?2",
                params![evidence_id, code],
            )?
        };
        if changed > 0 {
            let action = if linked {
                "link_evidence"
            } else {
                "unlink_evidence"
            };
            audit::append(
                &tx,
                visit_id,
                &actor,
                &Change {
                    action,
                    code,
                    new: Some(evidence_id),
                    ..Default::default()
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn evidence(&self, visit_id: &str) -> Result<Vec<Evidence>> {
        let mut links: HashMap<String, Vec<String>> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT l.evidence_id, l.code FROM evidence_leaf l JOIN evidence e ON e.id = l.evidence_id WHERE e.visit_id = ?1 ORDER BY l.code",
        )?;
        for row in stmt.query_map([visit_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (id, code) = row?;
            links.entry(id).or_default().push(code);
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, number, issued_on, issuer, summary, pages, file_sha256, file_name
             FROM evidence WHERE visit_id = ?1 ORDER BY created_at, rowid",
        )?;
        let rows = stmt.query_map([visit_id], |r| {
            let id: String = r.get(0)?;
            Ok(Evidence {
                leaves: links.get(&id).cloned().unwrap_or_default(),
                id,
                number: r.get(1)?,
                issued_on: r.get(2)?,
                issuer: r.get(3)?,
                summary: r.get(4)?,
                pages: r.get(5)?,
                file_sha256: r.get(6)?,
                file_name: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn evidence_counts(&self, visit_id: &str) -> Result<HashMap<String, u32>> {
        let mut stmt = self.conn.prepare(
            "SELECT l.code, count(*) FROM evidence_leaf l JOIN evidence e ON e.id = l.evidence_id WHERE e.visit_id = ?1 GROUP BY l.code",
        )?;
        let rows = stmt.query_map([visit_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
