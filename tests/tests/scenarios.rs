//! Cross-crate scenarios: the shipped assets through the core, the store on disk.
use rust_decimal::Decimal;
use thamdinh_core::builtin;
use thamdinh_core::criteria::{CriteriaSet, Method, NotApplicable};
use thamdinh_core::scoring::{self, Entry, LeafScore, Scores};
use thamdinh_core::store::{NewCampaign, Store};

/// Full marks on every leaf of every built-in set give index 100,00 in both parts.
#[test]
fn full_marks_on_each_builtin_set_give_100() {
    for (slug, set) in builtin::all() {
        let scores: Scores = set
            .leaves()
            .into_iter()
            .map(|n| {
                let full = Some(Entry::Points(n.max_points));
                let survey = n.leaf.as_ref().unwrap().method == Method::DieuTraXhh;
                (
                    n.code.clone(),
                    LeafScore {
                        self_assessed: if survey { None } else { full },
                        appraised: full,
                    },
                )
            })
            .collect();
        let t = scoring::totals(&set, &scores);
        for col in [&t.self_assessed, &t.appraised] {
            assert_eq!(col.total.points, Decimal::ONE_HUNDRED, "{slug}");
            assert_eq!(col.total.index, Some(Decimal::new(10000, 2)), "{slug}");
            assert_eq!(col.total.scored, col.total.leaves, "{slug}");
        }
        for area in t.areas() {
            assert_eq!(
                area.appraised.points, area.max_points,
                "{slug} area {}",
                area.code
            );
        }
    }
}

/// Marking every reduce_max leaf N/A shrinks the attainable max by exactly their maxima.
#[test]
fn reduce_max_na_shrinks_the_attainable_max_on_builtin_sets() {
    for (slug, set) in builtin::all() {
        let reducible: Vec<_> = set
            .leaves()
            .into_iter()
            .filter(|n| n.leaf.as_ref().unwrap().not_applicable == NotApplicable::ReduceMax)
            .collect();
        assert!(!reducible.is_empty(), "{slug} has reduce_max leaves");
        let removed: Decimal = reducible.iter().map(|n| n.max_points).sum();
        let scores: Scores = reducible
            .iter()
            .map(|n| {
                (
                    n.code.clone(),
                    LeafScore {
                        self_assessed: None,
                        appraised: Some(Entry::NotApplicable),
                    },
                )
            })
            .collect();
        let t = scoring::totals(&set, &scores);
        assert_eq!(t.appraised.total.max, set.max_total() - removed, "{slug}");
        assert_eq!(t.appraised.total.points, Decimal::ZERO, "{slug}");
    }
}

/// The built-in assets are the shared drafts, converted: same tree, same maxima.
#[test]
fn builtin_assets_match_the_shared_drafts_where_present() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/domain");
    let pairs = [
        ("so-2025", "criteria-so-2025-draft.json"),
        ("xa-2025", "criteria-xa-2025-draft.json"),
        ("huyen-2024", "criteria-huyen-draft.json"),
    ];
    for (slug, draft) in pairs {
        let Ok(bytes) = std::fs::read(root.join(draft)) else {
            eprintln!("skipping {draft}: shared/ not beside the checkout");
            continue;
        };
        let from_draft = CriteriaSet::from_json(&bytes).expect("the draft validates");
        let ours = builtin::find(slug).unwrap();
        assert_eq!(from_draft.areas, ours.areas, "{slug}");
        assert_eq!(from_draft.bonus_penalty, ours.bonus_penalty, "{slug}");
    }
}

/// A campaign stores its set by hash; reopening the store gives back the identical set.
#[test]
fn campaign_set_survives_reopen_with_same_identity() {
    let dir = tempfile::tempdir().unwrap();
    for (slug, set) in builtin::all() {
        let json = serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(&builtin_json(slug)).unwrap(),
        )
        .unwrap();
        let mut store = Store::open_dir(dir.path()).unwrap();
        let c = store
            .create_campaign(&NewCampaign {
                name: slug,
                year: 2025,
                province: "Hà Tĩnh",
                unit_group: slug,
                criteria_set_json: &json,
                ..Default::default()
            })
            .unwrap();
        drop(store);
        let store = Store::open_dir(dir.path()).unwrap();
        let stored = CriteriaSet::from_json(
            store
                .criteria_set_json(&c.criteria_set_id)
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            stored.id, set.id,
            "compact re-serialisation keeps the canonical id"
        );
        assert_eq!(stored, set);
    }
}

fn builtin_json(slug: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../assets/criteria/{slug}.json"));
    std::fs::read_to_string(path).unwrap()
}
