//! The daemon's store: sled at `<state>/db`, opened once into a cheap `Clone` handle.
//!
//! Key schema (every id is a 16-byte ULID, so byte order is creation order):
//!
//! | tree             | key                       | value                     |
//! |------------------|---------------------------|---------------------------|
//! | `meta`           | `schema`                  | u32 big-endian            |
//! | `projects`       | project id                | [`records::ProjectRecord`]|
//! | `scenes`         | project id ++ u32 BE index| [`records::SceneRecord`]  |
//! | `jobs`           | job id                    | [`records::JobRecord`]    |
//! | `project_jobs`   | project id ++ job id      | empty                     |
//! | `assets`         | asset id                  | [`records::AssetRecord`]  |
//! | `assets_by_hash` | sha256 (32 bytes) ++ id   | empty                     |
//! | `revisions`      | project id ++ u32 BE rev. | [`records::RevisionRecord`]|
//!
//! sled blocks: async code calls it through `spawn_blocking`. Changes that touch several
//! trees are one transaction, with closures free of side effects (sled may retry them).

mod id;
pub mod records;

use crate::jobs::model::{Artifact, Job};
pub use id::{BadId, Id};
use records::{AssetRecord, JobRecord, ProjectRecord, RevisionRecord, SceneRecord};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::path::{Path, PathBuf};

/// The schema this build writes. Older stores are migrated on open; newer ones are refused.
pub const SCHEMA: u32 = 1;

/// Steps from schema `n` to `n + 1`, index `n - 1`. Empty while there is only version 1.
const MIGRATIONS: &[fn(&sled::Db) -> sled::Result<()>] = &[];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store at {path}: {source}")]
    Open { path: PathBuf, source: sled::Error },
    #[error(
        "store at {path} has schema {found}, newer than this reel knows ({SCHEMA}): upgrade reel"
    )]
    TooNew { path: PathBuf, found: u32 },
    #[error("store: {0}")]
    Sled(#[from] sled::Error),
    #[error("store: a {what} record cannot be read: {message}")]
    Corrupt { what: &'static str, message: String },
}

/// A project as stored: what its script is and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInfo {
    pub id: Id,
    pub name: String,
    pub title: String,
    /// `plain`, `fountain`, `markdown`, `brief` or `spec`.
    pub format: String,
    pub source: PathBuf,
    pub characters: Vec<String>,
    pub scenes: u32,
    pub created_ms: u64,
    /// How many edits it has had (0: as its file says).
    pub revision: u32,
}

/// An edit of a project, numbered from 1, with the whole script it left.
#[derive(Debug, Clone)]
pub struct Revision {
    pub revision: u32,
    pub at_ms: u64,
    pub edit: crate::project::edit::Edit,
    pub script: crate::render::stages::Script,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SceneInfo {
    pub number: u32,
    pub heading: String,
    pub lines: u32,
    /// Estimated length, seconds.
    pub seconds: f64,
    pub source_line: u32,
}

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    projects: sled::Tree,
    scenes: sled::Tree,
    jobs: sled::Tree,
    project_jobs: sled::Tree,
    assets: sled::Tree,
    assets_by_hash: sled::Tree,
    revisions: sled::Tree,
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Records are plain structs of strings and numbers: serialising them cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    })
}

fn joined(a: &[u8], b: &[u8]) -> Vec<u8> {
    [a, b].concat()
}

fn flatten(err: TransactionError<()>) -> StoreError {
    match err {
        TransactionError::Storage(e) => StoreError::Sled(e),
        TransactionError::Abort(()) => StoreError::Corrupt {
            what: "transaction",
            message: "aborted".into(),
        },
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`, migrating an older schema.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join("db");
        let open_error = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let db = open_db(&path).map_err(open_error)?;
        migrate(&db, &path)?;
        let tree = |name: &str| db.open_tree(name).map_err(open_error);
        Ok(Store {
            projects: tree("projects")?,
            scenes: tree("scenes")?,
            jobs: tree("jobs")?,
            project_jobs: tree("project_jobs")?,
            assets: tree("assets")?,
            assets_by_hash: tree("assets_by_hash")?,
            revisions: tree("revisions")?,
            path,
            db,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the store takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// Writes `job`, and its project link, durably.
    pub fn put_job(&self, job: &Job) -> Result<(), StoreError> {
        self.put_job_with_artifacts(job, &[])
    }

    /// Writes `job` and records `artifacts` (with their hash index) in one transaction, so a
    /// stage is never marked done without its artifacts or the other way round.
    pub fn put_job_with_artifacts(
        &self,
        job: &Job,
        artifacts: &[Artifact],
    ) -> Result<(), StoreError> {
        let key = job.id.key();
        let value = encode(&JobRecord::from(job));
        let link = job.project.map(|p| joined(&p.key(), &key));
        let new_assets: Vec<(Id, Vec<u8>, Vec<u8>)> = artifacts
            .iter()
            .map(|a| {
                let id = Id::new();
                let record = encode(&AssetRecord::new(job.id, crate::jobs::model::now_ms(), a));
                let hash = hex_to_bytes(&a.sha256);
                (id, record, joined(&hash, &id.key()))
            })
            .collect();
        (
            &self.jobs,
            &self.project_jobs,
            &self.assets,
            &self.assets_by_hash,
        )
            .transaction(|(jobs, project_jobs, assets, by_hash)| {
                jobs.insert(&key[..], value.as_slice())?;
                if let Some(link) = &link {
                    project_jobs.insert(link.as_slice(), &[][..])?;
                }
                for (id, record, index) in &new_assets {
                    assets.insert(&id.key()[..], record.as_slice())?;
                    by_hash.insert(index.as_slice(), &[][..])?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(flatten)?;
        self.db.flush()?;
        Ok(())
    }

    /// Removes finished jobs' records: the job, its project link and the asset records it
    /// made (the files stay). One transaction over the three trees, then a flush.
    pub fn forget_jobs(&self, jobs: &[Job]) -> Result<(), StoreError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let ids: std::collections::HashSet<Id> = jobs.iter().map(|j| j.id).collect();
        let mut assets = Vec::new();
        for entry in self.assets.iter() {
            let (key, value) = entry?;
            let (job, artifact) = decode::<AssetRecord>("asset", &value)?.into_artifact();
            if ids.contains(&job) {
                assets.push((key.to_vec(), joined(&hex_to_bytes(&artifact.sha256), &key)));
            }
        }
        let keys: Vec<([u8; 16], Option<Vec<u8>>)> = jobs
            .iter()
            .map(|j| (j.id.key(), j.project.map(|p| joined(&p.key(), &j.id.key()))))
            .collect();
        (
            &self.jobs,
            &self.project_jobs,
            &self.assets,
            &self.assets_by_hash,
        )
            .transaction(|(jobs, project_jobs, assets_tree, by_hash)| {
                for (key, link) in &keys {
                    jobs.remove(&key[..])?;
                    if let Some(link) = link {
                        project_jobs.remove(link.as_slice())?;
                    }
                }
                for (key, index) in &assets {
                    assets_tree.remove(key.as_slice())?;
                    by_hash.remove(index.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(flatten)?;
        self.db.flush()?;
        Ok(())
    }

    /// Every job, oldest first.
    pub fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        self.jobs
            .iter()
            .values()
            .map(|value| Ok(Job::from(decode::<JobRecord>("job", &value?)?)))
            .collect()
    }

    pub fn job(&self, id: Id) -> Result<Option<Job>, StoreError> {
        match self.jobs.get(id.key())? {
            Some(value) => Ok(Some(Job::from(decode::<JobRecord>("job", &value)?))),
            None => Ok(None),
        }
    }

    /// Jobs of `project`, oldest first.
    pub fn jobs_of(&self, project: Id) -> Result<Vec<Id>, StoreError> {
        self.project_jobs
            .scan_prefix(project.key())
            .keys()
            .map(|key| {
                let key = key?;
                Id::from_key(&key[16..]).ok_or(StoreError::Corrupt {
                    what: "project_jobs",
                    message: "short key".into(),
                })
            })
            .collect()
    }

    /// Writes a project and its scenes in one transaction; `before` is how many scenes it
    /// had, so scenes a shorter script no longer has are removed with it.
    pub fn put_project(
        &self,
        project: &ProjectInfo,
        scenes: &[SceneInfo],
        before: u32,
    ) -> Result<(), StoreError> {
        self.put_project_revision(project, scenes, before, None)
    }

    /// Like [`Store::put_project`], recording `revision` (the edit that made this project) in
    /// the same transaction, so the project's revision number and its history always agree.
    pub fn put_project_revision(
        &self,
        project: &ProjectInfo,
        scenes: &[SceneInfo],
        before: u32,
        revision: Option<&Revision>,
    ) -> Result<(), StoreError> {
        let key = project.id.key();
        let revision = revision.map(|r| {
            (
                joined(&key, &r.revision.to_be_bytes()),
                encode(&RevisionRecord::from(r)),
            )
        });
        let value = encode(&ProjectRecord::from(project));
        let scenes: Vec<(Vec<u8>, Vec<u8>)> = scenes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    joined(&key, &(i as u32).to_be_bytes()),
                    encode(&SceneRecord::from(s)),
                )
            })
            .collect();
        let gone: Vec<Vec<u8>> = (scenes.len() as u32..before)
            .map(|i| joined(&key, &i.to_be_bytes()))
            .collect();
        (&self.projects, &self.scenes, &self.revisions)
            .transaction(|(projects, scene_tree, revisions)| {
                projects.insert(&key[..], value.as_slice())?;
                if let Some((k, v)) = &revision {
                    revisions.insert(k.as_slice(), v.as_slice())?;
                }
                for (k, v) in &scenes {
                    scene_tree.insert(k.as_slice(), v.as_slice())?;
                }
                for k in &gone {
                    scene_tree.remove(k.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(flatten)?;
        self.db.flush()?;
        Ok(())
    }

    /// Every project, oldest first.
    pub fn projects(&self) -> Result<Vec<ProjectInfo>, StoreError> {
        self.projects
            .iter()
            .values()
            .map(|value| Ok(decode::<ProjectRecord>("project", &value?)?.into()))
            .collect()
    }

    pub fn scenes(&self, project: Id) -> Result<Vec<SceneInfo>, StoreError> {
        self.scenes
            .scan_prefix(project.key())
            .values()
            .map(|value| Ok(decode::<SceneRecord>("scene", &value?)?.into()))
            .collect()
    }

    /// Every edit of `project`, oldest first.
    pub fn revisions(&self, project: Id) -> Result<Vec<Revision>, StoreError> {
        self.revisions
            .scan_prefix(project.key())
            .values()
            .map(|value| Ok(decode::<RevisionRecord>("revision", &value?)?.into()))
            .collect()
    }

    /// Edit `revision` of `project`.
    pub fn revision(&self, project: Id, revision: u32) -> Result<Option<Revision>, StoreError> {
        self.revisions
            .get(joined(&project.key(), &revision.to_be_bytes()))?
            .map(|value| Ok(decode::<RevisionRecord>("revision", &value)?.into()))
            .transpose()
    }

    /// Artifacts recorded with content `sha256`, with the job that made each.
    pub fn assets_with_hash(&self, sha256: &str) -> Result<Vec<(Id, Artifact)>, StoreError> {
        self.assets_by_hash
            .scan_prefix(hex_to_bytes(sha256))
            .keys()
            .filter_map(|key| {
                let key = key.ok()?;
                let id = Id::from_key(&key[32..])?;
                self.assets.get(id.key()).ok().flatten()
            })
            .map(|value| Ok(decode::<AssetRecord>("asset", &value)?.into_artifact()))
            .collect()
    }

    pub fn asset_count(&self) -> usize {
        self.assets.len()
    }
}

/// Opens sled, waiting up to [`LOCK_WAIT`] for the lock: a killed daemon's lock is released
/// only once the kernel has finished tearing the process down, and a restart can come sooner.
fn open_db(path: &Path) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match sled::Config::new()
            .path(path)
            .mode(sled::Mode::LowSpace)
            .open()
        {
            Err(sled::Error::Io(err))
                if err.kind() == std::io::ErrorKind::WouldBlock
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(sled::Error::Io(err)) if err.kind() == std::io::ErrorKind::WouldBlock => {
                return Err(sled::Error::Io(std::io::Error::new(
                    err.kind(),
                    "another process (a second reel daemon?) holds this store",
                )))
            }
            other => return other,
        }
    }
}

const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Brings the store to [`SCHEMA`], one step at a time, recording each step.
fn migrate(db: &sled::Db, path: &Path) -> Result<(), StoreError> {
    let meta = db.open_tree("meta")?;
    let found = match meta.get("schema")? {
        Some(bytes) => {
            u32::from_be_bytes(bytes.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                what: "schema version",
                message: format!("{} bytes", bytes.len()),
            })?)
        }
        // A new store starts at the current schema.
        None => SCHEMA,
    };
    if found > SCHEMA {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
        });
    }
    for version in found..SCHEMA {
        tracing::info!(from = version, to = version + 1, "migrating the store");
        MIGRATIONS[version as usize - 1](db)?;
        meta.insert("schema", &(version + 1).to_be_bytes())?;
    }
    meta.insert("schema", &SCHEMA.to_be_bytes())?;
    db.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::model::{JobOptions, JobState, StageName, StageState};

    fn artifact(hash: char) -> Artifact {
        Artifact {
            kind: "speech".into(),
            path: "/x.wav".into(),
            sha256: hash.to_string().repeat(64),
            size: 3,
        }
    }

    #[test]
    fn jobs_round_trip_in_creation_order_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let project = Id::new();
        let mut ids = Vec::new();
        {
            let store = Store::open(dir.path()).unwrap();
            for n in 0..3 {
                let mut job = Job::new(
                    Id::new(),
                    format!("/s/{n}.txt").into(),
                    JobOptions::default(),
                    Some(project),
                );
                job.stage_mut(StageName::Parse).unwrap().state = StageState::Done;
                store
                    .put_job_with_artifacts(&job, &[artifact('a')])
                    .unwrap();
                ids.push(job.id);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        let store = Store::open(dir.path()).unwrap();
        let jobs = store.jobs().unwrap();
        assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), ids);
        assert_eq!(jobs[0].state, JobState::Queued);
        assert_eq!(
            jobs[0].stage(StageName::Parse).unwrap().state,
            StageState::Done
        );
        assert_eq!(store.jobs_of(project).unwrap(), ids);
        assert_eq!(store.assets_with_hash(&"a".repeat(64)).unwrap().len(), 3);
        assert!(store.assets_with_hash(&"b".repeat(64)).unwrap().is_empty());
    }

    #[test]
    fn a_newer_schema_is_refused_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path().join("db")).unwrap();
            let meta = db.open_tree("meta").unwrap();
            meta.insert("schema", &99u32.to_be_bytes()).unwrap();
            db.flush().unwrap();
        }
        let err = Store::open(dir.path()).err().expect("refused");
        assert!(err.to_string().contains("schema 99"), "{err}");
    }

    #[test]
    fn projects_keep_their_scenes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let project = ProjectInfo {
            id: Id::new(),
            name: "demo".into(),
            title: "Demo".into(),
            format: "plain".into(),
            source: "/s/demo.txt".into(),
            characters: vec!["NARRATOR".into()],
            scenes: 2,
            created_ms: 1,
            revision: 0,
        };
        let scenes: Vec<SceneInfo> = (1..=2)
            .map(|n| SceneInfo {
                number: n,
                heading: format!("Scene {n}"),
                lines: n,
                seconds: 3.0,
                source_line: n,
            })
            .collect();
        store.put_project(&project, &scenes, 0).unwrap();
        assert_eq!(store.projects().unwrap(), vec![project.clone()]);
        assert_eq!(store.scenes(project.id).unwrap(), scenes);
        // The script lost a scene: the store forgets it too.
        store.put_project(&project, &scenes[..1], 2).unwrap();
        assert_eq!(store.scenes(project.id).unwrap(), scenes[..1]);
    }
}
