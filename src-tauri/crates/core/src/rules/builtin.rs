//! The criteria sets shipped with the app (`assets/criteria/`). All three are drafts reconstructed
//! for design; a province replaces them with its own decision's appendix.
use serde::Serialize;
use ts_rs::TS;

use crate::criteria::CriteriaSet;
use crate::{Error, Result};

/// (slug, JSON text) of every built-in set, newest first.
const BUILTIN: &[(&str, &str)] = &[
    (
        "so-2025",
        include_str!("../../../../../assets/criteria/so-2025.json"),
    ),
    (
        "xa-2025",
        include_str!("../../../../../assets/criteria/xa-2025.json"),
    ),
    (
        "huyen-2024",
        include_str!("../../../../../assets/criteria/huyen-2024.json"),
    ),
];

/// What the home screen shows of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SetSummary {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub unit_type: String,
    pub year: Option<i32>,
    pub draft: bool,
    pub leaves: u32,
    #[ts(type = "string")]
    pub max_total: rust_decimal::Decimal,
}

impl SetSummary {
    pub fn of(slug: &str, set: &CriteriaSet) -> Self {
        SetSummary {
            id: set.id.clone(),
            slug: slug.to_string(),
            title: set.title.clone(),
            unit_type: set.unit_type.clone(),
            year: set.year,
            draft: set.draft,
            leaves: u32::try_from(set.leaves().len()).unwrap_or(u32::MAX),
            max_total: set.max_total(),
        }
    }
}

/// Every built-in set, parsed. They are validated by the test suite, so a failure here is a bug.
pub fn all() -> Vec<(&'static str, CriteriaSet)> {
    BUILTIN
        .iter()
        .map(|(slug, json)| {
            (
                *slug,
                CriteriaSet::from_json(json.as_bytes()).expect("built-in criteria sets are valid"),
            )
        })
        .collect()
}

/// Finds a built-in set by slug or by id (SHA-256).
pub fn find(key: &str) -> Result<CriteriaSet> {
    all()
        .into_iter()
        .find(|(slug, set)| *slug == key || set.id == key)
        .map(|(_, set)| set)
        .ok_or_else(|| Error::UnknownCriteriaSet(key.to_string()))
}

/// The JSON text of a built-in set, by slug or by id.
pub fn json(key: &str) -> Result<&'static str> {
    let slug = all()
        .into_iter()
        .find(|(slug, set)| *slug == key || set.id == key)
        .map(|(slug, _)| slug);
    BUILTIN
        .iter()
        .find(|(s, _)| Some(*s) == slug)
        .map(|(_, json)| *json)
        .ok_or_else(|| Error::UnknownCriteriaSet(key.to_string()))
}

/// Summaries of the built-in sets, for listing.
pub fn summaries() -> Vec<SetSummary> {
    all()
        .iter()
        .map(|(slug, set)| SetSummary::of(slug, set))
        .collect()
}
