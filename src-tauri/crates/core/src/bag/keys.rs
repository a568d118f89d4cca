//! Signing keys: Ed25519 in minisign's formats. The secret key is always kept in minisign's
//! encrypted box (scrypt + XOR, checksummed); the passphrase is never stored.
use std::path::Path;

use minisign::{KeyPair, PublicKey, SecretKey, SecretKeyBox};
use serde::Serialize;
use ts_rs::TS;

use crate::{Error, Mistake, Result};

/// What people are shown of a key, and what Sở Nội vụ receives as the `.pub` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KeyInfo {
    /// minisign's key id: 16 upper-case hex digits, as `minisign` prints it.
    pub key_id: String,
    /// The base64 line of the public key.
    pub public_key: String,
    /// The whole `.pub` file (untrusted comment + base64 line).
    pub pub_file: String,
    /// The SHA-256 of the whole public key, in groups of four for reading aloud: what people
    /// compare by phone or on paper (the key id is 8 bytes any key file may state).
    pub fingerprint: String,
}

/// A key id as minisign prints it: the 8 key-number bytes read little-endian, in hex.
pub fn key_id(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&keynum[..8]);
    format!("{:016X}", u64::from_le_bytes(bytes))
}

/// What minisign refuses when making or encoding a key: a fault, never the person's doing.
fn key_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{what}: {e}"))
}

/// The shortest passphrase a new signing key accepts: the secret key file may be copied with the
/// laptop, and only the passphrase stands between it and a forged signature.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Creates a key pair; returns the encrypted secret-key file text and the public key.
pub fn new_key(passphrase: &str, label: &str) -> Result<(String, KeyInfo)> {
    if passphrase.is_empty() {
        return Err(Mistake::PassphraseEmpty.into());
    }
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Mistake::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        }
        .into());
    }
    let KeyPair { pk, sk } = KeyPair::generate_encrypted_keypair(Some(passphrase.to_string()))
        .map_err(|e| key_error("cannot create key", e))?;
    let comment = format!("thamdinh encrypted secret key {}", one_line(label));
    let sk_text = sk
        .to_box(Some(comment.trim()))
        .map_err(|e| key_error("cannot encode key", e))?
        .into_string();
    Ok((sk_text, info(&pk)?))
}

/// Writes a new key pair: the encrypted secret key at `out`, the public key at `out.pub`.
/// Refuses to overwrite either file, so a key in use is never lost.
pub fn write_new_key(out: &Path, passphrase: &str, label: &str) -> Result<KeyInfo> {
    let pub_path = pub_path(out);
    for p in [out, pub_path.as_path()] {
        if p.exists() {
            return Err(Error::TargetExists(p.to_path_buf()));
        }
    }
    let (sk_text, info) = new_key(passphrase, label)?;
    crate::files::write_atomic(out, sk_text.as_bytes())?;
    set_mode(out, 0o600)?;
    crate::files::write_atomic(&pub_path, info.pub_file.as_bytes())?;
    set_mode(&pub_path, 0o644)?;
    Ok(info)
}

/// `key.key` → `key.key.pub` (minisign's own habit is `x.key` / `x.pub`; the issue asks PATH.pub).
pub fn pub_path(secret: &Path) -> std::path::PathBuf {
    let mut s = secret.as_os_str().to_owned();
    s.push(".pub");
    s.into()
}

/// The secret key readable by its owner only; the public key by anyone.
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}
#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

fn info(pk: &PublicKey) -> Result<KeyInfo> {
    let pub_file = pk
        .to_box()
        .map_err(|e| key_error("cannot encode public key", e))?
        .into_string();
    Ok(KeyInfo {
        key_id: key_id(pk.keynum()),
        public_key: pk.to_base64(),
        pub_file,
        fingerprint: fingerprint(pk),
    })
}

/// The SHA-256 of the whole public key (algorithm, key number and Ed25519 key), upper-case hex in
/// groups of four: two keys with the same id never share it.
pub fn fingerprint(pk: &PublicKey) -> String {
    let hex = crate::digest::sha256_hex(&pk.to_bytes()).to_uppercase();
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two public keys are the same key: every byte, never the id alone.
pub fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.to_bytes() == b.to_bytes()
}

/// [`KeyInfo`] of a public key read from a `.pub` file's text.
pub fn public_key_info(text: &str) -> Result<KeyInfo> {
    let (pk, _) = parse_public_key(text)?;
    info(&pk)
}

/// Opens an encrypted secret key with its passphrase.
pub fn open_secret_key(text: &str, passphrase: &str) -> Result<(SecretKey, KeyInfo)> {
    if parse_public_key(text).is_ok() {
        return Err(Error::NotASecretKey(
            "đây là khóa công khai (.pub), không phải khóa bí mật: hãy chọn tệp khóa bí mật".into(),
        ));
    }
    // A minisign secret key file: a comment line, then 158 bytes in base64 (212 characters).
    // Anything else is not a key at all — never a "wrong passphrase".
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let looks_like_key = lines
        .next()
        .is_some_and(|l| l.starts_with("untrusted comment:"))
        && lines.next().is_some_and(|l| {
            l.len() == 212
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        });
    if !looks_like_key {
        return Err(Error::NotASecretKey(
            "tệp này không phải khóa bí mật minisign: hãy chọn tệp khóa bí mật do `thamdinh key new` tạo".into(),
        ));
    }
    let sk_box = SecretKeyBox::from_string(text)
        .map_err(|_| Error::NotASecretKey("không phải tệp khóa bí mật minisign".into()))?;
    if SecretKey::from_unencrypted_box(sk_box.clone()).is_ok() {
        return Err(Error::NotASecretKey(
            "khóa bí mật không được mã hóa; Thẩm Định chỉ dùng khóa có mật khẩu".into(),
        ));
    }
    let sk =
        SecretKey::from_box(sk_box, Some(passphrase.to_string())).map_err(|_| WrongPassphrase)?;
    if sk.is_encrypted() {
        return Err(WrongPassphrase.into());
    }
    let pk = PublicKey::from_secret_key(&sk).map_err(|e| key_error("bad secret key", e))?;
    Ok((sk, info(&pk)?))
}

/// The passphrase does not open the key.
#[derive(Debug)]
pub struct WrongPassphrase;

impl From<WrongPassphrase> for Error {
    fn from(_: WrongPassphrase) -> Self {
        Error::WrongPassphrase
    }
}

/// Reads a public key from a `.pub` file's text (or its bare base64 line). Strict: exactly one
/// key line, minisign's Ed25519 algorithm bytes, not the all-zero key.
pub fn parse_public_key(text: &str) -> Result<(PublicKey, String)> {
    let key_lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .collect();
    let line = match key_lines.as_slice() {
        [one] => *one,
        [] => return Err(Mistake::NotAPublicKey.into()),
        many => {
            return Err(Mistake::SeveralPublicKeys { count: many.len() }.into());
        }
    };
    let pk = PublicKey::from_base64(line).map_err(|_| Mistake::NotAPublicKey)?;
    let bytes = pk.to_bytes();
    if &bytes[..2] != b"Ed" {
        return Err(Mistake::NotAnEd25519Key.into());
    }
    if bytes[10..].iter().all(|&b| b == 0) {
        return Err(Mistake::PublicKeyAllZero.into());
    }
    let id = key_id(pk.keynum());
    Ok((pk, id))
}

/// The name written into a secret key made by [`new_key`] (its untrusted comment), if any.
pub fn secret_key_label(text: &str) -> Option<String> {
    text.lines()
        .next()?
        .strip_prefix("untrusted comment: thamdinh encrypted secret key ")
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
}

pub use crate::text::one_line;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_key_opens_with_its_passphrase_only() {
        let (sk_text, info) = new_key("mật khẩu dài", "Nguyễn Văn A").unwrap();
        assert!(
            sk_text.starts_with("untrusted comment: thamdinh encrypted secret key Nguyễn Văn A\n")
        );
        assert_eq!(info.key_id.len(), 16);
        assert!(info.pub_file.contains(&info.key_id));
        let (_, opened) = open_secret_key(&sk_text, "mật khẩu dài").unwrap();
        assert_eq!(opened, info);
        assert_eq!(secret_key_label(&sk_text).as_deref(), Some("Nguyễn Văn A"));
        assert_eq!(
            secret_key_label(&new_key("mật khẩu đủ dài", "").unwrap().0),
            None
        );
        let err = open_secret_key(&sk_text, "mật khẩu sai").unwrap_err();
        assert!(err.to_string().contains("sai mật khẩu"), "{err}");
        let (_, id) = parse_public_key(&info.pub_file).unwrap();
        assert_eq!(id, info.key_id);
        assert!(new_key("", "x").is_err());
        let (_, info) = new_key("mật khẩu đủ dài", "x").unwrap();
        let err = open_secret_key(&info.pub_file, "mật khẩu đủ dài")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("không phải khóa bí mật"),
            "a .pub is not a wrong passphrase: {err}"
        );
        let short = new_key("123", "x").unwrap_err().to_string();
        assert!(short.contains("ít nhất 10 ký tự"), "{short}");
        assert!(
            new_key("đủ mười ký", "x").is_ok(),
            "10 characters, diacritics counted once"
        );
    }

    #[test]
    fn a_file_that_is_no_key_is_said_to_be_no_key_not_a_wrong_passphrase() {
        let (sk_text, _) = new_key("mật khẩu đủ dài", "x").unwrap();
        let cut = &sk_text[..sk_text.len() / 2];
        for garbage in [
            "",
            "garbage",
            "%PDF-1.4\n",
            "untrusted comment: x\nAAAA\n",
            cut,
        ] {
            let err = open_secret_key(garbage, "mật khẩu đủ dài")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("không phải khóa bí mật") && !err.contains("sai mật khẩu"),
                "{garbage:?}: {err}"
            );
        }
    }

    #[test]
    fn write_new_key_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("me.key");
        let info = write_new_key(&out, "mật khẩu đủ dài", "A").unwrap();
        let pub_text = std::fs::read_to_string(pub_path(&out)).unwrap();
        assert_eq!(pub_text, info.pub_file);
        assert!(write_new_key(&out, "mật khẩu đủ dài", "A").is_err());
        assert_eq!(std::fs::read_to_string(pub_path(&out)).unwrap(), pub_text);
    }
}
