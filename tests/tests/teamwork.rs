//! A delegation signs as a team: members co-sign the leader's bundle without changing a byte of
//! the bag; every signature checks alone with stock minisign; the verifier lists each signer and
//! whether it is trusted, and refuses a trusted key's signature that is not over this bundle.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use thamdinh_core::bundle::{self, Limits, TrustedKey};
use thamdinh_tests::{
    RawEntry, TEST_PASSPHRASE, bundles_dir, export_signed, read_zip, sample_store, test_key,
};

fn key_pub(name: &str) -> PathBuf {
    bundles_dir().join("keys").join(format!("{name}.key.pub"))
}

fn trusted(names: &[&str]) -> Vec<TrustedKey> {
    names
        .iter()
        .map(|n| TrustedKey::parse(&std::fs::read_to_string(key_pub(n)).unwrap()).unwrap())
        .collect()
}

fn verify(path: &Path, names: &[&str]) -> Result<bundle::VerifiedBundle, bundle::Rejection> {
    bundle::verify_bundle(
        path,
        &trusted(names),
        &Limits::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
}

/// A bundle exported by the `delegation` key, in a temp folder kept alive by the first value.
fn leader_bundle(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&dir.path().join("store"));
    let out = dir.path().join(name);
    bundle::export_bundle(
        &store,
        &[visit],
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &out,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    (dir, out)
}

fn cosign(path: &Path, key: &str, name: &str) -> thamdinh_core::Result<bundle::CosignSummary> {
    bundle::cosign_bundle(path, &test_key(key), TEST_PASSPHRASE, name, &[])
}

fn entries_except_signatures(bytes: &[u8]) -> Vec<RawEntry> {
    read_zip(bytes)
        .into_iter()
        .filter(|e| !String::from_utf8_lossy(&e.name).contains("/signatures/"))
        .collect()
}

#[test]
fn a_cosigned_bundle_lists_every_signer_and_keeps_the_bag_byte_for_byte() {
    let (_dir, file) = leader_bundle("b.zip");
    let before = std::fs::read(&file).unwrap();
    let summary = cosign(&file, "stranger", "Trần Thị Bình").unwrap();
    assert!(!summary.already_signed);
    let stranger = &trusted(&["stranger"])[0].key_id;
    let delegation = &trusted(&["delegation"])[0].key_id;
    assert_eq!(&summary.key_id, stranger);
    let after = std::fs::read(&file).unwrap();
    assert_ne!(before, after);
    let (b, a) = (
        entries_except_signatures(&before),
        entries_except_signatures(&after),
    );
    assert_eq!(b.len(), a.len());
    for (x, y) in b.iter().zip(&a) {
        assert_eq!(x.name, y.name);
        assert_eq!(x.data, y.data, "{}", String::from_utf8_lossy(&x.name));
    }

    // Both keys trusted: two checked signatures, the leader's first.
    let v = verify(&file, &["delegation", "stranger"]).unwrap();
    let listed: Vec<(&str, &str, bool, bool)> = v
        .signatures
        .iter()
        .map(|s| (s.key_id.as_str(), s.name.as_str(), s.trusted, s.leader))
        .collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        (listed[0].0, listed[0].2, listed[0].3),
        (delegation.as_str(), true, true)
    );
    assert_eq!(listed[1], (stranger.as_str(), "Trần Thị Bình", true, false));
    assert_eq!(v.signer_key_id, *delegation);

    // Only the leader trusted: the co-signature is listed, unchecked.
    let v = verify(&file, &["delegation"]).unwrap();
    assert_eq!(
        v.signatures.iter().map(|s| s.trusted).collect::<Vec<_>>(),
        [true, false]
    );
    // Only the co-signer trusted: the leader (who the result says exported) is not.
    let r = verify(&file, &["stranger"]).unwrap_err();
    assert_eq!(r.code, "untrusted-signer", "{r}");
    assert!(r.entry.contains(delegation.as_str()), "{r}");

    // Signing again changes nothing.
    let again = cosign(&file, "stranger", "Trần Thị Bình").unwrap();
    assert!(again.already_signed);
    assert_eq!(std::fs::read(&file).unwrap(), after);
}

#[test]
fn each_signature_checks_alone_with_minisign_and_bagit_py_still_validates() {
    let (dir, file) = leader_bundle("b.zip");
    cosign(&file, "stranger", "Thành viên").unwrap();
    let bag = thamdinh_tests::unzip_bag(&file, &dir.path().join("unzipped"));
    thamdinh_tests::assert_bagit_py_validates(&bag);
    for name in ["delegation", "stranger"] {
        let key_id = &trusted(&[name])[0].key_id;
        let check = |pub_key: &Path| {
            Command::new("minisign")
                .arg("-V")
                .arg("-p")
                .arg(pub_key)
                .arg("-m")
                .arg(bag.join("tagmanifest-sha256.txt"))
                .arg("-x")
                .arg(bag.join(format!("signatures/{key_id}.minisig")))
                .output()
                .expect("minisign")
        };
        let ok = check(&key_pub(name));
        assert!(
            ok.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let other = if name == "delegation" {
            "stranger"
        } else {
            "delegation"
        };
        assert!(!check(&key_pub(other)).status.success());
    }
}

#[test]
fn a_signature_taken_from_another_bundle_is_refused_when_its_key_is_trusted() {
    let (_d1, first) = leader_bundle("first.zip");
    let (_d2, second) = leader_bundle("second.zip");
    cosign(&second, "stranger", "Thành viên").unwrap();
    // Move the member's signature of the second bundle into the first.
    let stranger = &trusted(&["stranger"])[0].key_id;
    let sig_name = format!("/signatures/{stranger}.minisig");
    let moved = read_zip(&std::fs::read(&second).unwrap())
        .into_iter()
        .find(|e| String::from_utf8_lossy(&e.name).ends_with(&sig_name))
        .unwrap();
    let mut entries = read_zip(&std::fs::read(&first).unwrap());
    let root = thamdinh_tests::root_of(&entries);
    entries.push(RawEntry::new(
        &format!("{root}signatures/{stranger}.minisig"),
        &moved.data,
    ));
    let forged = first.with_file_name("forged.zip");
    std::fs::write(&forged, thamdinh_tests::write_zip(&entries)).unwrap();
    let r = verify(&forged, &["delegation", "stranger"]).unwrap_err();
    assert_eq!(r.code, "bad-signature", "{r}");
    assert!(r.entry.contains(stranger.as_str()), "{r}");
    // Unchecked when the key is not trusted: listed as such, never counted as checked.
    let v = verify(&forged, &["delegation"]).unwrap();
    assert!(
        v.signatures
            .iter()
            .any(|s| &s.key_id == stranger && !s.trusted)
    );

    // A signature filed under another key's name is refused whoever is trusted.
    let delegation = &trusted(&["delegation"])[0].key_id;
    let mut entries = read_zip(&std::fs::read(&first).unwrap());
    entries.push(RawEntry::new(
        &format!("{root}signatures/{}.minisig", "0123456789ABCDEF"),
        &entries
            .iter()
            .find(|e| String::from_utf8_lossy(&e.name).contains(delegation.as_str()))
            .unwrap()
            .data
            .clone(),
    ));
    std::fs::write(&forged, thamdinh_tests::write_zip(&entries)).unwrap();
    let r = verify(&forged, &["delegation"]).unwrap_err();
    assert_eq!(r.code, "bad-signature", "{r}");
}

#[test]
fn nobody_cosigns_a_damaged_bundle_and_a_failed_cosign_leaves_the_file_alone() {
    let (_dir, file) = leader_bundle("b.zip");
    let mut entries = read_zip(&std::fs::read(&file).unwrap());
    let i = entries
        .iter()
        .position(|e| String::from_utf8_lossy(&e.name).ends_with("data/result.json"))
        .unwrap();
    entries[i].data[20] ^= 1;
    std::fs::write(&file, thamdinh_tests::write_zip(&entries)).unwrap();
    let before = std::fs::read(&file).unwrap();
    let e = cosign(&file, "stranger", "Thành viên").unwrap_err();
    assert!(e.to_string().contains("hash-mismatch"), "{e}");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    // A wrong passphrase neither.
    let (_dir, file) = leader_bundle("c.zip");
    let before = std::fs::read(&file).unwrap();
    assert!(bundle::cosign_bundle(&file, &test_key("stranger"), "sai", "X", &[]).is_err());
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

// ---- A visit split across members' laptops -------------------------------------------------

use thamdinh_core::store::{NewCampaign, Store};
use thamdinh_core::visit::LeafField;

/// One laptop of the delegation: its store (the campaign from the plan) and its visit of X1.
struct Member {
    _dir: tempfile::TempDir,
    store: Store,
    visit: String,
    key: String,
}

impl Member {
    fn from_plan(plan: &Path, name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(&dir.path().join("store")).unwrap();
        let opened = thamdinh_core::hq::plan::import_plan(&mut store, plan, None).unwrap();
        let visit = new_visit(&mut store, &opened.campaign_id, "X1");
        let (key, _) = bundle::new_key(TEST_PASSPHRASE, name).unwrap();
        Member {
            _dir: dir,
            store,
            visit,
            key,
        }
    }

    fn set(&mut self, code: &str, field: LeafField, text: &str) {
        self.store
            .set_field(&self.visit, code, field, text)
            .unwrap();
    }

    fn partial(&self, areas: &[&str], out: &Path) {
        let areas: Vec<String> = areas.iter().map(|a| a.to_string()).collect();
        bundle::export_scoped_bundle(
            &self.store,
            std::slice::from_ref(&self.visit),
            Some(&areas),
            &self.key,
            TEST_PASSPHRASE,
            out,
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    }
}

fn new_visit(store: &mut Store, campaign: &str, unit: &str) -> String {
    let unit = store
        .units(campaign)
        .unwrap()
        .into_iter()
        .find(|u| u.code == unit)
        .unwrap();
    store
        .create_visit(&unit.id, "14/10/2025", "", &[])
        .unwrap()
        .id
}

/// The leader's laptop made the campaign (xã set, 8 areas) and sent the plan to the members.
fn leader_and_plan(dir: &Path) -> (Store, String, PathBuf) {
    let mut store = Store::open_dir(&dir.join("leader")).unwrap();
    let c = store
        .create_campaign(&NewCampaign {
            name: "CCHC 2025",
            year: 2025,
            province: "Hà Tĩnh",
            criteria_set_json: thamdinh_core::builtin::json("xa-2025").unwrap(),
            ..Default::default()
        })
        .unwrap();
    let rows = thamdinh_core::units::parse_unit_list(
        "code,name,type\nX1,Xã A,xã\nX2,Xã B,xã\n".as_bytes(),
    )
    .unwrap();
    store.import_units(&c.id, &rows).unwrap();
    let plan = dir.join("plan.zip");
    thamdinh_core::hq::plan::export_plan(
        &store,
        &c.id,
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &plan,
    )
    .unwrap();
    (store, c.id, plan)
}

fn audit_count(store: &Store, visit: &str) -> usize {
    store.audit(visit, None).unwrap().len()
}

#[test]
fn three_members_split_eight_areas_one_overlap_is_resolved_one_ordinary_bundle_comes_out() {
    let dir = tempfile::tempdir().unwrap();
    let (mut leader, campaign, plan) = leader_and_plan(dir.path());
    let visit = new_visit(&mut leader, &campaign, "X1");

    let mut a = Member::from_plan(&plan, "Thành viên A");
    a.set("1.1.1", LeafField::Appraised, "1");
    a.set("2.1.1", LeafField::Appraised, "1");
    a.set("3.1.1", LeafField::Appraised, "1");
    a.set("4.1.1", LeafField::Appraised, "0"); // outside A's areas: not in A's partial bundle
    let mut b = Member::from_plan(&plan, "Thành viên B");
    b.set("3.1.1", LeafField::Appraised, "0,5"); // the overlap: area 3 is B's too
    b.set("3.1.1", LeafField::DeductionReason, "thiếu báo cáo quý");
    b.set("4.1.1", LeafField::Appraised, "1,5");
    let mut c = Member::from_plan(&plan, "Thành viên C");
    c.set("7.1.1", LeafField::Appraised, "1");
    c.set("8.1.1", LeafField::Appraised, "1,5");
    let photo = thamdinh_tests::bundles_dir()
        .parent()
        .unwrap()
        .join("e2e/fixtures/photos/counter.jpg");
    let meta = thamdinh_core::photo::ingest_file(&c.store.photos_dir().unwrap(), &photo).unwrap();
    c.store
        .add_photos(&c.visit, std::slice::from_ref(&meta))
        .unwrap();
    c.store
        .link_photo(&c.visit, &meta.sha256, "8.1.1", true)
        .unwrap();

    let parts = [
        (&a, vec!["1", "2", "3"], dir.path().join("a.zip")),
        (&b, vec!["3", "4", "5", "6"], dir.path().join("b.zip")),
        (&c, vec!["7", "8"], dir.path().join("c.zip")),
    ];
    for (m, areas, out) in &parts {
        m.partial(areas, out);
    }
    let merged: Vec<_> = parts
        .iter()
        .map(|(_, _, f)| leader.merge_partial(&visit, f, &[]).unwrap())
        .collect();
    assert_eq!(
        merged.iter().map(|m| m.status.as_str()).collect::<Vec<_>>(),
        ["merged"; 3]
    );
    assert_eq!(
        merged[0].values, 3,
        "A's three leaves, not the one outside its areas"
    );
    assert_eq!((merged[2].values, merged[2].photos), (2, 1));
    let conflicts = leader.visit_conflicts(&visit).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        (
            conflicts[0].code.as_str(),
            conflicts[0].ours.as_deref(),
            conflicts[0].theirs.as_deref(),
            conflicts[0].author.as_str()
        ),
        ("3.1.1", Some("1"), Some("0.5"), "Thành viên B")
    );
    assert_eq!(merged[1].conflicts, conflicts);
    // Attributed to their authors in the visit's log, the import recorded too.
    let log = leader.audit(&visit, None).unwrap();
    let set_by = |code: &str| {
        log.iter()
            .find(|e| e.code == code && e.action == "set")
            .map(|e| e.actor.clone())
            .unwrap()
    };
    assert!(set_by("1.1.1").starts_with("Thành viên A"));
    assert!(set_by("8.1.1").starts_with("Thành viên C"));
    assert!(
        !log.iter()
            .any(|e| e.code == "4.1.1" && e.actor.starts_with("Thành viên A"))
    );
    assert_eq!(
        log.iter().filter(|e| e.action == "merge_partial").count(),
        3
    );
    leader.verify_audit(&visit).unwrap();

    // The same partial bundle again: nothing changes.
    let n = audit_count(&leader, &visit);
    let again = leader.merge_partial(&visit, &parts[0].2, &[]).unwrap();
    assert_eq!(again.status, "duplicate");
    assert_eq!(audit_count(&leader, &visit), n);

    // Neither locked nor exported while the overlap waits.
    assert!(leader.lock_visit(&visit).is_err());
    let out = dir.path().join("visit.zip");
    let export = |leader: &Store| {
        bundle::export_bundle(
            leader,
            std::slice::from_ref(&visit),
            &test_key("delegation"),
            TEST_PASSPHRASE,
            &out,
            &|_, _| {},
            &AtomicBool::new(false),
        )
    };
    let e = export(&leader).unwrap_err().to_string();
    assert!(e.contains("3.1.1"), "{e}");
    assert!(
        leader.resolve_leaf(&visit, "1.1.1", "1", "x").is_err(),
        "no conflict there"
    );
    assert!(
        leader.resolve_leaf(&visit, "3.1.1", "0,75", " ").is_err(),
        "a reason is needed"
    );
    leader
        .resolve_leaf(
            &visit,
            "3.1.1",
            "0,75",
            "đối chiếu hồ sơ: có 3 trên 4 báo cáo",
        )
        .unwrap();
    assert!(leader.visit_conflicts(&visit).unwrap().is_empty());

    // One ordinary bundle: every member's leaves, the resolved value, C's photo.
    export(&leader).unwrap();
    let v = verify(&out, &["delegation"]).unwrap();
    let result = v.result.unwrap();
    assert!(result.scope.is_none());
    let leaves: std::collections::BTreeMap<&str, Option<&str>> = result.visits[0]
        .leaves
        .iter()
        .map(|l| (l.code.as_str(), l.appraised.as_deref()))
        .collect();
    for (code, value) in [
        ("1.1.1", "1"),
        ("2.1.1", "1"),
        ("3.1.1", "0.75"),
        ("4.1.1", "1.5"),
        ("7.1.1", "1"),
        ("8.1.1", "1.5"),
    ] {
        assert_eq!(leaves.get(code), Some(&Some(value)), "{code}");
    }
    let l311 = result.visits[0]
        .leaves
        .iter()
        .find(|l| l.code == "3.1.1")
        .unwrap();
    assert_eq!(
        l311.deduction_reason,
        "đối chiếu hồ sơ: có 3 trên 4 báo cáo"
    );
    assert_eq!(result.visits[0].photos.len(), 1);
    assert_eq!(result.visits[0].photos[0].leaves, ["8.1.1"]);
}

#[test]
fn partial_bundles_for_another_unit_or_set_or_a_full_bundle_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut leader, campaign, plan) = leader_and_plan(dir.path());
    let visit = new_visit(&mut leader, &campaign, "X1");
    let mut m = Member::from_plan(&plan, "Thành viên");
    let other_unit = new_visit(&mut m.store, &campaign, "X2");
    m.store
        .set_field(&other_unit, "1.1.1", LeafField::Appraised, "1")
        .unwrap();
    let part = dir.path().join("x2.zip");
    let areas = vec!["1".to_string()];
    bundle::export_scoped_bundle(
        &m.store,
        std::slice::from_ref(&other_unit),
        Some(&areas),
        &m.key,
        TEST_PASSPHRASE,
        &part,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let e = leader
        .merge_partial(&visit, &part, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("X2") && e.contains("X1"), "{e}");

    // Another campaign's (a laptop that did not open the plan).
    let (_d, other) = leader_bundle("full.zip");
    let e = leader
        .merge_partial(&visit, &other, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("gói đầy đủ"), "{e}");

    // An area the set does not have.
    let bad = vec!["9".to_string()];
    let e = bundle::export_scoped_bundle(
        &m.store,
        std::slice::from_ref(&m.visit),
        Some(&bad),
        &m.key,
        TEST_PASSPHRASE,
        &dir.path().join("bad.zip"),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("«9»"), "{e}");

    // Sở Nội vụ does not count a partial bundle.
    let mut hq = Store::open_dir(&dir.path().join("hq")).unwrap();
    thamdinh_core::hq::plan::import_plan(&mut hq, &plan, None).unwrap();
    let o = thamdinh_core::hq::import::import_bundles(
        &mut hq,
        &[part],
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(o[0].code, "partial-bundle", "{o:?}");
}

#[test]
fn a_partial_bundle_stating_a_leaf_outside_its_scope_is_refused_even_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (_leader, _campaign, plan) = leader_and_plan(dir.path());
    let mut m = Member::from_plan(&plan, "Thành viên");
    m.set("1.1.1", LeafField::Appraised, "1");
    m.set("4.1.1", LeafField::Appraised, "1");
    let part = dir.path().join("p.zip");
    m.partial(&["1"], &part);
    assert!(
        verify(&part, &["delegation"]).is_err(),
        "signed by the member's key"
    );
    let member_key = bundle::open_secret_key(&m.key, TEST_PASSPHRASE).unwrap().1;
    let trusted = [TrustedKey::parse(&member_key.pub_file).unwrap()];
    let check = |path: &Path| {
        bundle::verify_bundle(
            path,
            &trusted,
            &Limits::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
    };
    let v = check(&part).unwrap();
    assert_eq!(v.result.unwrap().visits[0].leaves.len(), 1);
    // Add 4.1.1 (scored on the laptop, in the log) to the result and sign again.
    let mut entries = read_zip(&std::fs::read(&part).unwrap());
    let i = entries
        .iter()
        .position(|e| String::from_utf8_lossy(&e.name).ends_with("data/result.json"))
        .unwrap();
    let mut result: serde_json::Value = serde_json::from_slice(&entries[i].data).unwrap();
    let mut extra = result["visits"][0]["leaves"][0].clone();
    extra["code"] = "4.1.1".into();
    result["visits"][0]["leaves"]
        .as_array_mut()
        .unwrap()
        .push(extra);
    entries[i].data = thamdinh_core::bundle::result::canonical_bytes(&result).unwrap();
    thamdinh_tests::resign(&mut entries, &m.key);
    let forged = dir.path().join("forged.zip");
    std::fs::write(&forged, thamdinh_tests::write_zip(&entries)).unwrap();
    let r = check(&forged).unwrap_err();
    assert_eq!(r.code, "outside-scope", "{r}");
    assert!(r.message.contains("4.1.1"), "{r}");
}

// ---- The unit's drawn acknowledgement ----------------------------------------------------------

#[test]
fn the_units_drawn_acknowledgement_travels_in_the_bundle_and_cannot_be_swapped() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, visit) = sample_store(&dir.path().join("store"));
    assert!(
        store
            .acknowledge(&visit, " ", "", &thamdinh_tests::drawn_signature(1))
            .is_err(),
        "a name"
    );
    assert!(
        store
            .acknowledge(&visit, "Phạm Văn Dũng", "", b"GIF89a")
            .is_err(),
        "a PNG"
    );
    let png = thamdinh_tests::drawn_signature(1);
    let ack = store
        .acknowledge(&visit, "Phạm Văn Dũng", "Chủ tịch UBND xã", &png)
        .unwrap();
    let log = store.audit(&visit, None).unwrap();
    assert_eq!(log.last().unwrap().action, "acknowledge");
    assert_eq!(
        log.last().unwrap().new.as_deref(),
        Some(ack.image_sha256.as_str())
    );

    let out = dir.path().join("b.zip");
    export_signed(&store, &visit, "delegation", &out);
    let v = verify(&out, &["delegation"]).unwrap();
    let doc = v.result.unwrap().visits[0].acknowledgement.clone().unwrap();
    assert_eq!(
        (doc.name.as_str(), doc.title.as_str()),
        ("Phạm Văn Dũng", "Chủ tịch UBND xã")
    );
    let entries = read_zip(&std::fs::read(&out).unwrap());
    let root = thamdinh_tests::root_of(&entries);
    let carried = entries
        .iter()
        .find(|e| e.name == format!("{root}{}", doc.image).as_bytes())
        .unwrap();
    assert_eq!(
        carried.data, png,
        "the drawing itself, covered by the manifest"
    );

    // Swapped for another drawing and signed again by a key holder: the log says otherwise.
    let other = thamdinh_tests::drawn_signature(7);
    let other_sha = thamdinh_core::digest::sha256_hex(&other);
    let mut forged = entries.clone();
    let i = forged.iter().position(|e| e.name == carried.name).unwrap();
    forged[i].data = other.clone();
    forged[i].name = format!("{root}data/files/{other_sha}.png").into_bytes();
    let r = forged
        .iter()
        .position(|e| String::from_utf8_lossy(&e.name).ends_with("data/result.json"))
        .unwrap();
    let mut result: serde_json::Value = serde_json::from_slice(&forged[r].data).unwrap();
    result["visits"][0]["acknowledgement"]["image"] = format!("data/files/{other_sha}.png").into();
    result["visits"][0]["acknowledgement"]["image_sha256"] = other_sha.clone().into();
    forged[r].data = thamdinh_core::bundle::result::canonical_bytes(&result).unwrap();
    thamdinh_tests::resign(&mut forged, &test_key("delegation"));
    let path = dir.path().join("forged.zip");
    std::fs::write(&path, thamdinh_tests::write_zip(&forged)).unwrap();
    let r = verify(&path, &["delegation"]).unwrap_err();
    assert_eq!(r.code, "inconsistent-result", "{r}");
    assert!(r.message.contains("xác nhận của đơn vị"), "{r}");

    // Dropped from result.json: also seen.
    let mut dropped = entries.clone();
    let r = dropped
        .iter()
        .position(|e| String::from_utf8_lossy(&e.name).ends_with("data/result.json"))
        .unwrap();
    let mut result: serde_json::Value = serde_json::from_slice(&dropped[r].data).unwrap();
    result["visits"][0]
        .as_object_mut()
        .unwrap()
        .remove("acknowledgement");
    dropped[r].data = thamdinh_core::bundle::result::canonical_bytes(&result).unwrap();
    dropped.retain(|e| e.name != carried.name);
    thamdinh_tests::resign(&mut dropped, &test_key("delegation"));
    std::fs::write(&path, thamdinh_tests::write_zip(&dropped)).unwrap();
    assert_eq!(
        verify(&path, &["delegation"]).unwrap_err().code,
        "inconsistent-result"
    );
}
