//! The province workbook (.xlsx): Tổng hợp (one line per unit, one column per area, total, max,
//! index, rank, band), one sheet per area with its criteria, Điểm trừ (every deduction with its
//! reason), Xung đột (disagreements and how they were resolved) and Nguồn (every bundle received).
//! Numbers are written as numbers with 2-decimal formats; text stays Vietnamese.
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use std::collections::BTreeMap;

use super::merge::{Conflict, ConflictKind, HqBundle};
use super::results::{MergedUnit, UnitResult, WeakCriterion};
use crate::criteria::{CriteriaSet, Node};
use crate::scoring::Entry;
use crate::store::Store;
use crate::{Error, Result};

fn xlsx(e: XlsxError) -> Error {
    Error::internal(format!("không tạo được tệp Excel: {e}"))
}

fn number(text: &str) -> Option<f64> {
    text.parse::<Decimal>().ok().and_then(|d| d.to_f64())
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(text: &str) -> String {
    text.chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect::<String>()
        .trim()
        .to_string()
}

fn write_header(sheet: &mut Worksheet, row: u32, titles: &[String], bold: &Format) -> Result<()> {
    for (c, t) in titles.iter().enumerate() {
        sheet
            .write_string_with_format(row, c as u16, t, bold)
            .map_err(xlsx)?;
    }
    Ok(())
}

fn write_decimal(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: Option<&str>,
    fmt: &Format,
) -> Result<()> {
    if let Some(v) = text.and_then(number) {
        sheet
            .write_number_with_format(row, col, v, fmt)
            .map_err(xlsx)?;
    }
    Ok(())
}

fn leaves_of<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    if node.leaf.is_some() {
        out.push(node);
    }
    for c in &node.children {
        leaves_of(c, out);
    }
}

/// The cell formats every sheet shares: bold wrapped headers, numbers with two decimals.
struct Formats {
    bold: Format,
    two: Format,
}

impl Store {
    /// The province workbook written (atomically) at `out`.
    pub fn hq_write_workbook(&self, campaign_id: &str, out: &std::path::Path) -> Result<()> {
        crate::files::write_atomic(out, &self.hq_workbook(campaign_id)?)
    }

    /// The province workbook of a campaign, as bytes: one writer per sheet, in the order staff
    /// read them.
    pub fn hq_workbook(&self, campaign_id: &str) -> Result<Vec<u8>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let results = self.hq_results(campaign_id)?;
        let merged = self.hq_merged(campaign_id)?;
        let f = Formats {
            bold: Format::new().set_bold().set_text_wrap(),
            two: Format::new().set_num_format("0.00"),
        };
        let mut book = Workbook::new();
        summary_sheet(book.add_worksheet(), &campaign.name, &set, &results, &f)?;
        for area in &set.areas {
            area_sheet(book.add_worksheet(), area, &results, &merged, &f)?;
        }
        deductions_sheet(book.add_worksheet(), &set, &results, &merged, &f)?;
        weakest_sheet(book.add_worksheet(), &self.hq_weakest(campaign_id, 20)?, &f)?;
        conflicts_sheet(book.add_worksheet(), &self.hq_conflicts(campaign_id)?, &f)?;
        sources_sheet(book.add_worksheet(), &self.hq_bundles(campaign_id)?, &f)?;
        book.save_to_buffer().map_err(xlsx)
    }
}

/// Tổng hợp: one line per unit, one column per area, then total, max, index, rank, band.
fn summary_sheet(
    sheet: &mut Worksheet,
    campaign_name: &str,
    set: &CriteriaSet,
    results: &[UnitResult],
    f: &Formats,
) -> Result<()> {
    sheet.set_name("Tổng hợp").map_err(xlsx)?;
    sheet
        .write_string_with_format(0, 0, format!("{campaign_name} — {}", set.title), &f.bold)
        .map_err(xlsx)?;
    let titles = super::results::summary_titles(set);
    write_header(sheet, 2, &titles, &f.bold)?;
    for (i, u) in results.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_number(row, 0, (i + 1) as f64).map_err(xlsx)?;
        sheet.write_string(row, 1, &u.code).map_err(xlsx)?;
        sheet.write_string(row, 2, &u.name).map_err(xlsx)?;
        sheet.write_string(row, 3, &u.group).map_err(xlsx)?;
        let mut col = 4u16;
        for a in &u.areas {
            write_decimal(sheet, row, col, Some(&a.points), &f.two)?;
            col += 1;
        }
        write_decimal(sheet, row, col, Some(&u.points), &f.two)?;
        write_decimal(sheet, row, col + 1, Some(&u.max), &f.two)?;
        write_decimal(sheet, row, col + 2, u.index.as_deref(), &f.two)?;
        if let Some(r) = u.rank {
            sheet.write_number(row, col + 3, r as f64).map_err(xlsx)?;
        }
        if let Some(b) = &u.band {
            sheet.write_string(row, col + 4, b).map_err(xlsx)?;
        }
        sheet
            .write_string(row, col + 5, &u.status_label)
            .map_err(xlsx)?;
    }
    sheet.set_column_width(2, 32).map_err(xlsx)?;
    sheet.set_freeze_panes(3, 3).map_err(xlsx)?;
    Ok(())
}

/// One sheet per area: units × the area's leaves, with the area's total.
fn area_sheet(
    sheet: &mut Worksheet,
    area: &Node,
    results: &[UnitResult],
    merged: &BTreeMap<String, MergedUnit>,
    f: &Formats,
) -> Result<()> {
    let mut leaves = Vec::new();
    leaves_of(area, &mut leaves);
    sheet
        .set_name(sheet_name(&format!("{}. {}", area.code, area.title)))
        .map_err(xlsx)?;
    sheet
        .write_string_with_format(0, 0, format!("{}. {}", area.code, area.title), &f.bold)
        .map_err(xlsx)?;
    let mut titles: Vec<String> = ["Mã", "Đơn vị"].map(String::from).to_vec();
    titles.extend(
        leaves
            .iter()
            .map(|l| format!("{} (tối đa {})", l.code, l.max_points.normalize())),
    );
    titles.push("Cộng lĩnh vực".into());
    write_header(sheet, 2, &titles, &f.bold)?;
    for (c, l) in leaves.iter().enumerate() {
        sheet
            .write_string(1, 2 + c as u16, &l.title)
            .map_err(xlsx)?;
    }
    for (i, u) in results.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_string(row, 0, &u.code).map_err(xlsx)?;
        sheet.write_string(row, 1, &u.name).map_err(xlsx)?;
        let scores = merged.get(&u.code);
        for (c, l) in leaves.iter().enumerate() {
            match scores
                .and_then(|m| m.scores.get(&l.code))
                .and_then(|s| s.appraised)
            {
                Some(Entry::Points(p)) => {
                    write_decimal(sheet, row, 2 + c as u16, Some(&p.to_string()), &f.two)?;
                }
                Some(Entry::NotApplicable) => {
                    sheet.write_string(row, 2 + c as u16, "KAD").map_err(xlsx)?;
                }
                None => {}
            }
        }
        let area_total = u
            .areas
            .iter()
            .find(|a| a.code == area.code)
            .map(|a| a.points.as_str());
        write_decimal(sheet, row, 2 + leaves.len() as u16, area_total, &f.two)?;
    }
    Ok(())
}

/// Điểm trừ: every leaf appraised below its self-assessment, or with a deduction reason.
fn deductions_sheet(
    sheet: &mut Worksheet,
    set: &CriteriaSet,
    results: &[UnitResult],
    merged: &BTreeMap<String, MergedUnit>,
    f: &Formats,
) -> Result<()> {
    sheet.set_name("Điểm trừ").map_err(xlsx)?;
    let titles = [
        "Mã đơn vị",
        "Đơn vị",
        "Mã tiêu chí",
        "Nội dung",
        "Điểm tối đa",
        "Tự đánh giá",
        "Thẩm định",
        "Chênh lệch",
        "Lý do",
    ]
    .map(String::from);
    write_header(sheet, 0, &titles, &f.bold)?;
    let mut row = 1u32;
    for u in results {
        let Some(m) = merged.get(&u.code) else {
            continue;
        };
        for node in set.leaves() {
            let score = m.scores.get(&node.code).copied().unwrap_or_default();
            let points = |e: Option<Entry>| match e {
                Some(Entry::Points(p)) => Some(p),
                _ => None,
            };
            let (s, a) = (points(score.self_assessed), points(score.appraised));
            let reason = m
                .deduction_reasons
                .get(&node.code)
                .cloned()
                .unwrap_or_default();
            let deducted = matches!((s, a), (Some(s), Some(a)) if a < s);
            if !deducted && reason.trim().is_empty() {
                continue;
            }
            sheet.write_string(row, 0, &u.code).map_err(xlsx)?;
            sheet.write_string(row, 1, &u.name).map_err(xlsx)?;
            sheet.write_string(row, 2, &node.code).map_err(xlsx)?;
            sheet.write_string(row, 3, &node.title).map_err(xlsx)?;
            write_decimal(sheet, row, 4, Some(&node.max_points.to_string()), &f.two)?;
            write_decimal(sheet, row, 5, s.map(|d| d.to_string()).as_deref(), &f.two)?;
            write_decimal(sheet, row, 6, a.map(|d| d.to_string()).as_deref(), &f.two)?;
            if let (Some(s), Some(a)) = (s, a) {
                write_decimal(sheet, row, 7, Some(&(a - s).to_string()), &f.two)?;
            }
            sheet.write_string(row, 8, &reason).map_err(xlsx)?;
            row += 1;
        }
    }
    Ok(())
}

/// Tiêu chí yếu: the lowest shares across units, with the reasons grouped.
fn weakest_sheet(sheet: &mut Worksheet, weakest: &[WeakCriterion], f: &Formats) -> Result<()> {
    sheet.set_name("Tiêu chí yếu").map_err(xlsx)?;
    let titles = [
        "Mã",
        "Nội dung",
        "Loại",
        "Tổng điểm",
        "Tổng tối đa",
        "Tỷ lệ %",
        "Số đơn vị chưa đạt tối đa",
        "Lý do trừ điểm (số đơn vị)",
    ]
    .map(String::from);
    write_header(sheet, 0, &titles, &f.bold)?;
    for (i, w) in weakest.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, &w.code).map_err(xlsx)?;
        sheet.write_string(row, 1, &w.title).map_err(xlsx)?;
        sheet
            .write_string(
                row,
                2,
                if w.is_area {
                    "Lĩnh vực"
                } else {
                    "Tiêu chí"
                },
            )
            .map_err(xlsx)?;
        write_decimal(sheet, row, 3, Some(&w.points), &f.two)?;
        write_decimal(sheet, row, 4, Some(&w.max), &f.two)?;
        write_decimal(sheet, row, 5, w.share.as_deref(), &f.two)?;
        sheet
            .write_number(row, 6, w.units_below_max as f64)
            .map_err(xlsx)?;
        let reasons: Vec<String> = w
            .reasons
            .iter()
            .map(|r| format!("{} ({})", r.reason, r.units))
            .collect();
        sheet
            .write_string(row, 7, reasons.join("; "))
            .map_err(xlsx)?;
    }
    Ok(())
}

/// Xung đột: every disagreement between bundles and how it was resolved.
fn conflicts_sheet(sheet: &mut Worksheet, conflicts: &[Conflict], f: &Formats) -> Result<()> {
    sheet.set_name("Xung đột").map_err(xlsx)?;
    let titles = [
        "Mã đơn vị",
        "Mã tiêu chí",
        "Các kết quả",
        "Giá trị quyết định",
        "Lý do",
        "Người quyết định",
        "Thời điểm",
    ]
    .map(String::from);
    write_header(sheet, 0, &titles, &f.bold)?;
    for (i, c) in conflicts.iter().enumerate() {
        let row = 1 + i as u32;
        let sides: Vec<String> = c
            .sides
            .iter()
            .map(|s| match c.kind {
                ConflictKind::Leaf => format!(
                    "{} (gói {} bản {}, {})",
                    s.value, s.bundle_id, s.revision, s.signer_key_id
                ),
                ConflictKind::Fork => format!(
                    "gói {} bản {}, {}",
                    s.bundle_id, s.revision, s.signer_key_id
                ),
            })
            .collect();
        let code = match c.kind {
            ConflictKind::Leaf => c.code.clone(),
            ConflictKind::Fork => "rẽ nhánh: chọn một gói".to_string(),
        };
        sheet.write_string(row, 0, &c.unit).map_err(xlsx)?;
        sheet.write_string(row, 1, &code).map_err(xlsx)?;
        sheet.write_string(row, 2, sides.join("; ")).map_err(xlsx)?;
        match &c.resolution {
            Some(r) => {
                match number(&r.value) {
                    Some(v) => sheet
                        .write_number_with_format(row, 3, v, &f.two)
                        .map_err(xlsx)?,
                    None => sheet.write_string(row, 3, &r.value).map_err(xlsx)?,
                };
                sheet.write_string(row, 4, &r.reason).map_err(xlsx)?;
                sheet.write_string(row, 5, &r.actor).map_err(xlsx)?;
                sheet
                    .write_string(row, 6, super::import::local_time(&r.at))
                    .map_err(xlsx)?;
            }
            None => {
                sheet
                    .write_string(row, 4, "chưa giải quyết")
                    .map_err(xlsx)?;
            }
        }
    }
    Ok(())
}

/// Nguồn: every bundle received, counted or not, and why.
fn sources_sheet(sheet: &mut Worksheet, bundles: &[HqBundle], f: &Formats) -> Result<()> {
    sheet.set_name("Nguồn").map_err(xlsx)?;
    let titles = [
        "Mã gói",
        "Bản",
        "Thay thế",
        "Khóa ký",
        "Người ký",
        "Trạng thái",
        "Đơn vị",
        "Nhập lúc",
        "SHA-256 tệp",
        "Ghi chú",
    ]
    .map(String::from);
    write_header(sheet, 0, &titles, &f.bold)?;
    for (i, b) in bundles.iter().enumerate() {
        let row = 1 + i as u32;
        let role = b.role.label_vi();
        sheet.write_string(row, 0, &b.id).map_err(xlsx)?;
        sheet
            .write_number(row, 1, b.revision as f64)
            .map_err(xlsx)?;
        sheet
            .write_string(row, 2, b.supersedes.as_deref().unwrap_or_default())
            .map_err(xlsx)?;
        sheet.write_string(row, 3, &b.signer_key_id).map_err(xlsx)?;
        sheet.write_string(row, 4, &b.signer_name).map_err(xlsx)?;
        sheet.write_string(row, 5, &role).map_err(xlsx)?;
        sheet
            .write_string(row, 6, b.units.join(", "))
            .map_err(xlsx)?;
        sheet
            .write_string(row, 7, super::import::local_time(&b.imported_at))
            .map_err(xlsx)?;
        sheet.write_string(row, 8, &b.file_sha256).map_err(xlsx)?;
        sheet.write_string(row, 9, &b.review_reason).map_err(xlsx)?;
    }
    Ok(())
}
