//! Sao lưu / Khôi phục: a backup restores the data exactly (database, photos, evidence files);
//! a damaged backup is refused naming what is wrong and the current data is untouched; a backup
//! from an older schema restores and migrates.
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use thamdinh_core::backup;
use thamdinh_core::store::{DB_FILE, MIGRATIONS, SCHEMA_VERSION, Store};
use thamdinh_tests::{RawEntry, read_zip, sample_store, write_zip};

/// Every file under a folder with its bytes, by relative path.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn no_cancel() -> AtomicBool {
    AtomicBool::new(false)
}

#[test]
fn a_backup_restores_the_data_exactly_and_keeps_what_was_there() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut store, visit) = sample_store(&data);
    let before_view = serde_json::to_value(store.visit_view(&visit).unwrap().totals).unwrap();
    let photos_before: Vec<String> = store
        .photos(&visit)
        .unwrap()
        .into_iter()
        .map(|p| p.meta.sha256)
        .collect();
    let out = dir.path().join("sao-luu.zip");
    let s = store.backup(&out, &|_, _| {}, &no_cancel()).unwrap();
    assert!(
        s.files >= 4,
        "database, two photos, an evidence file: {s:?}"
    );
    assert!(store.last_backup().unwrap().is_some());
    let originals: std::collections::BTreeMap<_, _> = tree(&data)
        .into_iter()
        .filter(|(p, _)| p.starts_with("photos/originals") || p.starts_with("files"))
        .collect();

    // A change after the backup, then the restore brings the backed-up state back.
    store
        .set_field(
            &visit,
            "1.1.1",
            thamdinh_core::visit::LeafField::Appraised,
            "0",
        )
        .unwrap();
    drop(store);
    let r = backup::restore(&out, &data, &no_cancel()).unwrap();
    assert_eq!(r.schema_from, SCHEMA_VERSION);
    let kept = Path::new(r.previous_kept_at.as_deref().unwrap()).to_path_buf();
    assert!(
        kept.join(DB_FILE).is_file(),
        "the data that was there is kept"
    );
    let store = Store::open_dir(&data).unwrap();
    assert_eq!(
        serde_json::to_value(store.visit_view(&visit).unwrap().totals).unwrap(),
        before_view
    );
    store.verify_audit(&visit).unwrap();
    let photos_after: Vec<String> = store
        .photos(&visit)
        .unwrap()
        .into_iter()
        .map(|p| p.meta.sha256)
        .collect();
    assert_eq!(photos_after, photos_before);
    for (path, bytes) in &originals {
        assert_eq!(
            &std::fs::read(data.join(path)).unwrap(),
            bytes,
            "{path} restored byte for byte"
        );
    }
    // Into an empty place too.
    let fresh = dir.path().join("fresh");
    let r = backup::restore(&out, &fresh, &no_cancel()).unwrap();
    assert!(r.previous_kept_at.is_none());
    let other = Store::open_dir(&fresh).unwrap();
    assert_eq!(other.visits(None).unwrap().len(), 1);
}

#[test]
fn a_damaged_backup_is_refused_by_name_and_the_data_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (store, _) = sample_store(&data);
    let out = dir.path().join("b.zip");
    store.backup(&out, &|_, _| {}, &no_cancel()).unwrap();
    drop(store);
    let before = tree(&data);
    let entries = read_zip(&std::fs::read(&out).unwrap());
    let photo = entries
        .iter()
        .position(|e| String::from_utf8_lossy(&e.name).starts_with("photos/originals/"))
        .unwrap();
    let photo_name = String::from_utf8_lossy(&entries[photo].name).to_string();

    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "a photo's byte changed",
            {
                let mut e = entries.clone();
                let n = e[photo].data.len() / 2;
                e[photo].data[n] ^= 1;
                write_zip(&e)
            },
            photo_name.clone(),
        ),
        (
            "a photo missing",
            {
                let mut e = entries.clone();
                e.remove(photo);
                write_zip(&e)
            },
            photo_name.clone(),
        ),
        (
            "a file the manifest does not list",
            {
                let mut e = entries.clone();
                e.push(RawEntry::new("files/lạ.pdf", b"%PDF"));
                write_zip(&e)
            },
            "files/lạ.pdf".into(),
        ),
        (
            "cut in half",
            {
                let b = std::fs::read(&out).unwrap();
                b[..b.len() / 2].to_vec()
            },
            "zip".into(),
        ),
        (
            "a photo stored as a symlink",
            {
                let mut e = entries.clone();
                e[photo].unix_mode = 0o120777;
                write_zip(&e)
            },
            format!("{photo_name}: mục là liên kết tượng trưng"),
        ),
        (
            "a photo flagged as encrypted",
            {
                let mut e = entries.clone();
                e[photo].extra_flags = 1;
                write_zip(&e)
            },
            format!("{photo_name}: mục được mã hóa"),
        ),
        (
            "no manifest",
            {
                let mut e = entries.clone();
                e.retain(|x| x.name != b"manifest.json");
                write_zip(&e)
            },
            "manifest.json".into(),
        ),
    ];
    for (why, bytes, named) in cases {
        let bad = dir.path().join("bad.zip");
        std::fs::write(&bad, bytes).unwrap();
        let e = backup::restore(&bad, &data, &no_cancel())
            .unwrap_err()
            .to_string();
        assert!(e.contains(&named), "{why}: {e}");
        assert_eq!(tree(&data), before, "{why}: the data is untouched");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".thamdinh-restore"))
            .collect();
        assert!(leftovers.is_empty(), "{why}: {leftovers:?}");
    }
}

#[test]
fn a_backup_from_an_older_schema_restores_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    // A store of schema 7 (before co-signatures and partial bundles), with a campaign.
    let db = dir.path().join(DB_FILE);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        conn.execute(
            "INSERT INTO criteria_set (id, json, added_at) VALUES ('s', '{}', 'x')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO campaign (id, name, year, criteria_set_id, created_at) VALUES ('c1', 'CCHC 2024', 2024, 's', 'x')",
            [],
        )
        .unwrap();
    }
    let bytes = std::fs::read(&db).unwrap();
    let manifest = serde_json::json!({
        "format": backup::BACKUP_FORMAT, "created_at": "2025-01-01T00:00:00Z", "schema_version": 7,
        "app_version": "0.1.0",
        "files": [{"path": DB_FILE, "sha256": thamdinh_core::digest::sha256_hex(&bytes), "size": bytes.len()}],
    });
    let zip = write_zip(&[
        RawEntry::new(DB_FILE, &bytes),
        RawEntry::new("manifest.json", manifest.to_string().as_bytes()),
    ]);
    let file = dir.path().join("old.zip");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(&zip)
        .unwrap();
    let data = dir.path().join("data");
    let r = backup::restore(&file, &data, &no_cancel()).unwrap();
    assert_eq!((r.schema_from, r.schema_to), (7, SCHEMA_VERSION));
    let store = Store::open_dir(&data).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let c = store.campaign("c1").unwrap();
    assert_eq!((c.name.as_str(), c.required_cosignatures), ("CCHC 2024", 0));
}

/// The names in a folder starting with `prefix`.
fn names_starting(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

#[test]
fn a_restore_never_swaps_a_folder_in_use_and_two_restores_keep_both_previous_folders() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut store, _) = sample_store(&data);
    let out = dir.path().join("sao-luu.zip");
    store.backup(&out, &|_, _| {}, &no_cancel()).unwrap();
    // Another program holds the store, inside a transaction or not: refused, nothing changes.
    let before = tree(&data);
    let err = backup::restore(&out, &data, &no_cancel()).unwrap_err();
    assert!(
        matches!(
            err,
            thamdinh_core::Error::Mistake(thamdinh_core::Mistake::DataFolderInUse { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("đang được mở"), "{err}");
    assert_eq!(tree(&data), before, "the data in use is untouched");
    assert!(names_starting(dir.path(), ".thamdinh-restore").is_empty());
    assert!(names_starting(dir.path(), "data.truoc-khoi-phuc").is_empty());
    // The app's own store lets go of the folder while it restores, then opens the result.
    store.restore_from(&out, &no_cancel()).unwrap();
    drop(store);
    // Two restores at once (the same second): each keeps what was there under its own name.
    backup::restore(&out, &data, &no_cancel()).unwrap();
    backup::restore(&out, &data, &no_cancel()).unwrap();
    assert_eq!(names_starting(dir.path(), "data.truoc-khoi-phuc").len(), 3);
    assert!(names_starting(dir.path(), ".thamdinh-restore").is_empty());
    Store::open_dir(&data).unwrap();
}
