//! Which bundle counts, and where delegations disagree.
//!
//! - A **chain** is the revision series of the same visits (`Bundle-Supersedes` links a re-export
//!   to its parent; the visits' ids stay the same). In each chain the highest revision counts and
//!   the others are history, whatever order they arrived in. Two bundles with the same revision
//!   in one chain are a **fork**: neither counts until one of them is chosen (`choose_fork`);
//!   the highest single revision below them counts meanwhile.
//! - Counted bundles of different chains for the same unit are compared leaf by leaf: leaves with
//!   different appraised values are **conflicts** that the officer resolves (a value and a reason,
//!   recorded in the HQ decision log). Never last-writer-wins.
use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::audit::Change;
use crate::scoring::{Column, Entry, check_entry};
use crate::store::{Store, now};
use crate::visit::entry_text;
use crate::{Error, Mistake, Result};

/// A bundle received at HQ, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct HqBundle {
    pub id: String,
    pub file_sha256: String,
    pub campaign_id: String,
    pub chain: String,
    pub revision: u32,
    pub supersedes: Option<String>,
    pub signer_key_id: String,
    pub signer_name: String,
    pub trusted: bool,
    pub review_reason: String,
    pub imported_at: String,
    /// The members' signatures besides the leader's; `trusted`: checked with a key on the trust
    /// list when imported.
    pub cosignatures: Vec<crate::bundle::Signature>,
    /// What the bundle is now: counted, superseded, fork, quarantined, incomplete.
    pub role: Role,
    /// The units (codes) the bundle covers.
    pub units: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    /// Its values count in the results.
    Counted,
    /// A newer revision of its chain counts; kept as history.
    Superseded { by: String },
    /// Another bundle has the same revision in the same chain; counts once chosen.
    Fork,
    /// Valid, but its signer is not on the trust list.
    Quarantined,
    /// Valid and trusted, but without the members' co-signatures the plan requires.
    Incomplete { have: u32, need: u32 },
}

impl HqBundle {
    /// Co-signatures checked with a trusted key (each key once, never the leader's).
    pub fn checked_cosignatures(&self) -> u32 {
        let mut keys: Vec<&str> = self
            .cosignatures
            .iter()
            .filter(|s| s.trusted && s.key_id != self.signer_key_id)
            .map(|s| s.key_id.as_str())
            .collect();
        keys.sort();
        keys.dedup();
        keys.len() as u32
    }
}

/// One side of a disagreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Side {
    pub bundle_id: String,
    pub revision: u32,
    pub signer_key_id: String,
    pub signer_name: String,
    /// `NA` or a decimal with a dot.
    pub value: String,
    pub deduction_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Resolution {
    pub value: String,
    pub reason: String,
    pub actor: String,
    pub at: String,
}

/// A leaf two counted bundles score differently for the same unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Conflict {
    pub unit: String,
    pub code: String,
    pub sides: Vec<Side>,
    pub resolution: Option<Resolution>,
}

/// A leaf value of a counted bundle for one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeafRow {
    pub bundle_id: String,
    pub code: String,
    pub self_assessed: Option<String>,
    pub appraised: Option<String>,
    pub deduction_reason: String,
    pub na_reason: String,
}

/// Which bundles to look at: all of a campaign, or the chains covering some units.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    All,
    Units(&'a [String]),
}

/// Per unit code: each counted bundle covering it (id) with its leaves for that unit.
pub(crate) type LeavesByUnit = BTreeMap<String, Vec<(String, Vec<LeafRow>)>>;

const BUNDLE_COLUMNS: &str = "id, file_sha256, campaign_id, chain, revision, supersedes, signer_key_id, signer_name, trusted, review_reason, imported_at, cosignatures";

fn bundle_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HqBundle> {
    Ok(HqBundle {
        id: r.get(0)?,
        file_sha256: r.get(1)?,
        campaign_id: r.get(2)?,
        chain: r.get(3)?,
        revision: r.get(4)?,
        supersedes: r.get(5)?,
        signer_key_id: r.get(6)?,
        signer_name: r.get(7)?,
        trusted: r.get(8)?,
        review_reason: r.get(9)?,
        imported_at: r.get(10)?,
        cosignatures: serde_json::from_str(&r.get::<_, String>(11)?).unwrap_or_default(),
        role: Role::Counted,
        units: Vec::new(),
    })
}

/// The roles of a campaign's bundles, from their chains (see the module documentation).
/// `chosen` holds the fork choices the officer made; `may_supersede(later, first)` says whether
/// the signer of `later` may replace what the signer of the chain's first bundle sent (the same
/// key, a member of the same delegation, or Sở Nội vụ). A bundle that may not is held like a fork
/// side: it counts only once the officer chooses it. A bundle with fewer checked co-signatures
/// than `required` takes no part in its chain until a co-signed copy arrives.
fn assign_roles(
    bundles: &mut [HqBundle],
    chosen: &std::collections::HashSet<String>,
    may_supersede: &dyn Fn(&HqBundle, &HqBundle) -> bool,
    required: u32,
) {
    let mut chains: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, b) in bundles.iter_mut().enumerate() {
        let have = b.checked_cosignatures();
        if !b.trusted {
            b.role = Role::Quarantined;
        } else if have < required {
            b.role = Role::Incomplete {
                have,
                need: required,
            };
        } else {
            chains.entry(b.chain.clone()).or_default().push(i);
        }
    }
    for members in chains.values() {
        let first = members
            .iter()
            .copied()
            .min_by_key(|&i| (bundles[i].revision, bundles[i].imported_at.clone()))
            .expect("a chain has a bundle");
        let allowed: Vec<bool> = members
            .iter()
            .map(|&i| i == first || may_supersede(&bundles[i], &bundles[first]))
            .collect();
        let mut by_revision: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (k, &i) in members.iter().enumerate() {
            if allowed[k] || chosen.contains(&bundles[i].id) {
                by_revision.entry(bundles[i].revision).or_default().push(i);
            }
        }
        // From the top: the first revision with one bundle (or one chosen among a fork) counts.
        let head = by_revision.values().rev().find_map(|same| {
            let picked: Vec<usize> = same
                .iter()
                .copied()
                .filter(|&i| same.len() == 1 || chosen.contains(&bundles[i].id))
                .collect();
            (picked.len() == 1).then(|| picked[0])
        });
        let head = head.map(|h| (h, bundles[h].id.clone(), bundles[h].revision));
        for &i in members {
            bundles[i].role = match &head {
                Some((h, _, _)) if *h == i => Role::Counted,
                Some((_, id, revision)) if bundles[i].revision <= *revision => {
                    Role::Superseded { by: id.clone() }
                }
                _ => Role::Fork,
            };
        }
    }
}

impl Store {
    /// Every bundle received for a campaign with its current role, oldest import first.
    pub fn hq_bundles(&self, campaign_id: &str) -> Result<Vec<HqBundle>> {
        self.bundles_in(campaign_id, Scope::All)
    }

    /// The bundles of the chains covering `units`, with their roles.
    pub(crate) fn hq_bundles_for(
        &self,
        campaign_id: &str,
        units: &[String],
    ) -> Result<Vec<HqBundle>> {
        self.bundles_in(campaign_id, Scope::Units(units))
    }

    /// The bundles of a campaign, or only those of the chains that cover some units (an import
    /// looks at its own units only, so importing the n-th bundle does not read the other n − 1).
    fn bundles_in(&self, campaign_id: &str, scope: Scope<'_>) -> Result<Vec<HqBundle>> {
        let mut bundles: Vec<HqBundle> = match scope {
            Scope::All => self
                .conn
                .prepare_cached(&format!(
                    "SELECT {BUNDLE_COLUMNS} FROM hq_bundle WHERE campaign_id = ?1"
                ))?
                .query_map([campaign_id], bundle_from_row)?
                .collect::<rusqlite::Result<_>>()?,
            Scope::Units(units) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {BUNDLE_COLUMNS} FROM hq_bundle WHERE campaign_id = ?1 AND chain IN (
                        SELECT b.chain FROM hq_bundle_unit u JOIN hq_bundle b ON b.id = u.bundle_id
                        WHERE u.unit_code = ?2 AND b.campaign_id = ?1)"
                ))?;
                let mut out: Vec<HqBundle> = Vec::new();
                for unit in units {
                    for b in stmt.query_map(params![campaign_id, unit], bundle_from_row)? {
                        let b = b?;
                        if !out.iter().any(|o| o.id == b.id) {
                            out.push(b);
                        }
                    }
                }
                out
            }
        };
        bundles.sort_by(|a, b| (&a.imported_at, &a.id).cmp(&(&b.imported_at, &b.id)));
        let mut stmt = self.conn.prepare_cached(
            "SELECT unit_code FROM hq_bundle_unit WHERE bundle_id = ?1 ORDER BY unit_code",
        )?;
        for b in &mut bundles {
            b.units = stmt
                .query_map([&b.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        let chosen = self.fork_choices(campaign_id)?;
        let may_supersede = self.supersession_rule(campaign_id)?;
        let required = self.campaign(campaign_id)?.required_cosignatures;
        assign_roles(&mut bundles, &chosen, &may_supersede, required);
        Ok(bundles)
    }

    /// Who may replace a delegation's result with a newer revision: the same key, a key the
    /// trust list gives the same name (a member of the same delegation), or Sở Nội vụ's key (the
    /// one that signed the campaign's plan, or one the trust list names "Sở Nội vụ…").
    fn supersession_rule(
        &self,
        campaign_id: &str,
    ) -> Result<impl Fn(&HqBundle, &HqBundle) -> bool> {
        let campaign = self.campaign(campaign_id)?;
        let keys = self.trusted_keys()?;
        let labels: HashMap<String, String> = keys
            .iter()
            .map(|k| (k.key_id.clone(), k.label.trim().to_lowercase()))
            .collect();
        let mut hq: std::collections::HashSet<String> = keys
            .iter()
            .filter(|k| labels[&k.key_id].starts_with("sở nội vụ"))
            .map(|k| k.key_id.clone())
            .collect();
        hq.extend(campaign.plan_key_id);
        Ok(move |later: &HqBundle, first: &HqBundle| {
            let same_label = matches!(
                (labels.get(&later.signer_key_id), labels.get(&first.signer_key_id)),
                (Some(a), Some(b)) if !a.is_empty() && a == b
            );
            later.signer_key_id == first.signer_key_id
                || same_label
                || hq.contains(&later.signer_key_id)
        })
    }

    fn fork_choices(&self, campaign_id: &str) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT code FROM hq_audit WHERE campaign_id = ?1 AND action = 'choose_fork'",
            )?
            .query_map([campaign_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The officer chooses one bundle of a fork to count; recorded with the reason.
    pub fn choose_fork(&mut self, bundle_id: &str, reason: &str) -> Result<()> {
        let campaign_id: String = self
            .conn
            .query_row(
                "SELECT campaign_id FROM hq_bundle WHERE id = ?1",
                [bundle_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("gói {bundle_id}")))?;
        let role = self
            .hq_bundles(&campaign_id)?
            .into_iter()
            .find(|b| b.id == bundle_id)
            .map(|b| b.role);
        if role != Some(Role::Fork) {
            return Err(Mistake::NotAFork {
                bundle_id: bundle_id.into(),
            }
            .into());
        }
        require_reason(reason)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        super::log_decision(
            &tx,
            &campaign_id,
            &actor,
            &Change {
                action: "choose_fork",
                code: bundle_id,
                reason: reason.trim(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The leaves of the counted bundles, by unit code, then bundle (in import order).
    pub(crate) fn counted_leaves(
        &self,
        campaign_id: &str,
        scope: Scope<'_>,
    ) -> Result<(Vec<HqBundle>, LeavesByUnit)> {
        let bundles = self.bundles_in(campaign_id, scope)?;
        let mut by_unit: LeavesByUnit = BTreeMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT code, self_assessed, appraised, deduction_reason, na_reason
             FROM hq_leaf WHERE bundle_id = ?1 AND unit_code = ?2 ORDER BY code",
        )?;
        for b in bundles.iter().filter(|b| b.role == Role::Counted) {
            for unit in &b.units {
                if let Scope::Units(wanted) = scope
                    && !wanted.contains(unit)
                {
                    continue;
                }
                let leaves = stmt
                    .query_map(params![b.id, unit], |r| {
                        Ok(LeafRow {
                            bundle_id: b.id.clone(),
                            code: r.get(0)?,
                            self_assessed: r.get(1)?,
                            appraised: r.get(2)?,
                            deduction_reason: r.get(3)?,
                            na_reason: r.get(4)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                by_unit
                    .entry(unit.clone())
                    .or_default()
                    .push((b.id.clone(), leaves));
            }
        }
        Ok((bundles, by_unit))
    }

    /// The officer's resolutions of a campaign by (unit, leaf).
    pub(crate) fn resolutions(
        &self,
        campaign_id: &str,
    ) -> Result<HashMap<(String, String), Resolution>> {
        let mut stmt = self.conn.prepare(
            "SELECT unit_code, code, value, reason, actor, at FROM hq_resolution WHERE campaign_id = ?1",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                Resolution {
                    value: r.get(2)?,
                    reason: r.get(3)?,
                    actor: r.get(4)?,
                    at: r.get(5)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every leaf on which counted bundles for the same unit disagree, with its resolution if
    /// the officer made one. Leaves with equal values, or scored on one side only, are not
    /// conflicts.
    pub fn hq_conflicts(&self, campaign_id: &str) -> Result<Vec<Conflict>> {
        self.conflicts_in(campaign_id, Scope::All)
    }

    pub(crate) fn conflicts_in(
        &self,
        campaign_id: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<Conflict>> {
        let (bundles, by_unit) = self.counted_leaves(campaign_id, scope)?;
        let resolutions = self.resolutions(campaign_id)?;
        let info: HashMap<&str, &HqBundle> = bundles.iter().map(|b| (b.id.as_str(), b)).collect();
        let mut out = Vec::new();
        for (unit, sources) in &by_unit {
            if sources.len() < 2 {
                continue;
            }
            let mut by_code: BTreeMap<&str, Vec<&LeafRow>> = BTreeMap::new();
            for (_, leaves) in sources {
                for leaf in leaves.iter().filter(|l| l.appraised.is_some()) {
                    by_code.entry(leaf.code.as_str()).or_default().push(leaf);
                }
            }
            for (code, leaves) in by_code {
                let first = &leaves[0].appraised;
                if leaves.iter().all(|l| l.appraised == *first) {
                    continue;
                }
                let sides = leaves
                    .iter()
                    .map(|l| {
                        let b = info[l.bundle_id.as_str()];
                        Side {
                            bundle_id: b.id.clone(),
                            revision: b.revision,
                            signer_key_id: b.signer_key_id.clone(),
                            signer_name: b.signer_name.clone(),
                            value: l.appraised.clone().unwrap_or_default(),
                            deduction_reason: l.deduction_reason.clone(),
                        }
                    })
                    .collect();
                out.push(Conflict {
                    unit: unit.clone(),
                    code: code.to_string(),
                    sides,
                    resolution: resolutions.get(&(unit.clone(), code.to_string())).cloned(),
                });
            }
        }
        Ok(out)
    }

    /// Resolves a disagreement on one leaf of one unit: the value that counts (one side's, or
    /// another the officer settles on) and why. Recorded in the HQ decision log.
    pub fn hq_resolve(
        &mut self,
        campaign_id: &str,
        unit_code: &str,
        code: &str,
        value: &str,
        reason: &str,
    ) -> Result<()> {
        require_reason(reason)?;
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let node = set.leaf(code)?;
        let entry = Entry::parse(value)?.ok_or(Mistake::NoValueGiven)?;
        check_entry(&set, node, Column::Appraised, entry)?;
        let value = entry_text(entry);
        let conflicts = self.hq_conflicts(campaign_id)?;
        let Some(conflict) = conflicts
            .iter()
            .find(|c| c.unit == unit_code && c.code == code)
        else {
            return Err(Error::NotFound(format!(
                "không có xung đột ở tiêu chí {code} của đơn vị {unit_code}"
            )));
        };
        let old = conflict.resolution.as_ref().map(|r| r.value.clone());
        let actor = self.actor()?;
        let at = now();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO hq_resolution (campaign_id, unit_code, code, value, reason, actor, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (campaign_id, unit_code, code) DO UPDATE SET value = excluded.value,
                reason = excluded.reason, actor = excluded.actor, at = excluded.at",
            params![
                campaign_id,
                unit_code,
                code,
                value,
                reason.trim(),
                actor,
                at
            ],
        )?;
        let field = format!("resolve {unit_code}");
        super::log_decision(
            &tx,
            campaign_id,
            &actor,
            &Change {
                action: "resolve",
                code,
                field: &field,
                old: old.as_deref(),
                new: Some(&value),
                reason: reason.trim(),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

pub(crate) fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(Mistake::ReasonNeeded.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(id: &str, chain: &str, revision: u32) -> HqBundle {
        HqBundle {
            id: id.into(),
            file_sha256: String::new(),
            campaign_id: "c".into(),
            chain: chain.into(),
            revision,
            supersedes: None,
            signer_key_id: "K".into(),
            signer_name: String::new(),
            trusted: true,
            review_reason: String::new(),
            imported_at: String::new(),
            cosignatures: vec![],
            role: Role::Counted,
            units: vec![],
        }
    }

    fn roles(bundles: &mut [HqBundle], chosen: &[&str]) -> Vec<Role> {
        let chosen = chosen.iter().map(|s| s.to_string()).collect();
        assign_roles(
            bundles,
            &chosen,
            &|later, first| later.signer_key_id == first.signer_key_id,
            0,
        );
        bundles.iter().map(|b| b.role.clone()).collect()
    }

    #[test]
    fn another_delegations_key_cannot_supersede_a_chain() {
        let mut other = bundle("r2", "a", 2);
        other.signer_key_id = "OTHER".into();
        let mut b = vec![bundle("r1", "a", 1), other];
        assert_eq!(
            roles(&mut b, &[]),
            [Role::Counted, Role::Fork],
            "held until the officer decides"
        );
        let mut other = bundle("r2", "a", 2);
        other.signer_key_id = "OTHER".into();
        let mut b = vec![bundle("r1", "a", 1), other];
        assert_eq!(
            roles(&mut b, &["r2"]),
            [Role::Superseded { by: "r2".into() }, Role::Counted]
        );
    }

    #[test]
    fn the_highest_revision_counts_whatever_the_order() {
        let orders = [
            [1, 2, 3],
            [3, 2, 1],
            [2, 3, 1],
            [1, 3, 2],
            [3, 1, 2],
            [2, 1, 3],
        ];
        for order in orders {
            let mut b: Vec<_> = order
                .iter()
                .map(|r| bundle(&format!("r{r}"), "a", *r))
                .collect();
            let roles = roles(&mut b, &[]);
            for (bundle, role) in b.iter().zip(roles) {
                let expected = if bundle.revision == 3 {
                    Role::Counted
                } else {
                    Role::Superseded { by: "r3".into() }
                };
                assert_eq!(role, expected, "order {order:?}, {}", bundle.id);
            }
        }
    }

    #[test]
    fn a_fork_counts_neither_side_until_one_is_chosen() {
        let mut b = vec![
            bundle("r1", "a", 1),
            bundle("x", "a", 2),
            bundle("y", "a", 2),
        ];
        assert_eq!(
            roles(&mut b, &[]),
            [Role::Counted, Role::Fork, Role::Fork],
            "the parent counts meanwhile"
        );
        let mut b = vec![
            bundle("r1", "a", 1),
            bundle("x", "a", 2),
            bundle("y", "a", 2),
        ];
        assert_eq!(
            roles(&mut b, &["y"]),
            [
                Role::Superseded { by: "y".into() },
                Role::Superseded { by: "y".into() },
                Role::Counted
            ]
        );
        let mut b = vec![
            bundle("x", "a", 2),
            bundle("y", "a", 2),
            bundle("z", "a", 3),
        ];
        assert_eq!(
            roles(&mut b, &[]),
            [
                Role::Superseded { by: "z".into() },
                Role::Superseded { by: "z".into() },
                Role::Counted
            ],
            "a later revision settles a fork below it"
        );
        let mut q = bundle("q", "b", 1);
        q.trusted = false;
        let mut b = vec![q, bundle("p", "c", 1)];
        assert_eq!(roles(&mut b, &[]), [Role::Quarantined, Role::Counted]);
    }

    #[test]
    fn a_bundle_without_the_required_cosignatures_does_not_count_nor_supersede() {
        let cosig = |key: &str, trusted: bool| crate::bundle::Signature {
            key_id: key.into(),
            name: String::new(),
            trusted,
            leader: false,
        };
        let mut r1 = bundle("r1", "a", 1);
        r1.cosignatures = vec![cosig("M1", true)];
        let mut r2 = bundle("r2", "a", 2);
        // Unchecked signatures and the leader's own key signing twice do not count.
        r2.cosignatures = vec![cosig("M2", false), cosig("K", true)];
        let mut b = vec![r1, r2];
        assign_roles(&mut b, &Default::default(), &|_, _| true, 1);
        assert_eq!(
            b.iter().map(|b| b.role.clone()).collect::<Vec<_>>(),
            [Role::Counted, Role::Incomplete { have: 0, need: 1 }]
        );
        assign_roles(&mut b, &Default::default(), &|_, _| true, 0);
        assert_eq!(
            b[1].role,
            Role::Counted,
            "no requirement: the newest counts"
        );
    }
}
