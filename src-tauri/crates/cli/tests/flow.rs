//! CLI flows that chain commands (the visit id printed by `demo` feeds `visit show`).
use std::process::Command;

fn thamdinh(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_thamdinh"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn demo_then_list_show_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = thamdinh(dir.path(), &["demo"]);
    assert!(ok);
    let visit = out.lines().last().unwrap().trim().to_string();
    assert_eq!(visit.len(), 36, "a UUID on the last line: {out}");

    let (ok, list, _) = thamdinh(dir.path(), &["visit", "list"]);
    assert!(
        ok && list.contains(&visit)
            && list.contains("XA001 Xã Thạch Lạc")
            && list.contains("15/01/2026"),
        "{list}"
    );

    let (ok, json, _) = thamdinh(dir.path(), &["visit", "show", "--visit", &visit, "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let total = &v["appraised"]["total"];
    assert_eq!(v["areas"].as_array().unwrap().len(), 8);
    // The text form shows the same figures, Vietnamese style.
    let points = total["points"].as_str().unwrap().replace('.', ",");
    let index = total["index"].as_str().unwrap().replace('.', ",");
    let (ok, text, _) = thamdinh(dir.path(), &["visit", "show", "--visit", &visit]);
    assert!(
        ok && text.contains(&format!(
            "{points} / {} điểm, chỉ số {index} %",
            total["max"].as_str().unwrap()
        )),
        "{text}"
    );

    let (ok, verified, _) = thamdinh(dir.path(), &["visit", "verify-audit", "--visit", &visit]);
    assert!(ok && verified.starts_with("OK"), "{verified}");

    let (ok, _, err) = thamdinh(dir.path(), &["visit", "show", "--visit", "no-such-visit"]);
    assert!(!ok && err.contains("no-such-visit"), "{err}");
}

/// Edits from processes killed with SIGKILL at arbitrary moments never corrupt the store: the
/// database passes SQLite's integrity check, the audit chain verifies, and every stored value is
/// one that some process wrote whole.
#[test]
fn kill_9_during_edits_loses_at_most_the_edit_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out, _) = thamdinh(dir.path(), &["demo"]);
    let visit = out.lines().last().unwrap().trim().to_string();
    let values = ["0", "0,25", "0,5", "NA", ""];
    let mut killed = 0;
    for i in 0..40u64 {
        let value = values[(i % 5) as usize];
        let mut child = Command::new(env!("CARGO_BIN_EXE_thamdinh"))
            .arg("--data-dir")
            .arg(dir.path())
            .args([
                "visit",
                "set",
                "--visit",
                &visit,
                "--code",
                "1.1.1",
                "--field",
                "na_reason",
                "--value",
            ])
            .arg(format!("lý do {i} {value}"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment each time: from before startup to mid-transaction.
        std::thread::sleep(std::time::Duration::from_micros(500 + (i * 7_919) % 60_000));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
    }
    eprintln!("{killed} of 40 writers were killed mid-flight");
    let conn = rusqlite::Connection::open(dir.path().join("thamdinh.sqlite3")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let reason: Option<String> = conn
        .query_row(
            "SELECT value FROM leaf_value WHERE code = '1.1.1' AND field = 'na_reason'",
            [],
            |r| r.get(0),
        )
        .ok();
    if let Some(reason) = reason {
        assert!(
            reason.starts_with("lý do "),
            "a whole value, not a torn one: {reason:?}"
        );
    }
    drop(conn);
    let (ok, verified, err) = thamdinh(dir.path(), &["visit", "verify-audit", "--visit", &visit]);
    assert!(ok, "{verified}{err}");
}
