//! Writes `tests/bundles/*.zip` and `tests/bundles/cases.json`: one valid bundle and one bundle
//! per way of being wrong, each with the outcome `thamdinh bundle verify` must give (like age's
//! testkit). Run `cargo run -p thamdinh-tests --bin make-bundle-fixtures`; the results are
//! committed, so the tests do not depend on this program being deterministic.
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};
use thamdinh_core::bundle;
use thamdinh_tests::{
    RawEntry, TEST_PASSPHRASE, bundles_dir, drawn_signature, export_signed, make_lying_bomb,
    read_zip, resign, retag_and_sign, root_of, sample_store, sign_bag, test_key, write_zip,
};

fn main() {
    let dir = bundles_dir();
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for name in ["delegation", "stranger"] {
        let path = keys.join(format!("{name}.key"));
        if !path.exists() {
            bundle::write_new_key(&path, TEST_PASSPHRASE, name).unwrap();
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&tmp.path().join("store"));
    let valid_path = tmp.path().join("valid.zip");
    export_signed(&store, &visit, "delegation", &valid_path);
    let valid = std::fs::read(&valid_path).unwrap();
    let base = read_zip(&valid);
    let root = root_of(&base);
    let mut cases: Vec<Value> = Vec::new();
    let mut add = |file: &str, bytes: &[u8], expect: &str, why: &str, limits: Value| {
        std::fs::write(dir.join(file), bytes).unwrap();
        let mut case = json!({ "file": file, "expect": expect, "why": why });
        if !limits.is_null() {
            case["limits"] = limits;
        }
        cases.push(case);
    };
    let at = |entries: &[RawEntry], p: &str| {
        entries
            .iter()
            .position(|e| e.name == format!("{root}{p}").as_bytes())
            .unwrap()
    };
    let photo = base
        .iter()
        .map(|e| String::from_utf8(e.name.clone()).unwrap())
        .find(|n| n.contains("/data/photos/"))
        .unwrap();
    let photo_rel = photo.strip_prefix(&root).unwrap().to_string();
    let with = |f: &dyn Fn(&mut Vec<RawEntry>)| {
        let mut e = base.clone();
        f(&mut e);
        write_zip(&e)
    };
    let delegation = test_key("delegation");
    let resigned = |f: &dyn Fn(&mut Vec<RawEntry>)| {
        let mut e = base.clone();
        f(&mut e);
        resign(&mut e, &delegation);
        write_zip(&e)
    };

    add(
        "valid.zip",
        &valid,
        "ok",
        "as exported by the app",
        Value::Null,
    );
    add(
        "valid-deflated-with-folders.zip",
        &with(&|e| {
            for x in e.iter_mut() {
                x.deflate = true;
            }
            e.insert(
                0,
                RawEntry {
                    unix_mode: 0o040755,
                    ..RawEntry::new(&root, b"")
                },
            );
        }),
        "ok",
        "re-zipped by a stock tool: every entry deflated, folder entries present",
        Value::Null,
    );
    add(
        "truncated.zip",
        &valid[..valid.len() / 2],
        "damaged-archive",
        "cut in half (end record lost)",
        Value::Null,
    );
    add(
        "not-a-zip.zip",
        b"%PDF-1.4 this is not an archive\n",
        "damaged-archive",
        "not a zip at all",
        Value::Null,
    );
    add(
        "truncated-entry.zip",
        &with(&|e| {
            let i = at(e, &photo_rel);
            e[i].declared_size = Some(e[i].data.len() as u32 + 1000);
        }),
        "damaged-archive",
        "an entry shorter than its headers say",
        Value::Null,
    );
    for (file, name, code, why) in [
        (
            "path-traversal.zip",
            format!("{root}data/../../../../tmp/evil.txt"),
            "path-traversal",
            "a name climbing out with ..",
        ),
        (
            "absolute-path.zip",
            "/tmp/evil.txt".to_string(),
            "absolute-path",
            "an absolute name",
        ),
        (
            "drive-letter.zip",
            "C:/Windows/evil.txt".to_string(),
            "absolute-path",
            "a Windows drive letter",
        ),
        (
            "backslash.zip",
            format!("{root}data\\evil.txt"),
            "backslash",
            "a backslash separator",
        ),
    ] {
        add(
            file,
            &with(&|e| e.push(RawEntry::new(&name, b"evil"))),
            code,
            why,
            Value::Null,
        );
    }
    add(
        "symlink.zip",
        &with(&|e| {
            e.push(RawEntry {
                unix_mode: 0o120777,
                ..RawEntry::new(&format!("{root}data/link"), b"/etc/passwd")
            })
        }),
        "symlink",
        "a symlink entry",
        Value::Null,
    );
    add(
        "duplicate-name.zip",
        &with(&|e| {
            let i = at(e, &photo_rel);
            let mut dup = e[i].clone();
            dup.data = b"other bytes".to_vec();
            e.push(dup);
        }),
        "duplicate-name",
        "the same name twice (which one would an extractor keep?)",
        Value::Null,
    );
    add(
        "nfc-collision.zip",
        &with(&|e| {
            e.push(RawEntry::new(&format!("{root}data/files/\u{e9}.txt"), b"a"));
            e.push(RawEntry::new(
                &format!("{root}data/files/e\u{301}.txt"),
                b"b",
            ));
        }),
        "name-collision",
        "é precomposed and decomposed: one file on macOS",
        Value::Null,
    );
    add(
        "case-collision.zip",
        &with(&|e| {
            e.push(RawEntry::new(&format!("{root}data/files/Plan.txt"), b"a"));
            e.push(RawEntry::new(&format!("{root}data/files/plan.txt"), b"b"));
        }),
        "name-collision",
        "names equal but for case: one file on Windows",
        Value::Null,
    );
    add(
        "too-many-entries.zip",
        &valid,
        "too-many-entries",
        "more entries than the limit",
        json!({ "max_entries": 5 }),
    );
    add(
        "zip-bomb.zip",
        &with(&|e| {
            let mut bomb =
                RawEntry::new(&format!("{root}data/files/zeros.bin"), &vec![0u8; 32 << 20]);
            bomb.deflate = true;
            e.push(bomb);
        }),
        "entry-too-large",
        "32 MiB of zeros deflated to 32 KiB, over a 16 MiB entry limit",
        json!({ "max_entry_bytes": 16 << 20 }),
    );
    add(
        "zip-bomb-lying.zip",
        &with(&|e| {
            let i = at(e, "bag-info.txt");
            make_lying_bomb(&mut e[i]);
        }),
        "damaged-archive",
        "bag-info.txt's headers say a few hundred bytes, its stream inflates to 8 MiB: reading stops one byte past the declared size and the CRC fails",
        Value::Null,
    );
    add(
        "total-too-large.zip",
        &valid,
        "total-too-large",
        "more bytes in all than the limit",
        json!({ "max_total_bytes": 50_000 }),
    );
    add(
        "missing-payload.zip",
        &with(&|e| e.retain(|x| x.name != photo.as_bytes())),
        "missing-payload",
        "a photo listed in the manifest is gone",
        Value::Null,
    );
    add(
        "unlisted-payload.zip",
        &with(&|e| {
            e.push(RawEntry::new(
                &format!("{root}data/files/extra.txt"),
                b"slipped in",
            ))
        }),
        "unlisted-payload",
        "a file added under data/ after signing",
        Value::Null,
    );
    add(
        "hash-mismatch.zip",
        &with(&|e| {
            let i = at(e, &photo_rel);
            let n = e[i].data.len();
            e[i].data[n / 2] ^= 0x01;
        }),
        "hash-mismatch",
        "one bit of a photo flipped (zip CRC recomputed)",
        Value::Null,
    );
    add(
        "tampered-bag-info.zip",
        &with(&|e| {
            let i = at(e, "bag-info.txt");
            let t = String::from_utf8(e[i].data.clone()).unwrap();
            e[i].data = t
                .replace("Source-Organization: ", "Source-Organization: Giả mạo ")
                .into_bytes();
        }),
        "hash-mismatch",
        "bag-info.txt edited after signing",
        Value::Null,
    );
    add(
        "bad-signature.zip",
        &with(&|e| {
            let i = e
                .iter()
                .position(|x| x.name.ends_with(b".minisig"))
                .unwrap();
            let t = String::from_utf8(e[i].data.clone()).unwrap();
            let lines: Vec<&str> = t.lines().collect();
            let mut sig = lines[1].as_bytes().to_vec();
            sig[20] = if sig[20] == b'A' { b'B' } else { b'A' };
            e[i].data = format!(
                "{}\n{}\n{}\n{}\n",
                lines[0],
                String::from_utf8(sig).unwrap(),
                lines[2],
                lines[3]
            )
            .into_bytes();
        }),
        "bad-signature",
        "the signature altered",
        Value::Null,
    );
    // A forger's own key made to state the trusted key's 8-byte id: checked with the trusted
    // key (every byte), its signature does not hold.
    let delegation_pub = std::fs::read_to_string(keys.join("delegation.key.pub")).unwrap();
    let stranger = test_key("stranger");
    let bundle_id = base
        .iter()
        .find(|e| e.name.ends_with(b"bag-info.txt"))
        .and_then(|e| {
            String::from_utf8(e.data.clone())
                .ok()?
                .lines()
                .find_map(|l| {
                    l.strip_prefix("Bundle-Id: ")
                        .map(|id| id.trim().to_string())
                })
        })
        .unwrap();
    add(
        "forged-key-id.zip",
        &with(&|e| thamdinh_tests::sign_bag_claiming(e, &stranger, &delegation_pub, &bundle_id, 1)),
        "bad-signature",
        "signed by another key that states the trusted key's id (a stolen 8-byte id)",
        Value::Null,
    );
    add(
        "missing-signature.zip",
        &with(&|e| e.retain(|x| !x.name.ends_with(b".minisig"))),
        "missing-signature",
        "no signatures/ at all",
        Value::Null,
    );
    let stranger = test_key("stranger");
    add(
        "untrusted-signer.zip",
        &{
            let mut e = base.clone();
            resign(&mut e, &stranger);
            write_zip(&e)
        },
        "untrusted-signer",
        "a valid bag signed by a key not in the trust list",
        Value::Null,
    );
    let edit_text = |p: &'static str, f: fn(String) -> String| {
        resigned(&move |e: &mut Vec<RawEntry>| {
            let i = at(e, p);
            e[i].data = f(String::from_utf8(e[i].data.clone()).unwrap()).into_bytes();
        })
    };
    add(
        "newer-format.zip",
        &edit_text("bag-info.txt", |t| {
            t.replace("Bundle-Format: 1", "Bundle-Format: 2")
        }),
        "newer-format",
        "Bundle-Format 2, signed: this build must ask for an update",
        Value::Null,
    );
    add(
        "bag-info-missing-field.zip",
        &edit_text("bag-info.txt", |t| {
            t.lines()
                .filter(|l| !l.starts_with("Bundle-Id:"))
                .map(|l| format!("{l}\n"))
                .collect()
        }),
        "bad-bag-info",
        "bag-info.txt without its Bundle-Id, signed",
        Value::Null,
    );
    // Revision metadata that is not a well-formed step of a chain, each signed.
    for (file, edit, why) in [
        (
            "revision-zero.zip",
            (|t: String| t.replace("Bundle-Revision: 1", "Bundle-Revision: 0"))
                as fn(String) -> String,
            "revision 0",
        ),
        (
            "revision-leading-zero.zip",
            |t: String| t.replace("Bundle-Revision: 1", "Bundle-Revision: 01"),
            "revision «01» (one number, two spellings)",
        ),
        (
            "revision-without-parent.zip",
            |t: String| t.replace("Bundle-Revision: 1", "Bundle-Revision: 2"),
            "revision 2 naming no Bundle-Supersedes",
        ),
        (
            "supersedes-itself.zip",
            |t: String| {
                let id = t
                    .lines()
                    .find_map(|l| l.strip_prefix("Bundle-Id: "))
                    .unwrap()
                    .to_string();
                t.replace(
                    "Bundle-Revision: 1\n",
                    &format!("Bundle-Revision: 2\nBundle-Supersedes: {id}\n"),
                )
            },
            "revision 2 superseding itself",
        ),
    ] {
        add(
            file,
            &edit_text("bag-info.txt", edit),
            "bad-revision",
            why,
            Value::Null,
        );
    }
    add(
        "not-a-bag.zip",
        &with(&|e| {
            let i = at(e, "bagit.txt");
            e[i].data = b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n".to_vec();
        }),
        "not-a-bag",
        "bagit.txt declares BagIt 0.97, not 1.0",
        Value::Null,
    );
    add(
        "no-bag-info.zip",
        &with(&|e| {
            let i = at(e, "bag-info.txt");
            e.remove(i);
        }),
        "missing-file",
        "bag-info.txt left out",
        Value::Null,
    );
    add(
        "non-canonical-json.zip",
        &edit_text("data/result.json", |t| {
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&t).unwrap()).unwrap()
        }),
        "non-canonical-json",
        "result.json pretty-printed (same data, other bytes), signed",
        Value::Null,
    );
    add(
        "duplicate-key.zip",
        &edit_text("data/result.json", |t| {
            t.replacen("\"revision\":1,", "\"revision\":1,\"revision\":1,", 1)
        }),
        "duplicate-key",
        "result.json with \"revision\":1 twice, in canonical order otherwise, signed",
        Value::Null,
    );
    add(
        "audit-broken.zip",
        &edit_text("data/audit.jsonl", |t| {
            t.replacen("\"actor\":\"", "\"actor\":\"X", 1)
        }),
        "audit-broken",
        "an audit entry rewritten (canonical, signed) breaks the hash chain",
        Value::Null,
    );
    add(
        "unexpected-file.zip",
        &with(&|e| e.push(RawEntry::new(&format!("{root}notes.txt"), b"unsigned"))),
        "unexpected-file",
        "a file beside the bag that nothing covers",
        Value::Null,
    );
    // Self-consistency: each signed by the trusted key, so only the content checks catch them.
    let edit_result = |f: fn(&mut Value)| {
        resigned(&move |e: &mut Vec<RawEntry>| {
            let i = at(e, "data/result.json");
            let mut v: Value = serde_json::from_slice(&e[i].data).unwrap();
            f(&mut v);
            e[i].data = bundle::result::canonical_bytes(&v).unwrap();
        })
    };
    add(
        "leaf-out-of-range.zip",
        &edit_result(|v| {
            first_scored_leaf(v)["appraised"] = "999".into();
        }),
        "inconsistent-result",
        "a leaf of 999 on a leaf whose max is far lower, signed by the trusted key",
        Value::Null,
    );
    add(
        "result-not-json.zip",
        &edit_text("data/result.json", |t| t[..t.len() / 2].to_string()),
        "bad-json",
        "result.json cut in the middle (not JSON), signed",
        Value::Null,
    );
    add(
        "result-missing-field.zip",
        &edit_result(|v| {
            v.as_object_mut().unwrap().remove("visits");
        }),
        "bad-result",
        "result.json without its visits, signed",
        Value::Null,
    );
    add(
        "criteria-edited.zip",
        &edit_text("data/criteria.json", |t| t.replacen("CCHC", "CCHX", 1)),
        "hash-mismatch",
        "criteria.json edited after export (no longer the set result.json names), signed",
        Value::Null,
    );
    add(
        "criteria-invalid.zip",
        &resigned(&|e| {
            // A set without areas, named by result.json with its own hash: consistent, invalid.
            let i = at(e, "data/criteria.json");
            let mut set: Value = serde_json::from_slice(&e[i].data).unwrap();
            set.as_object_mut().unwrap().remove("areas");
            e[i].data = bundle::result::canonical_bytes(&set).unwrap();
            let sha = thamdinh_core::digest::sha256_hex(&e[i].data);
            let r = at(e, "data/result.json");
            let mut result: Value = serde_json::from_slice(&e[r].data).unwrap();
            result["criteria_set"]["id"] = sha.clone().into();
            result["criteria_set"]["sha256"] = sha.into();
            e[r].data = bundle::result::canonical_bytes(&result).unwrap();
        }),
        "bad-criteria",
        "a criteria set without areas, which result.json names by its hash, signed",
        Value::Null,
    );
    add(
        "audit-not-json.zip",
        &edit_text("data/audit.jsonl", |t| format!("{{not json\n{t}")),
        "bad-json",
        "audit.jsonl with a line that is not JSON, signed",
        Value::Null,
    );
    add(
        "audit-not-an-entry.zip",
        &edit_text("data/audit.jsonl", |t| format!("{{\"x\":1}}\n{t}")),
        "bad-audit",
        "audit.jsonl with a JSON line that is no audit entry, signed",
        Value::Null,
    );
    add(
        "unreferenced-payload.zip",
        &resigned(&|e| {
            e.push(RawEntry::new(
                &format!("{root}data/extra.txt"),
                b"not named by result.json",
            ))
        }),
        "unreferenced-payload",
        "a payload file listed in the manifest and signed, but named by nothing in result.json",
        Value::Null,
    );
    add(
        "second-top-folder.zip",
        &with(&|e| e.push(RawEntry::new("other/evil.txt", b"x"))),
        "bad-layout",
        "an entry beside the bag folder instead of inside it",
        Value::Null,
    );
    add(
        "name-not-utf8.zip",
        &with(&|e| {
            let mut entry = RawEntry::new(&format!("{root}data/x"), b"x");
            entry.name.extend_from_slice(&[0xff, 0xfe]);
            e.push(entry);
        }),
        "bad-name",
        "an entry name that is not UTF-8",
        Value::Null,
    );
    add(
        "encrypted-entry.zip",
        &with(&|e| {
            let i = at(e, &photo_rel);
            e[i].extra_flags = 1;
        }),
        "encrypted-entry",
        "a photo entry flagged as encrypted",
        Value::Null,
    );
    add(
        "bzip2-entry.zip",
        &with(&|e| {
            let i = at(e, &photo_rel);
            e[i].method = Some(12);
        }),
        "bad-compression",
        "a photo entry said to be bzip2-compressed (only stored and deflate are read)",
        Value::Null,
    );
    // Manifests that are signed but wrong: edited after `resign`, then signed again as they are.
    let bag_id = |e: &[RawEntry]| -> (String, u32) {
        let info = String::from_utf8(find(e, &root, "bag-info.txt").data.clone()).unwrap();
        let field = |k: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(k))
                .unwrap()
                .trim()
                .to_string()
        };
        (
            field("Bundle-Id:"),
            field("Bundle-Revision:").parse().unwrap(),
        )
    };
    let signed_after = |edit: &dyn Fn(&mut Vec<RawEntry>), retag: bool| {
        let mut e = base.clone();
        resign(&mut e, &delegation);
        edit(&mut e);
        let (id, revision) = bag_id(&e);
        if retag {
            retag_and_sign(&mut e, &delegation, &id, revision);
        } else {
            sign_bag(&mut e, &delegation, &id, revision);
        }
        write_zip(&e)
    };
    add(
        "manifest-bad-line.zip",
        &signed_after(
            &|e| {
                let i = at(e, "manifest-sha256.txt");
                e[i].data.extend_from_slice(b"not a manifest line\n");
            },
            true,
        ),
        "bad-manifest",
        "manifest-sha256.txt with a line that is not `<sha256>  <path>`, signed",
        Value::Null,
    );
    add(
        "oxum-mismatch.zip",
        &signed_after(
            &|e| {
                let i = at(e, "bag-info.txt");
                let info = String::from_utf8(e[i].data.clone()).unwrap();
                e[i].data = info
                    .lines()
                    .map(|l| {
                        if l.starts_with("Payload-Oxum:") {
                            "Payload-Oxum: 1.1\n".to_string()
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect::<String>()
                    .into_bytes();
            },
            true,
        ),
        "oxum-mismatch",
        "bag-info.txt says 1 byte in 1 file, signed",
        Value::Null,
    );
    add(
        "unlisted-tag-file.zip",
        &signed_after(
            &|e| {
                let i = at(e, "tagmanifest-sha256.txt");
                let text = String::from_utf8(e[i].data.clone()).unwrap();
                e[i].data = text
                    .lines()
                    .filter(|l| !l.ends_with("bagit.txt"))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
                    .into_bytes();
            },
            false,
        ),
        "unlisted-tag-file",
        "bagit.txt left out of the signed tag manifest",
        Value::Null,
    );
    add(
        "totals-forged.zip",
        &edit_result(|v| v["visits"][0]["totals"]["appraised"]["points"] = "99.99".into()),
        "inconsistent-result",
        "appraised total claimed 99,99 where the leaves add up to less, signed",
        Value::Null,
    );
    add(
        "status-flipped.zip",
        &edit_result(|v| v["visits"][0]["status"] = "locked".into()),
        "inconsistent-result",
        "a draft visit claimed locked while its audit log never locked it, signed",
        Value::Null,
    );
    add(
        "value-not-in-audit.zip",
        &edit_result(|v| {
            first_scored_leaf(v)["deduction_reason"] = "lý do viết thêm sau khi chấm".into();
        }),
        "inconsistent-result",
        "a reason that the visit's audit log never recorded (totals unchanged), signed",
        Value::Null,
    );
    // Co-signatures (format 1 unchanged): a member's signature beside the leader's.
    let cosigned_path = tmp.path().join("cosigned.zip");
    std::fs::write(&cosigned_path, &valid).unwrap();
    bundle::cosign_bundle(
        &cosigned_path,
        &stranger,
        TEST_PASSPHRASE,
        "Thành viên đoàn",
        &[],
    )
    .unwrap();
    let cosigned = std::fs::read(&cosigned_path).unwrap();
    add(
        "cosigned.zip",
        &cosigned,
        "ok",
        "the leader's signature and a member's co-signature (a key off the trust list: listed, unchecked)",
        Value::Null,
    );
    let other_path = tmp.path().join("other.zip");
    bundle::export_bundle(
        &store,
        std::slice::from_ref(&visit),
        &delegation,
        TEST_PASSPHRASE,
        &other_path,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let other = read_zip(&std::fs::read(&other_path).unwrap());
    let other_sig = other
        .iter()
        .find(|e| e.name.ends_with(b".minisig"))
        .unwrap()
        .data
        .clone();
    add(
        "signature-from-other-bundle.zip",
        &with(&|e| {
            let i = e
                .iter()
                .position(|x| x.name.ends_with(b".minisig"))
                .unwrap();
            e[i].data = other_sig.clone();
        }),
        "bad-signature",
        "the trusted key's genuine signature of another bundle moved into this one",
        Value::Null,
    );
    let member_sig = read_zip(&cosigned)
        .into_iter()
        .find(|e| e.name.ends_with(b".minisig") && !base.iter().any(|b| b.name == e.name))
        .unwrap()
        .data;
    add(
        "signature-misnamed.zip",
        &with(&|e| {
            e.push(RawEntry::new(
                &format!("{root}signatures/0123456789ABCDEF.minisig"),
                &member_sig,
            ))
        }),
        "bad-signature",
        "a member's signature filed under another key's name",
        Value::Null,
    );
    // A member's partial bundle (format 1 plus `scope`): valid, and one stating a leaf of
    // another area, signed again by the key holder.
    let partial_path = tmp.path().join("partial.zip");
    bundle::export_scoped_bundle(
        &store,
        std::slice::from_ref(&visit),
        Some(&["1".to_string()]),
        &delegation,
        TEST_PASSPHRASE,
        &partial_path,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let partial = std::fs::read(&partial_path).unwrap();
    add(
        "partial.zip",
        &partial,
        "ok",
        "a member's partial bundle of area 1 (its scope stated and signed)",
        Value::Null,
    );
    let outside = first_scored_leaf_outside(
        &serde_json::from_slice(&find(&base, &root, "data/result.json").data).unwrap(),
        "1.",
    );
    add(
        "partial-outside-scope.zip",
        &{
            let mut e = read_zip(&partial);
            let i = position(&e, "data/result.json");
            let mut v: Value = serde_json::from_slice(&e[i].data).unwrap();
            v["visits"][0]["leaves"]
                .as_array_mut()
                .unwrap()
                .push(outside.clone());
            e[i].data = bundle::result::canonical_bytes(&v).unwrap();
            resign(&mut e, &delegation);
            write_zip(&e)
        },
        "outside-scope",
        "a partial bundle of area 1 stating a leaf of another area, signed again",
        Value::Null,
    );
    // The unit's drawn acknowledgement: carried, and swapped for another drawing.
    let mut store = store;
    store
        .acknowledge(
            &visit,
            "Phạm Văn Dũng",
            "Chủ tịch UBND xã",
            &drawn_signature(1),
        )
        .unwrap();
    let acked_path = tmp.path().join("acknowledged.zip");
    bundle::export_bundle(
        &store,
        std::slice::from_ref(&visit),
        &delegation,
        TEST_PASSPHRASE,
        &acked_path,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let acked = std::fs::read(&acked_path).unwrap();
    add(
        "acknowledged.zip",
        &acked,
        "ok",
        "with the unit's drawn acknowledgement (a PNG covered by the manifests)",
        Value::Null,
    );
    add(
        "acknowledgement-replaced.zip",
        &{
            let mut e = read_zip(&acked);
            let other = drawn_signature(7);
            let sha = thamdinh_core::digest::sha256_hex(&other);
            let i = position(&e, "data/result.json");
            let mut v: Value = serde_json::from_slice(&e[i].data).unwrap();
            let old = v["visits"][0]["acknowledgement"]["image"]
                .as_str()
                .unwrap()
                .to_string();
            v["visits"][0]["acknowledgement"]["image"] = format!("data/files/{sha}.png").into();
            v["visits"][0]["acknowledgement"]["image_sha256"] = sha.clone().into();
            e[i].data = bundle::result::canonical_bytes(&v).unwrap();
            let j = position(&e, &old);
            e[j].name = format!("{}data/files/{sha}.png", root_of(&e)).into_bytes();
            e[j].data = other;
            resign(&mut e, &delegation);
            write_zip(&e)
        },
        "inconsistent-result",
        "the drawn acknowledgement swapped for another drawing, result.json and manifests redone, signed again",
        Value::Null,
    );
    let text = serde_json::to_string_pretty(&cases).unwrap() + "\n";
    std::fs::write(dir.join("cases.json"), text).unwrap();
    println!("{} cases written to {}", cases.len(), dir.display());
}

/// The first scored leaf of the first visit whose code does not start with `prefix`.
fn first_scored_leaf_outside(result: &Value, prefix: &str) -> Value {
    result["visits"][0]["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["appraised"].is_string() && !l["code"].as_str().unwrap().starts_with(prefix))
        .unwrap()
        .clone()
}

/// Where an entry is, by its path inside the bag (whatever the bag's root folder).
fn position(entries: &[RawEntry], path: &str) -> usize {
    let root = root_of(entries);
    entries
        .iter()
        .position(|e| e.name == format!("{root}{path}").as_bytes())
        .unwrap()
}

/// An entry by its path inside the bag.
fn find<'a>(entries: &'a [RawEntry], root: &str, path: &str) -> &'a RawEntry {
    entries
        .iter()
        .find(|e| e.name == format!("{root}{path}").as_bytes())
        .unwrap()
}

/// The first leaf of the first visit that holds an appraised score (not N/A).
fn first_scored_leaf(result: &mut Value) -> &mut Value {
    result["visits"][0]["leaves"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|l| l["appraised"].is_string() && l["appraised"] != "NA")
        .unwrap()
}
