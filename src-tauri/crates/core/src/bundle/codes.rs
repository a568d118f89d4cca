//! Every code a bundle can be refused with, and its words: the table lives on the ground floor
//! ([`crate::rejection`]) so that every signed file's refusal is worded from it.
pub use crate::rejection::{REJECTION_CODES, RejectionWords, rejection_vi, rejection_words};

#[cfg(test)]
mod tests {
    /// Every code the verifier and the bag layer can produce is in the table: read from their
    /// sources.
    #[test]
    fn every_code_of_the_verifier_is_in_the_table() {
        let source = [
            include_str!("verify.rs"),
            include_str!("consistency.rs"),
            include_str!("../bag/archive.rs"),
            include_str!("../bag/tags.rs"),
            include_str!("../bag/signature.rs"),
            include_str!("../bag/small.rs"),
        ]
        .concat();
        let mut missing = Vec::new();
        for (i, _) in source.match_indices("reject(") {
            let rest = source[i + 7..].trim_start();
            if let Some(code) = rest.strip_prefix('"').and_then(|r| r.split('"').next())
                && !code.is_empty()
                && !super::REJECTION_CODES.iter().any(|(c, _, _)| *c == code)
            {
                missing.push(code.to_string());
            }
        }
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
    }
}
