//! Commands for files a person keeps, prints or signs by hand: backup and restore of the data,
//! the minutes PDF, the visit workbook, the unit's drawn acknowledgement. Each takes the state,
//! calls one core (or reports) function and maps the error; the paths are the ones the person
//! picked in a dialog.
use std::path::Path;
use std::sync::atomic::AtomicBool;

use thamdinh_core::acknowledgement::Acknowledgement;
use thamdinh_core::backup::{BackupReminder, BackupSummary, RestoreSummary};
use thamdinh_reports::minutes::PhotoChoice;

use crate::{ApiResult, State};

#[tauri::command(async)]
pub fn backup(state: State<'_>, out: String) -> ApiResult<BackupSummary> {
    state.with_store(|s| s.backup(Path::new(&out), &|_, _| {}, &AtomicBool::new(false)))
}

#[tauri::command(async)]
pub fn restore(state: State<'_>, file: String) -> ApiResult<RestoreSummary> {
    state.with_store(|s| s.restore_from(Path::new(&file), &AtomicBool::new(false)))
}

#[tauri::command(async)]
pub fn backup_reminder(state: State<'_>) -> ApiResult<Option<BackupReminder>> {
    state.with_store(|s| s.backup_reminder(7))
}

/// The photos the person ticked (not given: those linked to the visit's leaves or evidence).
fn photo_choice(photos: Option<Vec<String>>) -> PhotoChoice {
    match photos {
        None => PhotoChoice::Linked,
        Some(list) if list.is_empty() => PhotoChoice::None,
        Some(list) => PhotoChoice::Chosen(list),
    }
}

/// The minutes of a visit with the photos the person ticked; returns the file written.
#[tauri::command(async)]
pub fn report_minutes(
    state: State<'_>,
    visit_id: String,
    out: String,
    photos: Option<Vec<String>>,
) -> ApiResult<String> {
    save_minutes(
        state,
        &visit_id,
        out,
        photos,
        thamdinh_reports::minutes::minutes_pdf,
    )
}

/// The minutes made by `make` (PDF or .docx) with the photos ticked, written where the person
/// picked; returns the file written.
fn save_minutes(
    state: State<'_>,
    visit_id: &str,
    out: String,
    photos: Option<Vec<String>>,
    make: fn(&thamdinh_core::store::Store, &str, &PhotoChoice) -> thamdinh_core::Result<Vec<u8>>,
) -> ApiResult<String> {
    let choice = photo_choice(photos);
    state.with_store(|s| {
        let bytes = make(s, visit_id, &choice)?;
        thamdinh_core::files::write_atomic(Path::new(&out), &bytes)
    })?;
    Ok(out)
}

/// The same minutes as .docx, to edit in Word before signing; returns the file written.
#[tauri::command(async)]
pub fn report_minutes_docx(
    state: State<'_>,
    visit_id: String,
    out: String,
    photos: Option<Vec<String>>,
) -> ApiResult<String> {
    save_minutes(
        state,
        &visit_id,
        out,
        photos,
        thamdinh_reports::minutes::minutes_docx,
    )
}

/// The first page of those minutes as SVG, shown before the person saves.
#[tauri::command(async)]
pub fn report_minutes_preview(
    state: State<'_>,
    visit_id: String,
    photos: Option<Vec<String>>,
) -> ApiResult<Vec<String>> {
    let choice = photo_choice(photos);
    state.with_store(|s| thamdinh_reports::minutes::pages_svg(s, &visit_id, &choice))
}

/// Shows a file just written (a bundle, a PDF) in the system's file manager.
#[tauri::command(async)]
pub fn open_folder(path: String) -> ApiResult<String> {
    Ok(thamdinh_core::files::open_folder(Path::new(&path))?
        .display()
        .to_string())
}

#[tauri::command(async)]
pub fn report_visit_xlsx(state: State<'_>, visit_id: String, out: String) -> ApiResult<String> {
    state.with_store(|s| {
        let bytes = thamdinh_reports::visit_xlsx::visit_workbook(s, &visit_id)?;
        thamdinh_core::files::write_atomic(Path::new(&out), &bytes)
    })?;
    Ok(out)
}

#[tauri::command(async)]
pub fn acknowledgement(state: State<'_>, visit_id: String) -> ApiResult<Option<Acknowledgement>> {
    state.with_store(|s| s.acknowledgement(&visit_id))
}

/// The drawn acknowledgement as saved (PNG bytes; empty when none), shown back on the visit.
#[tauri::command(async)]
pub fn acknowledgement_image(
    state: State<'_>,
    visit_id: String,
) -> ApiResult<tauri::ipc::Response> {
    let png = state.with_store(|s| s.acknowledgement_image(&visit_id))?;
    Ok(tauri::ipc::Response::new(png.unwrap_or_default()))
}

/// Records the unit's drawn acknowledgement (a PNG from the signature pad).
#[tauri::command(async)]
pub fn acknowledge(
    state: State<'_>,
    visit_id: String,
    name: String,
    title: String,
    png: Vec<u8>,
) -> ApiResult<Acknowledgement> {
    state.with_store(|s| s.acknowledge(&visit_id, &name, &title, &png))
}
