//! The Tauri shell: opens the store, registers the commands. Each command takes state, calls
//! `thamdinh_core` and maps the error; nothing else lives here. Commands are `async` so SQLite work
//! runs off the main thread.
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use thamdinh_core::audit::AuditEntry;
use thamdinh_core::builtin::{self, SetSummary};
use thamdinh_core::criteria::CriteriaSet;
use thamdinh_core::evidence::NewEvidence;
use thamdinh_core::scoring::{self, Scores, SetTotals};
use thamdinh_core::store::{self, Campaign, NewCampaign, Store};
use thamdinh_core::visit::{
    self, LeafField, Member, NewUnit, Participant, Unit, VisitSummary, VisitView,
};
use ts_rs::TS;

/// The codes the UI acts on; everything else is `internal` with its message.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    DatabaseTooNew,
    NotFound,
    Invalid,
    VisitLocked,
    Internal,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<thamdinh_core::Error> for ApiError {
    fn from(e: thamdinh_core::Error) -> Self {
        use thamdinh_core::Error as E;
        let code = match &e {
            E::DatabaseTooNew { .. } => ErrorCode::DatabaseTooNew,
            E::UnknownCriteriaSet(_) | E::NotFound(_) => ErrorCode::NotFound,
            E::InvalidCriteria(_) | E::InvalidValue(_) => ErrorCode::Invalid,
            E::VisitLocked => ErrorCode::VisitLocked,
            E::AuditBroken { .. } | E::Sqlite(_) | E::Io(_) => ErrorCode::Internal,
        };
        ApiError {
            code,
            message: e.to_string(),
        }
    }
}

fn invalid(lines: Vec<String>) -> ApiError {
    ApiError {
        code: ErrorCode::Invalid,
        message: lines.join("\n"),
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The store, or why it could not be opened (shown by the UI instead of crashing).
struct AppState {
    store: Result<Mutex<Store>, ApiError>,
}

impl AppState {
    fn with_store<T>(
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

type State<'a> = tauri::State<'a, AppState>;

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
    pub delegation_name: String,
    pub delegation_leader: String,
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
    let json = builtin::json(&input.criteria_set)?;
    state.with_store(|s| {
        s.create_campaign(&NewCampaign {
            name: &input.name,
            year: input.year,
            province: &input.province,
            unit_group: &input.unit_group,
            criteria_set_json: json,
            delegation_name: &input.delegation_name,
            delegation_leader: &input.delegation_leader,
        })
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
fn add_unit(state: State<'_>, campaign_id: String, unit: NewUnit) -> ApiResult<Unit> {
    state.with_store(|s| s.add_unit(&campaign_id, &unit))
}

/// Imports a CSV or XLSX unit list; all or nothing, bad rows named by line.
#[tauri::command(async)]
fn import_units(state: State<'_>, campaign_id: String, bytes: Vec<u8>) -> ApiResult<Vec<Unit>> {
    let rows = visit::parse_unit_list(&bytes).map_err(invalid)?;
    let store = state.store.as_ref().map_err(Clone::clone)?;
    let mut guard = store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.import_units(&campaign_id, &rows).map_err(invalid)
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
) -> ApiResult<VisitView> {
    state.with_store(|s| {
        s.set_field(&visit_id, &code, field, &text)?;
        s.visit_view(&visit_id)
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

#[tauri::command(async)]
fn audit_log(
    state: State<'_>,
    visit_id: String,
    code: Option<String>,
) -> ApiResult<Vec<AuditEntry>> {
    state.with_store(|s| s.audit(&visit_id, code.as_deref()))
}

#[tauri::command(async)]
fn get_setting(state: State<'_>, key: String) -> ApiResult<Option<String>> {
    state.with_store(|s| s.setting(&key))
}

#[tauri::command(async)]
fn set_setting(state: State<'_>, key: String, value: String) -> ApiResult<()> {
    state.with_store(|s| s.set_setting(&key, &value))
}

pub fn run() {
    let data_dir = store::default_data_dir();
    let state = AppState {
        store: Store::open_dir(&data_dir)
            .map(Mutex::new)
            .map_err(ApiError::from),
    };
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            builtin_sets,
            criteria_set,
            campaigns,
            create_campaign,
            campaign_view,
            create_demo,
            add_unit,
            import_units,
            create_visit,
            visit_view,
            set_field,
            undo,
            lock_visit,
            unlock_visit,
            add_evidence,
            link_evidence,
            audit_log,
            get_setting,
            set_setting
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Thẩm Định window");
}
