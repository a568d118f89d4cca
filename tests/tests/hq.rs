//! Sở Nội vụ's half, as scenarios: delegations' laptops (stores of their own) export signed
//! bundles; an HQ store imports them in every order and shape the issue names, and computes
//! the results with the field side's own scoring.
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use thamdinh_core::bundle;
use thamdinh_core::hq::import::{ImportOutcome, ImportStatus, import_bundles};
use thamdinh_core::hq::merge::ConflictKind;
use thamdinh_core::hq::results::UnitStatus;
use thamdinh_core::score_sheet;
use thamdinh_core::store::{NewCampaign, Store};
use thamdinh_tests::{TEST_PASSPHRASE, read_zip, resign, test_key, write_zip};

/// The small set of the CLI tests: 1.1.1 (max 50), 1.1.2 (2, N/A reduces the max), 1.1.3 (8, N/A
/// awards it), 2.1 (20), 2.2 (20, survey); bonus 9.1, penalty 9.2.
const SET: &str = include_str!("../../src-tauri/crates/cli/tests/cmd/data/sample.json");
const UNITS: &str = "code,name,type\nX1,Xã A,xã\nX2,Xã B,xã\nX3,Xã C,xã\nP1,Phường D,phường\n";

fn new_campaign(store: &mut Store, province: &str) -> String {
    let c = store
        .create_campaign(&NewCampaign {
            name: "CCHC 2025",
            year: 2025,
            province,
            criteria_set_json: SET,
            ..Default::default()
        })
        .unwrap();
    let rows = thamdinh_core::units::parse_unit_list(UNITS.as_bytes()).unwrap();
    store.import_units(&c.id, &rows).unwrap();
    c.id
}

/// A delegation's laptop: its own store and campaign (created locally, no plan).
struct Laptop {
    dir: tempfile::TempDir,
    store: Store,
    campaign: String,
    key: String,
}

impl Laptop {
    fn new(key: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(&dir.path().join("store")).unwrap();
        let campaign = new_campaign(&mut store, "Hà Tĩnh");
        Laptop {
            dir,
            store,
            campaign,
            key: test_key(key),
        }
    }

    /// A visit of `unit` scored from `code,self,appraised[,reason]` lines.
    fn visit(&mut self, unit: &str, sheet: &str) -> String {
        let unit = self
            .store
            .units(&self.campaign)
            .unwrap()
            .into_iter()
            .find(|u| u.code == unit)
            .unwrap();
        let v = self
            .store
            .create_visit(&unit.id, "14/10/2025", "", &[])
            .unwrap();
        self.score(&v.id, sheet);
        v.id
    }

    fn score(&mut self, visit: &str, sheet: &str) {
        let set = self.store.visit_set(visit).unwrap();
        let text = format!("code,self,appraised,reason\n{sheet}");
        let rows = score_sheet::parse(&set, text.as_bytes()).unwrap();
        self.store.set_scores(visit, &rows).unwrap();
    }

    /// A second laptop made now from a copy of this one's store (same campaign, visits, key).
    fn copy(&mut self) -> Laptop {
        let dir = tempfile::tempdir().unwrap();
        let here = self.dir.path().join("store");
        // Closed while copied, so the copy is a consistent store.
        let store = std::mem::replace(&mut self.store, Store::open_in_memory().unwrap());
        drop(store);
        copy_dir(&here, &dir.path().join("store"));
        self.store = Store::open_dir(&here).unwrap();
        Laptop {
            store: Store::open_dir(&dir.path().join("store")).unwrap(),
            dir,
            campaign: self.campaign.clone(),
            key: self.key.clone(),
        }
    }

    fn export(&self, visits: &[&str], name: &str) -> PathBuf {
        let out = self.dir.path().join(name);
        let visits: Vec<String> = visits.iter().map(|v| v.to_string()).collect();
        bundle::export_bundle(
            &self.store,
            &visits,
            &self.key,
            TEST_PASSPHRASE,
            &out,
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        out
    }
}

/// Full marks but for the values given: every appraised leaf scored.
const FULL: &str = "1.1.1,50,50\n1.1.2,2,2\n1.1.3,8,8\n2.1,20,20\n2.2,,20\n";

fn sheet(changes: &[(&str, &str)]) -> String {
    FULL.lines()
        .map(|line| {
            let code = line.split(',').next().unwrap();
            match changes.iter().find(|(c, _)| *c == code) {
                Some((_, row)) => format!("{code},{row}\n"),
                None => format!("{line}\n"),
            }
        })
        .collect()
}

/// The key id of a test key.
fn key_id_of(key: &str) -> String {
    let public =
        std::fs::read_to_string(thamdinh_tests::bundles_dir().join(format!("keys/{key}.key.pub")))
            .unwrap();
    bundle::parse_public_key(&public).unwrap().1
}

struct Hq {
    _dir: tempfile::TempDir,
    store: Store,
    campaign: String,
}

impl Hq {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(&dir.path().join("hq")).unwrap();
        let campaign = new_campaign(&mut store, "hà tĩnh");
        Hq {
            _dir: dir,
            store,
            campaign,
        }
    }

    fn trust(&mut self, key: &str) {
        let public = std::fs::read_to_string(
            thamdinh_tests::bundles_dir().join(format!("keys/{key}.key.pub")),
        )
        .unwrap();
        self.store.hq_trust_add(&public, key, None).unwrap();
    }

    fn import(&mut self, files: &[&Path]) -> Vec<ImportOutcome> {
        let files: Vec<PathBuf> = files.iter().map(|f| f.to_path_buf()).collect();
        import_bundles(&mut self.store, &files, &|_, _| {}, &AtomicBool::new(false)).unwrap()
    }

    fn statuses(&mut self, files: &[&Path]) -> Vec<(ImportStatus, String)> {
        self.import(files)
            .into_iter()
            .map(|o| (o.status, o.code))
            .collect()
    }

    fn unit(&self, code: &str) -> thamdinh_core::hq::results::UnitResult {
        self.store
            .hq_results(&self.campaign)
            .unwrap()
            .into_iter()
            .find(|u| u.code == code)
            .unwrap()
    }

    fn bundles(&self) -> usize {
        self.store.hq_bundles(&self.campaign).unwrap().len()
    }
}

use ImportStatus::*;

#[test]
fn the_same_bundle_twice_is_a_no_op() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", FULL);
    let b = field.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    assert_eq!(hq.statuses(&[&b]), [(Imported, "imported".into())]);
    let again = hq.import(&[&b]);
    assert_eq!(
        (again[0].status, again[0].code.as_str()),
        (Duplicate, "duplicate")
    );
    assert!(
        again[0].message.contains("đã được nhập lúc"),
        "{}",
        again[0].message
    );
    assert_eq!(hq.bundles(), 1);
}

#[test]
fn results_equal_the_field_sides_totals() {
    let mut field = Laptop::new("delegation");
    let v = field.visit(
        "X1",
        &sheet(&[
            ("1.1.1", "50,45,thiếu văn bản"),
            ("1.1.2", "NA,NA,không phát sinh"),
            ("2.1", "20,18,chậm"),
        ]),
    );
    let b = field.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&b]);
    let field_total = field.store.visit_view(&v).unwrap().totals.appraised.total;
    let unit = hq.unit("X1");
    // 45 + N/A (max 2 removed) + 8 + 18 + 20 = 91 of 98 → 92,86 %, computed by hand.
    assert_eq!((unit.points.as_str(), unit.max.as_str()), ("91", "98"));
    assert_eq!(unit.index.as_deref(), Some("92.86"));
    assert_eq!(unit.points, field_total.points.to_string());
    assert_eq!(unit.index, field_total.index.map(|i| i.to_string()));
    assert_eq!((unit.status, unit.rank), (UnitStatus::Ranked, Some(1)));
    assert_eq!(hq.unit("X2").status, UnitStatus::Missing);
    assert_eq!(hq.unit("X2").rank, None);
}

#[test]
fn revisions_count_the_newest_whatever_the_arrival_order() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,40,thiếu")]));
    let r1 = field.export(&[&v], "r1.zip");
    field.score(&v, "1.1.1,50,45,bổ sung\n");
    let r2 = field.export(&[&v], "r2.zip");
    field.score(&v, "1.1.1,50,47,bổ sung thêm\n");
    let r3 = field.export(&[&v], "r3.zip");
    let files = [&r1, &r2, &r3];
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let mut hq = Hq::new();
        hq.trust("delegation");
        let outcomes: Vec<ImportStatus> = order
            .iter()
            .map(|&i| hq.import(&[files[i].as_path()])[0].status)
            .collect();
        for (position, &i) in order.iter().enumerate() {
            // A revision counts on its whole ancestry only; before its parent arrives it waits.
            let arrived = &order[..=position];
            let whole = |j: usize| (0..=j).all(|k| arrived.contains(&k));
            let expected = if !whole(i) {
                Waiting
            } else if arrived.iter().any(|&j| j > i && whole(j)) {
                Superseded
            } else {
                Imported
            };
            assert_eq!(outcomes[position], expected, "order {order:?}");
        }
        let unit = hq.unit("X1");
        assert_eq!(unit.points, "97", "revision 3 counts, order {order:?}");
        assert_eq!(hq.bundles(), 3, "history kept");
    }
}

#[test]
fn a_fork_counts_neither_side_until_the_officer_chooses() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,40,thiếu")]));
    let r1 = field.export(&[&v], "r1.zip");
    // The laptop's store copied before revision 2: two different revision 2 of the same visit.
    let mut twin = field.copy();
    field.score(&v, "1.1.1,50,45,a\n");
    let a = field.export(&[&v], "a.zip");
    twin.score(&v, "1.1.1,50,30,b\n");
    let b = twin.export(&[&v], "b.zip");

    let mut hq = Hq::new();
    hq.trust("delegation");
    assert_eq!(
        hq.statuses(&[&r1, &a, &b]),
        [
            (Imported, "imported".into()),
            (Imported, "imported".into()),
            (Conflict, "fork".into())
        ]
    );
    assert_eq!(
        hq.unit("X1").points,
        "90",
        "the parent (40) counts meanwhile"
    );
    // A fork is a disagreement like any other: listed, the unit unranked until a choice.
    assert_eq!(hq.unit("X1").status, UnitStatus::Conflict);
    let conflicts = hq.store.hq_conflicts(&hq.campaign).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].kind, ConflictKind::Fork);
    assert_eq!(
        conflicts[0]
            .sides
            .iter()
            .map(|s| s.revision)
            .collect::<Vec<_>>(),
        [1, 2, 2]
    );
    // The province workbook lists it on its Xung đột sheet, read back by a spreadsheet reader.
    {
        use calamine::Reader;
        let bytes = hq.store.hq_workbook(&hq.campaign).unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Xung đột").unwrap();
        let rows: Vec<String> = sheet
            .rows()
            .skip(1)
            .map(|r| {
                r.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].starts_with("X1|rẽ nhánh"), "{rows:?}");
    }
    let b_id = hq.import(&[&b])[0].bundle_id.clone().unwrap();
    hq.store.choose_fork(&b_id, "bản của trưởng đoàn").unwrap();
    assert_eq!(hq.unit("X1").points, "80", "the chosen side (30) counts");
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
    assert!(hq.store.hq_conflicts(&hq.campaign).unwrap().is_empty());
    // A revision 3 built on the side not chosen is held, never silently counted.
    field.score(&v, "1.1.1,50,50,\n");
    let a3 = field.export(&[&v], "a3.zip");
    assert_eq!(hq.statuses(&[&a3]), [(Conflict, "foreign-revision".into())]);
    assert_eq!(hq.unit("X1").points, "80", "still the chosen side");
    assert_eq!(hq.unit("X1").status, UnitStatus::Conflict);
}

#[test]
fn a_fork_without_an_earlier_revision_is_a_conflict_not_a_missing_unit() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,40,thiếu")]));
    // The same revision 1 twice: from the laptop and from a copy of it, scored otherwise.
    let mut twin = field.copy();
    let a = field.export(&[&v], "a.zip");
    twin.score(&v, "1.1.1,50,30,b\n");
    let b = twin.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    assert_eq!(
        hq.statuses(&[&a, &b]),
        [(Imported, "imported".into()), (Conflict, "fork".into())]
    );
    assert_eq!(hq.unit("X1").status, UnitStatus::Conflict, "not missing");
    let conflicts = hq.store.hq_conflicts(&hq.campaign).unwrap();
    assert_eq!(
        conflicts.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [ConflictKind::Fork]
    );
}

#[test]
fn a_resolution_between_other_sides_reopens_when_a_revision_changes_a_side() {
    let mut d1 = Laptop::new("delegation");
    let mut d2 = Laptop::new("stranger");
    let a = d1.visit("X1", FULL);
    let b = d2.visit("X1", &sheet(&[("1.1.1", "50,45,thiếu")]));
    let (fa, fb) = (d1.export(&[&a], "a.zip"), d2.export(&[&b], "b.zip"));
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.trust("stranger");
    hq.import(&[&fa, &fb]);
    hq.store
        .hq_resolve(&hq.campaign, "X1", "1.1.1", "47,5", "theo hồ sơ gốc")
        .unwrap();
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
    // The second delegation sends a revision changing that very leaf.
    d2.score(&b, "1.1.1,50,40,thiếu nhiều\n");
    let fb2 = d2.export(&[&b], "b2.zip");
    let o = hq.import(&[&fb2]);
    assert_eq!(
        (o[0].status, o[0].code.as_str()),
        (Conflict, "leaf-conflict")
    );
    assert!(
        o[0].message.contains("1.1.1") && o[0].message.contains("không còn áp dụng"),
        "{}",
        o[0].message
    );
    let conflicts = hq.store.hq_conflicts(&hq.campaign).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert!(conflicts[0].reopened && conflicts[0].resolution.is_none());
    assert_eq!(
        hq.unit("X1").status,
        UnitStatus::Conflict,
        "unranked until decided again"
    );
    hq.store
        .hq_resolve(&hq.campaign, "X1", "1.1.1", "45", "đã xem bản sửa")
        .unwrap();
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
    // A revision that keeps the same value on that leaf leaves the decision standing.
    d2.score(&b, "1.1.1,50,40,thiếu nhiều (đã đối chiếu)\n");
    let fb3 = d2.export(&[&b], "b3.zip");
    assert_eq!(hq.statuses(&[&fb3]), [(Imported, "imported".into())]);
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
}

#[test]
fn a_label_grants_nothing_membership_of_a_delegation_does() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,40,thiếu")]));
    let r1 = field.export(&[&v], "r1.zip");
    field.score(&v, "1.1.1,50,50,\n");
    field.key = test_key("stranger");
    let r2 = field.export(&[&v], "r2.zip");
    let mut hq = Hq::new();
    let public = |k: &str| {
        std::fs::read_to_string(thamdinh_tests::bundles_dir().join(format!("keys/{k}.key.pub")))
            .unwrap()
    };
    // Both keys under the same label, "đoàn 1": the label gives the stranger no right.
    hq.store
        .hq_trust_add(&public("delegation"), "Đoàn 1", None)
        .unwrap();
    hq.store
        .hq_trust_add(&public("stranger"), " đoàn 1", None)
        .unwrap();
    assert_eq!(
        hq.statuses(&[&r1, &r2])[1],
        (Conflict, "foreign-revision".into())
    );
    assert_eq!(hq.unit("X1").points, "90");
    // HQ makes both members of the same delegation: the revision counts.
    hq.store
        .hq_trust_assign(&key_id_of("delegation"), "Đoàn 1")
        .unwrap();
    hq.store
        .hq_trust_assign(&key_id_of("stranger"), "Đoàn 1")
        .unwrap();
    assert_eq!(hq.unit("X1").points, "100");
    let log = hq.store.hq_log(&hq.campaign).unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "assign_delegation")
            .count(),
        2
    );
}

#[test]
fn a_bogus_extra_signature_never_removes_a_counted_bundle_when_its_key_is_trusted() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", FULL);
    let good = field.export(&[&v], "good.zip");
    // The same bag with a signature file "by" the stranger's key that signs something else.
    let mut entries = read_zip(&std::fs::read(&good).unwrap());
    let root = thamdinh_tests::root_of(&entries);
    let (_, info) = bundle::open_secret_key(&test_key("stranger"), TEST_PASSPHRASE).unwrap();
    // A genuine signature by that key — over another bundle's tag manifest.
    let other = field.export(&[&v], "other.zip");
    bundle::cosign_bundle(
        &other,
        &test_key("stranger"),
        TEST_PASSPHRASE,
        "Người lạ",
        &[],
    )
    .unwrap();
    let sig_name = format!("signatures/{}.minisig", info.key_id);
    let other_entries = read_zip(&std::fs::read(&other).unwrap());
    let bogus = other_entries
        .iter()
        .find(|e| e.name.ends_with(sig_name.as_bytes()))
        .unwrap()
        .data
        .clone();
    entries.push(thamdinh_tests::RawEntry::new(
        &format!("{root}{sig_name}"),
        &bogus,
    ));
    let extra = field.dir.path().join("extra.zip");
    std::fs::write(&extra, write_zip(&entries)).unwrap();
    let mut hq = Hq::new();
    hq.trust("delegation");
    assert_eq!(hq.statuses(&[&good])[0].0, Imported);
    // Its key is not trusted: the extra signature is listed, unchecked, and counts for nothing.
    assert_eq!(hq.statuses(&[&extra])[0].0, Imported);
    assert_eq!(hq.bundles(), 1);
    let (_, outcomes) = hq
        .store
        .hq_trust_add(&info.pub_file, "Người lạ", None)
        .unwrap();
    assert_eq!(outcomes.len(), 1);
    assert!(
        outcomes[0].message.contains("bỏ qua"),
        "{}",
        outcomes[0].message
    );
    assert_eq!(hq.bundles(), 1, "nothing deleted");
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
}

#[test]
fn another_delegations_key_cannot_replace_a_result_by_revision() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,40,thiếu")]));
    let r1 = field.export(&[&v], "r1.zip");
    field.score(&v, "1.1.1,50,50,\n");
    // Revision 2 of the same visits, signed by another (trusted) delegation's key.
    field.key = test_key("stranger");
    let r2 = field.export(&[&v], "r2.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.trust("stranger");
    assert_eq!(
        hq.statuses(&[&r1, &r2]),
        [
            (Imported, "imported".into()),
            (Conflict, "foreign-revision".into())
        ]
    );
    assert_eq!(hq.unit("X1").points, "90", "revision 1 still counts");
    let id = hq.import(&[&r2])[0].bundle_id.clone().unwrap();
    hq.store
        .choose_fork(&id, "Sở Nội vụ xác minh với trưởng đoàn")
        .unwrap();
    assert_eq!(
        hq.unit("X1").points,
        "100",
        "counted once the officer decided"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn an_unknown_key_is_quarantined_until_trusted() {
    let mut field = Laptop::new("stranger");
    let v = field.visit("X2", FULL);
    let b = field.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    let o = hq.import(&[&b]);
    assert_eq!(
        (o[0].status, o[0].code.as_str()),
        (Quarantined, "untrusted-signer")
    );
    // The name is the bundle's own claim: the line names the key that signed it too.
    assert!(
        o[0].signer
            .ends_with(&format!("({})", key_id_of("stranger"))),
        "{}",
        o[0].signer
    );
    assert_eq!(hq.unit("X2").status, UnitStatus::Missing, "not counted");
    let public =
        std::fs::read_to_string(thamdinh_tests::bundles_dir().join("keys/stranger.key.pub"))
            .unwrap();
    let (_, released) = hq.store.hq_trust_add(&public, "Đoàn 3", None).unwrap();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].status, Imported);
    assert_eq!(hq.unit("X2").status, UnitStatus::Ranked);
}

#[test]
fn a_revoked_key_is_refused_later_and_flags_what_it_signed() {
    let mut field = Laptop::new("delegation");
    let v1 = field.visit("X1", FULL);
    let v2 = field.visit("X2", FULL);
    let b1 = field.export(&[&v1], "b1.zip");
    let b2 = field.export(&[&v2], "b2.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&b1]);
    let key_id = hq.store.trusted_keys().unwrap()[0].key_id.clone();
    assert_eq!(
        hq.store
            .hq_trust_revoke(&key_id, "máy tính bị mất")
            .unwrap(),
        1
    );
    let o = hq.import(&[&b2]);
    assert_eq!((o[0].status, o[0].code.as_str()), (Refused, "revoked-key"));
    let x1 = hq.unit("X1");
    assert_eq!((x1.status, x1.rank), (UnitStatus::Review, None));
    assert!(x1.review[0].contains("máy tính bị mất"), "{:?}", x1.review);
    let id = x1.bundles[0].clone();
    hq.store
        .hq_review(&id, true, "đã xác minh qua điện thoại")
        .unwrap();
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
}

#[test]
fn two_delegations_disagreeing_on_three_leaves_wait_for_the_officer() {
    let mut d1 = Laptop::new("delegation");
    let mut d2 = Laptop::new("stranger");
    let a = d1.visit("X1", FULL);
    let b = d2.visit(
        "X1",
        &sheet(&[
            ("1.1.1", "50,45,thiếu"),
            ("2.1", "20,15,chậm"),
            ("1.1.3", "8,NA,không phát sinh"),
        ]),
    );
    let (fa, fb) = (d1.export(&[&a], "a.zip"), d2.export(&[&b], "b.zip"));
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.trust("stranger");
    assert_eq!(
        hq.statuses(&[&fa, &fb]),
        [
            (Imported, "imported".into()),
            (Conflict, "leaf-conflict".into())
        ]
    );
    let conflicts = hq.store.hq_conflicts(&hq.campaign).unwrap();
    let codes: Vec<&str> = conflicts.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        ["1.1.1", "1.1.3", "2.1"],
        "equal leaves are not conflicts"
    );
    let unit = hq.unit("X1");
    assert_eq!(
        (unit.status, unit.rank, unit.conflicts),
        (UnitStatus::Conflict, None, 3)
    );
    for (code, value) in [("1.1.1", "47,5"), ("1.1.3", "8"), ("2.1", "15")] {
        hq.store
            .hq_resolve(&hq.campaign, "X1", code, value, "theo hồ sơ gốc")
            .unwrap();
    }
    assert!(
        hq.store
            .hq_resolve(&hq.campaign, "X1", "2.2", "20", "x")
            .is_err(),
        "no conflict there"
    );
    assert!(
        hq.store
            .hq_resolve(&hq.campaign, "X1", "2.1", "99", "x")
            .is_err(),
        "out of range"
    );
    let unit = hq.unit("X1");
    assert_eq!(
        (unit.status, unit.points.as_str()),
        (UnitStatus::Ranked, "92.5")
    );
    let log = hq.store.hq_log(&hq.campaign).unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "resolve").count(), 3);
    assert_eq!(hq.store.verify_hq_log(&hq.campaign).unwrap(), log.len());
}

#[test]
fn a_tampered_bundle_among_good_ones_writes_nothing_of_itself() {
    let mut field = Laptop::new("delegation");
    let (v1, v2) = (field.visit("X1", FULL), field.visit("X2", FULL));
    let good = field.export(&[&v1], "good.zip");
    let other = field.export(&[&v2], "other.zip");
    // A byte of the signed result changed after signing.
    let mut entries = read_zip(&std::fs::read(&other).unwrap());
    let i = entries
        .iter()
        .position(|e| e.name.ends_with(b"data/result.json"))
        .unwrap();
    entries[i].data = String::from_utf8(entries[i].data.clone())
        .unwrap()
        .replacen("\"50\"", "\"49\"", 1)
        .into_bytes();
    let tampered = field.dir.path().join("tampered.zip");
    std::fs::write(&tampered, write_zip(&entries)).unwrap();
    let folder = field.dir.path().join("usb");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&good, folder.join("1.zip")).unwrap();
    std::fs::copy(&tampered, folder.join("2.zip")).unwrap();
    let mut hq = Hq::new();
    hq.trust("delegation");
    let o = hq.import(&[&folder]);
    assert_eq!((o[0].status, o[1].status), (Imported, Refused));
    assert_eq!(o[1].code, "hash-mismatch");
    assert_eq!(o[1].entry.as_deref(), Some("data/result.json"));
    assert_eq!(hq.bundles(), 1, "nothing of the tampered bundle stored");
    assert_eq!(hq.unit("X2").status, UnitStatus::Missing);
}

#[test]
fn bundles_for_another_set_or_unit_or_reusing_an_id_are_refused_by_name() {
    // Another criteria set: the built-in xã set, same year and province.
    let dir = tempfile::tempdir().unwrap();
    let mut other = Store::open_dir(dir.path()).unwrap();
    let visit = thamdinh_core::demo::create_demo(&mut other, "xa-2025").unwrap();
    let mut hq = Hq::new();
    let c = other
        .campaign(&other.visit_view(&visit.id).unwrap().campaign.id)
        .unwrap();
    hq.store
        .create_campaign(&NewCampaign {
            name: "khác",
            year: c.year,
            province: &c.province,
            criteria_set_json: SET,
            ..Default::default()
        })
        .unwrap();
    let out = dir.path().join("x.zip");
    bundle::export_bundle(
        &other,
        &[visit.id],
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &out,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    hq.trust("delegation");
    let o = hq.import(&[&out]);
    assert_eq!(
        (o[0].status, o[0].code.as_str()),
        (Refused, "wrong-criteria-set")
    );
    assert!(
        o[0].message.contains(&c.criteria_set_id),
        "{}",
        o[0].message
    );

    // A unit the campaign does not have.
    let mut field = Laptop::new("delegation");
    field
        .store
        .add_unit(
            &field.campaign,
            &thamdinh_core::units::NewUnit {
                code: "X9".into(),
                name: "Xã lạ".into(),
                unit_type: "xã".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let v = field.visit("X9", FULL);
    let b = field.export(&[&v], "x9.zip");
    let hq_campaign = hq.campaign.clone();
    let o = hq.import(&[&b]);
    assert_eq!((o[0].status, o[0].code.as_str()), (Refused, "unknown-unit"));
    assert!(o[0].message.contains("X9"));

    // The same Bundle-Id with other content, re-signed by the same (trusted) key.
    let v = field.visit("X1", FULL);
    let b = field.export(&[&v], "x1.zip");
    let mut entries = read_zip(&std::fs::read(&b).unwrap());
    let i = entries
        .iter()
        .position(|e| e.name.ends_with(b"data/result.json"))
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&entries[i].data).unwrap();
    doc["created_at"] = "2025-10-15T00:00:00.000Z".into();
    entries[i].data = bundle::result::canonical_bytes(&doc).unwrap();
    resign(&mut entries, &test_key("delegation"));
    let twin = field.dir.path().join("twin.zip");
    std::fs::write(&twin, write_zip(&entries)).unwrap();
    assert_eq!(
        hq.statuses(&[&b, &twin])[1],
        (Refused, "bundle-id-reused".into())
    );
    assert_eq!(hq.store.hq_bundles(&hq_campaign).unwrap().len(), 1);
}

#[test]
fn survey_points_are_checked_cell_by_cell_all_or_nothing() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", FULL);
    let b = field.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&b]);
    let c = hq.campaign.clone();
    let bad = "code,2.2,2.1\nX1,\"12,5\",3\nX7,4,\nX2,25,\n";
    let problems = hq
        .store
        .hq_import_survey(&c, bad.as_bytes(), "bad.csv")
        .unwrap()
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].contains("dòng 2, cột C") && problems[0].contains("2.1"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("dòng 3, cột A") && problems[1].contains("X7"),
        "{problems:?}"
    );
    assert!(
        problems[2].contains("dòng 4, cột B") && problems[2].contains("20"),
        "{problems:?}"
    );
    assert!(
        hq.store.hq_survey_points(&c).unwrap().is_empty(),
        "nothing written"
    );
    let long = "code,leaf,points\nX1,2.2,\"12,5\"\n";
    assert_eq!(
        hq.store
            .hq_import_survey(&c, long.as_bytes(), "ok.csv")
            .unwrap(),
        Ok(1)
    );
    assert_eq!(
        hq.unit("X1").points,
        "92.5",
        "survey 12,5 replaces the bundle's 20"
    );
}

#[test]
fn the_weakest_criteria_come_first_with_their_reasons_grouped() {
    let mut field = Laptop::new("delegation");
    let a = field.visit(
        "X1",
        &sheet(&[("2.1", "20,10,chậm báo cáo"), ("1.1.1", "50,45,thiếu")]),
    );
    let b = field.visit("X2", &sheet(&[("2.1", "20,12,chậm báo cáo")]));
    let c = field.visit("X3", &sheet(&[("2.1", "20,14,thiếu số liệu")]));
    let bundle = field.export(&[&a, &b, &c], "all.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&bundle]);
    let weakest = hq.store.hq_weakest(&hq.campaign, 2).unwrap();
    let leaves: Vec<&str> = weakest
        .iter()
        .filter(|w| !w.is_area)
        .map(|w| w.code.as_str())
        .collect();
    assert_eq!(leaves, ["2.1", "1.1.1"]);
    let w = &weakest[0];
    // 10 + 12 + 14 = 36 of 60 → 60,00 %.
    assert_eq!(
        (
            w.points.as_str(),
            w.max.as_str(),
            w.share.as_deref(),
            w.units_below_max
        ),
        ("36", "60", Some("60.00"), 3)
    );
    assert_eq!(w.reasons[0].reason, "chậm báo cáo");
    assert_eq!(w.reasons[0].units, 2);
    let areas: Vec<&str> = weakest
        .iter()
        .filter(|w| w.is_area)
        .map(|w| w.code.as_str())
        .collect();
    assert_eq!(
        areas,
        ["2", "1"],
        "area 2 (96 of 120) is weaker than area 1 (175 of 180)"
    );
}

#[test]
fn bands_are_set_per_campaign_and_classify_the_ranked_units() {
    let mut field = Laptop::new("delegation");
    let a = field.visit("X1", FULL);
    let b = field.visit("X2", &sheet(&[("1.1.1", "50,30,thiếu")]));
    let bundle = field.export(&[&a, &b], "b.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&bundle]);
    assert_eq!(
        hq.unit("X2").band.as_deref(),
        Some("Tốt"),
        "80 % by the default bands"
    );
    let c = hq.campaign.clone();
    assert!(
        hq.store.hq_set_bands(&c, "95=A; 85=B; 85=C").is_err(),
        "a threshold twice"
    );
    assert!(hq.store.hq_set_bands(&c, "120=A").is_err());
    hq.store
        .hq_set_bands(&c, "95=Nhóm I, 75=Nhóm II, 0=Nhóm III")
        .unwrap();
    assert_eq!(hq.unit("X1").band.as_deref(), Some("Nhóm I"));
    assert_eq!(hq.unit("X2").band.as_deref(), Some("Nhóm II"));
    assert!(
        hq.store
            .hq_log(&c)
            .unwrap()
            .iter()
            .any(|e| e.action == "bands")
    );
}

#[test]
fn ties_share_a_rank_and_the_next_is_skipped() {
    let mut field = Laptop::new("delegation");
    let a = field.visit("X1", &sheet(&[("2.1", "20,10,a")]));
    let b = field.visit("X2", &sheet(&[("2.1", "20,10,a")]));
    let c = field.visit("X3", &sheet(&[("2.1", "20,5,a")]));
    let d = field.visit("P1", &sheet(&[("2.1", "20,1,a")]));
    let bundle = field.export(&[&a, &b, &c, &d], "all.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    assert_eq!(hq.statuses(&[&bundle])[0].0, Imported);
    let ranks: Vec<(String, Option<u32>, String)> = hq
        .store
        .hq_results(&hq.campaign)
        .unwrap()
        .into_iter()
        .map(|u| (u.code, u.rank, u.group))
        .collect();
    assert_eq!(
        ranks,
        [
            ("P1".into(), Some(1), "phuong".into()),
            ("X1".into(), Some(1), "xa".into()),
            ("X2".into(), Some(1), "xa".into()),
            ("X3".into(), Some(3), "xa".into()),
        ],
        "ranked within each group, ties 1, 1, 3"
    );
}

#[test]
fn the_province_workbook_reads_back_with_numbers_as_numbers() {
    use calamine::{Data, Reader};
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,45,thiếu văn bản")]));
    let b = field.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&b]);
    let bytes = hq.store.hq_workbook(&hq.campaign).unwrap();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    for name in ["Tổng hợp", "Điểm trừ", "Xung đột", "Nguồn"] {
        assert!(names.contains(&name.to_string()), "{names:?}");
    }
    let summary = book.worksheet_range("Tổng hợp").unwrap();
    let row = summary
        .rows()
        .find(|r| r.get(1) == Some(&Data::String("X1".into())))
        .unwrap();
    assert!(
        row.contains(&Data::Float(95.0)),
        "total as a number: {row:?}"
    );
    assert!(row.contains(&Data::Float(95.0)) && row.contains(&Data::String("Xã A".into())));
    let weak = book.worksheet_range("Tiêu chí yếu").unwrap();
    let first = weak.rows().nth(1).unwrap();
    assert_eq!(
        first[0],
        Data::String("1.1.1".into()),
        "the weakest leaf first: {first:?}"
    );
    let deductions = book.worksheet_range("Điểm trừ").unwrap();
    assert!(
        deductions
            .rows()
            .any(|r| r.contains(&Data::String("thiếu văn bản".into()))),
        "the reason travels to the workbook"
    );
}

#[test]
fn a_plan_carries_the_same_ids_and_its_bundles_match_by_id() {
    let mut hq = Hq::new();
    let key_text = test_key("delegation");
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.zip");
    let summary = thamdinh_core::hq::plan::export_plan(
        &hq.store,
        &hq.campaign,
        &key_text,
        TEST_PASSPHRASE,
        &plan,
    )
    .unwrap();
    let mut laptop = Store::open_dir(&dir.path().join("laptop")).unwrap();
    let opened = thamdinh_core::hq::plan::import_plan(&mut laptop, &plan, None).unwrap();
    assert_eq!(opened.campaign_id, hq.campaign);
    assert_eq!(
        opened.key_id, summary.key_id,
        "the HQ key id to compare by phone"
    );
    let hq_units: Vec<_> = hq.store.units(&hq.campaign).unwrap();
    assert_eq!(
        laptop.units(&hq.campaign).unwrap(),
        hq_units,
        "same ids, codes, groups"
    );
    assert!(
        thamdinh_core::hq::plan::import_plan(&mut laptop, &plan, None).is_err(),
        "opened once"
    );
    // A byte changed in the plan: refused.
    let mut entries = read_zip(&std::fs::read(&plan).unwrap());
    let i = entries
        .iter()
        .position(|e| e.name.ends_with(b"data/plan.json"))
        .unwrap();
    entries[i].data = String::from_utf8(entries[i].data.clone())
        .unwrap()
        .replacen("Xã A", "Xã Z", 1)
        .into_bytes();
    let bad = dir.path().join("bad.zip");
    std::fs::write(&bad, write_zip(&entries)).unwrap();
    let mut other = Store::open_in_memory().unwrap();
    let forged = thamdinh_core::hq::plan::import_plan(&mut other, &bad, None).unwrap_err();
    assert!(
        !forged.is_fault(),
        "a forged file is not the disk's fault: {forged}"
    );
    assert!(
        forged.to_string().starts_with("kế hoạch không hợp lệ: "),
        "{forged}"
    );
    let said = serde_json::to_value(forged.mistakes()).unwrap();
    assert_eq!(said[0]["key"], "file_not_valid", "{said}");
    assert_eq!(
        said[0]["params"]["kind"], "plan",
        "the UI names the kind: {said}"
    );

    // Scored on the laptop, the bundle names the plan and lands in HQ's campaign by id.
    let unit = laptop
        .units(&hq.campaign)
        .unwrap()
        .into_iter()
        .find(|u| u.code == "X1")
        .unwrap();
    let v = laptop
        .create_visit(&unit.id, "14/10/2025", "", &[])
        .unwrap();
    let set = laptop.visit_set(&v.id).unwrap();
    let text = format!("code,self,appraised\n{FULL}");
    laptop
        .set_scores(&v.id, &score_sheet::parse(&set, text.as_bytes()).unwrap())
        .unwrap();
    let b = dir.path().join("b.zip");
    bundle::export_bundle(
        &laptop,
        &[v.id],
        &key_text,
        TEST_PASSPHRASE,
        &b,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let verified = bundle::verify_bundle(
        &b,
        &laptop.verification_keys().unwrap(),
        &bundle::Limits::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(
        verified.result.unwrap().campaign.plan_id,
        Some(summary.plan_id)
    );
    hq.trust("delegation");
    assert_eq!(hq.statuses(&[&b]), [(Imported, "imported".into())]);
}

#[test]
fn a_bundle_missing_a_required_cosignature_is_incomplete_until_a_cosigned_copy_arrives() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", FULL);
    let single = field.export(&[&v], "b.zip");
    let cosigned = field.dir.path().join("b-cosigned.zip");
    std::fs::copy(&single, &cosigned).unwrap();
    let mut hq = Hq::new();
    hq.store
        .set_required_cosignatures(&hq.campaign.clone(), 1)
        .unwrap();
    hq.trust("delegation");
    let leader = key_id_of("delegation");
    hq.store.hq_trust_assign(&leader, "Đoàn 1").unwrap();
    let o = hq.import(&[&single]);
    assert_eq!(
        (o[0].status, o[0].code.as_str()),
        (Incomplete, "missing-cosignature"),
        "{}",
        o[0].message
    );
    assert!(o[0].message.contains("cần 1, có 0"), "{}", o[0].message);
    assert_eq!(hq.unit("X1").status, UnitStatus::Missing, "not counted");

    // A member co-signs with a key HQ does not trust yet: still incomplete, nothing doubled.
    bundle::cosign_bundle(
        &cosigned,
        &test_key("stranger"),
        TEST_PASSPHRASE,
        "Thành viên",
        &[],
    )
    .unwrap();
    assert_eq!(
        hq.statuses(&[&cosigned]),
        [(Incomplete, "missing-cosignature".into())]
    );
    assert_eq!(hq.bundles(), 1);
    // Trusting the member's key completes it.
    let public =
        std::fs::read_to_string(thamdinh_tests::bundles_dir().join("keys/stranger.key.pub"))
            .unwrap();
    // Trusted without membership of the leader's delegation, the co-signature counts for nothing.
    let (_, recounted) = hq.store.hq_trust_add(&public, "Thành viên", None).unwrap();
    assert_eq!(recounted.len(), 1);
    assert_eq!(recounted[0].status, Incomplete, "{}", recounted[0].message);
    hq.store
        .hq_trust_assign(&key_id_of("stranger"), "Đoàn 2")
        .unwrap();
    assert_eq!(
        hq.unit("X1").status,
        UnitStatus::Missing,
        "another delegation's key"
    );
    // Made a member of the leader's delegation (an HQ decision in the log), it counts.
    let (_, recounted) = hq
        .store
        .hq_trust_add(&public, "Thành viên", Some("đoàn 1"))
        .unwrap();
    assert_eq!(recounted.len(), 1);
    assert_eq!(recounted[0].status, Imported, "{}", recounted[0].message);
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
    // The single-signed copy again is the same bag: it takes nothing away.
    assert_eq!(hq.statuses(&[&single]), [(Duplicate, "duplicate".into())]);
    assert_eq!(hq.unit("X1").status, UnitStatus::Ranked);
}

/// A province's results at HQ: three units from two delegations, one disagreement resolved,
/// survey points and bands set; the bundle files in `bundles/`.
fn published_province(hq_key: &str) -> (Hq, tempfile::TempDir, PathBuf) {
    let mut d1 = Laptop::new("delegation");
    let mut d2 = Laptop::new("stranger");
    let x1 = d1.visit("X1", FULL);
    let x2 = d1.visit("X2", &sheet(&[("2.1", "20,12,thiếu hồ sơ")]));
    let x1_other = d2.visit("X1", &sheet(&[("1.1.1", "50,45,thiếu")]));
    let p1 = d2.visit("P1", &sheet(&[("1.1.3", "8,NA,không phát sinh")]));
    let dir = tempfile::tempdir().unwrap();
    let bundles = dir.path().join("bundles");
    std::fs::create_dir(&bundles).unwrap();
    let mut files = Vec::new();
    for (laptop, visit, name) in [
        (&d1, &x1, "x1.zip"),
        (&d1, &x2, "x2.zip"),
        (&d2, &x1_other, "x1-other.zip"),
        (&d2, &p1, "p1.zip"),
    ] {
        let f = bundles.join(name);
        std::fs::copy(laptop.export(&[visit], name), &f).unwrap();
        files.push(f);
    }
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.trust("stranger");
    let refs: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
    hq.import(&refs);
    hq.store
        .hq_resolve(&hq.campaign, "X1", "1.1.1", "47,5", "theo hồ sơ gốc")
        .unwrap();
    hq.store
        .hq_import_survey(
            &hq.campaign,
            "code;leaf;points\nX1;2.2;18,5\nX2;2.2;17\nP1;2.2;19\n".as_bytes(),
            "survey.csv",
        )
        .unwrap()
        .unwrap();
    hq.store
        .hq_set_bands(&hq.campaign, "95=Xuất sắc, 85=Tốt, 0=Cần cố gắng")
        .unwrap();
    let out = dir.path().join("ket-qua.zip");
    thamdinh_core::hq::publish::publish_results(
        &hq.store,
        &hq.campaign,
        hq_key,
        TEST_PASSPHRASE,
        &out,
    )
    .unwrap();
    (hq, dir, out)
}

fn recompute(
    results: &Path,
    bundles: &Path,
) -> thamdinh_core::Result<thamdinh_core::hq::publish::RecomputeReport> {
    thamdinh_core::hq::publish::recompute(results, bundles, None, &AtomicBool::new(false))
}

#[test]
fn published_results_recompute_byte_for_byte_from_exactly_their_sources() {
    let (hq_key, _) = bundle::new_key(TEST_PASSPHRASE, "Sở Nội vụ").unwrap();
    let (hq, dir, out) = published_province(&hq_key);
    let bundles = dir.path().join("bundles");
    let r = recompute(&out, &bundles).unwrap();
    assert!(r.matches, "{:#?}", r.differences);
    assert_eq!((r.sources, r.units), (4, 4));
    assert!(r.unlisted_files.is_empty());
    // The published figures are HQ's own: X1 as resolved, with its survey points.
    let x1 = hq.unit("X1");
    assert_eq!(x1.points, "96");
    // bagit.py accepts the results bag as it accepts result bundles.
    let bag = thamdinh_tests::unzip_bag(&out, &dir.path().join("unzipped"));
    thamdinh_tests::assert_bagit_py_validates(&bag);

    // An extra bundle in the folder is not used, and says so.
    let extra = Laptop::new("delegation");
    let mut extra = extra;
    let v = extra.visit("X3", FULL);
    std::fs::copy(extra.export(&[&v], "x3.zip"), bundles.join("x3.zip")).unwrap();
    let r = recompute(&out, &bundles).unwrap();
    assert!(r.matches);
    assert_eq!(r.unlisted_files.len(), 1);

    // A listed source missing from the folder is named.
    std::fs::remove_file(bundles.join("p1.zip")).unwrap();
    let e = recompute(&out, &bundles).unwrap_err().to_string();
    assert!(e.contains("thiếu 1 gói nguồn"), "{e}");
}

/// A results bag's files by path inside the bag.
type BagEntries = std::collections::BTreeMap<String, Vec<u8>>;

/// Rewrites a results bag with `change` applied to its entries and signs it again with the HQ
/// key, as a dishonest key holder would: only the recomputation can catch it.
fn forge_results(out: &Path, hq_key: &str, change: &dyn Fn(&mut BagEntries)) {
    re_sign(
        out,
        thamdinh_core::mistake::FileKind::ProvinceResults,
        hq_key,
        change,
    );
}

/// A signed HQ file (plan, results) changed by `change`, then signed again with the HQ key itself
/// (what only a key holder can do).
fn re_sign(
    out: &Path,
    kind: thamdinh_core::mistake::FileKind,
    hq_key: &str,
    change: &dyn Fn(&mut BagEntries),
) {
    use thamdinh_core::bag::small;
    let bag = small::read(out, kind, 1 << 30, None).unwrap();
    let mut entries = bag.entries.clone();
    change(&mut entries);
    let (sk, info) = bundle::open_secret_key(hq_key, TEST_PASSPHRASE).unwrap();
    let payload: Vec<(&str, &[u8])> = entries
        .iter()
        .filter(|(p, _)| p.starts_with("data/") && p.as_str() != small::HQ_KEY_PATH)
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    small::write(
        out,
        small::BagContent {
            root: "thamdinh-forged".into(),
            payload,
            bag_info: "Results-Format: 1\n".into(),
            trusted_comment: "forged".into(),
            untrusted_comment: "forged".into(),
        },
        &sk,
        &info,
    )
    .unwrap();
}

#[test]
fn a_plan_is_checked_as_strictly_as_a_unit_list_and_writes_nothing_when_wrong() {
    let hq = Hq::new();
    let key_text = test_key("delegation");
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.zip");
    thamdinh_core::hq::plan::export_plan(
        &hq.store,
        &hq.campaign,
        &key_text,
        TEST_PASSPHRASE,
        &plan,
    )
    .unwrap();
    // Signed by the HQ key itself: a careless export, not a forgery.
    re_sign(
        &plan,
        thamdinh_core::mistake::FileKind::Plan,
        &key_text,
        &|e| {
            let mut v: serde_json::Value = serde_json::from_slice(&e["data/plan.json"]).unwrap();
            let first = v["units"][0]["code"].clone();
            v["units"][1]["code"] = first;
            v["units"][2]["unit_type"] = "<script>".into();
            v["delegations"][0]["units"]
                .as_array_mut()
                .unwrap()
                .push("KHÔNG-CÓ".into());
            e.insert(
                "data/plan.json".into(),
                bundle::result::canonical_bytes(&v).unwrap(),
            );
        },
    );
    let mut laptop = Store::open_dir(&dir.path().join("laptop")).unwrap();
    let err = thamdinh_core::hq::plan::import_plan(&mut laptop, &plan, None).unwrap_err();
    let said = serde_json::to_value(err.mistakes()).unwrap();
    let keys: Vec<String> = said
        .as_array()
        .unwrap()
        .iter()
        .map(|m| match m["key"].as_str().unwrap() {
            "plan_unit_invalid" => format!(
                "{} {}",
                m["params"]["position"], m["params"]["mistake"]["key"]
            ),
            key => key.to_string(),
        })
        .collect();
    assert_eq!(
        keys,
        [
            "2 \"unit_code_repeated\"",
            "3 \"unknown_unit_type\"",
            // The code the second unit lost, and one never listed.
            "plan_delegation_unknown_unit",
            "plan_delegation_unknown_unit"
        ],
        "{err}"
    );
    assert!(
        laptop.trusted_keys().unwrap().is_empty() && laptop.campaigns().unwrap().is_empty(),
        "all or nothing: not even the HQ key is trusted"
    );
}

#[test]
fn results_a_key_holder_altered_do_not_recompute() {
    let (hq_key, _) = bundle::new_key(TEST_PASSPHRASE, "Sở Nội vụ").unwrap();
    let (_hq, dir, out) = published_province(&hq_key);
    let bundles = dir.path().join("bundles");
    let edit_json = |entries: &mut BagEntries, path: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_slice(&entries[path]).unwrap();
        f(&mut v);
        entries.insert(path.into(), serde_json::to_vec(&v).unwrap());
    };

    // A unit's points raised.
    let forged = dir.path().join("raised.zip");
    std::fs::copy(&out, &forged).unwrap();
    forge_results(&forged, &hq_key, &|e| {
        edit_json(e, "data/results.json", &|v| {
            let unit = v["units"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|u| u["code"] == "X2")
                .unwrap();
            unit["points"] = "99".into();
        })
    });
    let r = recompute(&forged, &bundles).unwrap();
    assert!(!r.matches);
    assert!(
        r.differences
            .iter()
            .any(|d| d.contains("X2") && d.contains("points")),
        "{:#?}",
        r.differences
    );

    // A resolution quietly changed: the recomputed figures follow the decisions, not the claim.
    let forged = dir.path().join("resolution.zip");
    std::fs::copy(&out, &forged).unwrap();
    forge_results(&forged, &hq_key, &|e| {
        edit_json(e, "data/decisions.json", &|v| {
            v["resolutions"][0]["value"] = "50".into();
        })
    });
    let r = recompute(&forged, &bundles).unwrap();
    assert!(!r.matches);
    assert!(
        r.differences.iter().any(|d| d.contains("X1")),
        "{:#?}",
        r.differences
    );

    // A source listed that was never imported (its file is not among the bundles).
    let forged = dir.path().join("phantom.zip");
    std::fs::copy(&out, &forged).unwrap();
    forge_results(&forged, &hq_key, &|e| {
        edit_json(e, "data/sources.json", &|v| {
            let mut phantom = v[0].clone();
            phantom["bundle_id"] = "00000000-0000-0000-0000-000000000000".into();
            phantom["sha256"] = "ab".repeat(32).into();
            v.as_array_mut().unwrap().push(phantom);
        })
    });
    let e = recompute(&forged, &bundles).unwrap_err().to_string();
    assert!(e.contains("00000000-0000-0000-0000-000000000000"), "{e}");

    // A counted source dropped from the list: the ranking no longer follows.
    let forged = dir.path().join("dropped.zip");
    std::fs::copy(&out, &forged).unwrap();
    forge_results(&forged, &hq_key, &|e| {
        edit_json(e, "data/sources.json", &|v| {
            v.as_array_mut().unwrap().retain(|s| s["units"][0] != "P1");
        })
    });
    let r = recompute(&forged, &bundles).unwrap();
    assert!(!r.matches);
    assert!(
        r.differences.iter().any(|d| d.contains("P1")),
        "{:#?}",
        r.differences
    );

    // A byte changed without signing again: refused before anything is computed.
    let mut bytes = std::fs::read(&out).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x20;
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, bytes).unwrap();
    assert!(recompute(&broken, &bundles).is_err());
}

#[test]
fn the_delegations_conclusions_travel_in_the_bundle_and_shortcomings_gather_across_units() {
    use thamdinh_core::conclusions::ConclusionKind::*;
    let mut field = Laptop::new("delegation");
    let x1 = field.visit("X1", &sheet(&[("2.1", "20,15,chậm")]));
    let x2 = field.visit("X2", &sheet(&[("2.1", "20,10,thiếu")]));
    for (visit, text) in [
        (&x1, "Chưa công khai đủ thủ tục"),
        (&x2, "Công khai thủ tục chậm"),
    ] {
        field
            .store
            .add_conclusion(visit, Shortcoming, text, &["2.1".into()], None)
            .unwrap();
    }
    field
        .store
        .add_conclusion(&x1, Strength, "Ban hành kế hoạch đúng hạn", &[], None)
        .unwrap();
    field
        .store
        .add_conclusion(
            &x1,
            Recommendation,
            "Bổ sung danh mục thủ tục lên cổng",
            &["2.1".into()],
            Some("31/12/2025"),
        )
        .unwrap();
    assert!(
        field
            .store
            .add_conclusion(&x1, Recommendation, "x", &["9.9.9".into()], None)
            .is_err(),
        "an unknown criterion is named"
    );
    assert!(
        field
            .store
            .add_conclusion(&x1, Recommendation, "x", &[], Some("31/02/2025"))
            .is_err()
    );
    let log = field.store.audit(&x1, None).unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "conclude").count(), 3);

    let a = field.export(&[&x1], "x1.zip");
    let b = field.export(&[&x2], "x2.zip");
    let v = bundle::verify_bundle(
        &a,
        &[bundle::TrustedKey::parse(
            &std::fs::read_to_string(thamdinh_tests::bundles_dir().join("keys/delegation.key.pub"))
                .unwrap(),
        )
        .unwrap()],
        &bundle::Limits::default(),
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let carried = &v.result.unwrap().visits[0].conclusions;
    assert_eq!(
        carried.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [Strength, Shortcoming, Recommendation]
    );
    assert_eq!(carried[2].deadline.as_deref(), Some("2025-12-31"));

    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&a, &b]);
    let common = hq.store.hq_shortcomings(&hq.campaign).unwrap();
    assert_eq!(common[0].code, "2.1");
    assert_eq!(
        common[0]
            .units
            .iter()
            .map(|u| u.unit.as_str())
            .collect::<Vec<_>>(),
        ["X1", "X2"]
    );
}

/// Two imports at once of the same bundles (two officers, a window and the CLI): both finish,
/// every bundle gets one outcome in each — imported in one, duplicate in the other — and nothing
/// is stored twice.
#[test]
fn two_imports_at_once_of_the_same_bundles_both_finish_and_count_each_once() {
    let mut field = Laptop::new("delegation");
    let files: Vec<PathBuf> = ["X1", "X2", "X3", "P1"]
        .iter()
        .map(|u| {
            let v = field.visit(u, FULL);
            field.export(&[&v], &format!("{u}.zip"))
        })
        .collect();
    let mut hq = Hq::new();
    hq.trust("delegation");
    let data = hq.store.data_dir().unwrap();
    for round in 0..3 {
        let outcomes: Vec<Vec<ImportOutcome>> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        let mut store = Store::open_dir(&data).unwrap();
                        import_bundles(&mut store, &files, &|_, _| {}, &AtomicBool::new(false))
                            .unwrap()
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (i, file) in files.iter().enumerate() {
            let mut seen = [outcomes[0][i].status, outcomes[1][i].status];
            seen.sort_by_key(|s| format!("{s:?}"));
            let expected = if round == 0 {
                [Duplicate, Imported]
            } else {
                [Duplicate, Duplicate]
            };
            assert_eq!(seen, expected, "round {round}, {}", file.display());
        }
        assert_eq!(hq.bundles(), files.len());
    }
}

/// Fork → the officer's choice → a later revision on the chosen side → publish: the published
/// results recompute (the choice holds for what it decided, whatever came after); and only the
/// HQ key the plan names may publish.
#[test]
fn a_fork_chosen_then_revised_still_recomputes_and_only_the_plan_key_publishes() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", &sheet(&[("1.1.1", "50,40,thiếu")]));
    let dir = tempfile::tempdir().unwrap();
    let bundles = dir.path().join("bundles");
    std::fs::create_dir(&bundles).unwrap();
    let keep = |f: PathBuf| {
        let to = bundles.join(f.file_name().unwrap());
        std::fs::copy(&f, &to).unwrap();
        to
    };
    let r1 = keep(field.export(&[&v], "r1.zip"));
    let mut twin = field.copy();
    field.score(&v, "1.1.1,50,45,a\n");
    let a = keep(field.export(&[&v], "a.zip"));
    twin.score(&v, "1.1.1,50,30,b\n");
    let b = keep(twin.export(&[&v], "b.zip"));
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.import(&[&r1, &a, &b]);
    let b_id = hq.import(&[&b])[0].bundle_id.clone().unwrap();
    hq.store.choose_fork(&b_id, "bản của trưởng đoàn").unwrap();
    twin.score(&v, "1.1.1,50,35,bổ sung\n");
    let b3 = keep(twin.export(&[&v], "b3.zip"));
    assert_eq!(hq.statuses(&[&b3]), [(Imported, "imported".into())]);
    assert_eq!(hq.unit("X1").points, "85");

    // The campaign's plan names an HQ key: another key may not publish its results.
    let (hq_key, _) = bundle::new_key(TEST_PASSPHRASE, "Sở Nội vụ").unwrap();
    thamdinh_core::hq::plan::export_plan(
        &hq.store,
        &hq.campaign,
        &hq_key,
        TEST_PASSPHRASE,
        &dir.path().join("plan.zip"),
    )
    .unwrap();
    let out = dir.path().join("ket-qua.zip");
    let err = thamdinh_core::hq::publish::publish_results(
        &hq.store,
        &hq.campaign,
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &out,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            thamdinh_core::Error::Mistake(thamdinh_core::Mistake::NotThePlanKey { .. })
        ),
        "{err}"
    );
    assert!(!out.exists());
    thamdinh_core::hq::publish::publish_results(
        &hq.store,
        &hq.campaign,
        &hq_key,
        TEST_PASSPHRASE,
        &out,
    )
    .unwrap();
    let r = recompute(&out, &bundles).unwrap();
    assert!(r.matches, "{:?}", r.differences);
}

/// The outcome lines of an import made on a campaign stay readable later, newest first, and go
/// with the campaign when it is deleted.
#[test]
fn import_lines_are_kept_newest_first_and_go_with_their_campaign() {
    let mut field = Laptop::new("delegation");
    let v = field.visit("X1", FULL);
    let b = field.export(&[&v], "b.zip");
    let mut hq = Hq::new();
    let first = hq.import(&[&b]);
    hq.store.record_import_lines(&hq.campaign, &first).unwrap();
    hq.trust("delegation");
    let second = hq.import(&[&b]);
    hq.store.record_import_lines(&hq.campaign, &second).unwrap();
    let lines = hq.store.import_lines(&hq.campaign, 10).unwrap();
    assert_eq!(
        lines.iter().map(|l| l.status.as_str()).collect::<Vec<_>>(),
        ["duplicate", "quarantined"]
    );
    hq.store.delete_campaign(&hq.campaign.clone()).unwrap();
    assert!(hq.store.campaigns().unwrap().is_empty());
}

/// The province's report (#25 §3): its PDF (read by pdftotext) and its .docx (read by python-docx,
/// an independent reader) carry every ranked unit with its rank and index as `hq results` gives
/// them, the disagreement and its decision, the source bundles, and the decision's appendix.
#[test]
fn the_province_report_carries_every_ranked_unit_as_the_results_give_them() {
    let mut d1 = Laptop::new("delegation");
    let mut d2 = Laptop::new("stranger");
    let a = d1.visit("X1", FULL);
    let b = d1.visit("X2", &sheet(&[("2.1", "20,12,chậm báo cáo")]));
    let c = d2.visit("X1", &sheet(&[("2.1", "20,15,chậm hai kỳ")]));
    let (fa, fc) = (d1.export(&[&a, &b], "a.zip"), d2.export(&[&c], "c.zip"));
    let mut hq = Hq::new();
    hq.trust("delegation");
    hq.trust("stranger");
    hq.import(&[&fa, &fc]);
    hq.store
        .hq_resolve(&hq.campaign, "X1", "2.1", "16,5", "Đối chiếu hồ sơ gốc")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (pdf, docx) = (
        dir.path().join("bao-cao.pdf"),
        dir.path().join("bao-cao.docx"),
    );
    thamdinh_reports::province::write_report(&hq.store, &hq.campaign, Some(&pdf), Some(&docx))
        .unwrap();
    // To look at them: THAMDINH_LOOK=DIR keeps a copy (render with pdftoppm).
    if let Some(look) = std::env::var_os("THAMDINH_LOOK") {
        std::fs::copy(&pdf, Path::new(&look).join("bao-cao.pdf")).unwrap();
        std::fs::copy(&docx, Path::new(&look).join("bao-cao.docx")).unwrap();
    }
    let pdf_text = String::from_utf8(
        std::process::Command::new("pdftotext")
            .args(["-layout", pdf.to_str().unwrap(), "-"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let docx_text = String::from_utf8(
        std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, docx\nd = docx.Document(sys.argv[1])\nfor p in d.paragraphs: print(p.text)\nfor t in d.tables:\n    for r in t.rows: print(' | '.join(c.text for c in r.cells))",
                docx.to_str().unwrap(),
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let results = hq.store.hq_results(&hq.campaign).unwrap();
    let ranked: Vec<_> = results.iter().filter(|u| u.rank.is_some()).collect();
    assert_eq!(ranked.len(), 2, "both units ranked once decided");
    for u in &ranked {
        let index = format!("{} %", u.index.as_deref().unwrap().replace('.', ","));
        let rank = u.rank.unwrap().to_string();
        // A row of the appendix: the unit, its index and its rank on one line.
        let row = format!(
            " | {} | {} | {index} | {rank} | ",
            u.name,
            u.points.replace('.', ",")
        );
        assert!(docx_text.contains(&row), "docx lacks «{row}»:\n{docx_text}");
        let line = pdf_text
            .lines()
            .find(|l| l.contains(&u.name) && l.contains(&index))
            .unwrap_or_else(|| panic!("no PDF line with {} and {index}:\n{pdf_text}", u.name));
        assert!(
            line.split_whitespace().any(|w| w == rank),
            "rank {rank} on «{line}»"
        );
    }
    for text in [&pdf_text, &docx_text] {
        assert!(text.contains("Phụ lục"), "the decision's appendix");
        assert!(
            text.contains("Đối chiếu hồ sơ gốc") && text.contains("16,5"),
            "the decision"
        );
        assert!(
            text.contains("Đơn vị") && text.contains("SHA-256"),
            "the sources"
        );
    }
    let sources = hq.store.hq_bundles(&hq.campaign).unwrap();
    assert!(
        sources.iter().all(|b| docx_text.contains(&b.file_sha256)),
        "every counted bundle's SHA-256"
    );
}
