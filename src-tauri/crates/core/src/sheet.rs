//! Spreadsheets as people send them: every sheet of an XLSX (or ODS/XLS) file as text cells with
//! 1-based row numbers, so problems can name sheet, row and column exactly as Excel shows them.

use crate::mistake::Mistake;

/// A sheet's name and its rows, each with its 1-based row number (cells from column A).
pub type Sheet = (String, Vec<(usize, Vec<String>)>);

/// Every sheet of a workbook, in order. Merged cells read as their top-left cell (the others
/// are empty), as Excel stores them. A workbook that makes the reader panic (fuzzing found a
/// cell reference that overflows in calamine) is a damaged file like any other.
pub fn read_sheets(bytes: &[u8]) -> Result<Vec<Sheet>, Mistake> {
    std::panic::catch_unwind(|| read_all(bytes)).unwrap_or(Err(Mistake::UnreadableSpreadsheet))
}

fn read_all(bytes: &[u8]) -> Result<Vec<Sheet>, Mistake> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| Mistake::UnreadableSpreadsheet)?;
    let names = book.sheet_names().to_vec();
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let range = book
            .worksheet_range_at(i)
            .and_then(Result::ok)
            .ok_or_else(|| Mistake::SheetUnreadable {
                sheet: name.clone(),
            })?;
        let first = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                let mut cells = vec![String::new(); first_col];
                cells.extend(row.iter().map(|c| c.to_string()));
                (first + i + 1, cells)
            })
            .collect();
        out.push((name.clone(), rows));
    }
    if out.is_empty() {
        return Err(Mistake::NoSheets);
    }
    Ok(out)
}

/// Excel's name of a 0-based column: 0 → A, 26 → AA.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
