//! The golden hostile plans and province results of `tests/signed-files/` (#24): each read as Sở
//! Nội vụ's and the delegations' apps read it — a plan by `read_plan`, results by `recompute` —
//! with the HQ key the reader holds, and refused with the code `cases.json` gives: the bag
//! layer's codes, the same as a bundle's.
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde_json::Value;
use thamdinh_core::Mistake;
use thamdinh_core::hq::{plan, publish};
use thamdinh_tests::bundles_dir;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("signed-files")
}

fn cases() -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(dir().join("cases.json")).unwrap()).unwrap()
}

fn hq_pub() -> String {
    std::fs::read_to_string(bundles_dir().join("keys/delegation.key.pub")).unwrap()
}

/// What reading gave: `ok`, the refusal code, or the error itself when it is neither.
fn outcome(result: thamdinh_core::Result<()>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(e) => match e.mistakes().first() {
            Some(Mistake::FileNotValid { code, .. }) if !code.is_empty() => code.clone(),
            Some(Mistake::SignedByAnotherKey { .. }) => "signed-by-another-key".into(),
            _ => format!("{e}"),
        },
    }
}

/// Reads a case's file as its kind, with (or without) the HQ key.
fn read(kind: &str, file: &Path, with_key: bool) -> thamdinh_core::Result<()> {
    let key = hq_pub();
    match kind {
        "plan" => {
            let expected = thamdinh_core::bundle::parse_public_key(&key)?.0;
            plan::read_plan(file, with_key.then_some(&expected)).map(|_| ())
        }
        "results" => {
            let no_bundles = tempfile::tempdir().unwrap();
            publish::recompute(
                file,
                no_bundles.path(),
                with_key.then_some(key.as_str()),
                &AtomicBool::new(false),
            )
            .map(|_| ())
        }
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn every_hostile_plan_and_results_file_is_refused_with_its_code() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let (kind, name) = (
            case["kind"].as_str().unwrap(),
            case["file"].as_str().unwrap(),
        );
        let expect = case["expect"].as_str().unwrap();
        let result = read(kind, &dir().join(name), true);
        // What a person reads (the Vietnamese message) words the code, never shows it raw.
        if let Err(e) = &result
            && let Some(Mistake::FileNotValid { code, .. }) = e.mistakes().first()
        {
            let text = e.to_string();
            let words = thamdinh_core::bundle::codes::rejection_vi(code);
            if text.contains(&format!("[{code}]")) || !text.contains(words) {
                failures.push(format!("{name}: the message does not word {code}: {text}"));
            }
        }
        let got = outcome(result);
        if got != expect {
            failures.push(format!("{name}: expected {expect}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Both kinds face the same hostile cases, and each case is a code the bag layer documents.
    let names = |kind: &str| -> Vec<String> {
        cases
            .iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| {
                c["file"]
                    .as_str()
                    .unwrap()
                    .split_once('-')
                    .unwrap()
                    .1
                    .to_string()
            })
            .collect()
    };
    assert_eq!(names("plan"), names("results"));
    assert!(names("plan").len() >= 20, "{:?}", names("plan"));
    let documented: Vec<&str> = thamdinh_core::bundle::codes::REJECTION_CODES
        .iter()
        .map(|c| c.0)
        .collect();
    for case in &cases {
        let code = case["expect"].as_str().unwrap();
        assert!(
            code == "ok" || code == "signed-by-another-key" || documented.contains(&code),
            "{code} is not a documented refusal code"
        );
    }
}

#[test]
fn cases_list_exactly_the_fixture_files() {
    let mut listed: Vec<String> = cases()
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    let mut present: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    listed.sort();
    present.sort();
    assert_eq!(listed, present);
}

/// Without the HQ key at hand, a forgery stating the HQ key's id checks with the key it carries,
/// and what the reader is shown to compare — the whole key's fingerprint — is not the HQ key's.
#[test]
fn a_forged_key_id_shows_another_fingerprint_to_whoever_has_no_key() {
    let (hq, _) = thamdinh_core::bundle::parse_public_key(&hq_pub()).unwrap();
    for kind in [
        thamdinh_core::mistake::FileKind::Plan,
        thamdinh_core::mistake::FileKind::ProvinceResults,
    ] {
        let prefix = match kind {
            thamdinh_core::mistake::FileKind::Plan => "plan",
            _ => "results",
        };
        let file = dir().join(format!("{prefix}-forged-key-id.zip"));
        let bag = thamdinh_core::bag::small::read(&file, kind, 1 << 30, None).unwrap();
        assert_eq!(bag.key_id, thamdinh_core::bundle::key_id(hq.keynum()));
        assert_ne!(bag.fingerprint, thamdinh_core::bag::keys::fingerprint(&hq));
        let genuine = dir().join(format!("{prefix}-valid.zip"));
        let bag = thamdinh_core::bag::small::read(&genuine, kind, 1 << 30, None).unwrap();
        assert_eq!(bag.fingerprint, thamdinh_core::bag::keys::fingerprint(&hq));
    }
}
