//! Signed result bundles: the committed hostile fixtures give their expected outcome, exports
//! verify (with our verifier and with the stock tools bagit.py and minisign), revisions chain,
//! failures leave nothing behind, and arbitrary damage is never accepted.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use proptest::prelude::*;
use serde_json::Value;
use thamdinh_core::bundle::{self, Limits, TrustedKey};
use thamdinh_tests::{
    RawEntry, TEST_PASSPHRASE, bundles_dir, export_signed, read_zip, sample_store, test_key,
    write_zip,
};

fn trusted(name: &str) -> Vec<TrustedKey> {
    let text = std::fs::read_to_string(bundles_dir().join("keys").join(format!("{name}.key.pub")))
        .unwrap();
    vec![TrustedKey::parse(&text).unwrap()]
}

fn verify(path: &Path, limits: &Limits) -> Result<bundle::VerifiedBundle, bundle::Rejection> {
    bundle::verify_bundle(
        path,
        &trusted("delegation"),
        limits,
        &|_, _| {},
        &AtomicBool::new(false),
    )
}

#[test]
fn every_fixture_gives_its_expected_outcome() {
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(bundles_dir().join("cases.json")).unwrap())
            .unwrap();
    // Exactly the fixtures present: none without a case, no case without its file.
    let listed: std::collections::BTreeSet<String> = cases
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    let present: std::collections::BTreeSet<String> = std::fs::read_dir(bundles_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    assert_eq!(listed, present, "cases.json and the fixture files differ");
    assert_eq!(listed.len(), cases.len(), "a fixture is listed twice");
    let mut failures = Vec::new();
    for case in &cases {
        let file = case["file"].as_str().unwrap();
        let mut limits = Limits::default();
        if let Some(l) = case.get("limits") {
            if let Some(v) = l.get("max_entries") {
                limits.max_entries = v.as_u64().unwrap() as usize;
            }
            if let Some(v) = l.get("max_entry_bytes") {
                limits.max_entry_bytes = v.as_u64().unwrap();
            }
            if let Some(v) = l.get("max_total_bytes") {
                limits.max_total_bytes = v.as_u64().unwrap();
            }
        }
        let got = match verify(&bundles_dir().join(file), &limits) {
            Ok(_) => "ok".to_string(),
            Err(r) => r.code.clone(),
        };
        if got != case["expect"] {
            failures.push(format!("{file}: expected {}, got {got}", case["expect"]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every rejection code the verifier can give is produced somewhere: by a fixture, here (`io`,
/// `cancelled`), or at Sở Nội vụ (`partial-bundle`: tests/tests/teamwork.rs). A new code without a
/// case, or a fixture expecting a code the table does not list, fails this test.
#[test]
fn every_rejection_code_has_a_case() {
    use std::collections::BTreeSet;
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(bundles_dir().join("cases.json")).unwrap())
            .unwrap();
    let mut produced: BTreeSet<String> = cases
        .iter()
        .map(|c| c["expect"].as_str().unwrap().to_string())
        .filter(|c| c != "ok")
        .collect();
    let absent = verify(
        &bundles_dir().join("no-such-bundle.zip"),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(absent.code, "io", "{absent}");
    produced.insert(absent.code);
    // Cancelled mid-way: the stop is pressed at the first progress report, after work began.
    let cancel = AtomicBool::new(false);
    let cancelled = bundle::verify_bundle(
        &bundles_dir().join("valid.zip"),
        &trusted("delegation"),
        &Limits::default(),
        &|done, _| {
            if done > 0 {
                cancel.store(true, Ordering::SeqCst);
            }
        },
        &cancel,
    )
    .unwrap_err();
    assert_eq!(cancelled.code, "cancelled", "{cancelled}");
    produced.insert(cancelled.code);
    produced.insert("partial-bundle".into());
    let table: BTreeSet<String> = thamdinh_core::bundle::codes::REJECTION_CODES
        .iter()
        .map(|(code, _, _)| code.to_string())
        .collect();
    let without_case: Vec<_> = table.difference(&produced).collect();
    assert!(
        without_case.is_empty(),
        "codes without a case: {without_case:?}"
    );
    let unlisted: Vec<_> = produced.difference(&table).collect();
    assert!(
        unlisted.is_empty(),
        "codes missing from the table: {unlisted:?}"
    );
}

#[test]
fn rejections_name_the_entry() {
    let r = verify(&bundles_dir().join("hash-mismatch.zip"), &Limits::default()).unwrap_err();
    assert!(
        r.entry.starts_with("data/photos/") && r.entry.ends_with(".jpg"),
        "{r}"
    );
    let r = verify(
        &bundles_dir().join("path-traversal.zip"),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(r.entry.contains("../"), "{r}");
    let r = verify(
        &bundles_dir().join("untrusted-signer.zip"),
        &Limits::default(),
    )
    .unwrap_err();
    let stranger = &trusted("stranger")[0].key_id;
    assert!(r.entry.contains(stranger.as_str()), "{r}");
}

struct Exported {
    dir: tempfile::TempDir,
    store: thamdinh_core::store::Store,
    visit: String,
    out_dir: PathBuf,
}

impl Exported {
    fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn store_path(&self) -> PathBuf {
        self.store_dir().join(thamdinh_core::store::DB_FILE)
    }
}

fn exported() -> (Exported, bundle::ExportSummary) {
    let dir = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&dir.path().join("store"));
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let summary = export(&store, &visit, &out_dir.join("b1.zip")).unwrap();
    (
        Exported {
            dir,
            store,
            visit,
            out_dir,
        },
        summary,
    )
}

fn export(
    store: &thamdinh_core::store::Store,
    visit: &str,
    out: &Path,
) -> thamdinh_core::Result<bundle::ExportSummary> {
    bundle::export_bundle(
        store,
        &[visit.to_string()],
        &test_key("delegation"),
        TEST_PASSPHRASE,
        out,
        &|_, _| {},
        &AtomicBool::new(false),
    )
}

#[test]
fn export_verifies_and_says_what_it_holds() {
    let (x, summary) = exported();
    let v = verify(Path::new(&summary.file), &Limits::default()).unwrap();
    assert_eq!(v.bundle_id, summary.bundle_id);
    assert_eq!((v.revision, v.supersedes.clone()), (1, None));
    assert_eq!(v.signer_key_id, trusted("delegation")[0].key_id);
    assert_eq!(v.visits, 1);
    // result.json + criteria.json + audit.jsonl + 2 photos + 1 evidence file.
    assert_eq!(v.payload_files, 6);
    let result = v.result.unwrap();
    let visit = &result.visits[0];
    assert_eq!(visit.id, x.visit);
    assert_eq!(visit.photos.len(), 2);
    assert_eq!(
        visit.evidence.iter().filter(|e| e.file.is_some()).count(),
        1
    );
    // Scores are decimal strings as the store computes them.
    let view = x.store.visit_view(&x.visit).unwrap();
    assert_eq!(
        visit.totals.appraised.points,
        view.totals.appraised.total.points.to_string()
    );
    let leaf = visit.leaves.iter().find(|l| l.appraised.is_some()).unwrap();
    let stored = view.leaves.iter().find(|l| l.code == leaf.code).unwrap();
    assert_eq!(
        leaf.appraised.clone().unwrap(),
        thamdinh_core::visit::entry_text(stored.appraised.unwrap())
    );
    assert_eq!(
        result.audit.entries as usize,
        x.store.audit(&x.visit, None).unwrap().len()
    );
}

#[test]
fn the_signer_is_the_laptop_user_else_the_key_owner() {
    let (x, first) = exported();
    let v = verify(Path::new(&first.file), &Limits::default()).unwrap();
    assert_eq!(v.signer_name, x.store.actor().unwrap());
    x.store.set_user_name("").unwrap();
    let second = export(&x.store, &x.visit, &x.out_dir.join("b2.zip")).unwrap();
    let v = verify(Path::new(&second.file), &Limits::default()).unwrap();
    assert_eq!(
        v.signer_name, "delegation",
        "the name the test key was made for"
    );
}

#[test]
fn re_export_is_the_next_revision_and_supersedes_the_last() {
    let (x, first) = exported();
    let second = export(&x.store, &x.visit, &x.out_dir.join("b2.zip")).unwrap();
    assert_eq!(second.revision, 2);
    assert_eq!(second.supersedes.as_deref(), Some(first.bundle_id.as_str()));
    let v = verify(Path::new(&second.file), &Limits::default()).unwrap();
    assert_eq!((v.revision, v.supersedes), (2, Some(first.bundle_id)));
}

#[test]
fn a_reserved_revision_is_never_reused_and_concurrent_exports_get_distinct_ones() {
    let (x, first) = exported();
    // An export that died after reserving (a kill between the rename and the record, say).
    let out = x.out_dir.join("died.zip");
    let prepared = bundle::prepare_export(
        &x.store,
        std::slice::from_ref(&x.visit),
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &out,
    )
    .unwrap();
    assert_eq!(prepared.bundle_id().len(), 36);
    drop(prepared);
    let reserved: (u32, String) = rusqlite::Connection::open(x.store_path())
        .unwrap()
        .query_row(
            "SELECT revision, file FROM bundle WHERE state = 'reserved'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        reserved,
        (2, out.display().to_string()),
        "recorded before any write"
    );
    let next = export(&x.store, &x.visit, &x.out_dir.join("b3.zip")).unwrap();
    assert_eq!(next.revision, 3, "revision 2 is reported, never reused");
    assert_ne!(next.supersedes.as_deref(), Some(first.bundle_id.as_str()));

    // Two exports of the same visits at once, from two connections to the same store.
    let dir = x.store_dir();
    let visit = x.visit.clone();
    let outs: Vec<PathBuf> = (0..4)
        .map(|i| x.out_dir.join(format!("c{i}.zip")))
        .collect();
    let revisions: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = outs
            .iter()
            .map(|out| {
                let (dir, visit) = (dir.clone(), visit.clone());
                s.spawn(move || {
                    let store = thamdinh_core::store::Store::open_dir(&dir).unwrap();
                    export(&store, &visit, out).unwrap().revision
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = revisions.clone();
    sorted.sort();
    assert_eq!(sorted, [4, 5, 6, 7], "distinct revisions: {revisions:?}");
}

#[test]
fn failures_leave_nothing_behind() {
    let (x, _) = exported();
    let before: Vec<_> = std::fs::read_dir(&x.out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // Wrong passphrase: a clear error before any work.
    let err = bundle::export_bundle(
        &x.store,
        std::slice::from_ref(&x.visit),
        &test_key("delegation"),
        "not the passphrase",
        &x.out_dir.join("wrong.zip"),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(err.to_string().contains("sai mật khẩu"), "{err}");
    // Cancelled as soon as the first bytes are written.
    let cancel = AtomicBool::new(false);
    let err = bundle::export_bundle(
        &x.store,
        std::slice::from_ref(&x.visit),
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &x.out_dir.join("cancelled.zip"),
        &|_, _| cancel.store(true, Ordering::Relaxed),
        &cancel,
    )
    .unwrap_err();
    assert!(matches!(err, thamdinh_core::Error::Cancelled), "{err}");
    // A stored photo damaged on disk is never signed.
    let photos = x.store.photos_dir().unwrap().join("originals");
    let original = std::fs::read_dir(&photos)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&original).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    std::fs::write(&original, bytes).unwrap();
    let err = export(&x.store, &x.visit, &x.out_dir.join("damaged.zip")).unwrap_err();
    assert!(err.to_string().contains("bị hỏng"), "{err}");
    let after: Vec<_> = std::fs::read_dir(&x.out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "no partial or temp file left");
}

#[test]
fn stock_tools_agree_bagit_py_and_minisign() {
    let (x, summary) = exported();
    let into = x.out_dir.join("unzipped");
    let bag = thamdinh_tests::unzip_bag(Path::new(&summary.file), &into);
    thamdinh_tests::assert_bagit_py_validates(&bag);
    let pub_key = bundles_dir().join("keys/delegation.key.pub");
    let sig = bag.join(format!("signatures/{}.minisig", summary.signer_key_id));
    let minisign = |p: &Path| {
        Command::new("minisign")
            .arg("-V")
            .arg("-p")
            .arg(p)
            .arg("-m")
            .arg(bag.join("tagmanifest-sha256.txt"))
            .arg("-x")
            .arg(&sig)
            .output()
            .expect("minisign (apt install minisign; `make test` installs it)")
    };
    let ok = minisign(&pub_key);
    assert!(
        ok.status.success(),
        "minisign: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let said = String::from_utf8_lossy(&ok.stdout);
    assert!(
        said.contains(&format!("bundle-id:{}", summary.bundle_id)),
        "{said}"
    );
    assert!(
        !minisign(&bundles_dir().join("keys/stranger.key.pub"))
            .status
            .success()
    );
    // Both tools notice a changed byte of the payload, as ours does.
    let result = bag.join("data/result.json");
    let mut bytes = std::fs::read(&result).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&result, bytes).unwrap();
    assert!(
        !Command::new("bagit.py")
            .arg("--validate")
            .arg(&bag)
            .output()
            .unwrap()
            .status
            .success()
    );
}

#[test]
fn minisign_cli_signs_with_our_key_and_we_read_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("m.txt");
    std::fs::write(&msg, "thẩm định").unwrap();
    let mut child = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(bundles_dir().join("keys/delegation.key"))
        .arg("-m")
        .arg(&msg)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("minisign");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{TEST_PASSPHRASE}\n").as_bytes())
        .unwrap();
    assert!(
        child.wait().unwrap().success(),
        "minisign could not open our encrypted key"
    );
    let out = Command::new("minisign")
        .arg("-V")
        .arg("-p")
        .arg(bundles_dir().join("keys/delegation.key.pub"))
        .arg("-m")
        .arg(&msg)
        .output()
        .unwrap();
    assert!(out.status.success());
}

fn valid_bytes() -> Vec<u8> {
    std::fs::read(bundles_dir().join("valid.zip")).unwrap()
}

fn verify_bytes(bytes: &[u8]) -> Result<bundle::VerifiedBundle, bundle::Rejection> {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    verify(f.path(), &Limits::default())
}

/// Every entry's name and content, for comparing what two archives hold.
fn contents(bytes: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut v: Vec<_> = read_zip(bytes)
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Damage anywhere: the verifier never panics, and when it still accepts, the archive holds
    /// exactly the signed content (only unsigned zip metadata such as timestamps changed).
    #[test]
    fn damaged_bundles_are_refused_or_unchanged(flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4)) {
        let original = valid_bytes();
        let mut bytes = original.clone();
        for (i, x) in &flips {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
        }
        if verify_bytes(&bytes).is_ok() {
            prop_assert_eq!(contents(&bytes), contents(&original));
        }
    }

    /// Any truncation is refused.
    #[test]
    fn truncated_bundles_are_refused(cut in 1usize..49_000) {
        let bytes = valid_bytes();
        let cut = cut.min(bytes.len() - 1);
        prop_assert!(verify_bytes(&bytes[..cut]).is_err());
    }

    /// Arbitrary archives (names and contents of any kind) are refused without panicking.
    #[test]
    fn arbitrary_archives_are_refused(entries in prop::collection::vec(("[a-zA-Z0-9./\\\\:é-]{0,24}", prop::collection::vec(any::<u8>(), 0..64), any::<bool>()), 0..12)) {
        let raw: Vec<RawEntry> = entries.iter().map(|(n, d, deflate)| RawEntry { deflate: *deflate, ..RawEntry::new(n, d) }).collect();
        prop_assert!(verify_bytes(&write_zip(&raw)).is_err());
    }
}

/// An export stopped mid-way (at its first progress report, files already being written) leaves
/// no bundle, no half-written temp file and no recorded revision: the next export is revision 1.
#[test]
fn an_export_cancelled_mid_way_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&dir.path().join("store"));
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("b.zip");
    let cancel = AtomicBool::new(false);
    let reports = std::sync::atomic::AtomicUsize::new(0);
    let result = bundle::export_bundle(
        &store,
        std::slice::from_ref(&visit),
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &out,
        &|_, _| {
            reports.fetch_add(1, Ordering::SeqCst);
            cancel.store(true, Ordering::SeqCst);
        },
        &cancel,
    );
    assert!(
        matches!(result, Err(thamdinh_core::Error::Cancelled)),
        "{result:?}"
    );
    assert!(reports.load(Ordering::SeqCst) > 0, "the export had started");
    assert_eq!(
        std::fs::read_dir(&out_dir).unwrap().count(),
        0,
        "nothing left in the folder"
    );
    let summary = export_signed(&store, &visit, "delegation", &out);
    assert_eq!(summary.revision, 1, "a cancelled export takes no revision");
}

/// Two trusted keys stating one id (a forger's key beside the real one, as `bundle verify
/// --trust collide.pub --trust d1.pub` gives): the genuine bundle still verifies — each key with
/// that id is tried, every byte — and the forger's key alone does not pass it.
#[test]
fn a_colliding_key_beside_the_real_one_neither_blocks_nor_passes_a_bundle() {
    let real = trusted("delegation").remove(0);
    let stranger = trusted("stranger").remove(0);
    let mut bytes = stranger.key.to_bytes();
    bytes[2..10].copy_from_slice(real.key.keynum());
    let collide = TrustedKey {
        key_id: real.key_id.clone(),
        key: minisign::PublicKey::from_bytes(&bytes).unwrap(),
    };
    let valid = bundles_dir().join("valid.zip");
    let check = |keys: Vec<TrustedKey>| {
        bundle::verify_bundle(
            &valid,
            &keys,
            &Limits::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
    };
    let v = check(vec![collide.clone(), real]).unwrap();
    assert_eq!(v.signer_key_id, collide.key_id);
    assert_eq!(check(vec![collide]).unwrap_err().code, "bad-signature");
}

/// Plans and the province's published results are signed bags too (#24): read through the same
/// entry checks as a bundle, the hostile archives among the bundle fixtures are refused with the
/// same codes — traversal names, encrypted entries, symlinks, other compressions, bombs, wrong
/// sizes, truncation, a second top folder — whatever kind of signed file they claim to be.
#[test]
fn plans_and_published_results_are_refused_by_the_bundles_codes() {
    use thamdinh_core::bag::small;
    use thamdinh_core::mistake::FileKind;
    const ENTRY_LEVEL: [&str; 12] = [
        "damaged-archive",
        "path-traversal",
        "absolute-path",
        "backslash",
        "symlink",
        "duplicate-name",
        "name-collision",
        "entry-too-large",
        "bad-layout",
        "bad-name",
        "encrypted-entry",
        "bad-compression",
    ];
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(bundles_dir().join("cases.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    // The bomb's declared size is past a plan's limit too; the other limit cases are tuned to a
    // bundle's limits.
    for case in cases
        .iter()
        .filter(|c| c.get("limits").is_none() || c["expect"] == "entry-too-large")
    {
        let expect = case["expect"].as_str().unwrap();
        if !ENTRY_LEVEL.contains(&expect) {
            continue;
        }
        let file = bundles_dir().join(case["file"].as_str().unwrap());
        for kind in [FileKind::Plan, FileKind::ProvinceResults] {
            checked += 1;
            let got = match small::read(&file, kind, 1 << 20, None) {
                Ok(_) => "ok".to_string(),
                Err(e) => match e.mistakes().first() {
                    Some(thamdinh_core::Mistake::FileNotValid { code, .. }) => code.clone(),
                    _ => format!("{e}"),
                },
            };
            if got != expect {
                failures.push(format!(
                    "{} as {kind:?}: expected {expect}, got {got}",
                    case["file"]
                ));
            }
        }
    }
    assert!(
        checked >= 20,
        "the entry-level fixtures are there ({checked})"
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
