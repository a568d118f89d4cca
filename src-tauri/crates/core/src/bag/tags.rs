//! The tag files of a bag: `bagit.txt`, `bag-info.txt`, the payload manifest and the tag
//! manifest, read (checked, with refusal codes) and written.
use std::collections::{BTreeMap, HashMap};

use super::archive::{Entry, check_name};
use super::{BAGIT_TXT, MANIFEST, Reject, SIGNATURES_DIR, TAG_FILES, TAG_MANIFEST, reject};
use crate::digest::sha256_hex;

/// `bagit.txt` declares BagIt 1.0 in UTF-8 (`not-a-bag` otherwise, or when it is missing).
pub fn check_bagit(read: &mut impl FnMut(&str) -> Reject<Vec<u8>>) -> Reject<()> {
    let bagit = read("bagit.txt").map_err(|r| {
        if r.code == "missing-file" {
            reject("not-a-bag", r.entry, r.message)
        } else {
            r
        }
    })?;
    if normalise_newlines(&bagit) != BAGIT_TXT.as_bytes() {
        return Err(reject(
            "not-a-bag",
            "bagit.txt",
            "không phải BagIt 1.0 UTF-8 (cần BagIt-Version: 1.0, Tag-File-Character-Encoding: UTF-8)",
        ));
    }
    Ok(())
}

/// A field `bag-info.txt` must have (`bad-bag-info` when it has not).
pub fn required_field(fields: &HashMap<String, String>, name: &str) -> Reject<String> {
    fields.get(name).cloned().ok_or_else(|| {
        reject(
            "bad-bag-info",
            "bag-info.txt",
            format!("thiếu trường {name}"),
        )
    })
}

/// Only the known tag files and signatures beside data/: anything else is not covered by the
/// signature.
pub fn check_known_files(entries: &BTreeMap<String, Entry>) -> Reject<()> {
    for path in entries.keys() {
        let known = path.starts_with("data/")
            || TAG_FILES.contains(&path.as_str())
            || path == TAG_MANIFEST
            || (path.starts_with(SIGNATURES_DIR)
                && path.ends_with(".minisig")
                && !path[SIGNATURES_DIR.len()..].contains('/'));
        if !known {
            return Err(reject(
                "unexpected-file",
                path,
                "tệp không thuộc định dạng gói, không được chữ ký bảo vệ",
            ));
        }
    }
    Ok(())
}

/// The tag manifest lists exactly the tag files, each with its hash.
pub fn check_tag_manifest(
    tag_manifest: &[u8],
    read: &mut impl FnMut(&str) -> Reject<Vec<u8>>,
) -> Reject<()> {
    let tag_list = parse_manifest(tag_manifest, TAG_MANIFEST)?;
    for tag in TAG_FILES {
        if !tag_list.contains_key(tag) {
            return Err(reject(
                "unlisted-tag-file",
                tag,
                "tệp thẻ không có trong tagmanifest: chữ ký không bảo vệ nó",
            ));
        }
    }
    for (path, sha) in &tag_list {
        if !TAG_FILES.contains(&path.as_str()) {
            return Err(reject(
                "bad-manifest",
                TAG_MANIFEST,
                format!("liệt kê tệp lạ {path}"),
            ));
        }
        if sha256_hex(&read(path)?) != *sha {
            return Err(reject(
                "hash-mismatch",
                path,
                "SHA-256 không khớp tagmanifest",
            ));
        }
    }
    Ok(())
}

/// Before hashing: the manifest and data/ list the same files, and `Payload-Oxum` (as
/// `bag-info.txt` declares it) says their sizes and count. Returns the payload entries.
pub fn check_payload_listing<'a>(
    entries: &'a BTreeMap<String, Entry>,
    manifest: &BTreeMap<String, String>,
    declared_oxum: &str,
) -> Reject<Vec<&'a Entry>> {
    for path in manifest.keys() {
        if !path.starts_with("data/") {
            return Err(reject(
                "bad-manifest",
                MANIFEST,
                format!("{path} không nằm trong data/"),
            ));
        }
        if !entries.contains_key(path) {
            return Err(reject(
                "missing-payload",
                path,
                "có trong manifest nhưng thiếu trong gói",
            ));
        }
    }
    let payload: Vec<&Entry> = entries
        .values()
        .filter(|e| e.path.starts_with("data/"))
        .collect();
    if let Some(e) = payload.iter().find(|e| !manifest.contains_key(&e.path)) {
        return Err(reject(
            "unlisted-payload",
            &e.path,
            "tệp không có trong manifest",
        ));
    }
    let payload_bytes: u64 = payload.iter().map(|e| e.size).sum();
    let oxum = format!("{payload_bytes}.{}", payload.len());
    if declared_oxum != oxum {
        return Err(reject(
            "oxum-mismatch",
            "bag-info.txt",
            format!("Payload-Oxum {declared_oxum} nhưng gói chứa {oxum}"),
        ));
    }
    Ok(payload)
}

/// `Label: value` lines; continuation lines start with whitespace (RFC 8493 §2.2.2).
pub fn parse_bag_info(bytes: &[u8]) -> Reject<HashMap<String, String>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| reject("bad-bag-info", "bag-info.txt", "không phải UTF-8"))?;
    let mut out: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(label) = &last {
                let v = out.get_mut(label).expect("label inserted");
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(reject(
                "bad-bag-info",
                "bag-info.txt",
                format!("dòng không hợp lệ: {line}"),
            ));
        };
        let label = label.trim().to_string();
        if out.contains_key(&label) && label.starts_with("Bundle-") {
            return Err(reject(
                "bad-bag-info",
                "bag-info.txt",
                format!("trường {label} xuất hiện hai lần"),
            ));
        }
        out.insert(label.clone(), value.trim().to_string());
        last = Some(label);
    }
    Ok(out)
}

/// `<sha256 hex> <path>` lines; paths percent-decode `%0A`, `%0D`, `%25`.
pub fn parse_manifest(bytes: &[u8], name: &str) -> Reject<BTreeMap<String, String>> {
    let bad = |why: String| reject("bad-manifest", name, why);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("không phải UTF-8".into()))?;
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (sha, path) = line
            .split_once(|c: char| c.is_ascii_whitespace())
            .ok_or_else(|| bad(format!("dòng không hợp lệ: {line}")))?;
        let path = path
            .trim_start()
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%");
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!("mã băm không hợp lệ cho {path}")));
        }
        check_name(&path)?;
        if out.insert(path.clone(), sha.to_ascii_lowercase()).is_some() {
            return Err(bad(format!("{path} được liệt kê hai lần")));
        }
    }
    Ok(out)
}

pub fn normalise_newlines(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(|b| *b != b'\r').collect()
}

/// The manifest of files held in memory (path, bytes): each hashed, then [`manifest_text`].
pub fn manifest_of(files: &[(&str, &[u8])]) -> String {
    manifest_text(
        &files
            .iter()
            .map(|(p, b)| (p.to_string(), sha256_hex(b)))
            .collect::<Vec<_>>(),
    )
}

/// One line per file, `<sha256>  <path>`, sorted by path; `%`, CR and LF percent-encoded as
/// RFC 8493 asks.
pub fn manifest_text(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(path, sha)| {
            let p = path
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            format!("{sha}  {p}\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_parse_and_refuse_repeats() {
        let sha = "a".repeat(64);
        let m =
            parse_manifest(format!("{sha}  data/a%25b\n{sha} data/c\n").as_bytes(), "m").unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["data/a%b", "data/c"]);
        assert!(parse_manifest(format!("{sha}  data/a\n{sha}  data/a\n").as_bytes(), "m").is_err());
        assert!(parse_manifest(b"abc  data/a\n", "m").is_err());
    }
}
