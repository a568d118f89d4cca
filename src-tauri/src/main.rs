// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    avoid_slow_webkit_renderer();
    thamdinh_app_lib::run();
}

/// On Linux without a GPU render node (virtual machines, remote desktops, Xvfb), WebKitGTK's
/// DMA-BUF renderer falls back to a path that repaints the whole window in software: measured
/// here, any text change costs ~70 ms to paint and a score edit ~110 ms to reach the screen,
/// against ~10 ms and ~15 ms with the shared-memory renderer. Machines with a GPU keep the
/// default; an explicit setting by the user is respected.
fn avoid_slow_webkit_renderer() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    let has_render_node = std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    if cfg!(target_os = "linux") && !has_render_node && std::env::var_os(VAR).is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists, so nothing can
        // read the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(VAR, "1")
        };
    }
}
