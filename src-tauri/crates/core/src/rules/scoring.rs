//! Scoring arithmetic: per-leaf values, totals per node, area and set, attainable max and index.
//! Exact decimals throughout; the index is rounded half-up to two decimals only at the end.
use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::criteria::{CriteriaSet, Method, Node, NotApplicable, is_multiple};
use crate::mistake::Mistake;
use crate::number::{format_vi, parse_decimal, round_half_up};

/// What was entered for one leaf in one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "points", rename_all = "snake_case")]
#[ts(export)]
pub enum Entry {
    Points(#[ts(type = "string")] Decimal),
    /// Không áp dụng / không phát sinh.
    NotApplicable,
}

impl Entry {
    /// Parses what a person types: a decimal (dot or comma) or `NA` (case-insensitive).
    /// Empty text means "not scored" and gives `Ok(None)`.
    pub fn parse(text: &str) -> Result<Option<Entry>, Mistake> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        // N/A as people write it: NA, N/A, or KAD (không áp dụng) as the Vietnamese screens say.
        if ["na", "n/a", "kad"]
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
        {
            return Ok(Some(Entry::NotApplicable));
        }
        parse_decimal(t)
            .map(|d| Some(Entry::Points(d)))
            .ok_or_else(|| Mistake::NotANumber { text: t.into() })
    }
}

/// The two columns of the scoring table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Column {
    /// Điểm tự đánh giá.
    SelfAssessed,
    /// Điểm thẩm định (for survey leaves: the survey points).
    Appraised,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeafScore {
    pub self_assessed: Option<Entry>,
    pub appraised: Option<Entry>,
}

/// Values per leaf code.
pub type Scores = HashMap<String, LeafScore>;

/// Rows of (leaf code, self-assessed, appraised) as the arithmetic takes them: the one place any
/// rows (a score sheet's, a visit's, a bundle's) become `Scores`.
pub fn scores_from<C: Into<String>>(
    rows: impl IntoIterator<Item = (C, Option<Entry>, Option<Entry>)>,
) -> Scores {
    rows.into_iter()
        .map(|(code, self_assessed, appraised)| {
            (
                code.into(),
                LeafScore {
                    self_assessed,
                    appraised,
                },
            )
        })
        .collect()
}

/// Checks one entry against its leaf: N/A only where allowed, points within 0..max and on the step,
/// no self score for survey leaves. The message names the rule broken and the allowed range.
pub fn check_entry(
    set: &CriteriaSet,
    node: &Node,
    column: Column,
    entry: Entry,
) -> Result<(), Mistake> {
    let code = || node.code.clone();
    let Some(leaf) = &node.leaf else {
        return Err(Mistake::NotALeaf { code: code() });
    };
    if column == Column::SelfAssessed && leaf.method == Method::DieuTraXhh {
        return Err(Mistake::SurveyLeafHasNoSelfScore { code: code() });
    }
    match entry {
        Entry::NotApplicable if leaf.not_applicable == NotApplicable::NotAllowed => {
            Err(Mistake::NotApplicableNotAllowed { code: code() })
        }
        Entry::NotApplicable => Ok(()),
        Entry::Points(p) if p < Decimal::ZERO || p > node.max_points => {
            Err(Mistake::ScoreOutOfRange {
                code: code(),
                value: format_vi(p),
                max: format_vi(node.max_points),
            })
        }
        Entry::Points(p) if !is_multiple(p, set.step) => Err(Mistake::ScoreOffStep {
            code: code(),
            value: format_vi(p),
            step: format_vi(set.step),
        }),
        Entry::Points(_) => Ok(()),
    }
}

/// Checks what a person types on a leaf: `check_entry`, and on a leaf scored by tiers only one of
/// its tiers. Not part of `check_entry` on purpose: the bundle format calls tiers quick picks, so a
/// signed bundle with another value stays readable.
pub fn check_typed_entry(
    set: &CriteriaSet,
    node: &Node,
    column: Column,
    entry: Entry,
) -> Result<(), Mistake> {
    check_entry(set, node, column, entry)?;
    let tiers = match &node.leaf {
        Some(leaf) if leaf.rule.kind == "tiers" && !leaf.rule.levels.is_empty() => {
            &leaf.rule.levels
        }
        _ => return Ok(()),
    };
    match entry {
        Entry::Points(p) if !tiers.iter().any(|t| t.points == p) => Err(Mistake::ScoreNotATier {
            code: node.code.clone(),
            value: format_vi(p),
            tiers: tiers
                .iter()
                .map(|t| format_vi(t.points))
                .collect::<Vec<_>>()
                .join(" / "),
        }),
        _ => Ok(()),
    }
}

/// Points against the attainable max, with the index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Tally {
    #[ts(type = "string")]
    pub points: Decimal,
    /// Attainable max: the nominal max less the leaves marked N/A with `reduce_max`.
    #[ts(type = "string")]
    pub max: Decimal,
    /// points / max × 100, half-up to 2 decimals; absent when nothing is attainable.
    #[ts(type = "string | null")]
    pub index: Option<Decimal>,
    /// Leaves with an entry (points or N/A) out of all leaves counted.
    pub scored: u32,
    pub leaves: u32,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.points += other.points;
        self.max += other.max;
        self.scored += other.scored;
        self.leaves += other.leaves;
    }

    fn finish(mut self) -> Self {
        self.index = index(self.points, self.max);
        // Shortest exact form ("28.7", not "28.70"): what people read, and stable in JSON.
        self.points = self.points.normalize();
        self.max = self.max.normalize();
        self
    }
}

/// Chỉ số = points / attainable max × 100, rounded half-up to 2 decimals.
pub fn index(points: Decimal, max: Decimal) -> Option<Decimal> {
    (max > Decimal::ZERO).then(|| {
        let mut i = round_half_up(points * Decimal::ONE_HUNDRED / max, 2);
        i.rescale(2); // always two decimals: "75.00", as printed
        i
    })
}

/// Totals of one column over the whole set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ColumnTotals {
    /// Appraised part: `tham_dinh` leaves only.
    pub tham_dinh: Tally,
    /// Survey part: `dieu_tra_xhh` leaves.
    pub survey: Tally,
    /// Bonus points after the cap.
    #[ts(type = "string")]
    pub bonus: Decimal,
    /// Penalty points after the cap (subtracted).
    #[ts(type = "string")]
    pub penalty: Decimal,
    /// Whole set: both parts + bonus − penalty (never below 0), over the attainable max of both parts.
    pub total: Tally,
}

/// One row of the tree-table: a node with its totals in both columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct NodeTotals {
    pub code: String,
    pub title: String,
    /// 0 for areas.
    pub depth: u32,
    #[ts(type = "string")]
    pub max_points: Decimal,
    pub is_leaf: bool,
    pub self_assessed: Tally,
    pub appraised: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SetTotals {
    pub set_id: String,
    pub self_assessed: ColumnTotals,
    pub appraised: ColumnTotals,
    /// Every node of the areas in document order (areas, criteria, leaves), then bonus/penalty leaves.
    pub nodes: Vec<NodeTotals>,
}

impl SetTotals {
    pub fn node(&self, code: &str) -> Option<&NodeTotals> {
        self.nodes.iter().find(|n| n.code == code)
    }

    /// Rows of depth 0 (the areas), bonus/penalty excluded.
    pub fn areas(&self) -> impl Iterator<Item = &NodeTotals> {
        self.nodes.iter().filter(|n| n.depth == 0 && !n.is_leaf)
    }
}

/// Computes every total of a set from the entered values. Values are assumed checked
/// ([`check_entry`]); unknown codes are ignored. A leaf without an entry counts 0 points against its
/// full max.
pub fn totals(set: &CriteriaSet, scores: &Scores) -> SetTotals {
    let mut nodes = Vec::new();
    let mut columns = [ColumnTotals::default(), ColumnTotals::default()];
    for area in &set.areas {
        walk(area, 0, scores, &mut nodes, &mut columns);
    }
    if let Some(bp) = &set.bonus_penalty {
        let mut sums = [[Decimal::ZERO; 2]; 2]; // [column][bonus, penalty]
        for leaf in &bp.leaves {
            let mut row = NodeTotals {
                code: leaf.code.clone(),
                title: leaf.title.clone(),
                depth: 1,
                max_points: leaf.max_points,
                is_leaf: true,
                self_assessed: Tally::default(),
                appraised: Tally::default(),
            };
            let is_penalty = leaf.leaf.as_ref().is_some_and(|l| l.rule.kind == "penalty");
            for (c, column) in [Column::SelfAssessed, Column::Appraised]
                .into_iter()
                .enumerate()
            {
                let entry = entry_for(leaf, column, scores);
                let points = match entry {
                    Some(Entry::Points(p)) => p,
                    _ => Decimal::ZERO,
                };
                sums[c][usize::from(is_penalty)] += points;
                let tally = Tally {
                    points,
                    max: leaf.max_points,
                    index: None,
                    scored: u32::from(entry.is_some()),
                    leaves: 1,
                };
                *column_of(&mut row, column) = tally.finish();
            }
            nodes.push(row);
        }
        for (c, col) in columns.iter_mut().enumerate() {
            col.bonus = sums[c][0].min(bp.bonus_max);
            col.penalty = sums[c][1].min(bp.penalty_max);
        }
    }
    let [mut self_col, mut appraised_col] = columns;
    for col in [&mut self_col, &mut appraised_col] {
        let mut total = col.tham_dinh;
        total.add(&col.survey);
        total.points = (total.points + col.bonus - col.penalty).max(Decimal::ZERO);
        col.total = total.finish();
        col.tham_dinh = col.tham_dinh.finish();
        col.survey = col.survey.finish();
    }
    SetTotals {
        set_id: set.id.clone(),
        self_assessed: self_col,
        appraised: appraised_col,
        nodes,
    }
}

fn column_of(row: &mut NodeTotals, column: Column) -> &mut Tally {
    match column {
        Column::SelfAssessed => &mut row.self_assessed,
        Column::Appraised => &mut row.appraised,
    }
}

/// The entry that counts for a leaf in a column. Units do not self-assess survey leaves, so the
/// survey points (held in the appraised column) count in both columns.
fn entry_for(node: &Node, column: Column, scores: &Scores) -> Option<Entry> {
    let score = scores.get(&node.code)?;
    let survey = node
        .leaf
        .as_ref()
        .is_some_and(|l| l.method == Method::DieuTraXhh);
    match column {
        Column::SelfAssessed if !survey => score.self_assessed,
        _ => score.appraised,
    }
}

/// Adds the node's row (and its subtree's rows) and returns nothing; the node's tallies are added
/// to the column totals when it is a leaf.
fn walk(
    node: &Node,
    depth: u32,
    scores: &Scores,
    rows: &mut Vec<NodeTotals>,
    columns: &mut [ColumnTotals; 2],
) -> [Tally; 2] {
    let at = rows.len();
    rows.push(NodeTotals {
        code: node.code.clone(),
        title: node.title.clone(),
        depth,
        max_points: node.max_points,
        is_leaf: node.leaf.is_some(),
        self_assessed: Tally::default(),
        appraised: Tally::default(),
    });
    let mut sums = [Tally::default(), Tally::default()];
    if let Some(leaf) = &node.leaf {
        for (c, column) in [Column::SelfAssessed, Column::Appraised]
            .into_iter()
            .enumerate()
        {
            let entry = entry_for(node, column, scores);
            let tally = leaf_tally(node.max_points, leaf.not_applicable, entry);
            let part = match leaf.method {
                Method::ThamDinh => &mut columns[c].tham_dinh,
                Method::DieuTraXhh => &mut columns[c].survey,
            };
            part.add(&tally);
            sums[c] = tally;
        }
    } else {
        for child in &node.children {
            let child_sums = walk(child, depth + 1, scores, rows, columns);
            sums[0].add(&child_sums[0]);
            sums[1].add(&child_sums[1]);
        }
    }
    rows[at].self_assessed = sums[0].finish();
    rows[at].appraised = sums[1].finish();
    sums
}

fn leaf_tally(max: Decimal, na: NotApplicable, entry: Option<Entry>) -> Tally {
    let (points, attainable) = match entry {
        None => (Decimal::ZERO, max),
        Some(Entry::Points(p)) => (p, max),
        Some(Entry::NotApplicable) => match na {
            NotApplicable::AwardMax => (max, max),
            // A checked entry never has N/A on a leaf that forbids it; count it as reduce_max.
            NotApplicable::ReduceMax | NotApplicable::NotAllowed => (Decimal::ZERO, Decimal::ZERO),
        },
    };
    Tally {
        points,
        max: attainable,
        index: None,
        scored: u32::from(entry.is_some()),
        leaves: 1,
    }
}
