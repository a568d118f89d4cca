//! Score sheets: a CSV with the columns `code,self,appraised[,reason]`, as `thamdinh criteria
//! score` and `thamdinh visit score` read it. Every bad row is reported with the file's line.
use crate::criteria::CriteriaSet;
use crate::mistake::Mistake;
use crate::scoring::{self, Column, Entry, Scores};

/// One row of a score sheet, checked against the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRow {
    pub line: usize,
    pub code: String,
    pub self_assessed: Option<Entry>,
    pub appraised: Option<Entry>,
    /// The deduction reason (or the N/A reason when the appraised value is `NA`).
    pub reason: String,
}

/// The rows as the arithmetic takes them.
pub fn to_scores(rows: &[ScoreRow]) -> Scores {
    crate::scoring::scores_from(
        rows.iter()
            .map(|r| (r.code.as_str(), r.self_assessed, r.appraised)),
    )
}

/// Reads `code,self,appraised[,reason]` rows; all or nothing: every bad row is reported with its
/// line number.
pub fn parse(set: &CriteriaSet, bytes: &[u8]) -> Result<Vec<ScoreRow>, Vec<Mistake>> {
    crate::csv_text::check_quotes(bytes).map_err(|e| vec![e])?;
    let mut reader = crate::csv_text::reader(bytes, true);
    let headers = reader
        .headers()
        .map_err(|_| vec![Mistake::UnreadableCsv.at_line(1)])?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let (Some(code_at), Some(self_at), Some(appraised_at)) =
        (column("code"), column("self"), column("appraised"))
    else {
        return Err(vec![
            Mistake::ScoreSheetHeader {
                found: headers.iter().collect::<Vec<_>>().join(", "),
            }
            .at_line(1),
        ]);
    };
    let reason_at = column("reason");
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_line = std::collections::HashMap::new();
    let mut lines = crate::csv_text::RecordLines::new(bytes);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(Mistake::UnreadableCsv.at_line(line));
                continue;
            }
        };
        let line = lines.line_of(&record);
        let code = record.get(code_at).unwrap_or_default();
        if code.is_empty() && record.iter().all(str::is_empty) {
            continue;
        }
        if let Err(e) = crate::csv_text::check_width(headers.len(), &record, line) {
            errors.push(e);
            continue;
        }
        let Some(node) = set.find(code) else {
            errors.push(Mistake::UnknownCode { code: code.into() }.at_line(line));
            continue;
        };
        if node.leaf.is_none() {
            errors.push(Mistake::NotALeaf { code: code.into() }.at_line(line));
            continue;
        }
        if let Some(first_line) = first_line.insert(code.to_string(), line) {
            errors.push(
                Mistake::CodeRepeated {
                    code: code.into(),
                    first_line,
                }
                .at_line(line),
            );
            continue;
        }
        let mut row = ScoreRow {
            line,
            code: code.to_string(),
            self_assessed: None,
            appraised: None,
            reason: reason_at
                .and_then(|at| record.get(at))
                .unwrap_or_default()
                .to_string(),
        };
        for (column, at) in [
            (Column::SelfAssessed, self_at),
            (Column::Appraised, appraised_at),
        ] {
            // A value is a cell: a line with two bad values says each with its column.
            let in_cell = |mistake: Mistake| Mistake::AtCell {
                sheet: String::new(),
                row: Some(line),
                column: Some(crate::sheet::column_letter(at)),
                mistake: Box::new(mistake),
            };
            let text = record.get(at).unwrap_or_default();
            let entry = match Entry::parse(text) {
                Ok(entry) => entry,
                Err(mistake) => {
                    errors.push(in_cell(mistake.at_leaf(code)));
                    continue;
                }
            };
            if let Some(entry) = entry
                && let Err(mistake) = scoring::check_entry(set, node, column, entry)
            {
                errors.push(in_cell(mistake));
                continue;
            }
            match column {
                Column::SelfAssessed => row.self_assessed = entry,
                Column::Appraised => row.appraised = entry,
            }
        }
        rows.push(row);
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}
