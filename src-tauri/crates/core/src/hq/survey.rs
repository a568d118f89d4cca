//! Survey points (điểm điều tra xã hội học) from the survey contractor's sheet, .xlsx or .csv:
//! a wide sheet (a unit-code column, then one column per survey leaf) or a long one
//! (`code,leaf,points`). Decimals with a comma or a dot. Every bad cell is named by sheet, row and
//! column; all or nothing; a new sheet replaces the previous one, recorded in the decision log.
use std::collections::{BTreeMap, HashMap};

use rusqlite::params;
use rust_decimal::Decimal;

use crate::audit::Change;
use crate::criteria::Method;
use crate::number::parse_decimal;
use crate::scoring::{Column, Entry, check_entry};
use crate::store::Store;
use crate::{Mistake, Result};

use crate::sheet::Sheet;
pub use crate::sheet::column_letter;

/// The first sheet's name and rows (1-based row numbers), from XLSX or CSV bytes.
fn read_sheet(bytes: &[u8]) -> std::result::Result<Sheet, Vec<Mistake>> {
    if bytes.starts_with(b"PK\x03\x04") {
        let mut sheets = crate::sheet::read_sheets(bytes).map_err(|m| vec![m])?;
        Ok(sheets.remove(0))
    } else {
        Ok(("CSV".into(), crate::csv_text::csv_rows(bytes)?))
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

    /// [`Store::hq_import_survey`] of a file the person picked (named in the HQ log by its name).
    pub fn hq_import_survey_file(
        &mut self,
        campaign_id: &str,
        path: &std::path::Path,
    ) -> Result<std::result::Result<usize, Vec<Mistake>>> {
        let bytes = std::fs::read(path).map_err(|e| Mistake::cannot_read(path, &e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        self.hq_import_survey(campaign_id, &bytes, &name)
    }

    /// Replaces the campaign's survey points with a sheet's; `Ok(Err(problems))` when any cell
    /// is bad (nothing written). Returns the number of values stored.
    pub fn hq_import_survey(
        &mut self,
        campaign_id: &str,
        bytes: &[u8],
        source: &str,
    ) -> Result<std::result::Result<usize, Vec<Mistake>>> {
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
            return Ok(Err(vec![Mistake::SheetEmpty { sheet }]));
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
        let at = |row: usize, col: Option<usize>, mistake: Mistake| Mistake::AtCell {
            sheet: sheet.clone(),
            row: Some(row),
            column: col.map(column_letter),
            mistake: Box::new(mistake),
        };
        let Some(unit_col) = unit_col else {
            return Ok(Err(vec![at(header_row, None, Mistake::NoUnitColumn)]));
        };
        let cells =
            survey_cells(&header, rows, unit_col, leaf_col, points_col).unwrap_or_else(|| {
                problems.push(at(header_row, None, Mistake::NoLeafColumns));
                Vec::new()
            });
        let mut values = SurveyValues::new();
        for (row, col, unit, leaf, text) in cells {
            let here = |mistake| at(row, Some(col), mistake);
            if !units.contains_key(&unit) {
                problems.push(at(row, Some(unit_col), Mistake::UnknownUnit { code: unit }));
                continue;
            }
            let Some(node) = set.find(&leaf).filter(|n| n.leaf.is_some()) else {
                problems.push(here(Mistake::UnknownLeaf { code: leaf }));
                continue;
            };
            if node
                .leaf
                .as_ref()
                .is_some_and(|l| l.method != Method::DieuTraXhh)
            {
                problems.push(here(Mistake::NotASurveyLeaf { code: leaf }));
                continue;
            }
            let Some(points) = parse_decimal(&text) else {
                problems.push(here(Mistake::PointsNotANumber { text }));
                continue;
            };
            if let Err(mistake) = check_entry(&set, node, Column::Appraised, Entry::Points(points))
            {
                problems.push(here(mistake));
                continue;
            }
            if let Some((_, (first_row, first_col))) =
                values.insert((unit.clone(), leaf.clone()), (points, (row, col)))
            {
                problems.push(here(Mistake::SurveyValueRepeated {
                    unit,
                    leaf,
                    first_row,
                    first_column: column_letter(first_col),
                }));
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        self.replace_survey(campaign_id, &values, source, bytes)?;
        Ok(Ok(values.len()))
    }

    /// Replaces the campaign's survey points with checked values, logged as an HQ decision
    /// naming the sheet and its SHA-256, in one transaction.
    fn replace_survey(
        &mut self,
        campaign_id: &str,
        values: &SurveyValues,
        source: &str,
        bytes: &[u8],
    ) -> Result<()> {
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
        {
            let mut insert = tx.prepare(
                "INSERT INTO hq_survey (campaign_id, unit_code, code, points) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for ((unit, leaf), (points, _)) in values {
                insert.execute(params![
                    campaign_id,
                    unit,
                    leaf,
                    points.normalize().to_string()
                ])?;
            }
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
        Ok(())
    }
}

/// Checked points per (unit, leaf), with the cell each came from (row, column).
type SurveyValues = BTreeMap<(String, String), (Decimal, (usize, usize))>;

/// One cell of survey points: (row, column, unit code, leaf code, text of the points).
type SurveyCell = (usize, usize, String, String, String);

/// The survey's cells, in the long form (a unit, a criterion and a points column) or the wide
/// one (a column per survey criterion); `None` when the wide form has no criterion column.
fn survey_cells(
    header: &[String],
    rows: impl Iterator<Item = (usize, Vec<String>)>,
    unit_col: usize,
    leaf_col: Option<usize>,
    points_col: Option<usize>,
) -> Option<Vec<SurveyCell>> {
    let norm = |h: &str| h.trim().trim_start_matches('\u{feff}').to_lowercase();
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
                    !["tên", "ten", "name", "đơn vị", "don vi", "stt"].contains(&norm(h).as_str())
                })
                .map(|(c, h)| (c, h.trim().to_string()))
                .collect();
            if leaf_columns.is_empty() {
                return None;
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
    Some(cells)
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
