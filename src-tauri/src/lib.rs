//! The Tauri shell: opens the store, registers the commands. Each command takes state, calls
//! `thamdinh_core` and maps the error; nothing else lives here. Commands are `async` so SQLite work
//! runs off the main thread.
use std::sync::Mutex;

mod documents;
mod forms;
mod hq;
mod teamwork;

use serde::{Deserialize, Serialize};
use tauri::Manager;
use thamdinh_core::ErrorCode;
use thamdinh_core::audit::{AuditEntry, LeafHistory};
use thamdinh_core::builtin::{self, SetSummary};
use thamdinh_core::bundle::export::ExportCheck;
use thamdinh_core::bundle::keyring::TrustedKeyEntry;
use thamdinh_core::bundle::{self, ExportSummary, KeyInfo, Rejection, VerifiedBundle};
use thamdinh_core::criteria::CriteriaSet;
use thamdinh_core::evidence::NewEvidence;
use thamdinh_core::gallery::{self, Photo};
use thamdinh_core::photo;
use thamdinh_core::scoring::{self, Scores, SetTotals};
use thamdinh_core::store::{self, Campaign, NewCampaign, Store};
use thamdinh_core::units::{self, Member, NewUnit, Unit};
use thamdinh_core::visit::{LeafField, LeafUpdate, Participant, VisitSummary, VisitView};
use ts_rs::TS;

/// An error as the UI receives it: the code it words in its language, whether it is a fault (a
/// banner) rather than a mistake (shown beside what the person did), and the core's Vietnamese
/// message with the details.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub fault: bool,
    pub message: String,
    /// The person's mistakes as keys with parameters, for the UI to word in its language
    /// (empty for faults and for the few mistakes still said only in Vietnamese).
    pub mistakes: Vec<thamdinh_core::Mistake>,
}

impl From<thamdinh_core::Error> for ApiError {
    fn from(e: thamdinh_core::Error) -> Self {
        ApiError {
            mistakes: e.mistakes(),
            ..ApiError::new(e.code(), e.to_string())
        }
    }
}

impl ApiError {
    fn new(code: ErrorCode, message: String) -> Self {
        ApiError {
            code,
            fault: code.is_fault(),
            message,
            mistakes: Vec::new(),
        }
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The store, or why it could not be opened (shown by the UI instead of crashing).
pub(crate) struct AppState {
    store: Result<Mutex<Store>, ApiError>,
    /// Set by `cancel_ingest` to stop a running photo ingest before its next file.
    cancel_ingest: std::sync::atomic::AtomicBool,
    /// Set by `cancel_bundle` to stop a running bundle export or verification.
    cancel_bundle: std::sync::atomic::AtomicBool,
    /// Set by `cancel_hq` to stop an import of bundles before the next one.
    cancel_hq: std::sync::atomic::AtomicBool,
}

impl AppState {
    pub(crate) fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> thamdinh_core::Result<T>,
    ) -> ApiResult<T> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        let mut guard = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(f(&mut guard)?)
    }
}

impl AppState {
    /// The store of the data folder, or why it could not be opened (shown instead of crashing).
    fn open(data_dir: &std::path::Path) -> Self {
        AppState {
            store: Store::open_dir(data_dir)
                .map(Mutex::new)
                .map_err(ApiError::from),
            cancel_ingest: Default::default(),
            cancel_bundle: Default::default(),
            cancel_hq: Default::default(),
        }
    }
}

pub(crate) type State<'a> = tauri::State<'a, AppState>;

/// A criteria set with its totals (no values entered yet: points 0, maxima as defined).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SetView {
    pub set: CriteriaSet,
    pub totals: SetTotals,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CampaignView {
    pub campaign: Campaign,
    pub members: Vec<Member>,
    pub units: Vec<Unit>,
    pub visits: Vec<VisitSummary>,
}

/// The form of a new campaign; the set is a built-in slug or id.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct CampaignInput {
    pub name: String,
    pub year: i32,
    pub province: String,
    pub unit_group: String,
    pub criteria_set: String,
    /// A criteria set from Excel (a file the person picked) instead of a built-in one.
    pub criteria_xlsx: Option<String>,
    pub delegation_name: String,
    pub delegation_leader: String,
}

/// What an Excel criteria set holds, or every problem in it — shown before anything is saved.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CriteriaXlsxCheck {
    pub title: String,
    pub areas: u32,
    pub leaves: u32,
    pub max_total: String,
    pub id: String,
    /// Leaves whose N/A cell was only a mark, read as "Giảm điểm tối đa".
    pub na_marked: Vec<String>,
    pub problems: Vec<thamdinh_core::criteria_xlsx::SheetProblem>,
}

#[tauri::command(async)]
fn check_criteria_xlsx(path: String) -> ApiResult<CriteriaXlsxCheck> {
    Ok(
        match thamdinh_core::criteria_xlsx::import_file(std::path::Path::new(&path))? {
            Ok(imported) => CriteriaXlsxCheck {
                title: imported.set.title.clone(),
                areas: imported.set.areas.len() as u32,
                leaves: imported.set.leaves().len() as u32,
                max_total: imported.set.max_total().to_string(),
                id: imported.set.id,
                na_marked: imported.na_marked,
                problems: Vec::new(),
            },
            Err(problems) => CriteriaXlsxCheck {
                title: String::new(),
                areas: 0,
                leaves: 0,
                max_total: String::new(),
                id: String::new(),
                na_marked: Vec::new(),
                problems,
            },
        },
    )
}

#[tauri::command(async)]
fn builtin_sets() -> Vec<SetSummary> {
    builtin::summaries()
}

#[tauri::command(async)]
fn criteria_set(state: State<'_>, key: String) -> ApiResult<SetView> {
    let set = match state.with_store(|s| s.criteria_set(&key)) {
        Ok(set) => (*set).clone(),
        // Built-in sets stay browsable when the store cannot be opened.
        Err(_) => builtin::find(&key)?,
    };
    let totals = scoring::totals(&set, &Scores::new());
    Ok(SetView { set, totals })
}

#[tauri::command(async)]
fn campaigns(state: State<'_>) -> ApiResult<Vec<Campaign>> {
    state.with_store(|s| s.campaigns())
}

#[tauri::command(async)]
fn create_campaign(state: State<'_>, input: CampaignInput) -> ApiResult<Campaign> {
    state.with_store(|s| {
        s.create_campaign_on(
            &NewCampaign {
                name: &input.name,
                year: input.year,
                province: &input.province,
                unit_group: &input.unit_group,
                delegation_name: &input.delegation_name,
                delegation_leader: &input.delegation_leader,
                ..Default::default()
            },
            &input.criteria_set,
            input.criteria_xlsx.as_deref().map(std::path::Path::new),
        )
    })
}

#[tauri::command(async)]
fn campaign_view(state: State<'_>, id: String) -> ApiResult<CampaignView> {
    state.with_store(|s| {
        Ok(CampaignView {
            campaign: s.campaign(&id)?,
            members: s.members(&id)?,
            units: s.units(&id)?,
            visits: s.visits(Some(&id))?,
        })
    })
}

/// Creates the demo campaign; returns the demo visit's id.
#[tauri::command(async)]
fn create_demo(state: State<'_>) -> ApiResult<String> {
    state.with_store(|s| Ok(thamdinh_core::demo::create_demo(s, thamdinh_core::demo::DEMO_SET)?.id))
}

#[tauri::command(async)]
fn add_member(
    state: State<'_>,
    campaign_id: String,
    name: String,
    title: String,
    role: String,
) -> ApiResult<Member> {
    state.with_store(|s| {
        s.campaign(&campaign_id)?;
        s.add_member(&campaign_id, &name, &title, &role)
    })
}

#[tauri::command(async)]
fn add_unit(state: State<'_>, campaign_id: String, unit: NewUnit) -> ApiResult<Unit> {
    state.with_store(|s| s.add_unit(&campaign_id, &unit))
}

/// Imports a CSV or XLSX unit list; all or nothing, bad rows named by line.
#[tauri::command(async)]
fn import_units(state: State<'_>, campaign_id: String, bytes: Vec<u8>) -> ApiResult<Vec<Unit>> {
    let rows = units::parse_unit_list(&bytes).map_err(thamdinh_core::Error::Mistakes)?;
    let store = state.store.as_ref().map_err(Clone::clone)?;
    let mut guard = store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(guard.import_units(&campaign_id, &rows)?)
}

#[tauri::command(async)]
fn create_visit(
    state: State<'_>,
    unit_id: String,
    date: String,
    place: String,
    participants: Vec<Participant>,
) -> ApiResult<String> {
    state.with_store(|s| Ok(s.create_visit(&unit_id, &date, &place, &participants)?.id))
}

/// Corrects a visit's date, place and participants (audited); returns the visit as it now is.
#[tauri::command(async)]
fn edit_visit(
    state: State<'_>,
    visit_id: String,
    date: String,
    place: String,
    participants: Vec<Participant>,
    reason: String,
) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.edit_visit(&visit_id, &date, &place, &participants, &reason)?;
        s.visit_view(&visit_id)
    })
}

#[tauri::command(async)]
fn visit_view(state: State<'_>, id: String) -> ApiResult<VisitView> {
    state.with_store(|s| s.visit_view(&id))
}

#[tauri::command(async)]
fn set_field(
    state: State<'_>,
    visit_id: String,
    code: String,
    field: LeafField,
    text: String,
) -> ApiResult<LeafUpdate> {
    state.with_store(|s| {
        s.set_typed_field(&visit_id, &code, field, &text)?;
        s.leaf_update(&visit_id, &code)
    })
}

#[tauri::command(async)]
fn undo(state: State<'_>, visit_id: String) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.undo_last(&visit_id)?;
        s.visit_view(&visit_id)
    })
}

#[tauri::command(async)]
fn lock_visit(state: State<'_>, visit_id: String) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.lock_visit(&visit_id)?;
        s.visit_view(&visit_id)
    })
}

#[tauri::command(async)]
fn unlock_visit(state: State<'_>, visit_id: String, reason: String) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.unlock_visit(&visit_id, &reason)?;
        s.visit_view(&visit_id)
    })
}

#[tauri::command(async)]
fn add_evidence(
    state: State<'_>,
    visit_id: String,
    evidence: NewEvidence,
    file_name: Option<String>,
    file_bytes: Option<Vec<u8>>,
) -> ApiResult<VisitView> {
    state.with_store(|s| {
        let file = file_name.as_deref().zip(file_bytes.as_deref());
        s.add_evidence(&visit_id, &evidence, file)?;
        s.visit_view(&visit_id)
    })
}

/// Corrects an evidence item (only the fields given change); audited.
#[tauri::command(async)]
fn edit_evidence(
    state: State<'_>,
    visit_id: String,
    evidence_id: String,
    edit: thamdinh_core::evidence::EvidenceEdit,
    reason: String,
) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.edit_evidence(&evidence_id, &edit, &reason)?;
        s.visit_view(&visit_id)
    })
}

/// Removes an evidence item with the reason; audited.
#[tauri::command(async)]
fn remove_evidence(
    state: State<'_>,
    visit_id: String,
    evidence_id: String,
    reason: String,
) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.remove_evidence(&evidence_id, &reason)?;
        s.visit_view(&visit_id)
    })
}

#[tauri::command(async)]
fn link_evidence(
    state: State<'_>,
    visit_id: String,
    evidence_id: String,
    code: String,
    linked: bool,
) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.link_evidence(&visit_id, &evidence_id, &code, linked)?;
        s.visit_view(&visit_id)
    })
}

/// Every refusal code with its words in Vietnamese and English (written once, in the core).
#[tauri::command]
fn rejection_words() -> Vec<bundle::codes::RejectionWords> {
    bundle::codes::rejection_words()
}

/// Called by the Home screen once its campaigns are painted. `make bench` starts the app with
/// THAMDINH_STARTUP_PROBE set and times the launch to this line on stderr.
#[tauri::command]
fn startup_painted() {
    if std::env::var_os("THAMDINH_STARTUP_PROBE").is_some() {
        eprintln!("thamdinh: home painted");
    }
}

/// The newest entries beside a leaf (the whole log is the audit tab's).
#[tauri::command(async)]
fn leaf_history(
    state: State<'_>,
    visit_id: String,
    code: String,
    limit: usize,
) -> ApiResult<LeafHistory> {
    state.with_store(|s| s.leaf_history(&visit_id, &code, limit))
}

#[tauri::command(async)]
fn audit_log(
    state: State<'_>,
    visit_id: String,
    code: Option<String>,
) -> ApiResult<Vec<AuditEntry>> {
    state.with_store(|s| s.audit(&visit_id, code.as_deref()))
}

/// Progress of a photo ingest, sent as the `photo-progress` event.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct IngestProgress {
    pub done: usize,
    pub total: usize,
}

/// Ingests photos (files or folders, as dropped on the window) into a visit, off the UI thread,
/// reporting progress; the store is held only to check the visit and to record the results.
#[tauri::command(async)]
fn ingest_photos(
    app: tauri::AppHandle,
    state: State<'_>,
    visit_id: String,
    paths: Vec<String>,
) -> ApiResult<gallery::IngestReport> {
    use tauri::Emitter;
    let dir = state.with_store(|s| s.photo_folder_for(&visit_id))?;
    let paths: Vec<std::path::PathBuf> = paths.iter().map(std::path::PathBuf::from).collect();
    state
        .cancel_ingest
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let progress = |done, total| {
        let _ = app.emit("photo-progress", IngestProgress { done, total });
    };
    let ingested = photo::ingest_paths(
        &dir,
        &paths,
        photo::default_workers(),
        &state.cancel_ingest,
        &progress,
    );
    state.with_store(|s| s.record_ingested(&visit_id, &ingested))
}

#[tauri::command(async)]
fn cancel_ingest(state: State<'_>) {
    state
        .cancel_ingest
        .store(true, std::sync::atomic::Ordering::Relaxed);
}

#[tauri::command(async)]
fn photos(state: State<'_>, visit_id: String) -> ApiResult<Vec<Photo>> {
    state.with_store(|s| s.photos(&visit_id))
}

/// The JPEG bytes of a photo's thumbnail, or of its preview (made on first view).
#[tauri::command(async)]
fn photo_image(state: State<'_>, sha256: String, preview: bool) -> ApiResult<tauri::ipc::Response> {
    let dir = state.with_store(|s| s.photos_dir())?;
    let bytes = photo::image_bytes(&dir, &sha256, preview)
        .map_err(|e| ApiError::new(ErrorCode::NotFound, e.to_string()))?;
    Ok(tauri::ipc::Response::new(bytes))
}

#[tauri::command(async)]
fn set_photo_caption(
    state: State<'_>,
    visit_id: String,
    sha256: String,
    caption: String,
) -> ApiResult<Vec<Photo>> {
    state.with_store(|s| {
        s.set_photo_caption(&visit_id, &sha256, &caption)?;
        s.photos(&visit_id)
    })
}

/// Removes a photo from a visit with the reason; audited.
#[tauri::command(async)]
fn remove_photo(
    state: State<'_>,
    visit_id: String,
    sha256: String,
    reason: String,
) -> ApiResult<Vec<Photo>> {
    state.with_store(|s| {
        s.remove_photo(&visit_id, &sha256, &reason)?;
        s.photos(&visit_id)
    })
}

/// Writes the campaign's plan signed with this laptop's key (Sở Nội vụ's), for the delegations.
#[tauri::command(async)]
fn plan_export(
    state: State<'_>,
    campaign_id: String,
    passphrase: String,
    out: String,
) -> ApiResult<thamdinh_core::hq::plan::PlanSummary> {
    state.with_store(|s| {
        let key = s.signing_key_text()?;
        thamdinh_core::hq::plan::export_plan(
            s,
            &campaign_id,
            &key,
            &passphrase,
            std::path::Path::new(&out),
        )
    })
}

/// The `.pub` file at `path`, when a person gave one (an empty field is none).
pub(crate) fn read_optional_pub(path: Option<&str>) -> thamdinh_core::Result<Option<String>> {
    path.filter(|p| !p.trim().is_empty())
        .map(|p| thamdinh_core::hq::trust::read_public_key(std::path::Path::new(p)))
        .transpose()
}

/// Opens a plan from Sở Nội vụ; `trust`: its `.pub` received apart, which must have signed it.
#[tauri::command(async)]
fn plan_import(
    state: State<'_>,
    path: String,
    trust: Option<String>,
) -> ApiResult<thamdinh_core::hq::plan::ImportedPlan> {
    state.with_store(|s| {
        let expected = read_optional_pub(trust.as_deref())?;
        thamdinh_core::hq::plan::import_plan(s, std::path::Path::new(&path), expected.as_deref())
    })
}

/// Removes a unit without recorded work.
#[tauri::command(async)]
fn remove_unit(state: State<'_>, campaign_id: String, code: String) -> ApiResult<()> {
    state.with_store(|s| s.remove_unit(&campaign_id, &code))
}

/// What deleting a campaign would take with it.
#[tauri::command(async)]
fn campaign_contents(
    state: State<'_>,
    campaign_id: String,
) -> ApiResult<thamdinh_core::removal::CampaignContents> {
    state.with_store(|s| s.campaign_contents(&campaign_id))
}

/// Deletes a campaign and everything in it; returns the campaigns left.
#[tauri::command(async)]
fn delete_campaign(state: State<'_>, campaign_id: String) -> ApiResult<Vec<Campaign>> {
    state.with_store(|s| {
        s.delete_campaign(&campaign_id)?;
        s.campaigns()
    })
}

/// Hides a campaign from the list (or shows it again); returns the campaigns.
#[tauri::command(async)]
fn archive_campaign(
    state: State<'_>,
    campaign_id: String,
    archived: bool,
) -> ApiResult<Vec<Campaign>> {
    state.with_store(|s| {
        s.set_campaign_archived(&campaign_id, archived)?;
        s.campaigns()
    })
}

#[tauri::command(async)]
fn link_photo(
    state: State<'_>,
    visit_id: String,
    sha256: String,
    code: String,
    linked: bool,
) -> ApiResult<Vec<Photo>> {
    state.with_store(|s| {
        s.link_photo(&visit_id, &sha256, &code, linked)?;
        s.photos(&visit_id)
    })
}

#[tauri::command(async)]
fn link_photo_evidence(
    state: State<'_>,
    visit_id: String,
    sha256: String,
    evidence_id: String,
    linked: bool,
) -> ApiResult<Vec<Photo>> {
    state.with_store(|s| {
        s.link_photo_evidence(&visit_id, &sha256, &evidence_id, linked)?;
        s.photos(&visit_id)
    })
}

// Typed settings only: no generic setter lets the webview write the trust list or the name
// recorded in audit entries and signatures.
#[tauri::command(async)]
fn user_name(state: State<'_>) -> ApiResult<String> {
    state.with_store(|s| s.user_name())
}

#[tauri::command(async)]
fn set_user_name(state: State<'_>, name: String) -> ApiResult<()> {
    state.with_store(|s| s.set_user_name(&name))
}

#[tauri::command(async)]
fn language(state: State<'_>) -> ApiResult<Option<String>> {
    state.with_store(|s| s.language())
}

#[tauri::command(async)]
fn set_language(state: State<'_>, language: String) -> ApiResult<()> {
    state.with_store(|s| s.set_language(&language))
}

#[tauri::command(async)]
fn signing_key(state: State<'_>) -> ApiResult<Option<KeyInfo>> {
    state.with_store(|s| s.signing_key())
}

#[tauri::command(async)]
fn create_signing_key(state: State<'_>, passphrase: String) -> ApiResult<KeyInfo> {
    state.with_store(|s| s.create_signing_key(&passphrase))
}

/// Writes this laptop's public key (`.pub`, minisign format) where people asked, for Sở Nội vụ.
#[tauri::command(async)]
fn save_public_key(state: State<'_>, path: String) -> ApiResult<String> {
    state.with_store(|s| {
        Ok(s.save_public_key(std::path::Path::new(&path))?
            .display()
            .to_string())
    })
}

#[tauri::command(async)]
fn export_checklist(state: State<'_>, visit_ids: Vec<String>) -> ApiResult<Vec<ExportCheck>> {
    state.with_store(|s| s.export_checklist(&visit_ids))
}

/// The folder bundles and public keys are saved in unless people choose another.
#[tauri::command(async)]
fn export_dir() -> String {
    bundle::export::default_export_dir().display().to_string()
}

#[tauri::command(async)]
fn default_bundle_path(state: State<'_>, visit_ids: Vec<String>) -> ApiResult<String> {
    let name = state.with_store(|s| s.default_bundle_name(&visit_ids))?;
    Ok(bundle::export::default_export_dir()
        .join(name)
        .display()
        .to_string())
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BundleProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// Signs and writes a bundle. The store is held only to gather the payload and to record the
/// revision; the long write runs without it, reporting `bundle-progress`.
#[tauri::command(async)]
fn export_bundle(
    app: tauri::AppHandle,
    state: State<'_>,
    visit_ids: Vec<String>,
    passphrase: String,
    out: String,
    overwrite: bool,
    areas: Option<Vec<String>>,
) -> ApiResult<ExportSummary> {
    use tauri::Emitter;
    // A member's partial bundle of their areas (one visit), or the whole visits.
    let areas = areas.filter(|a| !a.is_empty());
    let store = state.store.as_ref().map_err(Clone::clone)?;
    state
        .cancel_bundle
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let request = bundle::ExportRequest {
        visit_ids: &visit_ids,
        areas: areas.as_deref(),
        key: bundle::ExportKey::ThisLaptop,
        passphrase: &passphrase,
        out: std::path::Path::new(&out),
        overwrite,
    };
    let summary = bundle::export_to_file(
        store,
        &request,
        &throttled_progress(&app),
        &state.cancel_bundle,
    )?;
    let _ = app.emit(
        "bundle-progress",
        BundleProgress {
            done: summary.payload_bytes,
            total: summary.payload_bytes,
        },
    );
    Ok(summary)
}

/// A progress callback that emits `bundle-progress` at most every 1/16 of the work, so a
/// gigabyte does not flood the webview with events.
fn throttled_progress(app: &tauri::AppHandle) -> impl Fn(u64, u64) + Sync + '_ {
    use tauri::Emitter;
    let last = std::sync::atomic::AtomicU64::new(0);
    move |done, total| {
        let step = (total / 16).max(1);
        let prev = last.load(std::sync::atomic::Ordering::Relaxed);
        if done >= prev + step || done == total {
            last.store(done, std::sync::atomic::Ordering::Relaxed);
            let _ = app.emit("bundle-progress", BundleProgress { done, total });
        }
    }
}

#[tauri::command(async)]
fn cancel_bundle(state: State<'_>) {
    state
        .cancel_bundle
        .store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The outcome of a verification: what the bundle is, or why it was refused.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VerifyReport {
    pub file: String,
    pub valid: Option<VerifiedBundle>,
    /// Whole and consistent, but signed by a key not on the trust list: what it holds and who
    /// signed it, to be trusted (with that person's `.pub`) before it counts.
    pub untrusted: Option<VerifiedBundle>,
    pub rejection: Option<Rejection>,
}

#[tauri::command(async)]
fn verify_bundle(app: tauri::AppHandle, state: State<'_>, path: String) -> ApiResult<VerifyReport> {
    let keys = state.with_store(|s| s.verification_keys())?;
    state
        .cancel_bundle
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let progress = throttled_progress(&app);
    // Every check but the trust in the signer, so an untrusted signer's bundle is said to be
    // whole (or exactly why not) rather than only "untrusted".
    let outcome = bundle::verify_contents(
        std::path::Path::new(&path),
        &keys,
        bundle::Signers::AllowUntrusted,
        &bundle::Limits::default(),
        &progress,
        &state.cancel_bundle,
    );
    let (valid, untrusted, rejection) = match outcome {
        Ok(v) if v.trusted => (Some(v), None, None),
        Ok(v) => (None, Some(v), None),
        Err(r) => (None, None, Some(r)),
    };
    Ok(VerifyReport {
        file: path,
        valid,
        untrusted,
        rejection,
    })
}

/// Adds this laptop's signature to a bundle another member exported (verified first; no byte of
/// the bag changes).
#[tauri::command(async)]
fn cosign_bundle(
    state: State<'_>,
    path: String,
    passphrase: String,
) -> ApiResult<bundle::CosignSummary> {
    state.with_store(|s| {
        let key = s.signing_key_text()?;
        bundle::cosign_bundle(
            std::path::Path::new(&path),
            &key,
            &passphrase,
            &bundle::signer_name(s, &key)?,
            &s.verification_keys()?,
        )
    })
}

/// Deletes an empty visit started by mistake (audited); a visit with any entry is refused.
#[tauri::command(async)]
fn delete_visit(state: State<'_>, visit_id: String) -> ApiResult<()> {
    state.with_store(|s| s.delete_visit(&visit_id))
}

#[tauri::command(async)]
fn trusted_keys(state: State<'_>) -> ApiResult<Vec<TrustedKeyEntry>> {
    state.with_store(|s| s.trusted_keys())
}

/// Adds the public key in the `.pub` file at `path` to the trust list.
#[tauri::command(async)]
fn add_trusted_key(
    state: State<'_>,
    path: String,
    label: String,
    delegation: Option<String>,
) -> ApiResult<Vec<TrustedKeyEntry>> {
    state.with_store(|s| {
        let text = thamdinh_core::hq::trust::read_public_key(path.as_ref())?;
        // At Sở Nội vụ, bundles this key signed that wait in quarantine are counted now.
        let delegation = delegation.filter(|d| !d.trim().is_empty());
        s.hq_trust_add(&text, &label, delegation.as_deref())?;
        s.trusted_keys()
    })
}

#[tauri::command(async)]
fn remove_trusted_key(state: State<'_>, key_id: String) -> ApiResult<Vec<TrustedKeyEntry>> {
    state.with_store(|s| {
        s.remove_trusted_key(&key_id)?;
        s.trusted_keys()
    })
}

/// One window per data folder: a second launch on the same data (a double click on the icon while
/// the app is open behind another window) brings the first window forward and exits, so two
/// windows never edit the same visits; a launch on another data folder (a trainer's copy, a test)
/// runs beside it. The D-Bus name carries a digest of the folder's canonical path.
fn single_instance_id(data_dir: &std::path::Path) -> String {
    let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = thamdinh_core::digest::sha256_hex(canonical.as_os_str().as_encoded_bytes());
    // A D-Bus name element may not start with a digit.
    format!("{}.d{}", store::APP_IDENTIFIER, &digest[..16])
}

fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        // Each may fail on a window manager that refuses; the window is there either way.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn run() {
    let data_dir = store::default_data_dir();
    let state = AppState::open(&data_dir);
    tauri::Builder::default()
        // First: a second launch must be caught before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(single_instance_id(&data_dir))
                .callback(|app, _args, _cwd| focus_main_window(app))
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            builtin_sets,
            criteria_set,
            campaigns,
            create_campaign,
            campaign_view,
            create_demo,
            add_member,
            add_unit,
            import_units,
            create_visit,
            edit_visit,
            delete_visit,
            visit_view,
            set_field,
            undo,
            lock_visit,
            unlock_visit,
            add_evidence,
            edit_evidence,
            remove_evidence,
            remove_photo,
            remove_unit,
            campaign_contents,
            delete_campaign,
            archive_campaign,
            link_evidence,
            audit_log,
            leaf_history,
            startup_painted,
            rejection_words,
            ingest_photos,
            cancel_ingest,
            photos,
            photo_image,
            set_photo_caption,
            link_photo,
            link_photo_evidence,
            user_name,
            set_user_name,
            language,
            set_language,
            signing_key,
            create_signing_key,
            save_public_key,
            export_checklist,
            default_bundle_path,
            export_dir,
            export_bundle,
            cancel_bundle,
            verify_bundle,
            cosign_bundle,
            check_criteria_xlsx,
            trusted_keys,
            add_trusted_key,
            remove_trusted_key,
            documents::backup,
            documents::restore,
            documents::backup_reminder,
            documents::report_minutes,
            documents::report_minutes_preview,
            documents::report_minutes_docx,
            hq::hq_report,
            documents::report_visit_xlsx,
            documents::open_folder,
            forms::self_forms_write,
            forms::self_forms_import,
            forms::explain_form_write,
            forms::explain_form_import,
            documents::acknowledgement,
            documents::acknowledge,
            documents::acknowledgement_image,
            teamwork::merge_partial,
            teamwork::visit_conflicts,
            teamwork::resolve_leaf,
            teamwork::conclusions,
            teamwork::add_conclusion,
            teamwork::remove_conclusion,
            hq::hq_import,
            hq::cancel_hq,
            hq::hq_bundles,
            hq::hq_conflicts,
            hq::hq_resolve,
            hq::hq_choose_fork,
            hq::hq_results,
            hq::hq_weakest,
            hq::hq_unit_detail,
            hq::hq_save_workbook,
            hq::hq_survey,
            hq::hq_revoke_key,
            hq::hq_bands,
            hq::hq_import_history,
            hq::hq_set_bands,
            hq::hq_publish,
            hq::hq_recompute,
            plan_export,
            plan_import,
            hq::hq_assign_key
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Thẩm Định window");
}
