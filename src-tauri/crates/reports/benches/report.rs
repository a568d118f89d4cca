//! `make bench`: the province's report for a 190-unit campaign (the 98-leaf district set, every
//! unit with a signed bundle imported, scores varied so ranks differ), against a baseline
//! measured in the same run: the province workbook of the same campaign. Goal: the report's PDF
//! (and its .docx) under 3 s in a release build.
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use thamdinh_core::bundle;
use thamdinh_core::hq::import::{ImportStatus, import_bundles};
use thamdinh_core::store::{NewCampaign, Store};
use thamdinh_reports::province::{province_doc, report_docx, report_pdf};

const UNITS: usize = 190;
const SET: &str = "huyen-2024";
const PASSPHRASE: &str = "bench-passphrase";

fn campaign(store: &mut Store) -> String {
    let c = store
        .create_campaign(&NewCampaign {
            name: "Bench",
            year: 2025,
            province: "Hà Tĩnh",
            criteria_set_json: thamdinh_core::builtin::json(SET).unwrap(),
            ..Default::default()
        })
        .unwrap();
    let list: String = std::iter::once("code,name,type\n".to_string())
        .chain((0..UNITS).map(|i| {
            format!(
                "U{i:03},Đơn vị số {i},{}\n",
                if i % 2 == 0 { "xã" } else { "phường" }
            )
        }))
        .collect();
    let rows = thamdinh_core::units::parse_unit_list(list.as_bytes()).unwrap();
    store.import_units(&c.id, &rows).unwrap();
    c.id
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, info) = bundle::new_key(PASSPHRASE, "bench").unwrap();
    let mut field = Store::open_dir(&dir.path().join("field")).unwrap();
    let c = campaign(&mut field);
    let set = field.criteria_set(SET).unwrap();
    let leaves: Vec<_> = set.leaves().into_iter().cloned().collect();
    let mut files = Vec::new();
    for (i, unit) in field.units(&c).unwrap().iter().enumerate() {
        // Unit i loses the points of its first i % 17 leaves: ranks and bands spread out.
        let sheet: String = std::iter::once("code,self,appraised,reason\n".to_string())
            .chain(leaves.iter().enumerate().map(|(k, l)| {
                let max = l.max_points.normalize();
                let survey =
                    l.leaf.as_ref().unwrap().method == thamdinh_core::criteria::Method::DieuTraXhh;
                let appraised = if k < i % 17 {
                    "0".to_string()
                } else {
                    max.to_string()
                };
                if survey {
                    format!("{},,{appraised},\n", l.code)
                } else {
                    format!("{},{max},{appraised},thiếu tài liệu\n", l.code)
                }
            }))
            .collect();
        let rows = thamdinh_core::score_sheet::parse(&set, sheet.as_bytes()).unwrap();
        let v = field.create_visit(&unit.id, "01/10/2025", "", &[]).unwrap();
        field.set_scores(&v.id, &rows).unwrap();
        let out = dir.path().join(format!("b{i:03}.zip"));
        bundle::export_bundle(
            &field,
            &[v.id],
            &secret,
            PASSPHRASE,
            &out,
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        files.push(out);
    }
    let mut hq = Store::open_dir(&dir.path().join("hq")).unwrap();
    let campaign = self::campaign(&mut hq);
    hq.add_trusted_key(&info.pub_file, "bench").unwrap();
    let outcomes = import_bundles(&mut hq, &files, &|_, _| {}, &AtomicBool::new(false)).unwrap();
    assert!(outcomes.iter().all(|o| o.status == ImportStatus::Imported));

    let time = |f: &dyn Fn() -> usize| {
        let mut size = 0;
        let t = median(
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    size = f();
                    t.elapsed()
                })
                .collect(),
        );
        (t, size)
    };
    let (workbook, wb_size) = time(&|| hq.hq_workbook(&campaign).unwrap().len());
    let (pdf, pdf_size) = time(&|| {
        report_pdf(&province_doc(&hq, &campaign).unwrap())
            .unwrap()
            .len()
    });
    let (docx, docx_size) = time(&|| {
        report_docx(&province_doc(&hq, &campaign).unwrap())
            .unwrap()
            .len()
    });
    println!("province report, {UNITS} units, 98 leaves each");
    println!(
        "  workbook  {:>7.3} s  {:>8} bytes  (baseline)",
        workbook.as_secs_f64(),
        wb_size
    );
    println!(
        "  PDF       {:>7.3} s  {:>8} bytes  ratio {:.2}  (goal < 3 s)",
        pdf.as_secs_f64(),
        pdf_size,
        pdf.as_secs_f64() / workbook.as_secs_f64()
    );
    println!(
        "  .docx     {:>7.3} s  {:>8} bytes  ratio {:.2}",
        docx.as_secs_f64(),
        docx_size,
        docx.as_secs_f64() / workbook.as_secs_f64()
    );
}
