//! The unit's acknowledgement (xác nhận của đơn vị): the unit's representative, who has no key,
//! confirms the result on the leader's laptop with their name, title, the time and a signature
//! drawn on screen. The drawing is a PNG stored by SHA-256 and carried in the bundle, covered by
//! its manifests and named by the visit's audit log — it is a drawn acknowledgement, not a
//! digital signature, and every screen and document says so.
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, Change};
use crate::store::{Store, now};
use crate::{Mistake, Result};

/// A drawing is small: anything bigger is not a signature pad's output.
const MAX_PNG_BYTES: usize = 2 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Acknowledgement {
    pub name: String,
    pub title: String,
    /// RFC 3339.
    pub at: String,
    pub image_sha256: String,
}

impl Store {
    /// Records (or replaces) the unit's acknowledgement of a visit, audited. The visit may be
    /// locked: acknowledging changes no score.
    pub fn acknowledge(
        &mut self,
        visit_id: &str,
        name: &str,
        title: &str,
        png: &[u8],
    ) -> Result<Acknowledgement> {
        self.visit(visit_id)?;
        if name.trim().is_empty() {
            return Err(Mistake::AcknowledgerNameEmpty.into());
        }
        if png.len() > MAX_PNG_BYTES || !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(Mistake::SignatureNotPng.into());
        }
        let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .map_err(|_| Mistake::SignatureUnreadable)?;
        if img.width() < 20 || img.height() < 10 || img.width() > 4000 || img.height() > 4000 {
            return Err(Mistake::SignatureSize {
                width: img.width(),
                height: img.height(),
            }
            .into());
        }
        let dir = self.files_dir()?;
        let (sha, _) = crate::evidence::store_blob(&dir, png, "png")?;
        let ack = Acknowledgement {
            name: name.trim().to_string(),
            title: title.trim().to_string(),
            at: now(),
            image_sha256: sha,
        };
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO visit_acknowledgement (visit_id, name, title, at, image_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (visit_id) DO UPDATE SET name = excluded.name, title = excluded.title,
                at = excluded.at, image_sha256 = excluded.image_sha256",
            params![visit_id, ack.name, ack.title, ack.at, ack.image_sha256],
        )?;
        let who = if ack.title.is_empty() {
            ack.name.clone()
        } else {
            format!("{}, {}", ack.name, ack.title)
        };
        audit::append(
            &tx,
            visit_id,
            &actor,
            &Change {
                action: ACTION,
                field: "acknowledgement",
                new: Some(&ack.image_sha256),
                reason: &who,
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(ack)
    }

    /// The drawn acknowledgement as it was saved (PNG bytes), if given: shown back in the app and
    /// printed in the minutes.
    pub fn acknowledgement_image(&self, visit_id: &str) -> Result<Option<Vec<u8>>> {
        let Some(ack) = self.acknowledgement(visit_id)? else {
            return Ok(None);
        };
        let file = self
            .files_dir()?
            .join(crate::evidence::blob_file_name(&ack.image_sha256, "png"));
        Ok(Some(std::fs::read(file)?))
    }

    /// The unit's acknowledgement of a visit, if given.
    pub fn acknowledgement(&self, visit_id: &str) -> Result<Option<Acknowledgement>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, title, at, image_sha256 FROM visit_acknowledgement WHERE visit_id = ?1",
                [visit_id],
                |r| {
                    Ok(Acknowledgement {
                        name: r.get(0)?,
                        title: r.get(1)?,
                        at: r.get(2)?,
                        image_sha256: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }
}

/// The audit action that records an acknowledgement (its `new` is the drawing's SHA-256).
pub const ACTION: &str = "acknowledge";
