//! A visit checked against its ledger: the chain whole, its head the one anchored in the visit
//! row, the values and status in the store the replay of the log. The field owns what is
//! checked; the ledger ([`crate::audit`]) owns the log and its chain.
use crate::audit::{replay, verify_chain};
use crate::store::Store;
use crate::{Error, Result};

impl Store {
    /// Checks the chain: numbering without gaps, each `prev_hash` equal to the previous entry's
    /// hash, each hash equal to the hash of the entry's content. Returns the number of entries.
    ///
    /// Then what the chain cannot show by itself: the head anchored in the visit row (count and
    /// last hash, moved in the same transaction as every entry) must be the log's last entry, so
    /// deleting the tail shows; and the values and status in the store must be the replay of the
    /// log, so a value edited in the file behind the app's back shows.
    pub fn verify_audit(&self, visit_id: &str) -> Result<usize> {
        let entries = self.audit(visit_id, None)?;
        verify_chain(visit_id, &entries)?;
        let broken = |seq: i64, why: String| Error::AuditBroken {
            visit: visit_id.to_string(),
            seq,
            why,
        };
        let (count, head, status): (i64, String, String) = self.conn.query_row(
            "SELECT audit_count, audit_head, status FROM visit WHERE id = ?1",
            [visit_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let last = entries.last().map(|e| e.hash.as_str()).unwrap_or_default();
        if count != entries.len() as i64 || head != last {
            return Err(broken(
                count,
                format!(
                    "the log has {} entries but its anchored head is entry {count}: entries were removed",
                    entries.len()
                ),
            ));
        }
        let (replayed, replayed_status) = replay(&entries);
        if status != replayed_status {
            return Err(broken(
                count,
                format!("the visit is {status} but its log says {replayed_status}"),
            ));
        }
        let stored = self.raw_values(visit_id)?;
        for (key, value) in &stored {
            if replayed.get(key).cloned().flatten().as_ref() != Some(value) {
                return Err(broken(
                    count,
                    format!(
                        "{} {} is {value:?} in the store but not in the log: edited outside the app",
                        key.0, key.1
                    ),
                ));
            }
        }
        for (key, value) in &replayed {
            if let Some(v) = value
                && stored.get(key) != Some(v)
            {
                return Err(broken(
                    count,
                    format!(
                        "{} {}: the log says {v:?} but the store holds something else",
                        key.0, key.1
                    ),
                ));
            }
        }
        Ok(entries.len())
    }
}
