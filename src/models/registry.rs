//! Installed models on disk: one folder per model under the models folder, holding its files
//! and `installed.json` (written last, so a folder without it is not installed), plus
//! `active.json` naming the model each task uses. Every write is temp file + rename.

use super::ModelError;
use crate::render::cache::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstalledFile {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

/// A model as installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Installed {
    pub id: String,
    pub task: String,
    pub files: Vec<InstalledFile>,
    /// `pypi:package==version` or `npm:package@version`.
    pub source: String,
    pub installed_ms: u64,
}

/// The id of the voice reel always has: espeak-ng through GStreamer's `espeak` element.
pub const ESPEAK: &str = "espeak-ng";

/// Models that come with reel itself rather than from a package: nothing to install.
pub fn built_in(id: &str) -> Option<Installed> {
    (id == ESPEAK).then(|| Installed {
        id: ESPEAK.into(),
        task: "tts".into(),
        files: Vec::new(),
        source: "built in (gstreamer1.0-espeak)".into(),
        installed_ms: 0,
    })
}

/// One line of the catalogue: a model reel knows and where it stands here.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub task: String,
    /// `active`, `installed`, `built in` or `available`.
    pub state: &'static str,
    pub description: String,
    pub installed: Option<Installed>,
}

/// A file's name and whether it is intact (or what is wrong with it).
pub type FileCheck = (String, Result<(), String>);

#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
}

impl Registry {
    /// `$REEL_MODELS_DIR`; else reel.toml's `models_dir`; else `models` in the service's state
    /// folder under systemd (`$STATE_DIRECTORY`); else `.deps/models` above the running program
    /// (a built tree, where `make models` installs); else `$XDG_DATA_HOME/reel/models`
    /// (`~/.local/share/reel/models`).
    pub fn locate() -> Registry {
        if let Some(dir) = std::env::var_os("REEL_MODELS_DIR") {
            return Registry::at(dir);
        }
        if let Some(dir) = super::onnx::configured_models_dir() {
            return Registry::at(dir);
        }
        // systemd may list several folders, separated by colons; the first is the service's own.
        if let Some(state) = std::env::var_os("STATE_DIRECTORY") {
            if let Some(first) = state.to_string_lossy().split(':').next() {
                return Registry::at(Path::new(first).join("models"));
            }
        }
        if let Some(deps) = super::deps_dir() {
            return Registry::at(deps.join("models"));
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("/var/lib"));
        Registry::at(data.join("reel/models"))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Registry {
        Registry { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn model_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Where package archives are kept between installs.
    pub fn archive_cache(&self) -> PathBuf {
        self.dir.join(".cache")
    }

    pub fn installed(&self) -> Vec<Installed> {
        let mut all: Vec<Installed> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| self.get(&entry.file_name().to_string_lossy()))
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    pub fn get(&self, id: &str) -> Option<Installed> {
        let text = std::fs::read(self.model_dir(id).join("installed.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Records `installed` in its (complete) folder: the last step of an install.
    pub fn record(&self, folder: &Path, installed: &Installed) -> Result<(), ModelError> {
        let json = serde_json::to_vec_pretty(installed).map_err(|e| ModelError::io(folder, e))?;
        let path = folder.join("installed.json");
        write_atomic(&path, &json).map_err(|e| ModelError::io(&path, e))
    }

    /// Task → model id, as chosen with `activate` (or by the first install of a task).
    pub fn active(&self) -> BTreeMap<String, String> {
        std::fs::read(self.dir.join("active.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The installed model `task` uses now (`None` also when it is a built-in one).
    pub fn active_for(&self, task: &str) -> Option<Installed> {
        self.get(self.active().get(task)?)
    }

    /// Whether `task` was set to a built-in model, e.g. tts to `espeak-ng`.
    pub fn built_in_active(&self, task: &str) -> bool {
        self.active()
            .get(task)
            .is_some_and(|id| built_in(id).is_some())
    }

    /// Makes `id` the model of its task for every job from now on.
    pub fn activate(&self, id: &str) -> Result<Installed, ModelError> {
        let installed = self
            .get(id)
            .or_else(|| built_in(id))
            .ok_or_else(|| ModelError::NotInstalled(id.to_string()))?;
        let mut active = self.active();
        active.insert(installed.task.clone(), installed.id.clone());
        self.write_active(&active)?;
        Ok(installed)
    }

    fn write_active(&self, active: &BTreeMap<String, String>) -> Result<(), ModelError> {
        let path = self.dir.join("active.json");
        let json = serde_json::to_vec_pretty(active).map_err(|e| ModelError::io(&path, e))?;
        write_atomic(&path, &json).map_err(|e| ModelError::io(&path, e))
    }

    /// Deletes an installed model; its task then has no active model.
    pub fn remove(&self, id: &str) -> Result<(), ModelError> {
        if self.get(id).is_none() {
            return Err(ModelError::NotInstalled(id.to_string()));
        }
        let mut active = self.active();
        active.retain(|_, model| model != id);
        self.write_active(&active)?;
        let dir = self.model_dir(id);
        std::fs::remove_dir_all(&dir).map_err(|e| ModelError::io(&dir, e))
    }

    /// Every model reel knows (the built-in espeak-ng voice, then each manifest) with its state.
    pub fn catalogue(&self) -> Result<Vec<Entry>, ModelError> {
        let active = self.active();
        let mut entries = vec![Entry {
            id: ESPEAK.into(),
            task: "tts".into(),
            state: if self.active_for("tts").is_none() {
                "active"
            } else {
                "built in"
            },
            description: "espeak-ng formant voices (no model files)".into(),
            installed: None,
        }];
        for manifest in super::manifest::all()? {
            let installed = self.get(&manifest.id);
            let state = match &installed {
                Some(_) if active.get(&manifest.task) == Some(&manifest.id) => "active",
                Some(_) => "installed",
                None => "available",
            };
            entries.push(Entry {
                id: manifest.id,
                task: manifest.task,
                state,
                description: manifest.description,
                installed,
            });
        }
        Ok(entries)
    }

    /// Whether `manifest`'s model is installed with the manifest's files (not an older release
    /// of it) and every file still has its recorded hash.
    pub fn is_current(&self, manifest: &super::Manifest) -> Result<bool, ModelError> {
        let Some(installed) = self.get(&manifest.id) else {
            return Ok(false);
        };
        let same_files = manifest.files.len() == installed.files.len()
            && manifest.files.iter().all(|wanted| {
                installed
                    .files
                    .iter()
                    .any(|f| f.name == wanted.name && f.sha256 == wanted.sha256)
            });
        Ok(same_files && self.verify(&manifest.id)?.iter().all(|(_, ok)| ok.is_ok()))
    }

    /// Each file of `id` with whether its content still has the recorded hash.
    pub fn verify(&self, id: &str) -> Result<Vec<FileCheck>, ModelError> {
        let installed = self
            .get(id)
            .ok_or_else(|| ModelError::NotInstalled(id.to_string()))?;
        let dir = self.model_dir(id);
        Ok(installed
            .files
            .iter()
            .map(|file| {
                let check = match crate::render::cache::sha256_file(&dir.join(&file.name)) {
                    Ok(hash) if hash == file.sha256 => Ok(()),
                    Ok(hash) => Err(format!("sha256 is {hash}, installed as {}", file.sha256)),
                    Err(e) => Err(e.to_string()),
                };
                (file.name.clone(), check)
            })
            .collect())
    }
}
