//! A delegation signs as a team: members co-sign the leader's bundle without changing a byte of
//! the bag; every signature checks alone with stock minisign; the verifier lists each signer and
//! whether it is trusted, and refuses a trusted key's signature that is not over this bundle.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use thamdinh_core::bundle::{self, Limits, TrustedKey};
use thamdinh_tests::{RawEntry, TEST_PASSPHRASE, bundles_dir, read_zip, sample_store, test_key};

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
    let into = dir.path().join("unzipped");
    zip::ZipArchive::new(std::fs::File::open(&file).unwrap())
        .unwrap()
        .extract(&into)
        .unwrap();
    let bag = std::fs::read_dir(&into)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bagit = Command::new("bagit.py")
        .arg("--validate")
        .arg(&bag)
        .output()
        .expect("bagit.py");
    assert!(
        bagit.status.success(),
        "{}",
        String::from_utf8_lossy(&bagit.stderr)
    );
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
