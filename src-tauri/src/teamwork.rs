//! Commands of the delegation's work on a visit: merge members' partial bundles (paths the
//! leader picked or typed), settle the leaves they scored differently, record the conclusions. Each takes the state, calls one core function
//! and maps the error.
use thamdinh_core::conclusions::{Conclusion, ConclusionKind};
use thamdinh_core::teamwork::{LeafConflict, MergeOutcome};

use crate::{ApiResult, State};

/// Merges each partial bundle in turn; stops at the first that cannot be merged (named).
#[tauri::command(async)]
pub fn merge_partial(
    state: State<'_>,
    visit_id: String,
    paths: Vec<String>,
) -> ApiResult<Vec<MergeOutcome>> {
    state.with_store(|s| {
        let keys = s.verification_keys()?;
        paths
            .iter()
            .map(|p| s.merge_partial(&visit_id, std::path::Path::new(p), &keys))
            .collect()
    })
}

#[tauri::command(async)]
pub fn visit_conflicts(state: State<'_>, visit_id: String) -> ApiResult<Vec<LeafConflict>> {
    state.with_store(|s| s.visit_conflicts(&visit_id))
}

/// Settles one conflict; returns those left.
#[tauri::command(async)]
pub fn resolve_leaf(
    state: State<'_>,
    visit_id: String,
    code: String,
    value: String,
    reason: String,
) -> ApiResult<Vec<LeafConflict>> {
    state.with_store(|s| {
        s.resolve_leaf(&visit_id, &code, &value, &reason)?;
        s.visit_conflicts(&visit_id)
    })
}

#[tauri::command(async)]
pub fn conclusions(state: State<'_>, visit_id: String) -> ApiResult<Vec<Conclusion>> {
    state.with_store(|s| s.conclusions(&visit_id))
}

/// Adds one of the delegation's conclusions; `leaves` comma-separated, `deadline` dd/mm/yyyy.
#[tauri::command(async)]
pub fn add_conclusion(
    state: State<'_>,
    visit_id: String,
    kind: ConclusionKind,
    text: String,
    leaves: String,
    deadline: String,
) -> ApiResult<Vec<Conclusion>> {
    let leaves: Vec<String> = leaves.split(',').map(|c| c.trim().to_string()).collect();
    state.with_store(|s| {
        s.add_conclusion(&visit_id, kind, &text, &leaves, Some(&deadline))?;
        s.conclusions(&visit_id)
    })
}

#[tauri::command(async)]
pub fn remove_conclusion(
    state: State<'_>,
    visit_id: String,
    id: String,
) -> ApiResult<Vec<Conclusion>> {
    state.with_store(|s| {
        s.remove_conclusion(&visit_id, &id)?;
        s.conclusions(&visit_id)
    })
}
