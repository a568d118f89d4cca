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

use crate::audit::{Change, Log};
use crate::mistake::Missing;
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
    /// A revision whose parent has not arrived (or that does not follow it: the next number,
    /// the same visits); counts once its whole ancestry is here and well formed.
    AwaitingParent { parent: String },
}

impl Role {
    /// The role as people read it (the CLI, the workbook).
    pub fn label_vi(&self) -> String {
        match self {
            Role::Counted => "được tính".to_string(),
            Role::Superseded { by } => format!("đã bị thay thế bởi {by}"),
            Role::Fork => "rẽ nhánh, chờ chọn".to_string(),
            Role::Quarantined => "cách ly: khóa chưa tin cậy".to_string(),
            Role::Incomplete { have, need } => {
                format!("thiếu chữ ký đồng ký ({have}/{need}), chưa tính")
            }
            Role::AwaitingParent { parent } => {
                format!("chờ bản trước {parent}, chưa tính")
            }
        }
    }
}

impl HqBundle {
    /// Co-signatures checked with a trusted key of a member of the leader's own delegation (each
    /// key once, never the leader's): another delegation's leader co-signing counts for nothing.
    pub fn checked_cosignatures(&self, rights: &Rights) -> u32 {
        let mut keys: Vec<&str> = self
            .cosignatures
            .iter()
            .filter(|s| s.trusted && rights.counts_as_cosigner(self, &s.key_id))
            .map(|s| s.key_id.as_str())
            .collect();
        keys.sort();
        keys.dedup();
        keys.len() as u32
    }
}

/// Who may change what a campaign's bundles say: rights come from Sở Nội vụ's decisions — the
/// delegation it made each trusted key a member of, and the HQ key the plan names — never from a
/// label.
#[derive(Debug, Clone, Default)]
pub struct Rights {
    /// Key id → the delegation HQ made it a member of (only keys with one).
    delegation: HashMap<String, String>,
    /// The key id of the plan's HQ key, when the key trusted under that id is that very key.
    hq: Option<String>,
}

impl Rights {
    fn same_delegation(&self, a: &str, b: &str) -> bool {
        matches!(
            (self.delegation.get(a), self.delegation.get(b)),
            (Some(x), Some(y)) if super::same_text(x, y)
        )
    }

    /// Whether the signer of `later` may replace what the signer of `first` sent: the same key,
    /// a member of the same delegation, or Sở Nội vụ's own key.
    pub fn may_supersede(&self, later: &HqBundle, first: &HqBundle) -> bool {
        later.signer_key_id == first.signer_key_id
            || self.same_delegation(&later.signer_key_id, &first.signer_key_id)
            || self.hq.as_deref() == Some(later.signer_key_id.as_str())
    }

    /// Whether a co-signature by `key_id` counts for `bundle`: another member of the leader's
    /// delegation.
    pub fn counts_as_cosigner(&self, bundle: &HqBundle, key_id: &str) -> bool {
        key_id != bundle.signer_key_id && self.same_delegation(key_id, &bundle.signer_key_id)
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

/// What kind of disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConflictKind {
    /// Two counted bundles score a leaf differently: the officer decides a value.
    Leaf,
    /// Bundles of one chain that cannot both count (the same revision twice, or a revision the
    /// officer's choice or the trust list does not let count by itself): the officer chooses one
    /// (`hq choose`). `code` is empty, the sides' values too.
    Fork,
}

/// A disagreement about a unit; the unit is not ranked while one is undecided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub unit: String,
    pub code: String,
    pub sides: Vec<Side>,
    pub resolution: Option<Resolution>,
    /// A resolution was made, but between other sides than today's (a revision changed one):
    /// it no longer applies and the leaf must be decided again.
    pub reopened: bool,
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
/// `chosen` holds the fork choices the officer made; `rights` says whether the signer of a later
/// bundle may replace what the signer of the chain's first bundle sent (the same key, a member
/// of the same delegation, or Sở Nội vụ). A bundle that may not is held like a fork side: it
/// counts only once the officer chooses it. A bundle with fewer checked co-signatures (by members
/// of its delegation) than `required` takes no part in its chain until a co-signed copy arrives.
fn assign_roles(
    bundles: &mut [HqBundle],
    chosen: &std::collections::HashSet<String>,
    rights: &Rights,
    required: u32,
) {
    let mut chains: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, b) in bundles.iter_mut().enumerate() {
        let have = b.checked_cosignatures(rights);
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
    for members in chains.values_mut() {
        // A revision takes part only on a complete, well-formed ancestry.
        let waiting = awaiting_parent(bundles, members);
        members.retain(|i| !waiting.iter().any(|(w, _)| w == i));
        for (i, parent) in waiting {
            bundles[i].role = Role::AwaitingParent { parent };
        }
        if members.is_empty() {
            continue;
        }
        let first = members
            .iter()
            .copied()
            .min_by_key(|&i| (bundles[i].revision, bundles[i].imported_at.clone()))
            .expect("a chain has a bundle");
        let rejected = rejected_branches(bundles, members, chosen);
        let allowed: Vec<bool> = members
            .iter()
            .map(|&i| {
                (i == first || rights.may_supersede(&bundles[i], &bundles[first]))
                    && !rejected.contains(&i)
            })
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
        for &i in members.iter() {
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

/// The bundles of a chain whose ancestry is not all here and well formed, each with the parent
/// it names: revision 1 stands alone; revision n > 1 needs its parent in the chain at n − 1, with
/// a well-formed ancestry itself.
fn awaiting_parent(bundles: &[HqBundle], members: &[usize]) -> Vec<(usize, String)> {
    let mut sorted = members.to_vec();
    sorted.sort_by_key(|&i| bundles[i].revision);
    let mut sound: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut waiting = Vec::new();
    for i in sorted {
        let b = &bundles[i];
        let ok = match &b.supersedes {
            None => b.revision == 1,
            Some(p) => members.iter().any(|&j| {
                bundles[j].id == *p
                    && sound.contains(&j)
                    && bundles[j].revision.checked_add(1) == Some(b.revision)
            }),
        };
        if ok {
            sound.insert(i);
        } else {
            waiting.push((i, b.supersedes.clone().unwrap_or_default()));
        }
    }
    waiting
}

/// The bundles of a chain that build on a branch the officer did not choose: the other sides
/// of a fork where one side was chosen, and every later revision descending from them. They
/// count only if the officer chooses them in turn.
fn rejected_branches(
    bundles: &[HqBundle],
    members: &[usize],
    chosen: &std::collections::HashSet<String>,
) -> std::collections::HashSet<usize> {
    let mut by_revision: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for &i in members {
        by_revision.entry(bundles[i].revision).or_default().push(i);
    }
    let mut rejected: std::collections::HashSet<usize> = by_revision
        .values()
        .filter(|same| same.len() > 1 && same.iter().any(|&i| chosen.contains(&bundles[i].id)))
        .flat_map(|same| same.iter().copied())
        .filter(|&i| !chosen.contains(&bundles[i].id))
        .collect();
    // Descendants, in revision order: a parent's fate passes to its children.
    for same in by_revision.values() {
        for &i in same {
            let parent_rejected = bundles[i].supersedes.as_ref().is_some_and(|p| {
                members
                    .iter()
                    .any(|&j| bundles[j].id == *p && rejected.contains(&j))
            });
            if parent_rejected && !chosen.contains(&bundles[i].id) {
                rejected.insert(i);
            }
        }
    }
    rejected
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
        let rights = self.rights(campaign_id)?;
        let required = self.campaign(campaign_id)?.required_cosignatures;
        assign_roles(&mut bundles, &chosen, &rights, required);
        Ok(bundles)
    }

    /// The rights over a campaign's bundles: the delegations of the trusted keys, and the plan's
    /// HQ key if the key trusted (or held) under its id is that very key.
    pub fn rights(&self, campaign_id: &str) -> Result<Rights> {
        let campaign = self.campaign(campaign_id)?;
        let keys = self.trusted_keys()?;
        let delegation = keys
            .iter()
            .filter(|k| !k.delegation.trim().is_empty())
            .map(|k| (k.key_id.clone(), k.delegation.clone()))
            .collect();
        let holds_plan_key = |key_id: &str| -> Result<bool> {
            let Some(plan_key) = &campaign.plan_public_key else {
                return Ok(true);
            };
            let (plan_key, _) = crate::bag::keys::parse_public_key(plan_key)?;
            let mut held: Vec<String> = keys
                .iter()
                .filter(|k| k.key_id == key_id)
                .map(|k| k.public_key.clone())
                .collect();
            held.extend(self.signing_key()?.map(|k| k.public_key));
            Ok(held.iter().any(|text| {
                crate::bag::keys::parse_public_key(text)
                    .is_ok_and(|(pk, _)| crate::bag::keys::same_key(&pk, &plan_key))
            }))
        };
        let hq = match campaign.plan_key_id {
            Some(id) if holds_plan_key(&id)? => Some(id),
            _ => None,
        };
        Ok(Rights { delegation, hq })
    }

    fn fork_choices(&self, campaign_id: &str) -> Result<std::collections::HashSet<String>> {
        let chosen = crate::audit::codes_logged(&self.conn, Log::Hq, campaign_id, "choose_fork")?;
        Ok(chosen.into_iter().collect())
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
            .ok_or_else(|| Error::NotFound(Missing::Bundle(bundle_id.to_string())))?;
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
        self.record_fork_choice(&campaign_id, bundle_id, reason)
    }

    /// Records a fork choice in the HQ decision log (the choice stands for what it decided, even
    /// once a later revision settles the fork).
    pub(crate) fn record_fork_choice(
        &mut self,
        campaign_id: &str,
        bundle_id: &str,
        reason: &str,
    ) -> Result<()> {
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        super::log_decision(
            &tx,
            campaign_id,
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
    /// With each, the sides it decided between ([`sides_signature`]; empty for a resolution
    /// recorded before sides were kept, which applies as it always did).
    pub(crate) fn resolutions(
        &self,
        campaign_id: &str,
    ) -> Result<HashMap<(String, String), (Resolution, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT unit_code, code, value, reason, actor, at, sides FROM hq_resolution WHERE campaign_id = ?1",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                (
                    Resolution {
                        value: r.get(2)?,
                        reason: r.get(3)?,
                        actor: r.get(4)?,
                        at: r.get(5)?,
                    },
                    r.get(6)?,
                ),
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
        Ok(conflicts_of(&bundles, &by_unit, &resolutions, scope))
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
        let unit_code = crate::text::nfc(unit_code);
        let unit_code = unit_code.as_str();
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let node = set.leaf(code)?;
        let entry = Entry::parse(value)?.ok_or(Mistake::NoValueGiven)?;
        check_entry(&set, node, Column::Appraised, entry)?;
        let value = entry_text(entry);
        let conflicts = self.hq_conflicts(campaign_id)?;
        let Some(conflict) = conflicts
            .iter()
            .find(|c| c.kind == ConflictKind::Leaf && c.unit == unit_code && c.code == code)
        else {
            return Err(Error::NotFound(Missing::HqConflict {
                unit: unit_code.to_string(),
                code: code.to_string(),
            }));
        };
        let old = conflict.resolution.as_ref().map(|r| r.value.clone());
        let sides = sides_signature(&conflict.sides);
        let actor = self.actor()?;
        let at = now();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO hq_resolution (campaign_id, unit_code, code, value, reason, actor, at, sides)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (campaign_id, unit_code, code) DO UPDATE SET value = excluded.value,
                reason = excluded.reason, actor = excluded.actor, at = excluded.at,
                sides = excluded.sides",
            params![
                campaign_id,
                unit_code,
                code,
                value,
                reason.trim(),
                actor,
                at,
                sides
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

/// The disagreements among `bundles` (with their roles) and the counted leaves by unit: held
/// forks, and leaves counted bundles score differently — each with its resolution while the
/// resolution's sides are today's.
pub(crate) fn conflicts_of(
    bundles: &[HqBundle],
    by_unit: &LeavesByUnit,
    resolutions: &HashMap<(String, String), (Resolution, String)>,
    scope: Scope<'_>,
) -> Vec<Conflict> {
    let info: HashMap<&str, &HqBundle> = bundles.iter().map(|b| (b.id.as_str(), b)).collect();
    let side = |b: &HqBundle, value: &str, reason: &str| Side {
        bundle_id: b.id.clone(),
        revision: b.revision,
        signer_key_id: b.signer_key_id.clone(),
        signer_name: b.signer_name.clone(),
        value: value.to_string(),
        deduction_reason: reason.to_string(),
    };
    let mut out = fork_conflicts(bundles, scope, &side);
    for (unit, sources) in by_unit {
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
            let sides: Vec<Side> = leaves
                .iter()
                .map(|l| {
                    side(
                        info[l.bundle_id.as_str()],
                        l.appraised.as_deref().unwrap_or_default(),
                        &l.deduction_reason,
                    )
                })
                .collect();
            let (resolution, reopened) = match resolutions.get(&(unit.clone(), code.into())) {
                Some((r, decided)) if decided.is_empty() || *decided == sides_signature(&sides) => {
                    (Some(r.clone()), false)
                }
                Some(_) => (None, true),
                None => (None, false),
            };
            out.push(Conflict {
                kind: ConflictKind::Leaf,
                unit: unit.clone(),
                code: code.to_string(),
                sides,
                resolution,
                reopened,
            });
        }
    }
    out
}

/// The sides a leaf resolution decides between, as recorded with it: each signer and the value it
/// gave, in a fixed order. A resolution applies only while the sides are the same: a revision
/// that changes a value reopens it, one that repeats the same value does not.
pub(crate) fn sides_signature(sides: &[Side]) -> String {
    let mut parts: Vec<String> = sides
        .iter()
        .map(|s| format!("{}={}", s.signer_key_id, s.value))
        .collect();
    parts.sort();
    parts.join(";")
}

/// One fork conflict per unit and chain where bundles are held as [`Role::Fork`]: the officer
/// chooses among them (and the unit is not ranked meanwhile).
fn fork_conflicts(
    bundles: &[HqBundle],
    scope: Scope<'_>,
    side: &dyn Fn(&HqBundle, &str, &str) -> Side,
) -> Vec<Conflict> {
    let mut by_chain: BTreeMap<(&str, &str), Vec<&HqBundle>> = BTreeMap::new();
    for b in bundles.iter().filter(|b| b.role == Role::Fork) {
        for unit in &b.units {
            if let Scope::Units(wanted) = scope
                && !wanted.contains(unit)
            {
                continue;
            }
            by_chain
                .entry((unit.as_str(), b.chain.as_str()))
                .or_default()
                .push(b);
        }
    }
    by_chain
        .into_iter()
        .map(|((unit, chain), held)| {
            // The side that counts meanwhile (if any) is one of the choices too.
            let mut sides: Vec<Side> = bundles
                .iter()
                .filter(|b| b.chain == chain && b.role == Role::Counted)
                .chain(held)
                .map(|b| side(b, "", ""))
                .collect();
            sides.sort_by(|a, b| (a.revision, &a.bundle_id).cmp(&(b.revision, &b.bundle_id)));
            Conflict {
                kind: ConflictKind::Fork,
                unit: unit.to_string(),
                code: String::new(),
                sides,
                resolution: None,
                reopened: false,
            }
        })
        .collect()
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
            // Revision n names r(n − 1), as a re-export does.
            supersedes: (revision > 1).then(|| format!("r{}", revision - 1)),
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
        assign_roles(bundles, &chosen, &Rights::default(), 0);
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
        // r1, a fork x / y at revision 2, and z at revision 3 built on x.
        let fork_and_z = || {
            let mut z = bundle("z", "a", 3);
            z.supersedes = Some("x".into());
            vec![
                bundle("r1", "a", 1),
                bundle("x", "a", 2),
                bundle("y", "a", 2),
                z,
            ]
        };
        assert_eq!(
            roles(&mut fork_and_z(), &[]),
            [
                Role::Superseded { by: "z".into() },
                Role::Superseded { by: "z".into() },
                Role::Superseded { by: "z".into() },
                Role::Counted
            ],
            "a later revision settles a fork below it"
        );
        // Once the officer chose y, a revision 3 built on the rejected x is held, not counted.
        assert_eq!(
            roles(&mut fork_and_z(), &["y"]),
            [
                Role::Superseded { by: "y".into() },
                Role::Superseded { by: "y".into() },
                Role::Counted,
                Role::Fork
            ],
        );
        // A revision whose parent is missing, or that jumps, waits.
        let mut jump = bundle("j", "a", 4_294_967_295);
        jump.supersedes = Some("r1".into());
        let mut b = vec![bundle("r1", "a", 1), bundle("r3", "a", 3), jump];
        assert_eq!(
            roles(&mut b, &[]),
            [
                Role::Counted,
                Role::AwaitingParent {
                    parent: "r2".into()
                },
                Role::AwaitingParent {
                    parent: "r1".into()
                }
            ],
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
        let rights = Rights {
            delegation: [("K", "Đoàn 1"), ("M1", "đoàn 1 "), ("M2", "Đoàn 1")]
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .into(),
            hq: None,
        };
        assign_roles(&mut b, &Default::default(), &rights, 1);
        assert_eq!(
            b.iter().map(|b| b.role.clone()).collect::<Vec<_>>(),
            [Role::Counted, Role::Incomplete { have: 0, need: 1 }]
        );
        // A trusted co-signer of another delegation counts for nothing.
        b[1].cosignatures = vec![cosig("M3", true)];
        let mut other = rights.clone();
        other.delegation.insert("M3".into(), "Đoàn 2".into());
        assign_roles(&mut b, &Default::default(), &other, 1);
        assert_eq!(b[1].role, Role::Incomplete { have: 0, need: 1 });
        other.delegation.insert("M3".into(), "Đoàn 1".into());
        assign_roles(&mut b, &Default::default(), &other, 1);
        assert_eq!(
            b[1].role,
            Role::Counted,
            "a member of the leader's delegation"
        );
        assign_roles(&mut b, &Default::default(), &rights, 0);
        assert_eq!(
            b[1].role,
            Role::Counted,
            "no requirement: the newest counts"
        );
    }
}
