//! Text people type for codes and names: stored trimmed and in Unicode NFC (a code typed with
//! decomposed diacritics is the same code), and refused when it holds a character that hides or
//! reorders what is shown — a control, a zero-width or a bidi override — so two codes that look
//! the same are never two codes.
use unicode_normalization::UnicodeNormalization;

use crate::Mistake;

pub use crate::mistake::TextField;

/// One line of text, its control characters (line breaks, tabs) turned into spaces and trimmed:
/// what a minisign comment, a setting or a bag-info value may hold.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Trimmed and in NFC: the form every code is compared in.
pub fn nfc(text: &str) -> String {
    text.trim().nfc().collect()
}

/// A code or name as stored ([`nfc`]), or the mistake naming the hidden character.
pub fn clean(field: TextField, text: &str) -> Result<String, Mistake> {
    let text = nfc(text);
    match text.chars().find(|c| hides(*c)) {
        Some(c) => Err(Mistake::HiddenCharacter {
            field,
            text: text.chars().filter(|c| !hides(*c)).collect(),
            codepoint: format!("U+{:04X}", c as u32),
        }),
        None => Ok(text),
    }
}

/// Controls, zero-width characters, the soft hyphen and bidirectional formatting.
fn hides(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_diacritics_are_the_same_text_and_hidden_characters_are_refused() {
        let composed = "XÃ-ĐÔNG";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(clean(TextField::UnitCode, &decomposed).unwrap(), composed);
        assert_eq!(nfc(&format!("  {decomposed} ")), composed);
        for (text, at) in [
            ("X\u{200B}1", "U+200B"),
            ("X1\u{202E}", "U+202E"),
            ("X\u{0007}1", "U+0007"),
            ("\u{FEFF}X1", "U+FEFF"),
            ("X\u{2066}1", "U+2066"),
        ] {
            let err = clean(TextField::UnitCode, text).unwrap_err();
            assert_eq!(
                err,
                Mistake::HiddenCharacter {
                    field: TextField::UnitCode,
                    text: "X1".into(),
                    codepoint: at.into()
                }
            );
        }
    }
}
