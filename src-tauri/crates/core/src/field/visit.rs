//! Field appraisal: delegation members, units, visits and the per-leaf values of a visit.
//! Every edit is one transaction holding the change and its audit entry, committed at once.
use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, Change};
use crate::criteria::{CriteriaSet, Method};
use crate::evidence::Evidence;
use crate::mistake::Missing;
use crate::number::parse_date;
use crate::scoring::{self, Column, Entry, Scores, SetTotals, check_entry, check_typed_entry};
use crate::store::{Campaign, Store, now};
use crate::units::Unit;
use crate::{Error, Mistake, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Participant {
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VisitStatus {
    Draft,
    /// Chốt: read-only until unlocked (an audited act with a reason).
    Locked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Visit {
    pub id: String,
    pub unit_id: String,
    /// yyyy-mm-dd.
    pub visit_date: String,
    pub place: String,
    pub participants: Vec<Participant>,
    pub status: VisitStatus,
    pub created_at: String,
}

/// The fields recorded per leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LeafField {
    SelfAssessed,
    Appraised,
    NaReason,
    DeductionReason,
    ExplanationRequest,
    ExplanationAnswer,
    Round1,
    Round2,
}

impl LeafField {
    pub const ALL: [LeafField; 8] = [
        LeafField::SelfAssessed,
        LeafField::Appraised,
        LeafField::NaReason,
        LeafField::DeductionReason,
        LeafField::ExplanationRequest,
        LeafField::ExplanationAnswer,
        LeafField::Round1,
        LeafField::Round2,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeafField::SelfAssessed => "self_assessed",
            LeafField::Appraised => "appraised",
            LeafField::NaReason => "na_reason",
            LeafField::DeductionReason => "deduction_reason",
            LeafField::ExplanationRequest => "explanation_request",
            LeafField::ExplanationAnswer => "explanation_answer",
            LeafField::Round1 => "round1",
            LeafField::Round2 => "round2",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// The scoring column a score field is checked against; `None` for text fields.
    fn column(self) -> Option<Column> {
        match self {
            LeafField::SelfAssessed => Some(Column::SelfAssessed),
            LeafField::Appraised | LeafField::Round1 | LeafField::Round2 => Some(Column::Appraised),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Flag {
    /// Scored, but no evidence item is linked.
    NoEvidence,
    /// Appraised below self-assessed without a deduction reason.
    MissingDeductionReason,
    /// Marked N/A without a reason.
    MissingNaReason,
}

/// Everything recorded for one leaf of a visit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeafRecord {
    pub code: String,
    pub self_assessed: Option<Entry>,
    pub appraised: Option<Entry>,
    pub round1: Option<Entry>,
    pub round2: Option<Entry>,
    pub na_reason: String,
    pub deduction_reason: String,
    pub explanation_request: String,
    pub explanation_answer: String,
    /// appraised − self, when both are points.
    #[ts(type = "string | null")]
    pub difference: Option<Decimal>,
    pub evidence_count: u32,
    pub flags: Vec<Flag>,
}

/// A visit as the working screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VisitView {
    pub visit: Visit,
    pub unit: Unit,
    pub campaign: Campaign,
    pub set_id: String,
    /// Every leaf of the set (bonus/penalty included), in document order.
    pub leaves: Vec<LeafRecord>,
    pub totals: SetTotals,
    pub evidence: Vec<Evidence>,
    /// Whether there is an edit that [`Store::undo_last`] would revert.
    pub can_undo: bool,
}

/// What one edit changed on the working screen: the leaf, the totals of its node and its
/// ancestors, the column totals, whether undo is possible and the leaf's latest history. The scoring table patches these
/// into the view it holds instead of receiving the whole visit again (the frame budget: an edit
/// of a 98-leaf set answers in a few hundred bytes, not tens of kilobytes).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LeafUpdate {
    pub leaf: LeafRecord,
    /// The leaf's own node first, then its parent, up to its area.
    pub nodes: Vec<scoring::NodeTotals>,
    pub self_assessed: scoring::ColumnTotals,
    pub appraised: scoring::ColumnTotals,
    pub can_undo: bool,
    /// The leaf's newest audit entries, for the history beside it (no second call per edit).
    pub history: crate::audit::LeafHistory,
}

/// How many entries [`LeafUpdate::history`] carries.
pub const LEAF_HISTORY_SHOWN: usize = 12;

/// Entered values by leaf, as the scoring code takes them.
fn scores_of(leaves: &[LeafRecord]) -> Scores {
    scoring::scores_from(
        leaves
            .iter()
            .map(|r| (r.code.as_str(), r.self_assessed, r.appraised)),
    )
}

/// The totals of node `code` and of its ancestors in the set's tree, nearest first (a bonus or
/// penalty leaf has none).
fn node_with_ancestors(
    set: &CriteriaSet,
    nodes: &[scoring::NodeTotals],
    code: &str,
) -> Vec<scoring::NodeTotals> {
    fn path<'a>(node: &'a crate::criteria::Node, code: &str, out: &mut Vec<&'a str>) -> bool {
        if node.code == code || node.children.iter().any(|c| path(c, code, out)) {
            out.push(&node.code);
            return true;
        }
        false
    }
    let mut codes = Vec::new();
    if !set.areas.iter().any(|area| path(area, code, &mut codes)) {
        codes.push(code);
    }
    codes
        .iter()
        .filter_map(|c| nodes.iter().find(|n| n.code == *c).cloned())
        .collect()
}

/// A line of the visits list.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VisitSummary {
    pub id: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub visit_date: String,
    pub status: VisitStatus,
    pub self_total: scoring::Tally,
    pub appraised_total: scoring::Tally,
    /// Nothing recorded yet (no value, evidence or photo): the visit may be deleted.
    pub is_empty: bool,
}

fn visit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Visit> {
    let participants: String = r.get(4)?;
    let status: String = r.get(5)?;
    Ok(Visit {
        id: r.get(0)?,
        unit_id: r.get(1)?,
        visit_date: r.get(2)?,
        place: r.get(3)?,
        participants: serde_json::from_str(&participants).unwrap_or_default(),
        status: if status == "locked" {
            VisitStatus::Locked
        } else {
            VisitStatus::Draft
        },
        created_at: r.get(6)?,
    })
}

const VISIT_COLUMNS: &str = "id, unit_id, visit_date, place, participants, status, created_at";

impl Store {
    /// Who is using this laptop: the name recorded in every audit entry.
    /// Who makes a change: the name of the person using this laptop, or — where none was given
    /// (a script, the CLI on a fresh laptop) — the computer account that ran it; never nobody.
    /// The app asks for the name before the first edit.
    pub fn actor(&self) -> Result<String> {
        if let Some(name) = self
            .setting(crate::store::USER_NAME)?
            .filter(|n| !n.trim().is_empty())
        {
            return Ok(name);
        }
        Ok(match os_account() {
            Some(account) => format!("tài khoản máy «{account}»"),
            None => "(chưa đặt tên)".into(),
        })
    }

    /// Starts a visit of a unit. `date` is dd/mm/yyyy or yyyy-mm-dd.
    pub fn create_visit(
        &mut self,
        unit_id: &str,
        date: &str,
        place: &str,
        participants: &[Participant],
    ) -> Result<Visit> {
        self.unit(unit_id)?;
        let date = parse_date(date).ok_or_else(|| Mistake::NotADate { text: date.into() })?;
        let visit = Visit {
            id: uuid::Uuid::new_v4().to_string(),
            unit_id: unit_id.into(),
            visit_date: date.format("%Y-%m-%d").to_string(),
            place: place.trim().into(),
            participants: participants
                .iter()
                .filter(|p| !p.name.trim().is_empty())
                .cloned()
                .collect(),
            status: VisitStatus::Draft,
            created_at: now(),
        };
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO visit (id, unit_id, visit_date, place, participants, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6)",
            params![
                visit.id,
                visit.unit_id,
                visit.visit_date,
                visit.place,
                serde_json::to_string(&visit.participants).unwrap_or_else(|_| "[]".into()),
                visit.created_at
            ],
        )?;
        audit::append(
            &tx,
            &visit.id,
            &actor,
            &Change {
                action: "create_visit",
                new: Some(&visit.visit_date),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(visit)
    }

    /// Corrects what was written when the visit started — its date, place and the unit's
    /// participants — while it is not locked; each changed field is an audited entry with who
    /// and why. Returns the visit as it now is.
    pub fn edit_visit(
        &mut self,
        visit_id: &str,
        date: &str,
        place: &str,
        participants: &[Participant],
        reason: &str,
    ) -> Result<Visit> {
        let old = self.ensure_draft(visit_id)?;
        let date = parse_date(date).ok_or_else(|| Mistake::NotADate { text: date.into() })?;
        let participants: Vec<Participant> = participants
            .iter()
            .filter(|p| !p.name.trim().is_empty())
            .map(|p| Participant {
                name: p.name.trim().into(),
                title: p.title.trim().into(),
            })
            .collect();
        let new = Visit {
            visit_date: date.format("%Y-%m-%d").to_string(),
            place: place.trim().into(),
            participants,
            ..old.clone()
        };
        let as_json = |v: &Visit| serde_json::to_string(&v.participants).unwrap_or_default();
        let changes = [
            ("visit_date", &old.visit_date, &new.visit_date),
            ("place", &old.place, &new.place),
            ("participants", &as_json(&old), &as_json(&new)),
        ];
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE visit SET visit_date = ?2, place = ?3, participants = ?4 WHERE id = ?1",
            params![visit_id, new.visit_date, new.place, as_json(&new)],
        )?;
        for (field, before, after) in changes.iter().filter(|(_, a, b)| a != b) {
            audit::append(
                &tx,
                visit_id,
                &actor,
                &Change {
                    action: "edit_visit",
                    field,
                    old: Some(before.as_str()),
                    new: Some(after.as_str()),
                    reason: reason.trim(),
                    ..Default::default()
                },
            )?;
        }
        tx.commit()?;
        Ok(new)
    }

    pub fn visit(&self, id: &str) -> Result<Visit> {
        self.conn
            .query_row(
                &format!("SELECT {VISIT_COLUMNS} FROM visit WHERE id = ?1 AND deleted_at IS NULL"),
                [id],
                visit_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(Missing::Visit(id.to_string())))
    }

    /// Visits of one campaign, or of all campaigns, by unit code and date.
    pub fn visits(&self, campaign_id: Option<&str>) -> Result<Vec<VisitSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT v.id, u.campaign_id FROM visit v JOIN unit u ON u.id = v.unit_id
             WHERE (?1 IS NULL OR u.campaign_id = ?1) AND v.deleted_at IS NULL ORDER BY u.code, v.visit_date, v.created_at",
        )?;
        let mut ids: Vec<(String, String)> = stmt
            .query_map([campaign_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Newest campaign first, then by name (a stable sort keeps unit and date order within).
        let order: HashMap<String, (i32, String)> = self
            .campaigns()?
            .into_iter()
            .map(|c| (c.id, (-c.year, c.name)))
            .collect();
        ids.sort_by_key(|(_, c)| order.get(c).cloned());
        ids.iter()
            .map(|(id, _)| id)
            .map(|id| {
                let view = self.visit_view(id)?;
                let is_empty = self.visit_is_empty(id)?;
                Ok(VisitSummary {
                    is_empty,
                    id: view.visit.id,
                    campaign_id: view.campaign.id,
                    campaign_name: view.campaign.name,
                    unit_id: view.unit.id,
                    unit_code: view.unit.code,
                    unit_name: view.unit.name,
                    visit_date: view.visit.visit_date,
                    status: view.visit.status,
                    self_total: view.totals.self_assessed.total,
                    appraised_total: view.totals.appraised.total,
                })
            })
            .collect()
    }

    /// The visits (not deleted) with at least one entry in their log.
    pub fn visits_with_entries(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare("SELECT id FROM visit WHERE deleted_at IS NULL AND audit_count > 0")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Whether nothing was recorded in a visit (no value, evidence or photo).
    pub fn visit_is_empty(&self, visit_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM leaf_value WHERE visit_id = ?1)
                AND NOT EXISTS (SELECT 1 FROM evidence WHERE visit_id = ?1)
                AND NOT EXISTS (SELECT 1 FROM photo WHERE visit_id = ?1)",
            [visit_id],
            |r| r.get(0),
        )?)
    }

    /// Deletes a visit started by mistake: only an empty, draft one (marked deleted, audited,
    /// so its log stays whole); a visit with any entry is refused.
    pub fn delete_visit(&mut self, visit_id: &str) -> Result<()> {
        self.ensure_draft(visit_id)?;
        if !self.visit_is_empty(visit_id)? {
            return Err(Mistake::VisitNotEmpty.into());
        }
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE visit SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![visit_id, now()],
        )?;
        audit::append(
            &tx,
            visit_id,
            &actor,
            &Change {
                action: "delete_visit",
                reason: "buổi thẩm định trống, tạo nhầm",
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The set a visit is scored against (the campaign's, frozen by hash).
    pub fn visit_set(&self, visit_id: &str) -> Result<std::sync::Arc<CriteriaSet>> {
        let campaign_id: String = self
            .conn
            .query_row(
                "SELECT u.campaign_id FROM visit v JOIN unit u ON u.id = v.unit_id WHERE v.id = ?1",
                [visit_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(Missing::Visit(visit_id.to_string())))?;
        self.criteria_set(&self.campaign(&campaign_id)?.criteria_set_id)
    }

    /// Raw values of a visit: (code, field) → text.
    pub(crate) fn raw_values(&self, visit_id: &str) -> Result<HashMap<(String, String), String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT code, field, value FROM leaf_value WHERE visit_id = ?1")?;
        let rows = stmt.query_map([visit_id], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The scores of a visit, as the arithmetic takes them.
    pub fn visit_scores(&self, visit_id: &str) -> Result<Scores> {
        Ok(scores_of(&self.leaf_records(visit_id)?))
    }

    fn leaf_records(&self, visit_id: &str) -> Result<Vec<LeafRecord>> {
        let set = self.visit_set(visit_id)?;
        let raw = self.raw_values(visit_id)?;
        let evidence_counts = self.evidence_counts(visit_id)?;
        let get = |code: &str, f: LeafField| {
            raw.get(&(code.to_string(), f.as_str().to_string()))
                .cloned()
                .unwrap_or_default()
        };
        let entry = |code: &str, f: LeafField| Entry::parse(&get(code, f)).ok().flatten();
        let leaves = set
            .leaves()
            .into_iter()
            .chain(set.bonus_penalty.iter().flat_map(|b| b.leaves.iter()));
        Ok(leaves
            .map(|node| {
                let code = node.code.as_str();
                let mut r = LeafRecord {
                    code: code.into(),
                    self_assessed: entry(code, LeafField::SelfAssessed),
                    appraised: entry(code, LeafField::Appraised),
                    round1: entry(code, LeafField::Round1),
                    round2: entry(code, LeafField::Round2),
                    na_reason: get(code, LeafField::NaReason),
                    deduction_reason: get(code, LeafField::DeductionReason),
                    explanation_request: get(code, LeafField::ExplanationRequest),
                    explanation_answer: get(code, LeafField::ExplanationAnswer),
                    evidence_count: evidence_counts.get(code).copied().unwrap_or(0),
                    ..Default::default()
                };
                if let (Some(Entry::Points(s)), Some(Entry::Points(a))) =
                    (r.self_assessed, r.appraised)
                {
                    r.difference = Some(a - s);
                }
                let survey = node
                    .leaf
                    .as_ref()
                    .is_some_and(|l| l.method == Method::DieuTraXhh);
                let scored = matches!(r.appraised, Some(Entry::Points(_)))
                    || matches!(r.self_assessed, Some(Entry::Points(_)));
                if scored && !survey && r.evidence_count == 0 {
                    r.flags.push(Flag::NoEvidence);
                }
                if r.difference.is_some_and(|d| d < Decimal::ZERO)
                    && r.deduction_reason.trim().is_empty()
                {
                    r.flags.push(Flag::MissingDeductionReason);
                }
                let na = r.appraised == Some(Entry::NotApplicable)
                    || r.self_assessed == Some(Entry::NotApplicable);
                if na && r.na_reason.trim().is_empty() {
                    r.flags.push(Flag::MissingNaReason);
                }
                r
            })
            .collect())
    }

    /// Everything the visit screen shows.
    pub fn visit_view(&self, visit_id: &str) -> Result<VisitView> {
        let visit = self.visit(visit_id)?;
        let unit = self.unit(&visit.unit_id)?;
        let campaign = self.campaign(&unit.campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let leaves = self.leaf_records(visit_id)?;
        let totals = scoring::totals(&set, &scores_of(&leaves));
        let evidence = self.evidence(visit_id)?;
        let can_undo = undo_target(&self.audit(visit_id, None)?).is_some();
        Ok(VisitView {
            set_id: set.id.clone(),
            visit,
            unit,
            campaign,
            leaves,
            totals,
            evidence,
            can_undo,
        })
    }

    /// What an edit of leaf `code` changed on the working screen (see [`LeafUpdate`]).
    pub fn leaf_update(&self, visit_id: &str, code: &str) -> Result<LeafUpdate> {
        let set = self.visit_set(visit_id)?;
        let leaves = self.leaf_records(visit_id)?;
        let totals = scoring::totals(&set, &scores_of(&leaves));
        let leaf = leaves
            .into_iter()
            .find(|l| l.code == code)
            .ok_or_else(|| Error::NotFound(Missing::LeafInVisit(code.to_string())))?;
        Ok(LeafUpdate {
            leaf,
            nodes: node_with_ancestors(&set, &totals.nodes, code),
            self_assessed: totals.self_assessed,
            appraised: totals.appraised,
            can_undo: undo_target(&self.audit(visit_id, None)?).is_some(),
            history: self.leaf_history(visit_id, code, LEAF_HISTORY_SHOWN)?,
        })
    }

    /// The visit, if it can be edited (not locked).
    pub fn ensure_draft(&self, visit_id: &str) -> Result<Visit> {
        let visit = self.visit(visit_id)?;
        if visit.status == VisitStatus::Locked {
            return Err(Error::VisitLocked);
        }
        Ok(visit)
    }

    /// Sets one field of one leaf, as typed (`1,5`, `NA`, a reason…; empty clears it), checked
    /// against the leaf's rules, and records it in the audit log, in one transaction.
    pub fn set_field(
        &mut self,
        visit_id: &str,
        code: &str,
        field: LeafField,
        text: &str,
    ) -> Result<()> {
        self.ensure_draft(visit_id)?;
        let set = self.visit_set(visit_id)?;
        let node = set.leaf(code)?;
        let value = match field.column() {
            Some(column) => match Entry::parse(text)? {
                Some(entry) => {
                    check_entry(&set, node, column, entry)?;
                    Some(entry_text(entry))
                }
                None => None,
            },
            None => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
        };
        self.write_field(visit_id, code, field, value.as_deref(), "set", "")
    }

    /// `set_field` for what a person types in the app: on a leaf scored by tiers only one of its
    /// tiers, so a slip of the keyboard (0,33 for 0,5) is refused with the tiers named. Scripts and
    /// the CLI, which copy values already decided on paper, keep `set_field`'s rules.
    pub fn set_typed_field(
        &mut self,
        visit_id: &str,
        code: &str,
        field: LeafField,
        text: &str,
    ) -> Result<()> {
        self.ensure_draft(visit_id)?;
        if let Some(column) = field.column()
            && let Some(entry) = Entry::parse(text)?
        {
            let set = self.visit_set(visit_id)?;
            check_typed_entry(&set, set.leaf(code)?, column, entry)?;
        }
        self.set_field(visit_id, code, field, text)
    }

    /// Writes a value (None deletes it) with its audit entry, unless it is unchanged.
    fn write_field(
        &mut self,
        visit_id: &str,
        code: &str,
        field: LeafField,
        value: Option<&str>,
        action: &str,
        reason: &str,
    ) -> Result<()> {
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        write_field_in(&tx, &actor, visit_id, code, field, value, action, reason)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies a checked score sheet to a visit in one transaction (all rows or none), each
    /// change audited. An empty cell leaves the value as it is; the reason goes to the N/A
    /// reason when the appraised value is `NA`, else to the deduction reason. Returns the number
    /// of values changed.
    pub fn set_scores(
        &mut self,
        visit_id: &str,
        rows: &[crate::score_sheet::ScoreRow],
    ) -> Result<usize> {
        self.ensure_draft(visit_id)?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        let mut changed = 0;
        for row in rows {
            let reason_field = if row.appraised == Some(Entry::NotApplicable) {
                LeafField::NaReason
            } else {
                LeafField::DeductionReason
            };
            let reason = Some(row.reason.trim()).filter(|r| !r.is_empty());
            for (field, value) in [
                (LeafField::SelfAssessed, row.self_assessed.map(entry_text)),
                (LeafField::Appraised, row.appraised.map(entry_text)),
                (reason_field, reason.map(String::from)),
            ] {
                if let Some(value) = value {
                    changed += usize::from(write_field_in(
                        &tx,
                        &actor,
                        visit_id,
                        &row.code,
                        field,
                        Some(&value),
                        "set",
                        "",
                    )?);
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Reverts the last edit not yet undone (recorded as an `undo` entry). Returns the leaf code,
    /// or `None` when there is nothing to undo.
    pub fn undo_last(&mut self, visit_id: &str) -> Result<Option<String>> {
        self.ensure_draft(visit_id)?;
        let entries = self.audit(visit_id, None)?;
        let Some(target) = undo_target(&entries) else {
            return Ok(None);
        };
        let field = LeafField::parse(&target.field).ok_or_else(|| Error::AuditBroken {
            visit: visit_id.into(),
            seq: target.seq,
            why: format!("trường «{}» không rõ", target.field),
        })?;
        let reason = format!("hoàn tác #{}", target.seq);
        self.write_field(
            visit_id,
            &target.code,
            field,
            target.old.as_deref(),
            "undo",
            &reason,
        )?;
        Ok(Some(target.code.clone()))
    }

    /// Locks (chốt) a visit. Refused while a deduction or an N/A lacks its reason.
    pub fn lock_visit(&mut self, visit_id: &str) -> Result<()> {
        self.ensure_draft(visit_id)?;
        let missing: Vec<String> = self
            .leaf_records(visit_id)?
            .into_iter()
            .filter(|r| {
                r.flags
                    .iter()
                    .any(|f| matches!(f, Flag::MissingDeductionReason | Flag::MissingNaReason))
            })
            .map(|r| r.code)
            .collect();
        if !missing.is_empty() {
            return Err(Mistake::LockNeedsReasons {
                leaves: missing.join(", "),
            }
            .into());
        }
        let conflicts = self.visit_conflicts(visit_id)?;
        if !conflicts.is_empty() {
            return Err(Mistake::LockWithOpenConflicts {
                leaves: conflicts
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
            .into());
        }
        self.set_status(visit_id, VisitStatus::Locked, "lock", "")
    }

    /// Unlocks a locked visit; the reason is required and recorded.
    pub fn unlock_visit(&mut self, visit_id: &str, reason: &str) -> Result<()> {
        if self.visit(visit_id)?.status != VisitStatus::Locked {
            return Err(Mistake::NotLocked.into());
        }
        if reason.trim().is_empty() {
            return Err(Mistake::UnlockNeedsReason.into());
        }
        self.set_status(visit_id, VisitStatus::Draft, "unlock", reason.trim())
    }

    fn set_status(
        &mut self,
        visit_id: &str,
        status: VisitStatus,
        action: &str,
        reason: &str,
    ) -> Result<()> {
        let actor = self.actor()?;
        let text = match status {
            VisitStatus::Draft => "draft",
            VisitStatus::Locked => "locked",
        };
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE visit SET status = ?2 WHERE id = ?1",
            params![visit_id, text],
        )?;
        audit::append(
            &tx,
            visit_id,
            &actor,
            &Change {
                action,
                new: Some(text),
                reason,
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Deletes a visit and everything recorded in it (values, evidence, photos' rows, conflicts,
/// the acknowledgement, conclusions) inside the caller's transaction; its log and its export
/// records are their areas' to delete first.
pub(crate) fn delete_visit_rows(tx: &rusqlite::Connection, visit_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM evidence_leaf WHERE evidence_id IN (SELECT id FROM evidence WHERE visit_id = ?1)",
        "DELETE FROM photo_evidence WHERE visit_id = ?1",
        "DELETE FROM photo_leaf WHERE visit_id = ?1",
        "DELETE FROM photo WHERE visit_id = ?1",
        "DELETE FROM evidence WHERE visit_id = ?1",
        "DELETE FROM leaf_value WHERE visit_id = ?1",
        "DELETE FROM visit_conflict WHERE visit_id = ?1",
        "DELETE FROM visit_acknowledgement WHERE visit_id = ?1",
        "DELETE FROM visit_conclusion WHERE visit_id = ?1",
        "DELETE FROM visit WHERE id = ?1",
    ] {
        tx.execute(sql, [visit_id])?;
    }
    Ok(())
}

/// Writes a value (None deletes it) with its audit entry inside `tx`, unless it is unchanged;
/// says whether it changed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_field_in(
    tx: &rusqlite::Connection,
    actor: &str,
    visit_id: &str,
    code: &str,
    field: LeafField,
    value: Option<&str>,
    action: &str,
    reason: &str,
) -> Result<bool> {
    let old: Option<String> = tx
        .query_row(
            "SELECT value FROM leaf_value WHERE visit_id = ?1 AND code = ?2 AND field = ?3",
            params![visit_id, code, field.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if old.as_deref() == value {
        return Ok(false);
    }
    match value {
        Some(v) => tx.execute(
            "INSERT INTO leaf_value (visit_id, code, field, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (visit_id, code, field) DO UPDATE SET value = excluded.value",
            params![visit_id, code, field.as_str(), v],
        )?,
        None => tx.execute(
            "DELETE FROM leaf_value WHERE visit_id = ?1 AND code = ?2 AND field = ?3",
            params![visit_id, code, field.as_str()],
        )?,
    };
    audit::append(
        tx,
        visit_id,
        actor,
        &Change {
            action,
            code,
            field: field.as_str(),
            old: old.as_deref(),
            new: value,
            reason,
        },
    )?;
    Ok(true)
}

/// The stored text of an entry: `NA` or the normalised decimal.
pub fn entry_text(entry: Entry) -> String {
    match entry {
        Entry::NotApplicable => "NA".into(),
        Entry::Points(p) => p.normalize().to_string(),
    }
}

/// The edit an undo would revert: replaying the log, each `set` pushes and each `undo` pops.
fn undo_target(entries: &[audit::AuditEntry]) -> Option<&audit::AuditEntry> {
    let mut stack = Vec::new();
    for e in entries {
        match e.action.as_str() {
            "set" => stack.push(e),
            "undo" => {
                stack.pop();
            }
            // Locking is a boundary: edits before it are settled.
            "lock" => stack.clear(),
            _ => {}
        }
    }
    stack.pop()
}

/// The computer account running this process, from the environment (no system call needed).
fn os_account() -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .or_else(|| {
            std::env::var("HOME").ok().and_then(|h| {
                std::path::Path::new(&h)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
            })
        })
        .map(|a| crate::text::one_line(&a))
        .filter(|a| !a.is_empty())
}
