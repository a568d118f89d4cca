//! Canonical JSON (RFC 8785), the ground every signed file and hash stands on: a strict parse
//! that refuses duplicate keys, the canonical bytes of a value, and their SHA-256. It imports
//! nothing of the domain.
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::{Error, Result};

/// RFC 8785 canonical JSON bytes.
pub fn canonical_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_jcs::to_vec(value).map_err(|e| Error::internal(format!("không ghi được JSON: {e}")))
}

/// Why a JSON document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// Not JSON: where the text breaks.
    Invalid {
        line: usize,
        column: usize,
    },
    DuplicateKey(String),
    NonCanonical,
}

/// Parses JSON refusing duplicate keys, then requires the bytes to be exactly the RFC 8785
/// canonical form (so one result has one byte sequence, and one hash).
pub fn parse_canonical(bytes: &[u8]) -> std::result::Result<Value, JsonProblem> {
    let value = parse_strict(bytes)?;
    match serde_jcs::to_vec(&value) {
        Ok(c) if c == bytes => Ok(value),
        _ => Err(JsonProblem::NonCanonical),
    }
}

/// Parses JSON refusing duplicate keys (serde_json alone keeps the last silently).
pub fn parse_strict(bytes: &[u8]) -> std::result::Result<Value, JsonProblem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue::deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v.0))
        .map_err(|e| {
            let msg = e.to_string();
            match msg.strip_prefix(DUPLICATE) {
                Some(rest) => JsonProblem::DuplicateKey(
                    rest.split(" at line").next().unwrap_or(rest).to_string(),
                ),
                None => JsonProblem::Invalid {
                    line: e.line(),
                    column: e.column(),
                },
            }
        })?;
    Ok(value)
}

const DUPLICATE: &str = "duplicate key ";

/// A `serde_json::Value` that refuses an object with the same key twice (serde_json keeps the
/// last one silently, which would let two readers see two different documents).
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key:?}")));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// SHA-256 over the canonical (RFC 8785) form of a JSON value, lowercase hex.
pub fn canonical_sha256(value: &Value) -> String {
    let bytes = serde_jcs::to_vec(value).expect("a serde_json::Value always serialises");
    crate::digest::sha256_hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_only() {
        assert_eq!(
            parse_canonical(br#"{"a":1,"b":[true,null,"x"]}"#).unwrap(),
            serde_json::json!({"a":1,"b":[true,null,"x"]})
        );
        assert_eq!(
            parse_canonical(br#"{"b":1,"a":2}"#),
            Err(JsonProblem::NonCanonical)
        );
        assert_eq!(
            parse_canonical(br#"{"a": 1}"#),
            Err(JsonProblem::NonCanonical)
        );
        assert_eq!(
            parse_canonical(b"{\"a\":1}\n"),
            Err(JsonProblem::NonCanonical)
        );
        assert_eq!(
            parse_canonical(br#"{"a":1,"a":2}"#),
            Err(JsonProblem::DuplicateKey("\"a\"".into()))
        );
        assert_eq!(
            parse_canonical(br#"{"x":{"k":1,"k":1}}"#),
            Err(JsonProblem::DuplicateKey("\"k\"".into()))
        );
        assert!(matches!(
            parse_canonical(b"{\"a\":"),
            Err(JsonProblem::Invalid { .. })
        ));
        // Vietnamese text stays as UTF-8, not \u escapes, in canonical form.
        assert!(parse_canonical("{\"t\":\"Nội vụ\"}".as_bytes()).is_ok());
    }
}
