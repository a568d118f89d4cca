//! Import of many bundles at HQ. Each bundle is verified completely (as `bundle verify`, plus
//! the campaign, the set and the units) before anything is written, then stored in one
//! transaction: the file (once by SHA-256), its leaves and the import decision. Outcomes carry a
//! stable code; nothing is counted twice and nothing is lost.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use super::merge::Role;
use crate::audit::Change;
use crate::bundle::result::ResultDoc;
use crate::bundle::{Limits, Signers, VerifiedBundle as Verified, verify_contents};
use crate::store::{Campaign, Store, now};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportStatus {
    /// Verified, stored and counted.
    Imported,
    /// The same file again: nothing done.
    Duplicate,
    /// Valid, but a newer revision of the same visits already counts: kept as history.
    Superseded,
    /// Valid, but the signer is not on the trust list: kept, not counted.
    Quarantined,
    /// Valid and trusted, but the members' co-signatures the plan requires are missing: kept,
    /// not counted until a co-signed copy arrives.
    Incomplete,
    /// Valid and trusted, a revision whose parent (`Bundle-Supersedes`) has not arrived: kept,
    /// not counted until the parent arrives and the step is checked.
    Waiting,
    /// Stored, but it disagrees with another delegation's result (or forks a chain): the officer
    /// decides.
    Conflict,
    /// Not valid, or not for this campaign: nothing of it written.
    Refused,
}

/// One line per bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportOutcome {
    pub file: String,
    pub status: ImportStatus,
    /// Stable: imported, duplicate, superseded, untrusted-signer, missing-cosignature,
    /// unknown-parent, leaf-conflict, fork, bad-chain-step,
    /// foreign-revision (a newer revision signed by another delegation's key), or the
    /// refusal's code (the verifier's, revoked-key, unknown-campaign, wrong-criteria-set,
    /// unknown-unit, bundle-id-reused, partial-bundle).
    pub code: String,
    /// Vietnamese, for people.
    pub message: String,
    /// The verifier's own words for a refusal (particulars, partly English); empty otherwise.
    pub detail: String,
    pub bundle_id: Option<String>,
    /// The entry of the bundle a refusal names, if any.
    pub entry: Option<String>,
    /// What the bundle is, once it could be read: its units (codes), revision and signer.
    pub units: Vec<String>,
    pub revision: Option<u32>,
    /// The signer's name as the bundle claims it, with the id of the key that signed it.
    pub signer: String,
}

impl ImportOutcome {
    fn new(file: &Path, status: ImportStatus, code: &str, message: String) -> Self {
        ImportOutcome {
            file: file.display().to_string(),
            status,
            code: code.into(),
            message,
            detail: String::new(),
            bundle_id: None,
            units: Vec::new(),
            revision: None,
            signer: String::new(),
            entry: None,
        }
    }
}

/// The `.zip` files named, folders expanded (sorted, not recursive into hidden folders).
pub fn expand_bundle_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    f.is_file()
                        && f.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
                        && !f
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            inside.sort();
            out.extend(inside);
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Imports every bundle in `paths` (files or folders), one outcome per bundle. `progress(done,
/// total)` after each; `cancel` stops before the next bundle (those done stay done).
pub fn import_bundles(
    store: &mut Store,
    paths: &[PathBuf],
    progress: &dyn Fn(usize, usize),
    cancel: &AtomicBool,
) -> Result<Vec<ImportOutcome>> {
    let files = expand_bundle_paths(paths);
    let keys = store.verification_keys()?;
    let mut out = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        out.push(import_bundle(store, file, &keys, cancel)?);
        progress(i + 1, files.len());
    }
    // A revision whose parent came later in the batch is said as it stands after the batch: the
    // order of the files within a batch does not matter.
    for (i, file) in files.iter().enumerate() {
        if out[i].code != UNKNOWN_PARENT {
            continue;
        }
        if let Some(id) = out[i].bundle_id.clone() {
            let (campaign_id, result_json) = store.hq_stored_result(&id)?;
            let result: ResultDoc = serde_json::from_str(&result_json).map_err(Error::internal)?;
            out[i] = classify(store, &campaign_id, &result, file)?;
            out[i].bundle_id = Some(id);
        }
    }
    Ok(out)
}

/// One line of a campaign's import history (newest first when read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportLine {
    pub at: String,
    pub file: String,
    pub status: String,
    pub code: String,
    pub message: String,
}

impl Store {
    /// Keeps the outcome lines of an import made on a campaign's Tổng hợp, so they stay readable
    /// after the screen is left.
    pub fn record_import_lines(
        &mut self,
        campaign_id: &str,
        outcomes: &[ImportOutcome],
    ) -> Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let at = now();
        let tx = self.write_tx()?;
        let next: i64 = tx.query_row(
            "SELECT coalesce(max(seq), 0) + 1 FROM hq_import_line WHERE campaign_id = ?1",
            [campaign_id],
            |r| r.get(0),
        )?;
        for (i, o) in outcomes.iter().enumerate() {
            let status = serde_json::to_value(o.status)
                .map_err(Error::internal)?
                .as_str()
                .unwrap_or_default()
                .to_string();
            tx.execute(
                "INSERT INTO hq_import_line (campaign_id, seq, at, file, status, code, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    campaign_id,
                    next + i as i64,
                    at,
                    o.file,
                    status,
                    o.code,
                    o.message
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The campaign's import history, newest first, at most `limit` lines.
    pub fn import_lines(&self, campaign_id: &str, limit: u32) -> Result<Vec<ImportLine>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, file, status, code, message FROM hq_import_line WHERE campaign_id = ?1
             ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![campaign_id, limit], |r| {
            Ok(ImportLine {
                at: r.get(0)?,
                file: r.get(1)?,
                status: r.get(2)?,
                code: r.get(3)?,
                message: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The outcome code of a revision whose parent has not been received.
const UNKNOWN_PARENT: &str = "unknown-parent";

/// A revision from 2 on must follow its parent: the same visits, the next number. A step from a
/// parent received here that is not one is refused (a jump to revision 4 294 967 295 cannot
/// freeze a chain); a revision whose parent has not arrived is kept and waits for it (see
/// [`Role::AwaitingParent`]).
fn chain_step(
    store: &Store,
    campaign: &Campaign,
    result: &ResultDoc,
) -> Result<Option<(&'static str, String)>> {
    let Some(parent) = &result.supersedes else {
        return Ok(None);
    };
    let found = store.hq_chain_of(parent, &campaign.id)?;
    let Some((chain, revision)) = found else {
        return Ok(None);
    };
    if chain != chain_of(result) {
        return Ok(Some((
            "bad-chain-step",
            format!("gói {parent} mà bản này thay thế là của các phiếu khác"),
        )));
    }
    if revision.checked_add(1) != Some(result.revision) {
        return Ok(Some((
            "bad-chain-step",
            format!(
                "bản {} không nối tiếp bản {revision} ({parent}) mà nó thay thế: bản sửa phải là số kế tiếp",
                result.revision
            ),
        )));
    }
    Ok(None)
}

/// A chain: the visits a bundle carries, by id (a re-export keeps them).
fn chain_of(result: &ResultDoc) -> String {
    let mut visit_ids: Vec<&str> = result.visits.iter().map(|v| v.id.as_str()).collect();
    visit_ids.sort();
    visit_ids.join(",")
}

pub(crate) use crate::digest::file_sha256;

/// Imports one bundle; a store fault (disk full…) is an error, a bad bundle an outcome.
/// `keys`: the store's verification keys (read once per batch). The steps: the same file
/// imported before; the bundle verified completely before anything is written; who signed it,
/// what it holds and for which campaign and units; the same bundle id seen before; then stored.
pub fn import_bundle(
    store: &mut Store,
    file: &Path,
    keys: &[crate::bundle::TrustedKey],
    cancel: &AtomicBool,
) -> Result<ImportOutcome> {
    let refused = |code: &str, message: String| {
        ImportOutcome::new(file, ImportStatus::Refused, code, message)
    };
    if !file.is_file() {
        return Ok(refused(
            "io",
            format!("không đọc được tệp {}", file.display()),
        ));
    }
    let sha = match file_sha256(file) {
        Ok(sha) => sha,
        Err(e) => return Ok(refused("io", format!("không đọc được tệp: {e}"))),
    };
    if let Some(outcome) = same_file_imported(store, file, &sha)? {
        return Ok(outcome);
    }
    let verified = match verify_for_import(file, keys, cancel)? {
        Ok(v) => v,
        Err(outcome) => return Ok(outcome),
    };
    let result = verified
        .result
        .clone()
        .expect("a verified bundle has its result");
    let mut outcome = import_verified(store, file, &sha, &verified, &result)?;
    // What the bundle is, for every line about it (and for the screen's other language).
    outcome.units = result.visits.iter().map(|v| v.unit.code.clone()).collect();
    outcome.revision = Some(result.revision);
    // The name is the bundle's own claim: always with the key that signed it.
    outcome.signer = format!("{} ({})", result.signer.name, result.signer.key_id);
    Ok(outcome)
}

/// The steps after a bundle verified: admitted or refused, the same bundle id seen before, a
/// step in its revision chain, stored and classified.
fn import_verified(
    store: &mut Store,
    file: &Path,
    sha: &str,
    verified: &Verified,
    result: &ResultDoc,
) -> Result<ImportOutcome> {
    let refused = |code: &str, message: String| {
        ImportOutcome::new(file, ImportStatus::Refused, code, message)
    };
    let campaign = match admissible(store, verified, result)? {
        Ok(c) => c,
        Err((code, message)) => return Ok(refused(code, message)),
    };
    if store.hq_has_bundle(&result.bundle_id)? {
        if !same_result(store, result)? {
            return Ok(refused(
                "bundle-id-reused",
                format!(
                    "đã có một gói khác mang cùng mã {} với nội dung khác: từ chối",
                    result.bundle_id
                ),
            ));
        }
        return cosigned_again(store, file, sha, &campaign, result, verified);
    }
    if let Some((code, message)) = chain_step(store, &campaign, result)? {
        return Ok(refused(code, message));
    }
    let stored = store_file(store, file, sha)?;
    if let Err(e) = record(store, &campaign, result, verified, sha, &stored) {
        // Another import (a second window, the CLI) stored the same file meanwhile: a duplicate.
        return match same_file_imported(store, file, sha)? {
            Some(outcome) => Ok(outcome),
            None => Err(e),
        };
    }
    let mut outcome = classify(store, &campaign.id, result, file)?;
    outcome.bundle_id = Some(result.bundle_id.clone());
    Ok(outcome)
}

/// The very same file imported before: nothing more to do.
fn same_file_imported(store: &Store, file: &Path, sha: &str) -> Result<Option<ImportOutcome>> {
    // Named as people name a bundle: its units, revision and signer (never its UUID).
    Ok(store.hq_bundle_of_file(sha)?.map(|earlier| {
        let EarlierImport {
            id,
            imported_at: at,
            signer,
            revision,
            units,
        } = earlier;
        let mut o = ImportOutcome::new(
            file,
            ImportStatus::Duplicate,
            "duplicate",
            format!(
                "gói phiếu {units} (bản {revision}, {signer}) đã được nhập lúc {} — không làm gì thêm",
                local_time(&at)
            ),
        );
        o.bundle_id = Some(id);
        o
    }))
}

/// The whole verification of the format (signature by any key, trusted or not: the signer is
/// judged next); a refusal becomes the outcome, a cancel the error.
fn verify_for_import(
    file: &Path,
    keys: &[crate::bundle::TrustedKey],
    cancel: &AtomicBool,
) -> Result<std::result::Result<Verified, ImportOutcome>> {
    match verify_contents(
        file,
        keys,
        Signers::AllowUntrusted,
        &Limits::default(),
        &|_, _| {},
        cancel,
    ) {
        Ok(v) => Ok(Ok(v)),
        Err(r) if r.code == "cancelled" => Err(Error::Cancelled),
        Err(r) => {
            let what = crate::bundle::codes::rejection_vi(&r.code);
            let message = match r.entry.as_str() {
                "" => what.to_string(),
                entry => format!("{what} — {entry}"),
            };
            let mut o = ImportOutcome::new(file, ImportStatus::Refused, &r.code, message);
            o.detail = r.message;
            o.entry = Some(r.entry).filter(|e| !e.is_empty());
            Ok(Err(o))
        }
    }
}

/// Whether a verified bundle may enter: not signed by a revoked key, a whole bundle (not a
/// member's part), of a campaign here, every unit known. Gives the campaign, or the refusal.
fn admissible(
    store: &Store,
    verified: &Verified,
    result: &ResultDoc,
) -> Result<std::result::Result<Campaign, (&'static str, String)>> {
    if !verified.trusted
        && let Some(k) = store
            .trusted_keys()?
            .into_iter()
            .find(|k| k.key_id == verified.signer_key_id && k.revoked_at.is_some())
    {
        return Ok(Err((
            "revoked-key",
            format!(
                "khóa ký {} đã bị thu hồi ngày {} ({}): không nhận gói ký bằng khóa này",
                k.key_id,
                local_time(k.revoked_at.as_deref().unwrap_or_default()),
                k.revoke_reason
            ),
        )));
    }
    if let Some(scope) = &result.scope {
        return Ok(Err((
            "partial-bundle",
            format!(
                "gói từng phần (lĩnh vực {}) của một thành viên đoàn: trưởng đoàn gộp vào phiếu rồi gửi gói đầy đủ",
                scope.areas.join(", ")
            ),
        )));
    }
    let campaign = match match_campaign(store, result)? {
        Ok(c) => c,
        Err(refusal) => return Ok(Err(refusal)),
    };
    for v in &result.visits {
        if !store.has_unit(&campaign.id, &v.unit.code)? {
            return Ok(Err((
                "unknown-unit",
                format!(
                    "đợt thẩm định «{}» không có đơn vị mã {} ({})",
                    campaign.name, v.unit.code, v.unit.name
                ),
            )));
        }
    }
    Ok(Ok(campaign))
}

/// The same bag again with other signatures (members co-signed it since): the co-signatures
/// add up; a copy that adds none changes nothing.
fn cosigned_again(
    store: &mut Store,
    file: &Path,
    sha: &str,
    campaign: &Campaign,
    result: &ResultDoc,
    verified: &Verified,
) -> Result<ImportOutcome> {
    let Some(cosignatures) = added_cosignatures(store, &result.bundle_id, verified)? else {
        let mut o = ImportOutcome::new(
            file,
            ImportStatus::Duplicate,
            "duplicate",
            format!(
                "gói phiếu {} (bản {}, {}) đã được nhập, bản này không thêm chữ ký nào — không làm gì thêm",
                result
                    .visits
                    .iter()
                    .map(|v| v.unit.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                result.revision,
                result.signer.name
            ),
        );
        o.bundle_id = Some(result.bundle_id.clone());
        return Ok(o);
    };
    let stored = store_file(store, file, sha)?;
    update_signatures(store, campaign, result, &cosignatures, sha, &stored)?;
    let mut outcome = classify(store, &campaign.id, result, file)?;
    outcome.bundle_id = Some(result.bundle_id.clone());
    Ok(outcome)
}

/// Copies the bundle into `<data dir>/hq/bundles/<sha256>.zip` (temp file, fsync, rename).
fn store_file(store: &Store, file: &Path, sha: &str) -> Result<String> {
    let relative = format!("hq/bundles/{sha}.zip");
    let target = store.data_dir()?.join(&relative);
    if target.is_file() {
        return Ok(relative);
    }
    let dir = target.parent().expect("bundles dir");
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".thamdinh-import-")
        .suffix(".part")
        .tempfile_in(dir)?;
    std::io::copy(&mut std::fs::File::open(file)?, tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| Error::Io(e.error))?;
    Ok(relative)
}

/// Whether the stored bundle with this id says exactly what `result` says.
fn same_result(store: &Store, result: &ResultDoc) -> Result<bool> {
    let json = serde_json::to_string(result).map_err(Error::internal)?;
    Ok(store.hq_stored_result(&result.bundle_id)?.1 == json)
}

/// The co-signatures of a verified bundle (all but the leader's), as stored.
pub(super) fn cosignatures_json(verified: &crate::bundle::VerifiedBundle) -> Result<String> {
    let others: Vec<_> = verified.signatures.iter().filter(|s| !s.leader).collect();
    serde_json::to_string(&others).map_err(Error::internal)
}

/// The stored co-signatures of a bundle joined with those of another copy, if the copy adds any
/// (a key not listed, or one now checked).
fn added_cosignatures(
    store: &Store,
    bundle_id: &str,
    verified: &crate::bundle::VerifiedBundle,
) -> Result<Option<String>> {
    let stored = store.hq_cosignatures(bundle_id)?;
    let mut all: Vec<crate::bundle::Signature> = serde_json::from_str(&stored).unwrap_or_default();
    let mut added = false;
    for s in verified.signatures.iter().filter(|s| !s.leader) {
        match all.iter_mut().find(|k| k.key_id == s.key_id) {
            Some(k) if k.trusted || !s.trusted => {}
            Some(k) => {
                *k = s.clone();
                added = true;
            }
            None => {
                all.push(s.clone());
                added = true;
            }
        }
    }
    added
        .then(|| serde_json::to_string(&all))
        .transpose()
        .map_err(Error::internal)
}

/// A copy of a stored bundle with more co-signatures replaces the stored file and its list of
/// co-signatures (one transaction, logged); what it says is unchanged.
fn update_signatures(
    store: &mut Store,
    campaign: &Campaign,
    result: &ResultDoc,
    cosignatures: &str,
    sha: &str,
    stored: &str,
) -> Result<()> {
    let actor = store.actor()?;
    let tx = store.write_tx()?;
    tx.execute(
        "UPDATE hq_bundle SET file_sha256 = ?2, stored_file = ?3, cosignatures = ?4 WHERE id = ?1",
        params![result.bundle_id, sha, stored, cosignatures],
    )?;
    let field = format!("revision {}", result.revision);
    super::log_decision(
        &tx,
        &campaign.id,
        &actor,
        &Change {
            action: "cosigned",
            code: &result.bundle_id,
            field: &field,
            new: Some(sha),
            reason: cosignatures,
            ..Default::default()
        },
    )?;
    tx.commit()?;
    Ok(())
}

/// One transaction: the bundle, its leaves, the decision.
fn record(
    store: &mut Store,
    campaign: &Campaign,
    result: &ResultDoc,
    verified: &crate::bundle::VerifiedBundle,
    sha: &str,
    stored: &str,
) -> Result<()> {
    let chain = chain_of(result);
    let actor = store.actor()?;
    let result_json = serde_json::to_string(result).map_err(Error::internal)?;
    let tx = store.write_tx()?;
    tx.execute(
        "INSERT INTO hq_bundle (id, file_sha256, campaign_id, chain, revision, supersedes, signer_key_id,
                                signer_name, trusted, stored_file, result_json, imported_at,
                                cosignatures)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            result.bundle_id,
            sha,
            campaign.id,
            chain,
            result.revision,
            result.supersedes,
            verified.signer_key_id,
            verified.signer_name,
            verified.trusted,
            stored,
            result_json,
            now(),
            cosignatures_json(verified)?
        ],
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT OR REPLACE INTO hq_leaf (bundle_id, unit_code, code, self_assessed, appraised, deduction_reason, na_reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for v in &result.visits {
            for l in &v.leaves {
                insert.execute(params![
                    result.bundle_id,
                    v.unit.code,
                    l.code,
                    l.self_assessed,
                    l.appraised,
                    l.deduction_reason,
                    l.na_reason
                ])?;
            }
        }
        let mut covers = tx.prepare(
            "INSERT OR IGNORE INTO hq_bundle_unit (bundle_id, unit_code) VALUES (?1, ?2)",
        )?;
        for v in &result.visits {
            covers.execute(params![result.bundle_id, v.unit.code])?;
        }
    }
    let field = format!("revision {}", result.revision);
    super::log_decision(
        &tx,
        &campaign.id,
        &actor,
        &Change {
            action: if verified.trusted {
                "import"
            } else {
                "quarantine"
            },
            code: &result.bundle_id,
            field: &field,
            new: Some(sha),
            reason: &verified.signer_key_id,
            ..Default::default()
        },
    )?;
    tx.commit()?;
    Ok(())
}

/// The outcome of a stored bundle, from its role and the disagreements it takes part in.
pub(crate) fn classify(
    store: &Store,
    campaign_id: &str,
    result: &ResultDoc,
    file: &Path,
) -> Result<ImportOutcome> {
    use ImportStatus::*;
    let units: Vec<String> = result.visits.iter().map(|v| v.unit.code.clone()).collect();
    let bundles = store.hq_bundles_for(campaign_id, &units)?;
    let me = bundles
        .iter()
        .find(|b| b.id == result.bundle_id)
        .ok_or_else(|| {
            Error::NotFound(crate::mistake::Missing::Bundle(result.bundle_id.clone()))
        })?;
    let o = |status, code: &str, message: String| ImportOutcome::new(file, status, code, message);
    Ok(match &me.role {
        Role::Quarantined => o(
            Quarantined,
            "untrusted-signer",
            format!(
                "hợp lệ nhưng khóa ký {} ({}) chưa có trong danh sách tin cậy: đã lưu, chưa tính. Tin cậy khóa này để tính gói",
                me.signer_key_id, me.signer_name
            ),
        ),
        Role::Incomplete { have, need } => o(
            Incomplete,
            "missing-cosignature",
            format!(
                "hợp lệ nhưng thiếu chữ ký đồng ký của thành viên đoàn: cần {need}, có {have} chữ ký kiểm được bằng khóa tin cậy — đã lưu, chưa tính. Thành viên đồng ký gói (thamdinh bundle cosign) rồi gửi lại"
            ),
        ),
        Role::AwaitingParent { .. } => o(
            Waiting,
            UNKNOWN_PARENT,
            format!(
                "bản {} thay thế bản {} mà Sở Nội vụ chưa nhận (hoặc không nối tiếp đúng bản đó): đã lưu, chưa tính — hãy gửi cả bản trước",
                me.revision,
                me.revision.saturating_sub(1)
            ),
        ),
        Role::Superseded { by } => {
            let newer = bundles.iter().find(|b| b.id == *by);
            o(
                Superseded,
                "superseded",
                format!(
                    "bản {} của gói này đã bị thay thế: bản {} ({}) đang được tính; lưu làm lịch sử",
                    me.revision,
                    newer.map_or(0, |b| b.revision),
                    newer.map_or("", |b| b.signer_name.as_str())
                ),
            )
        }
        Role::Fork
            if bundles
                .iter()
                .any(|b| b.id != me.id && b.chain == me.chain && b.revision == me.revision) =>
        {
            o(
                Conflict,
                "fork",
                format!(
                    "rẽ nhánh: một gói khác cũng là bản {} của cùng các phiếu; chưa tính bản nào cho đến khi cán bộ chọn",
                    me.revision
                ),
            )
        }
        Role::Fork => o(
            Conflict,
            "foreign-revision",
            format!(
                "bản {} của các phiếu này không tự thay thế bản trước: ký bởi khóa {} ({}) không phải của cùng đoàn (theo quyết định của Sở Nội vụ) hay của Sở Nội vụ, hoặc dựa trên nhánh cán bộ đã không chọn — chờ cán bộ quyết định",
                me.revision, me.signer_key_id, me.signer_name
            ),
        ),
        Role::Counted => counted(store, campaign_id, result, &units, me, &o)?,
    })
}

/// A counted bundle's line: imported, or stored with the leaves it scores differently from
/// another delegation (its units unranked until decided).
fn counted(
    store: &Store,
    campaign_id: &str,
    result: &ResultDoc,
    units: &[String],
    me: &super::merge::HqBundle,
    outcome: &dyn Fn(ImportStatus, &str, String) -> ImportOutcome,
) -> Result<ImportOutcome> {
    let conflicts: Vec<_> = store
        .conflicts_in(campaign_id, super::merge::Scope::Units(units))?
        .into_iter()
        .filter(|c| {
            c.kind == super::merge::ConflictKind::Leaf
                && c.resolution.is_none()
                && c.sides.iter().any(|s| s.bundle_id == me.id)
        })
        .collect();
    Ok(if conflicts.is_empty() {
        let replaced = me
            .supersedes
            .as_ref()
            .map(|_| format!(", thay thế bản {}", me.revision.saturating_sub(1)))
            .unwrap_or_default();
        outcome(
            ImportStatus::Imported,
            "imported",
            format!(
                "đã nhập {} phiếu ({}), bản {}{replaced}, ký bởi {} ({})",
                result.visits.len(),
                units.join(", "),
                me.revision,
                me.signer_name,
                me.signer_key_id
            ),
        )
    } else {
        let mut leaves: Vec<String> = conflicts
            .iter()
            .map(|c| {
                let reopened = if c.reopened {
                    " (quyết định trước đây không còn áp dụng: một bên đã thay đổi)"
                } else {
                    ""
                };
                format!("{} {}{reopened}", c.unit, c.code)
            })
            .collect();
        leaves.dedup();
        outcome(
            ImportStatus::Conflict,
            "leaf-conflict",
            format!(
                "đã lưu, nhưng {} tiêu chí chấm khác với đoàn khác: {} — đơn vị chưa thống nhất cho đến khi giải quyết",
                conflicts.len(),
                leaves.join(", ")
            ),
        )
    })
}

/// The campaign a bundle belongs to: the same id (from a plan), else the same year, province
/// and criteria set. The error names the set id when only the set differs.
fn match_campaign(
    store: &Store,
    result: &ResultDoc,
) -> Result<std::result::Result<Campaign, (&'static str, String)>> {
    let campaigns = store.campaigns()?;
    let set_id = &result.criteria_set.id;
    let wrong_set = |c: &Campaign| {
        Err((
            "wrong-criteria-set",
            format!(
                "gói chấm theo bộ tiêu chí {set_id}, đợt thẩm định «{}» dùng bộ {}",
                c.name, c.criteria_set_id
            ),
        ))
    };
    if let Some(c) = campaigns.iter().find(|c| c.id == result.campaign.id) {
        return Ok(if c.criteria_set_id == *set_id {
            Ok(c.clone())
        } else {
            wrong_set(c)
        });
    }
    let same_place: Vec<&Campaign> = campaigns
        .iter()
        .filter(|c| {
            c.year == result.campaign.year
                && super::same_text(&c.province, &result.campaign.province)
        })
        .collect();
    if let Some(c) = same_place.iter().find(|c| c.criteria_set_id == *set_id) {
        return Ok(Ok((*c).clone()));
    }
    if let Some(c) = same_place.first() {
        return Ok(wrong_set(c));
    }
    Ok(Err((
        "unknown-campaign",
        format!(
            "không có đợt thẩm định năm {} của «{}» với bộ tiêu chí {set_id} (gói của đợt «{}»)",
            result.campaign.year, result.campaign.province, result.campaign.name
        ),
    )))
}

/// An RFC 3339 time as people read it here: dd/mm/yyyy hh:mm (local time).
pub fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// What the import reads back of the bundles already received.
impl Store {
    /// The campaign and the stored `result.json` (as stored) of a received bundle.
    fn hq_stored_result(&self, bundle_id: &str) -> Result<(String, String)> {
        Ok(self.conn.query_row(
            "SELECT campaign_id, result_json FROM hq_bundle WHERE id = ?1",
            [bundle_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// The chain and revision of a received bundle of this campaign.
    fn hq_chain_of(&self, bundle_id: &str, campaign_id: &str) -> Result<Option<(String, u32)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT chain, revision FROM hq_bundle WHERE id = ?1 AND campaign_id = ?2",
                params![bundle_id, campaign_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Whether a bundle of this id was received.
    fn hq_has_bundle(&self, bundle_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM hq_bundle WHERE id = ?1")?
            .exists([bundle_id])?)
    }

    /// The stored co-signatures (JSON) of a received bundle.
    fn hq_cosignatures(&self, bundle_id: &str) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT cosignatures FROM hq_bundle WHERE id = ?1",
            [bundle_id],
            |r| r.get(0),
        )?)
    }

    /// The received bundle whose file has this SHA-256: id, when imported, signer, revision and
    /// units (as people name a bundle, never by its UUID).
    fn hq_bundle_of_file(&self, sha: &str) -> Result<Option<EarlierImport>> {
        Ok(self
            .conn
            .query_row(
                "SELECT b.id, b.imported_at, b.signer_name, b.revision,
                        (SELECT group_concat(unit_code, ', ') FROM
                           (SELECT unit_code FROM hq_bundle_unit WHERE bundle_id = b.id ORDER BY unit_code))
                 FROM hq_bundle b WHERE b.file_sha256 = ?1",
                [sha],
                |r| {
                    Ok(EarlierImport {
                        id: r.get(0)?,
                        imported_at: r.get(1)?,
                        signer: r.get(2)?,
                        revision: r.get(3)?,
                        units: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }
}

/// A received bundle named as people name it (see [`Store::hq_bundle_of_file`]).
struct EarlierImport {
    id: String,
    imported_at: String,
    signer: String,
    revision: u32,
    units: String,
}
