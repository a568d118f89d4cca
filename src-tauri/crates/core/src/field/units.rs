//! Units (đơn vị) of a campaign and its delegation's members: one unit at a time from the form,
//! or a whole list from CSV/XLSX (all or nothing, every bad line named).
use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::csv_text::csv_rows;
use crate::mistake::Missing;
use crate::store::Store;
use crate::{Error, Mistake, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Member {
    pub id: String,
    pub campaign_id: String,
    pub name: String,
    pub title: String,
    /// leader, member or secretary.
    pub role: String,
}

/// Unit types (loại đơn vị) and the labels people write for them in imported lists.
pub const UNIT_TYPES: &[(&str, &[&str])] = &[
    (
        "so_ban_nganh",
        &["so", "sở", "so_ban_nganh", "sở, ban, ngành", "ban", "ngành"],
    ),
    ("xa", &["xa", "xã"]),
    ("phuong", &["phuong", "phường"]),
    ("dac_khu", &["dac_khu", "đặc khu"]),
    ("huyen", &["huyen", "huyện"]),
];

/// The canonical unit type for what a person wrote (`"Xã"` → `xa`), if any.
pub fn unit_type(text: &str) -> Option<&'static str> {
    let t = text.trim().to_lowercase();
    UNIT_TYPES
        .iter()
        .find(|(_, names)| names.contains(&t.as_str()))
        .map(|(k, _)| *k)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Unit {
    pub id: String,
    pub campaign_id: String,
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The ranking group (nhóm) the plan puts the unit in; empty: by its type (see [`unit_group`]).
    pub group: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[serde(default)]
    #[ts(optional)]
    pub group: Option<String>,
}

/// The group a unit is ranked in: the one the plan gave it, else by type — sở; phường; xã with
/// đặc khu (as provinces rank them); huyện.
pub fn unit_group(unit: &Unit) -> String {
    if !unit.group.trim().is_empty() {
        return unit.group.trim().to_string();
    }
    match unit.unit_type.as_str() {
        "dac_khu" => "xa".into(),
        other => other.into(),
    }
}

fn unit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Unit> {
    Ok(Unit {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        code: r.get(2)?,
        name: r.get(3)?,
        unit_type: r.get(4)?,
        latitude: r.get(5)?,
        longitude: r.get(6)?,
        group: r.get(7)?,
    })
}

/// Deletes a campaign's members and units inside the caller's transaction.
pub(crate) fn delete_units_of(tx: &rusqlite::Connection, campaign_id: &str) -> Result<()> {
    tx.execute("DELETE FROM member WHERE campaign_id = ?1", [campaign_id])?;
    tx.execute("DELETE FROM unit WHERE campaign_id = ?1", [campaign_id])?;
    Ok(())
}

/// Deletes one unit's row (one without recorded work).
pub(crate) fn delete_unit_row(conn: &rusqlite::Connection, unit_id: &str) -> Result<()> {
    conn.execute("DELETE FROM unit WHERE id = ?1", [unit_id])?;
    Ok(())
}

/// Writes a unit row inside the caller's transaction: the one place the unit table is inserted
/// into (a unit typed here, from a list, or arriving with a plan).
pub(crate) fn insert_unit_row(conn: &rusqlite::Connection, u: &Unit) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO unit (id, campaign_id, code, name, unit_type, latitude, longitude, unit_group) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![u.id, u.campaign_id, u.code, u.name, u.unit_type, u.latitude, u.longitude, u.group],
    )
}

/// Writes a delegation member's row inside the caller's transaction.
pub(crate) fn insert_member_row(conn: &rusqlite::Connection, m: &Member) -> Result<()> {
    conn.execute(
        "INSERT INTO member (id, campaign_id, name, title, role) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![m.id, m.campaign_id, m.name, m.title, m.role],
    )?;
    Ok(())
}

/// Inserts a checked unit (on a connection or inside a transaction); a code already in the
/// campaign is an error naming it.
fn insert_unit(conn: &rusqlite::Connection, campaign_id: &str, new: &NewUnit) -> Result<Unit> {
    let unit = Unit {
        id: uuid::Uuid::new_v4().to_string(),
        campaign_id: campaign_id.into(),
        code: new.code.clone(),
        name: new.name.clone(),
        unit_type: new.unit_type.clone(),
        latitude: new.latitude,
        longitude: new.longitude,
        group: new.group.clone().unwrap_or_default(),
    };
    match insert_unit_row(conn, &unit) {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(Mistake::UnitCodeTaken {
                code: unit.code.clone(),
            }
            .into())
        }
        other => {
            other?;
            Ok(unit)
        }
    }
}

/// Checks a unit before it is written; the mistake names the field.
pub(crate) fn check_unit(new: &NewUnit) -> std::result::Result<NewUnit, Mistake> {
    use crate::text::{TextField, clean};
    let code = &clean(TextField::UnitCode, &new.code)?;
    let name = &clean(TextField::UnitName, &new.name)?;
    if code.is_empty() {
        return Err(Mistake::UnitCodeEmpty);
    }
    let code_ = || code.to_string();
    if name.is_empty() {
        return Err(Mistake::UnitNameEmpty { code: code_() });
    }
    let Some(kind) = unit_type(&new.unit_type) else {
        return Err(Mistake::UnknownUnitType {
            code: code_(),
            unit_type: new.unit_type.clone(),
        });
    };
    if new.latitude.is_some_and(|v| !(-90.0..=90.0).contains(&v))
        || new
            .longitude
            .is_some_and(|v| !(-180.0..=180.0).contains(&v))
    {
        return Err(Mistake::CoordinatesOutOfRange { code: code_() });
    }
    if new.latitude.is_some() != new.longitude.is_some() {
        return Err(Mistake::CoordinatesHalf { code: code_() });
    }
    Ok(NewUnit {
        code: code.into(),
        name: name.into(),
        unit_type: kind.into(),
        latitude: new.latitude,
        longitude: new.longitude,
        group: new
            .group
            .as_deref()
            .map(|g| clean(TextField::UnitGroup, g))
            .transpose()?
            .filter(|g| !g.is_empty()),
    })
}

/// Reads a unit list from CSV or XLSX bytes (by content: XLSX files are zip archives). The first
/// row names the columns: `code`/`mã`, `name`/`tên`, `type`/`loại`, optional `latitude`/`vĩ độ`,
/// `longitude`/`kinh độ`. Returns rows with their line numbers, or every problem found.
pub fn parse_unit_list(bytes: &[u8]) -> std::result::Result<Vec<(usize, NewUnit)>, Vec<Mistake>> {
    let table = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_rows(bytes)?
    } else {
        csv_rows(bytes)?
    };
    let mut rows = table.into_iter();
    let Some((_, header)) = rows.next() else {
        return Err(vec![Mistake::UnitListEmpty]);
    };
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            names.contains(
                &h.trim()
                    .trim_start_matches('\u{feff}')
                    .to_lowercase()
                    .as_str(),
            )
        })
    };
    let (Some(code), Some(name), Some(kind)) = (
        find(&["code", "mã", "ma"]),
        find(&["name", "tên", "ten"]),
        find(&["type", "loại", "loai"]),
    ) else {
        return Err(vec![
            Mistake::UnitListHeader {
                found: header.join(", "),
            }
            .at_line(1),
        ]);
    };
    let (lat, lon) = (
        find(&["latitude", "vĩ độ", "vi do"]),
        find(&["longitude", "kinh độ", "kinh do"]),
    );
    let group = find(&["group", "nhóm", "nhom"]);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, row) in rows {
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let coordinate = |i: Option<usize>, latitude: bool, errors: &mut Vec<Mistake>| {
            let text = cell(i);
            if text.is_empty() {
                return None;
            }
            match crate::number::parse_decimal(&text)
                .and_then(|d| d.to_string().parse::<f64>().ok())
            {
                Some(v) => Some(v),
                None => {
                    errors.push(Mistake::CoordinateNotANumber { latitude, text }.at_line(line));
                    None
                }
            }
        };
        let before = errors.len();
        let latitude = coordinate(lat, true, &mut errors);
        let longitude = coordinate(lon, false, &mut errors);
        let coordinates_ok = errors.len() == before;
        let unit = NewUnit {
            code: cell(Some(code)),
            name: cell(Some(name)),
            unit_type: cell(Some(kind)),
            latitude,
            longitude,
            group: group.map(|g| cell(Some(g))).filter(|g| !g.is_empty()),
        };
        // Every problem of every line at once, not the first only (a bad coordinate is one).
        if coordinates_ok && let Err(mistake) = check_unit(&unit) {
            errors.push(mistake.at_line(line));
        }
        out.push((line, unit));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn xlsx_rows(bytes: &[u8]) -> std::result::Result<Vec<(usize, Vec<String>)>, Vec<Mistake>> {
    let mut sheets = crate::sheet::read_sheets(bytes).map_err(|m| vec![m])?;
    Ok(sheets.remove(0).1)
}

const UNIT_COLUMNS: &str =
    "id, campaign_id, code, name, unit_type, latitude, longitude, unit_group";

impl Store {
    pub fn add_member(
        &self,
        campaign_id: &str,
        name: &str,
        title: &str,
        role: &str,
    ) -> Result<Member> {
        use crate::text::{TextField, clean};
        let (name, title) = (
            clean(TextField::MemberName, name)?,
            clean(TextField::MemberTitle, title)?,
        );
        if name.is_empty() {
            return Err(Mistake::MemberNameEmpty.into());
        }
        if !["leader", "member", "secretary"].contains(&role) {
            return Err(Mistake::UnknownRole { role: role.into() }.into());
        }
        let m = Member {
            id: uuid::Uuid::new_v4().to_string(),
            campaign_id: campaign_id.into(),
            name,
            title,
            role: role.into(),
        };
        insert_member_row(&self.conn, &m)?;
        Ok(m)
    }

    pub fn members(&self, campaign_id: &str) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, campaign_id, name, title, role FROM member WHERE campaign_id = ?1
             ORDER BY CASE role WHEN 'leader' THEN 0 ELSE 1 END, rowid",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok(Member {
                id: r.get(0)?,
                campaign_id: r.get(1)?,
                name: r.get(2)?,
                title: r.get(3)?,
                role: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn add_unit(&self, campaign_id: &str, new: &NewUnit) -> Result<Unit> {
        self.campaign(campaign_id)?;
        let new = check_unit(new)?;
        insert_unit(&self.conn, campaign_id, &new)
    }

    /// Imports units from a list (rows of code, name, type, optional latitude, longitude).
    /// All or nothing: when any row is bad, nothing is written and every bad row is reported by
    /// its line number.
    pub fn import_units(
        &mut self,
        campaign_id: &str,
        rows: &[(usize, NewUnit)],
    ) -> Result<Vec<Unit>> {
        let existing: std::collections::HashSet<String> = self
            .units(campaign_id)?
            .into_iter()
            .map(|u| u.code)
            .collect();
        let mut seen = HashMap::new();
        let mut mistakes = Vec::new();
        let mut good = Vec::new();
        for (line, row) in rows {
            match check_unit(row) {
                Err(mistake) => mistakes.push(mistake.at_line(*line)),
                Ok(unit) if existing.contains(&unit.code) => {
                    mistakes.push(Mistake::UnitCodeTaken { code: unit.code }.at_line(*line))
                }
                Ok(unit) => match seen.insert(unit.code.clone(), *line) {
                    Some(first_line) => mistakes.push(
                        Mistake::UnitCodeRepeated {
                            code: unit.code,
                            first_line,
                        }
                        .at_line(*line),
                    ),
                    None => good.push(unit),
                },
            }
        }
        if !mistakes.is_empty() {
            return Err(Error::Mistakes(mistakes));
        }
        let tx = self.write_tx()?;
        let out = good
            .iter()
            .map(|unit| insert_unit(&tx, campaign_id, unit))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(out)
    }

    pub fn units(&self, campaign_id: &str) -> Result<Vec<Unit>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {UNIT_COLUMNS} FROM unit WHERE campaign_id = ?1 ORDER BY code"
        ))?;
        let rows = stmt.query_map([campaign_id], unit_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether a campaign has a unit of this code.
    pub fn has_unit(&self, campaign_id: &str, code: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM unit WHERE campaign_id = ?1 AND code = ?2")?
            .exists(rusqlite::params![campaign_id, code])?)
    }

    pub fn unit(&self, id: &str) -> Result<Unit> {
        self.conn
            .query_row(
                &format!("SELECT {UNIT_COLUMNS} FROM unit WHERE id = ?1"),
                [id],
                unit_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::NotFound(Missing::Unit(id.to_string())))
    }
}
