//! The criteria-set format (`thamdinh-criteria/1`, documented in `assets/criteria/README.md`),
//! its validation and its identity.
//!
//! Parsing walks the JSON by hand instead of deriving `Deserialize` so that validation can report
//! *every* problem with its code and location instead of stopping at the first one.
use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use ts_rs::TS;

use crate::number::{format_vi, parse_decimal};
use crate::{Error, Mistake, Result};

/// The format tag this build writes and reads. A set may omit it (the drafts do); a different tag
/// is refused.
pub const FORMAT: &str = "thamdinh-criteria/1";

/// Rule types a leaf may declare (`scoring_rule.type`).
pub const RULE_TYPES: &[&str] = &[
    "tiers",
    "ratio_linear",
    "deduction",
    "survey",
    "bonus",
    "penalty",
    "manual",
];

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CriteriaSet {
    /// Lowercase hex SHA-256 of the set's canonical JSON (RFC 8785) bytes.
    pub id: String,
    pub title: String,
    pub unit_type: String,
    pub year: Option<i32>,
    /// Marked as a draft (a reconstruction, not a province's decision).
    pub draft: bool,
    /// Smallest increment a score may take (default 0.01).
    #[ts(type = "string")]
    pub step: Decimal,
    pub areas: Vec<Node>,
    pub bonus_penalty: Option<BonusPenalty>,
}

/// A node of the tree: an area (lĩnh vực), a criterion (tiêu chí) or a leaf (tiêu chí thành phần).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Node {
    pub code: String,
    pub title: String,
    #[ts(type = "string")]
    pub max_points: Decimal,
    pub children: Vec<Node>,
    /// Present exactly when the node has no children.
    pub leaf: Option<Leaf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Leaf {
    pub method: Method,
    pub rule: ScoringRule,
    pub evidence: Vec<String>,
    pub not_applicable: NotApplicable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Method {
    /// Appraised by the delegation (thẩm định).
    ThamDinh,
    /// Survey (điều tra xã hội học): points are supplied by Sở Nội vụ, units do not self-score.
    DieuTraXhh,
}

/// What "not applicable" (không áp dụng / không phát sinh) does to a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NotApplicable {
    NotAllowed,
    /// The leaf's max leaves the denominator.
    ReduceMax,
    /// The leaf earns its full max.
    AwardMax,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ScoringRule {
    pub kind: String,
    pub text: Option<String>,
    /// Quick-pick levels of a `tiers` rule.
    pub levels: Vec<Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Tier {
    pub condition: String,
    #[ts(type = "string")]
    pub points: Decimal,
}

/// Bonus and penalty points (điểm thưởng / điểm trừ): outside the max, capped by `limits`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BonusPenalty {
    pub code: String,
    pub title: String,
    #[ts(type = "string")]
    pub bonus_max: Decimal,
    #[ts(type = "string")]
    pub penalty_max: Decimal,
    pub leaves: Vec<Node>,
}

pub use crate::mistake::Problem;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.code, self.at, self.message)
    }
}

impl CriteriaSet {
    /// Parses and validates a criteria set; on failure the error carries every problem found.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        Self::validate(bytes).map_err(Error::InvalidCriteria)
    }

    /// Parses and validates a criteria set, or gives every problem found.
    pub fn validate(bytes: &[u8]) -> std::result::Result<Self, Vec<Problem>> {
        // Excel and Notepad write a byte-order mark before the text.
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        use crate::canonical::{JsonProblem, parse_strict};
        let value: Value = parse_strict(bytes).map_err(|e| {
            vec![match e {
                JsonProblem::DuplicateKey(key) => {
                    Problem::new("duplicate-key", "/", Mistake::JsonKeyRepeated { key })
                }
                JsonProblem::Invalid { line, column } => {
                    Problem::new("json", "/", Mistake::NotJson { line, column })
                }
                JsonProblem::NonCanonical => {
                    Problem::new("json", "/", Mistake::NotJson { line: 0, column: 0 })
                }
            }]
        })?;
        let mut parser = Parser::default();
        let set = parser.set(&value);
        match set {
            Some(set) if parser.problems.is_empty() => Ok(set),
            _ => Err(parser.problems),
        }
    }

    /// Every leaf of the scored tree (areas), in document order; bonus/penalty leaves excluded.
    pub fn leaves(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for area in &self.areas {
            collect_leaves(area, &mut out);
        }
        out
    }

    /// Finds a node anywhere (areas or bonus/penalty) by code.
    pub fn find(&self, code: &str) -> Option<&Node> {
        fn walk<'a>(n: &'a Node, code: &str) -> Option<&'a Node> {
            if n.code == code {
                return Some(n);
            }
            n.children.iter().find_map(|c| walk(c, code))
        }
        self.areas
            .iter()
            .chain(self.bonus_penalty.iter().flat_map(|b| b.leaves.iter()))
            .find_map(|n| walk(n, code))
    }

    /// The leaf (tiêu chí thành phần) with this code, or an error naming the code.
    pub fn leaf(&self, code: &str) -> Result<&Node> {
        self.find(code)
            .filter(|n| n.leaf.is_some())
            .ok_or_else(|| Mistake::UnknownLeaf { code: code.into() }.into())
    }

    /// The leaf codes under the areas named (a member's share of a visit), in document order;
    /// an error names an area code the set does not have.
    pub fn area_leaves(&self, areas: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for code in areas {
            let area = self
                .areas
                .iter()
                .find(|a| a.code == code.trim())
                .ok_or_else(|| Mistake::UnknownArea {
                    code: code.trim().into(),
                    known: self
                        .areas
                        .iter()
                        .map(|a| a.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let mut leaves = Vec::new();
            collect_leaves(area, &mut leaves);
            out.extend(leaves.into_iter().map(|n| n.code.clone()));
        }
        out.dedup();
        Ok(out)
    }

    /// Sum of the areas' maxima (the set's nominal max, usually 100).
    pub fn max_total(&self) -> Decimal {
        self.areas.iter().map(|a| a.max_points).sum()
    }
}

fn collect_leaves<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    if node.leaf.is_some() {
        out.push(node);
    }
    for c in &node.children {
        collect_leaves(c, out);
    }
}

pub use crate::canonical::canonical_sha256;

#[derive(Default)]
struct Parser {
    problems: Vec<Problem>,
    codes: HashSet<String>,
}

impl Parser {
    fn report(&mut self, code: &str, at: &str, mistake: Mistake) {
        self.problems.push(Problem::new(code, at, mistake));
    }

    fn set(&mut self, value: &Value) -> Option<CriteriaSet> {
        let Some(obj) = value.as_object() else {
            self.report("json", "/", Mistake::SetNotAnObject);
            return None;
        };
        if let Some(format) = obj.get("format")
            && format.as_str() != Some(FORMAT)
        {
            self.report(
                "format",
                "/format",
                Mistake::SetFormat {
                    found: format.to_string(),
                    supported: FORMAT.into(),
                },
            );
        }
        let title = self.text(obj, "title", "/");
        let unit_type = self.text(obj, "unit_type", "/");
        let year = match obj.get("year") {
            None | Some(Value::Null) => None,
            Some(v) => match v
                .as_i64()
                .and_then(|y| i32::try_from(y).ok())
                .filter(|y| (2000..=2100).contains(y))
            {
                Some(y) => Some(y),
                None => {
                    self.report(
                        "bad-year",
                        "/year",
                        Mistake::SetYear {
                            found: v.to_string(),
                        },
                    );
                    None
                }
            },
        };
        let draft = obj
            .get("draft")
            .and_then(Value::as_bool)
            .unwrap_or_else(|| {
                // The shared drafts say so in `status` rather than in a flag.
                obj.get("status")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.to_uppercase().contains("DRAFT"))
            });
        let step = match obj.get("step") {
            None | Some(Value::Null) => Decimal::new(1, 2),
            Some(v) => match number(v).filter(|d| *d > Decimal::ZERO) {
                Some(d) => d,
                None => {
                    self.report(
                        "bad-step",
                        "/step",
                        Mistake::SetStep {
                            found: v.to_string(),
                        },
                    );
                    Decimal::new(1, 2)
                }
            },
        };
        let areas = match obj.get("areas").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => list
                .iter()
                .enumerate()
                .filter_map(|(i, a)| self.node(a, &format!("/areas/{i}"), step, false))
                .collect(),
            _ => {
                self.report("missing-field", "/areas", Mistake::SetNoAreas);
                Vec::new()
            }
        };
        let bonus_penalty = match obj.get("bonus_penalty") {
            None | Some(Value::Null) => None,
            Some(v) => self.bonus_penalty(v, step),
        };
        Some(CriteriaSet {
            id: canonical_sha256(value),
            title: title.unwrap_or_default(),
            unit_type: unit_type.unwrap_or_default(),
            year,
            draft,
            step,
            areas,
            bonus_penalty,
        })
    }

    /// Records a code as used, reporting it when it was used before.
    fn claim_code(&mut self, code: &str) {
        if !self.codes.insert(code.to_string()) {
            self.report(
                "duplicate-code",
                code,
                Mistake::CriteriaCodeRepeated { code: code.into() },
            );
        }
    }

    fn text(&mut self, obj: &Map<String, Value>, key: &str, at: &str) -> Option<String> {
        match obj.get(key).and_then(Value::as_str).map(str::trim) {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            _ => {
                self.report(
                    "missing-field",
                    at,
                    Mistake::FieldEmpty { field: key.into() },
                );
                None
            }
        }
    }

    fn node(
        &mut self,
        value: &Value,
        pointer: &str,
        step: Decimal,
        in_bonus_block: bool,
    ) -> Option<Node> {
        let Some(obj) = value.as_object() else {
            self.report("json", pointer, Mistake::NodeNotAnObject);
            return None;
        };
        let code = self.text(obj, "code", pointer);
        let at = code.clone().unwrap_or_else(|| pointer.to_string());
        if let Some(code) = &code {
            self.claim_code(code);
        }
        let title = self.text(obj, "title", &at);
        let max_points = match obj.get("max_points") {
            None => {
                self.report("bad-max", &at, Mistake::MaxMissing);
                None
            }
            Some(v) => match number(v) {
                Some(d) if d > Decimal::ZERO => {
                    if !is_multiple(d, step) {
                        self.report(
                            "off-step",
                            &at,
                            Mistake::MaxOffStep {
                                max: format_vi(d),
                                step: format_vi(step),
                            },
                        );
                    }
                    Some(d)
                }
                Some(d) => {
                    self.report(
                        "bad-max",
                        &at,
                        Mistake::MaxNotPositive {
                            found: format_vi(d),
                        },
                    );
                    None
                }
                None => {
                    self.report(
                        "bad-max",
                        &at,
                        Mistake::MaxNotANumber {
                            text: v.as_str().map_or_else(|| v.to_string(), String::from),
                        },
                    );
                    None
                }
            },
        };
        let (children, leaf) = match obj.get("children") {
            Some(Value::Array(list)) => {
                if list.is_empty() {
                    self.report("empty-group", &at, Mistake::GroupEmpty);
                }
                let kids: Vec<Node> = list
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        self.node(c, &format!("{pointer}/children/{i}"), step, in_bonus_block)
                    })
                    .collect();
                // Only compare sums when every child parsed with a valid max, to avoid echo errors.
                let all_valid = kids.len() == list.len()
                    && list.iter().all(|c| {
                        c.get("max_points")
                            .and_then(number)
                            .is_some_and(|d| d > Decimal::ZERO)
                    });
                let sum: Decimal = kids.iter().map(|k| k.max_points).sum();
                if let Some(max) = max_points
                    && all_valid
                    && sum != max
                {
                    self.report(
                        "sum-mismatch",
                        &at,
                        Mistake::SumMismatch {
                            code: at.clone(),
                            max: format_vi(max),
                            sum: format_vi(sum),
                        },
                    );
                }
                (kids, None)
            }
            Some(_) => {
                self.report("json", &at, Mistake::ChildrenNotAList);
                (Vec::new(), None)
            }
            None => (Vec::new(), self.leaf(obj, &at, max_points, in_bonus_block)),
        };
        Some(Node {
            code: code?,
            title: title.unwrap_or_default(),
            max_points: max_points.unwrap_or_default(),
            children,
            leaf,
        })
    }

    fn leaf(
        &mut self,
        obj: &Map<String, Value>,
        at: &str,
        max: Option<Decimal>,
        in_bonus_block: bool,
    ) -> Option<Leaf> {
        let method = match obj.get("method").and_then(Value::as_str) {
            Some("tham_dinh") => Some(Method::ThamDinh),
            Some("dieu_tra_xhh") => Some(Method::DieuTraXhh),
            Some(other) => {
                self.report(
                    "bad-method",
                    at,
                    Mistake::MethodUnknown {
                        found: other.into(),
                    },
                );
                None
            }
            None => {
                self.report("missing-method", at, Mistake::MethodMissing);
                None
            }
        };
        let rule = self.rule(obj.get("scoring_rule"), at, max, in_bonus_block);
        let not_applicable = self.not_applicable(obj.get("not_applicable"), at);
        let evidence = obj
            .get("evidence")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Some(Leaf {
            method: method?,
            rule: rule?,
            evidence,
            not_applicable: not_applicable?,
        })
    }

    fn rule(
        &mut self,
        value: Option<&Value>,
        at: &str,
        max: Option<Decimal>,
        in_bonus_block: bool,
    ) -> Option<ScoringRule> {
        let Some(obj) = value.and_then(Value::as_object) else {
            self.report("missing-rule", at, Mistake::RuleMissing);
            return None;
        };
        let kind = match obj.get("type").and_then(Value::as_str) {
            Some(k) if RULE_TYPES.contains(&k) => k.to_string(),
            Some(k) => {
                self.report(
                    "bad-rule",
                    at,
                    Mistake::RuleUnknown {
                        found: k.into(),
                        known: RULE_TYPES.join(", "),
                    },
                );
                return None;
            }
            None => {
                self.report("missing-rule", at, Mistake::RuleMissing);
                return None;
            }
        };
        let bonus_kind = kind == "bonus" || kind == "penalty";
        if bonus_kind != in_bonus_block {
            let kind = kind.clone();
            let msg = if in_bonus_block {
                Mistake::RuleInBonusBlock { kind }
            } else {
                Mistake::RuleOutsideBonusBlock { kind }
            };
            self.report("bad-rule", at, msg);
        }
        let mut levels = Vec::new();
        if kind == "tiers" {
            match obj.get("levels").and_then(Value::as_array) {
                Some(list) if !list.is_empty() => {
                    for (i, level) in list.iter().enumerate() {
                        let condition = level
                            .get("condition")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        match level.get("points").and_then(number) {
                            Some(p) if p < Decimal::ZERO => {
                                self.report(
                                    "bad-tier",
                                    at,
                                    Mistake::TierNegative {
                                        tier: i + 1,
                                        points: format_vi(p),
                                    },
                                );
                            }
                            Some(p) if max.is_some_and(|m| p > m) => self.report(
                                "tier-above-max",
                                at,
                                Mistake::TierAboveMax {
                                    tier: i + 1,
                                    points: format_vi(p),
                                    max: format_vi(max.unwrap_or_default()),
                                },
                            ),
                            Some(p) => levels.push(Tier {
                                condition,
                                points: p,
                            }),
                            None => {
                                self.report("bad-tier", at, Mistake::TierNoPoints { tier: i + 1 })
                            }
                        }
                    }
                }
                _ => self.report("missing-rule", at, Mistake::TiersEmpty),
            }
        }
        let text = obj.get("text").and_then(Value::as_str).map(String::from);
        Some(ScoringRule { kind, text, levels })
    }

    fn not_applicable(&mut self, value: Option<&Value>, at: &str) -> Option<NotApplicable> {
        let Some(obj) = value.and_then(Value::as_object) else {
            if value.is_some_and(|v| !v.is_null()) {
                self.report("bad-not-applicable", at, Mistake::NotApplicableNotAnObject);
                return None;
            }
            return Some(NotApplicable::NotAllowed);
        };
        match (
            obj.get("allowed").and_then(Value::as_bool),
            obj.get("handling").and_then(Value::as_str),
        ) {
            (Some(false), _) => Some(NotApplicable::NotAllowed),
            (Some(true), Some("reduce_max")) => Some(NotApplicable::ReduceMax),
            (Some(true), Some("award_max")) => Some(NotApplicable::AwardMax),
            (Some(true), other) => {
                self.report(
                    "bad-not-applicable",
                    at,
                    Mistake::NotApplicableHandling {
                        found: other.unwrap_or_default().into(),
                    },
                );
                None
            }
            (None, _) => {
                self.report("bad-not-applicable", at, Mistake::NotApplicableAllowed);
                None
            }
        }
    }

    fn bonus_penalty(&mut self, value: &Value, step: Decimal) -> Option<BonusPenalty> {
        let Some(obj) = value.as_object() else {
            self.report("json", "/bonus_penalty", Mistake::BonusBlockNotAnObject);
            return None;
        };
        let code = self.text(obj, "code", "/bonus_penalty");
        let at = code.clone().unwrap_or_else(|| "/bonus_penalty".into());
        if let Some(code) = &code {
            self.claim_code(code);
        }
        let title = self.text(obj, "title", &at);
        let limits = obj.get("limits");
        let limit =
            |key: &str, parser: &mut Self| match limits.and_then(|l| l.get(key)).and_then(number) {
                Some(d) if d >= Decimal::ZERO => Some(d),
                _ => {
                    parser.report("bad-limits", &at, Mistake::BonusLimit { key: key.into() });
                    None
                }
            };
        let bonus_max = limit("bonus_max", self);
        let penalty_max = limit("penalty_max", self);
        let leaves: Vec<Node> = obj
            .get("children")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        self.node(c, &format!("/bonus_penalty/children/{i}"), step, true)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(BonusPenalty {
            code: code?,
            title: title.unwrap_or_default(),
            bonus_max: bonus_max?,
            penalty_max: penalty_max?,
            leaves,
        })
    }
}

/// A JSON number, or a string holding a decimal (`"1,5"`), as an exact decimal.
fn number(value: &Value) -> Option<Decimal> {
    match value {
        // serde_json prints the shortest representation that round-trips, so 0.1 stays "0.1".
        Value::Number(n) => parse_decimal(&n.to_string())
            .or_else(|| n.as_f64().and_then(|f| Decimal::try_from(f).ok())),
        Value::String(s) => parse_decimal(s),
        _ => None,
    }
}

pub(crate) fn is_multiple(value: Decimal, step: Decimal) -> bool {
    step > Decimal::ZERO && (value % step).is_zero()
}
