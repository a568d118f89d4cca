//! Writes `tests/signed-files/*.zip` and `tests/signed-files/cases.json`: a valid campaign plan
//! and a valid set of province results, and for each of the two one file per way of being wrong,
//! with the refusal code reading it must give (the bag layer's codes, the same as a bundle's).
//! The HQ key of these files is the bundles' `delegation` test key; `stranger` plays the forger.
//! Run `make fixtures`; the results are committed, so the tests do not depend on this program
//! being deterministic.
use serde_json::{Value, json};
use thamdinh_core::bag::{keys, signature, tags::manifest_text};
use thamdinh_core::digest::sha256_hex;
use thamdinh_tests::{
    RawEntry, TEST_PASSPHRASE, make_lying_bomb, read_zip, root_of, sample_store, test_key,
    write_zip,
};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("signed-files");
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (store, _) = sample_store(&tmp.path().join("store"));
    let campaign = store.campaigns().unwrap().remove(0);
    let hq = test_key("delegation");
    let (plan, results) = (tmp.path().join("plan.zip"), tmp.path().join("results.zip"));
    thamdinh_core::hq::plan::export_plan(&store, &campaign.id, &hq, TEST_PASSPHRASE, &plan)
        .unwrap();
    thamdinh_core::hq::publish::publish_results(
        &store,
        &campaign.id,
        &hq,
        TEST_PASSPHRASE,
        &results,
    )
    .unwrap();
    let mut cases: Vec<Value> = Vec::new();
    for (kind, file, payload_doc) in [
        ("plan", &plan, "data/plan.json"),
        ("results", &results, "data/results.json"),
    ] {
        for (name, bytes, expect, why) in hostile(&std::fs::read(file).unwrap(), payload_doc) {
            let file = format!("{kind}-{name}.zip");
            std::fs::write(dir.join(&file), bytes).unwrap();
            cases.push(json!({ "kind": kind, "file": file, "expect": expect, "why": why }));
        }
    }
    let text = serde_json::to_string_pretty(&cases).unwrap() + "\n";
    std::fs::write(dir.join("cases.json"), text).unwrap();
    println!("{} signed-file fixtures in {}", cases.len(), dir.display());
}

type Case = (&'static str, Vec<u8>, &'static str, &'static str);

/// The valid file and every hostile variant of it: (name, bytes, expected code, why).
fn hostile(valid: &[u8], doc: &str) -> Vec<Case> {
    let base = read_zip(valid);
    let root = root_of(&base);
    let at = |e: &[RawEntry], p: &str| {
        e.iter()
            .position(|x| x.name == format!("{root}{p}").as_bytes())
            .unwrap_or_else(|| panic!("{p} is not in the bag"))
    };
    let with = |f: &dyn Fn(&mut Vec<RawEntry>)| {
        let mut e = base.clone();
        f(&mut e);
        write_zip(&e)
    };
    let hq = test_key("delegation");
    let stranger = test_key("stranger");
    let mut out: Vec<Case> = vec![
        (
            "valid",
            valid.to_vec(),
            "ok",
            "as Sở Nội vụ's app writes it",
        ),
        (
            "truncated",
            valid[..valid.len() / 2].to_vec(),
            "damaged-archive",
            "cut in half (end record lost)",
        ),
        (
            "not-a-zip",
            b"%PDF-1.4 not an archive\n".to_vec(),
            "damaged-archive",
            "not a zip at all",
        ),
        (
            "truncated-entry",
            with(&|e| {
                let i = at(e, doc);
                e[i].declared_size = Some(e[i].data.len() as u32 + 1000);
            }),
            "damaged-archive",
            "an entry shorter than its headers say",
        ),
    ];
    for (name, entry, code, why) in [
        (
            "path-traversal",
            format!("{root}data/../../../../tmp/evil.txt"),
            "path-traversal",
            "a name climbing out with ..",
        ),
        (
            "absolute-path",
            "/tmp/evil.txt".to_string(),
            "absolute-path",
            "an absolute name",
        ),
        (
            "backslash",
            format!("{root}data\\evil.txt"),
            "backslash",
            "a backslash separator",
        ),
        (
            "second-top-folder",
            "other/evil.txt".to_string(),
            "bad-layout",
            "an entry beside the bag folder",
        ),
        (
            "unexpected-file",
            format!("{root}README.txt"),
            "unexpected-file",
            "a file beside data/ that no signature covers",
        ),
        (
            "unlisted-payload",
            format!("{root}data/extra.txt"),
            "unlisted-payload",
            "a payload file the manifest does not list",
        ),
    ] {
        out.push((
            name,
            with(&|e| e.push(RawEntry::new(&entry, b"evil"))),
            code,
            why,
        ));
    }
    out.extend([
        (
            "symlink",
            with(&|e| {
                e.push(RawEntry {
                    unix_mode: 0o120777,
                    ..RawEntry::new(&format!("{root}data/link"), b"/etc/passwd")
                })
            }),
            "symlink",
            "a symlink entry",
        ),
        (
            "duplicate-name",
            with(&|e| {
                let mut dup = e[at(e, doc)].clone();
                dup.data = b"{}".to_vec();
                e.push(dup);
            }),
            "duplicate-name",
            "the document twice under one name (which one would an extractor keep?)",
        ),
        (
            "case-collision",
            with(&|e| {
                e.push(RawEntry::new(&format!("{root}data/Evil.txt"), b"a"));
                e.push(RawEntry::new(&format!("{root}data/evil.txt"), b"b"));
            }),
            "name-collision",
            "names equal but for case: one file on Windows",
        ),
        (
            "encrypted-entry",
            with(&|e| {
                let i = at(e, doc);
                e[i].extra_flags = 1;
            }),
            "encrypted-entry",
            "the document flagged as encrypted",
        ),
        (
            "bzip2-entry",
            with(&|e| {
                let i = at(e, doc);
                e[i].method = Some(12);
            }),
            "bad-compression",
            "the document said to be bzip2-compressed (only stored and deflate are read)",
        ),
        (
            "zip-bomb",
            with(&|e| {
                let mut bomb = RawEntry::new(&format!("{root}data/zeros.bin"), &vec![0u8; 300 << 20]);
                bomb.deflate = true;
                e.push(bomb);
            }),
            "entry-too-large",
            "300 MiB of zeros deflated to 300 KiB, declared honestly: past a plan's and a results file's limit",
        ),
        (
            "zip-bomb-lying",
            with(&|e| {
                let i = at(e, "bag-info.txt");
                make_lying_bomb(&mut e[i]);
            }),
            "damaged-archive",
            "bag-info.txt's headers say a few hundred bytes, its stream inflates to 8 MiB: reading stops one byte past the declared size and the CRC fails",
        ),
        (
            "not-a-bag",
            with(&|e| {
                let i = at(e, "bagit.txt");
                e[i].data = b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n".to_vec();
            }),
            "not-a-bag",
            "bagit.txt declares another BagIt version",
        ),
        (
            "hash-mismatch",
            with(&|e| {
                let i = at(e, doc);
                let at = e[i].data.iter().position(|b| *b == b'e').unwrap();
                e[i].data[at] = b'E';
            }),
            "hash-mismatch",
            "one letter of the document changed after signing (same length)",
        ),
        (
            "tampered-bag-info",
            with(&|e| {
                let i = at(e, "bag-info.txt");
                e[i].data.extend_from_slice(b"Contact-Name: someone else\n");
            }),
            "hash-mismatch",
            "bag-info.txt changed after signing: the tag manifest no longer covers it",
        ),
        (
            "missing-signature",
            with(&|e| e.retain(|x| !x.name.starts_with(format!("{root}signatures/").as_bytes()))),
            "missing-signature",
            "no signature at all",
        ),
        (
            "bad-signature",
            with(&|e| {
                let i = at(e, "tagmanifest-sha256.txt");
                e[i].data.extend_from_slice(b"\n");
            }),
            "bad-signature",
            "the tag manifest changed after signing",
        ),
        (
            "missing-key",
            with(&|e| {
                let i = at(e, "data/hq.pub");
                e.remove(i);
            }),
            "missing-file",
            "the HQ key the signature is checked with is not carried",
        ),
    ]);
    // Signed again after a change: a forger's key, or the right key over a wrong Payload-Oxum.
    let resigned = |f: &dyn Fn(&mut Vec<RawEntry>), key: &str, claim: Option<&str>| {
        let mut e = base.clone();
        f(&mut e);
        resign(&mut e, key, claim);
        write_zip(&e)
    };
    out.extend([
        (
            "oxum-mismatch",
            resigned(
                &|e| {
                    let i = at(e, "bag-info.txt");
                    let text = String::from_utf8(e[i].data.clone()).unwrap();
                    let text: String = text
                        .lines()
                        .map(|l| match l.strip_prefix("Payload-Oxum: ") {
                            Some(_) => "Payload-Oxum: 1.1\n".to_string(),
                            None => format!("{l}\n"),
                        })
                        .collect();
                    e[i].data = text.into_bytes();
                },
                &hq,
                None,
            ),
            "oxum-mismatch",
            "Payload-Oxum says 1 byte in 1 file, signed by the HQ key",
        ),
        (
            "stranger-resigned",
            resigned(&|_| {}, &stranger, None),
            "signed-by-another-key",
            "signed again by another key, which it carries instead of the HQ key",
        ),
        (
            "forged-key-id",
            resigned(&|_| {}, &stranger, Some(&hq_pub())),
            "signed-by-another-key",
            "signed by a forger's key made to state the HQ key's 8-byte id, carried as data/hq.pub",
        ),
    ]);
    out
}

fn hq_pub() -> String {
    std::fs::read_to_string(thamdinh_tests::bundles_dir().join("keys/delegation.key.pub")).unwrap()
}

/// Signs a small bag again as a key holder would: `data/hq.pub` becomes the signing key (or, with
/// `claim`, a forged key stating `claim`'s 8-byte id), the manifest, the tag manifest and one signature, keeping the trusted comment.
fn resign(entries: &mut Vec<RawEntry>, secret_key_text: &str, claim: Option<&str>) {
    let root = root_of(entries);
    let index = |e: &[RawEntry], p: &str| {
        e.iter()
            .position(|x| x.name == format!("{root}{p}").as_bytes())
            .unwrap()
    };
    let (mut sk, _) = keys::open_secret_key(secret_key_text, TEST_PASSPHRASE).unwrap();
    let mut pk = keys::parse_public_key(&public_of(secret_key_text))
        .unwrap()
        .0;
    if let Some(claimed) = claim {
        // The key number sits after the algorithm, KDF and checksum names, salt and KDF limits;
        // the key is open, so it is marked as not encrypted (its checksum covers the number).
        let (claimed, _) = keys::parse_public_key(claimed).unwrap();
        let mut bytes = sk.to_bytes();
        bytes[2..4].copy_from_slice(&[0, 0]);
        bytes[54..62].copy_from_slice(claimed.keynum());
        sk = minisign::SecretKey::from_bytes(&bytes).unwrap();
        let mut pk_bytes = pk.to_bytes();
        pk_bytes[2..10].copy_from_slice(claimed.keynum());
        pk = minisign::PublicKey::from_bytes(&pk_bytes).unwrap();
    }
    let key_id = keys::key_id(pk.keynum());
    let k = index(entries, "data/hq.pub");
    let carried = pk.to_box().unwrap().into_string().into_bytes();
    // bag-info.txt is left as it is (Payload-Oxum included): the key file keeps its length.
    assert_eq!(
        carried.len(),
        entries[k].data.len(),
        "a key file of another length"
    );
    entries[k].data = carried;
    let payload: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| {
            let p = std::str::from_utf8(&e.name).ok()?.strip_prefix(&root)?;
            p.starts_with("data/")
                .then(|| (p.to_string(), sha256_hex(&e.data)))
        })
        .collect();
    let m = index(entries, "manifest-sha256.txt");
    entries[m].data = manifest_text(&payload).into_bytes();
    let tags: Vec<(String, String)> = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"]
        .iter()
        .map(|t| (t.to_string(), sha256_hex(&entries[index(entries, t)].data)))
        .collect();
    let tm = index(entries, "tagmanifest-sha256.txt");
    entries[tm].data = manifest_text(&tags).into_bytes();
    let old = entries
        .iter()
        .find(|e| e.name.starts_with(format!("{root}signatures/").as_bytes()))
        .unwrap();
    let comment = minisign::SignatureBox::from_string(std::str::from_utf8(&old.data).unwrap())
        .unwrap()
        .trusted_comment()
        .unwrap();
    let sig = signature::sign(&sk, &entries[tm].data, &comment, "re-signed for a test").unwrap();
    entries.retain(|e| !e.name.starts_with(format!("{root}signatures/").as_bytes()));
    entries.push(RawEntry::new(
        &format!("{root}{}", signature::path_of(&key_id)),
        sig.as_bytes(),
    ));
}

/// The `.pub` text beside a committed test key.
fn public_of(secret_key_text: &str) -> String {
    let (_, info) = keys::open_secret_key(secret_key_text, TEST_PASSPHRASE).unwrap();
    info.pub_file
}
