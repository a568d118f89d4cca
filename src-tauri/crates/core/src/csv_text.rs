//! CSV as people's spreadsheets write it: a byte-order mark, `;` as the separator (what Excel
//! writes in a Vietnamese locale, where the comma is the decimal mark), and quotes that must close.
//! Used by every CSV reader (score sheets, unit lists, survey sheets).

/// A reader over `bytes` with the separator its first line uses: `;` when that line has a `;` and
/// no `,`, else `,`.
pub fn reader(bytes: &[u8], has_headers: bool) -> csv::Reader<&[u8]> {
    let first = bytes
        .split(|b| *b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace));
    let semicolons = first.is_some_and(|l| l.contains(&b';') && !l.contains(&b','));
    csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(true)
        .delimiter(if semicolons { b';' } else { b',' })
        .trim(csv::Trim::All)
        .from_reader(bytes)
}

/// An opening quote that never closes makes the rest of the file one cell, silently: refuse it,
/// naming the line where it opens.
pub fn check_quotes(bytes: &[u8]) -> Result<(), crate::Mistake> {
    let (mut open, mut line, mut opened_at) = (false, 1, 0);
    for b in bytes {
        match b {
            b'"' => {
                open = !open;
                if open {
                    opened_at = line;
                }
            }
            b'\n' => line += 1,
            _ => {}
        }
    }
    if open {
        return Err(crate::Mistake::UnclosedQuote.at_line(opened_at));
    }
    Ok(())
}

/// The 1-based lines of the file where CSV records start, read in order: counted from the byte
/// offset, past the blank lines the csv crate skips (its own line count and offset point before
/// them), and counted on from the previous record so a whole file costs one pass (a survey sheet
/// of 300 000 rows was quadratic when each record counted from the start).
pub struct RecordLines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> RecordLines<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        RecordLines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of `record`, which starts at or after the previous record asked for.
    pub fn line_of(&mut self, record: &csv::StringRecord) -> usize {
        let mut at = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(self.bytes.len());
        while at < self.bytes.len() && matches!(self.bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        if at < self.offset {
            // Out of order: count again from the start.
            (self.offset, self.line) = (0, 1);
        }
        self.line += self.bytes[self.offset..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = at;
        self.line
    }
}

/// A row with more cells than its header is refused, never cut to fit: an unquoted `1,5` in a
/// comma-separated file is two cells, and the `5` would silently vanish. Empty cells at the end
/// (a spreadsheet's trailing separators) do not count.
pub fn check_width(
    header_cells: usize,
    record: &csv::StringRecord,
    line: usize,
) -> Result<(), crate::Mistake> {
    let found = record.len() - record.iter().rev().take_while(|c| c.is_empty()).count();
    if found > header_cells {
        return Err(crate::Mistake::TooManyCells {
            found,
            expected: header_cells,
        }
        .at_line(line));
    }
    Ok(())
}

/// Every row with its line, the header first; a row wider than the header is a mistake.
pub(crate) fn csv_rows(
    bytes: &[u8],
) -> std::result::Result<Vec<(usize, Vec<String>)>, Vec<crate::Mistake>> {
    crate::csv_text::check_quotes(bytes).map_err(|e| vec![e])?;
    let mut reader = crate::csv_text::reader(bytes, false);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut header_cells = None;
    let mut lines = RecordLines::new(bytes);
    for record in reader.records() {
        let record = record.map_err(|_| vec![crate::Mistake::UnreadableCsv])?;
        let line = lines.line_of(&record);
        match header_cells {
            None => header_cells = Some(record.len()),
            Some(n) => {
                if let Err(e) = check_width(n, &record, line) {
                    errors.push(e);
                }
            }
        }
        rows.push((line, record.iter().map(String::from).collect()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_are_detected_and_unclosed_quotes_refused() {
        let rows: Vec<Vec<String>> = reader(b"code;self\n1.1.1;1,5\n", true)
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows, [["1.1.1", "1,5"]]);
        assert!(check_quotes(b"a,b\n\"x, y\",1\n\"he said \"\"hi\"\"\",2\n").is_ok());
        let err = check_quotes(b"a,b\nok,1\n\"never closed,2\nx,3\n").unwrap_err();
        assert_eq!(err, crate::Mistake::UnclosedQuote.at_line(3));
    }

    #[test]
    fn a_row_wider_than_its_header_is_refused_naming_its_line() {
        let errors = csv_rows(b"unit,code,points\nU1,1.8.1,1,5\nU2,1.8.1,2,\n\nU3,1.8.1,\"1,5\"\n")
            .unwrap_err();
        assert_eq!(
            errors,
            [crate::Mistake::TooManyCells {
                found: 4,
                expected: 3
            }
            .at_line(2)],
            "a trailing empty cell and a quoted decimal are fine"
        );
    }
}
