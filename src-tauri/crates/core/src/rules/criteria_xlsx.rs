//! Criteria sets from and to Excel: the appendix of a province's decision (Phụ lục) as staff send
//! it, and the app's own template.
//!
//! **Template** — sheet «Tiêu chí»: a title block, then a header row `Mã · Nội dung · Điểm tối đa
//! · Phương pháp · Cách chấm · Tài liệu kiểm chứng · Không áp dụng` (and a hidden «Dữ liệu khác
//! (JSON)» column), one row per node in document order, a «Tổng cộng» row; sheet «Thông tin»: the
//! set's title, unit type, year and step. The hidden column holds each node as the set's JSON has
//! it, so an exported set imports back to the same canonical id; an edit of a visible cell wins
//! over it.
//!
//! **Tolerated** in what provinces send: a title block above the table, merged cells, blank
//! spacer rows, areas numbered in Roman numerals (I, II…), codes like `1.1.a`, points written
//! `2,5`, a total row at the end (checked against the areas). Every problem names the sheet, row
//! and column, all of them at once, as JSON validation does; nothing is written unless none.
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use serde_json::{Map, Value, json};
use ts_rs::TS;
use unicode_normalization::UnicodeNormalization;

use crate::criteria::CriteriaSet;
use crate::mistake::Mistake;
use crate::number::parse_decimal;
use crate::sheet::{Sheet, column_letter};

pub const SHEET: &str = "Tiêu chí";
pub const INFO_SHEET: &str = "Thông tin";
const HEADERS: [&str; 8] = [
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Phương pháp",
    "Cách chấm",
    "Tài liệu kiểm chứng",
    "Không áp dụng",
    "Dữ liệu khác (JSON)",
];
const INFO_KEYS: [&str; 5] = [
    "Tên bộ tiêu chí",
    "Loại đơn vị",
    "Năm",
    "Bước điểm",
    "Dữ liệu khác (JSON)",
];
const BONUS_BLOCK: &str = "Điểm thưởng, điểm trừ";

/// One problem of a sheet, where Excel shows it: a stable code, the place, and the mistake
/// with its parameters (its Vietnamese words in `message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SheetProblem {
    pub sheet: String,
    pub row: Option<usize>,
    /// A, B, …
    pub column: Option<String>,
    pub code: String,
    pub message: String,
    pub mistake: Mistake,
}

impl SheetProblem {
    fn new(
        sheet: &str,
        row: Option<usize>,
        column: Option<String>,
        code: &str,
        mistake: Mistake,
    ) -> Self {
        SheetProblem {
            sheet: sheet.into(),
            row,
            column,
            code: code.into(),
            message: mistake.to_string(),
            mistake,
        }
    }

    /// The mistake placed at its cell, for the UI to word.
    pub fn placed(&self) -> Mistake {
        Mistake::AtCell {
            sheet: self.sheet.clone(),
            row: self.row,
            column: self.column.clone(),
            mistake: Box::new(self.mistake.clone()),
        }
    }
}

impl fmt::Display for SheetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trang «{}»", self.sheet)?;
        if let Some(r) = self.row {
            write!(f, ", dòng {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", cột {c}")?;
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

/// A set read from a workbook: its JSON (pretty) and the validated set.
#[derive(Debug, Clone)]
pub struct ImportedSet {
    pub json: String,
    pub set: CriteriaSet,
    /// Leaves whose «Không áp dụng» cell only marked them (x, có, ✓) without saying how they
    /// count: read as the usual rule, the max leaves the attainable total ("Giảm điểm tối đa").
    pub na_marked: Vec<String>,
}

fn norm(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which column holds what, from the header row.
#[derive(Debug, Default)]
struct Columns {
    code: Option<usize>,
    title: Option<usize>,
    max: Option<usize>,
    method: Option<usize>,
    rule: Option<usize>,
    evidence: Option<usize>,
    na: Option<usize>,
    extra: Option<usize>,
}

impl Columns {
    fn from_header(cells: &[String]) -> Self {
        let mut c = Columns::default();
        for (i, cell) in cells.iter().enumerate() {
            let h = norm(cell);
            let slot = if h.contains("json") {
                &mut c.extra
            } else if h == "mã" || h.starts_with("mã ") || h == "stt" || h == "tt" {
                &mut c.code
            } else if h.contains("tối đa") || h.contains("điểm chuẩn") || h == "thang điểm"
            {
                &mut c.max
            } else if h.contains("phương pháp") {
                &mut c.method
            } else if h.contains("cách chấm")
                || h.contains("hướng dẫn chấm")
                || h.contains("cách tính")
            {
                &mut c.rule
            } else if h.contains("kiểm chứng") {
                &mut c.evidence
            } else if h.contains("không áp dụng") {
                &mut c.na
            } else if h.contains("nội dung") || h.contains("tiêu chí") {
                &mut c.title
            } else {
                continue;
            };
            slot.get_or_insert(i);
        }
        c
    }

    fn is_header(&self) -> bool {
        self.code.is_some() && self.title.is_some()
    }
}

/// Roman numerals I … XXX as area codes.
fn roman(code: &str) -> Option<u32> {
    let value = |c| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        _ => None,
    };
    let digits: Vec<u32> = code.chars().map(value).collect::<Option<_>>()?;
    if digits.is_empty() {
        return None;
    }
    let mut total = 0i64;
    for (i, d) in digits.iter().enumerate() {
        if digits.get(i + 1).is_some_and(|n| n > d) {
            total -= i64::from(*d);
        } else {
            total += i64::from(*d);
        }
    }
    u32::try_from(total).ok().filter(|t| (1..=30).contains(t))
}

/// One row of the table, as read.
struct Row {
    row: usize,
    code: String,
    parent: Option<String>,
    cells: Cells,
    base: Option<Map<String, Value>>,
}

#[derive(Default)]
struct Cells {
    title: String,
    max: Option<Decimal>,
    /// The cell had text that is not a number (already reported).
    max_unreadable: bool,
    method: String,
    rule: String,
    evidence: String,
    na: String,
}

/// [`import_xlsx`] of a file a person picked: the file unreadable is an error; a workbook that
/// is not a valid set gives its problems.
pub fn import_file(
    path: &std::path::Path,
) -> crate::Result<Result<ImportedSet, Vec<SheetProblem>>> {
    let bytes = std::fs::read(path).map_err(|e| crate::Mistake::cannot_read(path, &e))?;
    Ok(import_xlsx(&bytes))
}

/// Every problem in one message, one per line (for a refusal that must carry them all).
pub fn problems_error(problems: &[SheetProblem]) -> crate::Error {
    crate::Error::Mistakes(problems.iter().map(SheetProblem::placed).collect())
}

/// Reads a criteria set from workbook bytes; every problem at once when it cannot.
pub fn import_xlsx(bytes: &[u8]) -> Result<ImportedSet, Vec<SheetProblem>> {
    let sheets = crate::sheet::read_sheets(bytes)
        .map_err(|m| vec![SheetProblem::new("", None, None, "not-a-workbook", m)])?;
    let info = sheets.iter().find(|(n, _)| norm(n) == norm(INFO_SHEET));
    let table = sheets
        .iter()
        .find(|(n, _)| norm(n) == norm(SHEET))
        .or_else(|| {
            sheets.iter().find(|(n, rows)| {
                norm(n) != norm(INFO_SHEET)
                    && rows
                        .iter()
                        .any(|(_, c)| Columns::from_header(c).is_header())
            })
        })
        .ok_or_else(|| {
            vec![SheetProblem::new(
                &sheets[0].0,
                None,
                None,
                "no-header",
                Mistake::NoHeaderRow,
            )]
        })?;
    Reader::new(table).read(info)
}

struct Reader<'a> {
    sheet: &'a Sheet,
    problems: Vec<SheetProblem>,
    na_marked: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(sheet: &'a Sheet) -> Self {
        Reader {
            sheet,
            problems: Vec::new(),
            na_marked: Vec::new(),
        }
    }

    fn problem(&mut self, row: Option<usize>, col: Option<usize>, code: &str, mistake: Mistake) {
        let column = col.map(column_letter);
        let problem = SheetProblem::new(&self.sheet.0, row, column, code, mistake);
        self.problems.push(problem);
    }

    fn read(mut self, info: Option<&Sheet>) -> Result<ImportedSet, Vec<SheetProblem>> {
        let rows: &'a [(usize, Vec<String>)] = &self.sheet.1;
        let Some((header_at, cols)) = self.header() else {
            return Err(self.problems);
        };
        let title_block: Vec<String> = rows[..header_at]
            .iter()
            .flat_map(|(_, c)| c.iter())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let (table, total) = self.table(&rows[header_at + 1..], &cols);
        if table.is_empty() && self.problems.is_empty() {
            self.problem(Some(rows[header_at].0), None, "empty", Mistake::TableEmpty);
        }
        let (areas, bonus, area_sum) = self.tree(&table, &cols);
        if let Some((row, stated)) = total
            && stated != area_sum
        {
            self.problem(
                Some(row),
                cols.max,
                "total-mismatch",
                Mistake::TotalMismatch {
                    stated: vi(stated),
                    sum: vi(area_sum),
                },
            );
        }
        let mut top = self.top_level(info, &title_block);
        top.insert("areas".into(), Value::Array(areas));
        if let Some(b) = bonus {
            top.insert("bonus_penalty".into(), b);
        }
        let value = Value::Object(top);
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let json = serde_json::to_string_pretty(&value).unwrap_or_default();
        match CriteriaSet::validate(json.as_bytes()) {
            Ok(set) => Ok(ImportedSet {
                json,
                set,
                na_marked: self.na_marked,
            }),
            Err(problems) => {
                self.place(problems, &table, &cols);
                Err(self.problems)
            }
        }
    }

    /// The header row's index and its columns; a problem when there is none, or no max column.
    fn header(&mut self) -> Option<(usize, Columns)> {
        let rows = &self.sheet.1;
        let Some(header_at) = rows
            .iter()
            .position(|(_, c)| Columns::from_header(c).is_header())
        else {
            self.problem(None, None, "no-header", Mistake::NoHeaderRow);
            return None;
        };
        let cols = Columns::from_header(&rows[header_at].1);
        if cols.max.is_none() {
            self.problem(
                Some(rows[header_at].0),
                None,
                "no-max-column",
                Mistake::NoMaxColumn,
            );
            return None;
        }
        Some((header_at, cols))
    }

    /// The criterion rows under the header, each with its code's parent, and the total row's
    /// stated points if there is one.
    fn table(
        &mut self,
        rows: &[(usize, Vec<String>)],
        cols: &Columns,
    ) -> (Vec<Row>, Option<(usize, Decimal)>) {
        let cell = |cells: &[String], col: Option<usize>| {
            col.and_then(|i| cells.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let mut table: Vec<Row> = Vec::new();
        let mut total: Option<(usize, Decimal)> = None;
        for (row, cells) in rows {
            let row = *row;
            let raw_code = cell(cells, cols.code);
            let title = cell(cells, cols.title);
            let max_text = cell(cells, cols.max);
            if raw_code.is_empty() && title.is_empty() && max_text.is_empty() {
                continue;
            }
            let max = if max_text.is_empty() {
                None
            } else if let Some(d) = parse_decimal(&max_text) {
                Some(d)
            } else {
                self.problem(
                    Some(row),
                    cols.max,
                    "bad-max",
                    Mistake::MaxNotANumber {
                        text: max_text.clone(),
                    },
                );
                None
            };
            if raw_code.is_empty() {
                if norm(&title).contains("tổng") {
                    if let Some(d) = max {
                        total = Some((row, d));
                    }
                } else {
                    self.problem(
                        Some(row),
                        cols.code,
                        "missing-code",
                        Mistake::CodeMissing {
                            title: short(&title),
                        },
                    );
                }
                continue;
            }
            let code = raw_code.trim_end_matches('.').trim().to_string();
            let code = match roman(&code) {
                Some(n) => n.to_string(),
                None => code,
            };
            let parent = code.rsplit_once('.').map(|(p, _)| p.to_string());
            if let Some(p) = &parent
                && !table.iter().any(|r| &r.code == p)
            {
                self.problem(
                    Some(row),
                    cols.code,
                    "orphan-code",
                    Mistake::ParentMissing {
                        code: code.clone(),
                        parent: p.clone(),
                    },
                );
                continue;
            }
            if table.iter().any(|r| r.code == code) {
                self.problem(
                    Some(row),
                    cols.code,
                    "duplicate-code",
                    Mistake::CriteriaCodeRepeated { code: code.clone() },
                );
                continue;
            }
            let extra = cell(cells, cols.extra);
            let base = if extra.is_empty() {
                None
            } else {
                match serde_json::from_str::<Value>(&extra) {
                    Ok(Value::Object(m)) => Some(m),
                    _ => {
                        self.problem(
                            Some(row),
                            cols.extra,
                            "bad-json",
                            Mistake::ExtraNotJsonObject,
                        );
                        None
                    }
                }
            };
            table.push(Row {
                row,
                code,
                parent,
                cells: Cells {
                    title,
                    max_unreadable: max.is_none() && !max_text.is_empty(),
                    max,
                    method: cell(cells, cols.method),
                    rule: cell(cells, cols.rule),
                    evidence: cell(cells, cols.evidence),
                    na: cell(cells, cols.na),
                },
                base,
            });
        }
        (table, total)
    }

    /// The tree, leaves first known by having no children: the areas, the bonus and penalty
    /// block if any, and the areas' points added up.
    fn tree(&mut self, table: &[Row], cols: &Columns) -> (Vec<Value>, Option<Value>, Decimal) {
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for (i, r) in table.iter().enumerate() {
            match &r.parent {
                Some(p) => children.entry(p.clone()).or_default().push(i),
                None => roots.push(i),
            }
        }
        let mut areas = Vec::new();
        let mut bonus = None;
        let mut area_sum = Decimal::ZERO;
        for &i in &roots {
            let is_bonus = is_bonus_block(&table[i]);
            let (node, max) = self.node(table, &children, cols, i, is_bonus);
            if is_bonus {
                bonus = Some(self.bonus_block(node, &table[i]));
            } else {
                area_sum += max;
                areas.push(node);
            }
        }
        (areas, bonus, area_sum)
    }

    /// The validator's problems placed at their row and column.
    fn place(&mut self, problems: Vec<crate::criteria::Problem>, table: &[Row], cols: &Columns) {
        let rows_by_code: BTreeMap<&str, usize> =
            table.iter().map(|r| (r.code.as_str(), r.row)).collect();
        for p in problems {
            let row = rows_by_code.get(p.at.as_str()).copied();
            let col = match (p.code.as_str(), &p.mistake) {
                ("bad-max" | "off-step" | "sum-mismatch" | "tier-above-max", _) => cols.max,
                ("bad-method" | "missing-method", _) => cols.method,
                ("bad-rule" | "missing-rule" | "bad-tier", _) => cols.rule,
                ("bad-not-applicable", _) => cols.na,
                (_, Mistake::FieldEmpty { field }) if field == "title" => cols.title,
                _ => None,
            };
            self.problem(row, col, &p.code, p.mistake);
        }
    }

    /// A node's JSON (children included) and its max points (stated, else its children's sum).
    fn node(
        &mut self,
        table: &[Row],
        children: &HashMap<String, Vec<usize>>,
        cols: &Columns,
        i: usize,
        in_bonus: bool,
    ) -> (Value, Decimal) {
        let r = &table[i];
        let mut obj = r.base.clone().unwrap_or_default();
        obj.remove("children");
        obj.insert("code".into(), Value::String(r.code.clone()));
        edit_text(&mut obj, "title", &r.cells.title);
        let kids = children.get(&r.code).cloned().unwrap_or_default();
        let mut kid_values = Vec::new();
        let mut kid_sum = Decimal::ZERO;
        for k in kids.iter().copied() {
            let (v, m) = self.node(table, children, cols, k, in_bonus);
            kid_values.push(v);
            kid_sum += m;
        }
        let stated = r.cells.max;
        let max = match stated {
            Some(m) => {
                if !kids.is_empty() && m != kid_sum && !in_bonus {
                    self.problem(
                        Some(r.row),
                        cols.max,
                        "sum-mismatch",
                        Mistake::SumMismatch {
                            code: r.code.clone(),
                            max: vi(m),
                            sum: vi(kid_sum),
                        },
                    );
                }
                m
            }
            None if !kids.is_empty() => kid_sum,
            None if r.cells.max_unreadable => Decimal::ZERO,
            None => {
                self.problem(Some(r.row), cols.max, "missing-max", Mistake::MaxMissing);
                Decimal::ZERO
            }
        };
        let same_max = obj
            .get("max_points")
            .and_then(|v| parse_decimal(&v.to_string()))
            .is_some_and(|d| d == max);
        if !(same_max || in_bonus && !kids.is_empty() && stated.is_none()) {
            obj.insert("max_points".into(), number(max));
        }
        if kids.is_empty() {
            self.leaf_fields(&mut obj, r, cols, in_bonus);
        } else {
            obj.insert("children".into(), Value::Array(kid_values));
        }
        (Value::Object(obj), max)
    }

    fn leaf_fields(
        &mut self,
        obj: &mut Map<String, Value>,
        r: &Row,
        cols: &Columns,
        in_bonus: bool,
    ) {
        let method = if r.cells.method == render_method(obj) && obj.contains_key("method") {
            None
        } else {
            let m = norm(&r.cells.method);
            if m.is_empty() || m.contains("thẩm định") || m == "tham_dinh" {
                Some("tham_dinh")
            } else if m.contains("điều tra") || m.contains("xhh") || m == "dieu_tra_xhh" {
                Some("dieu_tra_xhh")
            } else {
                self.problem(
                    Some(r.row),
                    cols.method,
                    "bad-method",
                    Mistake::MethodUnknown {
                        found: r.cells.method.clone(),
                    },
                );
                None
            }
        };
        if let Some(m) = method {
            obj.insert("method".into(), Value::String(m.into()));
        }
        if r.cells.rule != render_rule(obj) || !obj.contains_key("scoring_rule") {
            let kind = if in_bonus {
                if norm(&r.cells.title).contains("trừ") {
                    "penalty"
                } else {
                    "bonus"
                }
            } else if obj.get("method").and_then(Value::as_str) == Some("dieu_tra_xhh") {
                "survey"
            } else {
                "manual"
            };
            let mut rule = match obj.get("scoring_rule") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::from_iter([("type".to_string(), Value::String(kind.into()))]),
            };
            if r.cells.rule.is_empty() {
                rule.remove("text");
            } else {
                rule.insert("text".into(), Value::String(r.cells.rule.clone()));
            }
            obj.insert("scoring_rule".into(), Value::Object(rule));
        }
        if r.cells.evidence != render_evidence(obj) {
            let items: Vec<Value> = r
                .cells
                .evidence
                .split(['\n', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect();
            obj.insert("evidence".into(), Value::Array(items));
        }
        if r.cells.na != render_na(obj) {
            let n = norm(&r.cells.na);
            // A province's appendix often only marks the criteria that may be exempted; the
            // usual rule then applies and the import says which were read that way. Words in
            // the cell say how it counts and win.
            let marked = ["x", "có", "✓", "✔", "v"].contains(&n.as_str());
            if marked {
                self.na_marked.push(r.code.clone());
            }
            let na = if n.is_empty() || n == "không" {
                Some(json!({"allowed": false}))
            } else if n.contains("giảm") || n.contains("reduce") || marked {
                Some(json!({"allowed": true, "handling": "reduce_max"}))
            } else if n.contains("được") || n.contains("award") {
                Some(json!({"allowed": true, "handling": "award_max"}))
            } else {
                self.problem(
                    Some(r.row),
                    cols.na,
                    "bad-not-applicable",
                    Mistake::NotApplicableHandling {
                        found: r.cells.na.clone(),
                    },
                );
                None
            };
            if let Some(na) = na {
                obj.insert("not_applicable".into(), na);
            }
        }
    }

    /// The bonus/penalty block: its leaves become the block's children; limits stated in its
    /// JSON, else the sums of its bonus and its penalty leaves.
    fn bonus_block(&mut self, node: Value, _row: &Row) -> Value {
        let Value::Object(mut obj) = node else {
            return node;
        };
        if !obj.contains_key("limits") {
            let (mut bonus, mut penalty) = (Decimal::ZERO, Decimal::ZERO);
            for c in obj
                .get("children")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let max = c
                    .get("max_points")
                    .and_then(|v| parse_decimal(&v.to_string()))
                    .unwrap_or_default();
                match c.pointer("/scoring_rule/type").and_then(Value::as_str) {
                    Some("penalty") => penalty += max,
                    _ => bonus += max,
                }
            }
            obj.insert(
                "limits".into(),
                json!({"bonus_max": number(bonus), "penalty_max": number(penalty)}),
            );
        }
        obj.remove("max_points");
        obj.remove("method");
        Value::Object(obj)
    }

    /// The set's own fields: the «Thông tin» sheet when there is one, else what the title block
    /// says.
    fn top_level(&mut self, info: Option<&Sheet>, title_block: &[String]) -> Map<String, Value> {
        let mut values: HashMap<&str, (usize, String)> = HashMap::new();
        if let Some((_, rows)) = info {
            for (row, cells) in rows {
                let key = cells.first().map(|k| norm(k)).unwrap_or_default();
                if let Some(k) = INFO_KEYS.iter().find(|k| norm(k) == key) {
                    let v = cells
                        .get(1)
                        .map(|v| v.trim().to_string())
                        .unwrap_or_default();
                    values.insert(k, (*row, v));
                }
            }
        }
        let mut top = match values.get("Dữ liệu khác (JSON)") {
            Some((row, text)) if !text.is_empty() => match serde_json::from_str(text) {
                Ok(Value::Object(m)) => m,
                _ => {
                    self.problems.push(SheetProblem::new(
                        INFO_SHEET,
                        Some(*row),
                        Some("B".into()),
                        "bad-json",
                        Mistake::ExtraNotJsonObject,
                    ));
                    Map::new()
                }
            },
            _ => Map::from_iter([(
                "format".to_string(),
                Value::String(crate::criteria::FORMAT.into()),
            )]),
        };
        let title = match values.get("Tên bộ tiêu chí") {
            Some((_, t)) if !t.is_empty() => t.clone(),
            _ => title_block
                .iter()
                .find(|t| norm(t).contains("tiêu chí"))
                .or_else(|| title_block.first())
                .cloned()
                .unwrap_or_else(|| self.sheet.0.clone()),
        };
        edit_text(&mut top, "title", &title);
        let unit_type = match values.get("Loại đơn vị") {
            Some((_, t)) if !t.is_empty() => t.clone(),
            _ => guess_unit_type(&title),
        };
        edit_text(&mut top, "unit_type", &unit_type);
        let year = match values.get("Năm") {
            Some((_, y)) if !y.is_empty() => y.parse::<i64>().ok(),
            Some(_) => None,
            None => title_block.iter().find_map(|t| find_year(t)),
        };
        if let Some(y) = year
            && top.get("year").and_then(Value::as_i64) != Some(y)
        {
            top.insert("year".into(), json!(y));
        }
        if let Some((row, step)) = values.get("Bước điểm")
            && !step.is_empty()
        {
            match parse_decimal(step) {
                Some(d) => {
                    let same = top
                        .get("step")
                        .and_then(|v| parse_decimal(v.as_str().unwrap_or(&v.to_string())))
                        .is_some_and(|s| s == d);
                    if !same {
                        top.insert("step".into(), Value::String(d.normalize().to_string()));
                    }
                }
                None => self.problems.push(SheetProblem::new(
                    INFO_SHEET,
                    Some(*row),
                    Some("B".into()),
                    "bad-step",
                    Mistake::StepNotANumber { text: step.clone() },
                )),
            }
        }
        top
    }
}

fn is_bonus_block(r: &Row) -> bool {
    let title = norm(&r.cells.title);
    norm(&r.cells.method) == norm(BONUS_BLOCK)
        || r.base.as_ref().is_some_and(|b| b.contains_key("limits"))
        || (title.contains("điểm thưởng") && title.contains("điểm trừ"))
}

fn edit_text(obj: &mut Map<String, Value>, key: &str, text: &str) {
    if obj.get(key).and_then(Value::as_str).map(str::trim) != Some(text) {
        obj.insert(key.into(), Value::String(text.into()));
    }
}

fn number(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0
        && let Some(i) = d.to_i64()
    {
        return json!(i);
    }
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn vi(d: Decimal) -> String {
    crate::number::format_vi(d)
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

fn find_year(text: &str) -> Option<i64> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<i64>().ok())
        .find(|y| (2000..=2100).contains(y))
}

fn guess_unit_type(title: &str) -> String {
    let t = norm(title);
    if t.contains("xã") || t.contains("phường") {
        "ubnd_cap_xa"
    } else if t.contains("huyện") {
        "ubnd_cap_huyen"
    } else if t.contains("sở") || t.contains("ban, ngành") {
        "so_ban_nganh"
    } else {
        "khac"
    }
    .into()
}

// What the visible columns show for a node's JSON: export writes these, import compares with them
// (equal: the JSON is kept as it is; different: the person edited the cell).

fn render_method(obj: &Map<String, Value>) -> String {
    match obj.get("method").and_then(Value::as_str) {
        Some("tham_dinh") => "Thẩm định".into(),
        Some("dieu_tra_xhh") => "Điều tra XHH".into(),
        Some(other) => other.into(),
        None => String::new(),
    }
}

fn render_rule(obj: &Map<String, Value>) -> String {
    obj.get("scoring_rule")
        .and_then(|r| r.get("text"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn render_evidence(obj: &Map<String, Value>) -> String {
    obj.get("evidence")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn render_na(obj: &Map<String, Value>) -> String {
    match obj.get("not_applicable") {
        Some(v) if v.get("allowed") == Some(&Value::Bool(true)) => {
            match v.get("handling").and_then(Value::as_str) {
                Some("award_max") => "Được điểm tối đa".into(),
                _ => "Giảm điểm tối đa".into(),
            }
        }
        _ => "Không".into(),
    }
}

/// The «Thông tin» sheet: the set's own fields (title, unit type, year, step, the rest as JSON).
fn info_sheet(
    book: &mut rust_xlsxwriter::Workbook,
    set: &CriteriaSet,
    value: &Value,
) -> crate::Result<()> {
    use rust_xlsxwriter::Format;
    let xlsx = |e: rust_xlsxwriter::XlsxError| crate::Error::internal(format!("xlsx: {e}"));
    let bold = Format::new().set_bold();
    let info = book.add_worksheet().set_name(INFO_SHEET).map_err(xlsx)?;
    info.set_column_width(0, 22).map_err(xlsx)?;
    info.set_column_width(1, 80).map_err(xlsx)?;
    let mut top = value.as_object().cloned().unwrap_or_default();
    top.remove("areas");
    top.remove("bonus_penalty");
    let values = [
        set.title.clone(),
        set.unit_type.clone(),
        set.year.map(|y| y.to_string()).unwrap_or_default(),
        top.get("step")
            .map(|s| {
                s.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| s.to_string())
            })
            .unwrap_or_default(),
        serde_json::to_string(&Value::Object(top)).unwrap_or_default(),
    ];
    for (i, (k, v)) in INFO_KEYS.iter().zip(values).enumerate() {
        info.write_string_with_format(i as u32, 0, *k, &bold)
            .map_err(xlsx)?;
        info.write_string(i as u32, 1, v).map_err(xlsx)?;
    }
    Ok(())
}

/// The title block and the header row of the criteria sheet; returns the header's row.
fn table_head(sheet: &mut rust_xlsxwriter::Worksheet, set: &CriteriaSet) -> crate::Result<u32> {
    use rust_xlsxwriter::Format;
    let xlsx = |e: rust_xlsxwriter::XlsxError| crate::Error::internal(format!("xlsx: {e}"));
    let bold = Format::new().set_bold();
    sheet
        .merge_range(
            0,
            0,
            0,
            6,
            &set.title,
            &Format::new().set_bold().set_text_wrap(),
        )
        .map_err(xlsx)?;
    sheet.set_row_height(0, 45).map_err(xlsx)?;
    sheet
        .write_string(1, 0, format!("Mã bộ tiêu chí (SHA-256): {}", set.id))
        .map_err(xlsx)?;
    let header_row = 3;
    for (i, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(header_row, i as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    for (i, w) in [10.0, 60.0, 11.0, 14.0, 40.0, 40.0, 16.0, 20.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(i as u16, *w).map_err(xlsx)?;
    }
    sheet.set_column_hidden(7).map_err(xlsx)?;
    sheet.set_freeze_panes(header_row + 1, 0).map_err(xlsx)?;
    Ok(header_row)
}

/// Writes a node and, below it, its children, depth first.
fn walk(
    sheet: &mut rust_xlsxwriter::Worksheet,
    node: &Value,
    write: &mut dyn FnMut(&mut rust_xlsxwriter::Worksheet, &Value, bool, bool) -> crate::Result<()>,
) -> crate::Result<()> {
    let kids = node.get("children").and_then(Value::as_array);
    write(sheet, node, kids.is_some(), false)?;
    for k in kids.into_iter().flatten() {
        walk(sheet, k, write)?;
    }
    Ok(())
}

/// Writes a criteria set (its JSON) as the template workbook.
pub fn export_xlsx(json: &[u8]) -> crate::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let set = CriteriaSet::from_json(json)?;
    let value: Value = serde_json::from_slice(json).map_err(crate::Error::internal)?;
    let xlsx = |e: rust_xlsxwriter::XlsxError| crate::Error::internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let group = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let points = Format::new()
        .set_num_format("0.00")
        .set_align(FormatAlign::Top);
    let group_points = Format::new().set_num_format("0.00").set_bold();

    let sheet = book.add_worksheet().set_name(SHEET).map_err(xlsx)?;
    let header_row = table_head(sheet, &set)?;
    let mut row = header_row + 1;
    let mut write = |sheet: &mut rust_xlsxwriter::Worksheet,
                     node: &Value,
                     is_group: bool,
                     bonus_block: bool|
     -> crate::Result<()> {
        let obj = node.as_object().cloned().unwrap_or_default();
        let text = |k: &str| {
            obj.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let fmt = if is_group { &group } else { &wrap };
        sheet
            .write_string_with_format(row, 0, text("code"), fmt)
            .map_err(xlsx)?;
        sheet
            .write_string_with_format(row, 1, text("title"), fmt)
            .map_err(xlsx)?;
        if let Some(max) = obj
            .get("max_points")
            .and_then(|v| parse_decimal(&v.to_string()))
        {
            sheet
                .write_number_with_format(
                    row,
                    2,
                    max.to_f64().unwrap_or_default(),
                    if is_group { &group_points } else { &points },
                )
                .map_err(xlsx)?;
        }
        if bonus_block {
            sheet.write_string(row, 3, BONUS_BLOCK).map_err(xlsx)?;
        } else if !is_group {
            sheet
                .write_string_with_format(row, 3, render_method(&obj), &wrap)
                .map_err(xlsx)?;
            sheet
                .write_string_with_format(row, 4, render_rule(&obj), &wrap)
                .map_err(xlsx)?;
            sheet
                .write_string_with_format(row, 5, render_evidence(&obj), &wrap)
                .map_err(xlsx)?;
            sheet
                .write_string_with_format(row, 6, render_na(&obj), &wrap)
                .map_err(xlsx)?;
        }
        let mut base = obj.clone();
        base.remove("children");
        sheet
            .write_string(
                row,
                7,
                serde_json::to_string(&Value::Object(base)).unwrap_or_default(),
            )
            .map_err(xlsx)?;
        row += 1;
        Ok(())
    };
    for area in value
        .get("areas")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(sheet, area, &mut write)?;
    }
    if let Some(b) = value.get("bonus_penalty") {
        write(sheet, b, true, true)?;
        for k in b
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            write(sheet, k, false, false)?;
        }
    }
    let last = row;
    sheet
        .write_string_with_format(last, 1, "Tổng cộng", &bold)
        .map_err(xlsx)?;
    sheet
        .write_number_with_format(
            last,
            2,
            set.max_total().to_f64().unwrap_or_default(),
            &group_points,
        )
        .map_err(xlsx)?;

    info_sheet(&mut book, &set, &value)?;
    book.save_to_buffer().map_err(xlsx)
}
