//! Survey points (điểm điều tra xã hội học) from the survey contractor's sheet, .xlsx or .csv:
//! a wide sheet (a unit-code column, then one column per survey leaf) or a long one
//! (`code,leaf,points`). Decimals with a comma or a dot. Every bad cell is named by sheet, row and
//! column; all or nothing; a new sheet replaces the previous one, recorded in the decision log.
use std::collections::{BTreeMap, HashMap};

use rusqlite::params;
use rust_decimal::Decimal;

use crate::Result;
use crate::audit::Change;
use crate::criteria::Method;
use crate::number::parse_decimal;
use crate::scoring::{Column, Entry, check_entry};
use crate::store::Store;

use crate::sheet::Sheet;
pub use crate::sheet::column_letter;

/// The first sheet's name and rows (1-based row numbers), from XLSX or CSV bytes.
fn read_sheet(bytes: &[u8]) -> std::result::Result<Sheet, Vec<String>> {
    if bytes.starts_with(b"PK\x03\x04") {
        let mut sheets = crate::sheet::read_sheets(bytes).map_err(|e| vec![e])?;
        Ok(sheets.remove(0))
    } else {
        let rows = crate::csv_text::csv_rows(bytes)
            .map_err(|ms| ms.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        Ok(("CSV".into(), rows))
    }
}

impl Store {
    /// Survey points by (unit code, leaf code).
    pub fn hq_survey_points(
        &self,
        campaign_id: &str,
    ) -> Result<HashMap<(String, String), Decimal>> {
        let mut stmt = self
            .conn
            .prepare("SELECT unit_code, code, points FROM hq_survey WHERE campaign_id = ?1")?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (key, text) = row?;
            if let Some(d) = parse_decimal(&text) {
                out.insert(key, d);
            }
        }
        Ok(out)
    }

    /// Replaces the campaign's survey points with a sheet's; `Ok(Err(problems))` when any cell
    /// is bad (nothing written). Returns the number of values stored.
    pub fn hq_import_survey(
        &mut self,
        campaign_id: &str,
        bytes: &[u8],
        source: &str,
    ) -> Result<std::result::Result<usize, Vec<String>>> {
        let campaign = self.campaign(campaign_id)?;
        let set = self.criteria_set(&campaign.criteria_set_id)?;
        let units = super::unit_codes(self, campaign_id)?;
        let (sheet, rows) = match read_sheet(bytes) {
            Ok(s) => s,
            Err(problems) => return Ok(Err(problems)),
        };
        let mut rows = rows
            .into_iter()
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
        let Some((header_row, header)) = rows.next() else {
            return Ok(Err(vec![format!("trang {sheet}: không có dữ liệu")]));
        };
        let norm = |h: &str| h.trim().trim_start_matches('\u{feff}').to_lowercase();
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.contains(&norm(h).as_str()))
        };
        let unit_col = find(&["code", "mã", "ma", "unit", "mã đơn vị", "ma don vi"]);
        let leaf_col = find(&[
            "leaf",
            "tiêu chí",
            "tieu chi",
            "mã tiêu chí",
            "ma tieu chi",
            "criterion",
        ]);
        let points_col = find(&["points", "điểm", "diem"]);
        let mut problems = Vec::new();
        let at = |row: usize, col: usize| {
            format!("trang {sheet}, dòng {row}, cột {}", column_letter(col))
        };
        let Some(unit_col) = unit_col else {
            return Ok(Err(vec![format!(
                "trang {sheet}, dòng {header_row}: thiếu cột mã đơn vị (code / mã)"
            )]));
        };
        // (row, leaf column or leaf cell, unit code, leaf code, text of the points)
        let mut cells: Vec<(usize, usize, String, String, String)> = Vec::new();
        match (leaf_col, points_col) {
            (Some(leaf_col), Some(points_col)) => {
                for (row, r) in rows {
                    let get = |c: usize| r.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
                    cells.push((
                        row,
                        points_col,
                        get(unit_col),
                        get(leaf_col),
                        get(points_col),
                    ));
                }
            }
            _ => {
                let leaf_columns: Vec<(usize, String)> = header
                    .iter()
                    .enumerate()
                    .filter(|(c, h)| *c != unit_col && !h.trim().is_empty())
                    .filter(|(_, h)| {
                        !["tên", "ten", "name", "đơn vị", "don vi", "stt"]
                            .contains(&norm(h).as_str())
                    })
                    .map(|(c, h)| (c, h.trim().to_string()))
                    .collect();
                if leaf_columns.is_empty() {
                    problems.push(format!(
                        "trang {sheet}, dòng {header_row}: không có cột tiêu chí nào (một cột cho mỗi tiêu chí điều tra, hoặc các cột code,leaf,points)"
                    ));
                }
                for (row, r) in rows {
                    let unit = r
                        .get(unit_col)
                        .map(|s| s.trim().to_string())
                        .unwrap_or_default();
                    for (c, leaf) in &leaf_columns {
                        let text = r.get(*c).map(|s| s.trim().to_string()).unwrap_or_default();
                        if !text.is_empty() {
                            cells.push((row, *c, unit.clone(), leaf.clone(), text));
                        }
                    }
                }
            }
        }
        let mut values: BTreeMap<(String, String), (Decimal, String)> = BTreeMap::new();
        for (row, col, unit, leaf, text) in cells {
            let here = at(row, col);
            if !units.contains_key(&unit) {
                problems.push(format!(
                    "{}: không có đơn vị mã «{unit}» trong đợt thẩm định",
                    at(row, unit_col)
                ));
                continue;
            }
            let Some(node) = set.find(&leaf).filter(|n| n.leaf.is_some()) else {
                problems.push(format!(
                    "{here}: «{leaf}» không phải tiêu chí thành phần của bộ tiêu chí"
                ));
                continue;
            };
            if node
                .leaf
                .as_ref()
                .is_some_and(|l| l.method != Method::DieuTraXhh)
            {
                problems.push(format!("{here}: {leaf} không phải tiêu chí điều tra XHH"));
                continue;
            }
            let Some(points) = parse_decimal(&text) else {
                problems.push(format!("{here}: «{text}» không phải là số"));
                continue;
            };
            if let Err(msg) = check_entry(&set, node, Column::Appraised, Entry::Points(points)) {
                problems.push(format!("{here}: {msg}"));
                continue;
            }
            if let Some((_, first)) =
                values.insert((unit.clone(), leaf.clone()), (points, here.clone()))
            {
                problems.push(format!("{here}: {unit} × {leaf} đã có ở {first}"));
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let actor = self.actor()?;
        let tx = self.write_tx()?;
        let old: i64 = tx.query_row(
            "SELECT count(*) FROM hq_survey WHERE campaign_id = ?1",
            [campaign_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "DELETE FROM hq_survey WHERE campaign_id = ?1",
            [campaign_id],
        )?;
        for ((unit, leaf), (points, _)) in &values {
            tx.execute(
                "INSERT INTO hq_survey (campaign_id, unit_code, code, points) VALUES (?1, ?2, ?3, ?4)",
                params![campaign_id, unit, leaf, points.normalize().to_string()],
            )?;
        }
        let (old, new) = (
            format!("{old} giá trị"),
            format!("{} giá trị", values.len()),
        );
        super::log_decision(
            &tx,
            campaign_id,
            &actor,
            &Change {
                action: "survey",
                field: source,
                old: Some(&old),
                new: Some(&new),
                reason: &crate::digest::sha256_hex(bytes),
                ..Default::default()
            },
        )?;
        tx.commit()?;
        Ok(Ok(values.len()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
        assert_eq!(super::column_letter(701), "ZZ");
        assert_eq!(super::column_letter(702), "AAA");
    }
}
