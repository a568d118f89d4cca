//! `make bench`: criteria-set work against baselines measured in the same run, printed as ratios
//! (never as absolute targets: these shared 2-core machines vary too much run to run).
//! - load: parse + validate + hash the largest built-in set, vs. `serde_json` parsing the same bytes.
//! - totals: all totals of a fully scored set, vs. summing the same number of decimals in a loop.
use std::hint::black_box;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use thamdinh_core::builtin;
use thamdinh_core::criteria::CriteriaSet;
use thamdinh_core::scoring::{self, Entry, LeafScore, Scores};

const JSON: &str = include_str!("../../../../assets/criteria/huyen-2024.json");

/// Median time of `runs` batches of `iters` calls.
fn median(runs: usize, iters: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed() / iters as u32
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn report(name: &str, ours: Duration, baseline: Duration) {
    println!(
        "{name:<8} ours {:>9.1} µs  baseline {:>9.1} µs  ratio {:.2}",
        ours.as_secs_f64() * 1e6,
        baseline.as_secs_f64() * 1e6,
        ours.as_secs_f64() / baseline.as_secs_f64()
    );
}

fn main() {
    let load = median(15, 20, || {
        black_box(CriteriaSet::from_json(black_box(JSON.as_bytes())).unwrap());
    });
    let parse = median(15, 20, || {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(JSON)).unwrap());
    });
    report("load", load, parse);

    let set = builtin::find("huyen-2024").unwrap();
    let scores: Scores = set
        .leaves()
        .iter()
        .map(|n| {
            let e = Some(Entry::Points(n.max_points));
            (
                n.code.clone(),
                LeafScore {
                    self_assessed: e,
                    appraised: e,
                },
            )
        })
        .collect();
    let values: Vec<Decimal> = scores
        .values()
        .filter_map(|s| match s.appraised {
            Some(Entry::Points(p)) => Some(p),
            _ => None,
        })
        .collect();
    let totals = median(15, 200, || {
        black_box(scoring::totals(black_box(&set), black_box(&scores)));
    });
    let sum = median(15, 200, || {
        black_box(black_box(&values).iter().copied().sum::<Decimal>());
    });
    report("totals", totals, sum);
}
