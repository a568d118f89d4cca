//! CLI flows that chain commands (the visit id printed by `demo` feeds `visit show`).
use std::process::Command;

fn thamdinh(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    thamdinh_env(data_dir, args, "")
}

/// Runs the CLI with `THAMDINH_PASSPHRASE` set.
fn thamdinh_env(
    data_dir: &std::path::Path,
    args: &[&str],
    passphrase: &str,
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_thamdinh"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("THAMDINH_PASSPHRASE", passphrase)
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

#[test]
fn key_new_export_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("an.key");
    let key_s = key.to_str().unwrap();
    let (ok, out, err) = thamdinh_env(
        d,
        &["key", "new", "--out", key_s, "--name", "Nguyễn Văn An"],
        "mật khẩu",
    );
    assert!(ok, "{err}");
    let key_id = out
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let pub_text = std::fs::read_to_string(d.join("an.key.pub")).unwrap();
    assert!(
        pub_text.starts_with(&format!(
            "untrusted comment: minisign public key: {key_id}\n"
        )),
        "{pub_text}"
    );
    // A second `key new` on the same path refuses rather than lose the key in use.
    let (ok, _, err) = thamdinh_env(d, &["key", "new", "--out", key_s], "x");
    assert!(!ok && err.contains("đã tồn tại"), "{err}");

    let (_, out, _) = thamdinh(d, &["demo"]);
    let visit = out.lines().last().unwrap().trim().to_string();
    let zip = d.join("b.zip");
    let zip_s = zip.to_str().unwrap();
    let export = [
        "bundle", "export", "--visit", &visit, "--key", key_s, "--out", zip_s,
    ];
    let (ok, _, err) = thamdinh_env(d, &export, "sai");
    assert!(
        !ok && err.contains("sai mật khẩu") && !zip.exists(),
        "{err}"
    );
    let (ok, out, err) = thamdinh_env(d, &export, "mật khẩu");
    assert!(
        ok && out.contains("(bản 1)") && out.contains(&key_id),
        "{out}{err}"
    );

    let pub_path = d.join("an.key.pub");
    let verify = |extra: &[&str]| {
        let mut args = vec!["bundle", "verify", zip_s, "--json"];
        args.extend_from_slice(extra);
        thamdinh(d, &args)
    };
    let (ok, json, _) = verify(&["--trust", pub_path.to_str().unwrap()]);
    assert!(ok, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["signer_key_id"], key_id.as_str());
    assert_eq!(v["revision"], 1);
    let (ok, json, _) = verify(&[]);
    assert!(!ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rejected"]["code"], "untrusted-signer");
}
