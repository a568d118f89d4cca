//! `make fuzz`: a mutation fuzzer on the stable toolchain for every parser that reads outside
//! input — criteria JSON and XLSX, unit lists, score sheets, the bundle verifier, photos (EXIF and
//! decoding), the plan and the province results files. Each starts from a corpus of committed fixtures (the seeds below),
//! mutates them (bit flips, byte runs, insertions, deletions, truncations, splices) and calls the
//! parser; any panic is a finding: the input is written to `target/fuzz/<parser>-<n>.bin` and the
//! run fails. Errors are fine — only panics count. Deterministic from its seed.
//!
//! `cargo run -p thamdinh-tests --bin fuzz -- [SECONDS_PER_PARSER] [SEED]` (defaults 10 s, 1).
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use thamdinh_tests::bundles_dir;

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = [0, 0xff, b'"', b',', b'.', b'-', b'9', b'\n'][rng.below(8)];
            }
            2 => {
                let i = rng.below(len + 1);
                let run: Vec<u8> = (0..rng.below(16) + 1).map(|_| rng.next() as u8).collect();
                data.splice(i..i, run);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below(len - i).min(64) + 1;
                data.drain(i..(i + n).min(len));
            }
            4 if len > 0 => data.truncate(rng.below(len)),
            5 => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let n = rng.below(other.len() - from).min(256);
                    let at = rng.below(len + 1);
                    data.splice(at..at, other[from..from + n].iter().copied());
                }
            }
            _ if len > 1 => {
                // Repeat a slice (lengths and counts that grow).
                let i = rng.below(len);
                let n = rng.below(len - i).min(32) + 1;
                let slice: Vec<u8> = data[i..(i + n).min(len)].to_vec();
                data.splice(i..i, slice);
            }
            _ => {}
        }
    }
    data
}

fn read_seeds(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

type Target = (&'static str, Vec<Vec<u8>>, Box<dyn Fn(&[u8])>);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    // Optional: only these parsers (comma-separated names), e.g. to spread a long run over cores.
    let only: Option<Vec<String>> = args
        .get(3)
        .map(|a| a.split(',').map(str::to_string).collect());
    let root = bundles_dir()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let out_dir = root.join("target/fuzz");
    std::fs::create_dir_all(&out_dir).unwrap();
    let tmp = tempfile::tempdir().unwrap();

    let criteria_json = files_in(&root.join("assets/criteria"), "json")
        .into_iter()
        .chain(files_in(
            &root.join("src-tauri/crates/cli/tests/cmd/data"),
            "json",
        ))
        .collect::<Vec<_>>();
    let sample_set = thamdinh_core::criteria::CriteriaSet::from_json(
        &std::fs::read(root.join("src-tauri/crates/cli/tests/cmd/data/sample.json")).unwrap(),
    )
    .unwrap();
    let criteria_xlsx = vec![
        thamdinh_core::criteria_xlsx::export_xlsx(
            thamdinh_core::builtin::json("xa-2025").unwrap().as_bytes(),
        )
        .unwrap(),
    ];
    let bundle_file = tmp.path().join("b.zip");
    let plan_file = tmp.path().join("plan.zip");
    let results_file = tmp.path().join("results.zip");
    let no_bundles = tmp.path().join("no-bundles");
    std::fs::create_dir_all(&no_bundles).unwrap();
    // The committed hostile plans and results, small ones (the bombs are left out: they only
    // test a limit, and mutating 300 KiB is slow).
    let signed_files = |prefix: &str| -> Vec<std::path::PathBuf> {
        files_in(&root.join("tests/signed-files"), "zip")
            .into_iter()
            .filter(|p| {
                p.file_name().unwrap().to_string_lossy().starts_with(prefix)
                    && std::fs::metadata(p).is_ok_and(|m| m.len() < 200 << 10)
            })
            .collect()
    };
    let photos_store = tmp.path().join("photos");
    let limits = thamdinh_core::bundle::Limits {
        max_entries: 2000,
        max_entry_bytes: 8 << 20,
        max_total_bytes: 32 << 20,
        max_document_bytes: 8 << 20,
    };
    let trusted = vec![
        thamdinh_core::bundle::TrustedKey::parse(
            &std::fs::read_to_string(bundles_dir().join("keys/delegation.key.pub")).unwrap(),
        )
        .unwrap(),
    ];
    // A plan to mutate: written once with the test key.
    let plan_seed = {
        let mut store = thamdinh_core::store::Store::open_dir(&tmp.path().join("hq")).unwrap();
        let c = store
            .create_campaign(&thamdinh_core::store::NewCampaign {
                name: "CCHC",
                year: 2025,
                criteria_set_json: thamdinh_core::builtin::json("xa-2025").unwrap(),
                ..Default::default()
            })
            .unwrap();
        let rows = thamdinh_core::units::parse_unit_list(b"code,name,type\nX1,A,xa\n").unwrap();
        store.import_units(&c.id, &rows).unwrap();
        let p = tmp.path().join("seed-plan.zip");
        thamdinh_core::hq::plan::export_plan(
            &store,
            &c.id,
            &thamdinh_tests::test_key("delegation"),
            thamdinh_tests::TEST_PASSPHRASE,
            &p,
        )
        .unwrap();
        std::fs::read(p).unwrap()
    };

    let targets: Vec<Target> = vec![
        (
            "criteria-json",
            read_seeds(&criteria_json),
            Box::new(|b| {
                let _ = thamdinh_core::criteria::CriteriaSet::from_json(b);
            }),
        ),
        (
            "criteria-xlsx",
            criteria_xlsx,
            Box::new(|b| {
                let _ = thamdinh_core::criteria_xlsx::import_xlsx(b);
            }),
        ),
        (
            "unit-list",
            vec![
                b"code,name,type,group,latitude,longitude\nXA001,X\xc3\xa3 A,x\xc3\xa3,,18.3,105.9\nP1,Ph,ph\xc6\xb0\xe1\xbb\x9dng,,,\n".to_vec(),
                "mã;tên;loại\nX1;Xã \"A\";xã\n".as_bytes().to_vec(),
            ],
            Box::new(|b| {
                let _ = thamdinh_core::units::parse_unit_list(b);
            }),
        ),
        (
            "score-sheet",
            read_seeds(&files_in(&root.join("src-tauri/crates/cli/tests/cmd/data"), "csv")),
            Box::new(move |b| {
                let _ = thamdinh_core::score_sheet::parse(&sample_set, b);
            }),
        ),
        (
            "bundle",
            read_seeds(&files_in(&bundles_dir(), "zip"))
                .into_iter()
                .filter(|b| b.len() < 2 << 20)
                .collect(),
            Box::new(move |b| {
                std::fs::write(&bundle_file, b).unwrap();
                let _ = thamdinh_core::bundle::verify_bundle(
                    &bundle_file,
                    &trusted,
                    &limits,
                    &|_, _| {},
                    &AtomicBool::new(false),
                );
            }),
        ),
        (
            "photo",
            read_seeds(
                &files_in(&root.join("tests/e2e/fixtures/photos"), "jpg")
                    .into_iter()
                    .chain([root.join("src-tauri/crates/core/tests/fixtures/iphone-like.heic")])
                    .collect::<Vec<_>>(),
            ),
            Box::new(move |b| {
                let _ = thamdinh_core::photo::ingest_bytes(&photos_store, b);
            }),
        ),
        (
            // A plan, its hostile variants, and the hostile bundles read as plans: signed files
            // share one bag reader.
            "plan",
            std::iter::once(plan_seed)
                .chain(read_seeds(&signed_files("plan-")))
                .chain(
                    read_seeds(&files_in(&bundles_dir(), "zip"))
                        .into_iter()
                        .filter(|b| b.len() < 2 << 20),
                )
                .collect(),
            Box::new(move |b| {
                std::fs::write(&plan_file, b).unwrap();
                let _ = thamdinh_core::hq::plan::read_plan(&plan_file, None);
            }),
        ),
        (
            // The province's published results and their hostile variants, recomputed from no
            // bundles (the bag and its documents are what is read).
            "results",
            read_seeds(&signed_files("results-")),
            Box::new(move |b| {
                std::fs::write(&results_file, b).unwrap();
                let _ = thamdinh_core::hq::publish::recompute(
                    &results_file,
                    &no_bundles,
                    None,
                    &AtomicBool::new(false),
                );
            }),
        ),
    ];

    println!("fuzz: seed {seed}, {seconds} s per parser");
    // Findings are reported by our own message, not the default hook's.
    std::panic::set_hook(Box::new(|_| {}));
    let mut findings = 0;
    for (name, corpus, parse) in &targets {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        assert!(!corpus.is_empty(), "{name}: no seed");
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut runs = 0u64;
        let before = findings;
        // The seeds themselves first, then mutations.
        let mut inputs = corpus.clone().into_iter();
        while Instant::now() < deadline {
            let input = inputs.next().unwrap_or_else(|| {
                let pick = rng.below(corpus.len());
                mutate(&mut rng, &corpus[pick], corpus)
            });
            runs += 1;
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&input))).is_err() {
                findings += 1;
                let file = out_dir.join(format!("{name}-{runs}.bin"));
                std::fs::write(&file, &input).unwrap();
                eprintln!(
                    "{name}: PANIC on input {} ({} bytes)",
                    file.display(),
                    input.len()
                );
            }
        }
        println!(
            "{name:<14} {runs:>8} inputs in {seconds} s, {} panic(s)",
            findings - before
        );
    }
    if findings > 0 {
        eprintln!("{findings} finding(s): inputs in {}", out_dir.display());
        std::process::exit(1);
    }
}
