//! Sở Nội vụ's half (HQ): what happens to bundles once they arrive. Kept apart from the field
//! side: its own tables (`hq_*`, schema v7), its own decision log (hash-chained per campaign like a
//! visit's), and the same scoring function as the field side for every figure.
//!
//! - [`import`]: many bundles at once, each verified completely before anything is written, then
//!   stored in one transaction; outcomes with stable codes.
//! - [`merge`]: which bundle counts (revision chains, forks), per-leaf disagreements between
//!   delegations and the officer's resolutions; never last-writer-wins.
//! - [`trust`]: the trust list as HQ uses it: add (releasing quarantined bundles), revoke.
//! - [`survey`]: survey points (điểm điều tra XHH) from a sheet.
//! - [`results`]: per-unit totals, index, ranking within groups, bands; CSV.
//! - [`workbook`]: the province workbook (.xlsx).
//! - [`plan`]: the campaign plan file signed with the HQ key.
//! - [`publish`]: the province results signed with the HQ key, and their independent recomputation.
//!   Both are small signed bags ([`crate::bag::small`]).
pub mod import;
pub mod merge;
pub mod plan;
pub mod publish;
pub mod results;
pub mod survey;
pub mod trust;
pub mod workbook;

use crate::audit::{self, Change, Log};
use crate::store::{Campaign, Store};
use crate::{Error, Mistake, Result};

impl Store {
    /// The campaign an HQ command works on: the one given, else the only campaign that has
    /// received bundles, else the only campaign of the store.
    pub fn hq_campaign(&self, given: Option<&str>) -> Result<Campaign> {
        if let Some(id) = given {
            return self.campaign(id);
        }
        let with_bundles: Vec<String> = self
            .conn
            .prepare("SELECT DISTINCT campaign_id FROM hq_bundle")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if let [only] = with_bundles.as_slice() {
            return self.campaign(only);
        }
        let all = self.campaigns()?;
        match all.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(Error::NotFound(crate::mistake::Missing::AnyCampaign)),
            _ => Err(Mistake::ChooseACampaign {
                count: all.len(),
                campaigns: all
                    .iter()
                    .map(|c| format!("{} {}", c.id, c.name))
                    .collect::<Vec<_>>()
                    .join("; "),
            }
            .into()),
        }
    }

    /// Sở Nội vụ's decisions about a campaign (imports, resolutions, survey, revocations), oldest
    /// first.
    pub fn hq_log(&self, campaign_id: &str) -> Result<Vec<audit::AuditEntry>> {
        self.log_entries(Log::Hq, campaign_id, None)
    }

    /// Checks the hash chain of a campaign's HQ decision log; returns the number of entries.
    pub fn verify_hq_log(&self, campaign_id: &str) -> Result<usize> {
        let entries = self.hq_log(campaign_id)?;
        audit::verify_chain(campaign_id, &entries)?;
        Ok(entries.len())
    }
}

/// Deletes everything Sở Nội vụ holds for a campaign (bundles, their leaves and units,
/// decisions, survey points, import lines, bands), inside the caller's transaction; returns the
/// stored bundle files that the rows named (to remove once committed, when nothing else uses them).
pub(crate) fn delete_campaign_hq(
    tx: &rusqlite::Connection,
    campaign_id: &str,
) -> Result<Vec<String>> {
    let stored: Vec<String> = tx
        .prepare("SELECT stored_file FROM hq_bundle WHERE campaign_id = ?1")?
        .query_map([campaign_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sql in [
        "DELETE FROM hq_leaf WHERE bundle_id IN (SELECT id FROM hq_bundle WHERE campaign_id = ?1)",
        "DELETE FROM hq_bundle_unit WHERE bundle_id IN (SELECT id FROM hq_bundle WHERE campaign_id = ?1)",
        "DELETE FROM hq_bundle WHERE campaign_id = ?1",
        "DELETE FROM hq_resolution WHERE campaign_id = ?1",
        "DELETE FROM hq_survey WHERE campaign_id = ?1",
        "DELETE FROM hq_import_line WHERE campaign_id = ?1",
    ] {
        tx.execute(sql, [campaign_id])?;
    }
    crate::store::delete_setting(tx, &results::bands_key(campaign_id))?;
    Ok(stored)
}

/// How many bundles Sở Nội vụ received for a campaign, or for one unit of it.
pub(crate) fn received_bundles(
    conn: &rusqlite::Connection,
    campaign_id: &str,
    unit_code: Option<&str>,
) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(DISTINCT b.id) FROM hq_bundle b LEFT JOIN hq_bundle_unit bu ON bu.bundle_id = b.id
         WHERE b.campaign_id = ?1 AND (?2 IS NULL OR bu.unit_code = ?2)",
        rusqlite::params![campaign_id, unit_code],
        |r| r.get(0),
    )?)
}

/// Whether a stored bundle file is still named by a received bundle (another campaign's import of
/// the same file).
pub(crate) fn stored_file_in_use(conn: &rusqlite::Connection, stored_file: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM hq_bundle WHERE stored_file = ?1)",
        [stored_file],
        |r| r.get(0),
    )?)
}

/// Records an HQ decision inside the caller's transaction.
pub(crate) fn log_decision(
    tx: &rusqlite::Connection,
    campaign_id: &str,
    actor: &str,
    change: &Change<'_>,
) -> Result<()> {
    audit::append_to(tx, Log::Hq, campaign_id, actor, change).map(|_| ())
}

/// The units of a campaign by code.
pub(crate) fn unit_codes(
    store: &Store,
    campaign_id: &str,
) -> Result<std::collections::BTreeMap<String, crate::units::Unit>> {
    Ok(store
        .units(campaign_id)?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect())
}

/// Text as people compare it: trimmed, lower case (province names typed on two laptops).
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let norm = |s: &str| s.trim().nfc().collect::<String>().to_lowercase();
    norm(a) == norm(b)
}
