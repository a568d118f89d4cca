//! The photos of a visit: metadata recorded after ingest, captions, links to leaves, and the flags
//! a reviewer wants (taken on another day than the visit, or far from the unit).
use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, Change};
use crate::mistake::Missing;
use crate::photo::{IngestFailure, Ingested, PhotoMeta};
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

/// Farther than this from the unit's location, a photo is flagged.
pub const FAR_KM: f64 = 2.0;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Photo {
    pub meta: PhotoMeta,
    pub caption: String,
    pub leaves: Vec<String>,
    /// Ids of the evidence items this photo illustrates.
    pub evidence: Vec<String>,
    /// Taken on a day other than the visit date (by the photo's own local date).
    pub other_day: bool,
    /// No capture time in the photo: when and where it was taken cannot be checked (review it).
    pub no_time: bool,
    /// Distance to the unit in km, when both locations are known.
    pub distance_km: Option<f64>,
    pub far: bool,
}

/// What an import of photos into a visit did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct IngestReport {
    pub added: usize,
    /// Photos that were already in the visit (the same bytes): nothing to add.
    pub already: usize,
    pub failures: Vec<IngestFailure>,
    pub cancelled: bool,
}

/// Great-circle distance in km.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

impl Store {
    /// The folder photos are stored in (`<data dir>/photos`).
    pub fn photos_dir(&self) -> Result<std::path::PathBuf> {
        Ok(self.data_dir()?.join("photos"))
    }

    /// The photo store folder of a visit that may still take photos (a draft): the first thing
    /// an import checks, before any file is copied.
    pub fn photo_folder_for(&self, visit_id: &str) -> Result<std::path::PathBuf> {
        self.ensure_draft(visit_id)?;
        self.photos_dir()
    }

    /// The second step of adding photos to a visit: records what [`crate::photo::ingest_paths`]
    /// stored, in one transaction, and says what became of the import.
    pub fn record_ingested(&mut self, visit_id: &str, ingested: &Ingested) -> Result<IngestReport> {
        let stored = ingested.stored();
        let added = self.add_photos(visit_id, &stored)?;
        Ok(IngestReport {
            added,
            already: stored.len().saturating_sub(added),
            failures: ingested.failures(),
            cancelled: ingested.cancelled,
        })
    }

    /// Records ingested photos in a visit (the same photo twice is recorded once).
    pub fn add_photos(&mut self, visit_id: &str, metas: &[PhotoMeta]) -> Result<usize> {
        self.ensure_draft(visit_id)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        let mut added = 0;
        for meta in metas {
            let photo = NewPhoto {
                meta,
                caption: "",
                leaves: &[],
                evidence: &[],
            };
            added += usize::from(insert_photo(&tx, visit_id, &actor, &photo, "")?);
        }
        tx.commit()?;
        Ok(added)
    }

    /// The visit's photos by capture time (photos without one last), with their flags.
    pub fn photos(&self, visit_id: &str) -> Result<Vec<Photo>> {
        let visit = self.visit(visit_id)?;
        let unit = self.unit(&visit.unit_id)?;
        let mut links = std::collections::HashMap::<String, Vec<String>>::new();
        let mut evidence_links = std::collections::HashMap::<String, Vec<String>>::new();
        let mut stmt = self.conn.prepare(
            "SELECT sha256, evidence_id FROM photo_evidence WHERE visit_id = ?1 ORDER BY evidence_id",
        )?;
        for row in stmt.query_map([visit_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (sha, id) = row?;
            evidence_links.entry(sha).or_default().push(id);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT sha256, code FROM photo_leaf WHERE visit_id = ?1 ORDER BY code")?;
        for row in stmt.query_map([visit_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (sha, code) = row?;
            links.entry(sha).or_default().push(code);
        }
        let mut stmt = self.conn.prepare(
            "SELECT meta, caption FROM photo WHERE visit_id = ?1 ORDER BY taken_at IS NULL, taken_at, added_at",
        )?;
        let rows = stmt.query_map([visit_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (json, caption) = row?;
            let meta: PhotoMeta = serde_json::from_str(&json).map_err(Error::internal)?;
            let other_day = meta
                .taken_at
                .as_deref()
                .is_some_and(|t| !t.starts_with(&visit.visit_date));
            let no_time = meta.taken_at.is_none();
            let distance_km = match (meta.gps, unit.latitude, unit.longitude) {
                (Some(g), Some(lat), Some(lon)) => {
                    Some(haversine_km((g.latitude, g.longitude), (lat, lon)))
                }
                _ => None,
            };
            out.push(Photo {
                leaves: links.remove(&meta.sha256).unwrap_or_default(),
                evidence: evidence_links.remove(&meta.sha256).unwrap_or_default(),
                meta,
                caption,
                other_day,
                no_time,
                far: distance_km.is_some_and(|d| d > FAR_KM),
                distance_km,
            });
        }
        Ok(out)
    }

    /// Removes a photo from a visit not locked (a stray or private one), with the reason
    /// (audited): it is in no later bundle nor minutes. Its files stay stored while another visit
    /// still holds the same photo.
    pub fn remove_photo(&mut self, visit_id: &str, sha256: &str, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Mistake::ReasonNeeded.into());
        }
        self.ensure_draft(visit_id)?;
        let sha256 = sha256.trim().to_lowercase();
        let meta: String = self
            .conn
            .query_row(
                "SELECT meta FROM photo WHERE visit_id = ?1 AND sha256 = ?2",
                params![visit_id, sha256],
                |r| r.get(0),
            )
            .map_err(|_| Error::NotFound(Missing::PhotoInVisit(sha256.to_string())))?;
        let meta: PhotoMeta = serde_json::from_str(&meta).map_err(Error::internal)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        for table in ["photo_leaf", "photo_evidence", "photo"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE visit_id = ?1 AND sha256 = ?2"),
                params![visit_id, sha256],
            )?;
        }
        audit::append(
            &tx,
            visit_id,
            &actor,
            &Change {
                action: "remove_photo",
                old: Some(&sha256),
                reason: reason.trim(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        let still_used: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM photo WHERE sha256 = ?1)",
            [&sha256],
            |r| r.get(0),
        )?;
        if !still_used {
            let dir = self.photos_dir()?;
            let print = format!("prints/{sha256}.jpg");
            for place in [&meta.original, &meta.thumbnail, &meta.preview, &print] {
                crate::files::remove_if_present(&dir.join(place))?;
            }
        }
        Ok(())
    }

    pub fn set_photo_caption(&mut self, visit_id: &str, sha256: &str, caption: &str) -> Result<()> {
        self.ensure_draft(visit_id)?;
        let n = self.conn.execute(
            "UPDATE photo SET caption = ?3 WHERE visit_id = ?1 AND sha256 = ?2",
            params![visit_id, sha256, caption.trim()],
        )?;
        if n == 0 {
            return Err(Error::NotFound(Missing::PhotoInVisit(sha256.to_string())));
        }
        Ok(())
    }

    /// Links (or unlinks) a photo and a leaf.
    pub fn link_photo(
        &mut self,
        visit_id: &str,
        sha256: &str,
        code: &str,
        linked: bool,
    ) -> Result<()> {
        self.visit_set(visit_id)?.leaf(code)?;
        self.link_photo_to(visit_id, sha256, PhotoLink::Leaf(code), linked)
    }

    /// Links (or unlinks) a photo and an evidence item of the same visit.
    pub fn link_photo_evidence(
        &mut self,
        visit_id: &str,
        sha256: &str,
        evidence_id: &str,
        linked: bool,
    ) -> Result<()> {
        if !self.evidence(visit_id)?.iter().any(|e| e.id == evidence_id) {
            return Err(Error::NotFound(Missing::EvidenceInVisit(
                evidence_id.to_string(),
            )));
        }
        self.link_photo_to(visit_id, sha256, PhotoLink::Evidence(evidence_id), linked)
    }

    /// One audited insert or delete in `photo_leaf` or `photo_evidence`.
    fn link_photo_to(
        &mut self,
        visit_id: &str,
        sha256: &str,
        target: PhotoLink<'_>,
        linked: bool,
    ) -> Result<()> {
        self.ensure_draft(visit_id)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM photo WHERE visit_id = ?1 AND sha256 = ?2)",
            params![visit_id, sha256],
            |r| r.get(0),
        )?;
        if !known {
            return Err(Error::NotFound(Missing::PhotoInVisit(sha256.to_string())));
        }
        let (table, column, value, action, code) = match target {
            PhotoLink::Leaf(code) => ("photo_leaf", "code", code, "photo", code),
            PhotoLink::Evidence(id) => ("photo_evidence", "evidence_id", id, "photo_evidence", ""),
        };
        let changed = if linked {
            tx.execute(
                &format!(
                    "INSERT OR IGNORE INTO {table} (visit_id, sha256, {column}) VALUES (?1, ?2, ?3)"
                ),
                params![visit_id, sha256, value],
            )?
        } else {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE visit_id = ?1 AND sha256 = ?2 AND {column} = ?3"
                ),
                params![visit_id, sha256, value],
            )?
        };
        if changed > 0 {
            let action = format!("{}_{action}", if linked { "link" } else { "unlink" });
            // A leaf link names the leaf in `code`; an evidence link names both ends in `new`.
            let new = match target {
                PhotoLink::Leaf(_) => sha256.to_string(),
                PhotoLink::Evidence(id) => format!("{sha256} → {id}"),
            };
            audit::append(
                &tx,
                visit_id,
                &actor,
                &Change {
                    action: &action,
                    code,
                    new: Some(&new),
                    ..Default::default()
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// What a photo can be linked to.
#[derive(Debug, Clone, Copy)]
enum PhotoLink<'a> {
    Leaf(&'a str),
    Evidence(&'a str),
}

/// A photo as it enters a visit: stored, with its caption and links (a member's photo arrives
/// with them).
pub(crate) struct NewPhoto<'a> {
    pub meta: &'a PhotoMeta,
    pub caption: &'a str,
    pub leaves: &'a [String],
    pub evidence: &'a [String],
}

/// Records a photo in a visit with its links and its audit entry, inside the caller's
/// transaction: the one place the photo tables are written for a new photo. The same photo twice
/// is recorded once (false).
pub(crate) fn insert_photo(
    tx: &rusqlite::Connection,
    visit_id: &str,
    actor: &str,
    photo: &NewPhoto<'_>,
    reason: &str,
) -> Result<bool> {
    let meta = photo.meta;
    let json = serde_json::to_string(meta).map_err(Error::internal)?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO photo (visit_id, sha256, meta, taken_at, caption, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            visit_id,
            meta.sha256,
            json,
            meta.taken_at,
            photo.caption,
            now()
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    for code in photo.leaves {
        tx.execute(
            "INSERT OR IGNORE INTO photo_leaf (visit_id, sha256, code) VALUES (?1, ?2, ?3)",
            params![visit_id, meta.sha256, code],
        )?;
    }
    for ev in photo.evidence {
        tx.execute(
            "INSERT OR IGNORE INTO photo_evidence (visit_id, sha256, evidence_id) VALUES (?1, ?2, ?3)",
            params![visit_id, meta.sha256, ev],
        )?;
    }
    audit::append(
        tx,
        visit_id,
        actor,
        &Change {
            action: "add_photo",
            new: Some(&meta.sha256),
            reason,
            ..Default::default()
        },
    )?;
    Ok(true)
}
