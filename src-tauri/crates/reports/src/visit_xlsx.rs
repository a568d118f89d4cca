//! A visit's scoring table as .xlsx: the minutes' columns, numbers as numbers with 2-decimal
//! formats, areas as outline groups with their subtotals (the core's scoring), reasons; the
//! evidence list on a second sheet.
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use thamdinh_core::store::Store;
use thamdinh_core::{Error, Result};

use crate::table::{Value, total_text, visit_report};

pub const HEADERS: [&str; 8] = [
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Tự đánh giá",
    "Thẩm định",
    "Chênh lệch",
    "Lý do",
    "TLKC",
];

fn xlsx(e: XlsxError) -> Error {
    Error::internal(format!("xlsx: {e}"))
}

fn number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

/// The workbook's bytes.
pub fn visit_workbook(store: &Store, visit_id: &str) -> Result<Vec<u8>> {
    let report = visit_report(store, visit_id)?;
    let view = &report.view;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let points = Format::new()
        .set_num_format("0.00")
        .set_align(FormatAlign::Top);
    let group = Format::new().set_bold().set_text_wrap();
    let group_points = Format::new().set_bold().set_num_format("0.00");

    let sheet = book.add_worksheet().set_name("Bảng điểm").map_err(xlsx)?;
    let header = sheet_head(sheet, &report)?;
    let mut row = header + 1;
    let mut area_start: Option<u32> = None;
    let close_group = |sheet: &mut Worksheet, start: Option<u32>, end: u32| -> Result<()> {
        if let Some(s) = start
            && end > s + 1
        {
            sheet.group_rows(s + 1, end - 1).map_err(xlsx)?;
        }
        Ok(())
    };
    for r in &report.rows {
        if r.kind == "area" {
            close_group(sheet, area_start, row)?;
            area_start = Some(row);
        }
        let is_leaf = r.kind == "leaf";
        let (text_fmt, num_fmt) = if is_leaf {
            (&wrap, &points)
        } else {
            (&group, &group_points)
        };
        sheet
            .write_string_with_format(row, 0, &r.code, text_fmt)
            .map_err(xlsx)?;
        sheet
            .write_string_with_format(row, 1, &r.title, text_fmt)
            .map_err(xlsx)?;
        sheet
            .write_number_with_format(row, 2, number(r.max), num_fmt)
            .map_err(xlsx)?;
        for (col, v) in [(3u16, r.self_assessed), (4, r.appraised)] {
            match v {
                Some(Value::Points(p)) => {
                    sheet
                        .write_number_with_format(row, col, number(p), num_fmt)
                        .map_err(xlsx)?;
                }
                Some(Value::NotApplicable) => {
                    sheet
                        .write_string_with_format(row, col, "KAD", text_fmt)
                        .map_err(xlsx)?;
                }
                None => {}
            }
        }
        if let Some(d) = r.difference {
            sheet
                .write_number_with_format(row, 5, number(d), num_fmt)
                .map_err(xlsx)?;
        }
        if !r.reason.is_empty() {
            sheet
                .write_string_with_format(row, 6, &r.reason, &wrap)
                .map_err(xlsx)?;
        }
        if is_leaf && r.evidence > 0 {
            sheet.write_number(row, 7, r.evidence).map_err(xlsx)?;
        }
        row += 1;
    }
    close_group(sheet, area_start, row)?;
    row += 1;
    for (label, t) in [
        ("Tổng điểm tự đánh giá", &view.totals.self_assessed.total),
        ("Tổng điểm thẩm định", &view.totals.appraised.total),
    ] {
        sheet
            .write_string_with_format(row, 1, label, &bold)
            .map_err(xlsx)?;
        sheet
            .write_number_with_format(row, 2, number(t.max), &group_points)
            .map_err(xlsx)?;
        let col = if label.contains("tự") { 3 } else { 4 };
        sheet
            .write_number_with_format(row, col, number(t.points), &group_points)
            .map_err(xlsx)?;
        sheet.write_string(row, 6, total_text(t)).map_err(xlsx)?;
        row += 1;
    }

    evidence_sheet(&mut book, &view.evidence)?;
    book.save_to_buffer().map_err(xlsx)
}

/// The evidence register on a sheet of its own.
fn evidence_sheet(
    book: &mut Workbook,
    evidence: &[thamdinh_core::evidence::Evidence],
) -> Result<()> {
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let ev = book
        .add_worksheet()
        .set_name("Tài liệu kiểm chứng")
        .map_err(xlsx)?;
    for (i, h) in [
        "Số, ký hiệu",
        "Ngày ban hành",
        "Cơ quan ban hành",
        "Trích yếu",
        "Trang",
        "Tệp",
        "Tiêu chí",
    ]
    .iter()
    .enumerate()
    {
        ev.write_string_with_format(0, i as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    for (i, w) in [16.0, 13.0, 22.0, 50.0, 8.0, 30.0, 20.0].iter().enumerate() {
        ev.set_column_width(i as u16, *w).map_err(xlsx)?;
    }
    for (i, e) in evidence.iter().enumerate() {
        let r = i as u32 + 1;
        let date = e
            .issued_on
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default();
        for (c, text) in [
            e.number.as_str(),
            date.as_str(),
            e.issuer.as_str(),
            e.summary.as_str(),
            e.pages.as_str(),
            e.file_name.as_deref().unwrap_or_default(),
            &e.leaves.join(", "),
        ]
        .iter()
        .enumerate()
        {
            ev.write_string_with_format(r, c as u16, *text, &wrap)
                .map_err(xlsx)?;
        }
    }
    Ok(())
}

/// Whose scores these are, and the header row; returns the header's row.
fn sheet_head(sheet: &mut Worksheet, report: &crate::table::VisitReport) -> Result<u32> {
    let view = &report.view;
    let bold = Format::new().set_bold();
    sheet
        .write_string_with_format(
            0,
            0,
            format!(
                "Bảng điểm thẩm định — {} ({})",
                view.unit.name, view.unit.code
            ),
            &bold,
        )
        .map_err(xlsx)?;
    sheet
        .write_string(
            1,
            0,
            format!(
                "{} · {} · mã bộ tiêu chí {}",
                view.campaign.name, report.set_title, view.set_id
            ),
        )
        .map_err(xlsx)?;
    let header = 3u32;
    for (i, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(header, i as u16, *h, &bold)
            .map_err(xlsx)?;
    }
    for (i, w) in [9.0, 60.0, 11.0, 11.0, 11.0, 11.0, 40.0, 6.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(i as u16, *w).map_err(xlsx)?;
    }
    sheet.set_freeze_panes(header + 1, 0).map_err(xlsx)?;
    Ok(header)
}
