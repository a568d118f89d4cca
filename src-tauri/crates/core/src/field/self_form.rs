//! Self-assessment forms (biểu tự đánh giá): one .xlsx per unit made from the campaign's criteria
//! set, filled by the unit in Excel or LibreOffice, read back into the unit's visit.
//!
//! Out: the tree with codes, titles, maxima and each leaf's rule in words; a «Tự đánh giá» cell per
//! leaf that takes only what the leaf allows (data validation); one evidence document per leaf
//! (số/ký hiệu, ngày, trích yếu, cơ quan ban hành, tên tệp); the structure protected, only those
//! cells open; a hidden «Nhận dạng» sheet naming campaign, unit and set; a «Hướng dẫn» sheet.
//!
//! Back: all or nothing per form. Every bad cell is named by sheet, row and column; self scores
//! and documents are recorded as audited edits whose reason names the form's SHA-256. A second
//! import of a corrected form changes only what differs, and only the self-assessment.
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use rust_decimal::Decimal;
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Formula, Workbook};

use crate::criteria::{CriteriaSet, Method, Node, NotApplicable};
use crate::evidence::{Evidence, file_ext, insert_evidence, store_blob};
use crate::mistake::Mistake;
use crate::number::{format_vi, parse_date};
use crate::scoring::{Column, Entry, check_typed_entry};
use crate::sheet::column_letter;
use crate::store::{Campaign, Store};
use crate::units::Unit;
use crate::visit::{LeafField, entry_text, write_field_in};
use crate::{Error, Result};

const FORM_SHEET: &str = "Tự đánh giá";
const ID_SHEET: &str = "Nhận dạng";
const HELP_SHEET: &str = "Hướng dẫn";
const FORMAT: &str = "thamdinh-bieu-tu-danh-gia/1";
/// The header row (0-based); the tree starts on the next one.
const HEADER_ROW: u32 = 5;
const HEADERS: [&str; 10] = [
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Cách chấm",
    "Tự đánh giá",
    "Số, ký hiệu",
    "Ngày ban hành",
    "Trích yếu",
    "Cơ quan ban hành",
    "Tên tệp",
];
const SELF: u16 = 4;
const EVIDENCE: [u16; 5] = [5, 6, 7, 8, 9];

/// The rows of the tree as the form lists them: areas, criteria and leaves in order, with depth.
fn rows_of(set: &CriteriaSet) -> Vec<(&Node, usize)> {
    fn walk<'a>(node: &'a Node, depth: usize, out: &mut Vec<(&'a Node, usize)>) {
        out.push((node, depth));
        for child in &node.children {
            walk(child, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    for area in &set.areas {
        walk(area, 0, &mut out);
    }
    for leaf in set.bonus_penalty.iter().flat_map(|b| &b.leaves) {
        walk(leaf, 0, &mut out);
    }
    out
}

/// A leaf's rule as people read it: its text, or its tiers, and what N/A does.
fn rule_in_words(node: &Node) -> String {
    let Some(leaf) = &node.leaf else {
        return String::new();
    };
    let mut words = match (&leaf.rule.text, leaf.rule.levels.is_empty()) {
        (Some(text), _) => text.clone(),
        (None, false) => leaf
            .rule
            .levels
            .iter()
            .map(|t| format!("{}: {}", format_vi(t.points), t.condition))
            .collect::<Vec<_>>()
            .join("; "),
        (None, true) => String::new(),
    };
    match leaf.not_applicable {
        NotApplicable::NotAllowed => {}
        NotApplicable::ReduceMax => {
            words.push_str(" (Không áp dụng: ghi KAD, điểm tối đa giảm tương ứng)")
        }
        NotApplicable::AwardMax => words.push_str(" (Không áp dụng: ghi KAD, được điểm tối đa)"),
    }
    words.trim().to_string()
}

/// The validation of a leaf's «Tự đánh giá» cell: its tiers, or 0..max on the set's step; KAD
/// or NA where N/A is allowed. Formulas are written with dots: Excel shows them in its locale.
fn validation(set: &CriteriaSet, node: &Node, cell: &str) -> Result<DataValidation> {
    let leaf = node
        .leaf
        .as_ref()
        .ok_or_else(|| Error::internal("không phải tiêu chí thành phần"))?;
    let tiers = leaf.rule.kind == "tiers" && !leaf.rule.levels.is_empty();
    let points = if tiers {
        let list: Vec<String> = leaf
            .rule
            .levels
            .iter()
            .map(|t| format!("{cell}={}", t.points.normalize()))
            .collect();
        format!("AND(ISNUMBER({cell}),OR({}))", list.join(","))
    } else {
        let per_step = (Decimal::ONE / set.step).normalize();
        format!(
            "AND(ISNUMBER({cell}),{cell}>=0,{cell}<={max},ABS({cell}*{per_step}-ROUND({cell}*{per_step},0))<0.000001)",
            max = node.max_points.normalize()
        )
    };
    let na_allowed = leaf.not_applicable != NotApplicable::NotAllowed;
    let rule = if na_allowed {
        format!("OR({points},{cell}=\"KAD\",{cell}=\"NA\")")
    } else {
        points
    };
    let allowed = if tiers {
        format!(
            "Chỉ nhận một trong các mức: {}",
            leaf.rule
                .levels
                .iter()
                .map(|t| format_vi(t.points))
                .collect::<Vec<_>>()
                .join(" / ")
        )
    } else {
        format!(
            "Điểm từ 0 đến {}, bội số của {}",
            format_vi(node.max_points),
            format_vi(set.step)
        )
    };
    let allowed = if na_allowed {
        format!("{allowed}; hoặc KAD nếu không áp dụng")
    } else {
        allowed
    };
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::internal(format!("không tạo được biểu: {e}"));
    DataValidation::new()
        .allow_custom(Formula::new(format!("={rule}")))
        .ignore_blank(true)
        .set_error_title("Giá trị không hợp lệ")
        .map_err(xlsx)?
        .set_error_message(truncate(&format!("{}: {allowed}", node.code), 250))
        .map_err(xlsx)?
        .set_input_title(truncate(&node.code, 30))
        .map_err(xlsx)?
        .set_input_message(truncate(&allowed, 250))
        .map_err(xlsx)
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// The cell formats of the form: headers, the locked tree, the open (yellow) input cells.
struct Formats {
    bold: Format,
    header: Format,
    text: Format,
    group: Format,
    number: Format,
    open: Format,
    open_number: Format,
    open_date: Format,
}

impl Formats {
    fn new() -> Self {
        let open = Format::new()
            .set_unlocked()
            .set_border(FormatBorder::Thin)
            .set_background_color("#FFF8DC")
            .set_text_wrap();
        Formats {
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color("#EEF2F7"),
            text: Format::new().set_text_wrap().set_border(FormatBorder::Thin),
            group: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin),
            number: Format::new()
                .set_border(FormatBorder::Thin)
                .set_num_format("0.##"),
            open_number: open.clone().set_num_format("0.##"),
            open_date: open.clone().set_num_format("dd/mm/yyyy"),
            open,
        }
    }
}

fn xlsx(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::internal(format!("không tạo được biểu: {e}"))
}

/// The form of one unit: its bytes. The tree's sheet is protected, only the input cells open.
pub fn form_xlsx(campaign: &Campaign, set: &CriteriaSet, unit: &Unit) -> Result<Vec<u8>> {
    let f = Formats::new();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name(FORM_SHEET).map_err(xlsx)?;
    write_title(sheet, campaign, set, unit, &f)?;
    write_tree(sheet, set, &f)?;
    sheet.set_freeze_panes(HEADER_ROW + 1, 2).map_err(xlsx)?;
    // Printed across the page's width, landscape, the header row on every page.
    sheet.set_landscape().set_print_fit_to_pages(1, 0);
    sheet
        .set_repeat_rows(HEADER_ROW, HEADER_ROW)
        .map_err(xlsx)?;
    sheet.protect();
    write_help(&mut book)?;
    write_identity(&mut book, campaign, set, unit)?;
    book.save_to_buffer().map_err(xlsx)
}

/// Who the form is for, and the header row.
fn write_title(
    sheet: &mut rust_xlsxwriter::Worksheet,
    campaign: &Campaign,
    set: &CriteriaSet,
    unit: &Unit,
    f: &Formats,
) -> Result<()> {
    sheet
        .write_string_with_format(
            0,
            0,
            format!(
                "BIỂU TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
                campaign.year
            ),
            &f.bold,
        )
        .map_err(xlsx)?;
    sheet
        .write_string(1, 0, format!("Đơn vị: {} — {}", unit.code, unit.name))
        .map_err(xlsx)?;
    sheet
        .write_string(2, 0, format!("Đợt thẩm định: {}", campaign.name))
        .map_err(xlsx)?;
    sheet
        .write_string(3, 0, format!("Bộ tiêu chí: {}", set.title))
        .map_err(xlsx)?;
    sheet
        .write_string(4, 0, "Chỉ nhập vào các ô nền vàng; xem trang «Hướng dẫn».")
        .map_err(xlsx)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(HEADER_ROW, c as u16, *h, &f.header)
            .map_err(xlsx)?;
    }
    for (c, width) in [9.0, 48.0, 8.0, 40.0, 11.0, 14.0, 12.0, 32.0, 18.0, 18.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(c as u16, *width).map_err(xlsx)?;
    }
    Ok(())
}

/// The criteria tree: codes, titles, maxima, rules in words; a validated input cell per leaf
/// (a sum per group), one open document per leaf; the bonus/penalty leaves under their heading.
fn write_tree(
    sheet: &mut rust_xlsxwriter::Worksheet,
    set: &CriteriaSet,
    f: &Formats,
) -> Result<()> {
    // The tree, then the bonus/penalty leaves under a heading row of their own (no code).
    let bonus_at = set
        .bonus_penalty
        .as_ref()
        .map(|b| rows_of(set).len() - b.leaves.len());
    let rows: Vec<Option<(&Node, usize)>> = {
        let mut rows: Vec<Option<(&Node, usize)>> = rows_of(set).into_iter().map(Some).collect();
        if let Some(at) = bonus_at {
            rows.insert(at, None);
        }
        rows
    };
    // Each group's «Tự đánh giá» sums its children's cells, so the unit sees its totals.
    let row_of = |code: &str| {
        rows.iter()
            .position(|r| r.is_some_and(|(n, _)| n.code == code))
            .map(|i| HEADER_ROW + 1 + i as u32)
    };
    for (i, entry) in rows.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        let Some((node, depth)) = entry else {
            let title = set.bonus_penalty.as_ref().map_or("", |b| b.title.as_str());
            sheet
                .write_string_with_format(
                    row,
                    1,
                    format!("Điểm thưởng, điểm trừ — {title}"),
                    &f.group,
                )
                .map_err(xlsx)?;
            continue;
        };
        let is_leaf = node.leaf.is_some();
        let style = if is_leaf { &f.text } else { &f.group };
        sheet
            .write_string_with_format(row, 0, &node.code, style)
            .map_err(xlsx)?;
        sheet
            .write_string_with_format(
                row,
                1,
                format!("{}{}", "  ".repeat(*depth), node.title),
                style,
            )
            .map_err(xlsx)?;
        sheet
            .write_number_with_format(row, 2, decimal_f64(node.max_points), &f.number)
            .map_err(xlsx)?;
        let rule = rule_in_words(node);
        sheet
            .write_string_with_format(row, 3, &rule, &f.text)
            .map_err(xlsx)?;
        // Wrapped text needs its rows' height set: not every reader fits rows on opening.
        let lines = [(node.title.chars().count(), 46), (rule.chars().count(), 38)]
            .iter()
            .map(|(chars, width)| chars.div_ceil(*width).max(1))
            .max()
            .unwrap_or(1);
        sheet
            .set_row_height(row, 15.0 * lines as f64)
            .map_err(xlsx)?;
        let cell = format!("{}{}", column_letter(SELF as usize), row + 1);
        match &node.leaf {
            Some(leaf) if leaf.method == Method::DieuTraXhh => {
                sheet
                    .write_string_with_format(row, SELF, "ĐTXHH", &f.text)
                    .map_err(xlsx)?;
            }
            Some(_) => {
                sheet.write_blank(row, SELF, &f.open_number).map_err(xlsx)?;
                sheet
                    .add_data_validation(row, SELF, row, SELF, &validation(set, node, &cell)?)
                    .map_err(xlsx)?;
            }
            None => {
                let parts: Vec<String> = node
                    .children
                    .iter()
                    .filter_map(|c| row_of(&c.code))
                    .map(|r| format!("{}{}", column_letter(SELF as usize), r + 1))
                    .collect();
                sheet
                    .write_formula_with_format(
                        row,
                        SELF,
                        Formula::new(format!("=SUM({})", parts.join(","))),
                        &f.number,
                    )
                    .map_err(xlsx)?;
            }
        }
        for col in EVIDENCE {
            if is_leaf {
                let style = if col == 6 { &f.open_date } else { &f.open };
                sheet.write_blank(row, col, style).map_err(xlsx)?;
            } else {
                sheet.write_blank(row, col, &f.text).map_err(xlsx)?;
            }
        }
    }
    Ok(())
}

/// The instructions, in Vietnamese.
fn write_help(book: &mut Workbook) -> Result<()> {
    let help = book.add_worksheet().set_name(HELP_SHEET).map_err(xlsx)?;
    help.set_column_width(0, 110).map_err(xlsx)?;
    for (r, line) in HELP.iter().enumerate() {
        help.write_string(r as u32, 0, *line).map_err(xlsx)?;
    }
    help.protect();
    Ok(())
}

/// The hidden sheet naming campaign, unit and set: a form is read back into its own unit only.
fn write_identity(
    book: &mut Workbook,
    campaign: &Campaign,
    set: &CriteriaSet,
    unit: &Unit,
) -> Result<()> {
    let created = crate::store::now();
    write_identity_sheet(
        book,
        &[
            ("Định dạng", FORMAT),
            ("Mã đợt", campaign.id.as_str()),
            ("Đợt", campaign.name.as_str()),
            ("Mã đơn vị", unit.code.as_str()),
            ("Tên đơn vị", unit.name.as_str()),
            ("Mã bộ tiêu chí", set.id.as_str()),
            ("Tạo lúc", created.as_str()),
        ],
    )
}

/// The hidden, protected «Nhận dạng» sheet of a form that travels to a unit: what it is and
/// whose, as key–value rows, so it is read back into its own place only.
pub(crate) fn write_identity_sheet(book: &mut Workbook, pairs: &[(&str, &str)]) -> Result<()> {
    let id = book.add_worksheet().set_name(ID_SHEET).map_err(xlsx)?;
    for (r, (k, v)) in pairs.iter().enumerate() {
        id.write_string(r as u32, 0, *k).map_err(xlsx)?;
        id.write_string(r as u32, 1, *v).map_err(xlsx)?;
    }
    id.protect();
    id.set_hidden(true);
    Ok(())
}

/// The «Nhận dạng» sheet read back: the value of each key (empty when absent); `None` when the
/// workbook has no such sheet (not one of our forms).
pub(crate) fn read_identity_sheet<R: Reader<std::io::Cursor<Vec<u8>>>>(
    book: &mut R,
) -> Option<std::collections::HashMap<String, String>> {
    let id = book.worksheet_range(ID_SHEET).ok()?;
    Some(
        id.rows()
            .filter_map(|r| Some((cell_text(r.first()?.into()), cell_text(r.get(1)))))
            .collect(),
    )
}

const HELP: [&str; 9] = [
    "HƯỚNG DẪN ĐIỀN BIỂU TỰ ĐÁNH GIÁ",
    "1. Chỉ nhập vào các ô nền vàng. Cấu trúc biểu (mã, nội dung, điểm tối đa) được khóa; không thêm, xóa hay đổi thứ tự dòng.",
    "2. Cột «Tự đánh giá»: điểm đơn vị tự chấm cho từng tiêu chí thành phần, trong giới hạn ô cho phép (xem «Cách chấm»); tiêu chí chấm theo mức chỉ nhận đúng các mức.",
    "3. Tiêu chí được phép không áp dụng: ghi KAD. Tiêu chí điều tra xã hội học (ĐTXHH) do Sở Nội vụ chấm, đơn vị không tự chấm.",
    "4. Tài liệu kiểm chứng: mỗi tiêu chí một văn bản — số, ký hiệu; ngày ban hành (dd/mm/yyyy); trích yếu; cơ quan ban hành; tên tệp.",
    "5. Tệp tài liệu (PDF, ảnh…) để cùng thư mục với biểu hoặc trong một thư mục con, đúng tên ghi ở cột «Tên tệp».",
    "6. Nhập số theo cách của máy (1,5 hoặc 1.5 đều được). Không dùng công thức trong ô «Tự đánh giá».",
    "7. Không đổi tên tệp sang biểu của đơn vị khác: biểu mang mã đơn vị và mã đợt, chỉ nhập được vào đúng đơn vị.",
    "8. Gửi lại biểu (và các tệp tài liệu) cho Đoàn thẩm định; biểu sửa lại có thể gửi nhiều lần, lần sau thay lần trước.",
];

fn decimal_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

/// The file name of a unit's form: `tu-danh-gia-<code>.xlsx`, the code kept to safe characters.
pub fn form_file_name(unit_code: &str) -> String {
    let safe: String = unit_code
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("tu-danh-gia-{safe}.xlsx")
}

impl Store {
    /// Writes the forms of a campaign's units (all, or those whose codes are given) into `out_dir`,
    /// atomically each; returns the files written.
    pub fn write_self_forms(
        &self,
        campaign_id: &str,
        out_dir: &Path,
        only: &[String],
    ) -> Result<Vec<PathBuf>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let units = self.units(&campaign.id)?;
        let only: Vec<String> = only.iter().map(|c| crate::text::nfc(c.trim())).collect();
        if let Some(missing) = only.iter().find(|c| !units.iter().any(|u| &u.code == *c)) {
            return Err(Mistake::UnknownUnit {
                code: missing.clone(),
            }
            .into());
        }
        std::fs::create_dir_all(out_dir)?;
        let mut written = Vec::new();
        for unit in units
            .iter()
            .filter(|u| only.is_empty() || only.contains(&u.code))
        {
            let path = out_dir.join(form_file_name(&unit.code));
            crate::files::write_atomic(&path, &form_xlsx(&campaign, &set, unit)?)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// One leaf's row as the unit filled it.
#[derive(Debug, Clone, PartialEq)]
struct FilledLeaf {
    code: String,
    row: u32,
    entry: Option<Entry>,
    document: Option<Document>,
}

#[derive(Debug, Clone, PartialEq)]
struct Document {
    number: String,
    issued_on: Option<String>,
    summary: String,
    issuer: String,
    file_name: String,
}

/// What a form says: whose it is, and its leaves.
struct FilledForm {
    campaign_id: String,
    campaign_name: String,
    unit_code: String,
    leaves: Vec<FilledLeaf>,
}

/// A mistake placed at a cell of the form (rows and columns as Excel shows them).
fn at(sheet: &str, row: Option<u32>, col: Option<u16>, mistake: Mistake) -> Mistake {
    Mistake::AtCell {
        sheet: sheet.into(),
        row: row.map(|r| r as usize + 1),
        column: col.map(|c| column_letter(c as usize)),
        mistake: Box::new(mistake),
    }
}

fn cell_text(data: Option<&Data>) -> String {
    match data {
        None | Some(Data::Empty) => String::new(),
        Some(Data::Float(f)) => Decimal::try_from(*f)
            .map(|d| d.round_dp(6).normalize().to_string())
            .unwrap_or_else(|_| f.to_string()),
        Some(d) => d.to_string().trim().to_string(),
    }
}

/// A date as Excel or LibreOffice keep it: a date cell, or text `dd/mm/yyyy`.
fn cell_date(data: Option<&Data>) -> std::result::Result<Option<String>, Mistake> {
    match data {
        None | Some(Data::Empty) => Ok(None),
        Some(Data::DateTime(dt)) => {
            let days = dt.as_f64().floor() as i64;
            chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
                .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                .ok_or(Mistake::NotADate {
                    text: dt.as_f64().to_string(),
                })
        }
        Some(other) => {
            let text = cell_text(Some(other));
            let text = text
                .get(..10)
                .filter(|t| t.contains('-'))
                .unwrap_or(&text)
                .to_string();
            match text.trim() {
                "" => Ok(None),
                t => parse_date(t)
                    .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                    .ok_or(Mistake::NotADate { text: t.into() }),
            }
        }
    }
}

/// The form's sheet as read: values and formulas, addressed as Excel addresses them (0-based).
struct FormCells {
    range: calamine::Range<Data>,
    formulas: Option<calamine::Range<String>>,
}

impl FormCells {
    fn get(&self, row: u32, col: u16) -> Option<&Data> {
        let (top, left) = self.range.start().unwrap_or((0, 0));
        self.range.get((
            (row.checked_sub(top)?) as usize,
            (u32::from(col).checked_sub(left)?) as usize,
        ))
    }

    fn is_formula(&self, row: u32, col: u16) -> bool {
        self.formulas
            .as_ref()
            .and_then(|f| f.get_value((row, u32::from(col))))
            .is_some_and(|s| !s.is_empty())
    }
}

/// Whose form it is (the hidden «Nhận dạng» sheet), refused when not one of ours or of another
/// criteria set.
fn identify<R: Reader<std::io::Cursor<Vec<u8>>>>(
    book: &mut R,
    set: &CriteriaSet,
) -> std::result::Result<FilledForm, Vec<Mistake>> {
    let id = read_identity_sheet(book).ok_or_else(|| vec![Mistake::SelfFormNotOurs])?;
    let field = |key: &str| id.get(key).cloned().unwrap_or_default();
    if field("Định dạng") != FORMAT || field("Mã đợt").is_empty() || field("Mã đơn vị").is_empty()
    {
        return Err(vec![Mistake::SelfFormNotOurs]);
    }
    if field("Mã bộ tiêu chí") != set.id {
        return Err(vec![Mistake::SelfFormOtherSet {
            found: field("Mã bộ tiêu chí"),
            expected: set.id.clone(),
        }]);
    }
    Ok(FilledForm {
        campaign_id: field("Mã đợt"),
        campaign_name: field("Đợt"),
        unit_code: field("Mã đơn vị"),
        leaves: Vec::new(),
    })
}

/// A leaf's self score as typed: none, or one the leaf allows; a formula or text refused.
fn self_score(
    cells: &FormCells,
    set: &CriteriaSet,
    node: &Node,
    row: u32,
) -> std::result::Result<Option<Entry>, Mistake> {
    if cells.is_formula(row, SELF) {
        return Err(Mistake::CellIsFormula);
    }
    let entry = Entry::parse(&cell_text(cells.get(row, SELF)))?;
    if let Some(entry) = entry {
        check_typed_entry(set, node, Column::SelfAssessed, entry)?;
    }
    Ok(entry)
}

/// A leaf's document, when any of its cells is filled; its problems, placed, added to `problems`.
fn document_of(cells: &FormCells, row: u32, problems: &mut Vec<Mistake>) -> Option<Document> {
    let texts: Vec<String> = EVIDENCE
        .iter()
        .map(|c| cell_text(cells.get(row, *c)))
        .collect();
    if texts.iter().all(String::is_empty) {
        return None;
    }
    let issued_on = cell_date(cells.get(row, EVIDENCE[1])).unwrap_or_else(|m| {
        problems.push(at(FORM_SHEET, Some(row), Some(EVIDENCE[1]), m));
        None
    });
    if texts[2].is_empty() {
        problems.push(at(
            FORM_SHEET,
            Some(row),
            Some(EVIDENCE[2]),
            Mistake::EvidenceSummaryEmpty,
        ));
    }
    Some(Document {
        number: texts[0].clone(),
        issued_on,
        summary: texts[2].clone(),
        issuer: texts[3].clone(),
        file_name: texts[4].clone(),
    })
}

/// Reads a filled form against the set; every problem at once.
fn read_form(bytes: &[u8], set: &CriteriaSet) -> std::result::Result<FilledForm, Vec<Mistake>> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|_| vec![Mistake::UnreadableSpreadsheet])?;
    let mut form = identify(&mut book, set)?;
    let cells = FormCells {
        range: book.worksheet_range(FORM_SHEET).map_err(|_| {
            vec![Mistake::SheetUnreadable {
                sheet: FORM_SHEET.into(),
            }]
        })?,
        formulas: book.worksheet_formula(FORM_SHEET).ok(),
    };
    let mut problems = Vec::new();
    let expected = rows_of(set);
    let end = cells.range.end().map_or(0, |(r, _)| r);
    let mut seen = Vec::new();
    for row in HEADER_ROW + 1..=end {
        let code = crate::text::nfc(&cell_text(cells.get(row, 0)));
        if code.is_empty() {
            continue;
        }
        let Some((node, _)) = expected.iter().find(|(n, _)| n.code == code) else {
            problems.push(at(
                FORM_SHEET,
                Some(row),
                Some(0),
                Mistake::SelfFormRowAdded { code },
            ));
            continue;
        };
        seen.push(code.clone());
        let Some(leaf) = &node.leaf else { continue };
        let entry = if leaf.method == Method::DieuTraXhh {
            None
        } else {
            self_score(&cells, set, node, row).unwrap_or_else(|m| {
                problems.push(at(FORM_SHEET, Some(row), Some(SELF), m));
                None
            })
        };
        let document = document_of(&cells, row, &mut problems);
        form.leaves.push(FilledLeaf {
            code,
            row,
            entry,
            document,
        });
    }
    for (node, _) in expected.iter().filter(|(n, _)| !seen.contains(&n.code)) {
        problems.push(at(
            FORM_SHEET,
            None,
            Some(0),
            Mistake::SelfFormRowRemoved {
                code: node.code.clone(),
            },
        ));
    }
    if problems.is_empty() {
        Ok(form)
    } else {
        Err(problems)
    }
}

/// The bytes of each leaf's named file (in the form's order), every missing one named at its cell.
fn files_named(form: &FilledForm, files_dir: &Path) -> Result<Vec<Option<Vec<u8>>>> {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for leaf in &form.leaves {
        let Some(doc) = leaf.document.as_ref().filter(|d| !d.file_name.is_empty()) else {
            files.push(None);
            continue;
        };
        match find_file(files_dir, &doc.file_name) {
            Some(path) => files.push(Some(std::fs::read(&path)?)),
            None => {
                missing.push(at(
                    FORM_SHEET,
                    Some(leaf.row),
                    Some(EVIDENCE[4]),
                    Mistake::EvidenceFileMissing {
                        name: doc.file_name.clone(),
                    },
                ));
                files.push(None);
            }
        }
    }
    if missing.is_empty() {
        Ok(files)
    } else {
        Err(Error::Mistakes(missing))
    }
}

/// A file a form names, beside the workbook or in a sub-folder (two levels down at most).
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let direct = dir.join(name);
    if direct.is_file() {
        return Some(direct);
    }
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        for entry in std::fs::read_dir(&folder).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() && depth < 2 {
                folders.push((path, depth + 1));
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == name)
                && path.is_file()
            {
                return Some(path);
            }
        }
    }
    None
}

/// One self score the import changed (values as stored: `1.5`, `NA`, none).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SelfChange {
    pub code: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What a form's import did to a visit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SelfImport {
    pub visit_id: String,
    pub unit_code: String,
    pub form_sha256: String,
    pub changes: Vec<SelfChange>,
    pub documents_added: u32,
}

impl Store {
    /// Reads a unit's filled form into a visit of that unit: the self-assessment only, all or
    /// nothing, each change audited with the form's SHA-256; documents are added once (a second
    /// import of the same document adds nothing). Files the form names are looked for in
    /// `files_dir` (the form's folder). A form that does not check gives every mistake, placed.
    /// A unit's form read and checked against the unit's campaign and set, with the files it
    /// names (every one found): all before anything is written.
    fn checked_form(
        &self,
        unit: &Unit,
        bytes: &[u8],
        files_dir: &Path,
    ) -> Result<(FilledForm, Vec<Option<Vec<u8>>>)> {
        let campaign = self.campaign(&unit.campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let form = read_form(bytes, &set).map_err(Error::Mistakes)?;
        if form.campaign_id != campaign.id {
            return Err(Mistake::SelfFormOtherCampaign {
                found: form.campaign_name,
            }
            .into());
        }
        if crate::text::nfc(&form.unit_code) != unit.code {
            return Err(Mistake::SelfFormOtherUnit {
                found: form.unit_code,
                expected: unit.code.clone(),
            }
            .into());
        }
        let files = files_named(&form, files_dir)?;
        Ok((form, files))
    }

    pub fn import_self_form(
        &mut self,
        visit_id: &str,
        bytes: &[u8],
        files_dir: &Path,
    ) -> Result<SelfImport> {
        let visit = self.ensure_draft(visit_id)?;
        let unit = self.unit(&visit.unit_id)?;
        let (form, files) = self.checked_form(&unit, bytes, files_dir)?;
        let sha = crate::digest::sha256_hex(bytes);
        let reason = format!("từ biểu tự đánh giá của đơn vị (SHA-256 {sha})");
        let existing = self.evidence(visit_id)?;
        let blobs = self.files_dir()?;
        let actor = self.actor()?;
        let current = self.visit_view(visit_id)?;
        let tx = self.write_tx()?;
        let mut changes = Vec::new();
        let mut documents_added = 0;
        for (leaf, file) in form.leaves.iter().zip(files) {
            let new = leaf.entry.map(entry_text);
            let old = current
                .leaves
                .iter()
                .find(|l| l.code == leaf.code)
                .and_then(|l| l.self_assessed)
                .map(entry_text);
            if old != new
                && write_field_in(
                    &tx,
                    &actor,
                    visit_id,
                    &leaf.code,
                    LeafField::SelfAssessed,
                    new.as_deref(),
                    "set",
                    &reason,
                )?
            {
                changes.push(SelfChange {
                    code: leaf.code.clone(),
                    old,
                    new,
                });
            }
            let Some(doc) = &leaf.document else { continue };
            let (file_sha256, file_name) = match &file {
                Some(bytes) => (
                    Some(store_blob(&blobs, bytes, file_ext(&doc.file_name))?.0),
                    Some(doc.file_name.clone()),
                ),
                None => (None, None),
            };
            let known = existing.iter().any(|e| {
                e.number == doc.number
                    && e.summary == doc.summary
                    && e.issued_on == doc.issued_on
                    && e.leaves.contains(&leaf.code)
                    && e.file_sha256 == file_sha256
            });
            if known {
                continue;
            }
            let ev = Evidence {
                id: uuid::Uuid::new_v4().to_string(),
                number: doc.number.clone(),
                issued_on: doc.issued_on.clone(),
                issuer: doc.issuer.clone(),
                summary: doc.summary.clone(),
                pages: String::new(),
                file_sha256,
                file_name,
                leaves: vec![leaf.code.clone()],
            };
            documents_added += u32::from(insert_evidence(&tx, visit_id, &actor, &ev, &reason)?);
        }
        tx.commit()?;
        Ok(SelfImport {
            visit_id: visit_id.into(),
            unit_code: unit.code,
            form_sha256: sha,
            changes,
            documents_added,
        })
    }

    /// The unit a form belongs to, by what the form says (for a folder of forms): its campaign
    /// must be `campaign_id`.
    pub fn self_form_unit(&self, campaign_id: &str, bytes: &[u8]) -> Result<Unit> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|_| Mistake::UnreadableSpreadsheet)?;
        // Whose form it is: the same reading of «Nhận dạng» as the import's.
        let form = identify(&mut book, &set).map_err(Error::Mistakes)?;
        if form.campaign_id != campaign.id {
            return Err(Mistake::SelfFormOtherCampaign {
                found: form.campaign_name,
            }
            .into());
        }
        let code = crate::text::nfc(&form.unit_code);
        self.units(&campaign.id)?
            .into_iter()
            .find(|u| u.code == code)
            .ok_or_else(|| Mistake::UnknownUnit { code }.into())
    }
}

/// One form of a folder, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SelfFormLine {
    pub file: String,
    /// imported | unchanged | refused
    pub status: String,
    pub unit_code: String,
    pub visit_id: Option<String>,
    /// The visit was started for the form (the unit had none).
    pub visit_created: bool,
    pub changes: u32,
    pub documents_added: u32,
    /// Every problem, placed (Vietnamese), when refused.
    pub problems: Vec<String>,
    pub mistakes: Vec<Mistake>,
}

impl Store {
    /// Imports every form (`*.xlsx`) of a folder into the campaign, one line per form: each
    /// matched to its unit by what it says, into the unit's newest draft visit (one is started,
    /// dated today, when the unit has none); a refused form writes nothing.
    pub fn import_self_forms(
        &mut self,
        campaign_id: &str,
        folder: &Path,
    ) -> Result<Vec<SelfFormLine>> {
        self.campaign(campaign_id)?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|e| Mistake::cannot_read(folder, &e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.extension()
                        .is_some_and(|x| x.eq_ignore_ascii_case("xlsx"))
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("~$"))
            })
            .collect();
        files.sort();
        let mut lines = Vec::new();
        for file in files {
            lines.push(self.import_one_form(campaign_id, &file, folder)?);
        }
        Ok(lines)
    }

    fn import_one_form(
        &mut self,
        campaign_id: &str,
        file: &Path,
        folder: &Path,
    ) -> Result<SelfFormLine> {
        let mut line = SelfFormLine {
            file: file.display().to_string(),
            status: "refused".into(),
            unit_code: String::new(),
            visit_id: None,
            visit_created: false,
            changes: 0,
            documents_added: 0,
            problems: Vec::new(),
            mistakes: Vec::new(),
        };
        let refused = |mut line: SelfFormLine, e: Error| -> Result<SelfFormLine> {
            match e {
                Error::Mistake(m) => line.mistakes.push(m),
                Error::Mistakes(ms) => line.mistakes.extend(ms),
                Error::VisitLocked => line.problems.push(e.to_string()),
                other => return Err(other),
            }
            line.problems
                .extend(line.mistakes.iter().map(ToString::to_string));
            Ok(line)
        };
        let bytes = std::fs::read(file).map_err(|e| Mistake::cannot_read(file, &e))?;
        let unit = match self.self_form_unit(campaign_id, &bytes) {
            Ok(u) => u,
            Err(e) => return refused(line, e),
        };
        line.unit_code = unit.code.clone();
        let visit = self
            .visits(Some(campaign_id))?
            .into_iter()
            .rev()
            .find(|v| v.unit_id == unit.id && v.status == crate::visit::VisitStatus::Draft);
        let (visit_id, created) = match visit {
            Some(v) => (v.id, false),
            None => {
                // A visit is started for a form that checks, never for one that is refused.
                if let Err(e) = self.checked_form(&unit, &bytes, folder) {
                    return refused(line, e);
                }
                let today = chrono::Local::now().format("%d/%m/%Y").to_string();
                (self.create_visit(&unit.id, &today, "", &[])?.id, true)
            }
        };
        line.visit_id = Some(visit_id.clone());
        line.visit_created = created;
        match self.import_self_form(&visit_id, &bytes, folder) {
            Ok(done) => {
                line.changes = done.changes.len() as u32;
                line.documents_added = done.documents_added;
                line.status = if line.changes + line.documents_added == 0 {
                    "unchanged"
                } else {
                    "imported"
                }
                .into();
                Ok(line)
            }
            Err(e) => refused(line, e),
        }
    }
}
