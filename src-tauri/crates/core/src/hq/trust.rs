//! The trust list as Sở Nội vụ uses it. Trusting a key releases the bundles it signed that were
//! quarantined (each re-verified with the key now trusted); revoking one refuses its later
//! bundles and flags those already imported for review, with the reason — neither silently
//! dropped nor silently kept.
use std::path::Path;
use std::sync::atomic::AtomicBool;

use rusqlite::params;

use super::import::{ImportOutcome, classify};
use crate::audit::Change;
use crate::bundle::keyring::{self, TrustedKeyEntry};
use crate::bundle::{Limits, Signers, verify_contents};
use crate::mistake::Missing;
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

impl Store {
    /// Adds a key to the trust list and counts the bundles it signed that were waiting in
    /// quarantine; returns their new outcomes. `delegation`: the delegation HQ makes the key a
    /// member of (its members may revise and co-sign each other's bundles); without it the key
    /// signs first bundles but revises no other key's. Renaming a trusted key, or changing its
    /// delegation, is a decision in the HQ log, never a silent relabel.
    pub fn hq_trust_add(
        &mut self,
        pub_text: &str,
        label: &str,
        delegation: Option<&str>,
    ) -> Result<(TrustedKeyEntry, Vec<ImportOutcome>)> {
        let (_, key_id) = crate::bag::keys::parse_public_key(pub_text)?;
        let actor = self.actor()?;
        // The key, its new name and its delegation with their decisions: one transaction.
        let tx = self.write_tx()?;
        let before = keyring::trusted_entry(&tx, &key_id)?;
        keyring::put_trusted_key(&tx, pub_text, label)?;
        let entry = keyring::trusted_entry(&tx, &key_id)?
            .ok_or_else(|| Error::NotFound(Missing::TrustedKey(key_id.to_string())))?;
        if let Some(b) = before.filter(|b| b.label != entry.label) {
            log_trust_decision(
                &tx,
                &actor,
                "rename_key",
                &entry.key_id,
                Some(&b.label),
                &entry.label,
            )?;
        }
        if let Some(d) = delegation {
            assign(&tx, &actor, &entry, d)?;
        }
        tx.commit()?;
        let entry = self.trusted_key(&key_id)?.unwrap_or(entry);
        let outcomes = self.release_quarantined(&entry)?;
        Ok((entry, outcomes))
    }

    /// Makes a trusted key a member of a delegation (an HQ decision in the log).
    pub fn hq_trust_assign(&mut self, key_id: &str, delegation: &str) -> Result<TrustedKeyEntry> {
        let entry = self
            .trusted_key(key_id)?
            .ok_or_else(|| Error::NotFound(Missing::KeyNotTrusted(key_id.trim().to_uppercase())))?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        assign(&tx, &actor, &entry, delegation)?;
        tx.commit()?;
        self.trusted_key(&entry.key_id)?
            .ok_or_else(|| Error::NotFound(Missing::TrustedKey(entry.key_id.clone())))
    }

    /// The bundles a newly trusted key signed (as leader or co-signer), checked again with it.
    /// A signature that does not check with the real key is ignored with a warning: the bundle
    /// stays as it was (a quarantined one uncounted) — trusting a key never removes anything.
    fn release_quarantined(&mut self, entry: &TrustedKeyEntry) -> Result<Vec<ImportOutcome>> {
        let waiting: Vec<(String, String, String)> = self
            .conn
            .prepare(
                "SELECT id, campaign_id, stored_file FROM hq_bundle
                 WHERE (signer_key_id = ?1 AND trusted = 0) OR instr(cosignatures, ?1) > 0",
            )?
            .query_map([&entry.key_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let keys = self.verification_keys()?;
        let data_dir = self.data_dir()?;
        let actor = self.actor()?;
        let mut outcomes = Vec::new();
        for (id, campaign_id, stored) in waiting {
            let file = data_dir.join(&stored);
            // Leader or co-signer: every signature by the new key must now check.
            let checked = verify_contents(
                &file,
                &keys,
                Signers::AllowUntrusted,
                &Limits::default(),
                &|_, _| {},
                &AtomicBool::new(false),
            );
            let result_json: String = self.conn.query_row(
                "SELECT result_json FROM hq_bundle WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )?;
            let result: crate::bundle::result::ResultDoc =
                serde_json::from_str(&result_json).map_err(Error::internal)?;
            let tx = self.write_tx()?;
            if let Ok(v) = &checked {
                tx.execute(
                    "UPDATE hq_bundle SET trusted = ?2, cosignatures = ?3 WHERE id = ?1",
                    params![id, v.trusted, super::import::cosignatures_json(v)?],
                )?;
            }
            super::log_decision(
                &tx,
                &campaign_id,
                &actor,
                &Change {
                    action: if checked.is_ok() {
                        "release"
                    } else {
                        "ignore_signature"
                    },
                    code: &id,
                    reason: &entry.key_id,
                    ..Default::default()
                },
            )?;
            tx.commit()?;
            let mut o = classify(self, &campaign_id, &result, &file)?;
            o.bundle_id = Some(id);
            if let Err(r) = checked {
                o.message = format!(
                    "chữ ký của khóa {} trong gói này không khớp nội dung ({}): bỏ qua chữ ký đó, gói giữ nguyên — {}",
                    entry.key_id, r.entry, o.message
                );
            }
            outcomes.push(o);
        }
        Ok(outcomes)
    }

    /// Revokes a key from a date (now) with a reason; returns how many imported bundles it
    /// signed are now flagged for review.
    pub fn hq_trust_revoke(&mut self, key_id: &str, reason: &str) -> Result<usize> {
        super::merge::require_reason(reason)?;
        let key_id = key_id.trim().to_uppercase();
        let known = self
            .trusted_keys()?
            .into_iter()
            .find(|k| k.key_id == key_id);
        match known {
            None => {
                return Err(Error::NotFound(Missing::KeyNotTrusted(key_id.to_string())));
            }
            Some(k) if k.revoked_at.is_some() => {
                return Err(Mistake::KeyRevokedBefore { key_id }.into());
            }
            Some(_) => {}
        }
        let at = now();
        let flag = format!(
            "khóa ký {key_id} bị thu hồi lúc {}: {}",
            super::import::local_time(&at),
            reason.trim()
        );
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        crate::bundle::keyring::set_key_revoked(&tx, &key_id, Some(&at), reason.trim())?;
        let flagged = tx.execute(
            "UPDATE hq_bundle SET review_reason = ?2 WHERE signer_key_id = ?1 AND trusted = 1",
            params![key_id, flag],
        )?;
        let campaigns: Vec<String> = tx
            .prepare("SELECT DISTINCT campaign_id FROM hq_bundle WHERE signer_key_id = ?1")?
            .query_map([&key_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for c in campaigns {
            super::log_decision(
                &tx,
                &c,
                &actor,
                &Change {
                    action: "revoke_key",
                    code: &key_id,
                    reason: reason.trim(),
                    ..Default::default()
                },
            )?;
        }
        tx.commit()?;
        Ok(flagged)
    }

    /// Keeps (counts again) or sets aside a bundle flagged for review, with the reason.
    pub fn hq_review(&mut self, bundle_id: &str, keep: bool, reason: &str) -> Result<()> {
        super::merge::require_reason(reason)?;
        let campaign_id: String = self
            .conn
            .query_row(
                "SELECT campaign_id FROM hq_bundle WHERE id = ?1 AND review_reason != ''",
                [bundle_id],
                |r| r.get(0),
            )
            .map_err(|_| Error::NotFound(Missing::BundleUnderReview(bundle_id.to_string())))?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        if keep {
            tx.execute(
                "UPDATE hq_bundle SET review_reason = '' WHERE id = ?1",
                [bundle_id],
            )?;
        } else {
            tx.execute(
                "UPDATE hq_bundle SET trusted = 0, review_reason = '' WHERE id = ?1",
                [bundle_id],
            )?;
        }
        super::log_decision(
            &tx,
            &campaign_id,
            &actor,
            &Change {
                action: if keep {
                    "review_keep"
                } else {
                    "review_set_aside"
                },
                code: bundle_id,
                reason: reason.trim(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Sets a key's delegation and logs the decision (nothing when it is already that one).
fn assign(
    tx: &rusqlite::Connection,
    actor: &str,
    entry: &TrustedKeyEntry,
    delegation: &str,
) -> Result<()> {
    let delegation = crate::text::one_line(delegation);
    if delegation == entry.delegation {
        return Ok(());
    }
    keyring::set_key_delegation(tx, &entry.key_id, &delegation)?;
    log_trust_decision(
        tx,
        actor,
        "assign_delegation",
        &entry.key_id,
        Some(&entry.delegation),
        &delegation,
    )
}

/// The trust list serves every campaign of the store: a decision about it is logged in each
/// campaign's HQ decision log.
fn log_trust_decision(
    tx: &rusqlite::Connection,
    actor: &str,
    action: &str,
    key_id: &str,
    old: Option<&str>,
    new: &str,
) -> Result<()> {
    for c in crate::store::campaign_ids(tx)? {
        super::log_decision(
            tx,
            &c,
            actor,
            &Change {
                action,
                code: key_id,
                field: "trusted_key",
                old,
                new: Some(new),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// Reads a `.pub` file for the trust list.
pub fn read_public_key(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Mistake::cannot_read(path, &e).into())
}
