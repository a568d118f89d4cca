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
pub fn check_quotes(bytes: &[u8]) -> Result<(), String> {
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
        return Err(format!(
            "dòng {opened_at}: dấu ngoặc kép mở ở dòng này không được đóng"
        ));
    }
    Ok(())
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
        assert!(err.starts_with("dòng 3"), "{err}");
    }
}
