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
