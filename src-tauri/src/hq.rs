//! Commands of the Tổng hợp workspace (Sở Nội vụ): each takes the state, calls one core function
//! and maps the error.
use serde::Serialize;
use thamdinh_core::hq::import::{ImportOutcome, import_bundles};
use thamdinh_core::hq::merge::{Conflict, HqBundle};
use thamdinh_core::hq::results::{UnitDetail, UnitResult, WeakCriterion};
use ts_rs::TS;

use crate::{ApiResult, State};

/// Progress of an import: bundles done out of all.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct HqProgress {
    pub done: u32,
    pub total: u32,
}

/// Imports the bundles at `paths` (files or folders a person picked or dropped), reporting
/// `hq-progress`; stops before the next bundle when cancelled.
#[tauri::command(async)]
pub fn hq_import(
    app: tauri::AppHandle,
    state: State<'_>,
    paths: Vec<String>,
    campaign_id: Option<String>,
) -> ApiResult<Vec<ImportOutcome>> {
    use tauri::Emitter;
    let paths: Vec<std::path::PathBuf> = paths.iter().map(std::path::PathBuf::from).collect();
    state
        .cancel_hq
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let progress = |done: usize, total: usize| {
        let _ = app.emit(
            "hq-progress",
            HqProgress {
                done: done as u32,
                total: total as u32,
            },
        );
    };
    state.with_store(|s| {
        let outcomes = import_bundles(s, &paths, &progress, &state.cancel_hq)?;
        // Kept as the campaign's import history, readable after leaving Tổng hợp.
        if let Some(campaign_id) = &campaign_id {
            s.record_import_lines(campaign_id, &outcomes)?;
        }
        Ok(outcomes)
    })
}

/// The import history of a campaign, newest first.
#[tauri::command(async)]
pub fn hq_import_history(
    state: State<'_>,
    campaign_id: String,
) -> ApiResult<Vec<thamdinh_core::hq::import::ImportLine>> {
    state.with_store(|s| s.import_lines(&campaign_id, 500))
}

#[tauri::command]
pub fn cancel_hq(state: State<'_>) {
    state
        .cancel_hq
        .store(true, std::sync::atomic::Ordering::Relaxed);
}

#[tauri::command(async)]
pub fn hq_bundles(state: State<'_>, campaign_id: String) -> ApiResult<Vec<HqBundle>> {
    state.with_store(|s| s.hq_bundles(&campaign_id))
}

#[tauri::command(async)]
pub fn hq_conflicts(state: State<'_>, campaign_id: String) -> ApiResult<Vec<Conflict>> {
    state.with_store(|s| s.hq_conflicts(&campaign_id))
}

#[tauri::command(async)]
pub fn hq_resolve(
    state: State<'_>,
    campaign_id: String,
    unit: String,
    code: String,
    value: String,
    reason: String,
) -> ApiResult<Vec<Conflict>> {
    state.with_store(|s| {
        s.hq_resolve(&campaign_id, &unit, &code, &value, &reason)?;
        s.hq_conflicts(&campaign_id)
    })
}

#[tauri::command(async)]
pub fn hq_choose_fork(state: State<'_>, bundle_id: String, reason: String) -> ApiResult<()> {
    state.with_store(|s| s.choose_fork(&bundle_id, &reason))
}

#[tauri::command(async)]
pub fn hq_results(state: State<'_>, campaign_id: String) -> ApiResult<Vec<UnitResult>> {
    state.with_store(|s| s.hq_results(&campaign_id))
}

/// One unit's leaf table, evidence and photos as the counted bundles carried them.
#[tauri::command(async)]
pub fn hq_unit_detail(
    state: State<'_>,
    campaign_id: String,
    unit: String,
) -> ApiResult<UnitDetail> {
    state.with_store(|s| s.hq_unit_detail(&campaign_id, &unit))
}

#[tauri::command(async)]
pub fn hq_weakest(state: State<'_>, campaign_id: String) -> ApiResult<Vec<WeakCriterion>> {
    state.with_store(|s| s.hq_weakest(&campaign_id, 10))
}

/// Writes the province workbook to the path the person chose in the save dialog.
#[tauri::command(async)]
pub fn hq_save_workbook(state: State<'_>, campaign_id: String, out: String) -> ApiResult<String> {
    state.with_store(|s| s.hq_write_workbook(&campaign_id, std::path::Path::new(&out)))?;
    Ok(out)
}

/// The province's report: the PDF at `pdf` and the .docx beside it at `docx`.
#[tauri::command(async)]
pub fn hq_report(
    state: State<'_>,
    campaign_id: String,
    pdf: String,
    docx: String,
) -> ApiResult<Vec<String>> {
    state.with_store(|s| {
        thamdinh_reports::province::write_report(
            s,
            &campaign_id,
            Some(std::path::Path::new(&pdf)),
            Some(std::path::Path::new(&docx)),
        )
    })?;
    Ok(vec![pdf, docx])
}

/// Imports a survey sheet the person picked; every bad cell is listed, nothing written then.
#[tauri::command(async)]
pub fn hq_survey(state: State<'_>, campaign_id: String, path: String) -> ApiResult<u32> {
    state
        .with_store(|s| s.hq_import_survey_file(&campaign_id, std::path::Path::new(&path)))?
        .map(|n| n as u32)
        .map_err(|problems| thamdinh_core::Error::Mistakes(problems).into())
}

/// Makes a trusted key a member of a delegation (an HQ decision in the log).
#[tauri::command(async)]
pub fn hq_assign_key(
    state: State<'_>,
    key_id: String,
    delegation: String,
) -> ApiResult<Vec<thamdinh_core::bundle::keyring::TrustedKeyEntry>> {
    state.with_store(|s| {
        s.hq_trust_assign(&key_id, &delegation)?;
        s.trusted_keys()
    })
}

/// The campaign's classification bands as people write them (`90=Xuất sắc, 80=Tốt, …`).
#[tauri::command(async)]
pub fn hq_bands(state: State<'_>, campaign_id: String) -> ApiResult<String> {
    state.with_store(|s| {
        Ok(thamdinh_core::hq::results::bands_text(
            &s.hq_bands(&campaign_id)?,
        ))
    })
}

/// Sets the bands (an HQ decision in the log); returns them as written.
#[tauri::command(async)]
pub fn hq_set_bands(state: State<'_>, campaign_id: String, bands: String) -> ApiResult<String> {
    state.with_store(|s| {
        Ok(thamdinh_core::hq::results::bands_text(
            &s.hq_set_bands(&campaign_id, &bands)?,
        ))
    })
}

/// Publishes the campaign's results signed with this laptop's key (the plan's HQ key).
#[tauri::command(async)]
pub fn hq_publish(
    state: State<'_>,
    campaign_id: String,
    passphrase: String,
    out: String,
) -> ApiResult<thamdinh_core::hq::publish::PublishSummary> {
    state.with_store(|s| {
        let key = s.signing_key_text()?;
        thamdinh_core::hq::publish::publish_results(
            s,
            &campaign_id,
            &key,
            &passphrase,
            std::path::Path::new(&out),
        )
    })
}

/// Recomputes someone's published results from a folder of bundles (in a store of its own);
/// `trust`: the HQ `.pub` the person holds. Stopped by `cancel_hq`.
#[tauri::command(async)]
pub fn hq_recompute(
    state: State<'_>,
    results: String,
    bundles: String,
    trust: Option<String>,
) -> ApiResult<thamdinh_core::hq::publish::RecomputeReport> {
    state
        .cancel_hq
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let run = || -> thamdinh_core::Result<_> {
        let expected = crate::read_optional_pub(trust.as_deref())?;
        thamdinh_core::hq::publish::recompute(
            std::path::Path::new(&results),
            std::path::Path::new(&bundles),
            expected.as_deref(),
            &state.cancel_hq,
        )
    };
    Ok(run()?)
}

#[tauri::command(async)]
pub fn hq_revoke_key(state: State<'_>, key_id: String, reason: String) -> ApiResult<u32> {
    state.with_store(|s| s.hq_trust_revoke(&key_id, &reason).map(|n| n as u32))
}
