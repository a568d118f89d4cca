//! Taking back what was entered by mistake at the campaign level: a unit without recorded work,
//! a whole campaign (the demo made twice) after saying what goes, or archiving one to hide it
//! without deleting anything. A visit's own evidence and photos are removed where they live
//! ([`crate::evidence`], [`crate::gallery`]). Files stay stored while anything still refers to
//! them; bundles already exported elsewhere are never touched.
use serde::Serialize;
use ts_rs::TS;

use crate::mistake::Missing;
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

/// What deleting a campaign takes with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CampaignContents {
    pub campaign_id: String,
    pub name: String,
    pub units: u32,
    pub members: u32,
    pub visits: u32,
    /// Leaf values typed (self-assessed, appraised, reasons…).
    pub values: u32,
    pub evidence: u32,
    pub photos: u32,
    /// Bundles received at Sở Nội vụ for this campaign.
    pub received_bundles: u32,
}

impl CampaignContents {
    /// Said in Vietnamese, as the confirmation shows it.
    pub fn said(&self) -> String {
        format!(
            "đợt «{}»: {} đơn vị, {} thành viên, {} phiếu thẩm định, {} giá trị đã nhập, {} tài liệu kiểm chứng, {} ảnh, {} gói đã nhận",
            self.name,
            self.units,
            self.members,
            self.visits,
            self.values,
            self.evidence,
            self.photos,
            self.received_bundles
        )
    }
}

/// The visits of a campaign, by id.
fn visit_ids(conn: &rusqlite::Connection, campaign_id: &str) -> Result<Vec<String>> {
    Ok(conn
        .prepare(
            "SELECT v.id FROM visit v JOIN unit u ON u.id = v.unit_id WHERE u.campaign_id = ?1",
        )?
        .query_map([campaign_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// What a campaign holds (what deleting it would take).
    pub fn campaign_contents(&self, campaign_id: &str) -> Result<CampaignContents> {
        let campaign = self.campaign(campaign_id)?;
        let count = |sql: &str| -> Result<u32> {
            Ok(self.conn.query_row(sql, [campaign_id], |r| r.get(0))?)
        };
        const VISITS: &str =
            "SELECT v.id FROM visit v JOIN unit u ON u.id = v.unit_id WHERE u.campaign_id = ?1";
        Ok(CampaignContents {
            campaign_id: campaign.id.clone(),
            name: campaign.name,
            units: count("SELECT count(*) FROM unit WHERE campaign_id = ?1")?,
            members: count("SELECT count(*) FROM member WHERE campaign_id = ?1")?,
            visits: count(&format!("SELECT count(*) FROM ({VISITS})"))?,
            values: count(&format!(
                "SELECT count(*) FROM leaf_value WHERE visit_id IN ({VISITS})"
            ))?,
            evidence: count(&format!(
                "SELECT count(*) FROM evidence WHERE visit_id IN ({VISITS})"
            ))?,
            photos: count(&format!(
                "SELECT count(*) FROM photo WHERE visit_id IN ({VISITS})"
            ))?,
            received_bundles: crate::hq::received_bundles(&self.conn, campaign_id, None)?,
        })
    }

    /// Deletes a campaign and everything in it, in one transaction; then the stored files that
    /// nothing refers to any more. Returns what went.
    pub fn delete_campaign(&mut self, campaign_id: &str) -> Result<CampaignContents> {
        let contents = self.campaign_contents(campaign_id)?;
        let data_dir = self.data_dir().ok();
        let tx = self.write_tx()?;
        // Each area deletes its own rows: logs, export records, visits, HQ's, units, the campaign.
        let visits = visit_ids(&tx, campaign_id)?;
        crate::audit::delete_campaign_logs(&tx, campaign_id, &visits)?;
        for v in &visits {
            crate::bundle::export::forget_exports_of(&tx, v)?;
            crate::visit::delete_visit_rows(&tx, v)?;
        }
        let stored_bundles = crate::hq::delete_campaign_hq(&tx, campaign_id)?;
        crate::units::delete_units_of(&tx, campaign_id)?;
        crate::store::delete_campaign_row(&tx, campaign_id)?;
        tx.commit()?;
        if let Some(dir) = data_dir {
            for stored in stored_bundles {
                if !crate::hq::stored_file_in_use(&self.conn, &stored)? {
                    crate::files::remove_if_present(&dir.join(&stored))?;
                }
            }
            self.remove_unreferenced_files()?;
        }
        Ok(contents)
    }

    /// Evidence files and photos no row refers to any more (after a campaign went).
    fn remove_unreferenced_files(&self) -> Result<()> {
        self.remove_unused_in(
            &self.files_dir()?,
            "SELECT EXISTS (SELECT 1 FROM evidence WHERE file_sha256 = ?1)",
        )?;
        let photos = self.photos_dir()?;
        for folder in ["originals", "thumbs", "previews", "prints"] {
            self.remove_unused_in(
                &photos.join(folder),
                "SELECT EXISTS (SELECT 1 FROM photo WHERE sha256 = ?1)",
            )?;
        }
        Ok(())
    }

    /// The files `<sha256>[.ext]` of `dir` that `used` (a query on the hash) says nothing uses.
    fn remove_unused_in(&self, dir: &std::path::Path, used: &str) -> Result<()> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let sha = name.split('.').next().unwrap_or_default().to_string();
            if sha.len() != 64 {
                continue;
            }
            if !self.conn.query_row(used, [&sha], |r| r.get::<_, bool>(0))? {
                crate::files::remove_if_present(&e.path())?;
            }
        }
        Ok(())
    }

    /// Hides a campaign from the lists without deleting anything (or shows it again).
    pub fn set_campaign_archived(&mut self, campaign_id: &str, archived: bool) -> Result<()> {
        self.campaign(campaign_id)?;
        let at = archived.then(now);
        crate::store::set_campaign_archived_at(&self.conn, campaign_id, at.as_deref())
    }

    /// Removes a unit entered by mistake; refused while it has recorded work (a visit, or a
    /// bundle received for it at Sở Nội vụ).
    pub fn remove_unit(&mut self, campaign_id: &str, code: &str) -> Result<()> {
        let code = crate::text::nfc(code);
        let unit = self
            .units(campaign_id)?
            .into_iter()
            .find(|u| u.code == code)
            .ok_or_else(|| Error::NotFound(Missing::UnitInCampaign(code.to_string())))?;
        let visits: u32 = self.conn.query_row(
            "SELECT count(*) FROM visit WHERE unit_id = ?1",
            [&unit.id],
            |r| r.get(0),
        )?;
        let received = crate::hq::received_bundles(&self.conn, campaign_id, Some(&code))?;
        if visits > 0 || received > 0 {
            return Err(Mistake::UnitHasWork {
                code,
                visits,
                bundles: received,
            }
            .into());
        }
        crate::units::delete_unit_row(&self.conn, &unit.id)
    }
}
