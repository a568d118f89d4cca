//! A signed bundle must also agree with itself: a trusted key signing a `result.json` whose
//! figures do not follow from its own content must not make them count. Checked last, after the
//! bag, the signature and the audit chains:
//! - every leaf value is one the criteria set allows (a leaf of the set, range, step, N/A rule);
//! - each visit's totals equal a recomputation by the same scoring code;
//! - each leaf's values and the visit's status equal the replay of the visit's audit log;
//! - a member's partial bundle states nothing outside its scope (`outside-scope`);
//! - the unit's drawn acknowledgement is the one the visit's log recorded last.
use std::collections::{BTreeMap, HashMap};

use super::result::{ColumnDoc, LeafDoc, RESULT_PATH, ResultDoc, ScopeDoc, VisitDoc};
use super::{Rejection, reject};
use crate::audit::AuditEntry;
use crate::criteria::CriteriaSet;
use crate::scoring::{self, Column, Entry, LeafScore, Scores};
use crate::visit::LeafField;

const CODE: &str = "inconsistent-result";

fn inconsistent(visit: &VisitDoc, what: String) -> Rejection {
    reject(
        CODE,
        RESULT_PATH,
        format!("phiếu {} ({}): {what}", visit.unit.code, visit.id),
    )
}

/// The checks above, for every visit of the bundle.
pub fn check(
    set: &CriteriaSet,
    result: &ResultDoc,
    audit: &BTreeMap<String, Vec<AuditEntry>>,
) -> Result<(), Rejection> {
    let scope = match &result.scope {
        Some(scope) => Some(check_scope(set, result, scope)?),
        None => None,
    };
    for visit in &result.visits {
        let scores = leaf_scores(set, visit)?;
        let totals = scoring::totals(set, &scores);
        for (label, claimed, computed) in [
            (
                "tự đánh giá",
                &visit.totals.self_assessed,
                &totals.self_assessed,
            ),
            ("thẩm định", &visit.totals.appraised, &totals.appraised),
        ] {
            let computed = ColumnDoc::from(computed);
            if *claimed != computed {
                return Err(inconsistent(
                    visit,
                    format!(
                        "tổng điểm {label} ghi {} / {} nhưng tính lại được {} / {}",
                        claimed.points, claimed.max, computed.points, computed.max
                    ),
                ));
            }
        }
        replay(
            visit,
            audit.get(&visit.id).map_or(&[][..], Vec::as_slice),
            scope,
        )?;
    }
    Ok(())
}

/// A partial bundle holds one visit, its scope lists exactly the leaves of the areas it names,
/// and it states no leaf outside them.
fn check_scope<'a>(
    set: &CriteriaSet,
    result: &ResultDoc,
    scope: &'a ScopeDoc,
) -> Result<&'a [String], Rejection> {
    let outside = |why: String| reject("outside-scope", RESULT_PATH, why);
    if result.visits.len() != 1 {
        return Err(outside(format!(
            "gói từng phần phải chứa đúng một phiếu, có {}",
            result.visits.len()
        )));
    }
    let expected = set
        .area_leaves(&scope.areas)
        .map_err(|e| outside(e.to_string()))?;
    if expected != scope.leaves {
        return Err(outside(format!(
            "phạm vi liệt kê tiêu chí không đúng với các lĩnh vực {}",
            scope.areas.join(", ")
        )));
    }
    for leaf in &result.visits[0].leaves {
        if !scope.leaves.contains(&leaf.code) {
            return Err(outside(format!(
                "tiêu chí {} nằm ngoài phạm vi của gói từng phần (lĩnh vực {})",
                leaf.code,
                scope.areas.join(", ")
            )));
        }
    }
    Ok(&scope.leaves)
}

/// The scores a visit's leaves hold, each checked against the set.
fn leaf_scores(set: &CriteriaSet, visit: &VisitDoc) -> Result<Scores, Rejection> {
    let mut scores = Scores::new();
    for leaf in &visit.leaves {
        let node = set.leaf(&leaf.code).map_err(|_| {
            inconsistent(
                visit,
                format!("mã {} không có trong bộ tiêu chí", leaf.code),
            )
        })?;
        let mut score = LeafScore::default();
        for (column, text) in [
            (Column::SelfAssessed, &leaf.self_assessed),
            (Column::Appraised, &leaf.appraised),
            (Column::Appraised, &leaf.round1),
            (Column::Appraised, &leaf.round2),
        ] {
            let Some(text) = text else { continue };
            let entry = Entry::parse(text)
                .ok()
                .flatten()
                .filter(|e| crate::visit::entry_text(*e) == *text)
                .ok_or_else(|| {
                    inconsistent(
                        visit,
                        format!("{}: giá trị «{text}» không hợp lệ", leaf.code),
                    )
                })?;
            scoring::check_entry(set, node, column, entry)
                .map_err(|msg| inconsistent(visit, msg.to_string()))?;
        }
        score.self_assessed = leaf
            .self_assessed
            .as_deref()
            .and_then(|t| Entry::parse(t).ok().flatten());
        score.appraised = leaf
            .appraised
            .as_deref()
            .and_then(|t| Entry::parse(t).ok().flatten());
        if scores.insert(leaf.code.clone(), score).is_some() {
            return Err(inconsistent(
                visit,
                format!("mã {} xuất hiện hai lần", leaf.code),
            ));
        }
    }
    Ok(scores)
}

/// The values and status a visit's audit log leads to must be those `result.json` states.
/// In a partial bundle only the leaves of its scope are compared: the visit's log may hold others.
fn replay(
    visit: &VisitDoc,
    entries: &[AuditEntry],
    scope: Option<&[String]>,
) -> Result<(), Rejection> {
    let acknowledged = entries
        .iter()
        .rev()
        .find(|e| e.action == crate::acknowledgement::ACTION)
        .and_then(|e| e.new.as_deref());
    if acknowledged
        != visit
            .acknowledgement
            .as_ref()
            .map(|a| a.image_sha256.as_str())
    {
        return Err(inconsistent(
            visit,
            "xác nhận của đơn vị (chữ ký vẽ) không phải bản nhật ký ghi nhận".into(),
        ));
    }
    let (mut values, status) = crate::audit::replay(entries);
    if let Some(scope) = scope {
        values.retain(|(code, _), _| scope.contains(code));
    }
    if visit.status != status {
        return Err(inconsistent(
            visit,
            format!(
                "trạng thái ghi «{}» nhưng nhật ký cho «{status}»",
                visit.status
            ),
        ));
    }
    let stated: HashMap<(String, String), Option<String>> = visit
        .leaves
        .iter()
        .flat_map(|leaf| {
            LeafField::ALL.map(|f| {
                (
                    (leaf.code.clone(), f.as_str().to_string()),
                    field_value(leaf, f),
                )
            })
        })
        .filter(|(_, v)| v.is_some())
        .collect();
    let logged = values.iter().filter(|(_, v)| v.is_some());
    for ((code, field), value) in logged {
        if stated.get(&(code.clone(), field.clone())) != Some(value) {
            return Err(inconsistent(
                visit,
                format!("{code} {field}: nhật ký ghi {value:?}, result.json ghi khác"),
            ));
        }
    }
    for ((code, field), value) in &stated {
        if values
            .get(&(code.clone(), field.clone()))
            .cloned()
            .flatten()
            != *value
        {
            return Err(inconsistent(
                visit,
                format!(
                    "{code} {field}: result.json ghi {value:?} nhưng nhật ký không có giá trị này"
                ),
            ));
        }
    }
    Ok(())
}

/// A leaf's value of one field as `result.json` states it (None when empty).
pub(crate) fn field_value(leaf: &LeafDoc, field: LeafField) -> Option<String> {
    let text = |t: &String| Some(t.clone()).filter(|t| !t.is_empty());
    match field {
        LeafField::SelfAssessed => leaf.self_assessed.clone(),
        LeafField::Appraised => leaf.appraised.clone(),
        LeafField::Round1 => leaf.round1.clone(),
        LeafField::Round2 => leaf.round2.clone(),
        LeafField::NaReason => text(&leaf.na_reason),
        LeafField::DeductionReason => text(&leaf.deduction_reason),
        LeafField::ExplanationRequest => text(&leaf.explanation_request),
        LeafField::ExplanationAnswer => text(&leaf.explanation_answer),
    }
}
