//! The append-only audit log of a visit. Each entry carries the SHA-256 of the previous entry and
//! its own hash over its canonical JSON, so any rewrite, removal or reordering shows in
//! [`Store::verify_audit`]. SQLite triggers refuse UPDATE and DELETE on the table as well.
use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use crate::canonical::canonical_sha256;
use crate::store::{Store, now};
use crate::{Error, Result};

/// The `prev_hash` of a visit's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The newest entries about one leaf, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeafHistory {
    pub entries: Vec<AuditEntry>,
    pub total: u32,
}

/// The columns [`entry_from_row`] reads, in its order.
const ENTRY_COLUMNS: &str =
    "seq, at, actor, action, code, field, old, new, reason, prev_hash, hash";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        code: r.get(4)?,
        field: r.get(5)?,
        old: r.get(6)?,
        new: r.get(7)?,
        reason: r.get(8)?,
        prev_hash: r.get(9)?,
        hash: r.get(10)?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// create_visit, set, undo, lock, unlock, add_evidence, link_evidence, unlink_evidence.
    pub action: String,
    pub code: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What an entry says, before it is numbered, timed and chained.
#[derive(Debug, Clone, Default)]
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub code: &'a str,
    pub field: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub reason: &'a str,
}

fn entry_hash(visit_id: &str, e: &AuditEntry) -> String {
    canonical_sha256(&json!({
        "visit_id": visit_id, "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
        "code": e.code, "field": e.field, "old": e.old, "new": e.new, "reason": e.reason,
        "prev_hash": e.prev_hash,
    }))
}

/// A hash-chained log: a visit's (`audit`, one chain per visit) or Sở Nội vụ's decisions
/// (`hq_audit`, one chain per campaign). Both chain and hash their entries the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    Visit,
    Hq,
}

impl Log {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Log::Visit => ("audit", "visit_id"),
            Log::Hq => ("hq_audit", "campaign_id"),
        }
    }
}

/// The `code` of every entry of `action` in the chain `chain_id` of `log`, oldest first (the
/// forks HQ chose, the partial bundles a visit merged).
pub(crate) fn codes_logged(
    conn: &rusqlite::Connection,
    log: Log,
    chain_id: &str,
    action: &str,
) -> Result<Vec<String>> {
    let (table, chain) = log.table();
    Ok(conn
        .prepare_cached(&format!(
            "SELECT code FROM {table} WHERE {chain} = ?1 AND action = ?2 ORDER BY seq"
        ))?
        .query_map(params![chain_id, action], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Appends one entry inside the caller's transaction, so the change and its record commit together.
pub(crate) fn append(
    tx: &rusqlite::Connection,
    visit_id: &str,
    actor: &str,
    change: &Change<'_>,
) -> Result<AuditEntry> {
    append_to(tx, Log::Visit, visit_id, actor, change)
}

/// Appends one entry to the chain `chain_id` of `log`, inside the caller's transaction.
pub(crate) fn append_to(
    tx: &rusqlite::Connection,
    log: Log,
    chain_id: &str,
    actor: &str,
    change: &Change<'_>,
) -> Result<AuditEntry> {
    let (table, id_column) = log.table();
    let visit_id = chain_id;
    let last: Option<(i64, String)> = tx
        .query_row(
            &format!(
                "SELECT seq, hash FROM {table} WHERE {id_column} = ?1 ORDER BY seq DESC LIMIT 1"
            ),
            [visit_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let (seq, prev_hash) = last.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    let mut entry = AuditEntry {
        seq,
        at: now(),
        actor: actor.to_string(),
        action: change.action.to_string(),
        code: change.code.to_string(),
        field: change.field.to_string(),
        old: change.old.map(String::from),
        new: change.new.map(String::from),
        reason: change.reason.to_string(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(visit_id, &entry);
    tx.execute(
        &format!(
            "INSERT INTO {table} ({id_column}, seq, at, actor, action, code, field, old, new, reason, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![
            visit_id, entry.seq, entry.at, entry.actor, entry.action, entry.code, entry.field, entry.old, entry.new,
            entry.reason, entry.prev_hash, entry.hash
        ],
    )?;
    if log == Log::Visit {
        tx.execute(
            "UPDATE visit SET audit_count = ?2, audit_head = ?3 WHERE id = ?1",
            params![visit_id, entry.seq, entry.hash],
        )?;
    }
    Ok(entry)
}

/// Deletes a campaign's logs — its visits' chains and its HQ decision log — inside the caller's
/// transaction (a campaign deleted whole): the append-only guards are lifted for this one
/// transaction and put back, as they were, before it commits.
pub(crate) fn delete_campaign_logs(
    tx: &rusqlite::Connection,
    campaign_id: &str,
    visit_ids: &[String],
) -> Result<()> {
    let guards: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'trigger' AND name IN ('audit_append_only_delete', 'hq_audit_append_only_delete')",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &guards {
        tx.execute_batch(&format!("DROP TRIGGER {name};"))?;
    }
    for v in visit_ids {
        tx.execute("DELETE FROM audit WHERE visit_id = ?1", [v])?;
    }
    tx.execute("DELETE FROM hq_audit WHERE campaign_id = ?1", [campaign_id])?;
    for (_, sql) in &guards {
        tx.execute_batch(&format!("{sql};"))?;
    }
    Ok(())
}

/// What a visit's log leads to: the value of each (leaf, field) last written by `set` or `undo`
/// (None when cleared) and the status after the last `lock` / `unlock`.
pub fn replay(entries: &[AuditEntry]) -> (HashMap<(String, String), Option<String>>, &'static str) {
    let mut values = HashMap::new();
    let mut status = "draft";
    for e in entries {
        match e.action.as_str() {
            "set" | "undo" => {
                values.insert((e.code.clone(), e.field.clone()), e.new.clone());
            }
            "lock" => status = "locked",
            "unlock" => status = "draft",
            _ => {}
        }
    }
    (values, status)
}

impl Store {
    /// The audit log of a visit, oldest first; only the entries about `code` when given.
    pub fn audit(&self, visit_id: &str, code: Option<&str>) -> Result<Vec<AuditEntry>> {
        self.log_entries(Log::Visit, visit_id, code)
    }

    /// The entries of one chain of a log, oldest first; only those about `code` when given.
    pub fn log_entries(
        &self,
        log: Log,
        chain_id: &str,
        code: Option<&str>,
    ) -> Result<Vec<AuditEntry>> {
        let (table, id_column) = log.table();
        let visit_id = chain_id;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM {table} WHERE {id_column} = ?1 AND (?2 IS NULL OR code = ?2) ORDER BY seq"
        ))?;
        let rows = stmt.query_map(params![visit_id, code], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest `limit` entries about leaf `code` of a visit (oldest first) and how many there
    /// are in all: what the history beside a leaf shows, without reading the whole log on every
    /// edit.
    pub fn leaf_history(&self, visit_id: &str, code: &str, limit: usize) -> Result<LeafHistory> {
        let total: i64 = self.conn.query_row(
            "SELECT count(*) FROM audit WHERE visit_id = ?1 AND code = ?2",
            params![visit_id, code],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            &format!("SELECT {ENTRY_COLUMNS} FROM audit WHERE visit_id = ?1 AND code = ?2 ORDER BY seq DESC LIMIT ?3"),
        )?;
        let mut entries = stmt
            .query_map(params![visit_id, code, limit as i64], entry_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        entries.reverse();
        Ok(LeafHistory {
            entries,
            total: total as u32,
        })
    }
}

/// The chain check on entries already read (also used on entries read from a bundle).
pub fn verify_chain(visit_id: &str, entries: &[AuditEntry]) -> Result<()> {
    let broken = |seq: i64, why: &str| Error::AuditBroken {
        visit: visit_id.to_string(),
        seq,
        why: why.to_string(),
    };
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        if e.seq != i as i64 + 1 {
            return Err(broken(e.seq, "entries are missing or out of order"));
        }
        if e.prev_hash != prev {
            return Err(broken(e.seq, "prev_hash does not match the previous entry"));
        }
        if entry_hash(visit_id, e) != e.hash {
            return Err(broken(e.seq, "the entry's content does not match its hash"));
        }
        prev = e.hash.clone();
    }
    Ok(())
}
