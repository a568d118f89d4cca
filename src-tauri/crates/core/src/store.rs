//! The SQLite store in the app data dir. Pragmas live in [`open`]; the schema evolves only by
//! appending to [`MIGRATIONS`] (never edit a shipped one), tracked by `PRAGMA user_version`.
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::mistake::Missing;
use crate::{Error, Mistake, Result};

/// Append-only. Entry *i* brings the schema from version *i* to *i + 1* (public so tests can
/// build a store of an older schema).
pub const MIGRATIONS: &[&str] = &[
    // v1: criteria sets by content hash, and campaigns that use one.
    "CREATE TABLE criteria_set (
        id TEXT PRIMARY KEY,            -- SHA-256 of the canonical JSON
        json TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE TABLE campaign (
        id TEXT PRIMARY KEY,            -- UUID
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        year INTEGER NOT NULL,
        province TEXT NOT NULL DEFAULT '',
        unit_group TEXT NOT NULL DEFAULT '',
        criteria_set_id TEXT NOT NULL REFERENCES criteria_set(id),
        created_at TEXT NOT NULL
    );",
    // v2: user preferences (UI language, …) kept with the data rather than in the webview.
    "CREATE TABLE setting (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
    // v3: field appraisal: delegation, units, visits, per-leaf values, evidence, audit log.
    "ALTER TABLE campaign ADD COLUMN delegation_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaign ADD COLUMN delegation_leader TEXT NOT NULL DEFAULT '';
    CREATE TABLE member (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        title TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('leader', 'member', 'secretary'))
    );
    CREATE TABLE unit (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        code TEXT NOT NULL CHECK (length(trim(code)) > 0),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        unit_type TEXT NOT NULL,
        latitude REAL,
        longitude REAL,
        UNIQUE (campaign_id, code)
    );
    CREATE TABLE visit (
        id TEXT PRIMARY KEY,
        unit_id TEXT NOT NULL REFERENCES unit(id),
        visit_date TEXT NOT NULL,       -- yyyy-mm-dd
        place TEXT NOT NULL DEFAULT '',
        participants TEXT NOT NULL DEFAULT '[]',  -- JSON [{name, title}]
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'locked')),
        created_at TEXT NOT NULL
    );
    -- One row per (leaf, field): scores as decimal text or 'NA', reasons as text.
    CREATE TABLE leaf_value (
        visit_id TEXT NOT NULL REFERENCES visit(id),
        code TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (visit_id, code, field)
    ) WITHOUT ROWID;
    CREATE TABLE evidence (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL REFERENCES visit(id),
        number TEXT NOT NULL DEFAULT '',
        issued_on TEXT,
        issuer TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL CHECK (length(trim(summary)) > 0),
        pages TEXT NOT NULL DEFAULT '',
        file_sha256 TEXT,
        file_name TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE evidence_leaf (
        evidence_id TEXT NOT NULL REFERENCES evidence(id),
        code TEXT NOT NULL,
        PRIMARY KEY (evidence_id, code)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
        visit_id TEXT NOT NULL REFERENCES visit(id),
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        field TEXT NOT NULL DEFAULT '',
        old TEXT,
        new TEXT,
        reason TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (visit_id, seq)
    );
    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    // v4: photos of a visit (files live in <data dir>/photos by SHA-256) and their links to leaves.
    "CREATE TABLE photo (
        visit_id TEXT NOT NULL REFERENCES visit(id),
        sha256 TEXT NOT NULL,
        meta TEXT NOT NULL,              -- PhotoMeta as JSON
        taken_at TEXT,
        caption TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL,
        PRIMARY KEY (visit_id, sha256)
    ) WITHOUT ROWID;
    CREATE TABLE photo_leaf (
        visit_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        code TEXT NOT NULL,
        PRIMARY KEY (visit_id, sha256, code),
        FOREIGN KEY (visit_id, sha256) REFERENCES photo(visit_id, sha256)
    ) WITHOUT ROWID;",
    // v5: the signed result bundles exported from this laptop, for revision numbers.
    "CREATE TABLE bundle (
        id TEXT PRIMARY KEY,            -- Bundle-Id (UUID)
        visit_ids TEXT NOT NULL,        -- sorted visit ids, comma-separated: the revision series
        revision INTEGER NOT NULL,
        supersedes TEXT,
        signer_key_id TEXT NOT NULL,
        file TEXT NOT NULL,
        created_at TEXT NOT NULL
    );",
    // v6: a photo can illustrate an evidence item (the notice board of a decision, say).
    "CREATE TABLE photo_evidence (
        visit_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        evidence_id TEXT NOT NULL REFERENCES evidence(id),
        PRIMARY KEY (visit_id, sha256, evidence_id),
        FOREIGN KEY (visit_id, sha256) REFERENCES photo(visit_id, sha256)
    ) WITHOUT ROWID;",
    // v7: the trust list in its own table (with revocation), moved out of the settings; unit
    // groups for ranking; the campaign plan a campaign came from; Sở Nội vụ's merge (hq_*).
    "CREATE TABLE trusted_key (
        key_id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL,
        revoked_at TEXT,
        revoke_reason TEXT NOT NULL DEFAULT ''
    );
    INSERT OR IGNORE INTO trusted_key (key_id, public_key, label, added_at)
        SELECT json_extract(j.value, '$.key_id'), json_extract(j.value, '$.public_key'),
               coalesce(json_extract(j.value, '$.label'), ''), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM setting s, json_each(s.value) j WHERE s.key = 'trusted_keys' AND json_valid(s.value);
    DELETE FROM setting WHERE key = 'trusted_keys';
    ALTER TABLE unit ADD COLUMN unit_group TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaign ADD COLUMN plan_id TEXT;
    -- The head of each visit's audit chain (count, last hash), moved in the same transaction as
    -- every entry: deleting the tail of the log shows.
    ALTER TABLE visit ADD COLUMN audit_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE visit ADD COLUMN audit_head TEXT NOT NULL DEFAULT '';
    UPDATE visit SET
        audit_count = (SELECT count(*) FROM audit a WHERE a.visit_id = visit.id),
        audit_head = coalesce((SELECT hash FROM audit a WHERE a.visit_id = visit.id ORDER BY seq DESC LIMIT 1), '');
    -- A visit started by mistake and never used is deleted by marking it (audited).
    ALTER TABLE visit ADD COLUMN deleted_at TEXT;
    -- An export reserves its revision before writing ('reserved'), then is 'written'.
    ALTER TABLE bundle ADD COLUMN state TEXT NOT NULL DEFAULT 'written';
    ALTER TABLE campaign ADD COLUMN plan_key_id TEXT;
    -- Every bundle received at HQ, kept as history; which one counts is computed from chains.
    CREATE TABLE hq_bundle (
        id TEXT PRIMARY KEY,              -- Bundle-Id
        file_sha256 TEXT NOT NULL UNIQUE, -- the whole .zip, for duplicates
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        chain TEXT NOT NULL,              -- sorted visit ids: the revision series
        revision INTEGER NOT NULL,
        supersedes TEXT,
        signer_key_id TEXT NOT NULL,
        signer_name TEXT NOT NULL DEFAULT '',
        trusted INTEGER NOT NULL,         -- 0: quarantined (signer not on the trust list)
        review_reason TEXT NOT NULL DEFAULT '',  -- set when the signer's key is revoked
        stored_file TEXT NOT NULL,        -- hq/bundles/<sha256>.zip in the data dir
        result_json TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );
    CREATE INDEX hq_bundle_campaign ON hq_bundle (campaign_id, chain);
    CREATE TABLE hq_bundle_unit (
        bundle_id TEXT NOT NULL REFERENCES hq_bundle(id),
        unit_code TEXT NOT NULL,
        PRIMARY KEY (bundle_id, unit_code)
    ) WITHOUT ROWID;
    CREATE INDEX hq_bundle_unit_code ON hq_bundle_unit (unit_code);
    CREATE TABLE hq_leaf (
        bundle_id TEXT NOT NULL REFERENCES hq_bundle(id),
        unit_code TEXT NOT NULL,
        code TEXT NOT NULL,
        self_assessed TEXT,
        appraised TEXT,
        deduction_reason TEXT NOT NULL DEFAULT '',
        na_reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (bundle_id, unit_code, code)
    ) WITHOUT ROWID;
    CREATE TABLE hq_resolution (
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        unit_code TEXT NOT NULL,
        code TEXT NOT NULL,
        value TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (campaign_id, unit_code, code)
    ) WITHOUT ROWID;
    CREATE TABLE hq_survey (
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        unit_code TEXT NOT NULL,
        code TEXT NOT NULL,
        points TEXT NOT NULL,
        PRIMARY KEY (campaign_id, unit_code, code)
    ) WITHOUT ROWID;
    -- HQ decisions, hash-chained per campaign like a visit's log.
    CREATE TABLE hq_audit (
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        field TEXT NOT NULL DEFAULT '',
        old TEXT,
        new TEXT,
        reason TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (campaign_id, seq)
    );
    CREATE INDEX hq_audit_action ON hq_audit (campaign_id, action);
    CREATE TRIGGER hq_audit_append_only_update BEFORE UPDATE ON hq_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER hq_audit_append_only_delete BEFORE DELETE ON hq_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    // v8: teamwork. How many members' co-signatures a delegation's bundle needs (from the plan);
    // the co-signatures each bundle received at HQ carries, as JSON [{key_id, name, trusted}].
    "ALTER TABLE campaign ADD COLUMN required_cosignatures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE hq_bundle ADD COLUMN cosignatures TEXT NOT NULL DEFAULT '[]';",
    // v9: a leaf a member's partial bundle scored differently, waiting for the leader's decision.
    "CREATE TABLE visit_conflict (
        visit_id TEXT NOT NULL REFERENCES visit(id),
        code TEXT NOT NULL,
        theirs TEXT,                      -- the member's appraised value
        bundle_id TEXT NOT NULL,
        author TEXT NOT NULL,
        PRIMARY KEY (visit_id, code, bundle_id)
    ) WITHOUT ROWID;",
    // v10: the unit's acknowledgement (xác nhận của đơn vị): a drawn signature, not a key's.
    "CREATE TABLE visit_acknowledgement (
        visit_id TEXT PRIMARY KEY REFERENCES visit(id),
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        title TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        image_sha256 TEXT NOT NULL        -- files/<sha256>.png
    ) WITHOUT ROWID;",
    // v11: the delegation's conclusions of a visit (kết luận của Đoàn).
    "CREATE TABLE visit_conclusion (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL REFERENCES visit(id),
        kind TEXT NOT NULL CHECK (kind IN ('strength', 'shortcoming', 'recommendation')),
        text TEXT NOT NULL CHECK (length(trim(text)) > 0),
        leaves TEXT NOT NULL DEFAULT '',  -- comma-separated leaf codes
        deadline TEXT,                    -- yyyy-mm-dd (recommendations)
        created_at TEXT NOT NULL
    );
    CREATE INDEX visit_conclusion_visit ON visit_conclusion (visit_id);",
    // v12: a photo's file places relative to the photo folder, not the laptop's absolute paths
    // (a restored or moved store kept pointing to the old folder).
    "UPDATE photo SET meta = json_set(meta,
        '$.original', 'originals/' || sha256 || '.' ||
            CASE json_extract(meta, '$.format') WHEN 'jpeg' THEN 'jpg' ELSE json_extract(meta, '$.format') END,
        '$.thumbnail', 'thumbs/' || sha256 || '.jpg',
        '$.preview', 'previews/' || sha256 || '.jpg');",
    // v13: identity by the whole key and rights from the plan. The HQ public key a campaign's
    // plan names (not only its 8-byte id); the delegation HQ made a trusted key a member of (a
    // label grants nothing); the sides a resolution decided between, so a resolution whose sides
    // changed no longer applies.
    "ALTER TABLE campaign ADD COLUMN plan_public_key TEXT;
    ALTER TABLE trusted_key ADD COLUMN delegation TEXT NOT NULL DEFAULT '';
    ALTER TABLE hq_resolution ADD COLUMN sides TEXT NOT NULL DEFAULT '';",
    // v14: a campaign hidden from the lists without deleting anything.
    "ALTER TABLE campaign ADD COLUMN archived_at TEXT;",
    // v15: the outcome lines of the imports made on a campaign's Tổng hợp, kept to read later.
    "CREATE TABLE hq_import_line (
        campaign_id TEXT NOT NULL REFERENCES campaign(id),
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        file TEXT NOT NULL,
        status TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (campaign_id, seq)
    ) WITHOUT ROWID;",
];

/// The setting holding the name of the person using this laptop (audit author, bundle signer).
pub const USER_NAME: &str = "user_name";
/// The setting holding the UI language.
pub const LANGUAGE: &str = "language";
pub const LANGUAGES: [&str; 2] = ["vi", "en"];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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

/// Applies the missing migrations in one transaction; refuses a database from a newer build.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for sql in &MIGRATIONS[usize::try_from(found).unwrap_or(0)..] {
        tx.execute_batch(sql)?;
    }
    if found < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}

/// Writes a setting inside the caller's transaction: the one place the setting table is written.
/// Every campaign's id, in order (inside a caller's transaction).
pub(crate) fn campaign_ids(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare("SELECT id FROM campaign ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

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
