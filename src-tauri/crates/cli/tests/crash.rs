//! The crash suite: `kill -9` at seeded moments of photo import, evidence attach and export — at
//! least 30 kills each, from before start-up to the last rename. After each kill the store is
//! whole and every write the CLI reported done is there; at the end no row points to a missing
//! file, the next start leaves no temp file, no bundle sits at a target path unrecorded, and no
//! revision repeats. The moments come from a fixed seed over the measured length of a whole run,
//! so a failure replays with the same kills on the same machine.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: usize = 30;
const PASSPHRASE: &str = "mật khẩu của An";

/// xorshift64*: enough to spread kill moments, and the same ones for the same seed.
struct Moments(u64);

impl Moments {
    fn next_fraction(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn cli(data_dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_thamdinh"));
    c.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("THAMDINH_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run_ok(data_dir: &Path, args: &[&str]) -> String {
    let out = cli(data_dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `command`, killing it after `after` unless it ended first; returns whether it was killed
/// and what it printed (what it reported done before it died).
fn run_until_killed(mut command: Command, after: Duration) -> (bool, String) {
    let mut child = command.spawn().unwrap();
    let start = Instant::now();
    let mut killed = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() >= after {
            child.kill().unwrap(); // SIGKILL
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let out = child.wait_with_output().unwrap();
    (killed, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Kills `command_for(i)` at seeded moments spread over the length of a whole run (measured on
/// run 0, which completes, and again on every run that completes before its moment, so a loaded
/// machine keeps the kills inside the work), until `KILLS` kills happened;
/// `check(i, killed, stdout)` runs after each. Panics if too few kills landed (the suite would
/// check nothing).
fn kill_repeatedly(
    seed: u64,
    mut command_for: impl FnMut(usize) -> Command,
    mut check: impl FnMut(usize, bool, &str),
) {
    // Preparing a run (writing its photos) is not part of it: the clock starts at the spawn.
    let first = command_for(0);
    let start = Instant::now();
    let (_, out) = run_until_killed(first, Duration::from_secs(600));
    let mut whole = start.elapsed();
    check(0, false, &out);
    let mut moments = Moments(seed);
    let mut kills = 0;
    let mut i = 1;
    while kills < KILLS && i < 6 * KILLS {
        let after = whole.mul_f64(moments.next_fraction());
        let command = command_for(i);
        let start = Instant::now();
        let (killed, out) = run_until_killed(command, after);
        if !killed {
            whole = start.elapsed();
        }
        kills += usize::from(killed);
        check(i, killed, &out);
        i += 1;
    }
    assert!(
        kills >= KILLS,
        "only {kills} kills in {i} runs of about {whole:?}"
    );
}

fn query<T: rusqlite::types::FromSql>(data_dir: &Path, sql: &str) -> Vec<T> {
    let conn = rusqlite::Connection::open(data_dir.join("thamdinh.sqlite3")).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn assert_whole(data_dir: &Path, visit: &str) {
    assert_eq!(
        query::<String>(data_dir, "PRAGMA integrity_check"),
        ["ok"],
        "integrity"
    );
    let out = run_ok(data_dir, &["visit", "verify-audit", "--visit", visit]);
    assert!(out.starts_with("OK"), "{out}");
}

/// Files under `dir` (recursively) whose names say a write of this app left them half-way.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            out.extend(temp_files(&path));
        } else if name.starts_with(".tmp") || name.ends_with(".part") {
            out.push(path);
        }
    }
    out
}

/// Makes the temp files a kill left look two hours old: the next start cleans only those old
/// enough not to belong to a write still running in another process.
fn age(files: &[PathBuf]) {
    let then = std::time::SystemTime::now() - Duration::from_secs(7200);
    for f in files {
        let file = std::fs::File::options().append(true).open(f).unwrap();
        file.set_modified(then).unwrap();
    }
}

fn demo(data_dir: &Path) -> String {
    run_ok(data_dir, &["demo"])
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
}

/// A distinct photo per (run, index): noise, so each one really decodes and encodes.
fn write_photo(path: &Path, run: usize, index: usize) {
    let mut state = (run * 1000 + index + 1) as u32;
    let img = image::RgbImage::from_fn(1200, 900, |x, y| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        image::Rgb([(x % 256) as u8, (y % 256) as u8, (state >> 24) as u8])
    });
    img.save(path).unwrap();
}

#[test]
fn kill_9_during_photo_import_loses_nothing_reported_and_leaves_no_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let visit = demo(&data);
    let photos = dir.path().join("photos");
    kill_repeatedly(
        20261124,
        |run| {
            let folder = photos.join(run.to_string());
            std::fs::create_dir_all(&folder).unwrap();
            for i in 0..4 {
                write_photo(&folder.join(format!("IMG_{i}.jpg")), run, i);
            }
            cli(
                &data,
                &["photos", "add", "--visit", &visit, folder.to_str().unwrap()],
            )
        },
        |run, killed, out| {
            assert_whole(&data, &visit);
            let stored: Vec<String> = query(&data, "SELECT sha256 FROM photo");
            // Success is printed only after the commit: every photo said added is stored.
            for line in out.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let sha = v["sha256"].as_str().unwrap();
                assert!(
                    stored.iter().any(|s| s == sha),
                    "run {run}: {sha} said, not stored"
                );
            }
            if !killed {
                assert_eq!(out.lines().count(), 4, "run {run} completed: {out}");
            }
        },
    );
    // No row points to a missing file.
    let photo_dir = data.join("photos");
    for meta in query::<String>(&data, "SELECT meta FROM photo") {
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
        for field in ["original", "thumbnail"] {
            let rel = meta[field].as_str().unwrap();
            assert!(photo_dir.join(rel).is_file(), "{field} {rel} missing");
        }
    }
    // The next start leaves no temp file of a killed write.
    age(&temp_files(&data));
    run_ok(&data, &["visit", "list"]);
    assert_eq!(temp_files(&data), Vec::<PathBuf>::new());
}

#[test]
fn kill_9_during_evidence_attach_loses_nothing_reported_and_leaves_no_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let visit = demo(&data);
    let files = dir.path().join("docs");
    std::fs::create_dir_all(&files).unwrap();
    kill_repeatedly(
        20261125,
        |run| {
            // A 3 MB scan, different each run, so writing it takes a moment worth killing.
            let file = files.join(format!("bien-ban-{run}.pdf"));
            let mut bytes = vec![b'%'; 3 << 20];
            bytes[..8].copy_from_slice(&(run as u64).to_le_bytes());
            std::fs::write(&file, bytes).unwrap();
            let summary = format!("Kế hoạch CCHC số {run}");
            let mut c = cli(
                &data,
                &["evidence", "add", "--visit", &visit, "--leaf", "1.1.1"],
            );
            c.args(["--summary", &summary, "--file", file.to_str().unwrap()]);
            c
        },
        |run, killed, out| {
            assert_whole(&data, &visit);
            let ids: Vec<String> = query(&data, "SELECT id FROM evidence");
            for id in out.lines() {
                assert!(
                    ids.iter().any(|i| i == id.trim()),
                    "run {run}: {id} said, not stored"
                );
            }
            if !killed {
                assert_eq!(out.lines().count(), 1, "run {run} completed");
            }
        },
    );
    for (sha, name) in query::<String>(
        &data,
        "SELECT file_sha256 || '|' || file_name FROM evidence WHERE file_sha256 IS NOT NULL",
    )
    .iter()
    .map(|s| s.split_once('|').unwrap())
    {
        let ext = Path::new(name).extension().unwrap().to_str().unwrap();
        let stored = data.join("files").join(format!("{sha}.{ext}"));
        assert!(stored.is_file(), "evidence file {stored:?} missing");
    }
    age(&temp_files(&data));
    run_ok(&data, &["visit", "list"]);
    assert_eq!(temp_files(&data), Vec::<PathBuf>::new());
}

#[test]
fn kill_9_during_export_never_repeats_a_revision_nor_leaves_an_unrecorded_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let visit = demo(&data);
    let key = dir.path().join("an.key");
    run_ok(
        &data,
        &[
            "key",
            "new",
            "--out",
            key.to_str().unwrap(),
            "--name",
            "Nguyễn Văn An",
        ],
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let target = |run: usize| out_dir.join(format!("ket-qua-{run}.zip"));
    kill_repeatedly(
        20261126,
        |run| {
            let out = target(run);
            let (k, o) = (key.to_str().unwrap(), out.to_str().unwrap());
            cli(
                &data,
                &[
                    "bundle", "export", "--visit", &visit, "--key", k, "--out", o,
                ],
            )
        },
        |run, killed, _| {
            assert_whole(&data, &visit);
            if !killed {
                assert!(
                    target(run).is_file(),
                    "run {run} completed without its bundle"
                );
            }
        },
    );
    // A reservation records the target before the rename: a kill between the rename and the
    // 'written' mark leaves a recorded bundle, never an unknown one.
    let recorded: Vec<String> = query(&data, "SELECT file FROM bundle");
    let revisions: Vec<i64> = query(&data, "SELECT revision FROM bundle");
    let mut distinct = revisions.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        revisions.len(),
        "a revision repeats: {revisions:?}"
    );
    // Every bundle at a target path is one the store recorded as written, and it verifies.
    let pub_key = format!("{}.pub", key.display());
    for e in std::fs::read_dir(&out_dir).unwrap().flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "zip") {
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(
                recorded.iter().any(|f| f.ends_with(name)),
                "{name} is at its target but not recorded"
            );
            let out = run_ok(
                &data,
                &[
                    "bundle",
                    "verify",
                    path.to_str().unwrap(),
                    "--trust",
                    &pub_key,
                ],
            );
            assert!(out.starts_with("Hợp lệ"), "{name}: {out}");
        }
    }
    // The next export cleans what killed ones left beside their targets.
    age(&temp_files(&out_dir));
    let last = target(999);
    let (k, o) = (key.to_str().unwrap(), last.to_str().unwrap());
    run_ok(
        &data,
        &[
            "bundle", "export", "--visit", &visit, "--key", k, "--out", o,
        ],
    );
    assert_eq!(temp_files(&out_dir), Vec::<PathBuf>::new());
}

#[test]
fn kill_9_during_demo_leaves_no_half_built_campaign() {
    let dir = tempfile::tempdir().unwrap();
    // A fresh folder each run: a demo killed half-way must leave no campaign at all.
    let data = |run: usize| dir.path().join(run.to_string());
    kill_repeatedly(
        20261127,
        |run| cli(&data(run), &["demo", "--if-empty"]),
        |run, _, _| {
            let d = data(run);
            let made: Vec<i64> = if d.join("thamdinh.sqlite3").exists() {
                query(
                    &d,
                    "SELECT count(*) FROM sqlite_master WHERE name = 'campaign'",
                )
            } else {
                vec![0]
            };
            if made == [0] {
                // Killed before the store's tables were made: the next start makes them.
                run_ok(&d, &["demo", "--if-empty"]);
                assert_eq!(query::<String>(&d, "SELECT id FROM campaign").len(), 1);
                return;
            }
            let campaigns: Vec<String> = query(&d, "SELECT id FROM campaign");
            let units: Vec<String> = query(&d, "SELECT code FROM unit");
            let visits: Vec<String> = query(&d, "SELECT id FROM visit");
            match campaigns.len() {
                0 => assert!(units.is_empty() && visits.is_empty(), "run {run}: orphans"),
                1 => {
                    assert_eq!(
                        (units.len(), visits.len()),
                        (5, 1),
                        "run {run}: half a demo"
                    );
                    assert_whole(&d, &visits[0]);
                }
                n => panic!("run {run}: {n} demos"),
            }
            // What a newcomer runs next builds the demo whole, once.
            run_ok(&d, &["demo", "--if-empty"]);
            assert_eq!(query::<String>(&d, "SELECT id FROM campaign").len(), 1);
        },
    );
}

#[test]
fn two_demos_if_empty_at_once_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The store exists first, so both processes race on the demo, not on creating the file.
    run_ok(&data, &["visit", "list"]);
    let children: Vec<_> = (0..3)
        .map(|_| cli(&data, &["demo", "--if-empty"]).spawn().unwrap())
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(query::<String>(&data, "SELECT id FROM campaign").len(), 1);
}
