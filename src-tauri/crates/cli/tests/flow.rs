//! CLI flows that chain commands (the visit id printed by `demo` feeds `visit show`).
use std::process::Command;

fn thamdinh(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    thamdinh_env(data_dir, args, "")
}

/// SQLite's own check of the store in `data_dir`.
fn integrity_check(data_dir: &std::path::Path) -> String {
    rusqlite::Connection::open(data_dir.join("thamdinh.sqlite3"))
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
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

    // The date written at the start is corrected (audited); the chain still verifies.
    let (ok, out, err) = thamdinh(
        dir.path(),
        &[
            "visit",
            "edit",
            "--visit",
            &visit,
            "--date",
            "16/01/2026",
            "--reason",
            "ghi nhầm",
        ],
    );
    assert!(
        ok && out.starts_with("16/01/2026 · Hội trường"),
        "{out}{err}"
    );
    let (_, list, _) = thamdinh(dir.path(), &["visit", "list"]);
    assert!(
        list.contains("16/01/2026") && !list.contains("15/01/2026"),
        "{list}"
    );
    let (ok, _, err) = thamdinh(
        dir.path(),
        &["visit", "edit", "--visit", &visit, "--date", "32/01/2026"],
    );
    assert!(!ok && err.contains("32/01/2026"), "{err}");

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
    let mut last_done = None;
    for i in 0..40u64 {
        let value = values[(i % 5) as usize];
        let text = format!("lý do {i} {value}");
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
            .arg(&text)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Every fourth writer runs to the end (so the last write is known); the others are
        // killed at a different moment each time, from before start-up to mid-transaction.
        if i % 4 != 3 {
            std::thread::sleep(std::time::Duration::from_micros(500 + (i * 7_919) % 60_000));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                killed += 1;
            }
        }
        let status = child.wait().unwrap();
        if status.success() {
            last_done = Some(text.trim().to_string()); // stored as typed, trimmed
        }
    }
    assert!(killed > 0, "no writer was killed: the test checked nothing");
    assert_eq!(integrity_check(dir.path()), "ok");
    let conn = rusqlite::Connection::open(dir.path().join("thamdinh.sqlite3")).unwrap();
    let reason: String = conn
        .query_row(
            "SELECT value FROM leaf_value WHERE code = '1.1.1' AND field = 'na_reason'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Writer 39 runs to the end, after every other: its value is the one stored, whole.
    assert_eq!(Some(reason), last_done, "{killed} of 40 writers killed");
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
        "mật khẩu của An",
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
    // A short passphrase is refused with what is needed.
    let (ok, _, err) = thamdinh_env(
        d,
        &["key", "new", "--out", d.join("short.key").to_str().unwrap()],
        "123",
    );
    assert!(
        !ok && err.contains("ít nhất 10 ký tự") && !d.join("short.key").exists(),
        "{err}"
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
    let (ok, out, err) = thamdinh_env(d, &export, "mật khẩu của An");
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

/// The contract of the issue, end to end through the binary: a delegation's laptop and Sở Nội vụ,
/// each with its own data dir.
#[test]
fn field_to_hq_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (field, hq) = (dir.path().join("field"), dir.path().join("hq"));
    let set = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cmd/data/sample.json");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let units = file("units.csv", "code,name,type\nX1,Xã A,xã\nX2,Xã B,xã\n");
    let new_campaign = |data: &std::path::Path| {
        let (ok, out, err) = thamdinh(
            data,
            &[
                "campaign",
                "new",
                "--name",
                "CCHC 2025",
                "--year",
                "2025",
                "--province",
                "Hà Tĩnh",
                "--group",
                "Xã",
                "--set",
                set,
            ],
        );
        assert!(ok, "{err}");
        let id = out.trim().to_string();
        let (ok, _, err) = thamdinh(data, &["unit", "import", "--campaign", &id, &units]);
        assert!(ok, "{err}");
        id
    };
    let (c_field, c_hq) = (new_campaign(&field), new_campaign(&hq));
    let (ok, visit, err) = thamdinh(
        &field,
        &[
            "visit",
            "new",
            "--campaign",
            &c_field,
            "--unit",
            "X1",
            "--date",
            "14/10/2025",
        ],
    );
    assert!(ok, "{err}");
    let visit = visit.trim().to_string();
    let bad = file("bad.csv", "code,self,appraised\n1.1.1,50,60\n2.1,20,abc\n");
    let (ok, _, err) = thamdinh(&field, &["visit", "score", "--visit", &visit, &bad]);
    assert!(
        !ok && err.contains("dòng 2") && err.contains("dòng 3"),
        "{err}"
    );
    let scores = file(
        "scores.csv",
        "code,self,appraised,reason\n1.1.1,50,45,thiếu văn bản\n1.1.2,NA,NA,không phát sinh\n1.1.3,8,8\n2.1,20,18,chậm\n2.2,,15\n",
    );
    let (ok, out, err) = thamdinh(&field, &["visit", "score", "--visit", &visit, &scores]);
    assert!(ok && out.contains("86/98 (87,76 %)"), "{out}{err}");
    assert!(thamdinh(&field, &["visit", "lock", "--visit", &visit]).0);
    let (ok, _, err) = thamdinh(
        &field,
        &["visit", "unlock", "--visit", &visit, "--reason", " "],
    );
    assert!(!ok, "unlock needs a reason: {err}");

    let key = dir.path().join("k.key").display().to_string();
    let pass = "correct horse battery";
    assert!(thamdinh_env(&field, &["key", "new", "--out", &key], pass).0);
    let out = dir.path().join("b.zip").display().to_string();
    let export = |args: &[&str]| {
        let mut a = vec!["bundle", "export", "--visit", &visit, "--key", &key];
        a.extend_from_slice(args);
        thamdinh_env(&field, &a, pass)
    };
    assert!(export(&["--out", &out]).0);
    let (ok, _, err) = export(&["--out", &out]);
    assert!(
        !ok && err.contains("--force"),
        "an existing file is not overwritten: {err}"
    );
    let (ok, _, err) = export(&["--out", &key, "--force"]);
    assert!(!ok && err.contains("khóa"), "never onto the key: {err}");
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .starts_with("untrusted comment")
    );

    let pubkey = format!("{key}.pub");
    let (ok, _, err) = thamdinh(&hq, &["hq", "trust", "add", &pubkey, "--name", "Đoàn 1"]);
    assert!(ok, "{err}");
    let (ok, lines, err) = thamdinh(&hq, &["hq", "import", &out, &out, "--json"]);
    assert!(ok, "{err}");
    let outcomes: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(outcomes[0]["status"], "imported");
    assert_eq!(outcomes[1]["status"], "duplicate");
    for o in &outcomes {
        for field in ["file", "status", "code", "message"] {
            assert!(o[field].is_string(), "{o}");
        }
    }
    let (ok, json, err) = thamdinh(&hq, &["hq", "results", "--campaign", &c_hq, "--json"]);
    assert!(ok, "{err}");
    let units: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let x1 = units.iter().find(|u| u["code"] == "X1").unwrap();
    assert_eq!(
        (
            &x1["points"],
            &x1["max"],
            &x1["index"],
            &x1["rank"],
            &x1["group"]
        ),
        (
            &"86".into(),
            &"98".into(),
            &"87.76".into(),
            &1.into(),
            &"xa".into()
        )
    );
    let x2 = units.iter().find(|u| u["code"] == "X2").unwrap();
    assert!(x2["rank"].is_null() && x2["status"] == "missing", "{x2}");
    // The bundles as words, not the program's debug text; a folder with no bundle says so.
    let (ok, listed, err) = thamdinh(&hq, &["hq", "bundles", "--campaign", &c_hq]);
    assert!(ok && listed.contains("được tính"), "{listed}{err}");
    assert!(
        !listed.contains('{') && !listed.contains("Counted"),
        "{listed}"
    );
    let empty = dir.path().join("trong");
    std::fs::create_dir(&empty).unwrap();
    let (ok, said, err) = thamdinh(&hq, &["hq", "import", empty.to_str().unwrap()]);
    assert!(!ok && err.contains("không có gói kết quả"), "{said}{err}");
    let xlsx = dir.path().join("p.xlsx");
    let (ok, _, err) = thamdinh(&hq, &["hq", "results", "--xlsx", xlsx.to_str().unwrap()]);
    assert!(
        ok && std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "{err}"
    );

    // A member co-signs; verification lists both signers, the member unchecked until trusted.
    let member = dir.path().join("m.key").display().to_string();
    assert!(
        thamdinh_env(
            &field,
            &["key", "new", "--out", &member, "--name", "Thành viên"],
            pass
        )
        .0
    );
    let (ok, said, err) = thamdinh_env(&field, &["bundle", "cosign", &out, "--key", &member], pass);
    assert!(ok && said.contains("Đã đồng ký"), "{said}{err}");
    let verify = |trust: &[&str]| {
        let mut a = vec!["bundle", "verify", out.as_str(), "--json"];
        for t in trust {
            a.extend(["--trust", t]);
        }
        let (ok, json, err) = thamdinh(&field, &a);
        assert!(ok, "{json}{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["leader"].as_bool().unwrap(),
                    s["trusted"].as_bool().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let member_pub = format!("{member}.pub");
    assert_eq!(verify(&[&pubkey]), [(true, true), (false, false)]);
    assert_eq!(
        verify(&[&pubkey, &member_pub]),
        [(true, true), (false, true)]
    );

    // Sở Nội vụ publishes signed results; anyone recomputes them from the bundles.
    let hq_key = dir.path().join("hq.key").display().to_string();
    assert!(thamdinh_env(&hq, &["key", "new", "--out", &hq_key], pass).0);
    let results = dir.path().join("ket-qua.zip").display().to_string();
    let (ok, said, err) = thamdinh_env(
        &hq,
        &[
            "hq",
            "publish",
            "--campaign",
            &c_hq,
            "--key",
            &hq_key,
            "--out",
            &results,
        ],
        pass,
    );
    assert!(ok && said.contains("Đã công bố"), "{said}{err}");
    let sources = dir.path().join("sources");
    std::fs::create_dir(&sources).unwrap();
    let (ok, said, err) = thamdinh(
        &hq,
        &["hq", "recompute", &results, sources.to_str().unwrap()],
    );
    assert!(!ok && err.contains("thiếu 1 gói nguồn"), "{said}{err}");
    // The first copy imported (before co-signing) is the source the results list.
    let (ok, json, err) = thamdinh(&hq, &["hq", "bundles", "--campaign", &c_hq, "--json"]);
    assert!(ok, "{err}");
    let stored: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sha = stored[0]["file_sha256"].as_str().unwrap();
    std::fs::copy(
        hq.join(format!("hq/bundles/{sha}.zip")),
        sources.join("b.zip"),
    )
    .unwrap();
    let (ok, said, err) = thamdinh(
        &hq,
        &[
            "hq",
            "recompute",
            &results,
            sources.to_str().unwrap(),
            "--trust",
            &format!("{hq_key}.pub"),
        ],
    );
    assert!(ok && said.contains("KHỚP"), "{said}{err}");
}

/// What Excel writes in a Vietnamese locale (`;` between cells, `1,5`) is read; a quote that
/// never closes is refused with its line, nothing written.
#[test]
fn semicolon_score_sheets_are_read_and_unclosed_quotes_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, out, _) = thamdinh(d, &["demo", "--set", "huyen-2024"]);
    let visit = out.lines().last().unwrap().trim().to_string();
    let sheet = d.join("excel.csv");
    std::fs::write(
        &sheet,
        "\u{feff}code;self;appraised;reason\n1.1.1;0,5;0,5;\n",
    )
    .unwrap();
    let (ok, out, err) = thamdinh(
        d,
        &["visit", "score", "--visit", &visit, sheet.to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    let (_, json, _) = thamdinh(d, &["visit", "show", "--visit", &visit, "--json"]);
    assert!(json.contains("\"visit_id\""), "{json}");
    let broken = d.join("broken.csv");
    std::fs::write(&broken, "code,self,appraised\n1.1.1,1,1\n1.1.2,\"1,0\n").unwrap();
    let (ok, _, err) = thamdinh(
        d,
        &[
            "visit",
            "score",
            "--visit",
            &visit,
            broken.to_str().unwrap(),
        ],
    );
    assert!(
        !ok && err.contains("dòng 3") && err.contains("không được đóng"),
        "{err}"
    );
}

/// A delegation splits a visit through the CLI: members export partial bundles from the plan's
/// campaign, the leader merges them (one JSON line per conflict), resolves, exports.
#[test]
fn members_partial_bundles_merge_into_the_leaders_visit() {
    let dir = tempfile::tempdir().unwrap();
    let set = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cmd/data/sample.json");
    let pass = "correct horse battery";
    let path = |name: &str| dir.path().join(name).display().to_string();
    let run = |data: &str, args: &[&str]| {
        let (ok, out, err) = thamdinh_env(std::path::Path::new(data), args, pass);
        assert!(ok, "{args:?}: {out}{err}");
        out
    };
    let leader = path("leader");
    let campaign = run(
        &leader,
        &[
            "campaign",
            "new",
            "--name",
            "CCHC",
            "--year",
            "2025",
            "--province",
            "Hà Tĩnh",
            "--group",
            "Xã",
            "--set",
            set,
        ],
    )
    .trim()
    .to_string();
    std::fs::write(path("units.csv"), "code,name,type\nX1,Xã A,xã\n").unwrap();
    run(
        &leader,
        &[
            "unit",
            "import",
            "--campaign",
            &campaign,
            &path("units.csv"),
        ],
    );
    run(&leader, &["key", "new", "--out", &path("leader.key")]);
    run(
        &leader,
        &[
            "campaign",
            "plan-export",
            "--campaign",
            &campaign,
            "--key",
            &path("leader.key"),
            "--out",
            &path("plan.zip"),
        ],
    );
    let new_visit = |data: &str| {
        run(
            data,
            &[
                "visit",
                "new",
                "--campaign",
                &campaign,
                "--unit",
                "X1",
                "--date",
                "14/10/2025",
            ],
        )
        .trim()
        .to_string()
    };
    let visit = new_visit(&leader);
    let mut parts = Vec::new();
    for (name, areas, code, value) in [("a", "1", "1.1.1", "50"), ("b", "1,2", "1.1.1", "45")] {
        let data = path(name);
        run(&data, &["campaign", "plan-import", &path("plan.zip")]);
        let v = new_visit(&data);
        run(
            &data,
            &[
                "visit", "set", "--visit", &v, "--code", code, "--value", value,
            ],
        );
        run(
            &data,
            &[
                "visit", "set", "--visit", &v, "--code", "2.1", "--value", "20",
            ],
        );
        let key = path(&format!("{name}.key"));
        run(&data, &["key", "new", "--out", &key, "--name", name]);
        let out = path(&format!("{name}.zip"));
        run(
            &data,
            &[
                "bundle", "export", "--visit", &v, "--areas", areas, "--key", &key, "--out", &out,
            ],
        );
        parts.push(out);
    }
    let lines = run(
        &leader,
        &[
            "visit",
            "merge-partial",
            "--visit",
            &visit,
            &parts[0],
            &parts[1],
            "--json",
        ],
    );
    let conflicts: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(conflicts.len(), 1, "{lines}");
    assert_eq!(
        (
            &conflicts[0]["code"],
            &conflicts[0]["ours"],
            &conflicts[0]["theirs"]
        ),
        (&"1.1.1".into(), &"50".into(), &"45".into())
    );
    // Again: nothing new.
    assert_eq!(
        run(
            &leader,
            &[
                "visit",
                "merge-partial",
                "--visit",
                &visit,
                &parts[1],
                "--json"
            ]
        ),
        ""
    );
    let (ok, _, err) = thamdinh(
        std::path::Path::new(&leader),
        &["visit", "lock", "--visit", &visit],
    );
    assert!(!ok && err.contains("1.1.1"), "{err}");
    run(
        &leader,
        &[
            "visit",
            "resolve",
            "--visit",
            &visit,
            "--code",
            "1.1.1",
            "--value",
            "47,5",
            "--reason",
            "theo biên bản",
        ],
    );
    run(&leader, &["visit", "lock", "--visit", &visit]);
    run(
        &leader,
        &[
            "bundle",
            "export",
            "--visit",
            &visit,
            "--key",
            &path("leader.key"),
            "--out",
            &path("visit.zip"),
        ],
    );
    let json = run(
        &leader,
        &[
            "bundle",
            "verify",
            &path("visit.zip"),
            "--trust",
            &path("leader.key.pub"),
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["visits"], 1);
}

/// English words that give a sentence away (hyphenated rejection codes such as `not-a-bag` are
/// codes, not words, and are allowed).
const ENGLISH: [&str; 22] = [
    "the",
    "is",
    "are",
    "not",
    "cannot",
    "must",
    "unknown",
    "invalid",
    "error",
    "found",
    "missing",
    "empty",
    "line",
    "please",
    "should",
    "needs",
    "no",
    "such",
    "file",
    "directory",
    "already",
    "reason",
];

/// The English words of what a person reads: plain lines as they are, JSON lines (machine output
/// whose keys are field names) by their string values.
fn english_words(text: &str) -> Vec<String> {
    fn strings(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::String(s) => out.push_str(&format!("{s}\n")),
            serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut prose = String::new();
    // The error's code for scripts (`[mã: not_found]`) is an identifier, not prose.
    let mut text = text.to_string();
    while let Some(at) = text.find(" [mã: ") {
        let end = text[at..].find(']').map_or(text.len(), |e| at + e + 1);
        text.replace_range(at..end, "");
    }
    for line in text.lines() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(value) if value.is_object() => strings(&value, &mut prose),
            _ => prose.push_str(&format!("{line}\n")),
        }
    }
    prose
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .map(str::to_lowercase)
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .collect()
}

/// Issue: "a test walks the error paths and finds no English sentence". Each wrong step a person
/// can take on the command line fails with a message in Vietnamese only.
#[test]
fn error_paths_speak_vietnamese_only() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let (ok, out, _) = thamdinh(dir.path(), &["demo"]);
    assert!(ok);
    let visit = out.lines().last().unwrap().trim().to_string();
    let (_, list, _) = thamdinh(dir.path(), &["visit", "list", "--json"]);
    let visits: serde_json::Value = serde_json::from_str(&list).unwrap();
    let campaign = visits[0]["campaign_id"].as_str().unwrap().to_string();
    let write = |name: &str, bytes: &[u8]| {
        let p = files.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let bad_units = write(
        "don-vi.csv",
        b"code,name,type,latitude,longitude\nX1,A,xa,abc,105\nXA001,B,xa,,\n",
    );
    let bad_scores = write("diem.csv", b"code,self,appraised\n1.1.1,,abc\n");
    let garbage = write("rac.zip", b"not a zip at all");
    let text = write("anh.jpg", b"plain text, not a photo");
    let missing = files
        .path()
        .join("khong-co.json")
        .to_str()
        .unwrap()
        .to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["visit", "show", "--visit", "khong-co-phieu-nay"],
        vec![
            "visit", "set", "--visit", &visit, "--code", "1.1.1", "--value", "abc",
        ],
        vec![
            "visit", "set", "--visit", &visit, "--code", "1.1.1", "--value", "-0,5",
        ],
        vec![
            "visit", "set", "--visit", &visit, "--code", "9.9.9", "--value", "1",
        ],
        vec![
            "visit", "set", "--visit", &visit, "--code", "1.1.1", "--field", "diem", "--value", "1",
        ],
        vec!["visit", "unlock", "--visit", &visit, "--reason", "sửa lại"],
        vec![
            "visit",
            "new",
            "--campaign",
            &campaign,
            "--unit",
            "XA001",
            "--date",
            "31/02/2025",
        ],
        vec![
            "visit",
            "new",
            "--campaign",
            &campaign,
            "--unit",
            "KHONGCO",
            "--date",
            "01/02/2025",
        ],
        vec!["visit", "score", "--visit", &visit, &bad_scores],
        vec!["unit", "import", "--campaign", &campaign, &bad_units],
        vec!["criteria", "validate", &missing],
        vec!["bundle", "verify", &garbage],
        vec!["photos", "add", "--visit", &visit, &text],
        vec!["restore", &garbage],
    ];
    for args in cases {
        let (ok, stdout, stderr) = thamdinh(dir.path(), &args);
        let said = format!("{stdout}{stderr}");
        assert!(!ok, "{args:?} should fail: {said}");
        assert!(!said.trim().is_empty(), "{args:?} says why");
        let english = english_words(&said);
        assert!(
            english.is_empty(),
            "{args:?} speaks English ({english:?}):\n{said}"
        );
    }
}

/// Two programs on one data folder at once (#10's concurrency suite): two writers, each its own
/// `thamdinh` process per edit, edit different leaves of the same visit at the same time. No
/// edit is lost or refused (the store waits for the other writer), every edit has its audit
/// entry, and the chain stays whole.
#[test]
fn two_writers_at_once_lose_no_edit() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = thamdinh(dir.path(), &["demo"]);
    assert!(ok);
    let visit = out.lines().last().unwrap().trim().to_string();
    let entries = |dir: &std::path::Path| -> i64 {
        let conn = rusqlite::Connection::open(dir.join("thamdinh.sqlite3")).unwrap();
        conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .unwrap()
    };
    let before = entries(dir.path());
    const EDITS: usize = 15;
    let writers: Vec<_> = ["1.1.1", "1.1.2"]
        .into_iter()
        .map(|code| {
            let (data, visit) = (dir.path().to_path_buf(), visit.clone());
            std::thread::spawn(move || {
                for i in 0..EDITS {
                    let text = format!("ghi chú {code} lần {i}");
                    let (ok, _, err) = thamdinh(
                        &data,
                        &[
                            "visit",
                            "set",
                            "--visit",
                            &visit,
                            "--code",
                            code,
                            "--field",
                            "explanation_request",
                            "--value",
                            &text,
                        ],
                    );
                    assert!(ok, "{code} edit {i} refused: {err}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(
        entries(dir.path()) - before,
        2 * EDITS as i64,
        "one audit entry per edit"
    );
    let (_, json, _) = thamdinh(dir.path(), &["visit", "show", "--visit", &visit, "--json"]);
    for code in ["1.1.1", "1.1.2"] {
        let conn = rusqlite::Connection::open(dir.path().join("thamdinh.sqlite3")).unwrap();
        let last: String = conn
            .query_row(
                "SELECT value FROM leaf_value WHERE code = ?1 AND field = 'explanation_request'",
                [code],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(last, format!("ghi chú {code} lần {}", EDITS - 1), "{json}");
    }
    let (ok, verified, err) = thamdinh(dir.path(), &["visit", "verify-audit", "--visit", &visit]);
    assert!(ok, "{verified}{err}");
}

/// Unmounts the small file system of [`a_full_disk_is_said_and_nothing_is_lost`] however the
/// test ends.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A full disk (#10's disk-full suite) on a 4 MB tmpfs: a write that needs space fails saying the
/// disk is full, in Vietnamese; the store stays whole and keeps what it had; once space is freed
/// the same write goes through. Skipped, saying why, where a tmpfs cannot be mounted (not root).
#[test]
fn a_full_disk_is_said_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (needs root); the disk-full case is not run");
        return;
    }
    let _guard = Mounted(dir.path().to_path_buf());
    let data = dir.path().join("data");
    let (ok, out, err) = thamdinh(&data, &["demo"]);
    assert!(ok, "{err}");
    let visit = out.lines().last().unwrap().trim().to_string();
    let (_, list, _) = thamdinh(&data, &["visit", "list", "--json"]);
    let campaign = serde_json::from_str::<serde_json::Value>(&list).unwrap()[0]["campaign_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, before, _) = thamdinh(&data, &["visit", "show", "--visit", &visit, "--json"]);
    // A signing key and a photo, both off the small disk: what fails below is the store's side.
    let outside = tempfile::tempdir().unwrap();
    let key = outside.path().join("an.key");
    let key_s = key.to_str().unwrap();
    assert!(thamdinh_env(&data, &["key", "new", "--out", key_s], "mật khẩu của An").0);
    let photo = outside.path().join("IMG_0001.jpg");
    image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
    })
    .save(&photo)
    .unwrap();
    let photo_s = photo.to_str().unwrap();
    let bundle = dir.path().join("ket-qua.zip");
    let bundle_s = bundle.to_str().unwrap();
    let export = || {
        thamdinh_env(
            &data,
            &[
                "bundle", "export", "--visit", &visit, "--key", key_s, "--out", bundle_s,
            ],
            "mật khẩu của An",
        )
    };
    // Fill what is left, then ask for more: 4 000 units need far more than a free page.
    let filler = dir.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        while f.write_all(&block[..512]).is_ok() {}
        let _ = f.sync_all();
    }
    let units: String = std::iter::once("code,name,type\n".to_string())
        .chain((0..4000).map(|i| format!("X{i:04},Xã số {i} có tên khá dài cho đủ chỗ,xa\n")))
        .collect();
    let list_file = std::env::temp_dir().join(format!("don-vi-{}.csv", std::process::id()));
    std::fs::write(&list_file, units).unwrap();
    let import = || {
        let list = list_file.to_str().unwrap();
        thamdinh(&data, &["unit", "import", "--campaign", &campaign, list])
    };
    let (ok, _, err) = import();
    assert!(!ok, "a full disk cannot take 4 000 units");
    assert!(err.contains("ổ đĩa"), "says the disk is the problem: {err}");
    assert!(english_words(&err).is_empty(), "in Vietnamese: {err}");
    // A read on the full disk works, or (when SQLite cannot even grow its shared-memory file)
    // says the disk is full, in Vietnamese: never a crash, never the raw "disk I/O error".
    let (ok, _, err) = thamdinh(&data, &["visit", "show", "--visit", &visit, "--json"]);
    assert!(
        ok || (err.contains("ổ đĩa") && english_words(&err).is_empty()),
        "{err}"
    );

    // A photo import: refused whole, saying the disk is full; no photo row, no file left behind.
    let (ok, out, err) = thamdinh(&data, &["photos", "add", "--visit", &visit, photo_s]);
    let said = format!("{out}{err}");
    assert!(!ok && said.contains("ổ đĩa"), "{said}");
    assert!(english_words(&said).is_empty(), "in Vietnamese: {said}");
    assert!(
        out.lines().all(|l| l.contains("\"error\"")),
        "no photo said stored: {out}"
    );
    // An export onto the full disk: refused, saying so, and nothing at (or beside) the target.
    let (ok, out, err) = export();
    assert!(!ok && err.contains("ổ đĩa"), "{out}{err}");
    assert!(english_words(&err).is_empty(), "in Vietnamese: {err}");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "data" && n != "filler")
        .collect();
    assert!(
        beside.is_empty(),
        "no bundle nor part file left: {beside:?}"
    );

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(integrity_check(&data), "ok", "the store is whole");
    let (ok, after, _) = thamdinh(&data, &["visit", "show", "--visit", &visit, "--json"]);
    assert!(ok && after == before, "and holds what it held");
    let (ok, _, err) = import();
    let _ = std::fs::remove_file(&list_file);
    assert!(ok, "with space again the same import goes through: {err}");
    let (ok, out, err) = thamdinh(&data, &["photos", "add", "--visit", &visit, photo_s]);
    assert!(
        ok && out.lines().count() == 1,
        "and the same photo: {out}{err}"
    );
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        line["sha256"].is_string() && line.get("error").is_none(),
        "{out}"
    );
    // And the export: a bundle that verifies and carries the photo added once space was back.
    let (ok, out, err) = export();
    assert!(ok && bundle.exists(), "and the export: {out}{err}");
    let pub_s = format!("{key_s}.pub");
    let (ok, out, err) = thamdinh(
        &data,
        &["bundle", "verify", bundle_s, "--trust", &pub_s, "--json"],
    );
    assert!(ok, "{out}{err}");
    let verified: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(verified["revision"].as_u64().is_some(), "{out}");
    let zip = std::fs::File::open(&bundle).unwrap();
    let names: Vec<String> = zip::ZipArchive::new(zip)
        .unwrap()
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let sha = line["sha256"].as_str().unwrap();
    assert!(names.iter().any(|n| n.contains(sha)), "{names:?}");
}

/// A restore never swaps a data folder another program has open (#22): the other program — here
/// this test process, holding the store as the app does — is named, nothing changes, and once it
/// lets go the restore goes through.
#[test]
fn restore_is_refused_while_another_program_has_the_data_open_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(thamdinh(&data, &["demo"]).0);
    let backup = dir.path().join("sao-luu.zip");
    let (ok, _, err) = thamdinh(&data, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(ok, "{err}");
    let open = thamdinh_core::store::Store::open_dir(&data).unwrap();
    let (ok, out, err) = thamdinh(&data, &["restore", backup.to_str().unwrap()]);
    assert!(!ok, "{out}");
    let me = format!("(pid {})", std::process::id());
    assert!(
        err.contains("đang được mở bởi") && err.contains(&me),
        "names the holder {me}: {err}"
    );
    assert_eq!(err.matches("đang được mở").count(), 1, "said once: {err}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".thamdinh-restore") || n.contains("truoc-khoi-phuc"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    drop(open);
    let (ok, _, err) = thamdinh(&data, &["restore", backup.to_str().unwrap()]);
    assert!(ok, "{err}");
}

/// `thamdinh visit show … | head -1`: the reader leaves early; the command ends quietly (as a Unix
/// tool killed by SIGPIPE, 141), never with a panic on the closed pipe.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = thamdinh(dir.path(), &["demo"]);
    assert!(ok);
    let visit = out.lines().last().unwrap().trim().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_thamdinh"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["visit", "show", "--visit", &visit])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader is gone before the command prints its first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// What was entered by mistake can be corrected or taken back (#23), each with the reason in the
/// visit's log: an evidence item edited then removed, a stray photo removed (in no later bundle,
/// its files gone), a unit without work removed (one with work refused), a campaign archived
/// and back, then deleted — first only said, then with --yes.
#[test]
fn what_was_entered_by_mistake_is_corrected_or_removed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, _) = thamdinh(&data, &["demo"]);
    assert!(ok);
    let visit = out.lines().last().unwrap().trim().to_string();
    let (_, list, _) = thamdinh(&data, &["evidence", "list", "--visit", &visit, "--json"]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let id = items[0]["id"].as_str().unwrap().to_string();

    let (ok, said, err) = thamdinh(
        &data,
        &[
            "evidence",
            "edit",
            "--id",
            &id,
            "--summary",
            "Kế hoạch CCHC (bản đúng)",
            "--leaf",
            "1.1.1",
            "--reason",
            "gõ nhầm",
        ],
    );
    assert!(ok, "{said}{err}");
    let (_, list, _) = thamdinh(&data, &["evidence", "list", "--visit", &visit, "--json"]);
    let items: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let edited = items.iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!(edited["summary"], "Kế hoạch CCHC (bản đúng)");
    assert_eq!(edited["leaves"], serde_json::json!(["1.1.1"]));
    let (ok, _, err) = thamdinh(&data, &["evidence", "remove", "--id", &id, "--reason", " "]);
    assert!(
        !ok && err.contains("lý do"),
        "a removal needs its reason: {err}"
    );
    let (ok, _, err) = thamdinh(
        &data,
        &["evidence", "remove", "--id", &id, "--reason", "nhập trùng"],
    );
    assert!(ok, "{err}");
    let (_, list, _) = thamdinh(&data, &["evidence", "list", "--visit", &visit, "--json"]);
    assert!(!list.contains(&id), "{list}");

    let photo = dir.path().join("rieng-tu.jpg");
    image::RgbImage::from_fn(320, 240, |x, y| image::Rgb([x as u8, y as u8, 7]))
        .save(&photo)
        .unwrap();
    let (ok, lines, err) = thamdinh(
        &data,
        &["photos", "add", "--visit", &visit, photo.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let added: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    let sha = added["sha256"].as_str().unwrap().to_string();
    let original = data
        .join("photos")
        .join(added["original"].as_str().unwrap());
    assert!(original.is_file(), "{}", original.display());
    let (ok, _, err) = thamdinh(
        &data,
        &[
            "photos",
            "remove",
            "--visit",
            &visit,
            &sha,
            "--reason",
            "ảnh riêng tư",
        ],
    );
    assert!(ok, "{err}");
    let left: i64 = rusqlite::Connection::open(data.join("thamdinh.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM photo WHERE sha256 = ?1",
            [&sha],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    assert!(!original.exists(), "the photo's file went");
    let actions: Vec<String> = rusqlite::Connection::open(data.join("thamdinh.sqlite3"))
        .unwrap()
        .prepare("SELECT action || ':' || reason FROM audit WHERE visit_id = ?1 AND action LIKE '%e_%' ORDER BY seq")
        .unwrap()
        .query_map([&visit], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for expected in [
        "edit_evidence:gõ nhầm",
        "remove_evidence:nhập trùng",
        "remove_photo:ảnh riêng tư",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
    assert!(thamdinh(&data, &["visit", "verify-audit", "--visit", &visit]).0);

    let (_, list, _) = thamdinh(&data, &["campaign", "list", "--json"]);
    let campaign = serde_json::from_str::<serde_json::Value>(&list).unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, _, err) = thamdinh(
        &data,
        &["unit", "remove", "--campaign", &campaign, "--unit", "XA001"],
    );
    assert!(!ok && err.contains("đã có công việc"), "{err}");
    let (ok, _, err) = thamdinh(
        &data,
        &["unit", "remove", "--campaign", &campaign, "--unit", "XA002"],
    );
    assert!(ok, "{err}");

    let (ok, said, _) = thamdinh(&data, &["campaign", "archive", "--campaign", &campaign]);
    assert!(ok && said.contains("lưu trữ"), "{said}");
    let (_, list, _) = thamdinh(&data, &["campaign", "list", "--json"]);
    assert!(
        serde_json::from_str::<serde_json::Value>(&list).unwrap()[0]["archived_at"].is_string()
    );
    assert!(thamdinh(&data, &["campaign", "unarchive", "--campaign", &campaign]).0);
    let (_, list, _) = thamdinh(&data, &["campaign", "list", "--json"]);
    assert!(serde_json::from_str::<serde_json::Value>(&list).unwrap()[0]["archived_at"].is_null());

    let (ok, said, _) = thamdinh(&data, &["campaign", "delete", "--campaign", &campaign]);
    assert!(
        !ok && said.contains("1 phiếu thẩm định") && said.contains("--yes"),
        "{said}"
    );
    assert!(
        thamdinh(&data, &["visit", "show", "--visit", &visit]).0,
        "nothing went yet"
    );
    let (ok, said, err) = thamdinh(
        &data,
        &["campaign", "delete", "--campaign", &campaign, "--yes"],
    );
    assert!(ok && said.contains("Đã xóa"), "{said}{err}");
    let (_, list, _) = thamdinh(&data, &["campaign", "list", "--json"]);
    assert_eq!(list.trim(), "[]");
    assert!(!thamdinh(&data, &["visit", "show", "--visit", &visit]).0);
    assert_eq!(integrity_check(&data), "ok");
    let guards: i64 = rusqlite::Connection::open(data.join("thamdinh.sqlite3"))
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(guards, 4, "the logs are append-only again");
}
