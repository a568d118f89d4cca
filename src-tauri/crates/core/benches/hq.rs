//! `make bench`: Sở Nội vụ's import against `bundle verify` of the same files in the same run.
//! Generates N bundles (one visit of a 98-leaf set, every leaf scored, 3 photos each), then:
//! - verify: `verify_bundle` of every file, one after the other (the baseline: what any honest
//!   import must at least do);
//! - import: `import_bundles` of the same files into an empty HQ store (verify + copy + store);
//! - the same at 2 N (growth should stay near 2×: no per-bundle cost that grows with the store);
//! - results (totals, index, ranking) for N units;
//! - peak memory (VmHWM) of the process after each phase;
//! - survey points (`hq_import_survey`, long CSV) for U and 8 U units against reading the same
//!   CSV alone: the growth must stay near 8× (it was quadratic: 26 000 rows took 42 s).
//!
//! `HQ_BENCH_N` sets N (default 1000). Bundles are cached in `target/bench-hq/` between runs.
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use thamdinh_core::bundle::{self, Limits};
use thamdinh_core::hq::import::{ImportStatus, import_bundles};
use thamdinh_core::store::{NewCampaign, Store};

const SET: &str = "huyen-2024";
const PASSPHRASE: &str = "bench-passphrase";

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn campaign(store: &mut Store, units: usize) -> String {
    let c = store
        .create_campaign(&NewCampaign {
            name: "Bench",
            year: 2024,
            province: "Tỉnh thử",
            criteria_set_json: thamdinh_core::builtin::json(SET).unwrap(),
            ..Default::default()
        })
        .unwrap();
    let list: String = std::iter::once("code,name,type\n".to_string())
        .chain((0..units).map(|i| format!("U{i:05},Đơn vị {i},huyện\n")))
        .collect();
    let rows = thamdinh_core::units::parse_unit_list(list.as_bytes()).unwrap();
    store.import_units(&c.id, &rows).unwrap();
    c.id
}

/// Three small distinct JPEGs.
fn photos(dir: &Path) -> Vec<PathBuf> {
    (0..3u8)
        .map(|k| {
            let img = image::RgbImage::from_fn(160, 120, |x, y| {
                image::Rgb([(x as u8).wrapping_mul(k + 1), y as u8, k * 80])
            });
            let path = dir.join(format!("p{k}.jpg"));
            img.save(&path).unwrap();
            path
        })
        .collect()
}

/// N bundles, one per unit, in `dir` (kept between runs).
fn bundles(dir: &Path, n: usize) -> (Vec<PathBuf>, String) {
    let key_path = dir.join("key");
    let done = dir.join(format!(".done-{n}"));
    let files: Vec<PathBuf> = (0..n).map(|i| dir.join(format!("b{i:05}.zip"))).collect();
    if done.exists() {
        return (
            files,
            std::fs::read_to_string(key_path.with_extension("pub")).unwrap(),
        );
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let (secret, info) = bundle::new_key(PASSPHRASE, "bench").unwrap();
    std::fs::write(&key_path, &secret).unwrap();
    std::fs::write(key_path.with_extension("pub"), &info.pub_file).unwrap();
    let mut store = Store::open_dir(&dir.join("field")).unwrap();
    let campaign = campaign(&mut store, n);
    let photo_files = photos(dir);
    let metas: Vec<_> = photo_files
        .iter()
        .map(|p| thamdinh_core::photo::ingest_file(&store.photos_dir().unwrap(), p).unwrap())
        .collect();
    let set = store.criteria_set(SET).unwrap();
    let sheet: String = std::iter::once("code,self,appraised\n".to_string())
        .chain(set.leaves().iter().map(|l| {
            let survey =
                l.leaf.as_ref().unwrap().method == thamdinh_core::criteria::Method::DieuTraXhh;
            let max = l.max_points.normalize();
            if survey {
                format!("{},,{max}\n", l.code)
            } else {
                format!("{},{max},{max}\n", l.code)
            }
        }))
        .collect();
    let rows = thamdinh_core::score_sheet::parse(&set, sheet.as_bytes()).unwrap();
    for (i, unit) in store.units(&campaign).unwrap().iter().enumerate() {
        let v = store.create_visit(&unit.id, "01/10/2024", "", &[]).unwrap();
        store.set_scores(&v.id, &rows).unwrap();
        store.add_photos(&v.id, &metas).unwrap();
        bundle::export_bundle(
            &store,
            &[v.id],
            &secret,
            PASSPHRASE,
            &files[i],
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    }
    std::fs::write(&done, n.to_string()).unwrap();
    (files, info.pub_file)
}

fn import(
    files: &[PathBuf],
    units: usize,
    public_key: &str,
    work: &Path,
) -> (Duration, Store, String) {
    let _ = std::fs::remove_dir_all(work);
    let mut hq = Store::open_dir(work).unwrap();
    let c = campaign(&mut hq, units);
    hq.add_trusted_key(public_key, "bench").unwrap();
    let start = Instant::now();
    let outcomes = import_bundles(&mut hq, files, &|_, _| {}, &AtomicBool::new(false)).unwrap();
    let took = start.elapsed();
    assert!(
        outcomes.iter().all(|o| o.status == ImportStatus::Imported),
        "{:?}",
        outcomes.iter().find(|o| o.status != ImportStatus::Imported)
    );
    (took, hq, c)
}

fn main() {
    let n: usize = std::env::var("HQ_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/bench-hq");
    let gen_start = Instant::now();
    let (all, public_key) = bundles(&root.join("bundles"), 2 * n);
    let files = &all[..n];
    let size: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    println!(
        "hq: {n} bundles of 98 leaves and 3 photos ({:.1} MB), generated or reused in {:.1} s",
        size as f64 / 1e6,
        gen_start.elapsed().as_secs_f64()
    );
    let keys = vec![bundle::TrustedKey::parse(&public_key).unwrap()];
    let start = Instant::now();
    for f in files {
        bundle::verify_bundle(
            f,
            &keys,
            &Limits::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    }
    let verify = start.elapsed();
    println!(
        "hq verify {n:>5}: {:>7.2} s  (baseline)  peak {:.0} MB",
        verify.as_secs_f64(),
        peak_mb()
    );
    let (one, hq, campaign) = import(files, 2 * n, &public_key, &root.join("hq-n"));
    println!(
        "hq import {n:>5}: {:>7.2} s  ratio to verify {:.2} (goal ≤ 1,30)  peak {:.0} MB",
        one.as_secs_f64(),
        one.as_secs_f64() / verify.as_secs_f64(),
        peak_mb()
    );
    let start = Instant::now();
    let results = hq.hq_results(&campaign).unwrap();
    let took = start.elapsed();
    assert_eq!(
        results.iter().filter(|u| u.rank == Some(1)).count(),
        n,
        "all tie at full marks"
    );
    println!(
        "hq results {n:>4} units: {:>7.3} s  peak {:.0} MB",
        took.as_secs_f64(),
        peak_mb()
    );
    drop(hq);
    let (two, _, _) = import(&all, 2 * n, &public_key, &root.join("hq-2n"));
    println!(
        "hq import {:>5}: {:>7.2} s  growth {:.2} for twice the bundles (goal ≤ 2,20)  peak {:.0} MB",
        2 * n,
        two.as_secs_f64(),
        two.as_secs_f64() / one.as_secs_f64(),
        peak_mb()
    );
    survey(n);
}

/// Survey points for `units` units × the set's survey leaves, in the long form.
fn survey_sheet(units: usize, leaves: &[String]) -> String {
    let mut text = String::from("code,leaf,points\n");
    for i in 0..units {
        for leaf in leaves {
            text.push_str(&format!("U{i:05},{leaf},0\n"));
        }
    }
    text
}

/// One survey import of `units` units: (rows, import time, time to read the CSV alone).
fn survey_once(units: usize, leaves: &[String]) -> (usize, Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    let campaign = campaign(&mut store, units);
    let text = survey_sheet(units, leaves);
    let start = Instant::now();
    let rows = thamdinh_core::csv_text::reader(text.as_bytes(), true)
        .records()
        .count();
    let read = start.elapsed();
    let start = Instant::now();
    let stored = store
        .hq_import_survey(&campaign, text.as_bytes(), "bench.csv")
        .unwrap()
        .unwrap();
    assert_eq!(stored, rows);
    (rows, start.elapsed(), read)
}

fn survey(n: usize) {
    let set = thamdinh_core::criteria::CriteriaSet::from_json(
        thamdinh_core::builtin::json(SET).unwrap().as_bytes(),
    )
    .unwrap();
    let leaves: Vec<String> = set
        .leaves()
        .iter()
        .filter(|l| {
            l.leaf
                .as_ref()
                .is_some_and(|l| l.method == thamdinh_core::criteria::Method::DieuTraXhh)
        })
        .map(|l| l.code.clone())
        .collect();
    let units = (2 * n).max(1000);
    let (rows, one, read) = survey_once(units, &leaves);
    println!(
        "hq survey {rows:>7} rows: {:>7.2} s  ratio to reading the CSV alone {:.0}",
        one.as_secs_f64(),
        one.as_secs_f64() / read.as_secs_f64()
    );
    let (rows8, eight, _) = survey_once(8 * units, &leaves);
    println!(
        "hq survey {rows8:>7} rows: {:>7.2} s  growth {:.2} for 8× the rows (goal ≤ 10)  peak {:.0} MB",
        eight.as_secs_f64(),
        eight.as_secs_f64() / one.as_secs_f64(),
        peak_mb()
    );
}
