//! Integration tests of the core: criteria validation, scoring arithmetic, the store.
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use thamdinh_core::criteria::{CriteriaSet, NotApplicable, Problem};
use thamdinh_core::scoring::{self, Column, Entry, LeafScore, Scores, check_entry};
use thamdinh_core::store::{SCHEMA_VERSION, Store};
use thamdinh_core::{Error, builtin};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn leaf(code: &str, max: f64, method: &str, na: Value) -> Value {
    json!({"code": code, "title": format!("Leaf {code}"), "max_points": max, "method": method,
           "scoring_rule": {"type": if method == "dieu_tra_xhh" { "survey" } else { "ratio_linear" }},
           "not_applicable": na})
}

fn no_na() -> Value {
    json!({"allowed": false})
}

/// A set of two areas, 100 points: area 1 (60) with three tham_dinh leaves incl. N/A variants,
/// area 2 (40) with a tham_dinh leaf and a survey leaf; plus a bonus/penalty block.
fn sample() -> Value {
    json!({
        "format": "thamdinh-criteria/1", "title": "Mẫu", "unit_type": "ubnd_cap_xa", "year": 2025,
        "areas": [
            {"code": "1", "title": "Lĩnh vực 1", "max_points": 60, "children": [
                {"code": "1.1", "title": "Tiêu chí 1.1", "max_points": 60, "children": [
                    leaf("1.1.1", 50.0, "tham_dinh", no_na()),
                    leaf("1.1.2", 2.0, "tham_dinh", json!({"allowed": true, "handling": "reduce_max"})),
                    leaf("1.1.3", 8.0, "tham_dinh", json!({"allowed": true, "handling": "award_max"})),
                ]}
            ]},
            {"code": "2", "title": "Lĩnh vực 2", "max_points": 40, "children": [
                leaf("2.1", 20.0, "tham_dinh", no_na()),
                leaf("2.2", 20.0, "dieu_tra_xhh", no_na()),
            ]}
        ],
        "bonus_penalty": {"code": "9", "title": "Thưởng, trừ", "limits": {"bonus_max": 2, "penalty_max": 3},
            "children": [
                {"code": "9.1", "title": "Thưởng", "max_points": 3, "method": "tham_dinh", "scoring_rule": {"type": "bonus"}},
                {"code": "9.2", "title": "Trừ", "max_points": 5, "method": "tham_dinh", "scoring_rule": {"type": "penalty"}}
            ]}
    })
}

fn parse(v: &Value) -> CriteriaSet {
    CriteriaSet::from_json(v.to_string().as_bytes()).expect("valid set")
}

fn problems(v: &Value) -> Vec<Problem> {
    match CriteriaSet::from_json(v.to_string().as_bytes()) {
        Err(Error::InvalidCriteria(p)) => p,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn codes(p: &[Problem]) -> Vec<(&str, &str)> {
    p.iter().map(|p| (p.code.as_str(), p.at.as_str())).collect()
}

fn scores(entries: &[(&str, Option<Entry>, Option<Entry>)]) -> Scores {
    entries
        .iter()
        .map(|(c, s, a)| {
            (
                c.to_string(),
                LeafScore {
                    self_assessed: *s,
                    appraised: *a,
                },
            )
        })
        .collect()
}

fn pts(s: &str) -> Option<Entry> {
    Some(Entry::Points(d(s)))
}

#[test]
fn builtin_sets_are_valid_drafts_with_expected_shape() {
    let all = builtin::all();
    assert_eq!(all.len(), 3);
    for (slug, set) in &all {
        assert!(set.draft, "{slug} must be marked as a draft");
        assert_eq!(set.max_total(), d("100"), "{slug}");
        assert_eq!(set.id.len(), 64);
    }
    let leaves: Vec<usize> = all.iter().map(|(_, s)| s.leaves().len()).collect();
    assert_eq!(leaves, vec![88, 81, 98]);
}

#[test]
fn set_id_is_sha256_of_canonical_json_whatever_the_layout() {
    let a = parse(&sample());
    // Same content, different key order and whitespace: same id.
    let pretty = serde_json::to_string_pretty(&sample()).unwrap();
    let b = CriteriaSet::from_json(pretty.as_bytes()).unwrap();
    assert_eq!(a.id, b.id);
    let mut changed = sample();
    changed["title"] = json!("Khác");
    assert_ne!(a.id, parse(&changed).id);
}

#[test]
fn validation_lists_every_problem_with_its_code() {
    let mut v = sample();
    v["areas"][0]["children"][0]["children"][1]["code"] = json!("1.1.1"); // duplicate
    v["areas"][1]["max_points"] = json!(45); // 20 + 20 ≠ 45
    v["areas"][0]["children"][0]["children"][2]["max_points"] = json!("abc"); // non-numeric
    v["areas"][1]["children"][0]["max_points"] = json!(-1); // non-positive
    v["areas"][1]["children"][1]
        .as_object_mut()
        .unwrap()
        .remove("method");
    v["areas"][0]["children"][0]["children"][0]
        .as_object_mut()
        .unwrap()
        .remove("scoring_rule");
    v["areas"][0]["children"][0]["children"][1]["not_applicable"] =
        json!({"allowed": true, "handling": "skip"});
    let p = problems(&v);
    let mut c = codes(&p);
    c.sort();
    // Area 2's sum is not compared because one of its children has no valid max (no echo errors).
    assert_eq!(
        c,
        vec![
            ("bad-max", "1.1.3"),
            ("bad-max", "2.1"),
            ("bad-not-applicable", "1.1.1"),
            ("duplicate-code", "1.1.1"),
            ("missing-method", "2.2"),
            ("missing-rule", "1.1.1"),
        ],
        "never stops at the first error"
    );
}

#[test]
fn parent_max_must_equal_sum_of_children() {
    let mut v = sample();
    v["areas"][1]["max_points"] = json!(45);
    v["areas"][1]["children"][1]["max_points"] = json!(20);
    assert_eq!(codes(&problems(&v)), vec![("sum-mismatch", "2")]);
    assert!(
        problems(&v)[0].message.contains("40"),
        "message names the sum"
    );
}

/// Problems are said in Vietnamese (what the CLI prints) and carry the mistake with its
/// parameters, for the UI to word in English: no message mixes the two.
#[test]
fn validation_problems_are_vietnamese_with_parameters_for_the_ui() {
    let mut v = sample();
    v["areas"][1]["max_points"] = json!(45);
    let p = problems(&v);
    assert_eq!(
        p[0].message,
        "mục 2 ghi 45 điểm nhưng các mục con cộng lại 40"
    );
    assert_eq!(
        serde_json::to_value(&p[0].mistake).unwrap(),
        json!({"key": "sum_mismatch", "params": {"code": "2", "max": "45", "sum": "40"}})
    );
    // One of each kind of problem the validator reports.
    let mut v = sample();
    v["format"] = json!("thamdinh-criteria/9");
    v["year"] = json!(1999);
    v["step"] = json!(-1);
    v["title"] = json!("");
    v["areas"][0]["children"][0]["children"][1]["code"] = json!("1.1.1");
    v["areas"][0]["children"][0]["children"][2]["max_points"] = json!("abc");
    v["areas"][1]["children"][0]["max_points"] = json!(-1);
    v["areas"][1]["children"][1]["method"] = json!("hỏi");
    v["areas"][0]["children"][0]["children"][0]["scoring_rule"] = json!({"type": "bonus"});
    v["areas"][0]["children"][0]["children"][1]["not_applicable"] = json!({"allowed": "có"});
    v["bonus_penalty"]["limits"] = json!({"bonus_max": -1, "penalty_max": 3});
    let p = problems(&v);
    assert!(p.len() >= 9, "{p:?}");
    let english = [" must ", " found", " is ", " the ", "missing", " needs "];
    for problem in &p {
        assert!(
            !english.iter().any(|w| problem.message.contains(w)),
            "English in {problem}"
        );
        assert_eq!(problem.message, problem.mistake.to_string());
    }
    let error = CriteriaSet::from_json(v.to_string().as_bytes()).unwrap_err();
    assert_eq!(error.mistakes().len(), p.len(), "the UI receives every one");
    assert!(error.to_string().starts_with("bộ tiêu chí không hợp lệ"));
}

#[test]
fn tiers_above_the_max_are_reported() {
    let mut v = sample();
    v["areas"][1]["children"][0]["scoring_rule"] = json!({"type": "tiers", "levels": [{"condition": "a", "points": 25}, {"condition": "b", "points": 10}]});
    assert_eq!(codes(&problems(&v)), vec![("tier-above-max", "2.1")]);
}

#[test]
fn unknown_format_and_bad_json_are_reported() {
    let mut v = sample();
    v["format"] = json!("thamdinh-criteria/2");
    assert_eq!(codes(&problems(&v)), vec![("format", "/format")]);
    match CriteriaSet::from_json(b"{ not json") {
        Err(Error::InvalidCriteria(p)) => assert_eq!(p[0].code, "json"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn published_example_86_33_over_98_gives_88_09() {
    // 100 points nominal; the 2-point leaf is N/A with reduce_max → attainable 98.
    let set = parse(&sample());
    let s = scores(&[
        ("1.1.1", None, pts("50")),
        ("1.1.2", None, Some(Entry::NotApplicable)),
        ("1.1.3", None, pts("6.33")),
        ("2.1", None, pts("15")),
        ("2.2", None, pts("15")),
    ]);
    let t = scoring::totals(&set, &s);
    assert_eq!(t.appraised.total.points, d("86.33"));
    assert_eq!(t.appraised.total.max, d("98"));
    assert_eq!(t.appraised.total.index, Some(d("88.09")));
    assert_eq!(
        thamdinh_core::number::format_vi_2dp(t.appraised.total.index.unwrap()),
        "88,09"
    );
}

#[test]
fn award_max_gives_full_points_and_keeps_the_max() {
    let set = parse(&sample());
    let t = scoring::totals(
        &set,
        &scores(&[("1.1.3", None, Some(Entry::NotApplicable))]),
    );
    let row = t.node("1.1.3").unwrap();
    assert_eq!((row.appraised.points, row.appraised.max), (d("8"), d("8")));
    assert_eq!(t.appraised.total.max, d("100"));
    assert_eq!(t.node("1.1").unwrap().appraised.points, d("8"));
}

#[test]
fn parts_areas_and_survey_columns() {
    let set = parse(&sample());
    let s = scores(&[
        ("1.1.1", pts("50"), pts("45")),
        ("2.1", pts("20"), pts("10")),
        ("2.2", None, pts("12.5")),
    ]);
    let t = scoring::totals(&set, &s);
    // Appraised part: tham_dinh leaves only.
    assert_eq!(
        (t.appraised.tham_dinh.points, t.appraised.tham_dinh.max),
        (d("55"), d("80"))
    );
    assert_eq!(t.appraised.tham_dinh.index, Some(d("68.75")));
    // Survey points count in both columns (units do not self-assess them).
    assert_eq!(t.self_assessed.survey.points, d("12.5"));
    assert_eq!(t.self_assessed.total.points, d("82.5"));
    let area2 = t.areas().find(|a| a.code == "2").unwrap();
    assert_eq!(
        (
            area2.appraised.points,
            area2.appraised.max,
            area2.appraised.index
        ),
        (d("22.5"), d("40"), Some(d("56.25")))
    );
    assert_eq!(t.appraised.tham_dinh.scored, 2);
    assert_eq!(t.appraised.tham_dinh.leaves, 4);
}

#[test]
fn bonus_and_penalty_are_capped_and_outside_the_max() {
    let set = parse(&sample());
    let s = scores(&[
        ("1.1.1", None, pts("50")),
        ("9.1", None, pts("3")),
        ("9.2", None, pts("4")),
    ]);
    let t = scoring::totals(&set, &s);
    assert_eq!(t.appraised.bonus, d("2"));
    assert_eq!(t.appraised.penalty, d("3"));
    assert_eq!(t.appraised.total.points, d("49"));
    assert_eq!(t.appraised.total.max, d("100"));
}

#[test]
fn entries_are_checked_against_range_step_and_na_policy() {
    let set = parse(&sample());
    let node = |c: &str| set.find(c).unwrap();
    assert!(
        check_entry(
            &set,
            node("1.1.1"),
            Column::Appraised,
            Entry::Points(d("50"))
        )
        .is_ok()
    );
    let too_high = check_entry(
        &set,
        node("1.1.1"),
        Column::Appraised,
        Entry::Points(d("50.01")),
    )
    .unwrap_err()
    .to_string();
    assert!(too_high.contains("từ 0 đến 50"), "{too_high}");
    assert!(
        check_entry(
            &set,
            node("1.1.1"),
            Column::Appraised,
            Entry::Points(d("-1"))
        )
        .is_err()
    );
    let off_step = check_entry(
        &set,
        node("1.1.1"),
        Column::Appraised,
        Entry::Points(d("1.005")),
    )
    .unwrap_err()
    .to_string();
    assert!(off_step.contains("bội số của 0,01"), "{off_step}");
    assert!(check_entry(&set, node("1.1.1"), Column::Appraised, Entry::NotApplicable).is_err());
    assert!(
        check_entry(
            &set,
            node("1.1.2"),
            Column::SelfAssessed,
            Entry::NotApplicable
        )
        .is_ok()
    );
    assert!(
        check_entry(
            &set,
            node("2.2"),
            Column::SelfAssessed,
            Entry::Points(d("1"))
        )
        .is_err()
    );
    assert!(check_entry(&set, node("1.1"), Column::Appraised, Entry::Points(d("1"))).is_err());
    assert_eq!(
        set.find("1.1.2")
            .unwrap()
            .leaf
            .as_ref()
            .unwrap()
            .not_applicable,
        NotApplicable::ReduceMax
    );
}

#[test]
fn custom_step_is_enforced() {
    let mut v = sample();
    v["step"] = json!("0.25");
    let set = parse(&v);
    assert!(
        check_entry(
            &set,
            set.find("2.1").unwrap(),
            Column::Appraised,
            Entry::Points(d("0.75"))
        )
        .is_ok()
    );
    assert!(
        check_entry(
            &set,
            set.find("2.1").unwrap(),
            Column::Appraised,
            Entry::Points(d("0.1"))
        )
        .is_err()
    );
}

#[test]
fn entry_parsing_accepts_comma_dot_and_na() {
    assert_eq!(Entry::parse("1,5"), Ok(pts("1.5")));
    assert_eq!(Entry::parse("1.5"), Ok(pts("1.5")));
    assert_eq!(Entry::parse(" na "), Ok(Some(Entry::NotApplicable)));
    // N/A is one word per language on screen; each is read back the same.
    for word in ["KAD", "kad", "N/A", "n/a"] {
        assert_eq!(Entry::parse(word), Ok(Some(Entry::NotApplicable)), "{word}");
    }
    assert_eq!(Entry::parse(""), Ok(None));
    assert!(Entry::parse("x").is_err());
}

#[test]
fn nothing_attainable_has_no_index() {
    let mut v = sample();
    v["areas"] = json!([{"code": "1", "title": "A", "max_points": 2, "children": [
        leaf("1.1", 2.0, "tham_dinh", json!({"allowed": true, "handling": "reduce_max"}))]}]);
    let set = parse(&v);
    let t = scoring::totals(&set, &scores(&[("1.1", None, Some(Entry::NotApplicable))]));
    assert_eq!(t.appraised.total.max, d("0"));
    assert_eq!(t.appraised.total.index, None);
}

#[test]
fn store_migrates_fresh_and_keeps_campaigns() {
    let dir = tempfile::tempdir().unwrap();
    let json = include_str!("../../../../assets/criteria/xa-2025.json");
    {
        let mut store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let c = store
            .create_campaign(&thamdinh_core::store::NewCampaign {
                name: "Đợt 2025",
                year: 2025,
                province: "Hà Tĩnh",
                unit_group: "xã",
                criteria_set_json: json,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(c.criteria_set_id, builtin::find("xa-2025").unwrap().id);
    }
    let store = Store::open_dir(dir.path()).unwrap();
    let list = store.campaigns().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Đợt 2025");
    assert_eq!(
        store.criteria_set_json(&list[0].criteria_set_id).unwrap(),
        json
    );
}

#[test]
fn store_refuses_invalid_campaigns_without_writing() {
    let mut store = Store::open_in_memory().unwrap();
    let bad = store.create_campaign(&thamdinh_core::store::NewCampaign {
        name: "x",
        year: 2025,
        province: "",
        unit_group: "",
        criteria_set_json: "{}",
        ..Default::default()
    });
    assert!(matches!(bad, Err(Error::InvalidCriteria(_))));
    assert!(store.campaigns().unwrap().is_empty());
}

#[test]
fn upgrade_from_v1_equals_fresh_schema_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    rusqlite_exec(&path, include_str!("fixtures/schema-v1.sql"));
    let upgraded = Store::open(&path).unwrap();
    let fresh = Store::open_in_memory().unwrap();
    assert_eq!(upgraded.schema_version().unwrap(), SCHEMA_VERSION);
    // Compare statements with whitespace collapsed: indentation inside the SQL text is not schema.
    let normalise = |s: &Store| -> Vec<String> {
        s.schema_sql()
            .unwrap()
            .iter()
            .map(|sql| sql.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(normalise(&upgraded), normalise(&fresh));
    assert_eq!(
        upgraded.campaigns().unwrap()[0].name,
        "Thẩm định CCHC 2025 — khối xã"
    );
    upgraded.set_language("en").unwrap();
    assert_eq!(upgraded.setting("language").unwrap().as_deref(), Some("en"));
}

#[test]
fn a_database_from_a_newer_build_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite3");
    rusqlite_exec(
        &path,
        &format!(
            "CREATE TABLE future (x); PRAGMA user_version = {};",
            SCHEMA_VERSION + 1
        ),
    );
    match Store::open(&path) {
        Err(e @ Error::DatabaseTooNew { .. }) => {
            assert!(e.to_string().contains("phiên bản Thẩm Định mới hơn"))
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a newer database must be refused"),
    }
    rusqlite_exec(&path, "SELECT * FROM future;"); // still there, untouched
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "not even switched to WAL");
}

fn rusqlite_exec(path: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn a_byte_order_mark_is_accepted_and_a_duplicate_key_is_refused_by_name() {
    let text = serde_json::to_string_pretty(&sample()).unwrap();
    let with_bom = format!("\u{feff}{text}");
    assert_eq!(
        CriteriaSet::from_json(with_bom.as_bytes()).unwrap().id,
        parse(&sample()).id,
        "Excel and Notepad write a BOM: same set, same id"
    );
    let twice = text.replacen("\"title\":", "\"title\": \"Lần một\", \"title\":", 1);
    match CriteriaSet::from_json(twice.as_bytes()) {
        Err(thamdinh_core::Error::InvalidCriteria(p)) => {
            assert_eq!(p[0].code, "duplicate-key");
            assert!(p[0].message.contains("title"), "{}", p[0].message);
        }
        other => panic!("a duplicate key must be refused: {other:?}"),
    }
}

/// The app and the CLI on one data folder: a write that waits past the busy timeout behind
/// another process's open write transaction fails as `Busy`, in Vietnamese, and changes nothing;
/// once the other finishes, the same write goes through.
#[test]
fn a_store_held_by_another_writer_says_it_is_busy_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).unwrap();
    let other = rusqlite::Connection::open(dir.path().join(thamdinh_core::store::DB_FILE)).unwrap();
    other.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let err = store.set_user_name("Nguyễn Văn An").unwrap_err();
    assert!(matches!(err, Error::Busy), "{err:?}");
    assert!(err.to_string().starts_with("dữ liệu đang bận"), "{err}");
    other.execute_batch("ROLLBACK;").unwrap();
    assert_ne!(
        store.user_name().unwrap(),
        "Nguyễn Văn An",
        "nothing changed"
    );
    store.set_user_name("Nguyễn Văn An").unwrap();
    assert_eq!(store.user_name().unwrap(), "Nguyễn Văn An");
}

/// The demo's totals, worked out by hand from `demo.rs` and the xã 2025 set (not blessed from a
/// run): of the first 24 appraised leaves one (max 1) is N/A and leaves the denominator (100 → 99);
/// the other 23 are self-assessed at their max, 24 points; four of them are appraised one tier
/// lower, 2,5 points less (21,5); the first four survey leaves get 80 % of their max, 7,2 points,
/// counted in both columns. Self-assessed 24 + 7,2 = 31,2 / 99 = 31,52 %; appraised
/// 21,5 + 7,2 = 28,7 / 99 = 28,99 % (half-up).
#[test]
fn the_demo_totals_are_the_hand_computed_ones() {
    let mut store = Store::open_in_memory().unwrap();
    let visit = thamdinh_core::demo::create_demo(&mut store, "xa-2025").unwrap();
    let totals = store.visit_view(&visit.id).unwrap().totals;
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    let (s, a) = (&totals.self_assessed, &totals.appraised);
    assert_eq!((s.tham_dinh.points, s.survey.points), (d("24"), d("7.2")));
    assert_eq!((a.tham_dinh.points, a.survey.points), (d("21.5"), d("7.2")));
    assert_eq!(
        (s.total.points, s.total.max, s.total.index),
        (d("31.2"), d("99"), Some(d("31.52")))
    );
    assert_eq!(
        (a.total.points, a.total.max, a.total.index),
        (d("28.7"), d("99"), Some(d("28.99")))
    );
}

#[test]
fn writes_in_one_transaction_commit_whole_or_not_at_all() {
    let mut store = Store::open_in_memory().unwrap();
    let failed = store.in_one_transaction(|s| {
        thamdinh_core::demo::create_demo(s, "xa-2025")?;
        assert_eq!(s.campaigns()?.len(), 1, "the demo is visible inside");
        Err::<(), _>(thamdinh_core::Error::Cancelled)
    });
    assert!(matches!(failed, Err(thamdinh_core::Error::Cancelled)));
    assert!(
        store.campaigns().unwrap().is_empty(),
        "nothing of it is left"
    );
    // The same work succeeding commits everything, and the store takes writes again after.
    assert!(
        thamdinh_core::demo::create_demo_if_empty(&mut store, "xa-2025")
            .unwrap()
            .is_some()
    );
    assert!(
        thamdinh_core::demo::create_demo_if_empty(&mut store, "xa-2025")
            .unwrap()
            .is_none()
    );
    assert_eq!(store.campaigns().unwrap().len(), 1);
    assert_eq!(store.visits(None).unwrap().len(), 1);
}
