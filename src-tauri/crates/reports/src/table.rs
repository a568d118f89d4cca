//! A visit's scoring table and what surrounds it, gathered once for the PDF and the workbook.
use rust_decimal::Decimal;
use serde::Serialize;
use thamdinh_core::Result;
use thamdinh_core::number::{format_vi, format_vi_2dp};
use thamdinh_core::scoring::{Entry, Tally};
use thamdinh_core::store::Store;
use thamdinh_core::visit::VisitView;

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `area`, `criterion` or `leaf`.
    pub kind: &'static str,
    pub depth: u32,
    pub code: String,
    pub title: String,
    pub max: Decimal,
    /// As entered for leaves (`NA` for not applicable); the subtotal for areas and criteria.
    pub self_assessed: Option<Value>,
    pub appraised: Option<Value>,
    /// Appraised − self-assessed, when both are points.
    pub difference: Option<Decimal>,
    pub reason: String,
    pub evidence: u32,
}

/// A cell's value: points, or not applicable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Value {
    Points(Decimal),
    NotApplicable,
}

impl Value {
    pub fn text(self) -> String {
        match self {
            Value::Points(p) => format_vi(p),
            Value::NotApplicable => "KAD".into(),
        }
    }
}

fn entry(e: Option<Entry>) -> Option<Value> {
    e.map(|e| match e {
        Entry::Points(p) => Value::Points(p),
        Entry::NotApplicable => Value::NotApplicable,
    })
}

fn subtotal(t: &Tally) -> Option<Value> {
    (t.scored > 0).then_some(Value::Points(t.points))
}

/// Totals as the minutes write them: `86,33 / 98 điểm, chỉ số 88,09 %`.
pub fn total_text(t: &Tally) -> String {
    match t.index {
        Some(i) => format!(
            "{} / {} điểm, chỉ số {} %",
            format_vi(t.points),
            format_vi(t.max),
            format_vi_2dp(i)
        ),
        None => format!("{} / {} điểm", format_vi(t.points), format_vi(t.max)),
    }
}

/// The rows of a visit: every node in document order, bonus/penalty leaves last.
pub fn rows(view: &VisitView) -> Vec<Row> {
    view.totals
        .nodes
        .iter()
        .map(|n| {
            let leaf = view.leaves.iter().find(|l| l.code == n.code);
            match (n.is_leaf, leaf) {
                (true, Some(l)) => Row {
                    kind: "leaf",
                    depth: n.depth,
                    code: n.code.clone(),
                    title: n.title.clone(),
                    max: n.max_points,
                    self_assessed: entry(l.self_assessed),
                    appraised: entry(l.appraised),
                    difference: l.difference,
                    reason: if l.appraised == Some(Entry::NotApplicable) {
                        l.na_reason.clone()
                    } else {
                        l.deduction_reason.clone()
                    },
                    evidence: l.evidence_count,
                },
                _ => Row {
                    kind: if n.depth == 0 { "area" } else { "criterion" },
                    depth: n.depth,
                    code: n.code.clone(),
                    title: n.title.clone(),
                    max: n.max_points,
                    self_assessed: subtotal(&n.self_assessed),
                    appraised: subtotal(&n.appraised),
                    difference: None,
                    reason: String::new(),
                    evidence: 0,
                },
            }
        })
        .collect()
}

/// Everything both documents need about a visit.
pub struct VisitReport {
    pub view: VisitView,
    pub rows: Vec<Row>,
    pub set_title: String,
    pub members: Vec<thamdinh_core::units::Member>,
}

pub fn visit_report(store: &Store, visit_id: &str) -> Result<VisitReport> {
    let view = store.visit_view(visit_id)?;
    let set = store.criteria_set(&view.set_id)?;
    Ok(VisitReport {
        rows: rows(&view),
        set_title: set.title.clone(),
        members: store.members(&view.campaign.id)?,
        view,
    })
}
