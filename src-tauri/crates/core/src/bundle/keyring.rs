//! This laptop's signing key and the public keys it trusts, kept with the store: the encrypted
//! secret key and its `.pub` in `<data dir>/keys/`, the trust list in its own table.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::verify::TrustedKey;
use crate::bag::keys::{self, KeyInfo};
use crate::mistake::Missing;
use crate::store::Store;
use crate::{Error, Mistake, Result};

/// A public key on the trust list (e.g. each delegation's key, at Sở Nội vụ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrustedKeyEntry {
    pub key_id: String,
    pub public_key: String,
    /// The SHA-256 of the whole key, grouped for reading aloud (see [`keys::fingerprint`]).
    pub fingerprint: String,
    /// Whose key it is, as the person adding it wrote. A label grants nothing.
    pub label: String,
    /// The delegation Sở Nội vụ made this key a member of (empty: none). Members of one
    /// delegation may revise each other's bundles and co-sign them.
    pub delegation: String,
    pub added_at: String,
    /// When the key was revoked (a lost laptop, a member who left): bundles it signs are refused
    /// from then on, and those already imported are flagged for review.
    pub revoked_at: Option<String>,
    pub revoke_reason: String,
}

/// The trust list as stored, read through `conn` (the store's connection or a transaction of it).
pub(crate) fn read_trusted_keys(conn: &rusqlite::Connection) -> Result<Vec<TrustedKeyEntry>> {
    let mut stmt = conn.prepare(
        "SELECT key_id, public_key, label, added_at, revoked_at, revoke_reason, delegation
         FROM trusted_key ORDER BY added_at, key_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let public_key: String = r.get(1)?;
        Ok(TrustedKeyEntry {
            key_id: r.get(0)?,
            fingerprint: keys::parse_public_key(&public_key)
                .map(|(pk, _)| keys::fingerprint(&pk))
                .unwrap_or_default(),
            public_key,
            label: r.get(2)?,
            added_at: r.get(3)?,
            revoked_at: r.get(4)?,
            revoke_reason: r.get(5)?,
            delegation: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The entry for a key id, if any.
pub(crate) fn trusted_entry(
    conn: &rusqlite::Connection,
    key_id: &str,
) -> Result<Option<TrustedKeyEntry>> {
    let key_id = key_id.trim().to_uppercase();
    Ok(read_trusted_keys(conn)?
        .into_iter()
        .find(|k| k.key_id == key_id))
}

/// Puts a public key on the trust list through `conn` (inside the caller's transaction when it
/// writes more): a new entry, or the same key under a new name (an empty name keeps the old
/// one). The key is the whole public key: a *different* key stating the id of one already
/// trusted is refused (two keys, one id, and a bundle of either could be checked with the
/// other's). A revoked key stays revoked: trusting it again would undo a deliberate act
/// silently. Returns the key id.
pub(crate) fn put_trusted_key(
    conn: &rusqlite::Connection,
    pub_text: &str,
    label: &str,
) -> Result<String> {
    let (pk, key_id) = keys::parse_public_key(pub_text)?;
    if let Some(k) = trusted_entry(conn, &key_id)? {
        if let Some(revoked_at) = k.revoked_at {
            return Err(Mistake::RevokedKeyTrustedAgain {
                key_id: k.key_id,
                revoked_at,
            }
            .into());
        }
        let (known, _) = keys::parse_public_key(&k.public_key)?;
        if !keys::same_key(&known, &pk) {
            return Err(Mistake::KeyIdTaken {
                key_id: k.key_id,
                label: k.label,
                fingerprint: k.fingerprint,
            }
            .into());
        }
    }
    conn.execute(
        "INSERT INTO trusted_key (key_id, public_key, label, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key_id) DO UPDATE SET
            label = CASE WHEN excluded.label = '' THEN label ELSE excluded.label END",
        rusqlite::params![
            key_id,
            pk.to_base64(),
            keys::one_line(label),
            crate::store::now()
        ],
    )?;
    Ok(key_id)
}

/// Marks a trusted key revoked (when, why), inside the caller's transaction: the one place the
/// trust list's revocations are written (an HQ decision, or a published trust list replayed).
pub(crate) fn set_key_revoked(
    conn: &rusqlite::Connection,
    key_id: &str,
    revoked_at: Option<&str>,
    reason: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE trusted_key SET revoked_at = ?2, revoke_reason = ?3 WHERE key_id = ?1",
        rusqlite::params![key_id, revoked_at, reason],
    )?;
    Ok(())
}

/// Makes a trusted key a member of a delegation (empty: of none), inside the caller's
/// transaction; Sở Nội vụ logs it as a decision.
pub(crate) fn set_key_delegation(
    conn: &rusqlite::Connection,
    key_id: &str,
    delegation: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE trusted_key SET delegation = ?2 WHERE key_id = ?1",
        rusqlite::params![key_id, keys::one_line(delegation)],
    )?;
    Ok(())
}

impl Store {
    /// Writes this laptop's public key (`.pub`, minisign's format) at `path` for Sở Nội vụ;
    /// returns where it went.
    pub fn save_public_key(&self, path: &std::path::Path) -> Result<PathBuf> {
        let key = self
            .signing_key()?
            .ok_or(Error::NotFound(Missing::SigningKey))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        crate::files::write_atomic(path, key.pub_file.as_bytes())?;
        Ok(path.to_path_buf())
    }

    /// Where this laptop's encrypted secret key lives (`<data dir>/keys/signing.key`).
    pub fn signing_key_path(&self) -> Result<PathBuf> {
        Ok(self.data_dir()?.join("keys").join("signing.key"))
    }

    /// This laptop's signing key, if one was created.
    pub fn signing_key(&self) -> Result<Option<KeyInfo>> {
        let pub_path = keys::pub_path(&self.signing_key_path()?);
        match std::fs::read_to_string(&pub_path) {
            Ok(text) => {
                let mut info = keys::public_key_info(&text)?;
                info.pub_file = text;
                Ok(Some(info))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates this laptop's signing key, named after the person using it. Refuses when one
    /// exists: replacing a key that Sở Nội vụ already trusts must be a deliberate act outside.
    pub fn create_signing_key(&self, passphrase: &str) -> Result<KeyInfo> {
        let path = self.signing_key_path()?;
        std::fs::create_dir_all(path.parent().expect("keys dir"))?;
        keys::write_new_key(&path, passphrase, &self.actor()?)
    }

    /// The encrypted secret key's text, for signing.
    pub fn signing_key_text(&self) -> Result<String> {
        std::fs::read_to_string(self.signing_key_path()?)
            .map_err(|_| Error::NotFound(Missing::SigningKey))
    }

    /// The trust list, revoked keys included (oldest first).
    pub fn trusted_keys(&self) -> Result<Vec<TrustedKeyEntry>> {
        read_trusted_keys(&self.conn)
    }

    /// The trust list's entry for a key id, if any.
    pub fn trusted_key(&self, key_id: &str) -> Result<Option<TrustedKeyEntry>> {
        trusted_entry(&self.conn, key_id)
    }

    /// Adds a public key (a `.pub` file's text or its base64 line) to the trust list, or renames
    /// it (see [`put_trusted_key`]).
    pub fn add_trusted_key(&self, pub_text: &str, label: &str) -> Result<TrustedKeyEntry> {
        let key_id = put_trusted_key(&self.conn, pub_text, label)?;
        self.trusted_key(&key_id)?
            .ok_or_else(|| Error::NotFound(Missing::TrustedKey(key_id.to_string())))
    }

    pub fn remove_trusted_key(&self, key_id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM trusted_key WHERE key_id = ?1", [key_id])?;
        Ok(())
    }

    /// The keys a bundle may be signed by to verify here: the trust list and this laptop's own.
    pub fn verification_keys(&self) -> Result<Vec<TrustedKey>> {
        let mut out = Vec::new();
        for k in self
            .trusted_keys()?
            .into_iter()
            .filter(|k| k.revoked_at.is_none())
        {
            out.push(TrustedKey::parse(&k.public_key)?);
        }
        if let Some(own) = self.signing_key()? {
            out.push(TrustedKey::parse(&own.pub_file)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_trust_list_live_with_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(store.signing_key().unwrap(), None);
        assert!(store.signing_key_text().is_err());
        let info = store.create_signing_key("mật khẩu đủ dài").unwrap();
        assert_eq!(store.signing_key().unwrap(), Some(info.clone()));
        assert!(
            store.create_signing_key("mật khẩu đủ dài").is_err(),
            "never replaces a key"
        );
        let other = keys::new_key("mật khẩu khác nữa", "B").unwrap().1;
        let entry = store.add_trusted_key(&other.pub_file, "Đoàn số 2").unwrap();
        assert_eq!(entry.key_id, other.key_id);
        store
            .add_trusted_key(&other.public_key, "Đoàn số 2 (lần hai)")
            .unwrap();
        assert_eq!(store.trusted_keys().unwrap().len(), 1);
        let ids: Vec<_> = store
            .verification_keys()
            .unwrap()
            .into_iter()
            .map(|k| k.key_id)
            .collect();
        assert_eq!(ids, [other.key_id.clone(), info.key_id]);
        store.remove_trusted_key(&other.key_id).unwrap();
        assert!(store.trusted_keys().unwrap().is_empty());
        assert!(store.add_trusted_key("not a key", "x").is_err());
    }

    /// A key whose first two bytes, id and Ed25519 key are given, as a `.pub` line.
    fn pub_line(alg: &[u8; 2], keynum: [u8; 8], pk: [u8; 32]) -> String {
        let mut bytes = alg.to_vec();
        bytes.extend(keynum);
        bytes.extend(pk);
        minisign::PublicKey::from_bytes(&bytes).unwrap().to_base64()
    }

    #[test]
    fn a_different_key_with_a_trusted_id_is_refused_and_malformed_keys_never_enter() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let real = keys::new_key("mật khẩu đủ dài", "HQ").unwrap().1;
        store.add_trusted_key(&real.pub_file, "Sở Nội vụ").unwrap();
        let (real_pk, _) = keys::parse_public_key(&real.pub_file).unwrap();
        let keynum: [u8; 8] = real_pk.keynum().try_into().unwrap();
        // Another Ed25519 key stating the trusted key's id.
        let forged = keys::new_key("mật khẩu đủ dài", "X").unwrap().1;
        let (forged_pk, _) = keys::parse_public_key(&forged.pub_file).unwrap();
        let forged_bytes: [u8; 32] = forged_pk.to_bytes()[10..].try_into().unwrap();
        let collide = pub_line(b"Ed", keynum, forged_bytes);
        let err = store.add_trusted_key(&collide, "Đoàn 1").unwrap_err();
        assert!(
            matches!(err, Error::Mistake(Mistake::KeyIdTaken { ref key_id, .. }) if *key_id == real.key_id),
            "{err}"
        );
        let trusted = store.trusted_keys().unwrap();
        assert_eq!(trusted.len(), 1);
        assert_eq!(trusted[0].label, "Sở Nội vụ", "no silent relabel");
        assert_eq!(trusted[0].public_key, real.public_key);
        assert_ne!(
            keys::fingerprint(&keys::parse_public_key(&collide).unwrap().0),
            trusted[0].fingerprint,
            "same id, another fingerprint"
        );
        for (text, want) in [
            (pub_line(b"ED", keynum, forged_bytes), "not_an_ed25519_key"),
            (pub_line(b"Ed", [7; 8], [0; 32]), "public_key_all_zero"),
            (
                format!("{}\n{}\n", real.pub_file, forged.pub_file),
                "several_public_keys",
            ),
        ] {
            let err = store.add_trusted_key(&text, "x").unwrap_err();
            let Error::Mistake(m) = &err else {
                panic!("{err}")
            };
            let key = serde_json::to_value(m).unwrap()["key"].clone();
            assert_eq!(key, want, "{text}: {err}");
        }
        assert_eq!(store.trusted_keys().unwrap().len(), 1);
    }
}
