//! The explanation round (giải trình) on paper: a form listing the leaves where the appraisal
//! differs from the unit's self-assessment (and those the delegation asked about), with both
//! scores, the delegation's reason and request, and an open column for the unit's answer; the
//! answers read back as audited explanation entries, shown beside each leaf for round 2.
use std::path::Path;

use calamine::{Data, Reader};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::mistake::Mistake;
use crate::number::format_vi;
use crate::scoring::Entry;
use crate::sheet::column_letter;
use crate::store::Store;
use crate::visit::{LeafField, LeafRecord, write_field_in};
use crate::{Error, Result};

const SHEET: &str = "Giải trình";
const FORMAT: &str = "thamdinh-bieu-giai-trinh/1";
const HEADER_ROW: u32 = 4;
const ANSWER: u16 = 7;

/// A leaf goes to the unit when the appraisal differs from its self-assessment or the delegation
/// asked it something.
fn asked(leaf: &LeafRecord) -> bool {
    let differs = leaf.appraised.is_some()
        && leaf.self_assessed.is_some()
        && leaf.appraised != leaf.self_assessed;
    differs || !leaf.explanation_request.trim().is_empty()
}

fn shown(entry: Option<Entry>) -> String {
    match entry {
        None => String::new(),
        Some(Entry::NotApplicable) => "KAD".into(),
        Some(Entry::Points(p)) => format_vi(p),
    }
}

/// What came back: the answers recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ExplainImport {
    pub visit_id: String,
    pub form_sha256: String,
    /// The leaves whose answer was recorded (changed).
    pub answered: Vec<String>,
}

impl Store {
    /// Writes the explanation form of a visit; returns the leaves it lists.
    pub fn write_explain_form(&self, visit_id: &str, out: &Path) -> Result<Vec<String>> {
        let view = self.visit_view(visit_id)?;
        let set = self.visit_set(visit_id)?;
        let xlsx = |e: rust_xlsxwriter::XlsxError| {
            Error::internal(format!("không tạo được biểu giải trình: {e}"))
        };
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_background_color("#EEF2F7");
        let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
        let open = Format::new()
            .set_unlocked()
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_background_color("#FFF8DC");
        let sheet = book.add_worksheet().set_name(SHEET).map_err(xlsx)?;
        sheet
            .write_string_with_format(
                0,
                0,
                "BIỂU GIẢI TRÌNH KẾT QUẢ THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH",
                &bold,
            )
            .map_err(xlsx)?;
        sheet
            .write_string(
                1,
                0,
                format!("Đơn vị: {} — {}", view.unit.code, view.unit.name),
            )
            .map_err(xlsx)?;
        sheet.write_string(2, 0, "Đơn vị ghi giải trình vào cột «Giải trình của đơn vị» (ô nền vàng), kèm tài liệu bổ sung nếu có.").map_err(xlsx)?;
        let headers = [
            "Mã",
            "Nội dung",
            "Điểm tối đa",
            "Tự đánh giá",
            "Thẩm định",
            "Lý do trừ điểm",
            "Đoàn đề nghị giải trình",
            "Giải trình của đơn vị",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(HEADER_ROW, c as u16, *h, &header)
                .map_err(xlsx)?;
        }
        for (c, w) in [9.0, 44.0, 8.0, 10.0, 10.0, 30.0, 30.0, 44.0]
            .iter()
            .enumerate()
        {
            sheet.set_column_width(c as u16, *w).map_err(xlsx)?;
        }
        let mut listed = Vec::new();
        for leaf in view.leaves.iter().filter(|l| asked(l)) {
            let node = set.leaf(&leaf.code)?;
            let row = HEADER_ROW + 1 + listed.len() as u32;
            let max = format_vi(node.max_points);
            let cells = [
                leaf.code.as_str(),
                node.title.as_str(),
                max.as_str(),
                &shown(leaf.self_assessed),
                &shown(leaf.appraised),
                leaf.deduction_reason.as_str(),
                leaf.explanation_request.as_str(),
            ];
            for (c, v) in cells.iter().enumerate() {
                sheet
                    .write_string_with_format(row, c as u16, *v, &text)
                    .map_err(xlsx)?;
            }
            sheet
                .write_string_with_format(row, ANSWER, &leaf.explanation_answer, &open)
                .map_err(xlsx)?;
            listed.push(leaf.code.clone());
        }
        sheet.protect();
        crate::self_form::write_identity_sheet(
            &mut book,
            &[
                ("Định dạng", FORMAT),
                ("Mã phiếu", visit_id),
                ("Mã đơn vị", view.unit.code.as_str()),
            ],
        )?;
        crate::files::write_atomic(out, &book.save_to_buffer().map_err(xlsx)?)?;
        Ok(listed)
    }

    /// Records the unit's answers of an explanation form (all or nothing), each an audited entry
    /// naming the form's SHA-256. The form must be this visit's; every bad row is named.
    pub fn import_explain_form(&mut self, visit_id: &str, bytes: &[u8]) -> Result<ExplainImport> {
        self.ensure_draft(visit_id)?;
        let set = self.visit_set(visit_id)?;
        let view = self.visit_view(visit_id)?;
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|_| Mistake::UnreadableSpreadsheet)?;
        let text = |d: Option<&Data>| {
            d.map(|d| d.to_string().trim().to_string())
                .unwrap_or_default()
        };
        let id =
            crate::self_form::read_identity_sheet(&mut book).ok_or(Mistake::SelfFormNotOurs)?;
        let field = |key: &str| id.get(key).cloned().unwrap_or_default();
        if field("Định dạng") != FORMAT {
            return Err(Mistake::SelfFormNotOurs.into());
        }
        if field("Mã phiếu") != visit_id {
            return Err(Mistake::SelfFormOtherUnit {
                found: field("Mã đơn vị"),
                expected: view.unit.code.clone(),
            }
            .into());
        }
        let range = book
            .worksheet_range(SHEET)
            .map_err(|_| Mistake::SheetUnreadable {
                sheet: SHEET.into(),
            })?;
        let formulas = book.worksheet_formula(SHEET).ok();
        let (top, left) = range.start().unwrap_or((0, 0));
        let get = |row: u32, col: u16| {
            range.get((
                (row.checked_sub(top)?) as usize,
                (u32::from(col).checked_sub(left)?) as usize,
            ))
        };
        let place = |row: u32, col: u16, m: Mistake| Mistake::AtCell {
            sheet: SHEET.into(),
            row: Some(row as usize + 1),
            column: Some(column_letter(col as usize)),
            mistake: Box::new(m),
        };
        let mut answers = Vec::new();
        let mut problems = Vec::new();
        for row in HEADER_ROW + 1..=range.end().map_or(0, |(r, _)| r) {
            let code = crate::text::nfc(&text(get(row, 0)));
            if code.is_empty() {
                continue;
            }
            if set.leaf(&code).is_err() {
                problems.push(place(row, 0, Mistake::SelfFormRowAdded { code }));
                continue;
            }
            if formulas
                .as_ref()
                .and_then(|f| f.get_value((row, u32::from(ANSWER))))
                .is_some_and(|f| !f.is_empty())
            {
                problems.push(place(row, ANSWER, Mistake::CellIsFormula));
                continue;
            }
            answers.push((code, text(get(row, ANSWER))));
        }
        if !problems.is_empty() {
            return Err(Error::Mistakes(problems));
        }
        let sha = crate::digest::sha256_hex(bytes);
        let reason = format!("từ biểu giải trình của đơn vị (SHA-256 {sha})");
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        let mut answered = Vec::new();
        for (code, answer) in answers.iter().filter(|(_, a)| !a.is_empty()) {
            if write_field_in(
                &tx,
                &actor,
                visit_id,
                code,
                LeafField::ExplanationAnswer,
                Some(answer),
                "set",
                &reason,
            )? {
                answered.push(code.clone());
            }
        }
        tx.commit()?;
        Ok(ExplainImport {
            visit_id: visit_id.into(),
            form_sha256: sha,
            answered,
        })
    }
}
