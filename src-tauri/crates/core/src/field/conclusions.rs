//! Kết luận của Đoàn: a visit ends with the leader's conclusions — strengths (ưu điểm),
//! shortcomings (tồn tại, hạn chế; each optionally tied to criteria) and recommendations (kiến
//! nghị) with a remediation deadline. Audited like every edit, printed in the minutes, carried
//! in the bundle, and listed across units at Sở Nội vụ so common shortcomings show.
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, Change};
use crate::mistake::Missing;
use crate::store::{Store, now};
use crate::{Error, Mistake, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConclusionKind {
    Strength,
    Shortcoming,
    Recommendation,
}

impl ConclusionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConclusionKind::Strength => "strength",
            ConclusionKind::Shortcoming => "shortcoming",
            ConclusionKind::Recommendation => "recommendation",
        }
    }

    /// From the CLI's or a person's words: `strength`/`ưu điểm`, `shortcoming`/`tồn tại`/`hạn
    /// chế`, `recommendation`/`kiến nghị`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "strength" | "ưu điểm" | "uu-diem" => Some(ConclusionKind::Strength),
            "shortcoming" | "tồn tại" | "hạn chế" | "ton-tai" => {
                Some(ConclusionKind::Shortcoming)
            }
            "recommendation" | "kiến nghị" | "kien-nghi" => {
                Some(ConclusionKind::Recommendation)
            }
            _ => None,
        }
    }
}

/// One conclusion of a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Conclusion {
    pub id: String,
    pub kind: ConclusionKind,
    pub text: String,
    /// Leaf codes it concerns (shortcomings, recommendations).
    pub leaves: Vec<String>,
    /// Remediation deadline, yyyy-mm-dd (recommendations).
    pub deadline: Option<String>,
}

impl Store {
    /// Adds a conclusion to a draft visit, audited. `deadline` as dd/mm/yyyy.
    pub fn add_conclusion(
        &mut self,
        visit_id: &str,
        kind: ConclusionKind,
        text: &str,
        leaves: &[String],
        deadline: Option<&str>,
    ) -> Result<Conclusion> {
        self.ensure_draft(visit_id)?;
        if text.trim().is_empty() {
            return Err(Mistake::ConclusionEmpty.into());
        }
        let set = self.visit_set(visit_id)?;
        let mut codes: Vec<String> = leaves
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        codes.dedup();
        for code in &codes {
            set.leaf(code)?;
        }
        let deadline = match deadline.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(
                crate::number::parse_date(d)
                    .ok_or_else(|| Mistake::NotADate { text: d.into() })?
                    .format("%Y-%m-%d")
                    .to_string(),
            ),
            None => None,
        };
        let c = Conclusion {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            text: text.trim().to_string(),
            leaves: codes,
            deadline,
        };
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO visit_conclusion (id, visit_id, kind, text, leaves, deadline, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                c.id,
                visit_id,
                c.kind.as_str(),
                c.text,
                c.leaves.join(","),
                c.deadline,
                now()
            ],
        )?;
        audit::append(
            &tx,
            visit_id,
            &actor,
            &Change {
                action: "conclude",
                code: &c.leaves.join(","),
                field: c.kind.as_str(),
                new: Some(&c.text),
                reason: c.deadline.as_deref().unwrap_or_default(),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(c)
    }

    /// Removes a conclusion from a draft visit, audited.
    pub fn remove_conclusion(&mut self, visit_id: &str, id: &str) -> Result<()> {
        self.ensure_draft(visit_id)?;
        let gone = self
            .conclusions(visit_id)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::NotFound(Missing::Conclusion(id.to_string())))?;
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM visit_conclusion WHERE id = ?1", [id])?;
        audit::append(
            &tx,
            visit_id,
            &actor,
            &Change {
                action: "unconclude",
                code: &gone.leaves.join(","),
                field: gone.kind.as_str(),
                old: Some(&gone.text),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A visit's conclusions: strengths, then shortcomings, then recommendations, each in the
    /// order written.
    pub fn conclusions(&self, visit_id: &str) -> Result<Vec<Conclusion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, text, leaves, deadline FROM visit_conclusion WHERE visit_id = ?1
             ORDER BY CASE kind WHEN 'strength' THEN 0 WHEN 'shortcoming' THEN 1 ELSE 2 END, rowid",
        )?;
        let rows = stmt.query_map([visit_id], |r| {
            let kind: String = r.get(1)?;
            let leaves: String = r.get(3)?;
            Ok(Conclusion {
                id: r.get(0)?,
                kind: ConclusionKind::parse(&kind).unwrap_or(ConclusionKind::Shortcoming),
                text: r.get(2)?,
                leaves: leaves
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(String::from)
                    .collect(),
                deadline: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
