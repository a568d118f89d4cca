//! The Tauri shell: opens the store, registers the commands. Each command takes state, calls
//! `thamdinh_core` and maps the error; nothing else lives here.
use std::sync::Mutex;

use serde::Serialize;
use thamdinh_core::builtin::{self, SetSummary};
use thamdinh_core::criteria::CriteriaSet;
use thamdinh_core::scoring::{self, Scores, SetTotals};
use thamdinh_core::store::{self, Campaign, Store};
use ts_rs::TS;

/// The codes the UI acts on; everything else is `internal` with its message.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    DatabaseTooNew,
    NotFound,
    Invalid,
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
            E::UnknownCriteriaSet(_) => ErrorCode::NotFound,
            E::InvalidCriteria(_) | E::InvalidValue(_) => ErrorCode::Invalid,
            E::Sqlite(_) | E::Io(_) => ErrorCode::Internal,
        };
        ApiError {
            code,
            message: e.to_string(),
        }
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

/// A criteria set with its totals (no values entered yet: points 0, maxima as defined).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SetView {
    pub set: CriteriaSet,
    pub totals: SetTotals,
}

#[tauri::command(async)]
fn builtin_sets() -> Vec<SetSummary> {
    builtin::summaries()
}

#[tauri::command(async)]
fn criteria_set(key: String) -> ApiResult<SetView> {
    let set = builtin::find(&key)?;
    let totals = scoring::totals(&set, &Scores::new());
    Ok(SetView { set, totals })
}

#[tauri::command(async)]
fn campaigns(state: tauri::State<'_, AppState>) -> ApiResult<Vec<Campaign>> {
    state.with_store(|s| s.campaigns())
}

#[tauri::command(async)]
fn get_setting(state: tauri::State<'_, AppState>, key: String) -> ApiResult<Option<String>> {
    state.with_store(|s| s.setting(&key))
}

#[tauri::command(async)]
fn set_setting(state: tauri::State<'_, AppState>, key: String, value: String) -> ApiResult<()> {
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
            get_setting,
            set_setting
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Thẩm Định window");
}
