//! Text people type for codes and names: stored trimmed and in Unicode NFC (a code typed with
//! decomposed diacritics is the same code), and refused when it holds a character that hides or
//! reorders what is shown — a control, a zero-width or a bidi override — so two codes that look
//! the same are never two codes.
use serde::Serialize;
use ts_rs::TS;
use unicode_normalization::UnicodeNormalization;

use crate::Mistake;

/// Which typed field a mistake is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TextField {
    UnitCode,
    UnitName,
    UnitGroup,
    MemberName,
    MemberTitle,
    CampaignName,
    Province,
    DelegationName,
    DelegationLeader,
    UserName,
}

impl TextField {
    /// The field as the Vietnamese screens name it.
    pub fn label_vi(self) -> &'static str {
        match self {
            TextField::UnitCode => "mã đơn vị",
            TextField::UnitName => "tên đơn vị",
            TextField::UnitGroup => "nhóm đơn vị",
            TextField::MemberName => "tên thành viên",
            TextField::MemberTitle => "chức vụ",
            TextField::CampaignName => "tên đợt thẩm định",
            TextField::Province => "tỉnh",
            TextField::DelegationName => "tên đoàn",
            TextField::DelegationLeader => "trưởng đoàn",
            TextField::UserName => "tên người dùng",
        }
    }
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
