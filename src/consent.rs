//! Consent to show a real person's likeness: who is shown, for what, until when and who signed,
//! kept in sled (`<state>/consent`) and matched to a portrait by its content, so the same
//! photograph under another name is still covered and an edited one is not. A render that
//! shows a real person's portrait without a record in force fails, naming the character;
//! revoking a record makes every later render of that portrait fail again. Records are never
//! deleted: a revoked one stays, with when it was revoked.
//!
//! The store is opened for each use and closed again, so `reel render`, `reel consent` and a
//! user daemon sharing one state folder take turns at it.

use crate::render::cache::sha256_file;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// The person the portrait shows.
    pub person: String,
    /// The portrait's file name when the record was made (for listing).
    pub portrait: String,
    /// The portrait's content, which the record covers.
    pub sha256: String,
    /// What the likeness may be used for.
    pub purpose: String,
    /// The last day it may be used (YYYY-MM-DD); none for no end.
    pub until: Option<String>,
    /// Who gave the consent, as they signed it.
    pub signed_by: String,
    pub created_ms: u64,
    pub revoked_ms: Option<u64>,
}

impl Record {
    /// Whether it allows use on `today` (YYYY-MM-DD).
    pub fn in_force(&self, today: &str) -> bool {
        self.revoked_ms.is_none() && self.until.as_deref().is_none_or(|until| today <= until)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("{0}")]
    Invalid(String),
    #[error("no consent record {0} (see `reel consent list`)")]
    NotFound(String),
    #[error("consent id {0} matches more than one record: give more of it")]
    Ambiguous(String),
    #[error("the consent store {path}: {message}")]
    Store { path: PathBuf, message: String },
}

static DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Where the store lives from now on in this process (the daemon's state folder).
pub fn set_dir(dir: PathBuf) {
    if let Ok(mut current) = DIR.write() {
        *current = Some(dir);
    }
}

/// `<state>/consent`: the daemon's state folder once set, else the user's.
pub fn dir() -> PathBuf {
    DIR.read()
        .ok()
        .and_then(|d| d.clone())
        .unwrap_or_else(crate::daemon::default_state_dir)
        .join("consent")
}

/// The store, open until dropped.
pub struct ConsentStore {
    tree: sled::Db,
    path: PathBuf,
}

impl ConsentStore {
    /// Opens the store at [`dir`], waiting up to two seconds while another process has it.
    pub fn open() -> Result<ConsentStore, ConsentError> {
        Self::open_at(&dir())
    }

    pub fn open_at(path: &Path) -> Result<ConsentStore, ConsentError> {
        let error = |message: String| ConsentError::Store {
            path: path.to_path_buf(),
            message,
        };
        let mut waited = Duration::ZERO;
        loop {
            match sled::Config::new().path(path).open() {
                Ok(tree) => {
                    return Ok(ConsentStore {
                        tree,
                        path: path.to_path_buf(),
                    })
                }
                // Another process holds the lock for a moment (sled says so only in words).
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && waited < Duration::from_secs(2) =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                    waited += Duration::from_millis(50);
                }
                Err(e) => return Err(error(e.to_string())),
            }
        }
    }

    fn store_error(&self, e: impl std::fmt::Display) -> ConsentError {
        ConsentError::Store {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Records consent for the portrait at `portrait`.
    pub fn add(
        &self,
        portrait: &Path,
        person: &str,
        purpose: &str,
        until: Option<&str>,
        signed_by: &str,
    ) -> Result<Record, ConsentError> {
        let invalid = |m: String| ConsentError::Invalid(m);
        for (what, value) in [
            ("person", person),
            ("purpose", purpose),
            ("signed-by", signed_by),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(format!("consent needs a {what}")));
            }
        }
        let until = match until.map(str::trim).filter(|u| !u.is_empty()) {
            Some(until) => {
                if !is_date(until) {
                    return Err(invalid(format!(
                        "until '{until}': give the last day as YYYY-MM-DD"
                    )));
                }
                if until < today().as_str() {
                    return Err(invalid(format!("until {until} is already past")));
                }
                Some(until.to_string())
            }
            None => None,
        };
        let sha256 = sha256_file(portrait)
            .map_err(|e| invalid(format!("portrait {}: {e}", portrait.display())))?;
        let created_ms = now_ms();
        let record = Record {
            id: crate::store::Id::new().to_string().to_ascii_lowercase(),
            person: person.trim().to_string(),
            portrait: portrait
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256,
            purpose: purpose.trim().to_string(),
            until,
            signed_by: signed_by.trim().to_string(),
            created_ms,
            revoked_ms: None,
        };
        self.put(&record)?;
        Ok(record)
    }

    fn put(&self, record: &Record) -> Result<(), ConsentError> {
        let bytes = serde_json::to_vec(record).map_err(|e| self.store_error(e))?;
        self.tree
            .insert(record.id.as_bytes(), bytes)
            .map_err(|e| self.store_error(e))?;
        self.tree.flush().map_err(|e| self.store_error(e))?;
        Ok(())
    }

    /// Every record, oldest first.
    pub fn list(&self) -> Result<Vec<Record>, ConsentError> {
        let mut records = Vec::new();
        for entry in self.tree.iter() {
            let (_, bytes) = entry.map_err(|e| self.store_error(e))?;
            records.push(serde_json::from_slice(&bytes).map_err(|e| self.store_error(e))?);
        }
        Ok(records)
    }

    /// Revokes the record whose id starts with `id`.
    pub fn revoke(&self, id: &str) -> Result<Record, ConsentError> {
        let id = id.trim().to_ascii_lowercase();
        if id.is_empty() {
            return Err(ConsentError::NotFound(id));
        }
        let matching: Vec<Record> = self
            .list()?
            .into_iter()
            .filter(|r| r.id.starts_with(&id))
            .collect();
        let mut record = match matching.len() {
            0 => return Err(ConsentError::NotFound(id)),
            1 => matching
                .into_iter()
                .next()
                .ok_or(ConsentError::NotFound(id))?,
            _ => return Err(ConsentError::Ambiguous(id)),
        };
        if record.revoked_ms.is_none() {
            record.revoked_ms = Some(now_ms());
            self.put(&record)?;
        }
        Ok(record)
    }

    /// A record in force today for a portrait with this content.
    pub fn covering(&self, sha256: &str) -> Result<Option<Record>, ConsentError> {
        let today = today();
        Ok(self
            .list()?
            .into_iter()
            .find(|r| r.sha256 == sha256 && r.in_force(&today)))
    }
}

/// Why the portrait of a real person at `path` may not be shown now, or `Ok` when consent is
/// in force.
pub fn check(path: &Path) -> Result<(), String> {
    let sha256 = sha256_file(path).map_err(|e| format!("cannot read it: {e}"))?;
    let store = ConsentStore::open().map_err(|e| e.to_string())?;
    let records = store.list().map_err(|e| e.to_string())?;
    if store
        .covering(&sha256)
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(());
    }
    let lapsed = records.iter().rev().find(|r| r.sha256 == sha256);
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Err(match lapsed {
        Some(r) if r.revoked_ms.is_some() => format!(
            "the consent {} gave ({}) was revoked; record a new one with `reel consent add`",
            r.person, r.id
        ),
        Some(r) => format!(
            "the consent {} gave ({}) ended on {}; record a new one with `reel consent add`",
            r.person,
            r.id,
            r.until.as_deref().unwrap_or("?")
        ),
        None => format!(
            "no consent is on record for it: record one with `reel consent add {file} \
             --person NAME --purpose TEXT --signed-by TEXT`, or mark a drawn or generated \
             face fictional ([[portrait: NAME = {file}, fictional]])"
        ),
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 3
        && number(parts[0], 4)
        && number(parts[1], 2)
        && number(parts[2], 2)
        && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
}

/// Today's date (UTC), YYYY-MM-DD.
pub fn today() -> String {
    let days = (now_ms() / 86_400_000) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar, Howard
/// Hinnant's algorithm.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_since_the_epoch() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
        assert!(is_date("2027-02-28") && !is_date("2027-2-28") && !is_date("2027-13-01"));
    }

    #[test]
    fn records_cover_their_picture_until_revoked_or_past() {
        let dir = tempfile::tempdir().unwrap();
        let picture = dir.path().join("ada.png");
        std::fs::write(&picture, b"not really a png").unwrap();
        let store = ConsentStore::open_at(&dir.path().join("consent")).unwrap();
        let sha = sha256_file(&picture).unwrap();
        assert!(store.covering(&sha).unwrap().is_none());

        let record = store
            .add(
                &picture,
                "Ada L.",
                "a demo video",
                Some("2999-12-31"),
                "Ada L.",
            )
            .unwrap();
        assert_eq!(
            store.covering(&sha).unwrap().map(|r| r.id),
            Some(record.id.clone())
        );
        assert!(record.in_force("2999-12-31") && !record.in_force("3000-01-01"));

        let revoked = store.revoke(&record.id[..8]).unwrap();
        assert!(revoked.revoked_ms.is_some());
        assert!(store.covering(&sha).unwrap().is_none());
        // Kept, with its revocation.
        assert_eq!(store.list().unwrap().len(), 1);

        for bad in [
            store.add(&picture, " ", "x", None, "y"),
            store.add(&picture, "p", "x", Some("2001-01-01"), "y"),
            store.add(&picture, "p", "x", Some("soon"), "y"),
        ] {
            assert!(matches!(bad, Err(ConsentError::Invalid(_))));
        }
        assert!(matches!(
            store.revoke("zzz"),
            Err(ConsentError::NotFound(_))
        ));
    }
}
