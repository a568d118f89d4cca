//! Commands for the forms that travel to the units and back as Excel files: the self-assessment
//! forms of a campaign and a visit's explanation form. Each takes the state, calls one core
//! function and maps the error; paths are the ones the person typed or picked.
use std::path::Path;

use thamdinh_core::explain_form::ExplainImport;
use thamdinh_core::self_form::SelfFormLine;

use crate::{ApiResult, State};

/// Writes the campaign's self-assessment forms (all units, or those given) into a folder.
#[tauri::command(async)]
pub fn self_forms_write(
    state: State<'_>,
    campaign_id: String,
    out_dir: String,
    units: Vec<String>,
) -> ApiResult<Vec<String>> {
    state.with_store(|s| {
        let written = s.write_self_forms(&campaign_id, Path::new(&out_dir), &units)?;
        Ok(written.iter().map(|p| p.display().to_string()).collect())
    })
}

/// Reads a folder of filled forms: one line per form.
#[tauri::command(async)]
pub fn self_forms_import(
    state: State<'_>,
    campaign_id: String,
    folder: String,
) -> ApiResult<Vec<SelfFormLine>> {
    state.with_store(|s| s.import_self_forms(&campaign_id, Path::new(&folder)))
}

/// Writes a visit's explanation form; returns the leaves it lists.
#[tauri::command(async)]
pub fn explain_form_write(
    state: State<'_>,
    visit_id: String,
    out: String,
) -> ApiResult<Vec<String>> {
    state.with_store(|s| s.write_explain_form(&visit_id, Path::new(&out)))
}

/// Records the unit's answers of its explanation form.
#[tauri::command(async)]
pub fn explain_form_import(
    state: State<'_>,
    visit_id: String,
    file: String,
) -> ApiResult<ExplainImport> {
    state.with_store(|s| {
        let bytes = std::fs::read(&file)
            .map_err(|e| thamdinh_core::Mistake::cannot_read(Path::new(&file), &e))?;
        s.import_explain_form(&visit_id, &bytes)
    })
}
