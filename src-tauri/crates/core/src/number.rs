//! Exact decimal numbers as Vietnamese officials write them: `86,33` in text, `1.5` or `1,5` accepted
//! as input. No floating point anywhere in the arithmetic.
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Parses a decimal written with a dot or a comma as the decimal separator (`1.5`, `1,5`, `-0,25`).
/// Rejects thousands separators, exponents and anything else, so `1.000,5` is an error rather than
/// a silently wrong number.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let separators = body.chars().filter(|c| *c == '.' || *c == ',').count();
    let digits_ok = body
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    if body.is_empty()
        || separators > 1
        || !digits_ok
        || !body.starts_with(|c: char| c.is_ascii_digit())
        || body.ends_with(['.', ','])
    {
        return None;
    }
    // A Decimal holds 28 significant digits: more would be rounded silently (0,99…9 → 1).
    let significant = body
        .trim_start_matches(['0', '.', ','])
        .trim_end_matches('0')
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    if significant > 28 {
        return None;
    }
    Decimal::from_str(&t.replace(',', "."))
        .ok()
        .map(|d| d.normalize())
}

/// Parses a date written `dd/mm/yyyy` (as people write it) or `yyyy-mm-dd`.
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    let t = text.trim();
    chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d"))
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
}

/// The years a date or a campaign of this work can have: 14/10/0001 or a campaign of 99999 is a
/// slip of the keyboard, not a date.
pub const YEARS: std::ops::RangeInclusive<i32> = 1945..=2100;

/// Rounds half away from zero ("làm tròn") to `dp` decimals.
pub fn round_half_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Formats for display in Vietnamese: decimal comma, no trailing zeros beyond what is needed
/// (`86,33`, `98`, `0,5`).
pub fn format_vi(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

/// Formats with exactly two decimals and a decimal comma (`88,09`, `100,00`), as indices are shown.
pub fn format_vi_2dp(value: Decimal) -> String {
    format!("{:.2}", round_half_up(value, 2)).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parses_dot_and_comma() {
        assert_eq!(parse_decimal("1.5"), Some(d("1.5")));
        assert_eq!(parse_decimal(" 1,5 "), Some(d("1.5")));
        assert_eq!(parse_decimal("86,33"), Some(d("86.33")));
        assert_eq!(parse_decimal("0"), Some(d("0")));
        assert_eq!(parse_decimal("-0,25"), Some(d("-0.25")));
    }

    #[test]
    fn rejects_ambiguous_or_garbage() {
        for bad in [
            "", "abc", "1.000,5", "1e3", "1,", ",5", "1 5", "NaN", "--1", "+1",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?} should be rejected");
        }
    }

    #[test]
    fn refuses_more_digits_than_a_decimal_holds_instead_of_rounding() {
        let nines = |n: usize| format!("0,{}", "9".repeat(n));
        assert_eq!(
            parse_decimal(&nines(28)).map(|d| d.to_string()),
            Some(format!("0.{}", "9".repeat(28)))
        );
        assert_eq!(parse_decimal(&nines(29)), None, "would be stored as 1");
        assert_eq!(
            parse_decimal("1,50000000000000000000000000000000"),
            Some(d("1.5")),
            "trailing zeros are harmless"
        );
    }

    #[test]
    fn rounds_half_up_and_formats() {
        assert_eq!(round_half_up(d("88.085"), 2), d("88.09"));
        assert_eq!(round_half_up(d("88.0849"), 2), d("88.08"));
        assert_eq!(format_vi(d("86.330")), "86,33");
        assert_eq!(format_vi(d("98.00")), "98");
        assert_eq!(format_vi_2dp(d("100")), "100,00");
        assert_eq!(format_vi_2dp(d("88.0918")), "88,09");
    }
}
