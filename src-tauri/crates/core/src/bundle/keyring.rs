//! This laptop's signing key and the public keys it trusts, kept with the store: the encrypted
//! secret key and its `.pub` in `<data dir>/keys/`, the trust list in its own table.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::keys::{self, KeyInfo};
use super::verify::TrustedKey;
use crate::store::Store;
use crate::{Error, Mistake, Result};

/// A public key on the trust list (e.g. each delegation's key, at Sở Nội vụ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrustedKeyEntry {
    pub key_id: String,
    pub public_key: String,
    /// Whose key it is, as the person adding it wrote.
    pub label: String,
    pub added_at: String,
    /// When the key was revoked (a lost laptop, a member who left): bundles it signs are refused
    /// from then on, and those already imported are flagged for review.
    pub revoked_at: Option<String>,
    pub revoke_reason: String,
}

impl Store {
    /// Where this laptop's encrypted secret key lives (`<data dir>/keys/signing.key`).
    pub fn signing_key_path(&self) -> Result<PathBuf> {
        Ok(self.data_dir()?.join("keys").join("signing.key"))
    }

    /// This laptop's signing key, if one was created.
    pub fn signing_key(&self) -> Result<Option<KeyInfo>> {
        let pub_path = keys::pub_path(&self.signing_key_path()?);
        match std::fs::read_to_string(&pub_path) {
            Ok(text) => {
                let (pk, key_id) = keys::parse_public_key(&text)?;
                Ok(Some(KeyInfo {
                    key_id,
                    public_key: pk.to_base64(),
                    pub_file: text,
                }))
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
            .map_err(|_| Error::NotFound("chưa có khóa ký trên máy này: hãy tạo khóa ký".into()))
    }

    /// The trust list, revoked keys included (oldest first).
    pub fn trusted_keys(&self) -> Result<Vec<TrustedKeyEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT key_id, public_key, label, added_at, revoked_at, revoke_reason
             FROM trusted_key ORDER BY added_at, key_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TrustedKeyEntry {
                key_id: r.get(0)?,
                public_key: r.get(1)?,
                label: r.get(2)?,
                added_at: r.get(3)?,
                revoked_at: r.get(4)?,
                revoke_reason: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a public key (a `.pub` file's text or its base64 line) to the trust list, or renames
    /// it. A revoked key stays revoked: trusting it again would undo a deliberate act silently.
    pub fn add_trusted_key(&self, pub_text: &str, label: &str) -> Result<TrustedKeyEntry> {
        let (pk, key_id) = keys::parse_public_key(pub_text)?;
        if let Some(k) = self
            .trusted_keys()?
            .into_iter()
            .find(|k| k.key_id == key_id && k.revoked_at.is_some())
        {
            return Err(Mistake::RevokedKeyTrustedAgain {
                key_id: k.key_id,
                revoked_at: k.revoked_at.unwrap_or_default(),
            }
            .into());
        }
        self.conn.execute(
            "INSERT INTO trusted_key (key_id, public_key, label, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key_id) DO UPDATE SET label = excluded.label",
            rusqlite::params![
                key_id,
                pk.to_base64(),
                keys::one_line(label),
                crate::store::now()
            ],
        )?;
        self.trusted_keys()?
            .into_iter()
            .find(|k| k.key_id == key_id)
            .ok_or_else(|| Error::NotFound(format!("khóa tin cậy {key_id}")))
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
}
