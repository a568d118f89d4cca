//! The SQLite store in the app data dir: the connection, its pragmas ([`Store::open`]), one
//! transaction per write, campaigns and settings. The schema is [`migrations`]'.
//!
//! How areas reach the database — one style everywhere, HQ included:
//! 1. A table is read and written only by the area that owns it (store, field, ledger, bundle,
//!    hq; `.ci/check-layers.py` greps every area's SQL): through its `impl Store` methods (the
//!    area's API: `store.units(…)`, `store.hq_results(…)`) and, inside a transaction another
//!    area opened, its `pub(crate) fn …(tx: &Connection, …)` (`units::delete_units_of(tx, …)`).
//!    A free function over the store never reaches into its connection (`store.conn`): it calls
//!    the area's methods (also checked).
//! 2. Work that spans areas — a signed file made or taken in (export, plan, publication,
//!    import), the demo, a campaign's deletion — is led by one area and asks the others
//!    through 1; it never runs SQL on their tables.
pub mod migrations;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::mistake::Missing;
use crate::{Error, Mistake, Result};
use migrations::migrate;
pub use migrations::{MIGRATIONS, SCHEMA_VERSION};

/// The setting holding the name of the person using this laptop (audit author, bundle signer).
pub const USER_NAME: &str = "user_name";
/// The setting holding the UI language.
pub const LANGUAGE: &str = "language";
pub const LANGUAGES: [&str; 2] = ["vi", "en"];

/// Name of the database file inside the data dir.
pub const DB_FILE: &str = "thamdinh.sqlite3";

/// One write to the store: its own `BEGIN IMMEDIATE` transaction (the write lock at once, so two
/// processes never deadlock upgrading a read), or, inside [`Store::in_one_transaction`], a
/// savepoint of the transaction already open, so a series of writes commits whole or not at all.
pub(crate) enum WriteTx<'a> {
    Own(rusqlite::Transaction<'a>),
    Nested(rusqlite::Savepoint<'a>),
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            WriteTx::Own(tx) => tx,
            WriteTx::Nested(sp) => sp,
        }
    }
}

impl WriteTx<'_> {
    pub(crate) fn commit(self) -> rusqlite::Result<()> {
        match self {
            WriteTx::Own(tx) => tx.commit(),
            WriteTx::Nested(sp) => sp.commit(),
        }
    }
}

pub struct Store {
    pub(crate) conn: Connection,
    /// Where attached files are stored by SHA-256 (`<data dir>/files`); none for in-memory stores.
    pub(crate) files_dir: Option<std::path::PathBuf>,
    /// Parsed criteria sets by id: parsing the largest set costs about a millisecond.
    pub(crate) sets: std::cell::RefCell<
        std::collections::HashMap<String, std::sync::Arc<crate::criteria::CriteriaSet>>,
    >,
    /// The shared lock on the data folder's lock file, held while the store is open: a restore
    /// never swaps a folder in use (see [`crate::data_lock`]).
    _in_use: Option<std::fs::File>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub year: i32,
    pub province: String,
    pub unit_group: String,
    pub criteria_set_id: String,
    pub created_at: String,
    pub delegation_name: String,
    pub delegation_leader: String,
    /// The plan (kế hoạch) the campaign was opened from, and the HQ key that signed it.
    pub plan_id: Option<String>,
    pub plan_key_id: Option<String>,
    /// The whole HQ public key (base64) the plan was signed with: only it may publish the
    /// campaign's results or revise a delegation's bundles as Sở Nội vụ.
    pub plan_public_key: Option<String>,
    /// When the campaign was archived (hidden from the lists, nothing deleted).
    pub archived_at: Option<String>,
    /// How many co-signatures (members' keys on the trust list, besides the leader's) a bundle
    /// of this campaign needs to count at HQ; from the plan.
    pub required_cosignatures: u32,
}

/// What a person fills in to create a campaign.
#[derive(Debug, Clone, Default)]
pub struct NewCampaign<'a> {
    pub name: &'a str,
    pub year: i32,
    pub province: &'a str,
    pub unit_group: &'a str,
    pub criteria_set_json: &'a str,
    pub delegation_name: &'a str,
    pub delegation_leader: &'a str,
}

impl Store {
    /// Starts one write (see [`WriteTx`]).
    pub(crate) fn write_tx(&mut self) -> rusqlite::Result<WriteTx<'_>> {
        if self.conn.is_autocommit() {
            self.conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map(WriteTx::Own)
        } else {
            self.conn.savepoint().map(WriteTx::Nested)
        }
    }

    /// Runs `work` as one transaction: every write it makes through the store's methods commits
    /// together, or none does (an error, a kill). The write lock is taken first, so what `work`
    /// reads (is the store empty?) still holds when it writes.
    pub fn in_one_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        // Inside another one (the demo inside a caller's transaction): a savepoint of it.
        let (begin, commit, undo) = if self.conn.is_autocommit() {
            ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        } else {
            (
                "SAVEPOINT one",
                "RELEASE one",
                "ROLLBACK TO one; RELEASE one",
            )
        };
        self.conn.execute_batch(begin)?;
        let out = work(self).and_then(|v| Ok(self.conn.execute_batch(commit).map(|()| v)?));
        if out.is_err() && !self.conn.is_autocommit() {
            // An error may already have ended it (SQLite rolls back on some), hence the check.
            let _ = self.conn.execute_batch(undo);
        }
        out
    }

    /// Names the plan signed for a campaign and its HQ key: from now on only that key publishes
    /// the campaign's results or revises as Sở Nội vụ.
    pub(crate) fn set_campaign_plan(
        &self,
        campaign_id: &str,
        plan_id: &str,
        key_id: &str,
        public_key: &str,
    ) -> Result<()> {
        set_campaign_plan(&self.conn, campaign_id, plan_id, key_id, public_key)
    }

    /// SQLite's own check of the database file ("ok" when whole).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Moves the write-ahead log into the database file and empties it (before a file copy).
    pub fn checkpoint(&self) -> Result<()> {
        Ok(self
            .conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?)
    }

    /// Opens (creating if needed) the store in `data_dir`.
    pub fn open_dir(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let in_use = crate::data_lock::hold_shared(data_dir)?;
        let mut store = Self::open(&data_dir.join(DB_FILE))?;
        store._in_use = Some(in_use);
        // What a kill -9 in the middle of a write left behind.
        for dir in [
            "files",
            "photos/originals",
            "photos/thumbs",
            "photos/previews",
            "photos/prints",
            "hq/bundles",
        ] {
            crate::files::clean_stale_temp_files(&data_dir.join(dir));
        }
        store.files_dir = Some(data_dir.join("files"));
        Ok(store)
    }

    /// Opens a database file, applies the pragmas and brings the schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A store from a newer build is refused before anything writes to it (switching the
        // journal mode is a write): "left untouched" must be true.
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(Error::DatabaseTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        // WAL + synchronous=NORMAL: a committed transaction survives a process kill (kill -9);
        // only an OS crash may lose the last commits, never corrupt the file.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut conn)?;
        Ok(Store {
            conn,
            files_dir: None,
            sets: Default::default(),
            _in_use: None,
        })
    }

    /// The data folder of a store opened with [`Store::open_dir`] (files, photos and keys live
    /// beside the database).
    pub fn data_dir(&self) -> Result<std::path::PathBuf> {
        self.files_dir()?
            .parent()
            .map(|d| d.to_path_buf())
            .ok_or_else(|| Error::internal("thư mục tệp không có thư mục chứa"))
    }

    /// Where attached files are stored by SHA-256. An in-memory store (tests) has none: asking
    /// for it is the program's fault, never the person's.
    pub(crate) fn files_dir(&self) -> Result<std::path::PathBuf> {
        self.files_dir
            .clone()
            .ok_or_else(|| Error::internal("kho dữ liệu này không lưu tệp (kho trong bộ nhớ)"))
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Creates a campaign, storing its criteria set (validated) by hash.
    /// Creates a campaign on a built-in criteria set, or on a province's Excel appendix when
    /// `criteria_xlsx` is given (refused with every problem of the sheet).
    pub fn create_campaign_on(
        &mut self,
        new: &NewCampaign<'_>,
        builtin_set: &str,
        criteria_xlsx: Option<&Path>,
    ) -> Result<Campaign> {
        let imported;
        let json = match criteria_xlsx {
            Some(path) => {
                imported = crate::criteria_xlsx::import_file(path)?
                    .map_err(|p| crate::criteria_xlsx::problems_error(&p))?;
                imported.json.as_str()
            }
            None => crate::builtin::json(builtin_set)?,
        };
        self.create_campaign(&NewCampaign {
            criteria_set_json: json,
            ..*new
        })
    }

    pub fn create_campaign(&mut self, new: &NewCampaign<'_>) -> Result<Campaign> {
        let set = crate::criteria::CriteriaSet::from_json(new.criteria_set_json.as_bytes())?;
        use crate::text::{TextField, clean};
        if new.name.trim().is_empty() {
            return Err(Mistake::CampaignNameEmpty.into());
        }
        if !crate::number::YEARS.contains(&new.year) {
            return Err(Mistake::YearOutOfRange {
                year: new.year,
                min: *crate::number::YEARS.start(),
                max: *crate::number::YEARS.end(),
            }
            .into());
        }
        let campaign = Campaign {
            id: uuid::Uuid::new_v4().to_string(),
            name: clean(TextField::CampaignName, new.name)?,
            year: new.year,
            province: clean(TextField::Province, new.province)?,
            unit_group: clean(TextField::UnitGroup, new.unit_group)?,
            criteria_set_id: set.id.clone(),
            created_at: now(),
            delegation_name: clean(TextField::DelegationName, new.delegation_name)?,
            delegation_leader: clean(TextField::DelegationLeader, new.delegation_leader)?,
            plan_id: None,
            plan_key_id: None,
            plan_public_key: None,
            archived_at: None,
            required_cosignatures: 0,
        };
        let tx = self.write_tx()?;
        insert_campaign_row(&tx, &campaign, new.criteria_set_json)?;
        tx.commit()?;
        Ok(campaign)
    }

    /// Campaigns, newest year first.
    pub fn campaigns(&self) -> Result<Vec<Campaign>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaign ORDER BY year DESC, created_at DESC"
        ))?;
        let rows = stmt.query_map([], campaign_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn campaign(&self, id: &str) -> Result<Campaign> {
        self.conn
            .query_row(
                &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaign WHERE id = ?1"),
                [id],
                campaign_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(Missing::Campaign(id.to_string())))
    }

    /// A criteria set by id: a built-in one or one stored with a campaign (parsed once, cached).
    pub fn criteria_set(&self, key: &str) -> Result<std::sync::Arc<crate::criteria::CriteriaSet>> {
        if let Some(set) = self.sets.borrow().get(key) {
            return Ok(set.clone());
        }
        let set = match crate::builtin::find(key) {
            Ok(set) => set,
            Err(_) => {
                crate::criteria::CriteriaSet::from_json(self.criteria_set_json(key)?.as_bytes())?
            }
        };
        let set = std::sync::Arc::new(set);
        self.sets.borrow_mut().insert(key.to_string(), set.clone());
        Ok(set)
    }

    /// The JSON text of a stored criteria set.
    pub fn criteria_set_json(&self, id: &str) -> Result<String> {
        self.conn
            .query_row("SELECT json FROM criteria_set WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| Error::UnknownCriteriaSet(id.to_string()))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The name of the person using this laptop, as set (empty when not set).
    pub fn user_name(&self) -> Result<String> {
        Ok(self.setting(USER_NAME)?.unwrap_or_default())
    }

    /// Sets who uses this laptop (the audit author and bundle signer): one line, at most 120
    /// characters.
    pub fn set_user_name(&self, name: &str) -> Result<()> {
        let name = crate::text::clean(
            crate::text::TextField::UserName,
            &crate::text::one_line(name),
        )?;
        const MAX: usize = 120;
        if name.chars().count() > MAX {
            return Err(Mistake::UserNameTooLong { max: MAX }.into());
        }
        self.set_setting(USER_NAME, name.trim())
    }

    /// The UI language (`vi` or `en`), if chosen.
    pub fn language(&self) -> Result<Option<String>> {
        Ok(self
            .setting(LANGUAGE)?
            .filter(|l| LANGUAGES.contains(&l.as_str())))
    }

    pub fn set_language(&self, language: &str) -> Result<()> {
        if !LANGUAGES.contains(&language) {
            return Err(Mistake::UnknownLanguage {
                language: language.into(),
            }
            .into());
        }
        self.set_setting(LANGUAGE, language)
    }

    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        put_setting(&self.conn, key, value)
    }

    /// The schema as SQLite reports it, for comparing an upgraded database with a fresh one.
    pub fn schema_sql(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

const CAMPAIGN_COLUMNS: &str = "id, name, year, province, unit_group, criteria_set_id, created_at, delegation_name, delegation_leader, plan_id, plan_key_id, required_cosignatures, plan_public_key, archived_at";

fn campaign_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Campaign> {
    Ok(Campaign {
        id: r.get(0)?,
        name: r.get(1)?,
        year: r.get(2)?,
        province: r.get(3)?,
        unit_group: r.get(4)?,
        criteria_set_id: r.get(5)?,
        created_at: r.get(6)?,
        delegation_name: r.get(7)?,
        delegation_leader: r.get(8)?,
        plan_id: r.get(9)?,
        plan_key_id: r.get(10)?,
        required_cosignatures: r.get(11)?,
        plan_public_key: r.get(12)?,
        archived_at: r.get(13)?,
    })
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Every campaign's id, in order (inside a caller's transaction).
pub(crate) fn campaign_ids(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare("SELECT id FROM campaign ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Writes a setting inside the caller's transaction: the one place the setting table is written.
pub(crate) fn put_setting(conn: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Deletes a setting inside the caller's transaction.
pub(crate) fn delete_setting(conn: &rusqlite::Connection, key: &str) -> Result<()> {
    conn.execute("DELETE FROM setting WHERE key = ?1", [key])?;
    Ok(())
}

/// Deletes a campaign's row (its units, visits and logs already gone).
pub(crate) fn delete_campaign_row(conn: &rusqlite::Connection, campaign_id: &str) -> Result<()> {
    conn.execute("DELETE FROM campaign WHERE id = ?1", [campaign_id])?;
    Ok(())
}

/// Hides a campaign from the lists (`Some(when)`) or shows it again (`None`).
pub(crate) fn set_campaign_archived_at(
    conn: &rusqlite::Connection,
    campaign_id: &str,
    at: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE campaign SET archived_at = ?2 WHERE id = ?1",
        params![campaign_id, at],
    )?;
    Ok(())
}

/// Writes a campaign and its criteria set (kept once by id) inside the caller's transaction: the
/// one place the campaign and criteria_set tables are inserted into (a campaign made here, or
/// arriving from a plan or a published result).
pub(crate) fn insert_campaign_row(
    tx: &rusqlite::Connection,
    c: &Campaign,
    criteria_json: &str,
) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO criteria_set (id, json, added_at) VALUES (?1, ?2, ?3)",
        params![c.criteria_set_id, criteria_json, c.created_at],
    )?;
    tx.execute(
        "INSERT INTO campaign (id, name, year, province, unit_group, criteria_set_id, created_at,
                               delegation_name, delegation_leader, plan_id, plan_key_id,
                               required_cosignatures, plan_public_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            c.id,
            c.name,
            c.year,
            c.province,
            c.unit_group,
            c.criteria_set_id,
            c.created_at,
            c.delegation_name,
            c.delegation_leader,
            c.plan_id,
            c.plan_key_id,
            c.required_cosignatures,
            c.plan_public_key
        ],
    )?;
    Ok(())
}

/// The HQ key a campaign's plan was signed with (only it publishes or revises as HQ).
/// Names the plan a campaign was opened from (or signed with) and its HQ key, inside a caller's
/// transaction.
pub(crate) fn set_campaign_plan(
    tx: &rusqlite::Connection,
    campaign_id: &str,
    plan_id: &str,
    key_id: &str,
    public_key: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE campaign SET plan_id = ?2, plan_key_id = ?3, plan_public_key = ?4 WHERE id = ?1",
        params![campaign_id, plan_id, key_id, public_key],
    )?;
    Ok(())
}

/// How many members' co-signatures a bundle of the campaign needs.
pub(crate) fn set_campaign_cosignatures(
    tx: &rusqlite::Connection,
    campaign_id: &str,
    count: u32,
) -> Result<()> {
    tx.execute(
        "UPDATE campaign SET required_cosignatures = ?2 WHERE id = ?1",
        params![campaign_id, count],
    )?;
    Ok(())
}

/// The data dir: `THAMDINH_DATA_DIR` when set (tests and portable installs use it), else the
/// platform's per-user data dir for the app identifier (`~/.local/share/vn.thamdinh.app` on Linux),
/// the same folder the desktop app uses.
pub fn default_data_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("THAMDINH_DATA_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join(APP_IDENTIFIER))
        .unwrap_or_else(|| std::path::PathBuf::from(APP_IDENTIFIER))
}

/// Must match `identifier` in `src-tauri/tauri.conf.json`.
pub const APP_IDENTIFIER: &str = "vn.thamdinh.app";
