//! The schema: it evolves only by appending to [`MIGRATIONS`] (never edit a shipped one),
//! tracked by `PRAGMA user_version`. Migrations may touch every area's tables: they are the one
//! place that does.
use rusqlite::Connection;

use crate::{Error, Result};

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

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the missing migrations in one transaction; refuses a database from a newer build.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
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
