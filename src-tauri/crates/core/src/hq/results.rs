//! The province's results: per unit, the merged leaves of its counted bundles (with the
//! officer's resolutions and the survey points) through the same scoring function as the field
//! side; index, sub-indices per area, ranking within each group, classification bands.
use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::Serialize;
use ts_rs::TS;

use super::merge::{ConflictKind, Resolution, Role};
use crate::Result;
use crate::criteria::Method;
use crate::mistake::Mistake;
use crate::scoring::{self, Entry, LeafScore, Scores};
use crate::store::Store;
use crate::units::unit_group;

/// Where a unit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UnitStatus {
    /// Agreed and complete: ranked.
    Ranked,
    /// No counted bundle yet (chưa có kết quả).
    Missing,
    /// Delegations disagree on leaves not yet resolved (chưa thống nhất).
    Conflict,
    /// A counted bundle's key was revoked: waiting for the officer's review (chờ xem xét).
    Review,
    /// Some appraised leaves are not scored (chưa chấm đủ).
    Incomplete,
}

impl UnitStatus {
    pub fn label_vi(self) -> &'static str {
        match self {
            UnitStatus::Ranked => "đã xếp hạng",
            UnitStatus::Missing => "chưa có kết quả",
            UnitStatus::Conflict => "chưa thống nhất",
            UnitStatus::Review => "chờ xem xét",
            UnitStatus::Incomplete => "chưa chấm đủ",
        }
    }
}

/// A classification band: units at or above `min_index` % get `label` (the highest band that fits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Band {
    #[ts(type = "string")]
    pub min_index: Decimal,
    pub label: String,
}

/// Where a campaign's bands are kept (a setting).
pub(crate) fn bands_key(campaign_id: &str) -> String {
    format!("hq_bands:{campaign_id}")
}

/// Bands as people write them: `90=Xuất sắc, 80=Tốt, …`.
pub fn bands_text(bands: &[Band]) -> String {
    bands
        .iter()
        .map(|b| format!("{}={}", b.min_index.normalize(), b.label))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The default bands (90 / 80 / 70 / 50 %), as many provinces classify; a campaign may set its own.
pub fn default_bands() -> Vec<Band> {
    [
        (90, "Xuất sắc"),
        (80, "Tốt"),
        (70, "Khá"),
        (50, "Trung bình"),
        (0, "Yếu"),
    ]
    .into_iter()
    .map(|(min, label)| Band {
        min_index: Decimal::from(min),
        label: label.into(),
    })
    .collect()
}

impl Store {
    /// The campaign's classification bands, highest first (the defaults until set).
    pub fn hq_bands(&self, campaign_id: &str) -> Result<Vec<Band>> {
        Ok(match self.setting(&bands_key(campaign_id))? {
            Some(text) => parse_bands(&text).unwrap_or_else(|_| default_bands()),
            None => default_bands(),
        })
    }

    /// Sets the campaign's bands from `90=Xuất sắc, 80=Tốt, 70=Khá, 50=Trung bình, 0=Yếu`
    /// (a threshold in % and a label each), recorded in the HQ decision log.
    pub fn hq_set_bands(&mut self, campaign_id: &str, text: &str) -> Result<Vec<Band>> {
        self.campaign(campaign_id)?;
        let bands = parse_bands(text)?;
        let canonical = bands_text(&bands);
        let old = bands_text(&self.hq_bands(campaign_id)?);
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        crate::store::put_setting(&tx, &bands_key(campaign_id), &canonical)?;
        super::log_decision(
            &tx,
            campaign_id,
            &actor,
            &crate::audit::Change {
                action: "bands",
                old: Some(&old),
                new: Some(&canonical),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(bands)
    }
}

/// `90=Xuất sắc, 80=Tốt` → bands, highest first; thresholds 0..100, each once, a label each.
pub fn parse_bands(text: &str) -> std::result::Result<Vec<Band>, Mistake> {
    let mut bands = Vec::new();
    for part in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (min, label) = part
            .split_once('=')
            .ok_or_else(|| Mistake::BandNotAPair { part: part.into() })?;
        let min = crate::number::parse_decimal(min)
            .filter(|m| *m >= Decimal::ZERO && *m <= Decimal::ONE_HUNDRED)
            .ok_or_else(|| Mistake::BandThreshold { part: part.into() })?;
        if label.trim().is_empty() {
            return Err(Mistake::BandLabelMissing { part: part.into() });
        }
        if bands.iter().any(|b: &Band| b.min_index == min) {
            return Err(Mistake::BandRepeated {
                min: crate::number::format_vi(min),
            });
        }
        bands.push(Band {
            min_index: min,
            label: label.trim().to_string(),
        });
    }
    if bands.is_empty() {
        return Err(Mistake::BandsEmpty);
    }
    bands.sort_by_key(|b| std::cmp::Reverse(b.min_index));
    Ok(bands)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AreaResult {
    pub code: String,
    pub title: String,
    /// Decimal strings with a dot.
    pub points: String,
    pub max: String,
    pub index: Option<String>,
}

/// One unit's line of the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UnitResult {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub group: String,
    pub points: String,
    pub max: String,
    pub index: Option<String>,
    /// Standard competition ranking within the group on the index at 2 decimals (1, 1, 3);
    /// null when not ranked.
    pub rank: Option<u32>,
    /// Units ranked in the group.
    pub ranked_in_group: u32,
    pub band: Option<String>,
    pub status: UnitStatus,
    pub status_label: String,
    pub areas: Vec<AreaResult>,
    /// Unresolved disagreements.
    pub conflicts: u32,
    /// The counted bundles the figures come from.
    pub bundles: Vec<String>,
    /// Why the unit waits for review, when it does.
    pub review: Vec<String>,
}

/// A unit's merged leaves, as the results and the workbook read them.
#[derive(Debug, Clone, Default)]
pub struct MergedUnit {
    pub scores: Scores,
    pub deduction_reasons: HashMap<String, String>,
    pub unresolved: u32,
}

impl Store {
    /// Per unit: the merged leaves (agreed values, resolutions, survey points).
    pub fn hq_merged(&self, campaign_id: &str) -> Result<BTreeMap<String, MergedUnit>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let (bundles, by_unit) = self.counted_leaves(campaign_id, super::merge::Scope::All)?;
        // The disagreements as they stand: a resolution between other sides than today's no
        // longer applies, and a held fork leaves its units undecided.
        let conflicts = super::merge::conflicts_of(
            &bundles,
            &by_unit,
            &self.resolutions(campaign_id)?,
            super::merge::Scope::All,
        );
        let resolutions: HashMap<(String, String), Option<Resolution>> = conflicts
            .iter()
            .filter(|c| c.kind == ConflictKind::Leaf)
            .map(|c| ((c.unit.clone(), c.code.clone()), c.resolution.clone()))
            .collect();
        let survey = self.hq_survey_points(campaign_id)?;
        let parse = |t: &Option<String>| t.as_deref().and_then(|t| Entry::parse(t).ok().flatten());
        let mut out = BTreeMap::new();
        for (unit, sources) in &by_unit {
            let mut merged = MergedUnit::default();
            let mut values: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
            for (_, leaves) in sources {
                for l in leaves.iter().filter(|l| !l.code.is_empty()) {
                    let score = merged.scores.entry(l.code.clone()).or_default();
                    if score.self_assessed.is_none() {
                        score.self_assessed = parse(&l.self_assessed);
                    }
                    if let Some(e) = parse(&l.appraised) {
                        let seen = values.entry(l.code.as_str()).or_default();
                        if !seen.contains(&e) {
                            seen.push(e);
                        }
                    }
                    if !l.deduction_reason.trim().is_empty() {
                        merged
                            .deduction_reasons
                            .entry(l.code.clone())
                            .or_insert_with(|| l.deduction_reason.clone());
                    }
                }
            }
            for (code, seen) in values {
                let score = merged.scores.entry(code.to_string()).or_default();
                score.appraised = match seen.as_slice() {
                    [one] => Some(*one),
                    _ => match resolutions.get(&(unit.clone(), code.to_string())) {
                        Some(Some(r)) => Entry::parse(&r.value).ok().flatten(),
                        _ => {
                            merged.unresolved += 1;
                            None
                        }
                    },
                };
            }
            out.insert(unit.clone(), merged);
        }
        for c in conflicts.iter().filter(|c| c.kind == ConflictKind::Fork) {
            out.entry(c.unit.clone()).or_default().unresolved += 1;
        }
        // Survey points from Sở Nội vụ replace whatever a bundle carried for survey leaves.
        for ((unit, code), points) in survey {
            let is_survey = set
                .find(&code)
                .and_then(|n| n.leaf.as_ref())
                .is_some_and(|l| l.method == Method::DieuTraXhh);
            if is_survey && let Some(m) = out.get_mut(&unit) {
                m.scores
                    .entry(code)
                    .or_insert_with(LeafScore::default)
                    .appraised = Some(Entry::Points(points));
            }
        }
        Ok(out)
    }

    /// The results of a campaign: every unit (ranked or not), in the order of the unit list.
    pub fn hq_results(&self, campaign_id: &str) -> Result<Vec<UnitResult>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let bundles = self.hq_bundles(campaign_id)?;
        let merged = self.hq_merged(campaign_id)?;
        let bands = self.hq_bands(campaign_id)?;
        let mut out = Vec::new();
        for unit in self.units(campaign_id)? {
            let counted: Vec<_> = bundles
                .iter()
                .filter(|b| b.role == Role::Counted && b.units.contains(&unit.code))
                .collect();
            let m = merged.get(&unit.code).cloned().unwrap_or_default();
            let totals = scoring::totals(&set, &m.scores);
            let total = &totals.appraised.total;
            let review: Vec<String> = counted
                .iter()
                .filter(|b| !b.review_reason.is_empty())
                .map(|b| format!("{}: {}", b.id, b.review_reason))
                .collect();
            let unscored = set.leaves().iter().any(|n| {
                n.leaf
                    .as_ref()
                    .is_some_and(|l| l.method == Method::ThamDinh)
                    && m.scores.get(&n.code).and_then(|s| s.appraised).is_none()
            });
            let status = if m.unresolved > 0 {
                UnitStatus::Conflict
            } else if counted.is_empty() {
                UnitStatus::Missing
            } else if !review.is_empty() {
                UnitStatus::Review
            } else if unscored || total.index.is_none() {
                UnitStatus::Incomplete
            } else {
                UnitStatus::Ranked
            };
            let counted_figures = !counted.is_empty();
            out.push(UnitResult {
                code: unit.code.clone(),
                name: unit.name.clone(),
                unit_type: unit.unit_type.clone(),
                group: unit_group(&unit),
                points: total.points.to_string(),
                max: total.max.to_string(),
                index: total
                    .index
                    .filter(|_| counted_figures)
                    .map(|i| i.to_string()),
                rank: None,
                ranked_in_group: 0,
                band: None,
                status,
                status_label: status.label_vi().into(),
                areas: totals
                    .areas()
                    .map(|a| AreaResult {
                        code: a.code.clone(),
                        title: a.title.clone(),
                        points: a.appraised.points.to_string(),
                        max: a.appraised.max.to_string(),
                        index: a.appraised.index.map(|i| i.to_string()),
                    })
                    .collect(),
                conflicts: m.unresolved,
                bundles: counted.iter().map(|b| b.id.clone()).collect(),
                review,
            });
        }
        rank(&mut out, &bands);
        Ok(out)
    }
}

/// Standard competition ranking (1, 1, 3) within each group, on the index at 2 decimals; bands.
fn rank(units: &mut [UnitResult], bands: &[Band]) {
    let index_of = |u: &UnitResult| u.index.as_deref().and_then(|i| i.parse::<Decimal>().ok());
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        if u.status == UnitStatus::Ranked {
            groups.entry(u.group.clone()).or_default().push(i);
        }
    }
    for members in groups.values() {
        let mut sorted = members.clone();
        sorted.sort_by(|a, b| index_of(&units[*b]).cmp(&index_of(&units[*a])));
        let n = sorted.len() as u32;
        let mut rank = 0;
        let mut previous = None;
        for (position, &i) in sorted.iter().enumerate() {
            let index = index_of(&units[i]);
            if previous != Some(index) {
                rank = position as u32 + 1;
                previous = Some(index);
            }
            units[i].rank = Some(rank);
            units[i].ranked_in_group = n;
            units[i].band = index.and_then(|x| {
                bands
                    .iter()
                    .filter(|b| x >= b.min_index)
                    .max_by_key(|b| b.min_index)
                    .map(|b| b.label.clone())
            });
        }
    }
}

/// The columns of the province summary (sheet Tổng hợp, and the CSV): STT, Mã, Đơn vị, Nhóm, one
/// per area, then the totals.
pub fn summary_titles(set: &crate::criteria::CriteriaSet) -> Vec<String> {
    let mut titles: Vec<String> = ["STT", "Mã", "Đơn vị", "Nhóm"].map(String::from).to_vec();
    titles.extend(set.areas.iter().map(|a| format!("{}. {}", a.code, a.title)));
    titles.extend(
        [
            "Tổng điểm",
            "Điểm tối đa",
            "Chỉ số %",
            "Xếp hạng",
            "Xếp loại",
            "Trạng thái",
        ]
        .map(String::from),
    );
    titles
}

/// The results as CSV (the Tổng hợp sheet's columns; numbers with a dot).
pub fn results_csv(set: &crate::criteria::CriteriaSet, units: &[UnitResult]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(summary_titles(set));
    for (i, u) in units.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            u.code.clone(),
            u.name.clone(),
            u.group.clone(),
        ];
        row.extend(u.areas.iter().map(|a| a.points.clone()));
        row.extend([
            u.points.clone(),
            u.max.clone(),
            u.index.clone().unwrap_or_default(),
            u.rank.map(|r| r.to_string()).unwrap_or_default(),
            u.band.clone().unwrap_or_default(),
            u.status_label.clone(),
        ]);
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// A criterion (or area) across units: its share of the attainable max, lowest first, with the
/// deduction reasons given for it grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WeakCriterion {
    pub code: String,
    pub title: String,
    pub is_area: bool,
    /// Summed over the units with a result; decimal strings with a dot.
    pub points: String,
    pub max: String,
    /// points / max × 100, 2 decimals.
    pub share: Option<String>,
    /// Units whose appraised points are below the max on it.
    pub units_below_max: u32,
    pub reasons: Vec<ReasonCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReasonCount {
    pub reason: String,
    pub units: u32,
}

impl Store {
    /// The weakest leaves and areas across the units that have a result: `top` of each, lowest
    /// share of their attainable max first (N/A handled as the set says).
    pub fn hq_weakest(&self, campaign_id: &str, top: usize) -> Result<Vec<WeakCriterion>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let merged = self.hq_merged(campaign_id)?;
        /// One criterion or area summed over the units.
        #[derive(Default)]
        struct Sum {
            title: String,
            is_area: bool,
            points: Decimal,
            max: Decimal,
            below: u32,
            reasons: BTreeMap<String, u32>,
        }
        let mut sums: BTreeMap<String, Sum> = BTreeMap::new();
        let mut order = Vec::new();
        for m in merged.values() {
            let totals = scoring::totals(&set, &m.scores);
            for node in totals.nodes.iter().filter(|n| n.depth == 0 || n.is_leaf) {
                let is_bonus = set
                    .bonus_penalty
                    .as_ref()
                    .is_some_and(|b| b.leaves.iter().any(|l| l.code == node.code));
                if is_bonus {
                    continue;
                }
                let sum = sums.entry(node.code.clone()).or_insert_with(|| {
                    order.push(node.code.clone());
                    Sum {
                        title: node.title.clone(),
                        is_area: !node.is_leaf,
                        ..Default::default()
                    }
                });
                sum.points += node.appraised.points;
                sum.max += node.appraised.max;
                sum.below += u32::from(node.appraised.points < node.appraised.max);
                if let Some(reason) = m.deduction_reasons.get(&node.code) {
                    *sum.reasons.entry(reason.trim().to_string()).or_default() += 1;
                }
            }
        }
        let mut out: Vec<WeakCriterion> = order
            .into_iter()
            .filter_map(|code| {
                let sum = sums.remove(&code)?;
                let mut reasons: Vec<ReasonCount> = sum
                    .reasons
                    .into_iter()
                    .map(|(reason, units)| ReasonCount { reason, units })
                    .collect();
                reasons.sort_by(|a, b| b.units.cmp(&a.units).then(a.reason.cmp(&b.reason)));
                Some(WeakCriterion {
                    code,
                    title: sum.title,
                    is_area: sum.is_area,
                    points: sum.points.normalize().to_string(),
                    max: sum.max.normalize().to_string(),
                    share: scoring::index(sum.points, sum.max).map(|s| s.to_string()),
                    units_below_max: sum.below,
                    reasons,
                })
            })
            .collect();
        let share = |w: &WeakCriterion| w.share.as_deref().and_then(|s| s.parse::<Decimal>().ok());
        out.sort_by(|a, b| share(a).cmp(&share(b)).then(a.code.cmp(&b.code)));
        let (areas, leaves): (Vec<_>, Vec<_>) = out
            .into_iter()
            .filter(|w| w.share.is_some())
            .partition(|w| w.is_area);
        Ok(leaves
            .into_iter()
            .take(top)
            .chain(areas.into_iter().take(top))
            .collect())
    }
}

/// One leaf of a unit's drill-down: the merged value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeafLine {
    pub code: String,
    pub title: String,
    pub depth: u32,
    pub is_leaf: bool,
    pub max: String,
    /// Points of the node (leaf or group), appraised, as counted.
    pub points: String,
    /// For leaves: `NA`, a decimal with a dot, or null when not scored.
    pub self_assessed: Option<String>,
    pub appraised: Option<String>,
    pub deduction_reason: String,
    /// The leaf is disputed between counted bundles (and how it was decided, if it was).
    pub disputed: bool,
    pub resolution: Option<String>,
}

/// A unit as the bundles that count for it carried it: the leaf table, and the evidence and
/// photos those bundles list (read-only).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct UnitDetail {
    pub result: UnitResult,
    pub lines: Vec<LeafLine>,
    #[ts(
        type = "Array<{ id: string, number: string, issued_on: string | null, issuer: string, summary: string, pages: string, file_name: string | null, leaves: string[] }>"
    )]
    pub evidence: Vec<crate::bundle::result::EvidenceDoc>,
    #[ts(
        type = "Array<{ sha256: string, caption: string, taken_at: string | null, leaves: string[], width: number, height: number }>"
    )]
    pub photos: Vec<crate::bundle::result::PhotoDoc>,
}

impl Store {
    /// The drill-down of one unit: merged leaves with reasons, evidence and photo records from
    /// the counted bundles.
    pub fn hq_unit_detail(&self, campaign_id: &str, unit_code: &str) -> Result<UnitDetail> {
        let unit_code = crate::text::nfc(unit_code);
        let unit_code = unit_code.as_str();
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let result = self
            .hq_results(campaign_id)?
            .into_iter()
            .find(|u| u.code == unit_code)
            .ok_or_else(|| {
                crate::Error::NotFound(crate::mistake::Missing::Unit(unit_code.to_string()))
            })?;
        let merged = self
            .hq_merged(campaign_id)?
            .remove(unit_code)
            .unwrap_or_default();
        let conflicts = self.conflicts_in(
            campaign_id,
            super::merge::Scope::Units(std::slice::from_ref(&unit_code.to_string())),
        )?;
        let totals = scoring::totals(&set, &merged.scores);
        let text = |e: Option<Entry>| e.map(crate::visit::entry_text);
        let lines = totals
            .nodes
            .iter()
            .map(|n| {
                let score = merged.scores.get(&n.code).copied().unwrap_or_default();
                let conflict = conflicts.iter().find(|c| c.code == n.code);
                LeafLine {
                    code: n.code.clone(),
                    title: n.title.clone(),
                    depth: n.depth,
                    is_leaf: n.is_leaf,
                    max: n.max_points.normalize().to_string(),
                    points: n.appraised.points.to_string(),
                    self_assessed: n.is_leaf.then(|| text(score.self_assessed)).flatten(),
                    appraised: n.is_leaf.then(|| text(score.appraised)).flatten(),
                    deduction_reason: merged
                        .deduction_reasons
                        .get(&n.code)
                        .cloned()
                        .unwrap_or_default(),
                    disputed: conflict.is_some(),
                    resolution: conflict
                        .and_then(|c| c.resolution.as_ref().map(|r| r.value.clone())),
                }
            })
            .collect();
        let (mut evidence, mut photos) = (Vec::new(), Vec::new());
        let mut stmt = self
            .conn
            .prepare_cached("SELECT result_json FROM hq_bundle WHERE id = ?1")?;
        for id in &result.bundles {
            let json: String = stmt.query_row([id], |r| r.get(0))?;
            let doc: crate::bundle::result::ResultDoc =
                serde_json::from_str(&json).map_err(|e| stored_bundle_unreadable(id, e))?;
            for v in doc.visits.into_iter().filter(|v| v.unit.code == unit_code) {
                evidence.extend(v.evidence);
                photos.extend(v.photos);
            }
        }
        Ok(UnitDetail {
            result,
            lines,
            evidence,
            photos,
        })
    }
}

/// The shortcomings delegations concluded, gathered per criterion across units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CommonShortcoming {
    /// The leaf code, or empty for shortcomings tied to no criterion.
    pub code: String,
    pub title: String,
    pub units: Vec<UnitShortcoming>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UnitShortcoming {
    pub unit: String,
    pub name: String,
    pub text: String,
}

impl Store {
    /// Shortcomings (tồn tại, hạn chế) of the counted bundles, per criterion, the criteria most
    /// units share first.
    pub fn hq_shortcomings(&self, campaign_id: &str) -> Result<Vec<CommonShortcoming>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let mut groups: std::collections::BTreeMap<String, Vec<UnitShortcoming>> =
            std::collections::BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT result_json FROM hq_bundle WHERE id = ?1")?;
        for b in self
            .hq_bundles(campaign_id)?
            .iter()
            .filter(|b| b.role == super::merge::Role::Counted)
        {
            let json: String = stmt.query_row([&b.id], |r| r.get(0))?;
            let doc: crate::bundle::result::ResultDoc =
                serde_json::from_str(&json).map_err(|e| stored_bundle_unreadable(&b.id, e))?;
            for v in &doc.visits {
                for c in v
                    .conclusions
                    .iter()
                    .filter(|c| c.kind == crate::conclusions::ConclusionKind::Shortcoming)
                {
                    let line = UnitShortcoming {
                        unit: v.unit.code.clone(),
                        name: v.unit.name.clone(),
                        text: c.text.clone(),
                    };
                    if c.leaves.is_empty() {
                        groups.entry(String::new()).or_default().push(line.clone());
                    }
                    for code in &c.leaves {
                        groups.entry(code.clone()).or_default().push(line.clone());
                    }
                }
            }
        }
        let mut out: Vec<CommonShortcoming> = groups
            .into_iter()
            .map(|(code, units)| CommonShortcoming {
                title: set.find(&code).map(|n| n.title.clone()).unwrap_or_default(),
                code,
                units,
            })
            .collect();
        out.sort_by(|a, b| b.units.len().cmp(&a.units.len()).then(a.code.cmp(&b.code)));
        Ok(out)
    }
}

/// A bundle kept in the store was verified when it came in: one that no longer reads is the
/// store's fault, never the officer's.
fn stored_bundle_unreadable(id: &str, e: serde_json::Error) -> crate::Error {
    crate::Error::internal(format!("gói {id} trong kho không đọc được: {e}"))
}
